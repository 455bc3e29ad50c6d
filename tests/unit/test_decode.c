/* test_decode.c: decoding statement files with a format: quoting, comments
 * and markers, maps, signs, units, time zones, aliases, per-kind sources,
 * every reject reason, fatal errors, control totals, sums and bids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "testutil.h"

#include "../../src/decode/engine.h"
#include "recon/datapath.h"
#include "recon/decode.h"
#include "recon/diag.h"
#include "recon/record.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"


static int setup(void **state)
{
	(void)state;
	if (scratch_enter("test_decode") < 0)
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
	size_t stop_after;      /* stop after this many records; 0: never */
};

static int collect(const struct record *r, void *ctx)
{
	struct run *run = ctx;

	run->recs = xgrow(run->recs, &run->alloc, run->n + 1, sizeof(*run->recs));
	run->recs[run->n++] = *r;
	return run->stop_after && run->n >= run->stop_after;
}

static struct format *load(const char *path)
{
	struct format *f = format_load(path);

	if (!f)
		fail_msg("format %s does not load", path);
	return f;
}

/* Decode file "in.csv" with the format at fmtpath; stderr into run->err. */
static void decode_with(const struct format *f, const char *file, const struct decode_opts *o,
			struct run *run)
{
	FILE *tmp = tmpfile();
	char buf[4096];
	size_t n;
	int saved;

	assert_non_null(tmp);
	diag_reset();
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	run->rc = decode_file(f, file, o, collect, run, &run->st);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	sb_init(&run->err, 0);
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		sb_add(&run->err, buf, n);
	fclose(tmp);
}

/* Write the format text and the data, decode. */
static void decode_text(const char *fmt, const char *data, const struct decode_opts *o,
			struct run *run)
{
	struct format *f;

	write_file("./t.fmt", fmt);
	write_file("in.csv", data);
	f = load("./t.fmt");
	decode_with(f, "in.csv", o, run);
	format_free(f);
}

static void run_free(struct run *run)
{
	free(run->recs);
	sb_release(&run->err);
	memset(run, 0, sizeof(*run));
}

static struct decode_opts opts(void)
{
	struct decode_opts o = { NULL, NULL, NULL, INT64_MIN, 0, NULL };

	return o;
}

static const char *iso(int64_t t, int32_t off)
{
	static char buf[4][32];
	static int i;

	i = (i + 1) % 4;
	rec_time_format(t, off, buf[i]);
	return buf[i];
}

/* A small format in the manner of a channel's: header names, map, CNY. */
#define SIMPLE_FMT \
	"[format]\n\tkind = csv\n" \
	"[field \"kind\"]\n\tcolumn = type\n" \
	"[map \"kind\"]\n\tpay = PAY\n\trefund = REFUND\n" \
	"[field \"order_code\"]\n\tcolumn = order\n" \
	"[field \"refund_code\"]\n\tcolumn = refund\n\toptional = yes\n" \
	"[field \"amount\"]\n\tcolumn = amount\n" \
	"[field \"currency\"]\n\tvalue = CNY\n" \
	"[field \"time\"]\n\tcolumn = time\n\tpattern = %Y-%m-%d %H:%M:%S\n\tzone = +08:00\n"

#define SIMPLE_HEADER "type,order,refund,amount,time\n"

static void test_ledger_csv(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };
	struct format *f;
	char path[4096];

	(void)state;
	snprintf(path, sizeof(path), "%s/formats/ledger-csv.fmt", scratch_origin());
	f = load(path);
	assert_string_equal(format_name(f), "ledger-csv");
	write_file("ledger.csv",
		   "order_code,refund_code,channel,kind,amount,currency,status,created_at,paid_at\n"
		   "A1,,wechat,PAY,12.34,CNY,SUCCESS,2026-11-21T10:00:00+08:00,2026-11-21T10:00:05+08:00\n"
		   "A2,,wechat,PAY,5,JPY,PENDING,2026-11-21T11:00:00+09:00,\n"
		   "A1,R1,wechat,REFUND,-2.00,CNY,SUCCESS,2026-11-21T12:00:00+08:00,2026-11-21T12:00:01+08:00\n"
		   "A3,,alipay,PAY,1.5,USD,CLOSED,2026-11-21 13:00:00-05:00,\n");
	decode_with(f, "ledger.csv", &o, &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 4);
	assert_string_equal(run.recs[0].channel, "wechat");
	assert_int_equal(run.recs[0].kind, KIND_PAY);
	assert_string_equal(run.recs[0].order_code, "A1");
	assert_string_equal(run.recs[0].refund_code, "");
	assert_int_equal(run.recs[0].amount, 1234);
	assert_int_equal(run.recs[0].fee, 0);
	assert_string_equal(run.recs[0].currency, "CNY");
	assert_int_equal(run.recs[0].status, STATUS_SUCCESS);
	assert_string_equal(iso(run.recs[0].time, run.recs[0].time_off), "2026-11-21T10:00:00+08:00");
	assert_int_equal(run.recs[0].time, 1795226400);
	assert_string_equal(iso(run.recs[0].paid_time, run.recs[0].paid_off),
			    "2026-11-21T10:00:05+08:00");
	assert_string_equal(run.recs[0].file, "ledger.csv");
	assert_int_equal(run.recs[0].line, 2);
	/* JPY has no minor unit: 5 yen is 5. */
	assert_int_equal(run.recs[1].amount, 5);
	assert_int_equal(run.recs[1].status, STATUS_PENDING);
	assert_int_equal(run.recs[1].paid_time, REC_NO_TIME);
	assert_int_equal(run.recs[1].time_off, 9 * 3600);
	assert_int_equal(run.recs[2].kind, KIND_REFUND);
	assert_string_equal(run.recs[2].refund_code, "R1");
	assert_int_equal(run.recs[2].amount, -200);
	assert_int_equal(run.recs[3].amount, 150);
	assert_int_equal(run.recs[3].status, STATUS_CLOSED);
	assert_string_equal(iso(run.recs[3].time, run.recs[3].time_off), "2026-11-21T13:00:00-05:00");
	assert_int_equal(run.st.rows, 4);
	assert_int_equal(run.st.rejects, 0);
	run_free(&run);

	/* Ledger rules the format states: a refund needs its refund code,
	 * only PAY/REFUND and SUCCESS/PENDING/CLOSED. */
	write_file("ledger.csv",
		   "order_code,refund_code,channel,kind,amount,currency,status,created_at,paid_at\n"
		   "A5,,alipay,REFUND,-1.00,CNY,SUCCESS,2026-11-21T13:00:00+08:00,\n"
		   "A6,,alipay,FEE,1.00,CNY,SUCCESS,2026-11-21T13:00:00+08:00,\n"
		   "A7,,alipay,PAY,1.00,CNY,FAILED,2026-11-21T13:00:00+08:00,\n"
		   "A8,,alipay,PAY,1.00,CNY,SUCCESS,2026-11-21T13:00:00,\n");
	decode_with(f, "ledger.csv", &o, &run);
	assert_string_equal(run.err.buf,
		"recon: ledger.csv:2: error: refund_code: empty value\n"
		"recon: ledger.csv:3: error: kind: 'FEE': not in the map\n"
		"recon: ledger.csv:4: error: status: 'FAILED': not in the map\n"
		"recon: ledger.csv:5: error: created_at: '2026-11-21T13:00:00': no UTC offset in the time\n");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 0);
	assert_int_equal(run.st.rejects, 4);
	assert_int_equal(diag_status(), RX_BADINPUT);
	run_free(&run);
	format_free(f);
}

