/*
 * registry.c: the one table of decoder kinds. A new kind is a new file
 * with its struct kind_ops, a line in kinds[] and its name in kind_names();
 * nothing else knows the list.
 */
#include <string.h>

#include "engine.h"

static const struct kind_ops *const kinds[] = {
	&kind_csv,
	&kind_fixed,
};

const struct kind_ops *kind_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i]->name, name))
			return kinds[i];
	return NULL;
}

/* Kept by hand next to the table: a static string needs no lock. */
const char *kind_names(void)
{
	return "csv, fixed";
}
