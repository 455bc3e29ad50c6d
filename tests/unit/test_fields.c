/* test_fields.c: field features of the format engine beyond one column
 * per field: money from several columns (add, subtract), currency marks
 * ([symbols], symbol = yes), times joined from columns with a per-row zone
 * ([zones], zone-column), known header layouts ([layout]), per-kind columns
 * a layout lacks, and control totals compared before rounding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "../../src/decode/engine.h"
#include "recon/decode.h"
#include "recon/diag.h"
#include "recon/record.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"


static int setup(void **state)
{
	(void)state;
	if (scratch_enter("test_fields") < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_leave();
}

struct run {
	struct record *recs;
	size_t n, alloc;
	struct decode_stats st;
	struct strbuf err;
	int rc;
};

static int collect(const struct record *r, void *ctx)
{
	struct run *run = ctx;

	run->recs = xgrow(run->recs, &run->alloc, run->n + 1, sizeof(*run->recs));
	run->recs[run->n++] = *r;
	return 0;
}

/* Standard error of fn(arg) as text. */
/* Decode data with format text fmt; run->err gets standard error. */
static void decode_text(const char *fmt, const char *data, struct run *run)
{
	struct decode_opts o = { NULL, NULL, NULL, INT64_MIN, 0, NULL };
	struct format *f;
	FILE *tmp;
	int saved;

	write_file("./t.fmt", fmt);
	write_file("in.csv", data);
	f = format_load("./t.fmt");
	if (!f)
		fail_msg("t.fmt does not load");
	capture_begin(&tmp, &saved);
	run->rc = decode_file(f, "in.csv", &o, collect, run, &run->st);
	capture_end(tmp, saved, &run->err);
	format_free(f);
}

/* The errors loading fmt reports ("" when it loads). */
static char *load_errors(const char *fmt)
{
	struct strbuf err;
	struct format *f;
	FILE *tmp;
	int saved;

	write_file("./e.fmt", fmt);
	capture_begin(&tmp, &saved);
	f = format_load("./e.fmt");
	capture_end(tmp, saved, &err);
	if (f) {
		assert_string_equal(err.buf, "");
		format_free(f);
	} else {
		assert_int_equal(diag_status(), RX_USAGE);
	}
	return sb_detach(&err, NULL);
}

static void run_free(struct run *run)
{
	free(run->recs);
	sb_release(&run->err);
	memset(run, 0, sizeof(*run));
}

static const char *iso(int64_t t, int32_t off)
{
	static char buf[4][32];
	static int i;

	i = (i + 1) % 4;
	rec_time_format(t, off, buf[i]);
	return buf[i];
}

/* Adyen's settlement details: unsigned amounts in a debit or a credit
 * column, fees in four columns. */
#define ADYEN_FMT \
	"[format]\n\tkind = csv\n" \
	"[skip]\n\tType = ^MerchantPayout$\n" \
	"[field \"kind\"]\n\tcolumn = Type\n" \
	"[map \"kind\"]\n\tSettled = PAY\n\tRefunded = REFUND\n" \
	"[field \"order_code\"]\n\tcolumn = Merchant Reference\n" \
	"[field \"amount\"]\n\tcolumn = Gross Credit (GC)\n\tsubtract = Gross Debit (GC)\n" \
	"[field \"fee\"]\n\tcolumn = Commission (NC)\n\tadd = Markup (NC)\n" \
	"\tadd = Interchange (NC)\n\toptional = yes\n" \
	"[field \"currency\"]\n\tcolumn = Gross Currency\n" \
	"[field \"time\"]\n\tvalue = 2026-11-21T09:00:00+01:00\n"