static void test_quoting(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };
	static const char quoted[] =
		    "\xef\xbb\xbf" SIMPLE_HEADER
		    "pay,\"A,1\",,1.00,2026-11-21 10:00:00\r\n"
		    "pay,\"say \"\"hi\"\"\",,2.00,2026-11-21 10:00:00\r\n"
		    "pay,\"two\n"
		    "lines\",,3.00,2026-11-21 10:00:00\n"
		    "\n"
		    "pay,  B4  ,,\"1,234.00\",2026-11-21 10:00:00\n"
		    "pay,\"#not a comment\",,5.00,2026-11-21 10:00:00";

	(void)state;
	decode_text(SIMPLE_FMT, quoted, &o, &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.n, 5);
	assert_string_equal(run.recs[0].order_code, "A,1");
	assert_int_equal(run.recs[0].line, 2);
	assert_string_equal(run.recs[1].order_code, "say \"hi\"");
	assert_string_equal(run.recs[2].order_code, "two\nlines");
	assert_int_equal(run.recs[2].line, 4);
	assert_string_equal(run.recs[3].order_code, "B4");
	assert_int_equal(run.recs[3].amount, 123400);
	assert_int_equal(run.recs[3].line, 7);
	/* The last line has no newline: still a row. */
	assert_string_equal(run.recs[4].order_code, "#not a comment");
	assert_int_equal(run.recs[4].line, 8);
	assert_int_equal(run.st.bytes, sizeof(quoted) - 1);
	run_free(&run);

	/* Another separator and no quoting at all. */
	decode_text("[format]\n\tkind = csv\n\tseparator = \"\\t\"\n\tquote = none\n"
		    "[field \"order_code\"]\n\tcolumn = order\n"
		    "[field \"amount\"]\n\tcolumn = amount\n"
		    "[field \"currency\"]\n\tcolumn = currency\n"
		    "[field \"time\"]\n\tcolumn = time\n",
		    "order\tamount\tcurrency\ttime\n"
		    "\"A\"\t1.00\tUSD\t2026-11-21T10:00:00Z\n"
		    "B, C\t\t\t\n"
		    "D\t2\tUSD\t2026-11-21T10:00:00-07:00\n", &o, &run);
	/* The currency comes first: it says how to read the amount. */
	assert_string_equal(run.err.buf, "recon: in.csv:3: error: currency: empty value\n");
	assert_int_equal(run.n, 2);
	assert_string_equal(run.recs[0].order_code, "\"A\"");
	assert_string_equal(iso(run.recs[0].time, run.recs[0].time_off), "2026-11-21T10:00:00+00:00");
	assert_int_equal(run.recs[1].amount, 200);
	run_free(&run);
}

/* Rows split sixteen bytes at a time: separators, quotes and spaces past
 * the first sixteen bytes and on their boundaries split as libcsv would. */
static void test_long_rows(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };
	static const char text[] =
		    SIMPLE_HEADER
		    "pay,ORDER-0123456789-ABCDEF,,1.00,2026-11-21 10:00:00\n"
		    "pay,012345678901,,2.00,2026-11-21 10:00:00\n"
		    "pay,   ABCDEFGHIJKLMNOP   ,,\"3,000.00\",2026-11-21 10:00:00\n"
		    "pay,0123456789ABCDEFGHIJKLMNOPQRSTUV,,4.00,2026-11-21 10:00:00  \r\n"
		    "                                        \n"
		    "pay,\"0123456789ABCDEFGHIJ\"\"KL\",,5.00,2026-11-21 10:00:00\n";

	(void)state;
	decode_text(SIMPLE_FMT, text, &o, &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.n, 5);
	assert_string_equal(run.recs[0].order_code, "ORDER-0123456789-ABCDEF");
	assert_int_equal(run.recs[0].amount, 100);
	assert_string_equal(run.recs[1].order_code, "012345678901");   /* its comma at byte 16 */
	assert_int_equal(run.recs[1].amount, 200);
	assert_string_equal(run.recs[2].order_code, "ABCDEFGHIJKLMNOP");
	assert_int_equal(run.recs[2].amount, 300000);
	assert_string_equal(run.recs[3].order_code, "0123456789ABCDEFGHIJKLMNOPQRSTUV");
	assert_int_equal(run.recs[3].amount, 400);
	assert_string_equal(run.recs[4].order_code, "0123456789ABCDEFGHIJ\"KL");
	assert_int_equal(run.recs[4].line, 7);
	run_free(&run);
}

