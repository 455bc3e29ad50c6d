/* test_ledger.c: the SQLite ledger on a temporary database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "recon/diag.h"
#include "recon/ledger.h"
#include "recon/util.h"

struct fixture {
	char dir[64];
	char *path;
	struct ledger *l;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/test_ledger.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->path = path_join(f->dir, "recon.db");
	diag_reset();
	f->l = ledger_open(f->path, 1);
	if (!f->l)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	ledger_close(f->l);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f->path);
	free(f);
	return 0;
}

static struct record pay(const char *channel, const char *order, int64_t amount)
{
	struct record r;

	record_init(&r);
	strcpy(r.channel, channel);
	strcpy(r.order_code, order);
	strcpy(r.currency, "CNY");
	r.kind = KIND_PAY;
	r.status = STATUS_SUCCESS;
	r.amount = amount;
	r.time = 1795226400;          /* 2026-11-21T10:00:00+08:00 */
	r.time_off = 8 * 3600;
	r.paid_time = r.time + 5;
	r.paid_off = 8 * 3600;
	r.file = "ledger.csv";
	r.line = 2;
	return r;
}

static struct record refund(const char *channel, const char *order, const char *code,
			    int64_t amount)
{
	struct record r = pay(channel, order, amount);

	r.kind = KIND_REFUND;
	strcpy(r.refund_code, code);
	return r;
}

