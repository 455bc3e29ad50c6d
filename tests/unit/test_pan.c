/* test_pan.c: card numbers masked to the first 6 and last 4 at most, in a
 * field and wherever they stand in a raw line; a delimited statement's
 * card column masked before any record, message or reject file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "recon/decode.h"
#include "recon/diag.h"
#include "recon/pan.h"
#include "recon/record.h"
#include "recon/strbuf.h"
#include "recon/util.h"

static void masks(const char *in, const char *want, size_t nmasked)
{
	char buf[64];
	size_t n = strlen(in);

	memcpy(buf, in, n + 1);
	assert_int_equal(pan_mask(buf, n), nmasked);
	assert_string_equal(buf, want);
}

static void test_lengths(void **state)
{
	(void)state;
	/* UnionPay's 19-digit and 16-digit numbers (EXPECTED.md). */
	masks("6222021001123456789", "622202*********6789", 9);
	masks("6225880123456783", "622588******6783", 6);
	/* The shortest PAN, 13 digits: 3 hidden. */
	masks("4222222222222", "422222***2222", 3);
	/* Too short to keep the first 6 as well: the last 4 only. */
	masks("123456789012", "********9012", 8);
	masks("12345678", "****5678", 4);
	/* Shorter still: nothing kept. */
	masks("1234567", "*******", 7);
	masks("", "", 0);
}

static void test_padding_and_remask(void **state)
{
	(void)state;
	/* A fixed-width field keeps its padding and its length. */
	masks("6221550012345678   ", "622155******5678   ", 6);
	masks("  6221550012345678\t", "  622155******5678\t", 6);
	masks("     ", "     ", 0);
	/* A number the channel masked already stays as it is. */
	masks("622202*********6789", "622202*********6789", 0);
}

static void test_in_raw_line(void **state)
{
	char line[] = "S22,6222021001123456789,100.00,\"6222021001123456789\",62220210011";

	(void)state;
	/* Every occurrence, not a part of a longer number's neighbour. */
	assert_int_equal(pan_mask_in(line, strlen(line), "6222021001123456789", 19), 2);
	assert_string_equal(line, "S22,622202*********6789,100.00,\"622202*********6789\","
			    "62220210011");
	/* Too short to be told from other fields: left alone in the line. */
	{
		char l2[] = "A,12345,12345";

		assert_int_equal(pan_mask_in(l2, strlen(l2), "12345", 5), 0);
		assert_string_equal(l2, "A,12345,12345");
	}
	/* Not there: nothing changes. */
	{
		char l3[] = "A,1111222233334444";

		assert_int_equal(pan_mask_in(l3, strlen(l3), "5555666677778888", 16), 0);
		assert_string_equal(l3, "A,1111222233334444");
	}
	/* At the very end of the text. */
	{
		char l4[] = "x6225880123456783";

		assert_int_equal(pan_mask_in(l4, strlen(l4), "6225880123456783", 16), 1);
		assert_string_equal(l4, "x622588******6783");
	}
}

