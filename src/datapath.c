/* datapath.c: where formats/ and rules/ are looked up (see datapath.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recon/datapath.h"
#include "recon/util.h"

#ifndef RECON_DATADIR
#define RECON_DATADIR "/usr/local/share/recon"
#endif

static char *workspace;

struct dirlist {
	const char *kind;
	char **dirs;
	size_t n, alloc;
};

static struct dirlist lists[2] = { { "formats", NULL, 0, 0 }, { "rules", NULL, 0, 0 } };

void datapath_set_workspace(const char *dir)
{
	size_t i, j;

	free(workspace);
	workspace = dir ? xstrdup(dir) : NULL;
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		for (j = 0; j < lists[i].n; j++)
			free(lists[i].dirs[j]);
		lists[i].n = 0;
	}
}

static void add_dir(struct dirlist *l, char *d)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->dirs[i], d)) {
			free(d);
			return;
		}
	l->dirs = xgrow(l->dirs, &l->alloc, l->n + 1, sizeof(*l->dirs));
	l->dirs[l->n++] = d;
}

static void build(struct dirlist *l)
{
	const char *env = getenv(!strcmp(l->kind, "formats") ? "RECON_FORMAT_PATH"
							     : "RECON_RULES_PATH");
	const char *exe = exe_dir();

	if (env && *env) {
		const char *p = env;

		while (*p) {
			size_t n = strcspn(p, ":");

			if (n)
				add_dir(l, xstrndup(p, n));
			p += n;
			if (*p == ':')
				p++;
		}
	}
	if (workspace)
		add_dir(l, path_join(workspace, l->kind));
	if (exe)
		add_dir(l, path_join(exe, l->kind));
	add_dir(l, path_join(RECON_DATADIR, l->kind));
}

size_t datapath_dirs(const char *kind, const char *const **dirs)
{
	struct dirlist *l = !strcmp(kind, "rules") ? &lists[1] : &lists[0];

	if (!l->n)
		build(l);
	*dirs = (const char *const *)l->dirs;
	return l->n;
}

char *datapath_find(const char *kind, const char *name, const char *ext)
{
	const char *const *dirs;
	size_t i, n;

	if (strchr(name, '/'))
		return access(name, R_OK) == 0 ? xstrdup(name) : NULL;
	n = datapath_dirs(kind, &dirs);
	for (i = 0; i < n; i++) {
		char *file = xmalloc(strlen(name) + strlen(ext) + 1);
		char *p;

		strcpy(file, name);
		strcat(file, ext);
		p = path_join(dirs[i], file);
		free(file);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}