static void test_comments_markers_skips(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };

	(void)state;
	decode_text("[format]\n\tkind = csv\n\tskip-lines = 1\n\tcomment = \"#\"\n"
		    "\tstart = ^#-+明细列表-+$\n\tstop = 明细列表结束\n\tskip-line = ^小计\n"
		    "\tstrip = `\n"
		    "[field \"kind\"]\n\tcolumn = type\n"
		    "[map \"kind\"]\n\tpay = PAY\n\trefund = REFUND\n"
		    "[field \"order_code\"]\n\tcolumn = order\n"
		    "[field \"amount\"]\n\tcolumn = amount\n"
		    "[field \"currency\"]\n\tvalue = CNY\n"
		    "[field \"time\"]\n\tcolumn = time\n\tpattern = %Y-%m-%d %H:%M:%S\n"
		    "\tzone = +08:00\n"
		    "[skip]\n\ttype = ^(合计|total)$\n",
		    "bill of 2026-11-21, not a comment, skipped\n"
		    "# account 2088\n"
		    "type,order,amount,time\n"
		    "#-----明细列表-----\n"
		    "type,order,amount,time\n"
		    "`pay,`A1\t,`1.00,`2026-11-21 10:00:00\n"
		    "# a comment inside\n"
		    "小计,,1.00,\n"
		    ",,,\n"
		    "合计,,1.00,\n"
		    "  \n"
		    "`refund,`A1\t,`-0.50,`2026-11-21 11:00:00\n"
		    "#-----明细列表结束-----\n"
		    "pay,A9,9.00,2026-11-21 10:00:00\n", &o, &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 2);
	assert_string_equal(run.recs[0].order_code, "A1");
	assert_int_equal(run.recs[0].line, 6);
	assert_int_equal(run.recs[1].kind, KIND_REFUND);
	assert_int_equal(run.recs[1].amount, -50);
	assert_int_equal(run.recs[1].line, 12);
	/* 小计 (skip-line), ",,," (empty), 合计 ([skip]); blank lines are nothing. */
	assert_int_equal(run.st.skipped, 3);
	run_free(&run);

	/* Markers that never come: the file is not what the format says. */
	decode_text("[format]\n\tkind = csv\n\tstart = ^BEGIN\n" 
		    "[field \"order_code\"]\n\tindex = 1\n[field \"amount\"]\n\tindex = 2\n"
		    "[field \"currency\"]\n\tvalue = CNY\n[field \"time\"]\n\tindex = 3\n",
		    "order,amount,time\nA,1,2026-11-21T00:00:00Z\n", &o, &run);
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf,
		"recon: in.csv: error: no line matches the start marker '^BEGIN'\n");
	run_free(&run);
	decode_text("[format]\n\tkind = csv\n\tstop = ^END\n"
		    "[field \"order_code\"]\n\tindex = 1\n[field \"amount\"]\n\tindex = 2\n"
		    "[field \"currency\"]\n\tvalue = CNY\n[field \"time\"]\n\tindex = 3\n",
		    "order,amount,time\nA,1,2026-11-21T00:00:00Z\n", &o, &run);
	assert_int_equal(run.rc, -1);
	assert_int_equal(run.n, 1);
	assert_string_equal(run.err.buf,
		"recon: in.csv: error: no line matches the stop marker '^END' (a truncated file?)\n");
	run_free(&run);
}

static void test_maps_and_defaults(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };

	(void)state;
	decode_text("[format]\n\tkind = csv\n"
		    "[field \"kind\"]\n\tcolumn = 业务类型\n\tdefault = PAY\n"
		    "[map \"kind\"]\n\t退款 = REFUND\n"
		    "[field \"status\"]\n\tcolumn = 交易状态\n"
		    "[map \"status\"]\n\t交易成功 = SUCCESS\n\t处理中 = PENDING\n\t\"\" = CLOSED\n"
		    "[field \"channel\"]\n\tcolumn = ch\n\toptional = yes\n"
		    "[map \"channel\"]\n\t微信 = wechat\n"
		    "[field \"order_code\"]\n\tcolumn = order\n"
		    "[field \"amount\"]\n\tcolumn = amount\n"
		    "[field \"currency\"]\n\tcolumn = cur\n\tdefault = CNY\n"
		    "[map \"currency\"]\n\t美元 = USD\n"
		    "[field \"time\"]\n\tvalue = 2026-11-21T00:00:00+08:00\n",
		    "业务类型,交易状态,ch,order,amount,cur\n"
		    "交易,交易成功,微信,A1,1.00,\n"
		    "退款,处理中,,A2,-1.00,美元\n"
		    "退款,,,A3,-1.00,人民币\n"
		    "交易,已关闭,,A4,1.00,\n", &o, &run);
	assert_string_equal(run.err.buf,
		"recon: in.csv:5: error: 交易状态: '已关闭': not in the map\n");
	assert_int_equal(run.n, 3);
	assert_int_equal(run.recs[0].kind, KIND_PAY);
	assert_int_equal(run.recs[0].status, STATUS_SUCCESS);
	assert_string_equal(run.recs[0].channel, "wechat");
	assert_string_equal(run.recs[0].currency, "CNY");
	assert_int_equal(run.recs[1].kind, KIND_REFUND);
	assert_int_equal(run.recs[1].status, STATUS_PENDING);
	assert_string_equal(run.recs[1].currency, "USD");
	assert_string_equal(run.recs[1].channel, "");
	/* An unmapped currency takes the default as well. */
	assert_int_equal(run.recs[2].status, STATUS_CLOSED);
	assert_string_equal(run.recs[2].currency, "CNY");
	assert_string_equal(iso(run.recs[2].time, run.recs[2].time_off), "2026-11-21T00:00:00+08:00");
	run_free(&run);

	/* Without a map, the canonical names themselves; --channel fills in. */
	o.channel = "bank";
	decode_text("[format]\n\tkind = csv\n"
		    "[field \"kind\"]\n\tcolumn = kind\n"
		    "[field \"status\"]\n\tcolumn = status\n"
		    "[field \"order_code\"]\n\tcolumn = order\n"
		    "[field \"amount\"]\n\tcolumn = amount\n"
		    "[field \"currency\"]\n\tvalue = EUR\n"
		    "[field \"time\"]\n\tvalue = 2026-11-21\n\tzone = Europe/Paris\n",
		    "kind,status,order,amount\n"
		    "ADJUSTMENT,FAILED,A1,1.00\n"
		    "REVERSAL,SUCCESS,A2,1.00\n"
		    "pay,SUCCESS,A3,1.00\n"
		    "FEE,OK,A4,1.00\n", &o, &run);
	assert_string_equal(run.err.buf,
		"recon: in.csv:4: error: kind: 'pay': not a kind\n"
		"recon: in.csv:5: error: status: 'OK': not a status\n");
	assert_int_equal(run.n, 2);
	assert_int_equal(run.recs[0].kind, KIND_ADJUSTMENT);
	assert_int_equal(run.recs[0].status, STATUS_FAILED);
	assert_int_equal(run.recs[1].kind, KIND_REVERSAL);
	assert_string_equal(run.recs[1].channel, "bank");
	assert_string_equal(iso(run.recs[1].time, run.recs[1].time_off), "2026-11-21T00:00:00+01:00");
	run_free(&run);
}

