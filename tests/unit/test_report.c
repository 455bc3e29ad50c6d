/* test_report.c: the four output files and the per-channel line, exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "recon/ledger.h"
#include "recon/report.h"
#include "recon/runstore.h"
#include "recon/tz.h"
#include "recon/util.h"

static char dir[64], dbpath[96];
static struct ledger *L;
static struct runstore *RS;
static int64_t D;

static struct discrepancy disc(int cls, int reason, const char *order, int64_t led,
			       int64_t st, const char *cur, int64_t line, const char *file)
{
	struct discrepancy d;

	memset(&d, 0, sizeof(d));
	d.cls = cls;
	d.reason = reason;
	d.kind = KIND_PAY;
	snprintf(d.order_code, sizeof(d.order_code), "%s", order);
	snprintf(d.channel_txn_id, sizeof(d.channel_txn_id), "T%lld", (long long)line);
	strcpy(d.currency, cur);
	d.ledger_status = -1;
	d.statement_status = STATUS_SUCCESS;
	if (led != INT64_MIN) {
		d.has_ledger = 1;
		d.ledger_amount = led;
		strcpy(d.ledger_currency, cls == CLASS_CURRENCY ? "CNY" : cur);
		d.ledger_status = STATUS_SUCCESS;
	}
	d.has_statement = 1;
	d.statement_amount = st;
	d.has_difference = cls != CLASS_CURRENCY;
	d.difference = st - (led == INT64_MIN ? 0 : led);
	d.source_file = file;
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

static void run_info_init(struct run_info *ri, const char *channel, const char *tz)
{
	memset(ri, 0, sizeof(*ri));
	strcpy(ri->date, "2026-11-21");
	ri->channel = xstrdup(channel);
	ri->statement = xstrdup("statements/x.csv");
	strcpy(ri->sha256, "00ff");
	ri->format = xstrdup("canonical-csv");
	ri->timezone = xstrdup(tz);
	ri->version = xstrdup("9.9");
	ri->cutoff = 90;
	ri->grace_days = 1;
	ri->window_from = D * 86400 - 8 * 3600 + 90 * 60;
	ri->window_to = ri->window_from + 86400;
	strcpy(ri->started, "x");
	strcpy(ri->finished, "y");
	ri->rows = 7;
}

static int setup(void **state)
{
	struct run_info ri;
	struct discrepancy d;

	(void)state;
	assert_int_equal(date_parse("2026-11-21", &D), 0);
	strcpy(dir, "/tmp/test_report.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/recon.db", dir);
	L = ledger_open(dbpath, 1);
	assert_non_null(L);
	assert_int_equal(ledger_begin(L, 1000), 0);
	RS = runstore_open(ledger_db(L), dbpath, 1);
	assert_non_null(RS);

	run_info_init(&ri, "shop", "+08:00");
	assert_int_equal(runstore_begin(RS, &ri), 0);
	add(&ri, disc(CLASS_LONG, REASON_NO_LEDGER, "A,1", INT64_MIN, 1200, "CNY", 4, "stmt, x.csv"));
	add(&ri, disc(CLASS_SHORT, REASON_AMOUNT, "B2", 100, 95, "CNY", 2, "statements/x.csv"));
	add(&ri, disc(CLASS_CURRENCY, REASON_CURRENCY, "C3", 500, 700, "JPY", 3, "statements/x.csv"));
	d = disc(CLASS_LONG, REASON_NO_STATEMENT, "O9", -3, 0, "JPY", 0, NULL);
	d.kind = KIND_REFUND;
	strcpy(d.refund_code, "R9");
	d.channel_txn_id[0] = '\0';
	d.has_statement = 0;
	d.statement_status = -1;
	d.difference = 3;
	add(&ri, d);
	tally_add(&ri.tally, TALLY_MATCHED, "CNY", 1000);
	tally_add(&ri.tally, TALLY_MATCHED, "CNY", 2000);
	tally_add(&ri.tally, TALLY_LONG, "CNY", 1200);
	tally_add(&ri.tally, TALLY_LONG, "JPY", 3);
	tally_add(&ri.tally, TALLY_SHORT, "CNY", -5);
	tally_add(&ri.tally, TALLY_CURRENCY, "JPY", 0);
	tally_add(&ri.tally, TALLY_PENDING, "CNY", 800);
	assert_int_equal(runstore_finish(RS, &ri), 0);
	run_info_release(&ri);

	run_info_init(&ri, "bank", "UTC");
	assert_int_equal(runstore_begin(RS, &ri), 0);
	assert_int_equal(runstore_finish(RS, &ri), 0);
	run_info_release(&ri);
	assert_int_equal(ledger_commit(L), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	runstore_close(RS);
	ledger_close(L);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

typedef int (*render_fn)(struct runstore *, int64_t, FILE *);

static char *render(render_fn fn)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(RS, D, f), 0);
	fclose(f);
	return buf;
}

static int csv_all(struct runstore *rs, int64_t day, FILE *f)
{
	return report_discrepancies_csv(rs, day, -1, f);
}

static int csv_short(struct runstore *rs, int64_t day, FILE *f)
{
	return report_discrepancies_csv(rs, day, CLASS_SHORT, f);
}

static void test_discrepancies_csv(void **state)
{
	char *s = render(csv_all);

	(void)state;
	assert_string_equal(s,
		"date,channel,class,reason,order_code,refund_code,channel_txn_id,ledger_amount,"
		"statement_amount,difference,currency,ledger_status,statement_status,source\n"
		"2026-11-21,shop,CURRENCY,CURRENCY,C3,,T3,5.00,700,,JPY,SUCCESS,SUCCESS,"
		"statements/x.csv:3\n"
		"2026-11-21,shop,LONG,NO_LEDGER,\"A,1\",,T4,,12.00,12.00,CNY,,SUCCESS,"
		"\"stmt, x.csv:4\"\n"
		"2026-11-21,shop,LONG,NO_STATEMENT,O9,R9,,-3,,3,JPY,SUCCESS,,ledger\n"
		"2026-11-21,shop,SHORT,AMOUNT,B2,,T2,1.00,0.95,-0.05,CNY,SUCCESS,SUCCESS,"
		"statements/x.csv:2\n");
	free(s);
	s = render(csv_short);
	assert_non_null(strstr(s, "SHORT,AMOUNT,B2"));
	assert_null(strstr(s, "LONG"));
	free(s);
}

static void test_corrections_csv(void **state)
{
	char *s = render(report_corrections_csv);

	(void)state;
	/* keys: sha256 of the fields joined by 0x1f, as computed outside recon */
	assert_string_equal(s,
		"idempotency_key,date,channel,action,order_code,refund_code,amount,currency,reason\n"
		"2b0676b39e505bedf1680c0f30904078,2026-11-21,shop,INVESTIGATE,C3,,,JPY,CURRENCY\n"
		"d37236c3b71f9a3ec27e00ca18e8c292,2026-11-21,shop,REFUND,\"A,1\",,12.00,CNY,NO_LEDGER\n"
		"8e57faaa87f37e827c10259b62fb1c19,2026-11-21,shop,INVESTIGATE,O9,R9,3,JPY,NO_STATEMENT\n"
		"993edeb8a34b5d551475cd18082df08f,2026-11-21,shop,ADJUST,B2,,-0.05,CNY,AMOUNT\n");
	free(s);
}