static void test_add_subtract(void **state)
{
	struct run run = { 0 };

	(void)state;
	decode_text(ADYEN_FMT,
		    "Merchant Reference,Type,Gross Currency,Gross Debit (GC),Gross Credit (GC),"
		    "Commission (NC),Markup (NC),Interchange (NC)\n"
		    "O1,Settled,EUR,,1240.00,0.11,7.44,3.72\n"
		    "O1,Refunded,EUR,310.00,,0.11,0.00,0.00\n"
		    "O2,Settled,JPY,,5000,3,,\n"
		    /* Both sides filled: the difference, as the report means it. */
		    "O3,Settled,EUR,1.00,11.00,,,\n"
		    "O4,Settled,EUR,,,0.11,,\n"
		    "O5,Settled,EUR,,1.0x,,,\n"
		    ",MerchantPayout,,,,,,\n",
		    &run);
	assert_string_equal(run.err.buf,
		"recon: in.csv:6: error: Gross Credit (GC): empty value\n"
		"recon: in.csv:7: error: Gross Credit (GC): '1.0x': amount has trailing text\n");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 4);
	assert_int_equal(run.recs[0].amount, 124000);
	assert_int_equal(run.recs[0].fee, 11 + 744 + 372);
	assert_int_equal(run.recs[1].kind, KIND_REFUND);
	assert_int_equal(run.recs[1].amount, -31000);
	assert_int_equal(run.recs[1].fee, 11);
	/* JPY has no minor unit; empty fee columns count as zero. */
	assert_int_equal(run.recs[2].amount, 5000);
	assert_int_equal(run.recs[2].fee, 3);
	assert_int_equal(run.recs[3].amount, 1000);
	/* The optional fee, all of its columns empty: no fee. */
	assert_int_equal(run.recs[3].fee, 0);
	assert_int_equal(run.st.skipped, 1);
	assert_int_equal(run.st.rejects, 2);
	run_free(&run);

	/* A subtract column the header lacks refuses the file. */
	decode_text(ADYEN_FMT,
		    "Merchant Reference,Type,Gross Currency,Gross Credit (GC),Commission (NC),"
		    "Markup (NC),Interchange (NC)\nO1,Settled,EUR,1.00,,,\n", &run);
	assert_int_equal(run.rc, -1);
	assert_int_equal(run.n, 0);
	assert_string_equal(run.err.buf,
		"recon: in.csv:1: error: no column 'Gross Debit (GC)' in the header "
		"(named in [field \"amount\"])\n");
	run_free(&run);
}

/* Square: the currency is the mark on the amount. */
#define SQUARE_FMT \
	"[format]\n\tkind = csv\n" \
	"[symbols]\n\t$ = USD\n\tCA$ = CAD\n\t€ = EUR\n" \
	"[field \"order_code\"]\n\tcolumn = Ref\n" \
	"[field \"amount\"]\n\tcolumn = Total Collected\n" \
	"[field \"fee\"]\n\tcolumn = Fees\n\tsign = negate\n\toptional = yes\n" \
	"[field \"currency\"]\n\tcolumn = Total Collected\n\tsymbol = yes\n" \
	"[field \"time\"]\n\tvalue = 2026-11-21T09:00:00Z\n"

