/* report.c: report.txt, discrepancies.csv, corrections.csv, summary.json
 * and the per-channel line, all from the recorded runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recon/classify.h"
#include "recon/diag.h"
#include "recon/money.h"
#include "recon/report.h"
#include "recon/tz.h"
#include "recon/util.h"

/* Tally items that are discrepancies, in report order. */
static const int class_items[] = { TALLY_LONG, TALLY_SHORT, TALLY_MISSING, TALLY_CURRENCY, TALLY_FEE };

/* The currencies a run's figures use, sorted; returns the count. */
static size_t currencies(const struct run_info *ri, char cur[][4], size_t max)
{
	size_t n = 0, i, j;

	for (i = 0; i < ri->tally.n; i++) {
		const char *c = ri->tally.cells[i].currency;

		for (j = 0; j < n && strcmp(cur[j], c); j++)
			;
		if (j == n && n < max)
			memcpy(cur[n++], c, 4);
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(cur[j - 1], cur[j]) > 0; j--) {
			char t[4];

			memcpy(t, cur[j], 4);
			memcpy(cur[j], cur[j - 1], 4);
			memcpy(cur[j - 1], t, 4);
		}
	return n;
}

/* Net difference in currency: the sum over the classes. 0 on overflow
 * with *ok cleared. */
static int64_t net_of(const struct run_info *ri, const char *cur, int *ok)
{
	int64_t sum = 0;
	size_t i;

	*ok = 1;
	for (i = 0; i < ARRAY_SIZE(class_items); i++) {
		const struct tally_cell *c = tally_get(&ri->tally, class_items[i], cur);

		if (c && class_items[i] != TALLY_CURRENCY &&
		    __builtin_add_overflow(sum, c->amount, &sum)) {
			*ok = 0;
			return 0;
		}
	}
	return sum;
}

static void add_signed(struct strbuf *sb, int64_t v, const char *cur)
{
	char buf[MONEY_BUFSZ];

	if (v > 0)
		sb_addc(sb, '+');
	sb_adds(sb, amount_text(v, cur, buf));
}

int report_run_has_discrepancies(const struct run_info *ri)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(class_items); i++)
		if (tally_count(&ri->tally, class_items[i]))
			return 1;
	return 0;
}

void report_run_line(const struct run_info *ri, struct strbuf *sb)
{
	char cur[16][4], buf[MONEY_BUFSZ];
	size_t ncur = currencies(ri, cur, 16), i, j;
	int ok;

	sb_addf(sb, "%s %s: %llu matched", ri->channel, ri->date,
		(unsigned long long)tally_count(&ri->tally, TALLY_MATCHED));
	for (i = 0; i < ARRAY_SIZE(class_items); i++) {
		int item = class_items[i];
		int first = 1;

		if (!tally_count(&ri->tally, item))
			continue;
		sb_addf(sb, ", %s %llu", tally_name(item),
			(unsigned long long)tally_count(&ri->tally, item));
		if (item == TALLY_CURRENCY)
			continue;
		sb_adds(sb, " (");
		for (j = 0; j < ncur; j++) {
			const struct tally_cell *c = tally_get(&ri->tally, item, cur[j]);

			if (!c)
				continue;
			if (!first)
				sb_adds(sb, ", ");
			first = 0;
			sb_adds(sb, amount_text(c->amount, cur[j], buf));
			if (ncur > 1)
				sb_addf(sb, " %s", cur[j]);
		}
		sb_addc(sb, ')');
	}
	sb_addf(sb, ", pending %llu, net", (unsigned long long)tally_count(&ri->tally, TALLY_PENDING));
	if (!ncur)
		sb_adds(sb, " 0");
	for (j = 0; j < ncur; j++) {
		int64_t net = net_of(ri, cur[j], &ok);

		sb_adds(sb, j ? ", " : " ");
		if (ok)
			add_signed(sb, net, cur[j]);
		else
			sb_adds(sb, "(out of range)");
		sb_addf(sb, " %s", cur[j]);
	}
}

static void window_text(const struct run_info *ri, int64_t t, char *buf)
{
	const char *why = NULL;
	const struct tz *z = tz_get(ri->timezone, &why);

	rec_time_format(t, z ? tz_offset_at(z, t) : 0, buf);
}

