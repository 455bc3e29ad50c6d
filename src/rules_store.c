/*
 * rules_store.c: the statement rows a run leaves waiting for the ledger
 * (statement-wait-days, recon-rules.5), kept in the workspace database
 * next to the run tables (src/runstore.c), which they follow: a run's rows
 * are found through its id, and the next run reads those of the latest
 * run before its day, as it does the suspense items.
 *
 *   rules_schema    version INTEGER: this file's own migration steps
 *   rules_waiting   one row per waiting statement row: run_id, channel,
 *                   kind and key (the join group), expires_day (TEXT
 *                   YYYY-MM-DD), seq (its order in the run), and the record:
 *                   order_code, refund_code, channel_txn_id, amount,
 *                   currency, fee, status, time, time_off, file, line
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "recon/diag.h"
#include "recon/rules.h"
#include "recon/tz.h"
#include "recon/util.h"

static const char *const steps[] = {
	/* 1 */
	"CREATE TABLE rules_waiting ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" channel TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" expires_day TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" order_code TEXT NOT NULL,"
	" refund_code TEXT NOT NULL,"
	" channel_txn_id TEXT NOT NULL,"
	" amount INTEGER NOT NULL,"
	" currency TEXT NOT NULL,"
	" fee INTEGER NOT NULL,"
	" status TEXT NOT NULL,"
	" time INTEGER,"
	" time_off INTEGER NOT NULL,"
	" file TEXT,"
	" line INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, seq));",
};

static int fail(sqlite3 *db, const char *what)
{
	error_at(RX_INTERNAL, sqlite3_db_filename(db, "main"), 0, "%s: %s", what,
		 sqlite3_errmsg(db));
	return -1;
}

static int exec(sqlite3 *db, const char *s, const char *what)
{
	return sqlite3_exec(db, s, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(db, what);
}

static int version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st;
	int rc;

	*v = 0;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND"
			       " name = 'rules_schema'", -1, &st, NULL) != SQLITE_OK)
		return fail(db, "rules tables");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW ||
	    sqlite3_prepare_v2(db, "SELECT max(version) FROM rules_schema", -1, &st, NULL)
	    != SQLITE_OK)
		return fail(db, "rules tables");
	if (sqlite3_step(st) == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int rules_store_begin(struct sqlite3 *db, int64_t run_id)
{
	char s[128];
	int v, i;

	if (version(db, &v) < 0)
		return -1;
	if (v > (int)ARRAY_SIZE(steps)) {
		error_at(RX_INTERNAL, sqlite3_db_filename(db, "main"), 0,
			 "rules tables version %d are newer than this recon knows (%d)", v,
			 (int)ARRAY_SIZE(steps));
		return -1;
	}
	if (v == 0 && exec(db, "CREATE TABLE rules_schema (version INTEGER NOT NULL)",
			   "create rules tables") < 0)
		return -1;
	for (i = v; i < (int)ARRAY_SIZE(steps); i++) {
		snprintf(s, sizeof(s), "INSERT INTO rules_schema VALUES (%d)", i + 1);
		if (exec(db, steps[i], "create rules tables") < 0 ||
		    exec(db, s, "create rules tables") < 0)
			return -1;
	}
	snprintf(s, sizeof(s), "DELETE FROM rules_waiting WHERE run_id = %lld", (long long)run_id);
	return exec(db, s, "replace the earlier run");
}

static void text(sqlite3_stmt *st, int i, char *dst, size_t n)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	snprintf(dst, n, "%s", s ? s : "");
}

int rules_store_load(struct sqlite3 *db, const char *channel, int64_t day,
		     struct rules_day *rd)
{
	sqlite3_stmt *st;
	char d[16], name[32];
	int rc;

	date_format(day, d);
	if (sqlite3_prepare_v2(db,
			       "SELECT kind, expires_day, order_code, refund_code, channel_txn_id,"
			       " amount, currency, fee, status, time, time_off, file, line"
			       " FROM rules_waiting WHERE run_id ="
			       " (SELECT id FROM runs WHERE channel = ?1 AND date < ?2"
			       " ORDER BY date DESC LIMIT 1) ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return fail(db, "read waiting rows");
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, d, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct record r;
		int64_t expires = 0;

		record_init(&r);
		text(st, 0, name, sizeof(name));
		r.kind = (uint8_t)rec_kind_parse(name);
		text(st, 1, name, sizeof(name));
		date_parse(name, &expires);
		text(st, 2, r.order_code, sizeof(r.order_code));
		text(st, 3, r.refund_code, sizeof(r.refund_code));
		text(st, 4, r.channel_txn_id, sizeof(r.channel_txn_id));
		r.amount = sqlite3_column_int64(st, 5);
		text(st, 6, r.currency, sizeof(r.currency));
		r.fee = sqlite3_column_int64(st, 7);
		text(st, 8, name, sizeof(name));
		r.status = (uint8_t)rec_status_parse(name);
		if (sqlite3_column_type(st, 9) != SQLITE_NULL)
			r.time = sqlite3_column_int64(st, 9);
		r.time_off = sqlite3_column_int(st, 10);
		snprintf(r.channel, sizeof(r.channel), "%s", channel);
		r.file = (const char *)sqlite3_column_text(st, 11);   /* copied by carry */
		r.line = sqlite3_column_int64(st, 12);
		rules_day_carry(rd, &r, expires);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(db, "read waiting rows");
}

int rules_store_save(struct sqlite3 *db, int64_t run_id, const char *channel,
		     const struct rules_day *rd)
{
	const struct record *rows;
	const int64_t *exp;
	sqlite3_stmt *st;
	size_t n = rules_day_waiting(rd, &rows, &exp), i;
	char d[16];

	if (!n)
		return 0;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO rules_waiting (run_id, channel, kind, key, expires_day,"
			       " seq, order_code, refund_code, channel_txn_id, amount, currency, fee,"
			       " status, time, time_off, file, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
			       " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)", -1, &st, NULL)
	    != SQLITE_OK)
		return fail(db, "keep waiting rows");
	for (i = 0; i < n; i++) {
		const struct record *r = &rows[i];

		date_format(exp[i], d);
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, channel, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, rec_kind_name(r->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, record_key(r), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, d, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 6, (int64_t)i);
		sqlite3_bind_text(st, 7, r->order_code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 8, r->refund_code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 9, r->channel_txn_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 10, r->amount);
		sqlite3_bind_text(st, 11, r->currency, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 12, r->fee);
		sqlite3_bind_text(st, 13, rec_status_name(r->status), -1, SQLITE_STATIC);
		if (r->time == REC_NO_TIME)
			sqlite3_bind_null(st, 14);
		else
			sqlite3_bind_int64(st, 14, r->time);
		sqlite3_bind_int(st, 15, r->time_off);
		if (r->file)
			sqlite3_bind_text(st, 16, r->file, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 16);
		sqlite3_bind_int64(st, 17, r->line);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return fail(db, "keep waiting rows");
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	sqlite3_finalize(st);
	return 0;
}
