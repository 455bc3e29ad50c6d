/*
 * cmd_fetch.c: recon fetch --date DATE [--channel NAME ...]
 *
 * Fetch and archive each configured channel's statement for the day (or
 * only the channels named), and nothing else: no reconciliation. One line
 * per channel on stdout (none with -q); failures are on stderr and in the
 * exit status, and the other channels are still fetched.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recon/cmd.h"
#include "recon/conf.h"
#include "recon/dayarg.h"
#include "recon/diag.h"
#include "recon/fetch.h"
#include "recon/ledger.h"
#include "recon/tz.h"
#include "recon/util.h"

static void print_line(const struct channel_conf *cc, const char *date, const struct fetched *fd)
{
	static const char *const what[] = {
		[FETCH_STORED] = "stored",
		[FETCH_NEW] = "archived",
		[FETCH_UNCHANGED] = "unchanged",
		[FETCH_REISSUED] = "re-issued",
		[FETCH_ARCHIVED] = "archived earlier",
	};

	printf("%s %s: %s, %llu bytes, sha256 %s\n", cc->name, date, what[fd->outcome],
	       (unsigned long long)fd->size, fd->sha256);
	fflush(stdout);
}

int cmd_fetch(int argc, char **argv, const struct globals *g)
{
	static const struct option longopts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "channel", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	const char **want = NULL, *date = NULL;
	size_t nwant = 0, awant = 0, i, j;
	struct conf *conf = NULL;
	struct ledger *l = NULL;
	struct fetcher *f = NULL;
	char *db = NULL, day_text[11];
	int64_t day;
	int ch, rc = RX_OK;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			date = optarg;
			break;
		case 'c':
			want = xgrow(want, &awant, nwant + 1, sizeof(*want));
			want[nwant++] = optarg;
			break;
		default:
			free(want);
			return option_error("fetch", ch, argv);
		}
	}
	if (!date || optind < argc) {
		free(want);
		return usage_of("fetch");
	}
	if (day_arg(date, &day) < 0) {
		fprintf(stderr, "recon: error: --date %s: not YYYY-MM-DD, today or yesterday\n", date);
		free(want);
		return usage_of("fetch");
	}
	date_format(day, day_text);

	conf = conf_load(g->config);
	if (!conf) {
		free(want);
		return RX_USAGE;
	}
	for (i = 0; i < nwant; i++) {
		if (!conf_channel(conf, want[i])) {
			error_at(RX_USAGE, conf->path, 0, "channel \"%s\" is not configured", want[i]);
			rc = RX_USAGE;
		}
	}
	if (!conf->nchannels) {
		error_at(RX_USAGE, conf->path, 0, "no channel configured");
		rc = RX_USAGE;
	}
	if (rc)
		goto out;

	db = conf_path(conf, conf->database);
	l = ledger_open(db, 1);
	if (l)
		f = fetcher_new(conf, ledger_db(l), db, isatty(2) && g->verbosity >= 0);
	if (!f) {
		rc = RX_INTERNAL;
		goto out;
	}
	for (i = 0; i < conf->nchannels; i++) {
		const struct channel_conf *cc = &conf->channels[i];
		struct fetched fd;
		int r;

		for (j = 0; j < nwant && strcmp(want[j], cc->name); j++)
			;
		if (nwant && j == nwant)
			continue;
		r = fetch_statement(f, cc, day, 0, &fd);
		if (r == RX_OK)
			r = fetch_record(f, cc, day, &fd);
		if (r == RX_OK && g->verbosity >= 0)
			print_line(cc, day_text, &fd);
		if (r > rc)
			rc = r;
		fetched_release(&fd);
	}
out:
	fetcher_free(f);
	ledger_close(l);
	conf_free(conf);
	free(db);
	free(want);
	return rc;
}
