/* test_ledger_days.c: day files (the format) and the paid-day files an
 * import keeps: always what the database's own scan of the day gives. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "recon/conf.h"
#include "recon/dayfile.h"
#include "recon/diag.h"
#include "recon/ledger.h"
#include "recon/ledger_days.h"
#include "recon/sort.h"
#include "recon/tz.h"
#include "recon/util.h"
#include "recon/window.h"
#include "testutil.h"

/* 2026-11-21 in days since the epoch, and its window in +08:00. */
#define DAY 20778
#define FROM 1795190400
#define H 3600

static int setup(void **state)
{
	(void)state;
	return scratch_enter("test_ledger_days");
}

static int teardown(void **state)
{
	(void)state;
	return scratch_leave();
}

static struct record item(const char *channel, int kind, int n, int64_t paid, int64_t amount)
{
	struct record r;

	record_init(&r);
	snprintf(r.channel, sizeof(r.channel), "%s", channel);
	snprintf(r.order_code, sizeof(r.order_code), "2026112100%010d", n);
	if (kind == KIND_REFUND)
		snprintf(r.refund_code, sizeof(r.refund_code), "RF%08d", n);
	if (n % 3)
		snprintf(r.channel_txn_id, sizeof(r.channel_txn_id), "42%018d", n * 7);
	strcpy(r.currency, n % 11 ? "CNY" : "USD");
	r.kind = (uint8_t)kind;
	r.status = paid == REC_NO_TIME ? STATUS_PENDING : STATUS_SUCCESS;
	r.amount = kind == KIND_REFUND ? -amount : amount;
	r.fee = n % 5;
	r.time = paid == REC_NO_TIME ? FROM + n : paid - 5;
	r.time_off = 8 * H;
	r.paid_time = paid;
	r.paid_off = paid == REC_NO_TIME ? 0 : n % 7 ? 8 * H : -5 * H;
	r.file = "ledger.csv";
	r.line = n + 1;
	return r;
}

/* ---- the format ---- */

static void test_file_round_trip(void **state)
{
	struct dayfile_writer *w = dayfile_create("d.day", "wechat", DAY, FROM, FROM + 24 * H);
	struct dayfile_head h;
	struct dayfile *f;
	struct record in[6], out;
	char hex[SHA256_HEXLEN + 1], want[SHA256_HEXLEN + 1], *text;
	uint64_t rows;
	size_t i, len;

	(void)state;
	assert_non_null(w);
	in[0] = item("wechat", KIND_PAY, 1, FROM + 10, 1234);
	in[1] = item("wechat", KIND_PAY, 2, REC_NO_TIME, 99);       /* no paid time */
	in[2] = item("wechat", KIND_PAY, 22, FROM + 20, INT64_MAX);
	in[2].time = REC_NO_TIME;                                    /* no time */
	in[2].time_off = 0;
	in[3] = item("wechat", KIND_PAY, 23, FROM + 30, 0);
	memset(in[3].order_code, 'z', REC_CODE_MAX);                 /* longest codes */
	memset(in[3].channel_txn_id, 'y', REC_CODE_MAX);
	in[3].fee = INT64_MIN;
	in[3].line = INT64_MAX;
	in[4] = item("wechat", KIND_REFUND, 5, FROM + 40, 7);
	in[5] = item("wechat", KIND_REFUND, 6, FROM + 50, 8);
	memset(in[5].currency, 0, sizeof(in[5].currency));           /* odd, but kept */
	for (i = 0; i < 6; i++) {
		in[i].file = NULL;
		assert_int_equal(dayfile_put(w, &in[i]), 0);
	}
	assert_int_equal(dayfile_finish(w, &rows, hex), 0);
	assert_int_equal(rows, 6);
	text = read_file("d.day", &len);
	sha256_hex_of(text, len, want);
	assert_string_equal(hex, want);
	free(text);

	f = dayfile_open("d.day", &h);
	assert_non_null(f);
	assert_string_equal(h.channel, "wechat");
	assert_int_equal(h.day, DAY);
	assert_int_equal(h.from, FROM);
	assert_int_equal(h.to, FROM + 24 * H);
	for (i = 0; i < 6; i++) {
		assert_int_equal(dayfile_next(f, &out), 1);
		assert_memory_equal(&out, &in[i], sizeof(out));
	}
	assert_int_equal(dayfile_next(f, &out), 0);
	assert_int_equal(dayfile_next(f, &out), 0);
	dayfile_close(f);
	/* an existing file is never written over */
	assert_null(dayfile_create("d.day", "wechat", DAY, FROM, FROM + 24 * H));
}