static void test_symbols(void **state)
{
	struct run run = { 0 };

	(void)state;
	decode_text(SQUARE_FMT,
		    "Ref,Total Collected,Fees\n"
		    "A,\"$1,240.00\",-$36.26\n"
		    "B,CA$58.00,-CA$1.54\n"
		    "C,-CA$20.00,CA$-0.10\n"
		    "D,(CA$5.00),\n"
		    "E,12.50 €,-0.30 €\n"
		    "F,\"CA$1,000.01\",$0.00\n"
		    "G,58.00,\n"
		    "H,A$5.00,\n",
		    &run);
	assert_string_equal(run.err.buf,
		"recon: in.csv:7: error: Fees: '$0.00': $ is USD, the row's currency is CAD\n"
		"recon: in.csv:8: error: Total Collected: '58.00': no currency mark of [symbols]\n"
		"recon: in.csv:9: error: Total Collected: 'A$5.00': no currency mark of [symbols]\n");
	assert_int_equal(run.n, 5);
	assert_string_equal(run.recs[0].currency, "USD");
	assert_int_equal(run.recs[0].amount, 124000);
	assert_int_equal(run.recs[0].fee, 3626);
	/* CA$ is found before $, the longer mark first. */
	assert_string_equal(run.recs[1].currency, "CAD");
	assert_int_equal(run.recs[1].amount, 5800);
	assert_int_equal(run.recs[1].fee, 154);
	/* The sign before the mark or after it. */
	assert_string_equal(run.recs[2].currency, "CAD");
	assert_int_equal(run.recs[2].amount, -2000);
	assert_int_equal(run.recs[2].fee, 10);
	assert_int_equal(run.recs[3].amount, -500);
	/* A mark after the number. */
	assert_string_equal(run.recs[4].currency, "EUR");
	assert_int_equal(run.recs[4].amount, 1250);
	assert_int_equal(run.recs[4].fee, 30);
	assert_int_equal(run.st.nsums, 3);
	run_free(&run);

	/* With a default, an amount without a mark is in that currency. */
	{
		struct strbuf fmt = STRBUF_INIT;

		sb_adds(&fmt, SQUARE_FMT "[field \"currency for PAY\"]\n\tcolumn = Total Collected\n"
			"\tsymbol = yes\n\tdefault = USD\n");
		decode_text(fmt.buf, "Ref,Total Collected,Fees\nG,58.00,\n", &run);
		sb_release(&fmt);
	}
	assert_string_equal(run.err.buf, "");
	assert_string_equal(run.recs[0].currency, "USD");
	assert_int_equal(run.recs[0].amount, 5800);
	run_free(&run);
}

/* Square's Date and Time columns and its zone names. */
#define ZONES_FMT \
	"[format]\n\tkind = csv\n" \
	"[field \"order_code\"]\n\tcolumn = Ref\n" \
	"[field \"amount\"]\n\tvalue = 1.00\n" \
	"[field \"currency\"]\n\tvalue = USD\n" \
	"[field \"time\"]\n\tcolumn = Date\n\tjoin = Time\n" \
	"\tpattern = %m/%d/%Y %H:%M:%S\n\tzone-column = Time Zone\n" \
	"[zones]\n\tPacific Time (US & Canada) = America/Los_Angeles\n" \
	"\tEastern Time (US & Canada) = America/New_York\n\tLondon = Europe/London\n"

