/* test_fixed.c: the fixed kind: byte columns cut before conversion (GBK),
 * trimming, kinds by code, C/D signs, per-kind sources, skipped codes,
 * short and long records, card numbers masked everywhere, year-less times
 * across the new year, load errors and bids. */
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
	if (scratch_enter("test_fixed") < 0)
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

/* Decode data with the format text fmt; stderr into run->err. */
static void decode(const char *fmt, const char *data, size_t len, struct decode_opts *o,
		   struct run *run)
{
	struct format *f;
	FILE *tmp = tmpfile();
	char buf[4096];
	size_t n;
	int saved;

	write_file("./t.fmt", fmt);
	write_bytes("zm.txt", data, len);
	f = format_load("./t.fmt");
	assert_non_null(f);
	assert_non_null(tmp);
	diag_reset();
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	run->rc = decode_file(f, "zm.txt", o, collect, run, &run->st);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	sb_init(&run->err, 0);
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		sb_add(&run->err, buf, n);
	fclose(tmp);
	format_free(f);
}

static void run_free(struct run *run)
{
	free(run->recs);
	sb_release(&run->err);
	memset(run, 0, sizeof(*run));
}

static struct decode_opts opts(const char *day)
{
	struct decode_opts o = { NULL, NULL, NULL, INT64_MIN, 0, NULL };

	if (day)
		assert_int_equal(date_parse(day, &o.statement_day), 0);
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

/* A UnionPay-like layout in small: each field followed by one space, 95
 * bytes a record. */
#define COLUMNS \
	"[columns]\n\tcode = 0 3\n\tpan = 4 19\n\tamount = 24 12\n\tfee = 37 13\n" \
	"\torder = 51 10\n\torig = 62 10\n\ttime = 73 10\n\tshop = 84 10\n"
#define FIELDS \
	"[field \"kind\"]\n\tcolumn = code\n" \
	"[map \"kind\"]\n\tS22 = PAY\n\tS30 = REFUND\n" \
	"[field \"order_code\"]\n\tcolumn = order\n" \
	"[field \"order_code for REFUND\"]\n\tcolumn = orig\n" \
	"[field \"refund_code for REFUND\"]\n\tcolumn = order\n" \
	"[field \"amount\"]\n\tcolumn = amount\n\tunit = minor\n\tsign = negate-refund\n" \
	"[field \"fee\"]\n\tcolumn = fee\n\tunit = minor\n\tsign = dc\n" \
	"[field \"currency\"]\n\tvalue = CNY\n" \
	"[field \"time\"]\n\tcolumn = time\n\tpattern = %m%d%H%M%S\n\tzone = +08:00\n" \
	"[skip]\n\tcode = ^E74$\n"
#define FORMAT_HEAD \
	"[format]\n\tkind = fixed\n\tencoding = gbk\n\trecord-length = 95\n\tpan = pan\n"
#define FMT FORMAT_HEAD COLUMNS FIELDS \
	"[field \"channel_txn_id\"]\n\tcolumn = shop\n\toptional = yes\n"

#define SHOP_GBK "\xbb\xaa\xb6\xab"   /* 华东, 4 bytes in GBK */

static void rec(struct strbuf *sb, const char *code, const char *pan, const char *amount,
		const char *fee, const char *order, const char *orig, const char *time,
		const char *shop)
{
	sb_addf(sb, "%-3s %-19s %12s %13s %-10s %-10s %-10s %-10s \r\n", code, pan, amount,
		fee, order, orig, time, shop);
}

static void test_records(void **state)
{
	struct decode_opts o = opts("2026-11-21");
	struct strbuf data = STRBUF_INIT;
	struct run run = { 0 };

	(void)state;
	rec(&data, "S22", "6222021001123456789", "000000158000", "D000000000948", "O1", "",
	    "1121085521", SHOP_GBK);
	rec(&data, "E74", "6222020000000001230", "000000005000", "D000000000000", "", "",
	    "1121103000", "");
	sb_adds(&data, "\r\n");
	rec(&data, "S30", "6221550012345678", "000000065000", "C000000000390", "R1", "O1",
	    "1121162005", SHOP_GBK "xy");
	rec(&data, "S31", "6221550012345678", "000000065000", "C000000000390", "R2", "O1",
	    "1121162005", "");
	decode(FMT, data.buf, data.len, &o, &run);
	assert_string_equal(run.err.buf, "recon: zm.txt:5: error: code: 'S31': not in the map\n");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 2);
	assert_int_equal(run.st.skipped, 1);
	assert_int_equal(run.st.rejects, 1);