static const char *totals_text(const struct run_info *ri)
{
	if (!ri->totals_declared)
		return "not declared";
	return ri->totals_ok ? "ok" : "MISMATCH";
}

/* ---- report.txt ---- */

static void figure_lines(struct strbuf *sb, const struct run_info *ri, int item,
			 const char *label, char cur[][4], size_t ncur)
{
	char buf[MONEY_BUFSZ];
	size_t j;
	int any = 0;

	if (item == TALLY_CURRENCY) {
		sb_addf(sb, "  %-16s %10llu\n", label,
			(unsigned long long)tally_count(&ri->tally, item));
		return;
	}
	for (j = 0; j < ncur; j++) {
		const struct tally_cell *c = tally_get(&ri->tally, item, cur[j]);

		if (!c)
			continue;
		sb_addf(sb, "  %-16s %10llu %16s %s\n", any ? "" : label,
			(unsigned long long)c->count, amount_text(c->amount, cur[j], buf), cur[j]);
		any = 1;
	}
	if (!any)
		sb_addf(sb, "  %-16s %10d\n", label, 0);
}

/* Figures only a channel's rules produce (recon-rules.5): shown when there
 * are any, so that a run under the default rules reads as it always did.
 * FEE shows with the fee figures even when no fee differs. */
static int shown(const struct run_info *ri, int item)
{
	switch (item) {
	case TALLY_FEE:
		return tally_count(&ri->tally, TALLY_FEE) || tally_count(&ri->tally, TALLY_FEES);
	case TALLY_REVERSED: case TALLY_EXCLUDED: case TALLY_WAITING: case TALLY_TOLERATED:
	case TALLY_IGNORED: case TALLY_FEES: case TALLY_FEES_EXPECTED:
		return tally_count(&ri->tally, item) > 0;
	default:
		return 1;
	}
}

static void channel_text(struct strbuf *sb, const struct run_info *ri)
{
	static const struct { int item; const char *label; } rows[] = {
		{ TALLY_STATEMENT, "statement" }, { TALLY_LEDGER, "ledger" },
		{ TALLY_MATCHED, "matched" }, { TALLY_LONG, "LONG" }, { TALLY_SHORT, "SHORT" },
		{ TALLY_MISSING, "MISSING" }, { TALLY_CURRENCY, "CURRENCY" }, { TALLY_FEE, "FEE" },
		{ TALLY_PENDING, "pending" }, { TALLY_OTHER, "not reconciled" },
		{ TALLY_REVERSED, "reversed" }, { TALLY_EXCLUDED, "excluded" },
		{ TALLY_WAITING, "waiting" }, { TALLY_TOLERATED, "within tolerance" },
		{ TALLY_IGNORED, "ignored" }, { TALLY_FEES, "fees charged" },
		{ TALLY_FEES_EXPECTED, "fees expected" },
	};
	char cur[16][4], from[32], to[32];
	size_t ncur = currencies(ri, cur, 16), i;
	int ok;

	window_text(ri, ri->window_from, from);
	window_text(ri, ri->window_to, to);
	sb_addf(sb, "%s (run %lld)\n", ri->channel, (long long)ri->id);
	sb_addf(sb, "  statement file   %s\n", ri->statement);
	sb_addf(sb, "  sha256           %s\n", ri->sha256);
	sb_addf(sb, "  format           %s\n", ri->format);
	sb_addf(sb, "  day              %s to %s\n", from, to);
	sb_addf(sb, "  time zone        %s, cut-off %02d:%02d, grace %d day%s\n", ri->timezone,
		ri->cutoff / 60, ri->cutoff % 60, ri->grace_days, ri->grace_days == 1 ? "" : "s");
	sb_addf(sb, "  rows decoded     %llu, rejected %llu\n", (unsigned long long)ri->rows,
		(unsigned long long)ri->rejects);
	sb_addf(sb, "  control totals   %s\n", totals_text(ri));
	sb_addf(sb, "\n  %-16s %10s %16s\n", "", "count", "amount");
	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (shown(ri, rows[i].item))
			figure_lines(sb, ri, rows[i].item, rows[i].label, cur, ncur);
	for (i = 0; i < ncur || i == 0; i++) {
		const char *label = i ? "" : "net";

		if (!ncur) {
			sb_addf(sb, "  %-16s %10s %16s\n", label, "", "0");
			break;
		}
		{
			int64_t net = net_of(ri, cur[i], &ok);
			struct strbuf a = STRBUF_INIT;

			if (ok)
				add_signed(&a, net, cur[i]);
			else
				sb_adds(&a, "(out of range)");
			sb_addf(sb, "  %-16s %10s %16s %s\n", label, "", a.buf, cur[i]);
			sb_release(&a);
		}
	}
}

