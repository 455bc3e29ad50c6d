/*
 * registry.c: the one table of decoder kinds. A new kind is a new file
 * with its struct kind_ops and a line here; nothing else knows the list.
 */
#include <string.h>

#include "engine.h"

static const struct kind_ops *const kinds[] = {
	&kind_csv,
};

const struct kind_ops *kind_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i]->name, name))
			return kinds[i];
	return NULL;
}

const char *kind_names(void)
{
	static char names[128];
	size_t i;

	if (!names[0])
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			if (i)
				strcat(names, ", ");
			strcat(names, kinds[i]->name);
		}
	return names;
}