	assert_int_equal(run.recs[0].kind, KIND_PAY);
	assert_string_equal(run.recs[0].order_code, "O1");
	assert_string_equal(run.recs[0].refund_code, "");
	assert_int_equal(run.recs[0].amount, 158000);
	/* D: charged to the merchant. */
	assert_int_equal(run.recs[0].fee, 948);
	/* Cut in bytes of GBK, then UTF-8: 华东 is 4 bytes there, 6 here. */
	assert_string_equal(run.recs[0].channel_txn_id, "华东");
	assert_string_equal(iso(run.recs[0].time, run.recs[0].time_off),
			    "2026-11-21T08:55:21+08:00");
	assert_int_equal(run.recs[0].line, 1);

	assert_int_equal(run.recs[1].kind, KIND_REFUND);
	assert_string_equal(run.recs[1].order_code, "O1");
	assert_string_equal(run.recs[1].refund_code, "R1");
	assert_int_equal(run.recs[1].amount, -65000);
	/* C: a fee returned. */
	assert_int_equal(run.recs[1].fee, -390);
	assert_string_equal(run.recs[1].channel_txn_id, "华东xy");
	assert_int_equal(run.recs[1].line, 4);
	run_free(&run);

	/* sign = cd reads D as minus. */
	{
		char *fmt = xstrdup(FMT), *p = strstr(fmt, "sign = dc");

		memcpy(p + 7, "cd", 2);
		decode(fmt, data.buf, data.len, &o, &run);
		free(fmt);
	}
	assert_int_equal(run.n, 2);
	assert_int_equal(run.recs[0].fee, -948);
	assert_int_equal(run.recs[1].fee, 390);
	run_free(&run);
	sb_release(&data);
}

static void test_new_year(void **state)
{
	struct decode_opts o = opts("2027-01-01");
	struct strbuf data = STRBUF_INIT;
	struct run run = { 0 };

	(void)state;
	rec(&data, "S22", "6216612800003456125", "000000086000", "D000000000516", "O1", "",
	    "1231233012", "");
	rec(&data, "S22", "6222021001123456789", "000000134000", "D000000000804", "O2", "",
	    "0101100540", "");
	decode(FMT, data.buf, data.len, &o, &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.n, 2);
	assert_string_equal(iso(run.recs[0].time, run.recs[0].time_off),
			    "2026-12-31T23:30:12+08:00");
	assert_string_equal(iso(run.recs[1].time, run.recs[1].time_off),
			    "2027-01-01T10:05:40+08:00");
	run_free(&run);

	/* The same records on a bill of 31 December: 1 January is next year. */
	o = opts("2026-12-31");
	decode(FMT, data.buf, data.len, &o, &run);
	assert_string_equal(iso(run.recs[1].time, run.recs[1].time_off),
			    "2027-01-01T10:05:40+08:00");
	run_free(&run);
	sb_release(&data);
}

static void test_short_and_long(void **state)
{
	struct decode_opts o = opts("2026-11-21");
	struct strbuf data = STRBUF_INIT, line = STRBUF_INIT;
	struct run run = { 0 };
	char *rej;
	size_t rn;

	(void)state;
	rec(&line, "S22", "6222021001123456789", "000000158000", "D000000000948", "O1", "",
	    "1121085521", "");
	/* Cut inside the amount, so the card number is all there. */
	sb_add(&data, line.buf, 30);
	sb_adds(&data, "\r\n");
	/* Cut inside the card number: only its first 6 digits may stay. */
	sb_add(&data, line.buf, 20);
	sb_adds(&data, "\n");
	/* One byte too many. */
	sb_add(&data, line.buf, 95);
	sb_adds(&data, "x\r\n");
	sb_add(&data, line.buf, line.len);
	o.reject_path = "rejects.csv";
	decode(FMT, data.buf, data.len, &o, &run);
	assert_string_equal(run.err.buf,
		"recon: zm.txt:1: error: record is 30 bytes, expected 95\n"
		"recon: zm.txt:2: error: record is 20 bytes, expected 95\n"
		"recon: zm.txt:3: error: record is 96 bytes, expected 95\n");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 1);
	assert_int_equal(run.st.rejects, 3);
	assert_int_equal(diag_status(), RX_BADINPUT);
	rej = read_file("rejects.csv", &rn);
	assert_non_null(rej);
	assert_string_equal(rej,
		"file,line,column,error,raw\n"
		"zm.txt,1,,\"record is 30 bytes, expected 95\",S22 622202*********6789 000000\n"
		"zm.txt,2,,\"record is 20 bytes, expected 95\",S22 622202**********\n"
		"zm.txt,3,,\"record is 96 bytes, expected 95\",S22 622202*********6789 "
		"000000158000 D000000000948 O1                    1121085521            x\n");
	/* Never the whole number, nor the digits after the first 6 where
	 * the record cuts it. */
	assert_null(strstr(rej, "6222021001123456789"));
	assert_null(strstr(rej, "1001"));
	assert_null(strstr(rej, "3456"));
	free(rej);
	run_free(&run);

	/* Without record-length, a record is short when it ends before the
	 * furthest column does. */
	{
		struct strbuf fmt = STRBUF_INIT;

		sb_adds(&fmt, "[format]\n\tkind = fixed\n\tpan = pan\n" COLUMNS FIELDS);
		sb_reset(&data);
		sb_add(&data, line.buf, 90);
		sb_adds(&data, "\n");
		o.reject_path = NULL;
		decode(fmt.buf, data.buf, data.len, &o, &run);
		assert_string_equal(run.err.buf,
			"recon: zm.txt:1: error: record is 90 bytes, the columns need 94\n");
		run_free(&run);
		sb_release(&fmt);
	}
	sb_release(&data);
	sb_release(&line);
}