#define COLMAX 512   /* a column of the discrepancy list, NUL included */

struct widths {
	int w[8];
	uint64_t n;
};

static const char *dash(const char *s)
{
	return s && *s ? s : "-";
}

/* The columns of one line of the discrepancy list. */
static void list_cols(const struct stored_discrepancy *sd, char col[8][COLMAX])
{
	const struct discrepancy *d = &sd->d;

	if (d->has_difference)
		amount_text(d->difference, d->currency, col[0]);
	else
		strcpy(col[0], "-");
	snprintf(col[1], COLMAX, "%s", d->currency);
	snprintf(col[2], COLMAX, "%s/%s", class_name(d->cls), reason_name(d->reason));
	snprintf(col[3], COLMAX, "%s", sd->channel);
	snprintf(col[4], COLMAX, "%s", dash(d->order_code));
	snprintf(col[5], COLMAX, "%s", dash(d->refund_code));
	if (d->source_file)
		snprintf(col[6], COLMAX, "%s:%lld", d->source_file, (long long)d->source_line);
	else
		strcpy(col[6], "ledger");
	snprintf(col[7], COLMAX, "%s", sd->c.key);
}

static int measure(const struct stored_discrepancy *sd, void *ctx)
{
	struct widths *w = ctx;
	char col[8][COLMAX];
	int i;

	list_cols(sd, col);
	for (i = 0; i < 8; i++)
		if ((int)strlen(col[i]) > w->w[i])
			w->w[i] = (int)strlen(col[i]);
	w->n++;
	return 0;
}

struct list_out {
	struct widths *w;
	FILE *out;
};

static void list_line(FILE *out, const struct widths *w, char col[8][COLMAX])
{
	fprintf(out, "  %*s %-*s %-*s %-*s %-*s %-*s %-*s %s\n", w->w[0], col[0], w->w[1], col[1],
		w->w[2], col[2], w->w[3], col[3], w->w[4], col[4], w->w[5], col[5], w->w[6],
		col[6], col[7]);
}

static int list_one(const struct stored_discrepancy *sd, void *ctx)
{
	struct list_out *lo = ctx;
	char col[8][COLMAX];

	list_cols(sd, col);
	list_line(lo->out, lo->w, col);
	return 0;
}

int report_text(struct runstore *rs, int64_t day, FILE *out)
{
	static const char *const head[8] = {
		"difference", "cur", "class/reason", "channel", "order_code", "refund_code",
		"source", "correction"
	};
	struct run_info *runs;
	struct strbuf sb = STRBUF_INIT;
	struct widths w;
	struct list_out lo;
	char date[16], col[8][COLMAX];
	int n, i;

	n = runstore_runs(rs, day, &runs);
	if (n < 0)
		return -1;
	date_format(day, date);
	sb_addf(&sb, "recon report for %s\n", date);
	for (i = 0; i < n; i++) {
		sb_addc(&sb, '\n');
		channel_text(&sb, &runs[i]);
	}
	if (!n)
		sb_adds(&sb, "\nno channel reconciled\n");
	fwrite(sb.buf, 1, sb.len, out);
	sb_release(&sb);
	runstore_runs_free(runs, n);

	memset(&w, 0, sizeof(w));
	for (i = 0; i < 8; i++)
		w.w[i] = (int)strlen(head[i]);
	if (runstore_each_discrepancy(rs, day, -1, ORDER_BIGGEST, measure, &w) < 0)
		return -1;
	if (!w.n) {
		fputs("\nno discrepancies\n", out);
		return 0;
	}
	fprintf(out, "\ndiscrepancies, biggest first: %llu\n", (unsigned long long)w.n);
	for (i = 0; i < 8; i++)
		snprintf(col[i], COLMAX, "%s", head[i]);
	list_line(out, &w, col);
	lo.w = &w;
	lo.out = out;
	return runstore_each_discrepancy(rs, day, -1, ORDER_BIGGEST, list_one, &lo);
}