/* Marks: keys of the file about evenly spaced, in order, a bounded number
 * of them however many rows; a run cuts a big statement by them. */
static void test_file_marks(void **state)
{
	enum { N = 200000 };
	struct dayfile_writer *w = dayfile_create("m.day", "wechat", DAY, FROM, FROM + 24 * H);
	const struct key_mark *m;
	struct dayfile_head h;
	struct dayfile *f;
	struct record r;
	char hex[SHA256_HEXLEN + 1];
	uint64_t rows, stride;
	size_t n, i;
	int rc;

	(void)state;
	for (i = 0; i < N; i++) {
		r = item("wechat", KIND_PAY, (int)i, FROM + 10, 100);
		assert_int_equal(dayfile_put(w, &r), 0);
	}
	assert_int_equal(dayfile_finish(w, &rows, hex), 0);
	f = dayfile_open("m.day", &h);
	assert_non_null(f);
	m = dayfile_marks(f, &n);
	assert_true(n >= 1000 && n < 2048);
	/* every stride-th key from the first (key i is order i), the stride
	 * a power of two */
	stride = strtoull(m[1].key + 10, NULL, 10);
	assert_true(stride >= 64 && (stride & (stride - 1)) == 0);
	for (i = 0; i < n; i++) {
		char want[REC_CODE_MAX + 1];

		assert_int_equal(m[i].kind, KIND_PAY);
		snprintf(want, sizeof(want), "2026112100%010llu", (unsigned long long)(i * stride));
		assert_int_equal(m[i].len, strlen(want));
		assert_memory_equal(m[i].key, want, m[i].len);
	}
	assert_true((n - 1) * stride < N && n * stride >= N);
	for (i = 0; (rc = dayfile_next(f, &r)) == 1; i++)
		;
	assert_int_equal(rc, 0);
	assert_int_equal(i, N);
	dayfile_close(f);
	unlink("m.day");
}

/* A file cut short, or that is something else, is refused. */
static void test_file_damage(void **state)
{
	struct dayfile_writer *w = dayfile_create("d.day", "alipay", DAY, FROM, FROM + 24 * H);
	struct dayfile_head h;
	struct dayfile *f;
	struct record r;
	char hex[SHA256_HEXLEN + 1], *text;
	uint64_t rows;
	size_t len;
	int i, rc;

	(void)state;
	for (i = 0; i < 100; i++) {
		r = item("alipay", KIND_PAY, i, FROM + i, 100 + i);
		assert_int_equal(dayfile_put(w, &r), 0);
	}
	assert_int_equal(dayfile_finish(w, &rows, hex), 0);
	text = read_file("d.day", &len);
	/* compact: the codes' shared heads are written once */
	if (len > 100 * 32)
		fail_msg("%zu bytes for 100 rows", len);
	write_bytes("short.day", text, len - 3);
	write_bytes("other.day", "order_code,refund_code\n", 23);
	free(text);
	/* its marks' end is gone: refused at once */
	assert_null(dayfile_open("short.day", &h));
	/* cut inside the records: refused when they end short */
	text = read_file("d.day", &len);
	write_bytes("short.day", text, len / 2);
	free(text);
	f = dayfile_open("short.day", &h);
	if (f) {
		for (i = 0; (rc = dayfile_next(f, &r)) == 1; i++)
			;
		assert_int_equal(rc, -1);
		assert_true(i < 100);
		dayfile_close(f);
	}
	assert_null(dayfile_open("other.day", &h));
	assert_null(dayfile_open("missing.day", &h));
}

/* ---- kept by imports ---- */

struct ws {
	struct conf *c;
	struct ledger *l;
};

static void ws_open(struct ws *w, const char *cutoff)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "[channel \"wechat\"]\n\tformat = canonical-csv\n\tsource = s\n"
		"\ttimezone = +08:00\n\tcutoff = %s\n", cutoff);
	write_file("recon.conf", sb.buf);
	sb_release(&sb);
	w->c = conf_load_file("recon.conf");
	assert_non_null(w->c);
	w->l = ledger_open("recon.db", 1);
	assert_non_null(w->l);
}

static void ws_close(struct ws *w)
{
	ledger_close(w->l);
	conf_free(w->c);
}