static void test_runs(void **state)
{
	char t[] = "A1,6222021001123456789,\"6225880123456783\n12345678901234567890,"
		   "622202*********6789,123456789012,2026112110000000000003";

	(void)state;
	/* 19 and 16 digits masked; 20 and 22 digits (order codes) and 12
	 * digits are not card numbers; a masked one stays. */
	assert_int_equal(pan_mask_runs(t, strlen(t)), 2);
	assert_string_equal(t, "A1,622202*********6789,\"622588******6783\n12345678901234567890,"
			    "622202*********6789,123456789012,2026112110000000000003");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

struct got {
	struct record recs[8];
	size_t n;
};

static int collect(const struct record *r, void *ctx)
{
	struct got *g = ctx;

	if (g->n < 8)
		g->recs[g->n++] = *r;
	return 0;
}

/* Decode in.csv with fmt; stderr into err. Returns decode_file()'s. */
static int decode(const char *fmt, struct got *g, struct strbuf *err)
{
	struct decode_opts o = { NULL, NULL, "rejects.csv", INT64_MIN, 0, NULL };
	struct decode_stats st;
	struct format *f;
	FILE *tmp = tmpfile();
	char buf[4096];
	size_t n;
	int saved, rc;

	write_file("./t.fmt", fmt);
	unlink("rejects.csv");
	f = format_load("./t.fmt");
	assert_non_null(f);
	memset(g, 0, sizeof(*g));
	diag_reset();
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	rc = decode_file(f, "in.csv", &o, collect, g, &st);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	sb_reset(err);
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		sb_add(err, buf, n);
	fclose(tmp);
	format_free(f);
	return rc;
}

#define CSV_FMT(pan, header) \
	"[format]\n\tkind = csv\n\theader = " header "\n\tpan = " pan "\n" \
	"[field \"order_code\"]\n\tindex = 1\n" \
	"[field \"channel_txn_id\"]\n\tindex = 2\n" \
	"[field \"amount\"]\n\tindex = 3\n" \
	"[field \"currency\"]\n\tvalue = CNY\n" \
	"[field \"time\"]\n\tindex = 4\n"

static void test_csv_column(void **state)
{
	char dir[] = "/tmp/test_pan.XXXXXX", *old = getcwd(NULL, 0), *rej;
	struct strbuf err = STRBUF_INIT;
	struct got g;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	write_file("in.csv",
		   "order,card,amount,time\n"
		   "A1,6222021001123456789,1.00,2026-11-21T10:00:00+08:00\n"
		   "A2,\"6225880123456783\",x,2026-11-21T10:00:00+08:00 6225880123456783\n");
	/* The card column read as the channel's id: masked in the record, and
	 * the rejected row's raw text masked wherever the number stands. */
	assert_int_equal(decode(CSV_FMT("card", "yes"), &g, &err), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.recs[0].channel_txn_id, "622202*********6789");
	assert_string_equal(err.buf, "recon: in.csv:3: error: amount: 'x': not a number\n");
	rej = read_file("rejects.csv", &n);
	assert_non_null(rej);
	assert_string_equal(rej, "file,line,column,error,raw\n"
			    "in.csv,3,amount,'x': not a number,\"A2,\"\"622588******6783\"\","
			    "x,2026-11-21T10:00:00+08:00 622588******6783\"\n");
	free(rej);

	/* Without a header the column is given by number. */
	assert_int_equal(decode(CSV_FMT("2", "no"), &g, &err), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.recs[0].channel_txn_id, "622202*********6789");

	/* A row that never ends (an unclosed quote) has no fields to find the
	 * card column in: what looks like a card number is masked. */
	write_file("in.csv", "order,card,amount,time\n"
		   "A3,6228480048123456781,\"1.00,2026-11-21T10:00:00+08:00\n");
	assert_int_equal(decode(CSV_FMT("card", "yes"), &g, &err), 0);
	assert_string_equal(err.buf, "recon: in.csv:2: error: unclosed quote\n");
	rej = read_file("rejects.csv", &n);
	assert_string_equal(rej, "file,line,column,error,raw\n"
			    "in.csv,2,,unclosed quote,\"A3,622848*********6781,\"\"1.00,"
			    "2026-11-21T10:00:00+08:00\"\n");
	free(rej);
	write_file("in.csv", "order,card,amount,time\n"
		   "A1,6222021001123456789,1.00,2026-11-21T10:00:00+08:00\n");

	/* A card column the header lacks refuses the file: renaming a column
	 * must not let card numbers through. */
	assert_int_equal(decode(CSV_FMT("Card Number", "yes"), &g, &err), -1);
	assert_string_equal(err.buf, "recon: in.csv:1: error: no column 'Card Number' in the "
			    "header (named in pan)\n");
	assert_int_equal(g.n, 0);

	sb_release(&err);
	assert_int_equal(chdir(old), 0);
	free(old);
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_padding_and_remask),
		cmocka_unit_test(test_in_raw_line),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_csv_column),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