/* ---- CSV ---- */

static void csv_amount(struct strbuf *sb, int has, int64_t v, const char *cur)
{
	char buf[MONEY_BUFSZ];

	if (has)
		sb_adds(sb, amount_text(v, cur, buf));
	sb_addc(sb, ',');
}

static int csv_discrepancy(const struct stored_discrepancy *sd, void *ctx)
{
	const struct discrepancy *d = &sd->d;
	struct strbuf sb = STRBUF_INIT;
	FILE *out = ctx;

	sb_add_csv(&sb, sd->date);
	sb_addc(&sb, ',');
	sb_add_csv(&sb, sd->channel);
	sb_addf(&sb, ",%s,%s,", class_name(d->cls), reason_name(d->reason));
	sb_add_csv(&sb, d->order_code);
	sb_addc(&sb, ',');
	sb_add_csv(&sb, d->refund_code);
	sb_addc(&sb, ',');
	sb_add_csv(&sb, d->channel_txn_id);
	sb_addc(&sb, ',');
	csv_amount(&sb, d->has_ledger, d->ledger_amount,
		   *d->ledger_currency ? d->ledger_currency : d->currency);
	csv_amount(&sb, d->has_statement, d->statement_amount, d->currency);
	csv_amount(&sb, d->has_difference, d->difference, d->currency);
	sb_add_csv(&sb, d->currency);
	sb_addf(&sb, ",%s,%s,", d->ledger_status >= 0 ? rec_status_name(d->ledger_status) : "",
		d->statement_status >= 0 ? rec_status_name(d->statement_status) : "");
	if (d->source_file) {
		struct strbuf src = STRBUF_INIT;

		sb_addf(&src, "%s:%lld", d->source_file, (long long)d->source_line);
		sb_add_csv(&sb, src.buf);
		sb_release(&src);
	} else {
		sb_adds(&sb, "ledger");
	}
	sb_addc(&sb, '\n');
	fwrite(sb.buf, 1, sb.len, out);
	sb_release(&sb);
	return 0;
}

int report_discrepancies_csv(struct runstore *rs, int64_t day, int cls, FILE *out)
{
	fputs("date,channel,class,reason,order_code,refund_code,channel_txn_id,ledger_amount,"
	      "statement_amount,difference,currency,ledger_status,statement_status,source\n", out);
	return runstore_each_discrepancy(rs, day, cls, ORDER_FILE, csv_discrepancy, out);
}

static int csv_correction(const struct stored_discrepancy *sd, void *ctx)
{
	struct strbuf sb = STRBUF_INIT;
	FILE *out = ctx;

	sb_addf(&sb, "%s,", sd->c.key);
	sb_add_csv(&sb, sd->date);
	sb_addc(&sb, ',');
	sb_add_csv(&sb, sd->channel);
	sb_addf(&sb, ",%s,", action_name(sd->c.action));
	sb_add_csv(&sb, sd->d.order_code);
	sb_addc(&sb, ',');
	sb_add_csv(&sb, sd->d.refund_code);
	sb_addc(&sb, ',');
	csv_amount(&sb, sd->c.has_amount, sd->c.amount, sd->c.currency);
	sb_add_csv(&sb, sd->c.currency);
	sb_addf(&sb, ",%s\n", reason_name(sd->d.reason));
	fwrite(sb.buf, 1, sb.len, out);
	sb_release(&sb);
	return 0;
}

int report_corrections_csv(struct runstore *rs, int64_t day, FILE *out)
{
	fputs("idempotency_key,date,channel,action,order_code,refund_code,amount,currency,reason\n",
	      out);
	return runstore_each_discrepancy(rs, day, -1, ORDER_FILE, csv_correction, out);
}

/* ---- summary.json ---- */

