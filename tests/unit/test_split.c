/* test_split.c: a statement decoded in two halves gives the records of the
 * whole, with the right lines; anything doubtful gives up. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "recon/decode.h"
#include "recon/decode_split.h"
#include "recon/diag.h"
#include "recon/sort.h"
#include "recon/strbuf.h"
#include "recon/util.h"
#include "testutil.h"

static int setup(void **state)
{
	(void)state;
	if (scratch_enter("test_split") < 0)
		return -1;
	setenv("RECON_FORMAT_PATH", scratch_origin(), 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_leave();
}

struct sink {
	struct record *r;
	size_t n, alloc;
	int done;
};

static int collect(const struct record *r, void *ctx)
{
	struct sink *s = ctx;

	s->r = xgrow(s->r, &s->alloc, s->n + 1, sizeof(*s->r));
	s->r[s->n++] = *r;
	return 0;
}

static void mark_done(void *ctx)
{
	((struct sink *)ctx)->done = 1;
}

static struct format *fmt(void)
{
	struct strbuf path = STRBUF_INIT;
	struct format *f;

	sb_addf(&path, "%s/formats/canonical-csv.fmt", scratch_origin());
	f = format_load(path.buf);
	assert_non_null(f);
	sb_release(&path);
	return f;
}

/* A canonical statement of n rows. */
static void statement(const char *path, int n)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	sb_adds(&sb, "channel,kind,order_code,refund_code,channel_txn_id,amount,currency,fee,"
		"status,time\n");
	for (i = 0; i < n; i++) {
		sb_addf(&sb, "wechat,%s,O%06d,%s,T%d,%s%d.%02d,CNY,0.01,SUCCESS,"
			"2026-11-21T10:%02d:%02d+08:00\n", i % 5 ? "PAY" : "REFUND", i,
			i % 5 ? "" : "R1", i, i % 5 ? "" : "-", i % 900, i % 100,
			i / 60 % 60, i % 60);
		if (i % 1000 == 999)
			sb_adds(&sb, "\n");      /* blank lines are not rows */
	}
	write_bytes(path, sb.buf, sb.len);
	sb_release(&sb);
}

/* A statement whose middle falls inside a quoted field of several lines:
 * rows after it are added until half the size reaches that row. */
static void quoted_middle(const char *path)
{
	static const char row[] = "wechat,PAY,O%d,,T%d,1.00,CNY,0.00,SUCCESS,"
				  "2026-11-21T10:00:00+08:00\n";
	struct strbuf sb = STRBUF_INIT;
	size_t start;
	int i;

	sb_adds(&sb, "channel,kind,order_code,refund_code,channel_txn_id,amount,currency,fee,"
		"status,time\n");
	for (i = 0; i < 1000; i++)
		sb_addf(&sb, row, i, i);
	start = sb.len;
	sb_addf(&sb, "wechat,PAY,O%059d,,\"T\n\n\n\n\n\n\n\n\n\nend\",1.00,CNY,0.00,SUCCESS,"
		"2026-11-21T10:00:00+08:00\n", 1);
	while (sb.len / 2 < start)
		sb_addf(&sb, row, i, i), i++;
	write_bytes(path, sb.buf, sb.len);
	sb_release(&sb);
}

static int by_line(const void *a, const void *b)
{
	const struct record *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

static void test_halves_are_the_whole(void **state)
{
	struct format *f = fmt();
	struct decode_opts o;
	struct decode_stats whole, st;
	struct sink all = { 0 }, s[2] = { { 0 }, { 0 } };
	struct decode_half h[2] = { { collect, &s[0], mark_done }, { collect, &s[1], mark_done } };
	int64_t off = -1;
	size_t i;

	(void)state;
	statement("s.csv", 20000);
	memset(&o, 0, sizeof(o));
	o.statement_day = 20778;
	assert_int_equal(decode_file(f, "s.csv", &o, collect, &all, &whole), 0);
	assert_int_equal(decode_split(f, "s.csv", &o, h, &st, &off, NULL), 0);
	assert_true(s[0].done && s[1].done);
	assert_true(s[0].n > 5000 && s[1].n > 5000);
	assert_int_equal(s[0].n + s[1].n, all.n);
	assert_int_equal(st.rows, whole.rows);
	assert_int_equal(st.bytes, whole.bytes);
	assert_int_equal(st.nsums, whole.nsums);
	assert_int_equal(st.sums[0].amount, whole.sums[0].amount);
	assert_int_equal(st.sums[0].count, whole.sums[0].count);
	assert_true(off > 0);
	for (i = 0; i < s[1].n; i++)
		s[1].r[i].line += off;
	s[0].r = realloc(s[0].r, (s[0].n + s[1].n) * sizeof(*s[0].r));
	memcpy(s[0].r + s[0].n, s[1].r, s[1].n * sizeof(*s[1].r));
	qsort(s[0].r, all.n, sizeof(*all.r), by_line);
	for (i = 0; i < all.n; i++)
		assert_memory_equal(&s[0].r[i], &all.r[i], sizeof(*all.r));
	free(all.r);
	free(s[0].r);
	free(s[1].r);
	format_free(f);
}

/* A cut inside a quoted field, a bad row, a gzip file: not in halves. */
static void test_gives_up(void **state)
{
	struct format *f = fmt();
	struct decode_opts o;
	struct decode_stats st;
	struct sink s[2] = { { 0 }, { 0 } };
	struct decode_half h[2] = { { collect, &s[0], NULL }, { collect, &s[1], NULL } };
	int64_t off;
	char *text;
	size_t len;
	gzFile gz;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.statement_day = 20778;
	quoted_middle("q.csv");
	assert_int_equal(decode_file(f, "q.csv", &o, NULL, NULL, &st), 0);
	assert_int_equal(st.rejects, 0);          /* whole, it is a good file */
	assert_int_equal(decode_split(f, "q.csv", &o, h, &st, &off, NULL), 1);
	statement("b.csv", 2000);
	text = read_file("b.csv", &len);
	memcpy(strstr(text, "CNY"), "XYZ", 3);   /* a reject, quietly */
	write_bytes("b.csv", text, len);
	diag_reset();
	assert_int_equal(decode_split(f, "b.csv", &o, h, &st, &off, NULL), 1);
	assert_int_equal(diag_status(), RX_OK);
	gz = gzopen("z.csv.gz", "wb");
	gzwrite(gz, text, (unsigned)len);
	gzclose(gz);
	assert_int_equal(decode_split(f, "z.csv.gz", &o, h, &st, &off, NULL), 1);
	free(text);
	free(s[0].r);
	free(s[1].r);
	format_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_halves_are_the_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gives_up, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
