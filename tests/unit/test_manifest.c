/* test_manifest.c: the manifest's encodings (ledger extract lines,
 * manifest.json), its tables (stored and read back, latest and numbered)
 * and the gzip copies it archives (same text, same object; read back line
 * by line). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "recon/diag.h"
#include "recon/manifest.h"
#include "recon/util.h"
#include "testutil.h"
#include "../../src/manifest_int.h"

static struct record sample(void)
{
	struct record r;

	record_init(&r);
	strcpy(r.channel, "alipay");
	r.kind = KIND_REFUND;
	r.status = STATUS_SUCCESS;
	strcpy(r.order_code, "A1002");
	strcpy(r.refund_code, "R\t1\\2\n");
	strcpy(r.channel_txn_id, "");
	r.amount = -1000;
	strcpy(r.currency, "CNY");
	r.fee = 3;
	r.time = 1795255200;
	r.time_off = 28800;
	r.line = 14;
	return r;
}

/* The line is the contract of the archived extracts: every field, in a
 * fixed order, integers exact, absent times "-", text escaped. */
static void test_record_line(void **state)
{
	struct record r = sample(), back;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	manifest_record_line(&sb, &r);
	assert_string_equal(sb.buf, "alipay\tREFUND\tSUCCESS\tA1002\tR\\t1\\\\2\\n\t\t-1000\tCNY\t3"
			    "\t1795255200\t28800\t-\t-\t14");
	assert_int_equal(manifest_record_parse(sb.buf, sb.len, &back), 0);
	assert_null(back.file);
	assert_int_equal(back.kind, KIND_REFUND);
	assert_int_equal(back.status, STATUS_SUCCESS);
	assert_string_equal(back.channel, "alipay");
	assert_string_equal(back.order_code, "A1002");
	assert_string_equal(back.refund_code, "R\t1\\2\n");
	assert_string_equal(back.channel_txn_id, "");
	assert_int_equal(back.amount, -1000);
	assert_string_equal(back.currency, "CNY");
	assert_int_equal(back.fee, 3);
	assert_int_equal(back.time, 1795255200);
	assert_int_equal(back.time_off, 28800);
	assert_int_equal(back.paid_time, REC_NO_TIME);
	assert_int_equal(back.line, 14);
	sb_release(&sb);
}

/* Extremes survive: the largest amounts, negative offsets, a code of the
 * longest length. */
static void test_record_extremes(void **state)
{
	struct record r = sample(), back;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	r.kind = KIND_PAY;
	r.status = STATUS_CLOSED;
	r.amount = INT64_MIN;
	r.fee = INT64_MAX;
	r.paid_time = -86400;
	r.paid_off = -34200;
	memset(r.order_code, 'x', REC_CODE_MAX);
	r.order_code[REC_CODE_MAX] = '\0';
	manifest_record_line(&sb, &r);
	assert_int_equal(manifest_record_parse(sb.buf, sb.len, &back), 0);
	assert_int_equal(back.amount, INT64_MIN);
	assert_int_equal(back.fee, INT64_MAX);
	assert_int_equal(back.paid_time, -86400);
	assert_int_equal(back.paid_off, -34200);
	assert_int_equal(back.status, STATUS_CLOSED);
	assert_int_equal(strlen(back.order_code), REC_CODE_MAX);
	sb_release(&sb);
}

static void test_record_parse_rejects(void **state)
{
	static const char *const bad[] = {
		/* a field short */
		"alipay\tPAY\tSUCCESS\tA1\t\t\t100\tCNY\t0\t-\t-\t-\t-",
		/* a field more */
		"alipay\tPAY\tSUCCESS\tA1\t\t\t100\tCNY\t0\t-\t-\t-\t-\t1\t2",
		/* an unknown kind, status */
		"alipay\tPAYMENT\tSUCCESS\tA1\t\t\t100\tCNY\t0\t-\t-\t-\t-\t1",
		"alipay\tPAY\tOK\tA1\t\t\t100\tCNY\t0\t-\t-\t-\t-\t1",
		/* an escape recon never writes */
		"alipay\tPAY\tSUCCESS\tA\\x1\t\t\t100\tCNY\t0\t-\t-\t-\t-\t1",
		/* an amount that is no integer */
		"alipay\tPAY\tSUCCESS\tA1\t\t\t1.00\tCNY\t0\t-\t-\t-\t-\t1",
		/* a time without its offset, an offset past a day */
		"alipay\tPAY\tSUCCESS\tA1\t\t\t100\tCNY\t0\t5\t-\t-\t-\t1",
		"alipay\tPAY\tSUCCESS\tA1\t\t\t100\tCNY\t0\t5\t90000\t-\t-\t1",
		/* a currency too long */
		"alipay\tPAY\tSUCCESS\tA1\t\t\t100\tCNYY\t0\t-\t-\t-\t-\t1",
	};
	struct record r;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(manifest_record_parse(bad[i], strlen(bad[i]), &r), -1);
}