static void test_join_and_zone_column(void **state)
{
	struct run run = { 0 };

	(void)state;
	decode_text(ZONES_FMT,
		    "Date,Time,Time Zone,Ref\n"
		    "07/04/2026,10:00:00,Pacific Time (US & Canada),PDT\n"
		    "11/21/2026,08:12:40,Pacific Time (US & Canada),PST\n"
		    /* The night clocks go back: 01:30 happens twice; the first. */
		    "11/01/2026,01:30:00,Pacific Time (US & Canada),AMBIGUOUS\n"
		    "11/21/2026,08:12:40,Eastern Time (US & Canada),EST\n"
		    "07/04/2026,10:00:00,London,BST\n"
		    "07/04/2026,10:00:00,Mars Time,X1\n"
		    "07/04/2026,10:00:00,,X2\n"
		    "07/04/2026,,London,X3\n",
		    &run);
	assert_string_equal(run.err.buf,
		"recon: in.csv:7: error: Time Zone: 'Mars Time': not a time zone of [zones]\n"
		"recon: in.csv:8: error: Time Zone: empty value\n"
		"recon: in.csv:9: error: Date: '07/04/2026 ': bad hour\n");
	assert_int_equal(run.n, 5);
	assert_string_equal(iso(run.recs[0].time, run.recs[0].time_off), "2026-07-04T10:00:00-07:00");
	assert_string_equal(iso(run.recs[0].time, 0), "2026-07-04T17:00:00+00:00");
	assert_string_equal(iso(run.recs[1].time, run.recs[1].time_off), "2026-11-21T08:12:40-08:00");
	assert_string_equal(iso(run.recs[1].time, 0), "2026-11-21T16:12:40+00:00");
	assert_string_equal(iso(run.recs[2].time, run.recs[2].time_off), "2026-11-01T01:30:00-07:00");
	assert_string_equal(iso(run.recs[3].time, run.recs[3].time_off), "2026-11-21T08:12:40-05:00");
	assert_string_equal(iso(run.recs[4].time, run.recs[4].time_off), "2026-07-04T10:00:00+01:00");
	run_free(&run);

	/* Without the zone column in the header the file is refused... */
	decode_text(ZONES_FMT, "Date,Time,Ref\n07/04/2026,10:00:00,A\n", &run);
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf,
		"recon: in.csv:1: error: no column 'Time Zone' in the header "
		"(named in [field \"time\"])\n");
	run_free(&run);

	/* ...unless the field has a zone: then it is the zone of every row
	 * whose zone column is absent or empty. */
	{
		struct strbuf fmt = STRBUF_INIT;

		sb_adds(&fmt, ZONES_FMT);
		sb_adds(&fmt, "[field \"paid_time\"]\n\tcolumn = Date\n\tjoin = Time\n"
			"\tpattern = %m/%d/%Y %H:%M:%S\n\tzone-column = Time Zone\n"
			"\tzone = America/Chicago\n");
		decode_text(fmt.buf, "Date,Time,Time Zone,Ref\n"
			    "07/04/2026,10:00:00,,A\n"
			    "07/04/2026,10:00:00,London,B\n", &run);
		assert_string_equal(run.err.buf,
			"recon: in.csv:2: error: Time Zone: empty value\n");
		assert_int_equal(run.n, 1);
		assert_string_equal(iso(run.recs[0].paid_time, run.recs[0].paid_off),
				    "2026-07-04T10:00:00+01:00");
		run_free(&run);

		sb_reset(&fmt);
		sb_adds(&fmt, "[format]\n\tkind = csv\n"
			"[field \"order_code\"]\n\tcolumn = Ref\n"
			"[field \"amount\"]\n\tvalue = 1.00\n"
			"[field \"currency\"]\n\tvalue = USD\n"
			"[field \"time\"]\n\tcolumn = Date\n\tjoin = Time\n"
			"\tpattern = %m/%d/%Y %H:%M:%S\n\tzone-column = Time Zone\n"
			"\tzone = America/Chicago\n"
			"[zones]\n\tLondon = Europe/London\n");
		decode_text(fmt.buf, "Date,Time,Ref\n07/04/2026,10:00:00,A\n"
			    "12/04/2026,10:00:00,B\n", &run);
		sb_release(&fmt);
	}
	assert_string_equal(run.err.buf, "");
	assert_string_equal(iso(run.recs[0].time, run.recs[0].time_off), "2026-07-04T10:00:00-05:00");
	assert_string_equal(iso(run.recs[1].time, run.recs[1].time_off), "2026-12-04T10:00:00-06:00");
	run_free(&run);
}

/* WeChat-like: known layouts; refund columns only some layouts have. */
#define LAYOUT_FMT \
	"[format]\n\tkind = csv\n\tstrip = \"`\"\n\tstop = ^总交易单数,\n" \
	"[layout \"all\"]\n\theader = ^时间,状态,订单号,金额,退款单号,退款金额,手续费$\n" \
	"[layout \"success\"]\n\theader = ^时间,状态,订单号,金额,手续费$\n" \
	"[field \"kind\"]\n\tcolumn = 状态\n" \
	"[map \"kind\"]\n\tSUCCESS = PAY\n\tREFUND = REFUND\n" \
	"[field \"order_code\"]\n\tcolumn = 订单号\n" \
	"[field \"refund_code for REFUND\"]\n\tcolumn = 退款单号\n" \
	"[field \"amount\"]\n\tcolumn = 金额\n" \
	"[field \"amount for REFUND\"]\n\tcolumn = 退款金额\n\tsign = negate\n" \
	"[field \"fee\"]\n\tcolumn = 手续费\n\tround = half-up\n" \
	"[field \"currency\"]\n\tvalue = CNY\n" \
	"[field \"time\"]\n\tcolumn = 时间\n\tzone = +08:00\n" \
	"[total \"all\"]\n\tline = ^`(?<count>\\d+),`(?<fee>-?[\\d.]+)$\n"