static void json_sums(struct strbuf *sb, const struct run_info *ri, int item, char cur[][4],
		      size_t ncur, int with_sums)
{
	char buf[MONEY_BUFSZ];
	size_t j;
	int first = 1;

	sb_addf(sb, "{\"count\": %llu", (unsigned long long)tally_count(&ri->tally, item));
	if (with_sums) {
		sb_adds(sb, ", \"sums\": {");
		for (j = 0; j < ncur; j++) {
			const struct tally_cell *c = tally_get(&ri->tally, item, cur[j]);

			if (!c)
				continue;
			sb_addf(sb, "%s\"%s\": \"%s\"", first ? "" : ", ", cur[j],
				amount_text(c->amount, cur[j], buf));
			first = 0;
		}
		sb_addc(sb, '}');
	}
	sb_addc(sb, '}');
}

static void channel_json(struct strbuf *sb, const struct run_info *ri)
{
	static const struct { int item; const char *key; } figures[] = {
		{ TALLY_LEDGER, "ledger" }, { TALLY_MATCHED, "matched" },
	};
	char cur[16][4], from[32], to[32], buf[MONEY_BUFSZ];
	size_t ncur = currencies(ri, cur, 16), i;
	uint64_t ndisc = 0;
	int ok;

	window_text(ri, ri->window_from, from);
	window_text(ri, ri->window_to, to);
	sb_adds(sb, "    {\n      \"channel\": ");
	sb_add_json(sb, ri->channel);
	sb_addf(sb, ",\n      \"run_id\": %lld,\n      \"recon_version\": ", (long long)ri->id);
	sb_add_json(sb, ri->version);
	sb_adds(sb, ",\n      \"statement\": {\"file\": ");
	sb_add_json(sb, ri->statement);
	sb_addf(sb, ", \"sha256\": \"%s\", \"format\": ", ri->sha256);
	sb_add_json(sb, ri->format);
	sb_addf(sb, ", \"rows\": %llu, \"rejects\": %llu, \"control_totals\": \"%s\", \"reconciled\": ",
		(unsigned long long)ri->rows, (unsigned long long)ri->rejects,
		!ri->totals_declared ? "none" : ri->totals_ok ? "ok" : "mismatch");
	json_sums(sb, ri, TALLY_STATEMENT, cur, ncur, 1);
	sb_adds(sb, ", \"not_reconciled\": ");
	json_sums(sb, ri, TALLY_OTHER, cur, ncur, 1);
	sb_adds(sb, "},\n      \"timezone\": ");
	sb_add_json(sb, ri->timezone);
	sb_addf(sb, ",\n      \"cutoff\": \"%02d:%02d\",\n      \"grace_days\": %d,\n"
		"      \"window\": {\"from\": \"%s\", \"to\": \"%s\"},\n",
		ri->cutoff / 60, ri->cutoff % 60, ri->grace_days, from, to);
	for (i = 0; i < ARRAY_SIZE(figures); i++) {
		sb_addf(sb, "      \"%s\": ", figures[i].key);
		json_sums(sb, ri, figures[i].item, cur, ncur, 1);
		sb_adds(sb, ",\n");
	}
	sb_adds(sb, "      \"classes\": {\n");
	for (i = 0; i < ARRAY_SIZE(class_items); i++) {
		sb_addf(sb, "        \"%s\": ", tally_name(class_items[i]));
		json_sums(sb, ri, class_items[i], cur, ncur, class_items[i] != TALLY_CURRENCY);
		sb_adds(sb, i + 1 < ARRAY_SIZE(class_items) ? ",\n" : "\n");
		ndisc += tally_count(&ri->tally, class_items[i]);
	}
	sb_addf(sb, "      },\n      \"discrepancies\": %llu,\n      \"pending\": ",
		(unsigned long long)ndisc);
	json_sums(sb, ri, TALLY_PENDING, cur, ncur, 1);
	for (i = TALLY_REVERSED; i <= TALLY_FEES_EXPECTED; i++) {
		if (!shown(ri, (int)i))
			continue;
		sb_addf(sb, ",\n      \"%s\": ", tally_name((int)i));
		json_sums(sb, ri, (int)i, cur, ncur, 1);
	}
	sb_adds(sb, ",\n      \"net\": {");
	for (i = 0; i < ncur; i++) {
		int64_t net = net_of(ri, cur[i], &ok);

		sb_addf(sb, "%s\"%s\": ", i ? ", " : "", cur[i]);
		if (ok)
			sb_addf(sb, "\"%s\"", amount_text(net, cur[i], buf));
		else
			sb_adds(sb, "null");
	}
	sb_adds(sb, "}\n    }");
}

