/*
 * replay.c: checking a manifest's archived inputs, and running its day
 * again with `recon run` itself in a scratch workspace, so that a replay
 * takes exactly the code path the run took. Two hooks in recon run see to
 * what a workspace cannot say: the statement is the archived object under
 * its recorded name, and the recon version the outputs name is the
 * recorded one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recon/archive.h"
#include "recon/conf.h"
#include "recon/diag.h"
#include "recon/fetch.h"
#include "recon/strbuf.h"
#include "recon/util.h"
#include "replay_int.h"

#ifndef RECON_VERSION
#define RECON_VERSION "unknown"
#endif

/* ---- the hooks ---- */

static struct replay *active;

void replay_hooks_set(struct replay *rp)
{
	active = rp;
}

void replay_hooks_clear(void)
{
	active = NULL;
}

static const struct manifest_run *active_run(const char *channel)
{
	size_t i;

	if (!active)
		return NULL;
	for (i = 0; i < active->nsel; i++)
		if (!strcmp(active->sel[i]->channel, channel))
			return active->sel[i];
	return NULL;
}

int manifest_replay_statement(const char *channel, struct fetched *fd)
{
	const struct manifest_run *r = active_run(channel);

	if (!active)
		return 0;
	memset(fd, 0, sizeof(*fd));
	if (!r)
		return 0;
	fd->outcome = FETCH_ARCHIVED;
	fd->name = xstrdup(r->statement.name);
	fd->path = replay_object_path(active, r->statement.sha256);
	snprintf(fd->sha256, sizeof(fd->sha256), "%s", r->statement.sha256);
	fd->size = r->statement.size;
	return 1;
}

const char *manifest_recon_version(const char *channel)
{
	const struct manifest_run *r = active_run(channel);

	return r && r->recon_version ? r->recon_version : RECON_VERSION;
}

/* ---- the archive ---- */

char *replay_object_shown(const struct replay *rp, const char *hex)
{
	return archive_object_path(rp->archive_shown, hex);
}

char *replay_object_path(const struct replay *rp, const char *hex)
{
	return archive_object_path(rp->archive, hex);
}

/* 0 sound, 1 not (reported), -1 error. */
static int check_one(struct replay *rp, const char *hex, const char *what,
		     const char *channel)
{
	char *shown;
	int st;

	if (!*hex)
		return 0;
	st = archive_check(rp->archive, hex);
	if (st == ARCHIVE_OK)
		return 0;
	if (st < 0)
		return -1;
	shown = replay_object_shown(rp, hex);
	error_at(RX_BADINPUT, shown, 0, "%s (%s's %s)",
		 st == ARCHIVE_MISSING ? "missing" : "damaged (SHA-256 differs)", channel, what);
	free(shown);
	return 1;
}

int replay_check_inputs(struct replay *rp)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < rp->nsel; i++) {
		const struct manifest_run *r = rp->sel[i];
		const struct {
			const char *hex, *what;
		} in[] = {
			{ r->statement.sha256, "statement" },
			{ r->format_file.sha256, "format file" },
			{ r->rules_file.sha256, "rules file" },
			{ r->ledger.object, "ledger extract" },
			{ r->suspense.object, "suspense extract" },
		};
		size_t j;

		for (j = 0; j < ARRAY_SIZE(in); j++) {
			int rc = check_one(rp, in[j].hex, in[j].what, r->channel);

			if (rc < 0)
				return -1;
			bad |= rc;
		}
	}
	return bad;
}

/* ---- running the day again ---- */

int replay_run(struct replay *rp)
{
	struct globals g2;
	struct strbuf conf = STRBUF_INIT;
	const char **argv;
	char *fmt_dir, *rules_dir, *old_fmt, *old_rules;
	const char *e;
	size_t i;
	int argc = 0, rc, out = -1, cwd, devnull, verbose = rp->g->verbosity > 0;
	enum recon_exit before = diag_status();
	int verbosity = diag_verbosity();

	sb_addf(&conf, "%s/recon.conf", rp->scratch);
	argv = xcalloc(2 * rp->nsel + 8, sizeof(*argv));
	argv[argc++] = "run";
	argv[argc++] = "--date";
	argv[argc++] = rp->date;
	argv[argc++] = "--offline";
	/* A channel the run reconciled without the option had no rejects. */
	argv[argc++] = "--allow-rejects";
	for (i = 0; i < rp->nsel; i++) {
		argv[argc++] = "--channel";
		argv[argc++] = rp->sel[i]->channel;
	}
	argv[argc] = NULL;
	memset(&g2, 0, sizeof(g2));
	g2.config = conf.buf;
	g2.verbosity = verbose ? 1 : -1;

	/* The archived formats and rules, before any other folder. */
	fmt_dir = path_join(rp->scratch, "formats");
	rules_dir = path_join(rp->scratch, "rules");
	e = getenv("RECON_FORMAT_PATH");
	old_fmt = e ? xstrdup(e) : NULL;
	e = getenv("RECON_RULES_PATH");
	old_rules = e ? xstrdup(e) : NULL;
	setenv("RECON_FORMAT_PATH", fmt_dir, 1);
	setenv("RECON_RULES_PATH", rules_dir, 1);
	/* Formats named by a relative path are found from the workspace. */
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || chdir(rp->scratch) < 0) {
		error_at(RX_INTERNAL, rp->scratch, 0, "cannot enter: %s", strerror(errno));
		rc = RX_INTERNAL;
		goto restore;
	}
	/* The run's one line per channel is not the replay's to print. */
	fflush(stdout);
	out = dup(1);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (out >= 0 && devnull >= 0)
		dup2(devnull, 1);
	if (devnull >= 0)
		close(devnull);
	if (!verbose)
		diag_quiet(1);
	replay_hooks_set(rp);
	rc = cmd_run(argc, (char **)argv, &g2);
	replay_hooks_clear();
	if (!verbose)
		diag_quiet(0);
	fflush(stdout);
	if (out >= 0) {
		dup2(out, 1);
		close(out);
	}
	/* What the run raised is its own; the replay says what it found. */
	diag_reset();
	diag_set_verbosity(verbosity);
	diag_raise(before);
	if (fchdir(cwd) < 0)
		error_at(RX_INTERNAL, NULL, 0, "cannot return to the folder: %s", strerror(errno));
restore:
	if (cwd >= 0)
		close(cwd);
	if (old_fmt)
		setenv("RECON_FORMAT_PATH", old_fmt, 1);
	else
		unsetenv("RECON_FORMAT_PATH");
	if (old_rules)
		setenv("RECON_RULES_PATH", old_rules, 1);
	else
		unsetenv("RECON_RULES_PATH");
	free(old_fmt);
	free(old_rules);
	free(fmt_dir);
	free(rules_dir);
	free(argv);
	sb_release(&conf);
	return rc;
}
