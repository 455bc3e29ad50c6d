/*
 * cmd_decode.c: recon decode [--format NAME] [--channel NAME] [--date DATE]
 * [--rejects FILE] FILE
 *
 * For format authors: the canonical records a statement decodes to, as the
 * CSV that formats/canonical-csv.fmt reads back, and a summary per
 * currency. It needs no workspace, but uses one when there is one, so a
 * workspace's own formats/ are found. Without --format, every format found
 * bids on the file (format_bid()) and the best fit decodes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recon/cmd.h"
#include "recon/conf.h"
#include "recon/decode.h"
#include "recon/diag.h"
#include "recon/money.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"

#define CANONICAL_HEADER \
	"channel,kind,order_code,refund_code,channel_txn_id,amount,currency,fee,status,time\n"

/* Only a workspace that is there: a missing recon.conf is not an error. */
static int load_workspace(const struct globals *g, struct conf **out)
{
	const char *path = g->config;

	*out = NULL;
	if (!path) {
		path = getenv("RECON_CONFIG");
		if (path && !*path)
			path = NULL;
	}
	if (!path) {
		if (access("recon.conf", F_OK))
			return 0;
		path = "recon.conf";
	}
	*out = conf_load_file(path);
	return *out ? 0 : -1;
}

struct out {
	struct strbuf sb;
	int header;     /* the header line was written */
	int failed;
};

static int print_record(const struct record *r, void *ctx)
{
	struct out *o = ctx;
	char money[MONEY_BUFSZ], when[32];
	int exponent = currency_exponent(r->currency);

	sb_reset(&o->sb);
	if (!o->header) {
		sb_adds(&o->sb, CANONICAL_HEADER);
		o->header = 1;
	}
	sb_add_csv(&o->sb, r->channel);
	sb_addc(&o->sb, ',');
	sb_adds(&o->sb, rec_kind_name(r->kind));
	sb_addc(&o->sb, ',');
	sb_add_csv(&o->sb, r->order_code);
	sb_addc(&o->sb, ',');
	sb_add_csv(&o->sb, r->refund_code);
	sb_addc(&o->sb, ',');
	sb_add_csv(&o->sb, r->channel_txn_id);
	sb_addc(&o->sb, ',');
	money_format(r->amount, exponent, money);
	sb_adds(&o->sb, money);
	sb_addc(&o->sb, ',');
	sb_adds(&o->sb, r->currency);
	sb_addc(&o->sb, ',');
	money_format(r->fee, exponent, money);
	sb_adds(&o->sb, money);
	sb_addc(&o->sb, ',');
	sb_adds(&o->sb, rec_status_name(r->status));
	sb_addc(&o->sb, ',');
	rec_time_format(r->time, r->time_off, when);
	sb_adds(&o->sb, when);
	sb_addc(&o->sb, '\n');
	if (fwrite(o->sb.buf, 1, o->sb.len, stdout) != o->sb.len) {
		o->failed = 1;
		return 1;
	}
	return 0;
}

struct candidates {
	char **name, **path;
	size_t n, alloc;
};

static void add_candidate(const char *name, const char *path, const char *description,
			  void *ctx)
{
	struct candidates *c = ctx;
	size_t a = c->alloc;

	if (!description) {
		warn_at(path, 0, "does not load; not tried (recon formats shows why)");
		return;
	}
	c->name = xgrow(c->name, &a, c->n + 1, sizeof(*c->name));
	a = c->alloc;
	c->path = xgrow(c->path, &a, c->n + 1, sizeof(*c->path));
	c->alloc = a;
	c->name[c->n] = xstrdup(name);
	c->path[c->n] = xstrdup(path);
	c->n++;
}

/* The format that fits path best, loaded; NULL after reporting that none
 * does. On a tie the first by name wins, and the tie is said. */
static struct format *guess(const char *path)
{
	struct candidates c = { NULL, NULL, 0, 0 };
	struct format *best = NULL;
	int top = 0, ties = 0, fd;
	size_t i;