static void test_signs_and_units(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };

	(void)state;
	/* UnionPay-like: minor units, C/D prefixes; the fee is a debit. */
	decode_text("[format]\n\tkind = csv\n"
		    "[field \"kind\"]\n\tcolumn = code\n"
		    "[map \"kind\"]\n\tS22 = PAY\n\tS30 = REFUND\n"
		    "[field \"order_code\"]\n\tcolumn = order\n"
		    "[field \"amount\"]\n\tcolumn = settle\n\tunit = minor\n\tsign = cd\n"
		    "[field \"fee\"]\n\tcolumn = fee\n\tunit = minor\n\tsign = dc\n"
		    "[field \"currency\"]\n\tvalue = CNY\n"
		    "[field \"time\"]\n\tvalue = 2026-11-21T00:00:00+08:00\n",
		    "code,order,settle,fee\n"
		    "S22,A1,C000000001234,D000000000007\n"
		    "S30,A1,D000000000500,C000000000003\n"
		    "S22,A2,000000000100,D0\n"
		    "S22,A3,C12.34,D0\n", &o, &run);
	assert_string_equal(run.err.buf,
		"recon: in.csv:4: error: settle: '000000000100': no C or D before the amount\n"
		"recon: in.csv:5: error: settle: 'C12.34': amount in minor units has a decimal mark\n");
	assert_int_equal(run.n, 2);
	assert_int_equal(run.recs[0].amount, 1234);
	assert_int_equal(run.recs[0].fee, 7);
	assert_int_equal(run.recs[1].amount, -500);
	assert_int_equal(run.recs[1].fee, -3);
	run_free(&run);

	/* WeChat-like: refund amounts positive in another column; the fee has
	 * five decimals, rounded half-up; a European decimal comma. */
	decode_text("[format]\n\tkind = csv\n\tseparator = ;\n"
		    "[field \"kind\"]\n\tcolumn = state\n"
		    "[map \"kind\"]\n\tSUCCESS = PAY\n\tREFUND = REFUND\n"
		    "[field \"order_code\"]\n\tcolumn = order\n"
		    "[field \"amount\"]\n\tcolumn = settle\n\tdecimal = ,\n\tgroup = .\n"
		    "[field \"amount for REFUND\"]\n\tcolumn = refund\n\tsign = negate\n"
		    "\tdecimal = ,\n\tgroup = .\n"
		    "[field \"fee\"]\n\tcolumn = fee\n\tround = half-up\n\tsign = negate-refund\n"
		    "\tdecimal = ,\n\tgroup = none\n"
		    "[field \"currency\"]\n\tvalue = EUR\n"
		    "[field \"time\"]\n\tvalue = 2026-11-21T00:00:00+01:00\n",
		    "state;order;settle;refund;fee\n"
		    "SUCCESS;A1;1.234,50;0,00;0,04000\n"
		    "REFUND;A1;0,00;100,00;0,00500\n"
		    "SUCCESS;A2;1,005;0;0\n"
		    "SUCCESS;A3;1,00;0;1.000,00\n", &o, &run);
	assert_string_equal(run.err.buf,
		"recon: in.csv:4: error: settle: '1,005': amount has more decimals than its currency\n"
		"recon: in.csv:5: error: fee: '1.000,00': amount has trailing text\n");
	assert_int_equal(run.n, 2);
	assert_int_equal(run.recs[0].amount, 123450);
	assert_int_equal(run.recs[0].fee, 4);
	assert_int_equal(run.recs[1].kind, KIND_REFUND);
	assert_int_equal(run.recs[1].amount, -10000);
	/* 0.005 rounds up to 0.01, then the refund's fee is returned: -0.01. */
	assert_int_equal(run.recs[1].fee, -1);
	run_free(&run);
}

static void test_time_zones(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };
	const char *fmt =
		"[format]\n\tkind = csv\n"
		"[field \"order_code\"]\n\tcolumn = order\n"
		"[field \"amount\"]\n\tvalue = 1\n"
		"[field \"currency\"]\n\tvalue = USD\n"
		"[field \"time\"]\n\tcolumn = date\n\tpattern = %m/%d/%Y %H:%M:%S\n"
		"\tzone = America/Los_Angeles\n"
		"[field \"paid_time\"]\n\tcolumn = paid\n\toptional = yes\n\tpattern = iso8601\n"
		"\tzone = +05:30\n";

	(void)state;
	decode_text(fmt,
		    "order,date,paid\n"
		    "S1,07/04/2026 12:00:00,2026-07-04 12:00:00\n"
		    "W1,12/25/2026 12:00:00,2026-07-04T12:00:00-03:00\n"
		    "X1,13/25/2026 12:00:00,\n"
		    "X2,12/25/2026,\n", &o, &run);
	assert_string_equal(run.err.buf,
		"recon: in.csv:4: error: date: '13/25/2026 12:00:00': bad month\n"
		"recon: in.csv:5: error: date: '12/25/2026': time does not match the pattern\n");
	assert_int_equal(run.n, 2);
	/* Daylight saving time in July, standard time in December. */
	assert_string_equal(iso(run.recs[0].time, run.recs[0].time_off), "2026-07-04T12:00:00-07:00");
	assert_string_equal(iso(run.recs[1].time, run.recs[1].time_off), "2026-12-25T12:00:00-08:00");
	/* No offset in the text: the zone; an offset in the text wins. */
	assert_string_equal(iso(run.recs[0].paid_time, run.recs[0].paid_off),
			    "2026-07-04T12:00:00+05:30");
	assert_string_equal(iso(run.recs[1].paid_time, run.recs[1].paid_off),
			    "2026-07-04T12:00:00-03:00");
	run_free(&run);
}

