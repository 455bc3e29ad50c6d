/*
 * cmd_ledger.c: recon ledger import [--format NAME] [--allow-rejects]
 *                                   [--rejects FILE] FILE...
 *
 * Every FILE is decoded and loaded in one transaction: an import is all
 * or nothing, unless --allow-rejects lets the good rows of files with bad
 * rows in. A file that cannot be read at all (missing, empty, no header)
 * always means nothing is imported.
 *
 * On top of what the format checks, the ledger has rules of its own that a
 * format cannot say (design.md, "Ledger"); rows breaking them are rejected
 * here, in the same words as the decoder's rejects.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recon/cmd.h"
#include "recon/conf.h"
#include "recon/decode.h"
#include "recon/diag.h"
#include "recon/ledger.h"
#include "recon/strbuf.h"
#include "recon/util.h"

/* How long an import waits for another recon's write to finish. */
#define IMPORT_BUSY_MS 10000

struct import {
	struct ledger *l;
	int allow_rejects;
	int discard;          /* nothing will be committed: stop writing */
	int failed;           /* a database error: stop */
	uint64_t counts[3];   /* by enum ledger_put_result */
	uint64_t rejects;     /* rows this file refused here, not in the decoder */
};

/* The ledger's own rules; a message for a row that breaks one, or NULL. */
static const char *check_row(const struct record *r, const char **column)
{
	int paid = r->paid_time != REC_NO_TIME;

	if (r->kind != KIND_PAY && r->kind != KIND_REFUND) {
		*column = "kind";
		return "the ledger holds PAY and REFUND rows only";
	}
	if (r->kind == KIND_REFUND && !*r->refund_code) {
		*column = "refund_code";
		return "empty on a REFUND row";
	}
	if (r->kind == KIND_PAY && *r->refund_code) {
		*column = "refund_code";
		return "set on a PAY row";
	}
	if (!*r->order_code) {
		*column = "order_code";
		return "empty";
	}
	if (!*r->channel) {
		*column = "channel";
		return "empty";
	}
	/* The merchant's cash view: a refund with the payment's sign would
	 * turn every refund into an amount discrepancy. */
	if (r->kind == KIND_PAY && r->amount < 0) {
		*column = "amount";
		return "negative on a PAY row (payments are positive)";
	}
	if (r->kind == KIND_REFUND && r->amount > 0) {
		*column = "amount";
		return "positive on a REFUND row (refunds are negative)";
	}
	if (r->status != STATUS_SUCCESS && r->status != STATUS_PENDING &&
	    r->status != STATUS_CLOSED) {
		*column = "status";
		return "the ledger takes SUCCESS, PENDING or CLOSED";
	}
	/* A paid item without a paid time would never fall due, so no run
	 * would ever notice the statement lacks it. */
	if (r->status == STATUS_SUCCESS && !paid) {
		*column = "paid_at";
		return "empty on a SUCCESS row";
	}
	if (r->status != STATUS_SUCCESS && paid) {
		*column = "paid_at";
		return r->status == STATUS_PENDING ? "set on a PENDING row" : "set on a CLOSED row";
	}
	return NULL;
}

static int on_record(const struct record *r, void *ctx)
{
	struct import *im = ctx;
	const char *column, *why = check_row(r, &column);
	int res;

	if (why) {
		error_at(RX_BADINPUT, r->file, r->line, "%s: %s", column, why);
		im->rejects++;
		if (!im->allow_rejects)
			im->discard = 1;
		return 0;
	}
	if (im->discard)
		return 0;
	res = ledger_put(im->l, r);
	if (res < 0) {
		im->failed = 1;
		return 1;
	}
	im->counts[res]++;
	return 0;
}

/* out/rejects/ledger-import-NAME.csv, NAME the first file's base name
 * without its .csv, .txt, .gz, .zip, .tar or .tgz endings. */
static char *default_rejects(const struct conf *c, const char *first)
{
	static const char *const exts[] = { ".gz", ".tgz", ".zip", ".tar", ".csv", ".txt" };
	const char *base = path_basename(first);
	size_t n = strlen(base), i = 0, e;
	char *name, *dir, *path;
	struct strbuf sb = STRBUF_INIT;

	/* Again from the start after each hit: "x.csv.gz" loses both. */
	while (i < ARRAY_SIZE(exts)) {
		e = strlen(exts[i]);
		if (n > e && !memcmp(base + n - e, exts[i], e)) {
			n -= e;
			i = 0;
		} else {
			i++;
		}
	}
	sb_addf(&sb, "rejects/ledger-import-%.*s.csv", (int)n, base);
	name = sb_detach(&sb, NULL);
	dir = conf_path(c, c->output_dir);
	path = path_join(dir, name);
	free(dir);
	free(name);
	return path;
}

