/*
 * cmd_formats.c: recon formats, the statement formats the data path holds:
 * name, kind and description, and with -v the file each comes from.
 * A format file that does not load is listed too, after its errors, so
 * the author sees which one is broken; the exit status is then 2.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/fmt.h"
#include "recon/cmd.h"
#include "recon/datapath.h"
#include "recon/diag.h"
#include "recon/strbuf.h"
#include "recon/util.h"

struct line {
	char *name, *kind, *description, *path;
};

struct listing {
	struct line *lines;
	size_t n, alloc;
};

static void collect(const char *name, const char *path, const struct format *f, void *ctx)
{
	struct listing *l = ctx;
	struct line *ln;

	l->lines = xgrow(l->lines, &l->alloc, l->n + 1, sizeof(*l->lines));
	ln = &l->lines[l->n++];
	ln->name = xstrdup(name);
	ln->kind = xstrdup(f ? format_kind(f) : "?");
	ln->description = xstrdup(f ? format_description(f) : "(does not load)");
	ln->path = xstrdup(path);
}

int cmd_formats(int argc, char **argv, const struct globals *g)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct listing l = { NULL, 0, 0 };
	int ch, verbose = g->verbosity > 0, wname = 4, wkind = 4, wpath = 4;
	size_t i;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		if (ch != 'v') {
			error_at(RX_USAGE, NULL, 0, "%s: unknown option", argv[optind - 1]);
			return usage_of("formats");
		}
		verbose = 1;
	}
	if (optind != argc)
		return usage_of("formats");
	fmt_scan(collect, &l);
	for (i = 0; i < l.n; i++) {
		if ((int)strlen(l.lines[i].name) > wname)
			wname = (int)strlen(l.lines[i].name);
		if ((int)strlen(l.lines[i].kind) > wkind)
			wkind = (int)strlen(l.lines[i].kind);
		if ((int)strlen(l.lines[i].path) > wpath)
			wpath = (int)strlen(l.lines[i].path);
	}
	for (i = 0; i < l.n; i++) {
		struct line *ln = &l.lines[i];

		if (verbose)
			printf("%-*s  %-*s  %-*s  %s\n", wname, ln->name, wkind, ln->kind, wpath,
			       ln->path, ln->description);
		else
			printf("%-*s  %-*s  %s\n", wname, ln->name, wkind, ln->kind,
			       ln->description);
		free(ln->name);
		free(ln->kind);
		free(ln->description);
		free(ln->path);
	}
	free(l.lines);
	if (!l.n) {
		const char *const *dirs;
		size_t nd = datapath_dirs("formats", &dirs);
		struct strbuf sb = STRBUF_INIT;

		for (i = 0; i < nd; i++)
			sb_addf(&sb, "%s%s", i ? ", " : "", dirs[i]);
		warn_at(NULL, 0, "no formats found in %s", sb.buf);
		sb_release(&sb);
	}
	return diag_status() > RX_OK ? (int)diag_status() : RX_OK;
}
