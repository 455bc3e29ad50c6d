/* test_runstore.c: runs, discrepancies, suspense and settlements recorded
 * and read back; re-runs replace, never duplicate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "recon/ledger.h"
#include "recon/runstore.h"
#include "recon/tz.h"
#include "recon/util.h"

static char dbpath[64];
static struct ledger *L;
static struct runstore *RS;

static int setup(void **state)
{
	int fd;

	(void)state;
	strcpy(dbpath, "/tmp/test_runstore.XXXXXX");
	fd = mkstemp(dbpath);
	assert_true(fd >= 0);
	close(fd);
	L = ledger_open(dbpath, 1);
	assert_non_null(L);
	assert_int_equal(ledger_begin(L, 1000), 0);
	RS = runstore_open(ledger_db(L), dbpath, 1);
	assert_non_null(RS);
	return 0;
}

static int teardown(void **state)
{
	char p[80];

	(void)state;
	runstore_close(RS);
	ledger_close(L);
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	return 0;
}

static int64_t day(const char *s)
{
	int64_t d;

	assert_int_equal(date_parse(s, &d), 0);
	return d;
}

static void info(struct run_info *ri, const char *date, const char *channel)
{
	memset(ri, 0, sizeof(*ri));
	snprintf(ri->date, sizeof(ri->date), "%s", date);
	ri->channel = xstrdup(channel);
	ri->statement = xstrdup("statements/x.csv");
	strcpy(ri->sha256, "ab");
	ri->format = xstrdup("canonical-csv");
	ri->timezone = xstrdup("+08:00");
	ri->version = xstrdup("test");
	strcpy(ri->started, "2026-11-22T01:00:00+00:00");
	strcpy(ri->finished, "2026-11-22T01:00:01+00:00");
	ri->rows = 3;
}

static struct discrepancy disc(int cls, int reason, int kind, const char *key, int64_t diff,
			       int64_t line)
{
	struct discrepancy d;

	memset(&d, 0, sizeof(d));
	d.cls = cls;
	d.reason = reason;
	d.kind = kind;
	snprintf(kind == KIND_REFUND ? d.refund_code : d.order_code, REC_CODE_MAX + 1, "%s", key);
	if (kind == KIND_REFUND)
		strcpy(d.order_code, "O");
	strcpy(d.currency, "CNY");
	d.has_statement = line > 0;
	d.statement_amount = diff;
	d.statement_status = line > 0 ? STATUS_SUCCESS : -1;
	d.ledger_status = -1;
	d.has_difference = cls != CLASS_CURRENCY;
	d.difference = diff;
	d.source_file = line > 0 ? "statements/x.csv" : NULL;
	d.source_line = line;
	d.ordinal = 1;
	return d;
}

static void add(struct run_info *ri, struct discrepancy d)
{
	struct correction c;

	correction_for(ri->channel, &d, &c);
	assert_int_equal(runstore_add_discrepancy(RS, ri, &d, &c), 0);
}

struct seen {
	char text[16][256];
	int n;
};

static int collect(const struct stored_discrepancy *sd, void *ctx)
{
	struct seen *s = ctx;

	assert_true(s->n < 16);
	snprintf(s->text[s->n++], 256, "%s %s/%s %s%s %lld %s", sd->channel, class_name(sd->d.cls),
		 reason_name(sd->d.reason), sd->d.order_code, sd->d.refund_code,
		 (long long)sd->d.difference, sd->status);
	return 0;
}

static void one_day(const char *date, const char *channel, struct run_info *ri)
{
	info(ri, date, channel);
	assert_int_equal(runstore_begin(RS, ri), 0);
	add(ri, disc(CLASS_SHORT, REASON_AMOUNT, KIND_PAY, "B", -500, 7));
	add(ri, disc(CLASS_LONG, REASON_NO_LEDGER, KIND_PAY, "Z", 100, 3));
	add(ri, disc(CLASS_LONG, REASON_DUPLICATE, KIND_PAY, "A", 2000, 9));
	add(ri, disc(CLASS_CURRENCY, REASON_CURRENCY, KIND_PAY, "C", 0, 2));
	add(ri, disc(CLASS_LONG, REASON_NO_STATEMENT, KIND_REFUND, "R", 300, 0));
	assert_int_equal(tally_add(&ri->tally, TALLY_LONG, "CNY", 2400), 0);
	assert_int_equal(tally_add(&ri->tally, TALLY_MATCHED, "CNY", 99), 0);
	assert_int_equal(runstore_finish(RS, ri), 0);
}

static void test_record_and_read(void **state)
{
	struct run_info ri, *runs;
	struct seen s;
	int n;

	(void)state;
	one_day("2026-11-21", "wechat", &ri);
	assert_true(ri.id > 0);
	n = runstore_runs(RS, day("2026-11-21"), &runs);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].id, ri.id);
	assert_string_equal(runs[0].channel, "wechat");
	assert_int_equal(runs[0].rows, 3);
	assert_int_equal(tally_count(&runs[0].tally, TALLY_LONG), 1);
	assert_int_equal(tally_get(&runs[0].tally, TALLY_LONG, "CNY")->amount, 2400);
	runstore_runs_free(runs, n);
	assert_int_equal(runstore_runs(RS, day("2026-11-22"), &runs), 0);

	/* the files' order: channel, class, reason, key, line */
	memset(&s, 0, sizeof(s));
	assert_int_equal(runstore_each_discrepancy(RS, day("2026-11-21"), -1, ORDER_FILE,
						   collect, &s), 0);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.text[0], "wechat CURRENCY/CURRENCY C 0 OPEN");
	assert_string_equal(s.text[1], "wechat LONG/DUPLICATE A 2000 OPEN");
	assert_string_equal(s.text[2], "wechat LONG/NO_LEDGER Z 100 OPEN");
	assert_string_equal(s.text[3], "wechat LONG/NO_STATEMENT OR 300 OPEN");
	assert_string_equal(s.text[4], "wechat SHORT/AMOUNT B -500 OPEN");
	/* the report's: biggest difference first, no difference last */
	memset(&s, 0, sizeof(s));
	assert_int_equal(runstore_each_discrepancy(RS, day("2026-11-21"), -1, ORDER_BIGGEST,
						   collect, &s), 0);
	assert_string_equal(s.text[0], "wechat LONG/DUPLICATE A 2000 OPEN");
	assert_string_equal(s.text[1], "wechat SHORT/AMOUNT B -500 OPEN");
	assert_string_equal(s.text[2], "wechat LONG/NO_STATEMENT OR 300 OPEN");
	assert_string_equal(s.text[3], "wechat LONG/NO_LEDGER Z 100 OPEN");
	assert_string_equal(s.text[4], "wechat CURRENCY/CURRENCY C 0 OPEN");
	/* one class */
	memset(&s, 0, sizeof(s));
	assert_int_equal(runstore_each_discrepancy(RS, day("2026-11-21"), CLASS_SHORT, ORDER_FILE,
						   collect, &s), 0);
	assert_int_equal(s.n, 1);
	run_info_release(&ri);
}