static void test_text(void **state)
{
	char *s = render(report_text), *a, *b, *c, *d;

	(void)state;
	assert_non_null(strstr(s, "recon report for 2026-11-21\n"));
	/* channels by name, each with its run id and window in its zone */
	a = strstr(s, "bank (run 2)\n");
	b = strstr(s, "shop (run 1)\n");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	assert_non_null(strstr(s, "  day              2026-11-21T01:30:00+08:00 to "
			       "2026-11-22T01:30:00+08:00\n"));
	assert_non_null(strstr(s, "  time zone        +08:00, cut-off 01:30, grace 1 day\n"));
	assert_non_null(strstr(s, "  matched                   2            30.00 CNY\n"));
	assert_non_null(strstr(s, "  LONG                      1            12.00 CNY\n"
				  "                            1                3 JPY\n"));
	assert_non_null(strstr(s, "  net                                   +11.95 CNY\n"
				  "                                            +3 JPY\n"));
	assert_non_null(strstr(s, "\ndiscrepancies, biggest first: 4\n"));
	/* biggest absolute difference first; no difference (CURRENCY) last */
	a = strstr(s, "LONG/NO_LEDGER");
	b = strstr(s, "SHORT/AMOUNT");
	c = strstr(s, "LONG/NO_STATEMENT");
	d = strstr(s, "CURRENCY/CURRENCY");
	assert_true(a && b && c && d);
	assert_true(a < b && b < c && c < d);
	assert_non_null(strstr(s, "stmt, x.csv:4"));
	free(s);
}