static void test_yearless_times(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };
	const char *fmt =
		"[format]\n\tkind = csv\n\theader = no\n"
		"[field \"order_code\"]\n\tindex = 1\n"
		"[field \"amount\"]\n\tindex = 2\n\tunit = minor\n"
		"[field \"currency\"]\n\tvalue = CNY\n"
		"[field \"time\"]\n\tindex = 3\n\tpattern = %m%d%H%M%S\n\tzone = +08:00\n";
	const char *data =
		"A1,100,1231235959\n"
		"A2,200,0101000001\n"
		"A3,300,0230120000\n";

	(void)state;
	/* Without the statement day the year cannot be known. */
	decode_text(fmt, data, &o, &run);
	assert_int_equal(run.rc, -1);
	assert_int_equal(run.n, 0);
	assert_string_equal(run.err.buf,
		"recon: ./t.fmt:11: error: [field \"time\"]: the pattern has no year: "
		"give the statement date (--date)\n");
	assert_int_equal(diag_status(), RX_USAGE);
	run_free(&run);

	/* A bill dated 2027-01-01 holds the last second of 2026. */
	assert_int_equal(date_parse("2027-01-01", &o.statement_day), 0);
	decode_text(fmt, data, &o, &run);
	assert_int_equal(run.rc, 0);
	assert_string_equal(run.err.buf, "recon: in.csv:3: error: column 3: '0230120000': "
			    "bad day\n");
	assert_int_equal(run.n, 2);
	assert_string_equal(iso(run.recs[0].time, run.recs[0].time_off), "2026-12-31T23:59:59+08:00");
	assert_string_equal(iso(run.recs[1].time, run.recs[1].time_off), "2027-01-01T00:00:01+08:00");
	run_free(&run);
}

static void test_aliases(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };
	const char *fmt =
		"[format]\n\tkind = csv\n"
		"[field \"order_code\"]\n\tcolumn = Customer Reference ID\n\tcolumn = Order\n"
		"[field \"amount\"]\n\tcolumn = Total Collected\n\tcolumn = Gross Sales\n"
		"[field \"currency\"]\n\tvalue = USD\n"
		"[field \"channel_txn_id\"]\n\tcolumn = Payment ID\n\toptional = yes\n"
		"[field \"time\"]\n\tvalue = 2026-11-21T00:00:00Z\n";

	(void)state;
	/* The first alias present wins, wherever it stands. */
	decode_text(fmt, "Gross Sales,Order,Total Collected,Customer Reference ID\n"
		    "\"$1,240.00\",O1,-$0.93,C1\n", &o, &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.n, 1);
	assert_string_equal(run.recs[0].order_code, "C1");
	assert_int_equal(run.recs[0].amount, -93);
	assert_string_equal(run.recs[0].channel_txn_id, "");
	run_free(&run);

	decode_text(fmt, "Gross Sales, Order \n\"$1,240.00\",O1\n", &o, &run);
	assert_string_equal(run.err.buf, "");
	assert_string_equal(run.recs[0].order_code, "O1");
	assert_int_equal(run.recs[0].amount, 124000);
	run_free(&run);

	/* A required column missing from the header: the file is refused. */
	decode_text(fmt, "Gross Sales,Payment ID\n1.00,P1\n", &o, &run);
	assert_int_equal(run.rc, -1);
	assert_int_equal(run.n, 0);
	assert_string_equal(run.err.buf,
		"recon: in.csv:1: error: no column 'Customer Reference ID' (nor 'Order') "
		"in the header\n");
	assert_int_equal(diag_status(), RX_BADINPUT);
	run_free(&run);
}

static void test_per_kind_sources(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };

	(void)state;
	/* UnionPay S30: the merchant order number is the refund code there,
	 * the original order number the order code. */
	decode_text("[format]\n\tkind = csv\n"
		    "[field \"kind\"]\n\tcolumn = 交易代码\n"
		    "[map \"kind\"]\n\tS22 = PAY\n\tS30 = REFUND\n"
		    "[field \"order_code\"]\n\tcolumn = 商户订单号\n"
		    "[field \"order_code for REFUND\"]\n\tcolumn = 原始交易订单号\n"
		    "[field \"refund_code for REFUND\"]\n\tcolumn = 商户订单号\n"
		    "[field \"amount\"]\n\tcolumn = 金额\n"
		    "[field \"amount for REFUND\"]\n\tcolumn = 金额\n\tsign = negate\n"
		    "[field \"currency\"]\n\tvalue = CNY\n"
		    "[field \"status for REFUND\"]\n\tcolumn = 退款状态\n"
		    "[map \"status for REFUND\"]\n\t成功 = SUCCESS\n\t处理中 = PENDING\n"
		    "[field \"time\"]\n\tvalue = 2026-11-21T00:00:00+08:00\n",
		    "交易代码,商户订单号,原始交易订单号,金额,退款状态\n"
		    "S22,O1,,10.00,\n"
		    "S30,R1,O1,4.00,处理中\n"
		    "S30,R2,,1.00,成功\n", &o, &run);
	assert_string_equal(run.err.buf, "recon: in.csv:4: error: 原始交易订单号: empty value\n");
	assert_int_equal(run.n, 2);
	assert_string_equal(run.recs[0].order_code, "O1");
	assert_string_equal(run.recs[0].refund_code, "");
	assert_int_equal(run.recs[0].amount, 1000);
	/* No status field for payments: SUCCESS. */
	assert_int_equal(run.recs[0].status, STATUS_SUCCESS);
	assert_string_equal(run.recs[1].order_code, "O1");
	assert_string_equal(run.recs[1].refund_code, "R1");
	assert_int_equal(run.recs[1].amount, -400);
	assert_int_equal(run.recs[1].status, STATUS_PENDING);
	assert_string_equal(record_key(&run.recs[1]), "R1");
	run_free(&run);
}