static void test_layouts(void **state)
{
	struct run run = { 0 };
	struct format *f;
	static const char other[] = "记账时间,微信支付业务单号,收支金额（元）\n`2026-11-21,`1,`2.00\n";
	static const char success[] = "时间,状态,订单号,金额,手续费\n`2026-11-21,`SUCCESS,`A";

	(void)state;
	decode_text(LAYOUT_FMT,
		    "时间,状态,订单号,金额,退款单号,退款金额,手续费\n"
		    "`2026-11-21 10:00:00,`SUCCESS,`A1,`57.50,`0,`0.00,`0.34500\n"
		    "`2026-11-21 11:00:00,`REFUND,`A1,`0.00,`R1,`57.50,`-0.34500\n"
		    "总交易单数,手续费总金额\n`2,`0.00000\n", &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 2);
	assert_int_equal(run.recs[1].amount, -5750);
	assert_string_equal(run.recs[1].refund_code, "R1");
	assert_int_equal(run.recs[0].fee, 35);
	assert_int_equal(run.recs[1].fee, -35);
	run_free(&run);

	/* The payments-only layout lacks the refund columns: it decodes, and
	 * a refund row in it could not be read. */
	decode_text(LAYOUT_FMT,
		    "时间,状态,订单号,金额,手续费\n"
		    "`2026-11-21 10:00:00,`SUCCESS,`A1,`57.50,`0.34500\n"
		    "`2026-11-21 11:00:00,`REFUND,`A1,`0.00,`-0.34500\n"
		    "总交易单数,手续费总金额\n`1,`0.34500\n", &run);
	assert_int_equal(run.n, 1);
	assert_string_equal(run.err.buf,
		"recon: in.csv:3: error: 退款金额: no such column in the header "
		"(needed for REFUND rows)\n");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.st.rejects, 1);
	run_free(&run);

	/* Without [layout]s nothing vouches for a header that lacks a
	 * column: the file is refused, as it always was. */
	decode_text("[format]\n\tkind = csv\n"
		    "[field \"kind\"]\n\tcolumn = 状态\n"
		    "[map \"kind\"]\n\tSUCCESS = PAY\n\tREFUND = REFUND\n"
		    "[field \"order_code\"]\n\tcolumn = 订单号\n"
		    "[field \"refund_code for REFUND\"]\n\tcolumn = 退款单号\n"
		    "[field \"amount\"]\n\tcolumn = 金额\n"
		    "[field \"currency\"]\n\tvalue = CNY\n"
		    "[field \"time\"]\n\tvalue = 2026-11-21T00:00:00Z\n",
		    "状态,订单号,金额\nSUCCESS,A1,1.00\n", &run);
	assert_int_equal(run.rc, -1);
	assert_int_equal(run.n, 0);
	assert_string_equal(run.err.buf,
		"recon: in.csv:1: error: no column '退款单号' in the header\n");
	run_free(&run);

	/* Any other header: the file is refused, naming the layouts and
	 * showing the header. */
	decode_text(LAYOUT_FMT, other, &run);
	assert_int_equal(run.rc, -1);
	assert_int_equal(run.n, 0);
	assert_string_equal(run.err.buf,
		"recon: in.csv:1: error: unknown bill layout: the header matches none of all, "
		"success: 记账时间,微信支付业务单号,收支金额（元）\n");
	assert_int_equal(diag_status(), RX_BADINPUT);
	run_free(&run);

	/* Bidding: no known layout, no bid. */
	write_file("./t.fmt", LAYOUT_FMT);
	f = format_load("./t.fmt");
	assert_non_null(f);
	assert_int_equal(f->kind->bid(f, other, sizeof(other) - 1), 0);
	assert_true(f->kind->bid(f, success, sizeof(success) - 1) > 0);
	format_free(f);
}