static void test_pan_in_messages(void **state)
{
	struct decode_opts o = opts("2026-11-21");
	struct strbuf data = STRBUF_INIT;
	struct run run = { 0 };
	char *rej;
	size_t rn;

	(void)state;
	/* A format that (wrongly) reads the card number as a status and as
	 * the channel's id: both see it masked. */
	rec(&data, "S22", "6222021001123456789", "000000158000", "D000000000948", "O1", "",
	    "1121085521", "");
	o.reject_path = "rejects.csv";
	decode(FORMAT_HEAD COLUMNS FIELDS "[field \"status\"]\n\tcolumn = pan\n", data.buf,
	       data.len, &o, &run);
	assert_string_equal(run.err.buf,
		"recon: zm.txt:1: error: pan: '622202*********6789': not a status\n");
	rej = read_file("rejects.csv", &rn);
	assert_null(strstr(rej, "6222021001123456789"));
	assert_non_null(strstr(rej, "622202*********6789"));
	free(rej);
	run_free(&run);

	o.reject_path = NULL;
	decode(FORMAT_HEAD COLUMNS FIELDS "[field \"channel_txn_id\"]\n\tcolumn = pan\n",
	       data.buf, data.len, &o, &run);
	assert_int_equal(run.n, 1);
	assert_string_equal(run.recs[0].channel_txn_id, "622202*********6789");
	run_free(&run);
	sb_release(&data);
}

static void test_split_character(void **state)
{
	struct decode_opts o = opts("2026-11-21");
	struct strbuf data = STRBUF_INIT, fmt = STRBUF_INIT;
	struct run run = { 0 };
	char *p;

	(void)state;
	/* shop = 84 3 ends in the middle of 东. */
	sb_adds(&fmt, FMT);
	p = strstr(fmt.buf, "shop = 84 10");
	memcpy(p, "shop = 84 3 ", 12);
	rec(&data, "S22", "6222021001123456789", "000000158000", "D000000000948", "O1", "",
	    "1121085521", SHOP_GBK);
	decode(fmt.buf, data.buf, data.len, &o, &run);
	assert_string_equal(run.err.buf, "recon: zm.txt:1: error: shop: bytes 84 to 87 cut a "
			    "character in two (check [columns])\n");
	assert_int_equal(run.n, 0);
	run_free(&run);

	/* A byte that is not GBK anywhere in a record refuses the file. */
	sb_reset(&data);
	rec(&data, "S22", "6222021001123456789", "000000158000", "D000000000948", "O1", "",
	    "1121085521", "");
	rec(&data, "S22", "6222021001123456789", "000000158000", "D000000000948", "O2", "",
	    "1121085521", "\xff");
	decode(FMT, data.buf, data.len, &o, &run);
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf, "recon: zm.txt:2: error: not valid GB18030 at byte 181\n");
	run_free(&run);
	sb_release(&data);
	sb_release(&fmt);
}

static void test_comments_and_markers(void **state)
{
	struct decode_opts o = opts("2026-11-21");
	struct strbuf data = STRBUF_INIT;
	struct run run = { 0 };

	(void)state;
	/* Line patterns are matched on the text; records still cut in bytes. */
	sb_adds(&data, "# \xd5\xcb\xb5\xa5\r\nBEGIN\r\n");   /* # 账单 */
	rec(&data, "S22", "6222021001123456789", "000000158000", "D000000000948", "O1", "",
	    "1121085521", SHOP_GBK);
	sb_adds(&data, "END\r\nCOUNT 1\r\n");
	decode("[format]\n\tkind = fixed\n\tencoding = gbk\n\tcomment = \"#\"\n"
	       "\tstart = ^BEGIN\n\tstop = ^END\n\tpan = pan\n" COLUMNS FIELDS
	       "[field \"channel_txn_id\"]\n\tcolumn = shop\n"
	       "[total \"n\"]\n\tline = ^COUNT (?<count>\\d+)\n",
	       data.buf, data.len, &o, &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.n, 1);
	assert_string_equal(run.recs[0].channel_txn_id, "华东");
	assert_int_equal(run.recs[0].line, 3);
	assert_int_equal(run.st.totals_ok, 1);
	run_free(&run);
	sb_release(&data);
}