static int count(const char *table)
{
	char sql[64];
	sqlite3_stmt *st;
	int n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_int_equal(sqlite3_prepare_v2(ledger_db(L), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_rerun_replaces(void **state)
{
	struct run_info a, b, other;
	struct seen s;

	(void)state;
	one_day("2026-11-21", "wechat", &a);
	one_day("2026-11-21", "alipay", &other);
	/* someone handled the duplicate charge */
	assert_int_equal(sqlite3_exec(ledger_db(L), "UPDATE discrepancies SET status = 'RESOLVED',"
				      " note = 'refunded' WHERE reason = 'DUPLICATE'"
				      " AND channel = 'wechat'", NULL, NULL, NULL), SQLITE_OK);
	one_day("2026-11-21", "wechat", &b);
	assert_int_equal(b.id, a.id);
	assert_int_equal(count("runs"), 2);
	assert_int_equal(count("discrepancies"), 10);
	assert_int_equal(count("corrections"), 10);
	assert_int_equal(count("run_totals"), 4);
	memset(&s, 0, sizeof(s));
	assert_int_equal(runstore_each_discrepancy(RS, day("2026-11-21"), CLASS_LONG, ORDER_FILE,
						   collect, &s), 0);
	assert_int_equal(s.n, 6);
	assert_string_equal(s.text[0], "alipay LONG/DUPLICATE A 2000 OPEN");
	assert_string_equal(s.text[3], "wechat LONG/DUPLICATE A 2000 RESOLVED");
	run_info_release(&a);
	run_info_release(&b);
	run_info_release(&other);
}

static void test_pending_and_history(void **state)
{
	struct run_info r1, r2, r3;
	struct pending_item p, *items;
	size_t n;

	(void)state;
	info(&r1, "2026-11-20", "wechat");
	assert_int_equal(runstore_begin(RS, &r1), 0);
	memset(&p, 0, sizeof(p));
	p.kind = KIND_REFUND;
	strcpy(p.key, "R1");
	p.paid_day = day("2026-11-20");
	p.expires_day = day("2026-11-22");
	assert_int_equal(runstore_add_pending(RS, &r1, &p), 0);
	p.kind = KIND_PAY;
	strcpy(p.key, "P2");
	assert_int_equal(runstore_add_pending(RS, &r1, &p), 0);
	strcpy(p.key, "P10");
	assert_int_equal(runstore_add_pending(RS, &r1, &p), 0);
	assert_int_equal(runstore_add_settled(RS, &r1, KIND_PAY, "E1", 1795300000), 0);
	add(&r1, disc(CLASS_SHORT, REASON_NO_STATEMENT, KIND_PAY, "N1", -100, 0));
	assert_int_equal(runstore_finish(RS, &r1), 0);
	/* a later day's run must not feed an earlier day */
	info(&r3, "2026-11-23", "wechat");
	assert_int_equal(runstore_begin(RS, &r3), 0);
	strcpy(p.key, "LATER");
	assert_int_equal(runstore_add_pending(RS, &r3, &p), 0);
	assert_int_equal(runstore_finish(RS, &r3), 0);

	assert_int_equal(runstore_pending(RS, "wechat", day("2026-11-21"), &items, &n), 0);
	assert_int_equal(n, 3);
	/* sorted as the join wants: payments by key bytes, then refunds */
	assert_string_equal(items[0].key, "P10");
	assert_string_equal(items[1].key, "P2");
	assert_string_equal(items[2].key, "R1");
	assert_int_equal(items[2].kind, KIND_REFUND);
	assert_int_equal(items[2].paid_day, day("2026-11-20"));
	assert_int_equal(items[2].expires_day, day("2026-11-22"));
	free(items);
	/* the latest earlier run only, other channels never */
	assert_int_equal(runstore_pending(RS, "alipay", day("2026-11-21"), &items, &n), 0);
	assert_int_equal(n, 0);
	free(items);
	assert_int_equal(runstore_pending(RS, "wechat", day("2026-11-20"), &items, &n), 0);
	assert_int_equal(n, 0);
	free(items);
	info(&r2, "2026-11-21", "wechat");
	assert_int_equal(runstore_begin(RS, &r2), 0);
	assert_int_equal(runstore_finish(RS, &r2), 0);
	assert_int_equal(runstore_pending(RS, "wechat", day("2026-11-22"), &items, &n), 0);
	assert_int_equal(n, 0);     /* 11-21 left nothing: 11-20's items are not revived */
	free(items);

	assert_int_equal(runstore_settled_in(RS, "wechat", day("2026-11-21"), 1795300000,
					     1795300001, &items, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].key, "E1");
	free(items);
	assert_int_equal(runstore_settled_in(RS, "wechat", day("2026-11-20"), 1795300000,
					     1795300001, &items, &n), 0);
	assert_int_equal(n, 0);     /* only runs before the day */
	free(items);
	assert_int_equal(runstore_settled_before(RS, "wechat", day("2026-11-21"), KIND_PAY, "E1"), 1);
	assert_int_equal(runstore_settled_before(RS, "wechat", day("2026-11-21"), KIND_REFUND, "E1"), 0);
	assert_int_equal(runstore_settled_before(RS, "wechat", day("2026-11-20"), KIND_PAY, "E1"), 0);
	assert_int_equal(runstore_no_statement_before(RS, "wechat", day("2026-11-21"), KIND_PAY, "N1"), 1);
	assert_int_equal(runstore_no_statement_before(RS, "alipay", day("2026-11-21"), KIND_PAY, "N1"), 0);
	assert_int_equal(runstore_has_run(RS, "wechat", day("2026-11-20")), 1);
	assert_int_equal(runstore_has_run(RS, "wechat", day("2026-11-19")), 0);
	run_info_release(&r1);
	run_info_release(&r2);
	run_info_release(&r3);
}

/* A database that never saw a run reads as having none. */
static void test_read_only_fresh(void **state)
{
	char path[] = "/tmp/test_runstore_ro.XXXXXX", p[64];
	struct ledger *l;
	struct runstore *rs;
	struct run_info *runs;
	struct pending_item *items;
	size_t n;
	int fd = mkstemp(path);

	(void)state;
	close(fd);
	l = ledger_open(path, 1);
	assert_non_null(l);
	rs = runstore_open(ledger_db(l), path, 0);
	assert_non_null(rs);
	assert_int_equal(runstore_runs(rs, day("2026-11-21"), &runs), 0);
	assert_int_equal(runstore_pending(rs, "x", day("2026-11-21"), &items, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(runstore_has_run(rs, "x", day("2026-11-21")), 0);
	runstore_close(rs);
	ledger_close(l);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_record_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rerun_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_and_history, setup, teardown),
		cmocka_unit_test(test_read_only_fresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