static int import(int argc, char **argv, const struct globals *g)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "allow-rejects", no_argument, NULL, 'a' },
		{ "rejects", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *format_name = "ledger-csv", *rejects_opt = NULL;
	struct import im;
	struct decode_opts o;
	struct decode_stats st;
	struct conf *c = NULL;
	struct format *f = NULL;
	char *db = NULL, *rejects = NULL, *dir;
	uint64_t rows = 0, rejected = 0;
	int ch, i, unreadable = 0, rc = RX_OK;

	memset(&im, 0, sizeof(im));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			format_name = optarg;
			break;
		case 'a':
			im.allow_rejects = 1;
			break;
		case 'r':
			rejects_opt = optarg;
			break;
		case ':':
			fprintf(stderr, "recon: error: %s: missing argument\n", argv[optind - 1]);
			return usage_of("ledger");
		default:
			fprintf(stderr, "recon: error: %s: unknown option\n", argv[optind - 1]);
			return usage_of("ledger");
		}
	}
	if (optind >= argc)
		return usage_of("ledger");

	c = conf_load(g->config);
	if (!c)
		return RX_USAGE;
	f = format_load(format_name);
	if (!f) {
		rc = RX_USAGE;
		goto out;
	}
	rejects = rejects_opt ? xstrdup(rejects_opt) : default_rejects(c, argv[optind]);
	/* The reject file tells about this import only. */
	if (unlink(rejects) < 0 && errno != ENOENT) {
		error_at(RX_INTERNAL, rejects, 0, "cannot remove: %s", strerror(errno));
		rc = RX_INTERNAL;
		goto out;
	}
	dir = path_dirname(rejects);
	if (mkdir_p(dir, 0777) < 0) {
		error_at(RX_INTERNAL, dir, 0, "cannot create folder: %s", strerror(errno));
		free(dir);
		rc = RX_INTERNAL;
		goto out;
	}
	free(dir);

	db = conf_path(c, c->database);
	im.l = ledger_open(db, 1);
	if (!im.l || ledger_begin(im.l, IMPORT_BUSY_MS) < 0) {
		rc = RX_INTERNAL;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.reject_path = rejects;
	o.statement_day = INT64_MIN;
	/* Every file is read even after one failed, so one run shows every
	 * problem; rows are only written while they can still be committed. */
	for (i = optind; i < argc && !im.failed; i++) {
		memset(&st, 0, sizeof(st));
		im.rejects = 0;
		if (decode_file(f, argv[i], &o, on_record, &im, &st) < 0 && !im.failed) {
			unreadable = 1;
			im.discard = 1;
		}
		rows += st.rows + st.rejects;
		rejected += st.rejects + im.rejects;
		if (st.rejects && !im.allow_rejects)
			im.discard = 1;
	}
	if (im.failed) {
		ledger_rollback(im.l);
		rc = RX_INTERNAL;
		goto out;
	}
	if (unreadable) {
		ledger_rollback(im.l);
		error_at(RX_BADINPUT, NULL, 0, "ledger import: nothing imported");
		rc = RX_BADINPUT;
		goto out;
	}
	if (rejected && !im.allow_rejects) {
		ledger_rollback(im.l);
		error_at(RX_BADINPUT, NULL, 0,
			 "ledger import: %llu %s rejected, nothing imported (see %s;"
			 " --allow-rejects imports the good rows)",
			 (unsigned long long)rejected, rejected == 1 ? "row" : "rows", rejects);
		rc = RX_BADINPUT;
		goto out;
	}
	if (ledger_commit(im.l) < 0) {
		rc = RX_INTERNAL;
		goto out;
	}
	if (g->verbosity >= 0)
		printf("ledger import: %llu %s: %llu inserted, %llu updated, %llu unchanged,"
		       " %llu rejected\n", (unsigned long long)rows, rows == 1 ? "row" : "rows",
		       (unsigned long long)im.counts[LEDGER_INSERTED],
		       (unsigned long long)im.counts[LEDGER_UPDATED],
		       (unsigned long long)im.counts[LEDGER_UNCHANGED],
		       (unsigned long long)rejected);
	if (rejected) {
		error_at(RX_BADINPUT, NULL, 0, "ledger import: %llu %s rejected (see %s)",
			 (unsigned long long)rejected, rejected == 1 ? "row" : "rows", rejects);
		rc = RX_BADINPUT;
	}
out:
	ledger_close(im.l);
	format_free(f);
	conf_free(c);
	free(db);
	free(rejects);
	return rc;
}

int cmd_ledger(int argc, char **argv, const struct globals *g)
{
	if (argc < 2)
		return usage_of("ledger");
	if (!strcmp(argv[1], "import"))
		return import(argc - 1, argv + 1, g);
	fprintf(stderr, "recon: error: ledger %s: no such command\n", argv[1]);
	return usage_of("ledger");
}