static void load_error(const char *text, const char *want)
{
	FILE *tmp = tmpfile();
	char buf[4096];
	size_t n;
	int saved;
	struct format *f;

	write_file("./e.fmt", text);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	f = format_load("./e.fmt");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	assert_null(f);
	assert_string_equal(buf, want);
}

#define MIN_FIELDS \
	"[field \"order_code\"]\n\tcolumn = a\n[field \"amount\"]\n\tcolumn = b\n" \
	"[field \"currency\"]\n\tvalue = CNY\n" \
	"[field \"time\"]\n\tcolumn = a\n\tzone = UTC\n"

static void test_load_errors(void **state)
{
	(void)state;
	load_error("[format]\n\tkind = fixed\n" MIN_FIELDS,
		   "recon: ./e.fmt:1: error: [format]: kind fixed needs a [columns] section\n"
		   "recon: ./e.fmt:3: error: [field \"order_code\"]: column 'a' is not in [columns]\n"
		   "recon: ./e.fmt:5: error: [field \"amount\"]: column 'b' is not in [columns]\n"
		   "recon: ./e.fmt:9: error: [field \"time\"]: column 'a' is not in [columns]\n");
	load_error("[format]\n\tkind = fixed\n\trecord-length = 10\n\tpan = c\n"
		   "[columns]\n\ta = 0 4\n\tb = 5 6\n\ta = 1 1\n\tc = x 1\n\td = 3\n" MIN_FIELDS
		   "[skip]\n\te = ^x\n",
		   "recon: ./e.fmt:8: error: a: column given twice\n"
		   "recon: ./e.fmt:9: error: c: 'x 1' is not OFFSET LENGTH (in bytes: 66 12)\n"
		   "recon: ./e.fmt:10: error: d: '3' is not OFFSET LENGTH (in bytes: 66 12)\n"
		   "recon: ./e.fmt:1: error: record-length: 10 bytes, but the columns reach byte 11\n"
		   "recon: ./e.fmt:21: error: [skip]: column 'e' is not in [columns]\n"
		   "recon: ./e.fmt:4: error: pan: column 'c' is not in [columns]\n");
	load_error("[format]\n\tkind = fixed\n\theader = no\n[columns]\n\ta = 0 4\n\tb = 5 0\n"
		   "[columns]\n" MIN_FIELDS,
		   "recon: ./e.fmt:6: error: b: '5 0' is not OFFSET LENGTH (in bytes: 66 12)\n"
		   "recon: ./e.fmt:7: error: [columns] given twice\n"
		   "recon: ./e.fmt:1: error: header: kind fixed has no header row; its columns "
		   "are named in [columns]\n"
		   "recon: ./e.fmt:10: error: [field \"amount\"]: column 'b' is not in [columns]\n");
	load_error("[format]\n\tkind = csv\n\trecord-length = 10\n\theader = no\n\tpan = x\n"
		   "[field \"order_code\"]\n\tindex = 1\n[field \"amount\"]\n\tindex = 2\n"
		   "[field \"currency\"]\n\tvalue = CNY\n"
		   "[field \"time\"]\n\tindex = 1\n\tzone = UTC\n",
		   "recon: ./e.fmt:1: error: record-length: only for kind fixed\n"
		   "recon: ./e.fmt:5: error: pan: 'x': with header = no, give column numbers\n");
}

static void test_bid(void **state)
{
	struct strbuf data = STRBUF_INIT;
	struct format *f;

	(void)state;
	write_file("./t.fmt", FMT);
	f = format_load("./t.fmt");
	rec(&data, "S22", "6222021001123456789", "000000158000", "D000000000948", "O1", "",
	    "1121085521", SHOP_GBK);
	rec(&data, "S30", "6222021001123456789", "000000158000", "C000000000948", "R1", "O1",
	    "1121085521", "");
	write_bytes("zm.txt", data.buf, data.len);
	assert_int_equal(format_bid(f, "zm.txt"), 100);
	/* One record of two with a code the format does not know. */
	rec(&data, "S99", "6222021001123456789", "000000158000", "C000000000948", "R1", "O1",
	    "1121085521", "");
	write_bytes("zm.txt", data.buf, data.len);
	assert_int_equal(format_bid(f, "zm.txt"), 50 + 50 * 2 / 3);
	/* A first record that does not fit: not this format. */
	write_file("zm.txt", "type,order,amount\npay,A1,1.00\n");
	assert_int_equal(format_bid(f, "zm.txt"), 0);
	format_free(f);
	sb_release(&data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_year, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_and_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pan_in_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_character, setup, teardown),
		cmocka_unit_test_setup_teardown(test_comments_and_markers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bid, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