/* As ledger import does: every row noted, then put; note 0: not noted. */
static void put_rows(struct ws *w, const struct record *r, size_t n, int commit, int note)
{
	size_t i;

	assert_int_equal(ledger_begin(w->l, 0), 0);
	ledger_keep_days(w->l, w->c, 1);   /* the smallest budget: runs on disk */
	for (i = 0; i < n; i++) {
		if (note)
			ledger_note_row(w->l, &r[i]);
		assert_true(ledger_put(w->l, &r[i]) >= 0);
	}
	if (commit)
		assert_int_equal(ledger_commit(w->l), 0);
	else
		ledger_rollback(w->l);
}

static void put_all(struct ws *w, const struct record *r, size_t n, int commit)
{
	put_rows(w, r, n, commit, 1);
}

/* The day file of day d, record by record, is the database's scan of its
 * window; returns the rows. */
static uint64_t check_day(struct ws *w, int64_t d)
{
	const struct tz *z = tz_get("+08:00", NULL);
	const char *why;
	struct ledger_day *x;
	struct ledger_cursor *c;
	struct record a, b;
	int64_t from, to;
	uint64_t n = 0;
	int rc;

	day_window(z, d, w->c->channels[0].cutoff, &from, &to);
	x = ledger_day_open(w->l, "wechat", d, from, to, &why);
	if (!x)
		fail_msg("day %lld: no day file: %s", (long long)d, why);
	if (d % 2)
		ledger_day_prefetch(x);    /* read ahead on a thread, for odd days */
	c = ledger_scan_paid(w->l, "wechat", from, to);
	assert_non_null(c);
	while ((rc = ledger_scan_next(c, &a)) == 1) {
		assert_int_equal(ledger_day_next(x, &b), 1);
		assert_memory_equal(&a, &b, sizeof(a));
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(ledger_day_next(x, &b), 0);
	assert_int_equal(ledger_day_rows(x), n);
	ledger_scan_close(c);
	ledger_day_close(x);
	return n;
}

static size_t files_in(const char *dir)
{
	char cmd[256];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls %s 2>/dev/null | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return (size_t)n;
}

/* Rows of two days in random order, refunds, unpaid rows, another
 * channel's: each day's file is its scan; a second import merges. */
static void test_import_days(void **state)
{
	enum { N = 3000 };
	struct record *r = xcalloc(N, sizeof(*r));
	struct ws w;
	size_t i;

	(void)state;
	ws_open(&w, "00:00");
	for (i = 0; i < N; i++) {
		int n = (int)((i * 1237) % N);
		int64_t paid = n % 10 == 0 ? REC_NO_TIME : FROM + (int64_t)(n * 57) % (48 * H);

		r[i] = item(n % 13 ? "wechat" : "alipay", n % 4 ? KIND_PAY : KIND_REFUND, n, paid,
			    1000 + n);
	}
	put_all(&w, r, N / 2, 1);
	assert_true(check_day(&w, DAY) > 100);
	assert_true(check_day(&w, DAY + 1) > 100);
	assert_int_equal(files_in("recon.db.days/wechat"), 2);
	assert_int_equal(files_in("recon.db.days"), 1);    /* alipay is not configured */
	/* the other half into days that have files: merged */
	put_all(&w, r + N / 2, N - N / 2, 1);
	assert_true(check_day(&w, DAY) > 500);
	assert_true(check_day(&w, DAY + 1) > 500);
	assert_int_equal(files_in("recon.db.days/wechat"), 2);   /* the old ones gone */
	/* the same rows again: nothing changes, no new file */
	put_all(&w, r, N, 1);
	check_day(&w, DAY);
	ws_close(&w);
	free(r);
}

/* Updates: a row moved to the next day, a paid row made pending again,
 * a pending row paid: both days follow. */
static void test_updates(void **state)
{
	struct record r[4];
	struct ws w;

	(void)state;
	ws_open(&w, "00:00");
	r[0] = item("wechat", KIND_PAY, 1, FROM + H, 100);
	r[1] = item("wechat", KIND_PAY, 2, FROM + 2 * H, 200);
	r[2] = item("wechat", KIND_PAY, 3, FROM + 3 * H, 300);
	r[3] = item("wechat", KIND_PAY, 4, FROM + 25 * H, 400);
	put_all(&w, r, 4, 1);
	assert_int_equal(check_day(&w, DAY), 3);
	assert_int_equal(check_day(&w, DAY + 1), 1);
	r[0].paid_time = FROM + 26 * H;                 /* moved to the next day */
	r[1].status = STATUS_PENDING;                   /* no longer paid */
	r[1].paid_time = REC_NO_TIME;
	r[2].amount = 333;                              /* changed in place */
	put_all(&w, r, 3, 1);
	assert_int_equal(check_day(&w, DAY), 1);
	assert_int_equal(check_day(&w, DAY + 1), 2);
	/* an update made by other means (SQL) marks the day stale: not used */
	assert_int_equal(sqlite3_exec(ledger_db(w.l), "UPDATE ledger SET amount = 1 WHERE key ="
				      " '20261121000000000003'", NULL, NULL, NULL), SQLITE_OK);
	{
		const char *why;

		assert_null(ledger_day_open(w.l, "wechat", DAY, FROM, FROM + 24 * H, &why));
		assert_string_equal(why, "stale");
	}
	/* the next import writes it again */
	put_all(&w, r + 3, 1, 1);
	assert_int_equal(check_day(&w, DAY), 1);
	ws_close(&w);
}

/* Rows imported before day files were kept: a later import into the day
 * takes the database's scan, not just its new rows. */
static void test_rows_without_file(void **state)
{
	struct record r[3];
	struct ws w;
	size_t i;

	(void)state;
	ws_open(&w, "00:00");
	r[0] = item("wechat", KIND_PAY, 1, FROM + H, 100);
	r[1] = item("wechat", KIND_PAY, 2, FROM + 2 * H, 200);
	r[2] = item("wechat", KIND_REFUND, 3, FROM + 3 * H, 300);
	assert_int_equal(ledger_begin(w.l, 0), 0);
	for (i = 0; i < 2; i++)
		assert_true(ledger_put(w.l, &r[i]) >= 0);
	assert_int_equal(ledger_commit(w.l), 0);
	put_all(&w, r + 2, 1, 1);
	assert_int_equal(check_day(&w, DAY), 3);
	ws_close(&w);
}

/* A rollback leaves the old file in force and no new one behind; a run
 * with another cut-off, or a lost file, gets none (and scans). */
static void test_rollback_and_refusals(void **state)
{
	struct record r[2];
	struct ws w;
	const char *why;

	(void)state;
	ws_open(&w, "00:00");
	r[0] = item("wechat", KIND_PAY, 1, FROM + H, 100);
	r[1] = item("wechat", KIND_PAY, 2, FROM + 2 * H, 200);
	put_all(&w, r, 1, 1);
	put_all(&w, r + 1, 1, 0);
	assert_int_equal(files_in("recon.db.days/wechat"), 1);
	assert_int_equal(check_day(&w, DAY), 1);
	assert_null(ledger_day_open(w.l, "wechat", DAY, FROM - H, FROM + 23 * H, &why));
	assert_string_equal(why, "another window");
	assert_null(ledger_day_open(w.l, "wechat", DAY + 5, FROM, FROM + 24 * H, &why));
	assert_string_equal(why, "none");
	assert_int_equal(system("rm recon.db.days/wechat/*"), 0);
	assert_null(ledger_day_open(w.l, "wechat", DAY, FROM, FROM + 24 * H, &why));
	assert_string_equal(why, "its file cannot be read");
	/* the next import into the day writes it from the database */
	put_all(&w, r + 1, 1, 1);
	assert_int_equal(check_day(&w, DAY), 2);
	ws_close(&w);
}

/* One import that inserts a row and then moves it to the next day (the
 * same order twice in a file), and an import whose rows were not noted
 * (replay's way): the days follow the database. */
static void test_moved_in_one_import(void **state)
{
	struct record r[4];
	struct ws w;

	(void)state;
	ws_open(&w, "00:00");
	r[0] = item("wechat", KIND_PAY, 1, FROM + H, 100);
	r[1] = item("wechat", KIND_PAY, 2, FROM + 2 * H, 200);
	r[2] = r[0];
	r[2].paid_time = FROM + 30 * H;
	r[3] = item("wechat", KIND_REFUND, 3, FROM + 3 * H, 300);
	put_all(&w, r, 3, 1);
	assert_int_equal(check_day(&w, DAY), 1);
	assert_int_equal(check_day(&w, DAY + 1), 1);
	put_rows(&w, r + 3, 1, 1, 0);
	assert_int_equal(check_day(&w, DAY), 2);
	ws_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_marks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_updates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_without_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_and_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved_in_one_import, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