/* Fees with 5 decimals: rounded per row, summed before rounding. */
static void test_totals_before_rounding(void **state)
{
	struct run run = { 0 };
	static const char rows[] =
		"时间,状态,订单号,金额,退款单号,退款金额,手续费\n"
		"`2026-11-21 10:00:00,`SUCCESS,`A1,`57.50,`0,`0.00,`0.34500\n"
		"`2026-11-21 10:01:00,`SUCCESS,`A2,`7.50,`0,`0.00,`0.04500\n"
		"`2026-11-21 10:02:00,`SUCCESS,`A3,`399.00,`0,`0.00,`2.39400\n"
		"`2026-11-21 11:00:00,`REFUND,`A3,`0.00,`R1,`399.00,`-2.39400\n"
		"总交易单数,手续费总金额\n";
	struct strbuf data = STRBUF_INIT;

	(void)state;
	sb_adds(&data, rows);
	sb_adds(&data, "`4,`0.39000\n");
	decode_text(LAYOUT_FMT, data.buf, &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.st.totals_ok, 1);
	/* half-up, row by row: 0.35 + 0.05 + 2.39 - 2.39 = 0.40, though the
	 * exact sum is 0.39000 */
	assert_int_equal(run.st.sums[0].fee, 40);
	run_free(&run);

	/* Off by one hundred-thousandth: caught, shown at 5 decimals. */
	sb_reset(&data);
	sb_adds(&data, rows);
	sb_adds(&data, "`4,`0.39001\n");
	decode_text(LAYOUT_FMT, data.buf, &run);
	assert_int_equal(run.rc, -1);
	assert_int_equal(run.st.totals_ok, 0);
	assert_string_equal(run.err.buf,
		"recon: in.csv:7: error: total 'all': the file says fee 0.39001, the decoded rows "
		"add up to 0.39000\n");
	run_free(&run);

	/* The rounded sum is not the stated one either. */
	sb_reset(&data);
	sb_adds(&data, rows);
	sb_adds(&data, "`4,`0.40000\n");
	decode_text(LAYOUT_FMT, data.buf, &run);
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf,
		"recon: in.csv:7: error: total 'all': the file says fee 0.40000, the decoded rows "
		"add up to 0.39000\n");
	run_free(&run);

	/* Rows with more decimals than the total: compared at the rows'. */
	sb_reset(&data);
	sb_adds(&data, "时间,状态,订单号,金额,手续费\n"
		"`2026-11-21 10:00:00,`SUCCESS,`A1,`1.00,`0.0012345\n"
		"总交易单数,手续费总金额\n`1,`0.001\n");
	decode_text(LAYOUT_FMT, data.buf, &run);
	assert_string_equal(run.err.buf,
		"recon: in.csv:4: error: total 'all': the file says fee 0.0010000, the decoded rows "
		"add up to 0.0012345\n");
	run_free(&run);

	/* Beyond 9 extra decimals a fee cannot be summed exactly: a reject. */
	sb_reset(&data);
	sb_adds(&data, "时间,状态,订单号,金额,手续费\n"
		"`2026-11-21 10:00:00,`SUCCESS,`A1,`1.00,`0.000000000001\n"
		"总交易单数,手续费总金额\n`0,`0.00\n");
	decode_text(LAYOUT_FMT, data.buf, &run);
	assert_string_equal(run.err.buf,
		"recon: in.csv:2: error: 手续费: '0.000000000001': more than 9 decimals beyond the "
		"currency's\n");
	assert_int_equal(run.rc, 0);
	run_free(&run);
	sb_release(&data);
}