static int64_t count_rows(struct ledger *l)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	assert_int_equal(sqlite3_prepare_v2(ledger_db(l), "SELECT count(*) FROM ledger", -1,
					    &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void put_all(struct ledger *l, const struct record *r, size_t n)
{
	size_t i;

	assert_int_equal(ledger_begin(l, 1000), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(ledger_put(l, &r[i]), LEDGER_INSERTED);
	assert_int_equal(ledger_commit(l), 0);
}

static void test_put_results(void **state)
{
	struct fixture *f = *state;
	struct record r = pay("wechat", "20261121000000000001", 1234), got;

	assert_int_equal(ledger_begin(f->l, 1000), 0);
	assert_int_equal(ledger_put(f->l, &r), LEDGER_INSERTED);
	assert_int_equal(ledger_put(f->l, &r), LEDGER_UNCHANGED);
	/* Provenance alone is not a change. */
	r.file = "other.csv";
	r.line = 99;
	assert_int_equal(ledger_put(f->l, &r), LEDGER_UNCHANGED);
	r.amount = 1235;
	assert_int_equal(ledger_put(f->l, &r), LEDGER_UPDATED);
	assert_int_equal(ledger_put(f->l, &r), LEDGER_UNCHANGED);
	/* The lost callback fixed: PENDING becomes SUCCESS with a paid time. */
	r.status = STATUS_PENDING;
	r.paid_time = REC_NO_TIME;
	assert_int_equal(ledger_put(f->l, &r), LEDGER_UPDATED);
	r.status = STATUS_SUCCESS;
	r.paid_time = r.time + 60;
	assert_int_equal(ledger_put(f->l, &r), LEDGER_UPDATED);
	r.paid_off = 0;
	assert_int_equal(ledger_put(f->l, &r), LEDGER_UPDATED);
	strcpy(r.currency, "USD");
	assert_int_equal(ledger_put(f->l, &r), LEDGER_UPDATED);
	assert_int_equal(ledger_commit(f->l), 0);

	assert_int_equal(count_rows(f->l), 1);
	assert_int_equal(ledger_get(f->l, "wechat", KIND_PAY, "20261121000000000001", &got), 1);
	assert_int_equal(got.amount, 1235);
	assert_int_equal(got.status, STATUS_SUCCESS);
	assert_int_equal(got.paid_time, r.time + 60);
	assert_int_equal(got.paid_off, 0);
	assert_string_equal(got.currency, "USD");
	/* The line of the import that last changed the row. */
	assert_int_equal(got.line, 99);
	assert_null(got.file);
}

static void test_key_includes_channel_and_kind(void **state)
{
	struct fixture *f = *state;
	struct record r[4], got;

	r[0] = pay("wechat", "A1", 100);
	r[1] = pay("alipay", "A1", 200);
	/* A refund whose refund code equals an order code is another item. */
	r[2] = refund("wechat", "A0", "A1", -50);
	r[3] = refund("wechat", "A1", "R1", -30);
	put_all(f->l, r, 4);
	assert_int_equal(count_rows(f->l), 4);
	assert_int_equal(ledger_get(f->l, "alipay", KIND_PAY, "A1", &got), 1);
	assert_int_equal(got.amount, 200);
	assert_int_equal(ledger_get(f->l, "wechat", KIND_REFUND, "A1", &got), 1);
	assert_int_equal(got.amount, -50);
	assert_string_equal(got.order_code, "A0");
	assert_string_equal(got.refund_code, "A1");
	assert_int_equal(got.kind, KIND_REFUND);
	assert_int_equal(ledger_get(f->l, "wechat", KIND_REFUND, "A0", &got), 0);
	assert_int_equal(ledger_get(f->l, "unionpay", KIND_PAY, "A1", &got), 0);
}

static void test_roundtrip_fields(void **state)
{
	struct fixture *f = *state;
	struct record r = refund("wechat", "20261121000000000007", "RF7", -999), got;

	strcpy(r.channel_txn_id, "4200001234");
	r.fee = -3;
	r.status = STATUS_CLOSED;
	r.time = -86400;              /* before the epoch, still a time */
	r.time_off = -5 * 3600 - 1800;
	r.paid_time = REC_NO_TIME;
	r.line = 123456789012LL;
	put_all(f->l, &r, 1);

	memset(&got, 0x55, sizeof(got));
	assert_int_equal(ledger_get(f->l, "wechat", KIND_REFUND, "RF7", &got), 1);
	assert_string_equal(got.channel, "wechat");
	assert_int_equal(got.kind, KIND_REFUND);
	assert_string_equal(got.order_code, "20261121000000000007");
	assert_string_equal(got.refund_code, "RF7");
	assert_string_equal(got.channel_txn_id, "4200001234");
	assert_int_equal(got.amount, -999);
	assert_int_equal(got.fee, -3);
	assert_string_equal(got.currency, "CNY");
	assert_int_equal(got.status, STATUS_CLOSED);
	assert_int_equal(got.time, -86400);
	assert_int_equal(got.time_off, -5 * 3600 - 1800);
	assert_true(got.paid_time == REC_NO_TIME);
	assert_int_equal(got.line, 123456789012LL);

	/* A payment has no refund code; it comes back empty, not stale. */
	r = pay("wechat", "P1", 1);
	r.time = REC_NO_TIME;
	put_all(f->l, &r, 1);
	memset(&got, 0x55, sizeof(got));
	assert_int_equal(ledger_get(f->l, "wechat", KIND_PAY, "P1", &got), 1);
	assert_string_equal(got.refund_code, "");
	assert_string_equal(got.channel_txn_id, "");
	assert_true(got.time == REC_NO_TIME);
}

static void test_scan_in_key_order(void **state)
{
	struct fixture *f = *state;
	static const char *const keys[] = { "b2", "a9", "c1", "b10", "B0", "b2x", "a" };
	/* Byte order: upper case before lower, "b10" before "b2". */
	static const char *const all[] = { "B0", "a", "a9", "b10", "b2", "b2x", "c1" };
	struct record r[ARRAY_SIZE(keys) + 2], got;
	struct ledger_cursor *c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		r[i] = pay("wechat", keys[i], (int64_t)i);
	r[i++] = pay("alipay", "b3", 0);          /* other channel */
	r[i++] = refund("wechat", "b2", "b4", 0); /* other kind */
	put_all(f->l, r, ARRAY_SIZE(r));

	c = ledger_scan(f->l, "wechat", KIND_PAY, NULL);
	assert_non_null(c);
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		assert_int_equal(ledger_scan_next(c, &got), 1);
		assert_string_equal(got.order_code, all[i]);
		assert_string_equal(got.channel, "wechat");
	}
	assert_int_equal(ledger_scan_next(c, &got), 0);
	ledger_scan_close(c);

	/* From a key that is there, and from one that is not. */
	c = ledger_scan(f->l, "wechat", KIND_PAY, "b2");
	assert_int_equal(ledger_scan_next(c, &got), 1);
	assert_string_equal(got.order_code, "b2");
	assert_int_equal(ledger_scan_next(c, &got), 1);
	assert_string_equal(got.order_code, "b2x");
	assert_int_equal(ledger_scan_next(c, &got), 1);
	assert_string_equal(got.order_code, "c1");
	assert_int_equal(ledger_scan_next(c, &got), 0);
	ledger_scan_close(c);
	c = ledger_scan(f->l, "wechat", KIND_PAY, "b3");
	assert_int_equal(ledger_scan_next(c, &got), 1);
	assert_string_equal(got.order_code, "c1");
	assert_int_equal(ledger_scan_next(c, &got), 0);
	ledger_scan_close(c);

	c = ledger_scan(f->l, "wechat", KIND_REFUND, "");
	assert_int_equal(ledger_scan_next(c, &got), 1);
	assert_string_equal(got.refund_code, "b4");
	assert_int_equal(ledger_scan_next(c, &got), 0);
	ledger_scan_close(c);

	c = ledger_scan(f->l, "unionpay", KIND_PAY, NULL);
	assert_int_equal(ledger_scan_next(c, &got), 0);
	ledger_scan_close(c);
}

static void test_scan_paid_window(void **state)
{
	struct fixture *f = *state;
	const int64_t day = 1795219200 - 8 * 3600;  /* 2026-11-21T00:00:00+08:00 */
	struct record r[7], got;
	struct ledger_cursor *c;

	r[0] = pay("wechat", "first", 1);
	r[0].paid_time = day;                       /* the window's first second */
	r[1] = pay("wechat", "last", 2);
	r[1].paid_time = day + 86399;
	r[2] = pay("wechat", "next-day", 3);
	r[2].paid_time = day + 86400;               /* belongs to the next window */
	r[3] = pay("wechat", "day-before", 4);
	r[3].paid_time = day - 1;
	r[4] = pay("wechat", "unpaid", 5);
	r[4].status = STATUS_PENDING;
	r[4].paid_time = REC_NO_TIME;
	r[5] = refund("wechat", "first", "a-refund", -1);
	r[5].paid_time = day + 100;
	r[6] = pay("alipay", "other-channel", 6);
	r[6].paid_time = day + 100;
	put_all(f->l, r, 7);

	c = ledger_scan_paid(f->l, "wechat", day, day + 86400);
	assert_non_null(c);
	/* Payments before refunds, each by key. */
	assert_int_equal(ledger_scan_next(c, &got), 1);
	assert_string_equal(got.order_code, "first");
	assert_int_equal(got.paid_time, day);
	assert_int_equal(ledger_scan_next(c, &got), 1);
	assert_string_equal(got.order_code, "last");
	assert_int_equal(ledger_scan_next(c, &got), 1);
	assert_int_equal(got.kind, KIND_REFUND);
	assert_string_equal(got.refund_code, "a-refund");
	assert_int_equal(ledger_scan_next(c, &got), 0);
	ledger_scan_close(c);

	c = ledger_scan_paid(f->l, "wechat", day, day);
	assert_int_equal(ledger_scan_next(c, &got), 0);
	ledger_scan_close(c);
}

static void test_rollback_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct record r = pay("wechat", "kept", 1), got;

	put_all(f->l, &r, 1);
	assert_int_equal(ledger_begin(f->l, 1000), 0);
	r.amount = 2;
	assert_int_equal(ledger_put(f->l, &r), LEDGER_UPDATED);
	r = pay("wechat", "dropped", 3);
	assert_int_equal(ledger_put(f->l, &r), LEDGER_INSERTED);
	ledger_rollback(f->l);

	assert_int_equal(count_rows(f->l), 1);
	assert_int_equal(ledger_get(f->l, "wechat", KIND_PAY, "dropped", &got), 0);
	assert_int_equal(ledger_get(f->l, "wechat", KIND_PAY, "kept", &got), 1);
	assert_int_equal(got.amount, 1);
	/* Closing inside a transaction rolls it back too. */
	assert_int_equal(ledger_begin(f->l, 1000), 0);
	assert_int_equal(ledger_put(f->l, &r), LEDGER_INSERTED);
	ledger_close(f->l);
	f->l = ledger_open(f->path, 0);
	assert_non_null(f->l);
	assert_int_equal(count_rows(f->l), 1);
}

/* Run fn with stderr going to a buffer; returns what was printed. */
static char *capture_stderr(int (*fn)(struct fixture *), struct fixture *f, int *ret)
{
	char path[] = "/tmp/test_ledger_err.XXXXXX";
	int fd = mkstemp(path), saved;
	char *text;

	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	*ret = fn(f);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	text = read_file(path, NULL);
	unlink(path);
	assert_non_null(text);
	return text;
}

static struct ledger *second;

static int begin_second(struct fixture *f)
{
	(void)f;
	return ledger_begin(second, 50);
}

static void test_busy_refused(void **state)
{
	struct fixture *f = *state;
	struct record r = pay("wechat", "mine", 1);
	char *msg, want[256];
	int ret;

	second = ledger_open(f->path, 0);
	assert_non_null(second);
	assert_int_equal(ledger_begin(f->l, 1000), 0);
	assert_int_equal(ledger_put(f->l, &r), LEDGER_INSERTED);

	msg = capture_stderr(begin_second, f, &ret);
	assert_int_equal(ret, -1);
	snprintf(want, sizeof(want), "recon: %s: error: another recon is using this workspace\n",
		 f->path);
	assert_string_equal(msg, want);
	assert_int_equal(diag_status(), RX_INTERNAL);
	free(msg);

	/* Readers are not blocked by the writer and see the last commit. */
	assert_int_equal(count_rows(second), 0);
	assert_int_equal(ledger_commit(f->l), 0);
	assert_int_equal(count_rows(second), 1);
	/* Once the first is done the second gets the lock. */
	assert_int_equal(ledger_begin(second, 50), 0);
	ledger_rollback(second);
	ledger_close(second);
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	char *missing = path_join(f->dir, "no-such.db");
	sqlite3_stmt *st;

	diag_reset();
	assert_null(ledger_open(missing, 0));
	assert_int_equal(diag_status(), RX_INTERNAL);
	assert_int_equal(access(missing, F_OK), -1);

	/* The schema version is recorded; a newer one is refused, not
	 * written over. */
	assert_int_equal(sqlite3_prepare_v2(ledger_db(f->l), "PRAGMA user_version", -1, &st,
					    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 2);   /* 2: the paid-day files */
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_exec(ledger_db(f->l), "PRAGMA user_version = 99", NULL, NULL,
				      NULL), SQLITE_OK);
	ledger_close(f->l);
	diag_reset();
	f->l = ledger_open(f->path, 1);
	assert_null(f->l);
	assert_int_equal(diag_status(), RX_INTERNAL);
	free(missing);
}

static void test_empty_key_refused(void **state)
{
	struct fixture *f = *state;
	struct record r = refund("wechat", "O1", "", -1);

	diag_reset();
	assert_int_equal(ledger_begin(f->l, 1000), 0);
	assert_int_equal(ledger_put(f->l, &r), -1);
	assert_int_equal(diag_status(), RX_BADINPUT);
	r = pay("", "O1", 1);
	assert_int_equal(ledger_put(f->l, &r), -1);
	ledger_rollback(f->l);
	assert_int_equal(count_rows(f->l), 0);
}

static int64_t count_indexes(struct ledger *l)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	assert_int_equal(sqlite3_prepare_v2(ledger_db(l),
		"SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'ledger'"
		" AND name IN ('ledger_paid', 'ledger_refund_order')", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Loading an empty ledger drops the secondary indexes for speed; they are
 * back after the commit, and after a rollback, and a later import into a
 * ledger with rows keeps them throughout. */
static void test_bulk_load_keeps_indexes(void **state)
{
	struct fixture *f = *state;
	struct record r = pay("wechat", "B1", 1);

	assert_int_equal(count_indexes(f->l), 2);
	assert_int_equal(ledger_begin(f->l, 1000), 0);
	assert_int_equal(ledger_put(f->l, &r), LEDGER_INSERTED);
	assert_int_equal(count_indexes(f->l), 0);
	ledger_rollback(f->l);
	assert_int_equal(count_indexes(f->l), 2);
	assert_int_equal(count_rows(f->l), 0);

	put_all(f->l, &r, 1);
	assert_int_equal(count_indexes(f->l), 2);
	assert_int_equal(ledger_begin(f->l, 1000), 0);
	r = pay("wechat", "B2", 2);
	assert_int_equal(ledger_put(f->l, &r), LEDGER_INSERTED);
	assert_int_equal(count_indexes(f->l), 2);
	assert_int_equal(ledger_commit(f->l), 0);
	assert_int_equal(count_rows(f->l), 2);
}

struct put_job {
	struct ledger *l;
	struct record r;
	int ret;
};

static void *put_in_thread(void *arg)
{
	struct put_job *j = arg;

	j->ret = ledger_put(j->l, &j->r);
	return NULL;
}

static int run_put_thread(struct fixture *f)
{
	static struct put_job j;
	pthread_t t;

	j.l = f->l;
	j.r = refund("wechat", "O1", "", -1);
	assert_int_equal(pthread_create(&t, NULL, put_in_thread, &j), 0);
	pthread_join(t, NULL);
	return j.ret;
}

static int rollback_here(struct fixture *f)
{
	ledger_rollback(f->l);
	return 0;
}

/* A writer thread's error is not printed from that thread (diag is not
 * thread-safe) but by the opener's next ledger call, once. */
static void test_errors_from_another_thread(void **state)
{
	struct fixture *f = *state;
	char *msg;
	int ret;

	diag_reset();
	assert_int_equal(ledger_begin(f->l, 1000), 0);
	msg = capture_stderr(run_put_thread, f, &ret);
	assert_int_equal(ret, -1);
	assert_string_equal(msg, "");
	assert_int_equal(diag_status(), RX_OK);
	free(msg);
	msg = capture_stderr(rollback_here, f, &ret);
	assert_string_equal(msg, "recon: ledger.csv:2: error: refund_code: empty\n");
	assert_int_equal(diag_status(), RX_BADINPUT);
	free(msg);
	msg = capture_stderr(rollback_here, f, &ret);
	assert_string_equal(msg, "");
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_includes_channel_and_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_in_key_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_paid_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_key_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_from_another_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_load_keeps_indexes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