	/* Not "no format recognises" a file that is not there. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_at(RX_BADINPUT, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	close(fd);
	/* A broken format is reported below, once, as a warning. */
	diag_quiet(1);
	format_list(add_candidate, &c);
	diag_quiet(0);
	for (i = 0; i < c.n; i++) {
		struct format *f;
		int score;

		diag_quiet(1);
		f = format_load(c.path[i]);
		diag_quiet(0);
		if (!f)
			continue;
		score = format_bid(f, path);
		if (score > top) {
			format_free(best);
			best = f;
			top = score;
			ties = 0;
			continue;
		}
		if (score && score == top)
			ties++;
		format_free(f);
	}
	for (i = 0; i < c.n; i++) {
		free(c.name[i]);
		free(c.path[i]);
	}
	free(c.name);
	free(c.path);
	if (!best) {
		error_at(RX_BADINPUT, path, 0, "no format recognises this file; give --format");
		return NULL;
	}
	if (ties)
		warn_at(path, 0, "%d other format%s fit as well as %s; give --format to choose",
			ties, ties == 1 ? "" : "s", format_name(best));
	diag(DIAG_INFO, RX_OK, path, 0, "decoding as %s", format_name(best));
	return best;
}

static void summary(const char *name, const struct decode_stats *st)
{
	char amount[MONEY_BUFSZ], fee[MONEY_BUFSZ];
	size_t i;

	diag(DIAG_INFO, RX_OK, name, 0, "%llu row%s, %llu rejected, %llu skipped",
	     (unsigned long long)st->rows, st->rows == 1 ? "" : "s",
	     (unsigned long long)st->rejects, (unsigned long long)st->skipped);
	for (i = 0; i < st->nsums; i++) {
		const struct currency_sum *c = &st->sums[i];
		int e = currency_exponent(c->currency);

		money_format(c->amount, e, amount);
		money_format(c->fee, e, fee);
		diag(DIAG_INFO, RX_OK, name, 0, "%s: %llu row%s, amount %s, fee %s", c->currency,
		     (unsigned long long)c->count, c->count == 1 ? "" : "s", amount, fee);
	}
	if (st->totals_declared && st->totals_ok)
		diag(DIAG_INFO, RX_OK, name, 0, "control totals agree");
}

int cmd_decode(int argc, char **argv, const struct globals *g)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "channel", required_argument, NULL, 'c' },
		{ "date", required_argument, NULL, 'd' },
		{ "rejects", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct decode_opts o = { NULL, NULL, NULL, INT64_MIN, 0, NULL };
	const char *format = NULL;
	struct decode_stats st;
	struct conf *conf = NULL;
	struct format *f;
	struct out out = { STRBUF_INIT, 0, 0 };
	int ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			format = optarg;
			break;
		case 'c':
			o.channel = optarg;
			break;
		case 'd':
			if (date_parse(optarg, &o.statement_day)) {
				error_at(RX_USAGE, NULL, 0, "--date: '%s' is not a date (YYYY-MM-DD)",
					 optarg);
				return RX_USAGE;
			}
			break;
		case 'r':
			o.reject_path = optarg;
			break;
		default:
			return option_error("decode", ch, argv);
		}
	}
	if (optind != argc - 1)
		return usage_of("decode");
	if (load_workspace(g, &conf))
		return RX_USAGE;
	f = format ? format_load(format) : guess(argv[optind]);
	if (!f) {
		conf_free(conf);
		return format ? RX_USAGE : RX_BADINPUT;
	}
	/* decode_file appends to a reject file; this run's file starts empty,
	 * so it never shows rows of an earlier run. */
	if (o.reject_path) {
		FILE *rf = fopen(o.reject_path, "w");

		if (!rf || fclose(rf)) {
			error_at(RX_USAGE, o.reject_path, 0, "%s", strerror(errno));
			format_free(f);
			conf_free(conf);
			return RX_USAGE;
		}
	}
	rc = decode_file(f, argv[optind], &o, print_record, &out, &st);
	/* A file that decodes to no record still gets its header; one that
	 * fails before any record gets nothing on stdout. */
	if (rc == 0 && !out.header)
		fputs(CANONICAL_HEADER, stdout);
	if (fflush(stdout) || out.failed) {
		error_at(RX_INTERNAL, NULL, 0, "standard output: %s", strerror(errno));
		rc = -1;
	}
	if (rc == 0 || st.rows || st.rejects)
		summary(argv[optind], &st);
	sb_release(&out.sb);
	format_free(f);
	conf_free(conf);
	if (out.failed)
		return RX_INTERNAL;
	/* A file refused before reading (a format that needs --date) says
	 * RX_USAGE through diag; main() returns the worse status. */
	if (rc < 0 && diag_status() == RX_OK)
		return RX_BADINPUT;
	return st.rejects ? RX_BADINPUT : RX_OK;
}