#define MINIMAL \
	"[field \"order_code\"]\n\tcolumn = o\n" \
	"[field \"amount\"]\n\tcolumn = a\n" \
	"[field \"currency\"]\n\tvalue = USD\n" \
	"[field \"time\"]\n\tcolumn = t\n"

static void test_load_errors(void **state)
{
	static const struct {
		const char *fmt, *err;
	} cases[] = {
		{ "[format]\n\tkind = csv\n" MINIMAL "[field \"status\"]\n\tcolumn = s\n\tadd = x\n",
		  "recon: ./e.fmt:13: error: add: only for money fields (amount, fee)\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL "[field \"fee\"]\n\tcolumn = s\n\tjoin = x\n",
		  "recon: ./e.fmt:13: error: join: only for time fields (time, paid_time)\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL "[field \"fee\"]\n\tcolumn = s\n\tsymbol = yes\n",
		  "recon: ./e.fmt:13: error: symbol: only for the currency field\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL "[field \"fee\"]\n\tvalue = 1\n\tsubtract = x\n",
		  "recon: ./e.fmt:11: error: [field \"fee\"]: add and subtract need column\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL "[field \"fee\"]\n\tcolumn = f\n\tadd =\n",
		  "recon: ./e.fmt:13: error: add: empty column name\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL "[field \"paid_time\"]\n\tcolumn = p\n"
		  "\tzone-column = z\n",
		  "recon: ./e.fmt:11: error: [field \"paid_time\"]: zone-column, but no [zones] "
		  "section\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL "\tzone = UTC\n"
		  "[field \"currency for REFUND\"]\n\tcolumn = c\n\tsymbol = yes\n",
		  "recon: ./e.fmt:12: error: [field \"currency for REFUND\"]: symbol = yes, but no "
		  "[symbols] section\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL "\tzone = UTC\n"
		  "[symbols]\n\t$ = USD\n\tC$1 = CAD\n\tUS$ = USX\n\t$ = CAD\n[symbols]\n",
		  "recon: ./e.fmt:14: error: 'C$1': a currency mark has no digits, signs, "
		  "parentheses, blanks, dots or commas\n"
		  "recon: ./e.fmt:15: error: US$: 'USX' is not an ISO 4217 currency code\n"
		  "recon: ./e.fmt:16: error: $: given twice\n"
		  "recon: ./e.fmt:17: error: [symbols] given twice\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL "\tzone = UTC\n"
		  "[zones]\n\tPacific = America/Nowhere\n\tX = +08:00\n\tX = +09:00\n",
		  "recon: ./e.fmt:13: error: Pacific: 'America/Nowhere': unknown time zone\n"
		  "recon: ./e.fmt:15: error: X: given twice\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL "\tzone = UTC\n"
		  "[layout \"a\"]\n\tpattern = x\n[layout \"a\"]\n[layout]\n[layout \"b\"]\n"
		  "\theader = (\n",
		  "recon: ./e.fmt:13: error: pattern: unknown key in [layout \"a\"]\n"
		  "recon: ./e.fmt:14: error: [layout \"a\"] given twice\n"
		  "recon: ./e.fmt:15: error: [layout] needs a name: [layout \"all\"]\n"
		  "recon: ./e.fmt:17: error: header: bad pattern at offset 1: missing closing "
		  "parenthesis\n"
		  "recon: ./e.fmt:12: error: [layout \"a\"]: no header pattern\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *err = load_errors(cases[i].fmt);

		if (strcmp(err, cases[i].err))
			fail_msg("case %zu:\n got: %s\n want: %s", i, err, cases[i].err);
		free(err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_subtract, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbols, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_and_zone_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_totals_before_rounding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