int report_summary_json(struct runstore *rs, int64_t day, FILE *out)
{
	struct run_info *runs;
	struct strbuf sb = STRBUF_INIT;
	char date[16];
	int n, i, last = -1;

	n = runstore_runs(rs, day, &runs);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (last < 0 || runs[i].id > runs[last].id)
			last = i;
	date_format(day, date);
	sb_addf(&sb, "{\n  \"date\": \"%s\",\n", date);
	if (last >= 0) {
		/* The latest run that touched the day speaks for it. */
		sb_addf(&sb, "  \"run_id\": %lld,\n  \"recon_version\": ", (long long)runs[last].id);
		sb_add_json(&sb, runs[last].version);
	} else {
		sb_adds(&sb, "  \"run_id\": null,\n  \"recon_version\": null");
	}
	sb_adds(&sb, ",\n  \"inputs\": [");
	for (i = 0; i < n; i++) {
		sb_adds(&sb, i ? ",\n    {\"channel\": " : "\n    {\"channel\": ");
		sb_add_json(&sb, runs[i].channel);
		sb_adds(&sb, ", \"file\": ");
		sb_add_json(&sb, runs[i].statement);
		sb_addf(&sb, ", \"sha256\": \"%s\"}", runs[i].sha256);
	}
	sb_adds(&sb, n ? "\n  ],\n  \"channels\": [" : "],\n  \"channels\": [");
	for (i = 0; i < n; i++) {
		sb_adds(&sb, i ? ",\n" : "\n");
		channel_json(&sb, &runs[i]);
	}
	sb_adds(&sb, n ? "\n  ]\n}\n" : "]\n}\n");
	fwrite(sb.buf, 1, sb.len, out);
	sb_release(&sb);
	runstore_runs_free(runs, n);
	return 0;
}

/* ---- the files ---- */

typedef int (*writer_fn)(struct runstore *rs, int64_t day, FILE *out);

static int csv_all(struct runstore *rs, int64_t day, FILE *out)
{
	return report_discrepancies_csv(rs, day, -1, out);
}

int report_write_day(struct runstore *rs, int64_t day, const char *dir)
{
	static const struct { const char *name; writer_fn fn; } files[] = {
		{ "report.txt", report_text },
		{ "discrepancies.csv", csv_all },
		{ "corrections.csv", report_corrections_csv },
		{ "summary.json", report_summary_json },
	};
	char *tmp[ARRAY_SIZE(files)] = { NULL }, *final;
	size_t i;
	int rc = -1;

	if (mkdir_p(dir, 0777) < 0) {
		error_at(RX_INTERNAL, dir, 0, "cannot create folder: %s", strerror(errno));
		return -1;
	}
	/* Write every file before renaming any, so a failure leaves the
	 * previous set whole. */
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		struct strbuf name = STRBUF_INIT;
		FILE *f;
		int bad;

		sb_addf(&name, "%s/.%s.tmp%ld", dir, files[i].name, (long)getpid());
		tmp[i] = sb_detach(&name, NULL);
		f = fopen(tmp[i], "w");
		if (!f) {
			error_at(RX_INTERNAL, tmp[i], 0, "cannot write: %s", strerror(errno));
			goto out;
		}
		bad = files[i].fn(rs, day, f) < 0;
		if (ferror(f) && !bad) {
			error_at(RX_INTERNAL, tmp[i], 0, "cannot write: %s", strerror(errno));
			bad = 1;
		}
		if (fclose(f) != 0 && !bad) {
			error_at(RX_INTERNAL, tmp[i], 0, "cannot write: %s", strerror(errno));
			bad = 1;
		}
		if (bad)
			goto out;
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		final = path_join(dir, files[i].name);
		if (rename(tmp[i], final) < 0) {
			error_at(RX_INTERNAL, final, 0, "cannot write: %s", strerror(errno));
			free(final);
			goto out;
		}
		free(final);
		free(tmp[i]);
		tmp[i] = NULL;
	}
	rc = 0;
out:
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		if (tmp[i])
			unlink(tmp[i]);
		free(tmp[i]);
	}
	return rc;
}