static void test_rejects(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };
	char code65[66], *rej;
	struct strbuf data = STRBUF_INIT;

	(void)state;
	memset(code65, 'x', 65);
	code65[65] = '\0';
	sb_adds(&data, SIMPLE_HEADER);
	sb_adds(&data, "pay,A1,,1.0x,2026-11-21 10:00:00\n");      /* bad amount */
	sb_adds(&data, "pay,A2,,1.00\n");                          /* short row */
	sb_adds(&data, "pay,A3,,1.00,2026-11-31 10:00:00\n");      /* bad time */
	sb_adds(&data, "chargeback,A4,,1.00,2026-11-21 10:00:00\n"); /* unmapped */
	sb_adds(&data, "pay,,,1.00,2026-11-21 10:00:00\n");        /* empty */
	sb_addf(&data, "pay,%s,,1.00,2026-11-21 10:00:00\n", code65); /* too long */
	sb_addf(&data, "pay,%.64s,,1.00,2026-11-21 10:00:00\n", code65); /* fits */
	sb_adds(&data, "pay,A8,,1.00,2026-11-21 10:00\n");       /* short time */
	sb_adds(&data, "pay,\"A9\n,,1.00,2026-11-21 10:00:00\n"); /* unclosed */
	o.reject_path = "rejects.csv";
	decode_text(SIMPLE_FMT, data.buf, &o, &run);
	assert_int_equal(run.rc, 0);
	assert_string_equal(run.err.buf,
		"recon: in.csv:2: error: amount: '1.0x': amount has trailing text\n"
		"recon: in.csv:3: error: time: missing: the row has 4 fields\n"
		"recon: in.csv:4: error: time: '2026-11-31 10:00:00': bad day\n"
		"recon: in.csv:5: error: type: 'chargeback': not in the map\n"
		"recon: in.csv:6: error: order: empty value\n"
		"recon: in.csv:7: error: order: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...': "
		"longer than 64 bytes\n"
		"recon: in.csv:9: error: time: '2026-11-21 10:00': time does not match the pattern\n"
		"recon: in.csv:10: error: unclosed quote\n");
	assert_int_equal(run.n, 1);
	assert_int_equal(strlen(run.recs[0].order_code), 64);
	assert_int_equal(run.st.rows, 1);
	assert_int_equal(run.st.rejects, 8);
	assert_int_equal(diag_status(), RX_BADINPUT);
	rej = slurp("rejects.csv");
	sb_reset(&data);
	sb_adds(&data,
		"file,line,column,error,raw\n"
		"in.csv,2,amount,'1.0x': amount has trailing text,\"pay,A1,,1.0x,2026-11-21 10:00:00\"\n"
		"in.csv,3,time,missing: the row has 4 fields,\"pay,A2,,1.00\"\n"
		"in.csv,4,time,'2026-11-31 10:00:00': bad day,\"pay,A3,,1.00,2026-11-31 10:00:00\"\n"
		"in.csv,5,type,'chargeback': not in the map,\"chargeback,A4,,1.00,2026-11-21 10:00:00\"\n"
		"in.csv,6,order,empty value,\"pay,,,1.00,2026-11-21 10:00:00\"\n"
		"in.csv,7,order,'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...': longer than 64 bytes,");
	sb_addf(&data, "\"pay,%s,,1.00,2026-11-21 10:00:00\"\n", code65);
	sb_adds(&data,
		"in.csv,9,time,'2026-11-21 10:00': time does not match the pattern,"
		"\"pay,A8,,1.00,2026-11-21 10:00\"\n"
		"in.csv,10,,unclosed quote,\"pay,\"\"A9\n,,1.00,2026-11-21 10:00:00\"\n");
	assert_string_equal(rej, data.buf);
	free(rej);
	run_free(&run);

	/* A second file appends to the same reject file, under one header. */
	decode_text(SIMPLE_FMT, SIMPLE_HEADER "pay,B1,,x,2026-11-21 10:00:00\n", &o, &run);
	rej = slurp("rejects.csv");
	assert_non_null(strstr(rej, "\nin.csv,2,amount,'x': not a number,"));
	assert_ptr_equal(strstr(rej, "file,line"), rej);
	assert_null(strstr(rej + 1, "file,line"));
	free(rej);
	run_free(&run);
	sb_release(&data);
}

static void test_max_messages(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };

	(void)state;
	o.max_messages = 2;
	decode_text(SIMPLE_FMT,
		    SIMPLE_HEADER
		    "pay,A1,,x,2026-11-21 10:00:00\n"
		    "pay,A2,,y,2026-11-21 10:00:00\n"
		    "pay,A3,,z,2026-11-21 10:00:00\n"
		    "pay,A4,,1.00,2026-11-21 10:00:00\n"
		    "pay,A5,,w,2026-11-21 10:00:00\n", &o, &run);
	assert_int_equal(run.rc, 0);
	assert_string_equal(run.err.buf,
		"recon: in.csv:2: error: amount: 'x': not a number\n"
		"recon: in.csv:3: error: amount: 'y': not a number\n"
		"recon: in.csv: error: 2 more rejected rows not shown\n");
	assert_int_equal(run.st.rejects, 4);
	assert_int_equal(run.n, 1);
	assert_int_equal(diag_status(), RX_BADINPUT);
	run_free(&run);
}

