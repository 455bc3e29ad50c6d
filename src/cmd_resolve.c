/*
 * cmd_resolve.c: recon resolve ID [--note TEXT] [--reopen] [--date DATE]
 *
 * Finance staff mark a discrepancy handled. ID is its idempotency key as
 * report.txt and corrections.csv print it, or a prefix of at least
 * MIN_PREFIX hexadecimal digits that only one key has. The same key can
 * come back on a later day (a second surplus charge of an order): without
 * --date the latest day that recorded it is the one meant, since that is
 * the one still being worked. Status and note are kept when the day is run
 * again, and none of the day's files show them, so a replay still matches.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recon/classify.h"
#include "recon/cmd.h"
#include "recon/conf.h"
#include "recon/dayarg.h"
#include "recon/diag.h"
#include "recon/ledger.h"
#include "recon/runstore.h"
#include "recon/tz.h"

#define MIN_PREFIX 6
#define RESOLVE_BUSY_MS 5000
#define SHOW_KEYS 4          /* keys an ambiguous prefix names */

/* Lowercase id into key; 0 when it is MIN_PREFIX to CORRECTION_KEYLEN
 * hexadecimal digits, else -1. */
static int key_arg(const char *id, char *key)
{
	size_t i, n = strlen(id);

	if (n < MIN_PREFIX || n > CORRECTION_KEYLEN)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)id[i]))
			return -1;
		key[i] = (char)tolower((unsigned char)id[i]);
	}
	key[n] = '\0';
	return 0;
}

struct found {
	char key[CORRECTION_KEYLEN + 1];
	char line[1024];     /* CLASS/REASON CHANNEL ORDER DATE */
};

static int describe(const struct stored_discrepancy *sd, void *ctx)
{
	struct found *f = ctx;

	if (strcmp(sd->c.key, f->key))
		return 0;
	snprintf(f->line, sizeof(f->line), "%s/%s %s %s %s", class_name(sd->d.cls),
		 reason_name(sd->d.reason), sd->channel,
		 *sd->d.order_code ? sd->d.order_code : "-", sd->date);
	return 1;
}

/* The one key prefix stands for, into key: RX_OK or the status after
 * reporting. */
static int pick_key(struct runstore *rs, const char *prefix, int64_t day, const char *date,
		    char *key)
{
	char keys[SHOW_KEYS][CORRECTION_KEYLEN + 1];
	char where[32] = "";
	int n, i;

	n = runstore_match_keys(rs, prefix, day, keys, SHOW_KEYS);
	if (n < 0)
		return RX_INTERNAL;
	if (date)
		snprintf(where, sizeof(where), " on %s", date);
	if (!n) {
		error_at(RX_USAGE, NULL, 0, "%s: no discrepancy has that key%s", prefix, where);
		return RX_USAGE;
	}
	if (n > 1) {
		char list[SHOW_KEYS * (CORRECTION_KEYLEN + 2) + 32] = "";
		size_t len = 0;

		for (i = 0; i < n && i < SHOW_KEYS; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						i ? ", " : "", keys[i]);
		if (n > SHOW_KEYS)
			snprintf(list + len, sizeof(list) - len, " and %d more", n - SHOW_KEYS);
		error_at(RX_USAGE, NULL, 0, "%s: ambiguous key%s: %s", prefix, where, list);
		return RX_USAGE;
	}
	memcpy(key, keys[0], sizeof(keys[0]));
	return RX_OK;
}

/* Set the handling of the discrepancy prefix names; f says which it was.
 * Returns RX_OK or the status after reporting. */
static int resolve(struct runstore *rs, const char *prefix, int64_t day, const char *date,
		   int reopen, const char *note, struct found *f)
{
	char *key = f->key, d[16];
	int rc;

	rc = pick_key(rs, prefix, day, date, key);
	if (rc != RX_OK)
		return rc;
	if (!date) {
		rc = runstore_key_latest_day(rs, key, &day);
		if (rc <= 0) {
			if (!rc)
				error_at(RX_INTERNAL, NULL, 0, "%s: discrepancy vanished", key);
			return RX_INTERNAL;
		}
	}
	if (runstore_set_handling(rs, day, key, reopen ? RUNSTORE_OPEN : RUNSTORE_RESOLVED,
				  note) <= 0) {
		date_format(day, d);
		error_at(RX_INTERNAL, NULL, 0, "%s: no discrepancy of %s changed", key, d);
		return RX_INTERNAL;
	}
	return runstore_each_discrepancy(rs, day, -1, ORDER_FILE, describe, f) < 0
		? RX_INTERNAL : RX_OK;
}

int cmd_resolve(int argc, char **argv, const struct globals *g)
{
	static const struct option longopts[] = {
		{ "note", required_argument, NULL, 'n' },
		{ "reopen", no_argument, NULL, 'r' },
		{ "date", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char *note = NULL, *date = NULL;
	char prefix[CORRECTION_KEYLEN + 1], d[16];
	struct conf *conf = NULL;
	struct ledger *l = NULL;
	struct runstore *rs = NULL;
	struct found f;
	int64_t day = RUNSTORE_ANY_DAY;
	int ch, rc, reopen = 0;
	char *db = NULL;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			note = optarg;
			break;
		case 'r':
			reopen = 1;
			break;
		case 'd':
			date = optarg;
			break;
		default:
			return option_error("resolve", ch, argv);
		}
	}
	if (optind + 1 != argc)
		return usage_of("resolve");
	if (key_arg(argv[optind], prefix) < 0) {
		fprintf(stderr, "recon: error: %s: not a discrepancy's key (%d to %d hexadecimal"
			" digits)\n", argv[optind], MIN_PREFIX, CORRECTION_KEYLEN);
		return usage_of("resolve");
	}
	if (date) {
		if (day_arg(date, &day) < 0) {
			fprintf(stderr, "recon: error: --date %s: not YYYY-MM-DD, today or"
				" yesterday\n", date);
			return usage_of("resolve");
		}
		date_format(day, d);
		date = d;
	}
	conf = conf_load(g->config);
	if (!conf)
		return RX_USAGE;
	db = conf_path(conf, conf->database);
	l = ledger_open(db, 0);
	if (!l || ledger_begin(l, RESOLVE_BUSY_MS) < 0) {
		rc = RX_INTERNAL;
		goto out;
	}
	rs = runstore_open(ledger_db(l), db, 0);
	memset(&f, 0, sizeof(f));
	rc = rs ? resolve(rs, prefix, day, date, reopen, note, &f) : RX_INTERNAL;
	if (rc != RX_OK) {
		ledger_rollback(l);
		goto out;
	}
	if (ledger_commit(l) < 0) {
		rc = RX_INTERNAL;
		goto out;
	}
	if (g->verbosity >= 0)
		printf("%s %s (%s)\n", reopen ? "reopened" : "resolved", f.key, f.line);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error_at(RX_INTERNAL, NULL, 0, "standard output: write error");
		rc = RX_INTERNAL;
	}
out:
	runstore_close(rs);
	ledger_close(l);
	free(db);
	conf_free(conf);
	return rc;
}
