/*
 * cmd_replay.c: recon replay --date DATE [--run ID] [--channel NAME]...
 *
 * Runs a recorded day again from the archive alone (the manifest's
 * statements, ledger and suspense extracts, format and rules files) in a
 * scratch workspace, then compares its outputs with the recorded ones.
 * The workspace's database is only read, never written.
 *
 * Exit status: 0 identical; 1 some output differs (listed); 2 usage, or no
 * manifest to replay; 3 an archived input is missing or damaged; 5 the
 * replay itself failed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "recon/cmd.h"
#include "recon/conf.h"
#include "recon/dayarg.h"
#include "recon/diag.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"
#include "manifest_int.h"
#include "replay_int.h"

#ifndef RECON_VERSION
#define RECON_VERSION "unknown"
#endif

/* The manifest of rp->date (id, or the latest with 0) from the live
 * database, opened read-only. */
static int load(struct replay *rp, int64_t id)
{
	char *db = conf_path(rp->conf, rp->conf->database);
	int64_t *ids = NULL;
	size_t nids = 0, i;
	sqlite3 *h = NULL;
	int rc = RX_INTERNAL, r;

	if (access(db, F_OK) < 0 && errno == ENOENT) {
		error_at(RX_USAGE, db, 0, "no such database: nothing was run in this workspace");
		rc = RX_USAGE;
		goto out;
	}
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		error_at(RX_INTERNAL, db, 0, "cannot open: %s", h ? sqlite3_errmsg(h) : "no memory");
		goto out;
	}
	sqlite3_busy_timeout(h, 5000);
	r = manifest_store_exists(h, db);
	if (r < 0)
		goto out;
	r = r ? manifest_store_load(h, db, rp->date, id, &rp->md, &ids, &nids) : 0;
	if (r < 0)
		goto out;
	if (r == 0 && (!id || !nids)) {
		error_at(RX_USAGE, NULL, 0, "%s: no run manifest recorded for that day", rp->date);
		rc = RX_USAGE;
		goto out;
	}
	if (r == 0) {
		struct strbuf sb = STRBUF_INIT;

		for (i = 0; i < nids; i++)
			sb_addf(&sb, "%s%lld", i ? ", " : "", (long long)ids[i]);
		error_at(RX_USAGE, NULL, 0, "--run %lld: not a manifest of %s (%s has %s)",
			 (long long)id, rp->date, rp->date, sb.buf);
		sb_release(&sb);
		rc = RX_USAGE;
		goto out;
	}
	rp->latest = rp->md.id == ids[nids - 1];
	rc = RX_OK;
out:
	sqlite3_close(h);
	free(ids);
	free(db);
	return rc;
}

/* The channel runs to replay: those named, or every one of the day. */
static int select_runs(struct replay *rp, const char **want, size_t nwant)
{
	size_t i, j;
	int rc = RX_OK;

	rp->sel = xcalloc(rp->md.nruns + 1, sizeof(*rp->sel));
	for (i = 0; i < nwant; i++) {
		for (j = 0; j < rp->md.nruns && strcmp(rp->md.runs[j].channel, want[i]); j++)
			;
		if (j < rp->md.nruns) {
			size_t k;

			for (k = 0; k < rp->nsel && rp->sel[k] != &rp->md.runs[j]; k++)
				;
			if (k == rp->nsel)
				rp->sel[rp->nsel++] = &rp->md.runs[j];
			continue;
		}
		for (j = 0; j < rp->md.nunrecorded && strcmp(rp->md.unrecorded[j], want[i]); j++)
			;
		if (j < rp->md.nunrecorded)
			error_at(RX_USAGE, want[i], 0, "%s was run before recon kept run manifests: "
				 "it cannot be replayed", rp->date);
		else
			error_at(RX_USAGE, want[i], 0, "no run of this channel in manifest %lld of %s",
				 (long long)rp->md.id, rp->date);
		rc = RX_USAGE;
	}
	if (!nwant) {
		for (j = 0; j < rp->md.nunrecorded; j++) {
			error_at(RX_USAGE, rp->md.unrecorded[j], 0, "%s was run before recon kept run "
				 "manifests: it cannot be replayed (--channel replays the others)",
				 rp->date);
			rc = RX_USAGE;
		}
		for (j = 0; j < rp->md.nruns; j++)
			rp->sel[rp->nsel++] = &rp->md.runs[j];
	}
	/* The day's files are the replay's own only when every channel is in. */
	rp->all = rp->nsel == rp->md.nruns && !rp->md.nunrecorded;
	return rc;
}