static void file_set(struct manifest_file *f, const char *name, char c, char o)
{
	f->name = name ? xstrdup(name) : NULL;
	memset(f->sha256, c, SHA256_HEXLEN);
	f->sha256[SHA256_HEXLEN] = '\0';
	if (o) {
		memset(f->object, o, SHA256_HEXLEN);
		f->object[SHA256_HEXLEN] = '\0';
	}
	f->size = 10;
}

static void run_set(struct manifest_run *r, const char *channel, int64_t run_id)
{
	memset(r, 0, sizeof(*r));
	r->run_id = run_id;
	strcpy(r->date, "2026-11-21");
	r->channel = xstrdup(channel);
	r->recon_version = xstrdup("0.1.0");
	file_set(&r->statement, "statements/x.csv", 'a', 'a');
	r->format = xstrdup("canonical-csv");
	file_set(&r->format_file, "formats/canonical-csv.fmt", 'b', 'b');
	r->rules_recorded = 1;
	r->rules = xstrdup("default");
	r->rules_file.name = NULL;       /* the built-in defaults */
	r->timezone = xstrdup("+08:00");
	r->cutoff = 90;
	r->grace_days = 1;
	r->memory = -1;
	r->window_from = 1795190400;
	r->window_to = 1795276800;
	file_set(&r->ledger, "ledger", 'c', 'd');
	r->ledger_rows = 12;
	file_set(&r->suspense, "suspense", 'e', 'f');
	strcpy(r->previous_run, "2026-11-20");
	r->share = xcalloc(2, sizeof(*r->share));
	file_set(&r->share[0], "report.txt", '1', '2');
	r->nshare = 1;
}

/* manifest.json: nulls for what is absent, "archived" only where the copy
 * is another object than the file, the window in the channel's zone. */