static void test_summary_json(void **state)
{
	char *s = render(report_summary_json);
	static const char head[] = "{\n  \"date\": \"2026-11-21\",\n  \"run_id\": 2,\n"
				   "  \"recon_version\": \"9.9\",\n";

	(void)state;
	assert_true(!strncmp(s, head, strlen(head)));
	assert_non_null(strstr(s, "{\"channel\": \"shop\", \"file\": \"statements/x.csv\","
			       " \"sha256\": \"00ff\"}"));
	assert_non_null(strstr(s, "\"LONG\": {\"count\": 2, \"sums\": {\"CNY\": \"12.00\","
			       " \"JPY\": \"3\"}}"));
	assert_non_null(strstr(s, "\"CURRENCY\": {\"count\": 1}"));
	assert_non_null(strstr(s, "\"pending\": {\"count\": 1, \"sums\": {\"CNY\": \"8.00\"}}"));
	assert_non_null(strstr(s, "\"net\": {\"CNY\": \"11.95\", \"JPY\": \"3\"}"));
	assert_non_null(strstr(s, "\"discrepancies\": 4,"));
	assert_non_null(strstr(s, "\"cutoff\": \"01:30\""));
	assert_int_equal(s[strlen(s) - 1], '\n');
	free(s);
}

static void test_run_line(void **state)
{
	struct run_info *runs;
	struct strbuf sb = STRBUF_INIT;
	int n;

	(void)state;
	n = runstore_runs(RS, D, &runs);
	assert_int_equal(n, 2);
	report_run_line(&runs[1], &sb);
	assert_string_equal(sb.buf, "shop 2026-11-21: 2 matched, LONG 2 (12.00 CNY, 3 JPY),"
			    " SHORT 1 (-0.05 CNY), CURRENCY 1, pending 1, net +11.95 CNY, +3 JPY");
	assert_true(report_run_has_discrepancies(&runs[1]));
	sb_reset(&sb);
	report_run_line(&runs[0], &sb);
	assert_string_equal(sb.buf, "bank 2026-11-21: 0 matched, pending 0, net 0");
	assert_false(report_run_has_discrepancies(&runs[0]));
	/* one currency: amounts without the code, the code once at the end */
	tally_add(&runs[0].tally, TALLY_SHORT, "EUR", -250);
	tally_add(&runs[0].tally, TALLY_MATCHED, "EUR", 100);
	sb_reset(&sb);
	report_run_line(&runs[0], &sb);
	assert_string_equal(sb.buf, "bank 2026-11-21: 1 matched, SHORT 1 (-2.50), pending 0,"
			    " net -2.50 EUR");
	sb_release(&sb);
	runstore_runs_free(runs, n);
}

static char *slurp(const char *name)
{
	char *p = path_join(dir, name), *s;
	size_t len;

	s = read_file(p, &len);
	free(p);
	assert_non_null(s);
	return s;
}

static void test_write_day(void **state)
{
	char *out = path_join(dir, "out/2026-11-21"), *a, *b;
	DIR *dp;
	struct dirent *e;
	int n = 0;

	(void)state;
	assert_int_equal(report_write_day(RS, D, out), 0);
	/* twice: the same bytes, replaced in place */
	assert_int_equal(report_write_day(RS, D, out), 0);
	a = slurp("out/2026-11-21/report.txt");
	b = render(report_text);
	assert_string_equal(a, b);
	free(a);
	free(b);
	a = slurp("out/2026-11-21/summary.json");
	b = render(report_summary_json);
	assert_string_equal(a, b);
	free(a);
	free(b);
	a = slurp("out/2026-11-21/corrections.csv");
	b = render(report_corrections_csv);
	assert_string_equal(a, b);
	free(a);
	free(b);
	a = slurp("out/2026-11-21/discrepancies.csv");
	b = render(csv_all);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* nothing else left behind, no temporary files */
	dp = opendir(out);
	assert_non_null(dp);
	while ((e = readdir(dp)))
		if (e->d_name[0] != '.')
			n++;
		else
			assert_true(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."));
	closedir(dp);
	assert_int_equal(n, 4);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discrepancies_csv),
		cmocka_unit_test(test_corrections_csv),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_summary_json),
		cmocka_unit_test(test_run_line),
		cmocka_unit_test(test_write_day),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