static void say_what(const struct replay *rp)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < rp->nsel; i++)
		sb_addf(&sb, "%s%s (run %lld)", i ? ", " : "", rp->sel[i]->channel,
			(long long)rp->sel[i]->run_id);
	info("replaying manifest %lld of %s: %s", (long long)rp->md.id, rp->date, sb.buf);
	for (i = 0; i < rp->nsel; i++)
		if (strcmp(rp->sel[i]->recon_version, RECON_VERSION))
			info("%s: recorded by recon %s, replayed by recon %s", rp->sel[i]->channel,
			     rp->sel[i]->recon_version, RECON_VERSION);
	sb_release(&sb);
}

int cmd_replay(int argc, char **argv, const struct globals *g)
{
	static const struct option longopts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'r' },
		{ "channel", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct replay rp;
	const char **want = NULL, *date = NULL, *run = NULL;
	size_t nwant = 0, awant = 0;
	int64_t id = 0;
	int ch, rc;

	memset(&rp, 0, sizeof(rp));
	rp.g = g;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			date = optarg;
			break;
		case 'r':
			run = optarg;
			break;
		case 'c':
			want = xgrow(want, &awant, nwant + 1, sizeof(*want));
			want[nwant++] = optarg;
			break;
		default:
			free(want);
			return option_error("replay", ch, argv);
		}
	}
	if (!date || optind < argc) {
		free(want);
		return usage_of("replay");
	}
	if (day_arg(date, &rp.day) < 0) {
		fprintf(stderr, "recon: error: --date %s: not YYYY-MM-DD, today or yesterday\n", date);
		free(want);
		return usage_of("replay");
	}
	if (run && parse_int(run, 1, INT64_MAX, &id)) {
		fprintf(stderr, "recon: error: --run %s: not a manifest number\n", run);
		free(want);
		return usage_of("replay");
	}
	date_format(rp.day, rp.date);

	rp.conf = conf_load(g->config);
	if (!rp.conf) {
		free(want);
		return RX_USAGE;
	}
	rp.archive = conf_path(rp.conf, rp.conf->archive_dir);
	{
		/* The replay runs in its scratch folder: no relative paths. */
		char *abs = realpath(rp.archive, NULL);

		if (abs) {
			free(rp.archive);
			rp.archive = abs;
		}
	}
	rp.archive_shown = xstrdup(rp.conf->archive_dir);
	{
		char *out = conf_path(rp.conf, rp.conf->output_dir);

		rp.outdir = path_join(out, rp.date);
		rp.outdir_shown = path_join(rp.conf->output_dir, rp.date);
		free(out);
	}
	rc = load(&rp, id);
	if (rc == RX_OK)
		rc = select_runs(&rp, want, nwant);
	if (rc != RX_OK)
		goto out;
	if (g->verbosity > 0)
		say_what(&rp);
	rc = replay_check_inputs(&rp);
	if (rc) {
		rc = rc < 0 ? RX_INTERNAL : RX_BADINPUT;
		goto out;
	}
	rp.scratch = manifest_mkdtemp("replay");
	if (!rp.scratch) {
		rc = RX_INTERNAL;
		goto out;
	}
	{
		struct strbuf sb = STRBUF_INIT;

		sb_addf(&sb, "%s/out/%s", rp.scratch, rp.date);
		rp.scratch_out = sb_detach(&sb, NULL);
	}
	if (replay_build(&rp) < 0) {
		rc = diag_status() > RX_INTERNAL ? diag_status() : RX_INTERNAL;
		goto out;
	}
	rc = replay_run(&rp);
	if (rc != RX_OK && rc != RX_DISCREPANCY) {
		error_at(RX_INTERNAL, NULL, 0, "%s: the day could not be run again (recon -v replay "
			 "shows why)", rp.date);
		rc = RX_INTERNAL;
		goto out;
	}
	rc = replay_compare(&rp);
	if (rc < 0) {
		rc = RX_INTERNAL;
	} else if (rc == 0) {
		puts("identical");
		rc = RX_OK;
	} else {
		rc = RX_DISCREPANCY;
	}
	if (fflush(stdout) != 0) {
		error_at(RX_INTERNAL, NULL, 0, "standard output: %s", strerror(errno));
		rc = RX_INTERNAL;
	}
out:
	if (rp.scratch && !getenv("RECON_REPLAY_KEEP"))
		manifest_rmtree(rp.scratch);
	else if (rp.scratch)
		info("replay: the scratch workspace is kept in %s", rp.scratch);
	free(rp.scratch);
	free(rp.scratch_out);
	free(rp.sel);
	manifest_day_release(&rp.md);
	free(rp.archive);
	free(rp.archive_shown);
	free(rp.outdir);
	free(rp.outdir_shown);
	conf_free(rp.conf);
	free(want);
	return rc;
}