static void test_fatal_files(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };
	struct format *f;
	struct strbuf big = STRBUF_INIT;

	(void)state;
	write_file("./t.fmt", SIMPLE_FMT);
	f = load("./t.fmt");

	decode_with(f, "missing.csv", &o, &run);
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf,
		"recon: missing.csv: error: cannot open: No such file or directory\n");
	assert_int_equal(diag_status(), RX_BADINPUT);
	run_free(&run);

	write_file("in.csv", "");
	decode_with(f, "in.csv", &o, &run);
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf, "recon: in.csv: error: empty file\n");
	run_free(&run);

	write_file("in.csv", "\n\n");
	decode_with(f, "in.csv", &o, &run);
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf, "recon: in.csv: error: no header row\n");
	run_free(&run);

	/* A header and nothing else is a statement of a quiet day. */
	write_file("in.csv", SIMPLE_HEADER);
	decode_with(f, "in.csv", &o, &run);
	assert_int_equal(run.rc, 0);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.st.rows, 0);
	run_free(&run);

	write_file("in.csv", "type,order,refund,amount\n");
	decode_with(f, "in.csv", &o, &run);
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf, "recon: in.csv:1: error: no column 'time' in the header\n");
	run_free(&run);

	/* An optional column may be missing from the header. */
	write_file("in.csv", "type,order,amount,time\npay,A1,1.00,2026-11-21 10:00:00\n");
	decode_with(f, "in.csv", &o, &run);
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 1);
	assert_string_equal(run.recs[0].refund_code, "");
	run_free(&run);

	/* The name given for messages and provenance. */
	o.name = "statements/day.csv";
	decode_with(f, "in.csv", &o, &run);
	assert_string_equal(run.recs[0].file, "statements/day.csv");
	run_free(&run);
	o.name = NULL;

	/* A line beyond any sense: one MiB without a newline. */
	sb_adds(&big, SIMPLE_HEADER "pay,");
	while (big.len <= DECODE_ROW_MAX + 64)
		sb_adds(&big, "xxxxxxxxxxxxxxxx");
	write_bytes("in.csv", big.buf, big.len);
	decode_with(f, "in.csv", &o, &run);
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf, "recon: in.csv:2: error: line longer than 1048576 bytes\n");
	run_free(&run);
	sb_release(&big);

	/* A channel name that does not fit a record. */
	o.channel = "a-channel-name-of-more-than-31-bytes";
	decode_with(f, "in.csv", &o, &run);
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf, "recon: error: channel "
			    "'a-channel-name-of-more-than-31-bytes': longer than 31 bytes\n");
	run_free(&run);
	format_free(f);
}

static void test_gzip_input(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };
	struct format *f;
	gzFile gz;
	const char *text = SIMPLE_HEADER "pay,G1,,7.00,2026-11-21 10:00:00\n";

	(void)state;
	write_file("./t.fmt", SIMPLE_FMT);
	f = load("./t.fmt");
	gz = gzopen("in.csv.gz", "wb");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, text, (unsigned)strlen(text)), (int)strlen(text));
	assert_int_equal(gzclose(gz), Z_OK);
	decode_with(f, "in.csv.gz", &o, &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.n, 1);
	assert_string_equal(run.recs[0].order_code, "G1");
	/* Uncompressed bytes. */
	assert_int_equal(run.st.bytes, strlen(text));
	run_free(&run);

	/* Read ahead on a thread of its own: many chunks of rows, one bad
	 * near the start, the file cut short. Every row before the cut is
	 * decoded; the bad row is told first, the cut after it, and the
	 * status says both. */
	{
		struct strbuf big = STRBUF_INIT;
		char *z;
		size_t zn;
		int i;

		sb_adds(&big, SIMPLE_HEADER);
		for (i = 0; i < 200000; i++)
			sb_addf(&big, "pay,G%06d,,%s,2026-11-21 10:00:00\n", i,
				i == 3 ? "x.00" : "7.00");
		gz = gzopen("big.csv.gz", "wb");
		assert_non_null(gz);
		assert_int_equal(gzwrite(gz, big.buf, (unsigned)big.len), (int)big.len);
		assert_int_equal(gzclose(gz), Z_OK);
		{
			FILE *in = fopen("big.csv.gz", "rb"), *out = fopen("cut.csv.gz", "wb");

			assert_non_null(in);
			assert_non_null(out);
			z = malloc(8 << 20);
			zn = fread(z, 1, 8 << 20, in);
			assert_true(zn > 1000 && zn < (8u << 20));
			assert_int_equal(fwrite(z, 1, zn - 5, out), zn - 5);
			fclose(in);
			fclose(out);
			free(z);
		}
		sb_release(&big);
		decode_with(f, "cut.csv.gz", &o, &run);
		assert_int_equal(run.rc, -1);
		assert_true(run.n > 199000 && run.n < 200000);
		assert_non_null(strstr(run.err.buf, "cut.csv.gz:5: error: amount"));
		assert_non_null(strstr(run.err.buf, "unexpected end of gzip data"));
		assert_true(strstr(run.err.buf, "amount") < strstr(run.err.buf, "unexpected end"));
		assert_int_equal(diag_status(), RX_BADINPUT);
		run_free(&run);
	}
	format_free(f);
}

static const char *totals_fmt =
	"[format]\n\tkind = csv\n\tcomment = \"#\"\n\tstop = ^总交易单数\n\tstrip = `\n"
	"[field \"kind\"]\n\tcolumn = type\n"
	"[map \"kind\"]\n\tpay = PAY\n\trefund = REFUND\n"
	"[field \"order_code\"]\n\tcolumn = order\n"
	"[field \"amount\"]\n\tcolumn = amount\n"
	"[field \"fee\"]\n\tcolumn = fee\n"
	"[field \"currency\"]\n\tvalue = CNY\n"
	"[field \"time\"]\n\tvalue = 2026-11-21T00:00:00+08:00\n"
	"[total \"pay\"]\n"
	"\tline = ^#交易合计：(?<count>\\d+)笔，共(?<amount>-?[\\d.]+)元\n\tkind = PAY\n"
	"[total \"refund\"]\n"
	"\tline = ^#退款合计：(?<count>\\d+)笔，共(?<amount>-?[\\d.]+)元\n\tkind = REFUND\n"
	"\tsign = negate\n"
	"[total \"all\"]\n"
	"\tline = ^`(?<count>\\d+),`[\\d.]+,`(?<fee>[\\d.]+)$\n";