static void test_json(void **state)
{
	struct manifest_day d;
	struct strbuf sb = STRBUF_INIT, w = STRBUF_INIT;
	char a[65], b[65], c[65], dd[65], e[65], f[65], one[65], two[65], s7[65], s8[65];

	(void)state;
	memset(&d, 0, sizeof(d));
	d.id = 3;
	strcpy(d.date, "2026-11-21");
	strcpy(d.created, "2026-11-22T01:00:00+00:00");
	d.recon_version = xstrdup("0.1.0");
	d.runs = xcalloc(1, sizeof(*d.runs));
	d.nruns = 1;
	run_set(&d.runs[0], "alipay", 1);
	d.runs[0].manifest = 2;
	d.unrecorded = xcalloc(1, sizeof(*d.unrecorded));
	d.unrecorded[0] = xstrdup("wechat");
	d.nunrecorded = 1;
	d.outputs = xcalloc(1, sizeof(*d.outputs));
	file_set(&d.outputs[0], "report.txt", '7', '8');
	d.noutputs = 1;
	manifest_json(&d, &sb);
	{
		memset(a, 'a', 64), a[64] = 0;
		memset(b, 'b', 64), b[64] = 0;
		memset(c, 'c', 64), c[64] = 0;
		memset(dd, 'd', 64), dd[64] = 0;
		memset(e, 'e', 64), e[64] = 0;
		memset(f, 'f', 64), f[64] = 0;
		memset(one, '1', 64), one[64] = 0;
		memset(two, '2', 64), two[64] = 0;
		memset(s7, '7', 64), s7[64] = 0;
		memset(s8, '8', 64), s8[64] = 0;
		sb_addf(&w,
			"{\n"
			"  \"manifest\": 3,\n"
			"  \"previous\": null,\n"
			"  \"date\": \"2026-11-21\",\n"
			"  \"created\": \"2026-11-22T01:00:00+00:00\",\n"
			"  \"recon_version\": \"0.1.0\",\n"
			"  \"channels\": [\n"
			"    {\n"
			"      \"channel\": \"alipay\",\n"
			"      \"run_id\": 1,\n"
			"      \"manifest\": 2,\n"
			"      \"recon_version\": \"0.1.0\",\n"
			"      \"statement\": {\"file\": \"statements/x.csv\", \"sha256\": \"%s\", \"size\": 10},\n"
			"      \"format\": {\"name\": \"canonical-csv\", \"file\": \"formats/canonical-csv.fmt\", \"sha256\": \"%s\"},\n"
			"      \"rules\": {\"name\": \"default\", \"file\": null, \"sha256\": null},\n"
			"      \"settings\": {\"timezone\": \"+08:00\", \"cutoff\": \"01:30\", \"grace_days\": 1, \"allow_rejects\": false, \"memory\": null},\n"
			"      \"window\": {\"from\": \"2026-11-21T00:00:00+08:00\", \"to\": \"2026-11-22T00:00:00+08:00\"},\n"
			"      \"ledger\": {\"rows\": 12, \"sha256\": \"%s\", \"archived\": \"%s\"},\n"
			"      \"suspense\": {\"previous_run\": \"2026-11-20\", \"sha256\": \"%s\", \"archived\": \"%s\"},\n"
			"      \"rejects\": null,\n"
			"      \"share\": [\n"
			"        {\"file\": \"report.txt\", \"sha256\": \"%s\", \"archived\": \"%s\"}\n"
			"      ]\n"
			"    }\n"
			"  ],\n"
			"  \"unrecorded\": [\"wechat\"],\n"
			"  \"outputs\": [\n"
			"    {\"file\": \"report.txt\", \"sha256\": \"%s\", \"archived\": \"%s\"}\n"
			"  ]\n"
			"}\n", a, b, c, dd, e, f, one, two, s7, s8);
		assert_string_equal(sb.buf, w.buf);
	}
	sb_release(&w);
	manifest_day_release(&d);
	sb_release(&sb);
}

/* ---- the tables ---- */

static sqlite3 *db_new(void)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(manifest_store_exists(db, "test.db"), 0);
	assert_int_equal(manifest_store_create(db, "test.db"), 0);
	assert_int_equal(manifest_store_exists(db, "test.db"), 1);
	/* again: nothing to do */
	assert_int_equal(manifest_store_create(db, "test.db"), 0);
	return db;
}

/* Store a day of one recorded channel and one from before manifests. */
static int64_t store_day(sqlite3 *db, const char *date, int64_t run_id, char out_sha,
			 int with_rejects)
{
	struct manifest_day d;
	int64_t id;

	memset(&d, 0, sizeof(d));
	assert_int_equal(manifest_store_new_day(db, "test.db", date, "2026-11-22T01:00:00+00:00",
						"0.1.0", &id), 0);
	d.id = id;
	strcpy(d.date, date);
	d.runs = xcalloc(1, sizeof(*d.runs));
	d.nruns = 1;
	run_set(&d.runs[0], "alipay", run_id);
	strcpy(d.runs[0].date, date);
	d.runs[0].manifest = id;
	if (with_rejects) {
		d.runs[0].has_rejects = 1;
		file_set(&d.runs[0].rejects, "rejects-alipay.csv", '9', '0');
	}
	assert_int_equal(manifest_store_run(db, "test.db", &d.runs[0]), 0);
	assert_true(d.runs[0].id > 0);
	d.unrecorded = xcalloc(1, sizeof(*d.unrecorded));
	d.unrecorded[0] = xstrdup("wechat");
	d.nunrecorded = 1;
	d.outputs = xcalloc(2, sizeof(*d.outputs));
	file_set(&d.outputs[0], "summary.json", out_sha, 'f');
	file_set(&d.outputs[1], "report.txt", out_sha, 'e');
	d.noutputs = 2;
	assert_int_equal(manifest_store_day(db, "test.db", &d), 0);
	manifest_day_release(&d);
	return id;
}

