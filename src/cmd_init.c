/*
 * cmd_init.c: recon init [DIR], a new workspace.
 *
 * recon.conf is written first, with O_EXCL so that an existing one is never
 * touched, and read back with conf_load_file() so the folders and database
 * are made where the configuration says. If a later step fails, the new
 * recon.conf is removed again: a workspace with a recon.conf is a finished
 * one, and running init again after fixing the cause just works.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recon/cmd.h"
#include "recon/conf.h"
#include "recon/diag.h"
#include "recon/ledger.h"
#include "recon/strbuf.h"
#include "recon/util.h"

/* Write text to a new file path; 0, or -1 after reporting. */
static int write_new(const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);

	if (fd < 0) {
		if (errno == EEXIST)
			error_at(RX_USAGE, path, 0, "already exists; not overwriting it");
		else
			error_at(RX_INTERNAL, path, 0, "cannot create: %s", strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error_at(RX_INTERNAL, path, 0, "cannot write: %s", strerror(errno));
			close(fd);
			unlink(path);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0) {
		error_at(RX_INTERNAL, path, 0, "cannot write: %s", strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* mkdir -p dir, noting it in made when it did not exist; 0 or -1. */
static int make_dir(const char *dir, struct strbuf *made)
{
	int fresh = !exists(dir);

	if (mkdir_p(dir, 0777) < 0) {
		error_at(RX_INTERNAL, dir, 0, "cannot create folder: %s", strerror(errno));
		return -1;
	}
	if (fresh)
		sb_addf(made, "created %s/\n", dir);
	return 0;
}

/* The folders and database recon.conf names, relative to its folder. */
static int populate(const struct conf *c, struct strbuf *made)
{
	const char *const dirs[] = { c->archive_dir, c->output_dir, "statements" };
	struct ledger *l;
	char *p;
	size_t i;
	int fresh;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		p = conf_path(c, dirs[i]);
		if (make_dir(p, made) < 0) {
			free(p);
			return -1;
		}
		free(p);
	}
	p = conf_path(c, c->database);
	fresh = !exists(p);
	l = ledger_open(p, 1);
	if (!l) {
		free(p);
		return -1;
	}
	ledger_close(l);
	if (fresh)
		sb_addf(made, "created %s\n", p);
	free(p);
	return 0;
}

int cmd_init(int argc, char **argv, const struct globals *g)
{
	struct strbuf made = STRBUF_INIT;
	struct conf *c;
	char *dir, *path;
	size_t n;
	int i = 1, rc = RX_OK;

	/* init has no options of its own; "--" still allows a DIR named "-x". */
	if (i < argc && !strcmp(argv[i], "--")) {
		i++;
	} else if (i < argc && argv[i][0] == '-' && argv[i][1]) {
		fprintf(stderr, "recon: error: %s: unknown option\n", argv[i]);
		return usage_of("init");
	}
	if (argc - i > 1)
		return usage_of("init");
	dir = xstrdup(i < argc ? argv[i] : ".");
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	if (!n) {
		free(dir);
		return usage_of("init");
	}
	path = strcmp(dir, ".") ? path_join(dir, "recon.conf") : xstrdup("recon.conf");
	/* Checked before making DIR, so a refusal leaves nothing behind. */
	if (exists(path)) {
		error_at(RX_USAGE, path, 0, "already exists; not overwriting it");
		rc = RX_USAGE;
		goto out;
	}
	if (make_dir(dir, &made) < 0 || write_new(path, conf_template()) < 0) {
		rc = diag_status();
		goto out;
	}
	sb_addf(&made, "created %s\n", path);
	c = conf_load_file(path);
	if (!c || populate(c, &made) < 0) {
		unlink(path);
		error_at(RX_INTERNAL, path, 0, "removed again, as the workspace could not be completed");
		rc = RX_INTERNAL;
	} else if (g->verbosity >= 0) {
		fputs(made.buf, stdout);
	}
	conf_free(c);
out:
	free(dir);
	free(path);
	sb_release(&made);
	return rc;
}