static void test_totals(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };
	const char *rows =
		"type,order,amount,fee\n"
		"`pay,`A1,`10.00,`0.06\n"
		"`pay,`A2,`1.50,`0.01\n"
		"`refund,`A1,`-4.00,`-0.02\n";

	(void)state;
	{
		struct strbuf data = STRBUF_INIT;

		sb_adds(&data, "#交易合计：2笔，共11.50元\n#退款合计：1笔，共4.00元\n");
		sb_adds(&data, rows);
		sb_adds(&data, "总交易单数,总金额,手续费总金额\n`3,`7.50,`0.05\n");
		decode_text(totals_fmt, data.buf, &o, &run);
		sb_release(&data);
	}
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 3);
	assert_int_equal(run.st.totals_declared, 1);
	assert_int_equal(run.st.totals_ok, 1);
	run_free(&run);

	/* One row lost: the file's own totals say so. */
	{
		struct strbuf data = STRBUF_INIT;

		sb_adds(&data, "#交易合计：3笔，共12.50元\n#退款合计：1笔，共-4.00元\n");
		sb_adds(&data, rows);
		sb_adds(&data, "总交易单数,总金额,手续费总金额\n`3,`7.50,`0.06\n");
		decode_text(totals_fmt, data.buf, &o, &run);
		sb_release(&data);
	}
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf,
		"recon: in.csv:1: error: total 'pay': the file says 3 rows, 2 decoded\n"
		"recon: in.csv:1: error: total 'pay': the file says amount 12.50, the decoded "
		"rows add up to 11.50\n"
		"recon: in.csv:2: error: total 'refund': the file says amount -4.00, the decoded "
		"rows add up to 4.00\n"
		"recon: in.csv:8: error: total 'all': the file says fee 0.06, the decoded rows "
		"add up to 0.05\n");
	assert_int_equal(run.st.totals_declared, 1);
	assert_int_equal(run.st.totals_ok, 0);
	assert_int_equal(diag_status(), RX_BADINPUT);
	run_free(&run);

	/* A total line that is not there: a cut-off file. */
	{
		struct strbuf data = STRBUF_INIT;

		sb_adds(&data, "#交易合计：2笔，共11.50元\n");
		sb_adds(&data, rows);
		sb_adds(&data, "总交易单数,总金额,手续费总金额\n`3,`7.50,`0.05\n");
		decode_text(totals_fmt, data.buf, &o, &run);
		sb_release(&data);
	}
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf,
		"recon: in.csv: error: total 'refund': no line matches "
		"'^#退款合计：(?<count>\\d+)笔，共(?<amount>-?[\\d.]+)元'\n");
	run_free(&run);
}

static void test_sums(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };
	struct decode_stats st;
	struct record r;

	(void)state;
	decode_text("[format]\n\tkind = csv\n"
		    "[field \"order_code\"]\n\tcolumn = o\n"
		    "[field \"amount\"]\n\tcolumn = a\n"
		    "[field \"fee\"]\n\tcolumn = f\n\toptional = yes\n"
		    "[field \"currency\"]\n\tcolumn = c\n"
		    "[field \"time\"]\n\tvalue = 2026-11-21T00:00:00Z\n",
		    "o,a,f,c\n"
		    "A,1.00,0.01,CNY\n"
		    "B,5,,JPY\n"
		    "C,-0.25,0.01,CNY\n"
		    "D,1.000,0.001,KWD\n"
		    "E,1.00,0,RMB\n", &o, &run);
	assert_string_equal(run.err.buf,
		"recon: in.csv:6: error: c: 'RMB': not an ISO 4217 currency code\n");
	assert_int_equal(run.st.nsums, 3);
	assert_string_equal(run.st.sums[0].currency, "CNY");
	assert_int_equal(run.st.sums[0].count, 2);
	assert_int_equal(run.st.sums[0].amount, 75);
	assert_int_equal(run.st.sums[0].fee, 2);
	assert_string_equal(run.st.sums[1].currency, "JPY");
	assert_int_equal(run.st.sums[1].amount, 5);
	assert_int_equal(run.st.sums[1].fee, 0);
	assert_string_equal(run.st.sums[2].currency, "KWD");
	assert_int_equal(run.st.sums[2].amount, 1000);
	assert_int_equal(run.st.sums[2].fee, 1);
	run_free(&run);

	/* decode_stats_add on its own: overflow is refused, not wrapped. */
	memset(&st, 0, sizeof(st));
	record_init(&r);
	strcpy(r.currency, "USD");
	r.amount = INT64_MAX;
	assert_int_equal(decode_stats_add(&st, &r), 0);
	r.amount = 1;
	assert_int_equal(decode_stats_add(&st, &r), -1);
	assert_int_equal(st.sums[0].amount, INT64_MAX);
	assert_int_equal(st.sums[0].count, 1);
}

static void test_callback_stops(void **state)
{
	struct decode_opts o = opts();
	struct run run = { 0 };

	(void)state;
	run.stop_after = 1;
	decode_text(SIMPLE_FMT,
		    SIMPLE_HEADER
		    "pay,A1,,1.00,2026-11-21 10:00:00\n"
		    "pay,A2,,2.00,2026-11-21 10:00:00\n", &o, &run);
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 1);
	assert_int_equal(run.st.rows, 1);
	run_free(&run);
}

static void test_bid(void **state)
{
	struct format *f;
	static const char full[] = "# export\ntype,order,refund,amount,time\npay,A1,,1.00,2026";
	static const char part[] = "type,order,amount,time,extra\n";
	static const char other[] = "Date,Gross Sales,Net Sales\n1,2,3\n";

	(void)state;
	write_file("./t.fmt", "[format]\n\tkind = csv\n\tcomment = \"#\"\n"
		   "[field \"kind\"]\n\tcolumn = type\n"
		   "[field \"order_code\"]\n\tcolumn = order\n"
		   "[field \"refund_code\"]\n\tcolumn = refund\n\toptional = yes\n"
		   "[field \"amount\"]\n\tcolumn = amount\n"
		   "[field \"currency\"]\n\tvalue = CNY\n"
		   "[field \"time\"]\n\tcolumn = time\n\tzone = +08:00\n");
	f = load("./t.fmt");
	assert_int_equal(f->kind->bid(f, full, sizeof(full) - 1), 100);
	/* 4 of 5 named columns, the missing one optional. */
	assert_int_equal(f->kind->bid(f, part, sizeof(part) - 1), 90);
	assert_int_equal(f->kind->bid(f, other, sizeof(other) - 1), 0);
	assert_int_equal(f->kind->bid(f, "", 0), 0);
	format_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ledger_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quoting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_comments_markers_skips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maps_and_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signs_and_units, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_zones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_yearless_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aliases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_kind_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fatal_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sums, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bid, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