static void test_store_roundtrip(void **state)
{
	sqlite3 *db = db_new();
	struct manifest_day d;
	const struct manifest_run *r;
	int64_t first, second, other, *ids;
	size_t nids;

	(void)state;
	first = store_day(db, "2026-11-21", 5, '3', 1);
	other = store_day(db, "2026-11-22", 6, '4', 0);
	second = store_day(db, "2026-11-21", 5, '5', 0);
	assert_true(first < other && other < second);

	/* the latest of the day, the one before it, the day's numbers */
	assert_int_equal(manifest_store_load(db, "test.db", "2026-11-21", 0, &d, &ids, &nids), 1);
	assert_int_equal(d.id, second);
	assert_int_equal(d.previous, first);
	assert_int_equal(nids, 2);
	assert_int_equal(ids[0], first);
	assert_int_equal(ids[1], second);
	free(ids);
	assert_string_equal(d.date, "2026-11-21");
	assert_string_equal(d.created, "2026-11-22T01:00:00+00:00");
	assert_string_equal(d.recon_version, "0.1.0");
	assert_int_equal(d.noutputs, 2);
	/* by name */
	assert_string_equal(d.outputs[0].name, "report.txt");
	assert_string_equal(d.outputs[1].name, "summary.json");
	assert_int_equal(d.outputs[0].sha256[0], '5');
	assert_int_equal(d.outputs[0].object[0], 'e');
	assert_int_equal(d.nunrecorded, 1);
	assert_string_equal(d.unrecorded[0], "wechat");
	assert_int_equal(d.nruns, 1);
	r = &d.runs[0];
	assert_int_equal(r->run_id, 5);
	assert_int_equal(r->manifest, second);
	assert_string_equal(r->channel, "alipay");
	assert_string_equal(r->statement.name, "statements/x.csv");
	assert_int_equal(r->statement.size, 10);
	assert_int_equal(r->statement.sha256[0], 'a');
	assert_string_equal(r->format, "canonical-csv");
	assert_string_equal(r->format_file.name, "formats/canonical-csv.fmt");
	assert_int_equal(r->rules_recorded, 1);
	assert_string_equal(r->rules, "default");
	assert_null(r->rules_file.name);
	assert_string_equal(r->rules_file.sha256, "");
	assert_string_equal(r->timezone, "+08:00");
	assert_int_equal(r->cutoff, 90);
	assert_int_equal(r->grace_days, 1);
	assert_int_equal(r->memory, -1);
	assert_int_equal(r->window_from, 1795190400);
	assert_int_equal(r->window_to, 1795276800);
	assert_int_equal(r->ledger_rows, 12);
	assert_int_equal(r->ledger.sha256[0], 'c');
	assert_int_equal(r->ledger.object[0], 'd');
	assert_int_equal(r->suspense.object[0], 'f');
	assert_string_equal(r->previous_run, "2026-11-20");
	assert_int_equal(r->has_rejects, 0);
	assert_int_equal(r->nshare, 1);
	assert_string_equal(r->share[0].name, "report.txt");
	manifest_day_release(&d);

	/* by number: the first, with its rejects file */
	assert_int_equal(manifest_store_load(db, "test.db", "2026-11-21", first, &d, NULL, NULL), 1);
	assert_int_equal(d.id, first);
	assert_int_equal(d.previous, 0);
	assert_int_equal(d.outputs[0].sha256[0], '3');
	assert_int_equal(d.runs[0].has_rejects, 1);
	assert_string_equal(d.runs[0].rejects.name, "rejects-alipay.csv");
	assert_int_equal(d.runs[0].rejects.object[0], '0');
	manifest_day_release(&d);

	/* another day's number, a day without manifests */
	assert_int_equal(manifest_store_load(db, "test.db", "2026-11-21", other, &d, &ids, &nids), 0);
	assert_int_equal(nids, 2);
	free(ids);
	manifest_day_release(&d);
	assert_int_equal(manifest_store_load(db, "test.db", "2026-11-23", 0, &d, &ids, &nids), 0);
	assert_int_equal(nids, 0);
	free(ids);
	manifest_day_release(&d);
	sqlite3_close(db);
}

/* A channel's run recorded twice (a re-run): the latest counts. */
static void test_store_latest_run(void **state)
{
	sqlite3 *db = db_new();
	struct manifest_run r;
	int64_t first = store_day(db, "2026-11-21", 5, '3', 1);
	int64_t second = store_day(db, "2026-11-21", 5, '5', 0);

	(void)state;
	assert_int_equal(manifest_store_latest_run(db, "test.db", 5, &r), 1);
	assert_int_equal(r.manifest, second);
	assert_int_not_equal(r.manifest, first);
	assert_int_equal(r.has_rejects, 0);
	manifest_run_release(&r);
	assert_int_equal(manifest_store_latest_run(db, "test.db", 6, &r), 0);
	sqlite3_close(db);
}

