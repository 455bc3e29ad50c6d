/* test_encoding.c: statements in GBK/GB18030 and UTF-8: conversion, the
 * byte order mark, and files refused with the line and byte offset of the
 * first byte that is not in their encoding. */
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
#include "recon/util.h"


static int setup(void **state)
{
	(void)state;
	if (scratch_enter("test_encoding") < 0)
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

/* Decode path with the format text fmt; stderr into run->err. */
static void decode(const char *fmt, const char *path, struct run *run)
{
	struct decode_opts o = { NULL, NULL, NULL, INT64_MIN, 0, NULL };
	struct format *f;
	FILE *tmp = tmpfile();
	char buf[4096];
	size_t n;
	int saved;

	write_file("./t.fmt", fmt);
	f = format_load("./t.fmt");
	assert_non_null(f);
	assert_non_null(tmp);
	diag_reset();
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	run->rc = decode_file(f, path, &o, collect, run, &run->st);
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

#define FMT(enc) \
	"[format]\n\tkind = csv\n\tencoding = " enc "\n\tcomment = \"#\"\n" \
	"[field \"kind\"]\n\tcolumn = 类型\n" \
	"[map \"kind\"]\n\t交易 = PAY\n\t退款 = REFUND\n" \
	"[field \"order_code\"]\n\tcolumn = 订单\n" \
	"[field \"channel_txn_id\"]\n\tcolumn = 店\n\toptional = yes\n" \
	"[field \"amount\"]\n\tcolumn = 金额\n" \
	"[field \"currency\"]\n\tvalue = CNY\n" \
	"[field \"time\"]\n\tcolumn = 时间\n\tpattern = %Y-%m-%d %H:%M:%S\n\tzone = +08:00\n" \
	"[total \"pay\"]\n\tline = ^#交易合计：(?<count>\\d+)笔\n\tkind = PAY\n"

/* The same statement in GBK: 类型,订单,金额,时间,店 and 交易/退款 rows, the
 * first with 店 = 华东旗舰店, a total line in the comments. */
#define GBK_TOTAL   "#\xbd\xbb\xd2\xd7\xba\xcf\xbc\xc6\xa3\xba" "2\xb1\xca\r\n"
#define GBK_HEADER  "\xc0\xe0\xd0\xcd,\xb6\xa9\xb5\xa5,\xbd\xf0\xb6\xee,\xca\xb1\xbc\xe4,\xb5\xea\r\n"
#define GBK_PAY     "\xbd\xbb\xd2\xd7"
#define GBK_REFUND  "\xcd\xcb\xbf\xee"
#define GBK_SHOP    "\xbb\xaa\xb6\xab\xc6\xec\xbd\xa2\xb5\xea"

static void test_convert(void **state)
{
	struct enc *u = enc_open(ENC_UTF8), *g = enc_open(ENC_GB18030);
	struct strbuf sb = STRBUF_INIT;
	const char *out;
	size_t n, bad;
	static const char good[] = "a,支付宝,€,😀";

	(void)state;
	assert_non_null(u);
	assert_non_null(g);
	/* UTF-8 is checked, not copied. */
	assert_int_equal(enc_text(u, good, sizeof(good) - 1, &out, &n, &bad), 0);
	assert_ptr_equal(out, good);
	assert_int_equal(n, sizeof(good) - 1);
	/* Overlong, surrogate, beyond U+10FFFF, a lone continuation byte, a
	 * sequence cut at the end: each refused at its first byte. */
	assert_int_equal(enc_text(u, "ab\xc0\x80", 4, &out, &n, &bad), -1);
	assert_int_equal(bad, 2);
	assert_int_equal(enc_text(u, "\xed\xa0\x80", 3, &out, &n, &bad), -1);
	assert_int_equal(bad, 0);
	assert_int_equal(enc_text(u, "x\xf4\x90\x80\x80", 5, &out, &n, &bad), -1);
	assert_int_equal(bad, 1);
	assert_int_equal(enc_text(u, "12345678\x80", 9, &out, &n, &bad), -1);
	assert_int_equal(bad, 8);
	assert_int_equal(enc_text(u, "\xe6\x94", 2, &out, &n, &bad), -1);
	assert_int_equal(bad, 0);

	/* GB18030: two-byte GBK, four-byte sequences, ASCII as it is. */
	assert_int_equal(enc_text(g, "id\xd6\xa7\xb8\xb6\xb1\xa6", 8, &out, &n, &bad), 0);
	assert_int_equal(n, 11);
	assert_memory_equal(out, "id支付宝", 11);
	assert_int_equal(enc_text(g, "\x81\x30\x81\x30|\x94\x39\xfc\x36", 9, &out, &n, &bad), 0);
	assert_memory_equal(out, "\xc2\x80|😀", n);
	assert_int_equal(enc_text(g, "plain ascii", 11, &out, &n, &bad), 0);
	assert_string_equal(out, "plain ascii");
	/* 0xFF is never a lead byte; a lead byte at the end has no trail. */
	assert_int_equal(enc_text(g, "abc\xd6\xa7\xff" "d", 7, &out, &n, &bad), -1);
	assert_int_equal(bad, 5);
	assert_int_equal(enc_text(g, "abc\xd6", 4, &out, &n, &bad), -1);
	assert_int_equal(bad, 3);

	/* Appending keeps what is there. */
	sb_adds(&sb, "x=");
	assert_int_equal(enc_append(g, "\xbb\xaa\xb6\xab", 4, &sb, &bad), 0);
	assert_string_equal(sb.buf, "x=华东");
	assert_int_equal(enc_append(u, "!", 1, &sb, &bad), 0);
	assert_string_equal(sb.buf, "x=华东!");
	sb_release(&sb);
	assert_string_equal(enc_name(ENC_GB18030), "GB18030");
	assert_string_equal(enc_name(ENC_UTF8), "UTF-8");
	enc_close(u);
	enc_close(g);
}

static void test_gbk_csv(void **state)
{
	struct run run = { 0 };
	static const char data[] =
		GBK_TOTAL GBK_HEADER
		GBK_PAY ",A1,1.00,2026-11-21 10:00:00," GBK_SHOP "\r\n"
		GBK_REFUND ",A1,-0.50,2026-11-21 11:00:00,\r\n"
		GBK_PAY ",A2,2.00,2026-11-21 12:00:00,\r\n";

	(void)state;
	write_file("in.csv", data);
	decode(FMT("gbk"), "in.csv", &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 3);
	assert_int_equal(run.recs[0].kind, KIND_PAY);
	assert_string_equal(run.recs[0].channel_txn_id, "华东旗舰店");
	assert_int_equal(run.recs[0].amount, 100);
	assert_int_equal(run.recs[1].kind, KIND_REFUND);
	assert_int_equal(run.recs[1].amount, -50);
	assert_int_equal(run.recs[2].line, 5);
	/* The total line was read as text: 2 payments, as stated. */
	assert_int_equal(run.st.totals_declared, 1);
	assert_int_equal(run.st.totals_ok, 1);
	run_free(&run);

	/* gb18030 and gb2312 name the same reading. */
	decode(FMT("GB18030"), "in.csv", &run);
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 3);
	run_free(&run);
	decode(FMT("gb2312"), "in.csv", &run);
	assert_int_equal(run.n, 3);
	run_free(&run);
}

static void test_wrong_encoding(void **state)
{
	struct run run = { 0 };
	struct strbuf data = STRBUF_INIT;

	(void)state;
	/* A GBK file given to a UTF-8 format: refused at its first byte. */
	write_file("in.csv", GBK_HEADER GBK_PAY ",A1,1.00,2026-11-21 10:00:00,\r\n");
	decode(FMT("utf-8"), "in.csv", &run);
	assert_int_equal(run.rc, -1);
	assert_string_equal(run.err.buf, "recon: in.csv:1: error: not valid UTF-8 at byte 0 "
			    "(is the file GBK? set encoding = gbk)\n");
	assert_int_equal(run.n, 0);
	assert_int_equal(diag_status(), RX_BADINPUT);
	run_free(&run);

	/* Later in the file: the offset counts from the start of the file,
	 * the byte order mark included. */
	sb_adds(&data, "\xef\xbb\xbf" "类型,订单,金额,时间,店\n");
	sb_adds(&data, "交易,A1,1.00,2026-11-21 10:00:00,\n");
	sb_adds(&data, "交易,A2,2.00,2026-11-21 10:00:00,\xb5\xea\n");
	write_bytes("in.csv", data.buf, data.len);
	decode(FMT("utf-8"), "in.csv", &run);
	assert_int_equal(run.rc, -1);
	{
		char want[200];

		snprintf(want, sizeof(want), "recon: in.csv:3: error: not valid UTF-8 at byte %zu "
			 "(is the file GBK? set encoding = gbk)\n", data.len - 3);
		assert_string_equal(run.err.buf, want);
	}
	/* The rows before it were delivered, but the file is refused: the
	 * caller discards them (decode_file returned -1). */
	assert_int_equal(run.n, 1);
	run_free(&run);

	/* The same without the bad byte: the BOM is dropped, UTF-8 read. */
	sb_setlen(&data, data.len - 3);
	sb_adds(&data, "\n#交易合计：2笔\n");
	write_bytes("in.csv", data.buf, data.len);
	decode(FMT("utf-8"), "in.csv", &run);
	assert_string_equal(run.err.buf, "");
	assert_int_equal(run.n, 2);
	run_free(&run);

	/* A GBK file with a byte that is not GB18030 on line 3. */
	sb_reset(&data);
	sb_adds(&data, GBK_HEADER GBK_PAY ",A1,1.00,2026-11-21 10:00:00,\r\n");
	sb_adds(&data, GBK_PAY ",A2,2.00,2026-11-21 10:00:00,\xff\r\n");
	write_bytes("in.csv", data.buf, data.len);
	decode(FMT("gbk"), "in.csv", &run);
	assert_int_equal(run.rc, -1);
	{
		char want[200];

		snprintf(want, sizeof(want), "recon: in.csv:3: error: not valid GB18030 at "
			 "byte %zu\n", data.len - 3);
		assert_string_equal(run.err.buf, want);
	}
	run_free(&run);

	/* A line inside a quoted field is checked too. */
	write_file("in.csv", "类型,订单,金额,时间,店\n交易,\"A\n\xc4\",1.00,2026-11-21 10:00:00,\n");
	decode(FMT("utf-8"), "in.csv", &run);
	assert_int_equal(run.rc, -1);
	assert_non_null(strstr(run.err.buf, "in.csv:3: error: not valid UTF-8 at byte 42 "));
	run_free(&run);
	sb_release(&data);
}

static void test_bid(void **state)
{
	struct format *f;

	(void)state;
	write_file("gbk.csv", GBK_TOTAL GBK_HEADER GBK_PAY ",A1,1.00,2026-11-21 10:00:00,\r\n");
	write_file("utf8.csv", "#x\n类型,订单,金额,时间,店\n交易,A1,1.00,2026-11-21 10:00:00,\n");
	write_file("./g.fmt", FMT("gbk"));
	write_file("./u.fmt", FMT("utf-8"));
	f = format_load("./g.fmt");
	assert_int_equal(format_bid(f, "gbk.csv"), 100);
	/* UTF-8 Chinese read as GB18030 is other characters: no column. */
	assert_int_equal(format_bid(f, "utf8.csv"), 0);
	assert_int_equal(format_bid(f, "missing.csv"), 0);
	format_free(f);
	f = format_load("./u.fmt");
	assert_int_equal(format_bid(f, "utf8.csv"), 100);
	assert_int_equal(format_bid(f, "gbk.csv"), 0);
	format_free(f);
	/* Bidding is silent, whatever it met. */
	assert_int_equal(diag_status(), RX_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_convert),
		cmocka_unit_test_setup_teardown(test_gbk_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bid, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