/* ---- gzip copies ---- */

struct lines_seen {
	struct strbuf all;
	int n;
};

static int each(const char *line, size_t len, void *ctx)
{
	struct lines_seen *ls = ctx;

	sb_add(&ls->all, line, len);
	sb_addc(&ls->all, '|');
	ls->n++;
	return 0;
}

static void test_gzsink(void **state)
{
	static const char text[] = "recon ledger 1\ndue\tx\nlast line without newline";
	struct manifest_file f1, f2;
	struct gzsink g;
	struct lines_seen ls = { STRBUF_INIT, 0 };
	char want[SHA256_HEXLEN + 1], *path;

	(void)state;
	memset(&f1, 0, sizeof(f1));
	memset(&f2, 0, sizeof(f2));
	assert_int_equal(gzsink_open(&g, "archive"), 0);
	assert_int_equal(gzsink_write(&g, text, 10), 0);
	assert_int_equal(gzsink_write(&g, text + 10, sizeof(text) - 1 - 10), 0);
	assert_int_equal(gzsink_close(&g, "archive", &f1), 0);
	/* the text's own digest and length; the object is the compressed copy */
	sha256_hex_of(text, sizeof(text) - 1, want);
	assert_string_equal(f1.sha256, want);
	assert_int_equal(f1.size, sizeof(text) - 1);
	assert_string_not_equal(f1.object, f1.sha256);
	assert_int_equal(archive_check("archive", f1.object), ARCHIVE_OK);
	/* the same text, written at once: the same object */
	assert_int_equal(gzsink_open(&g, "archive"), 0);
	assert_int_equal(gzsink_write(&g, text, sizeof(text) - 1), 0);
	assert_int_equal(gzsink_close(&g, "archive", &f2), 0);
	assert_string_equal(f1.object, f2.object);
	/* read back line by line, the last one without its newline too */
	path = archive_object_path("archive", f1.object);
	assert_int_equal(gz_each_line(path, path, each, &ls), 0);
	assert_int_equal(ls.n, 3);
	assert_string_equal(ls.all.buf, "recon ledger 1|due\tx|last line without newline|");
	free(path);
	sb_release(&ls.all);
	/* a file's copy */
	write_file("out.csv", text);
	memset(&f2, 0, sizeof(f2));
	assert_int_equal(gz_archive_file("archive", "out.csv", &f2), 0);
	assert_string_equal(f2.object, f1.object);
	assert_string_equal(f2.sha256, want);
}

/* A damaged copy is refused, not read as some other text. */
static void test_gz_damaged(void **state)
{
	struct manifest_file f;
	struct gzsink g;
	struct lines_seen ls = { STRBUF_INIT, 0 };
	char *path, *bytes;
	size_t n;
	FILE *tmp;
	int saved;
	struct strbuf err;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(gzsink_open(&g, "archive"), 0);
	assert_int_equal(gzsink_write(&g, "one\ntwo\nthree\n", 14), 0);
	assert_int_equal(gzsink_close(&g, "archive", &f), 0);
	path = archive_object_path("archive", f.object);
	bytes = read_file(path, &n);
	assert_non_null(bytes);
	write_bytes("cut.gz", bytes, n - 6);
	free(bytes);
	capture_begin(&tmp, &saved);
	assert_int_equal(gz_each_line("cut.gz", "cut.gz", each, &ls), -1);
	capture_end(tmp, saved, &err);
	assert_non_null(strstr(err.buf, "cut.gz: error: cannot read"));
	sb_release(&err);
	sb_release(&ls.all);
	free(path);
}

static int setup(void **state)
{
	(void)state;
	return scratch_enter("test_manifest");
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(system("chmod -R u+w . 2>/dev/null; true"), 0);
	return scratch_leave();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_line),
		cmocka_unit_test(test_record_extremes),
		cmocka_unit_test(test_record_parse_rejects),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_store_roundtrip),
		cmocka_unit_test(test_store_latest_run),
		cmocka_unit_test_setup_teardown(test_gzsink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gz_damaged, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
