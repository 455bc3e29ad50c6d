/*
 * runstore.c: runs, discrepancies, corrections, suspense, in the workspace
 * database. Its own migration steps, versioned in runstore_schema (the
 * ledger's PRAGMA user_version belongs to ledger.c).
 *
 *   runs            one per (channel, date): the statement (path as the
 *                   template gave it, SHA-256), the channel settings used,
 *                   the window [window_from, window_to) in UTC seconds,
 *                   rows and rejects decoded, control totals ('none',
 *                   'ok'), started/finished (UTC), recon's version. A re-run
 *                   keeps the id.
 *   run_totals      (run_id, item, currency) -> count, amount: the tallies
 *                   (statement, ledger, matched, LONG, ..., pending, other).
 *   discrepancies   one per discrepancy: class, reason, kind and join key,
 *                   codes, amounts in minor units (NULL: not applicable),
 *                   statuses, source file and line (NULL for NO_STATEMENT),
 *                   ordinal, idempotency_key, and status ('OPEN') and note
 *                   for handling by people.
 *   corrections     one per discrepancy: the order and its idempotency key.
 *   pending         suspense items a run leaves for the next one:
 *                   (run_id, channel, kind, key, paid_day, expires_day).
 *   settled         items a statement settled outside their due day (early,
 *                   or late without a run on the due day): their due day
 *                   must not expect them, further rows are duplicates.
 * Dates are TEXT YYYY-MM-DD, so that they compare and read as dates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "recon/dbschema.h"
#include "recon/diag.h"
#include "recon/runstore.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"

static const char *const steps[] = {
	/* 1 */
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY,"
	" date TEXT NOT NULL,"
	" channel TEXT NOT NULL,"
	" started TEXT NOT NULL,"
	" finished TEXT,"
	" statement TEXT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" format TEXT NOT NULL,"
	" timezone TEXT NOT NULL,"
	" cutoff INTEGER NOT NULL,"
	" grace_days INTEGER NOT NULL,"
	" window_from INTEGER NOT NULL,"
	" window_to INTEGER NOT NULL,"
	" rows INTEGER NOT NULL DEFAULT 0,"
	" rejects INTEGER NOT NULL DEFAULT 0,"
	" totals TEXT NOT NULL DEFAULT 'none',"
	" recon_version TEXT NOT NULL,"
	" UNIQUE (channel, date));"
	"CREATE INDEX runs_date ON runs (date);"
	"CREATE TABLE run_totals ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" item TEXT NOT NULL,"
	" currency TEXT NOT NULL,"
	" count INTEGER NOT NULL,"
	" amount INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, item, currency));"
	"CREATE TABLE discrepancies ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" date TEXT NOT NULL,"
	" channel TEXT NOT NULL,"
	" class TEXT NOT NULL,"
	" reason TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" order_code TEXT NOT NULL,"
	" refund_code TEXT NOT NULL,"
	" channel_txn_id TEXT NOT NULL,"
	" ledger_amount INTEGER,"
	" ledger_currency TEXT,"
	" statement_amount INTEGER,"
	" difference INTEGER,"
	" currency TEXT NOT NULL,"
	" ledger_status TEXT,"
	" statement_status TEXT,"
	" source_file TEXT,"
	" source_line INTEGER,"
	" ordinal INTEGER NOT NULL,"
	" idempotency_key TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'OPEN',"
	" note TEXT);"
	"CREATE INDEX discrepancies_run ON discrepancies (run_id);"
	"CREATE INDEX discrepancies_date ON discrepancies (date, channel);"
	"CREATE INDEX discrepancies_key ON discrepancies (channel, kind, key);"
	"CREATE TABLE corrections ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" discrepancy_id INTEGER NOT NULL REFERENCES discrepancies (id),"
	" idempotency_key TEXT NOT NULL,"
	" date TEXT NOT NULL,"
	" channel TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" order_code TEXT NOT NULL,"
	" refund_code TEXT NOT NULL,"
	" amount INTEGER,"
	" currency TEXT NOT NULL,"
	" reason TEXT NOT NULL);"
	"CREATE INDEX corrections_run ON corrections (run_id);"
	"CREATE INDEX corrections_discrepancy ON corrections (discrepancy_id);"
	"CREATE TABLE pending ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" channel TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" paid_day TEXT NOT NULL,"
	" expires_day TEXT NOT NULL,"
	" PRIMARY KEY (run_id, kind, key));"
	"CREATE TABLE settled ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" date TEXT NOT NULL,"
	" channel TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" paid_at INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, kind, key));"
	"CREATE INDEX settled_key ON settled (channel, kind, key);"
	"CREATE INDEX settled_paid ON settled (channel, paid_at);",
};
#define RUNSTORE_VERSION ((int)ARRAY_SIZE(steps))

enum {
	Q_RUN_ID, Q_RUN_INS, Q_RUN_UPD, Q_DISC_INS, Q_CORR_INS, Q_PEND_INS, Q_SETTLED_INS,
	Q_TOTAL_INS, Q_FINISH, Q_SETTLED_BEFORE, Q_NOSTMT_BEFORE, Q_HAS_RUN, Q__COUNT
};

static const char *const sql[Q__COUNT] = {
	[Q_RUN_ID] = "SELECT id FROM runs WHERE channel = ?1 AND date = ?2",
	[Q_RUN_INS] =
		"INSERT INTO runs (date, channel, started, statement, sha256, format, timezone,"
		" cutoff, grace_days, window_from, window_to, recon_version)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[Q_RUN_UPD] =
		"UPDATE runs SET date = ?1, channel = ?2, started = ?3, statement = ?4, sha256 = ?5,"
		" format = ?6, timezone = ?7, cutoff = ?8, grace_days = ?9, window_from = ?10,"
		" window_to = ?11, recon_version = ?12, finished = NULL, rows = 0, rejects = 0,"
		" totals = 'none' WHERE id = ?13",
	[Q_DISC_INS] =
		"INSERT INTO discrepancies (run_id, date, channel, class, reason, kind, key,"
		" order_code, refund_code, channel_txn_id, ledger_amount, ledger_currency,"
		" statement_amount, difference, currency, ledger_status, statement_status,"
		" source_file, source_line, ordinal, idempotency_key, status, note)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20, ?21,"
		" coalesce((SELECT status FROM temp.runstore_keep WHERE k = ?21), 'OPEN'),"
		" (SELECT note FROM temp.runstore_keep WHERE k = ?21))",
	[Q_CORR_INS] =
		"INSERT INTO corrections (run_id, discrepancy_id, idempotency_key, date, channel,"
		" action, order_code, refund_code, amount, currency, reason)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[Q_PEND_INS] =
		"INSERT INTO pending (run_id, channel, kind, key, paid_day, expires_day)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_SETTLED_INS] =
		"INSERT INTO settled (run_id, date, channel, kind, key, paid_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_TOTAL_INS] =
		"INSERT INTO run_totals (run_id, item, currency, count, amount)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_FINISH] =
		"UPDATE runs SET finished = ?2, rows = ?3, rejects = ?4, totals = ?5 WHERE id = ?1",
	[Q_SETTLED_BEFORE] =
		"SELECT 1 FROM settled WHERE channel = ?1 AND kind = ?2 AND key = ?3 AND date < ?4"
		" LIMIT 1",
	[Q_NOSTMT_BEFORE] =
		"SELECT 1 FROM discrepancies WHERE channel = ?1 AND kind = ?2 AND key = ?3"
		" AND reason = 'NO_STATEMENT' AND date < ?4 LIMIT 1",
	[Q_HAS_RUN] = "SELECT 1 FROM runs WHERE channel = ?1 AND date = ?2",
};

struct runstore {
	sqlite3 *db;
	char *name;
	int exists;                 /* the tables are there */
	sqlite3_stmt *q[Q__COUNT];
	char *only;                 /* runstore_only_channel() */
	char *only_status;          /* runstore_only_status() */
};

static int db_fail(struct runstore *rs, const char *what)
{
	error_at(RX_INTERNAL, rs->name, 0, "%s: %s", what, sqlite3_errmsg(rs->db));
	return -1;
}

static int exec(struct runstore *rs, const char *s, const char *what)
{
	if (sqlite3_exec(rs->db, s, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(rs, what);
	return 0;
}

/* Run a statement expecting no row (or ignoring rows); resets it. */
static int step_done(struct runstore *rs, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(rs, what);
	return 0;
}

/* 1 when st yields a row, 0 when not, -1 on error; resets it. */
static int step_exists(struct runstore *rs, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(rs, what);
}

static int schema_version(struct runstore *rs, int *v)
{
	if (dbschema_version(rs->db, "runstore", v) != SQLITE_OK)
		return db_fail(rs, "schema version");
	return 0;
}

static int migrate(struct runstore *rs)
{
	int v;

	if (schema_version(rs, &v) < 0)
		return -1;
	if (v > RUNSTORE_VERSION) {
		error_at(RX_INTERNAL, rs->name, 0,
			 "run tables version %d are newer than this recon knows (%d)",
			 v, RUNSTORE_VERSION);
		return -1;
	}
	if (dbschema_apply(rs->db, "runstore", steps, RUNSTORE_VERSION, v) != SQLITE_OK)
		return db_fail(rs, "create run tables");
	return 0;
}

static int create_keep(struct runstore *rs)
{
	return exec(rs, "CREATE TEMP TABLE IF NOT EXISTS runstore_keep (k TEXT PRIMARY KEY,"
		    " status TEXT, note TEXT)", "keep handling notes");
}

struct runstore *runstore_open(struct sqlite3 *db, const char *name, int create)
{
	struct runstore *rs = xcalloc(1, sizeof(*rs));
	int v, i;

	rs->db = db;
	rs->name = xstrdup(name);
	if (create && (migrate(rs) < 0 || create_keep(rs) < 0))
		goto fail;
	if (schema_version(rs, &v) < 0)
		goto fail;
	rs->exists = v > 0;
	if (!rs->exists)
		return rs;
	if (v != RUNSTORE_VERSION) {
		error_at(RX_INTERNAL, name, 0, "run tables version %d, this recon knows %d",
			 v, RUNSTORE_VERSION);
		goto fail;
	}
	for (i = 0; i < Q__COUNT; i++) {
		/* Writing needs temp.runstore_keep, made only with create. */
		if (i == Q_DISC_INS && !create)
			continue;
		if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &rs->q[i],
				       NULL) != SQLITE_OK) {
			db_fail(rs, "prepare");
			goto fail;
		}
	}
	return rs;
fail:
	runstore_close(rs);
	return NULL;
}

void runstore_close(struct runstore *rs)
{
	int i;

	if (!rs)
		return;
	for (i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(rs->q[i]);
	free(rs->only);
	free(rs->only_status);
	free(rs->name);
	free(rs);
}

void runstore_only_channel(struct runstore *rs, const char *channel)
{
	free(rs->only);
	rs->only = channel ? xstrdup(channel) : NULL;
}

void run_info_release(struct run_info *ri)
{
	free(ri->channel);
	free(ri->statement);
	free(ri->format);
	free(ri->timezone);
	free(ri->version);
	tally_release(&ri->tally);
	memset(ri, 0, sizeof(*ri));
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

static void bind_day(sqlite3_stmt *st, int i, int64_t day)
{
	char d[16];

	date_format(day, d);
	sqlite3_bind_text(st, i, d, -1, SQLITE_TRANSIENT);
}

static int64_t day_of(const char *s)
{
	int64_t d = 0;

	date_parse(s, &d);
	return d;
}

int runstore_begin(struct runstore *rs, struct run_info *ri)
{
	sqlite3_stmt *st = rs->q[Q_RUN_ID], *w;
	char s[512];
	int64_t id = 0;
	int rc;

	bind_text(st, 1, ri->channel);
	bind_text(st, 2, ri->date);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(rs, "run");

	if (!rs->q[Q_DISC_INS]) {
		error_at(RX_INTERNAL, rs->name, 0, "run tables opened read-only");
		return -1;
	}
	if (exec(rs, "DELETE FROM temp.runstore_keep", "keep handling notes") < 0)
		return -1;
	if (id) {
		/* People's handling of a discrepancy that comes back with the
		 * same key survives the re-run. */
		snprintf(s, sizeof(s),
			 "INSERT OR IGNORE INTO temp.runstore_keep SELECT idempotency_key, status,"
			 " note FROM discrepancies WHERE run_id = %lld AND (status <> 'OPEN'"
			 " OR note IS NOT NULL);"
			 "DELETE FROM corrections WHERE run_id = %lld;"
			 "DELETE FROM discrepancies WHERE run_id = %lld;"
			 "DELETE FROM pending WHERE run_id = %lld;"
			 "DELETE FROM settled WHERE run_id = %lld;"
			 "DELETE FROM run_totals WHERE run_id = %lld;",
			 (long long)id, (long long)id, (long long)id, (long long)id,
			 (long long)id, (long long)id);
		if (exec(rs, s, "replace the earlier run") < 0)
			return -1;
	}
	w = rs->q[id ? Q_RUN_UPD : Q_RUN_INS];
	bind_text(w, 1, ri->date);
	bind_text(w, 2, ri->channel);
	bind_text(w, 3, ri->started);
	bind_text(w, 4, ri->statement);
	bind_text(w, 5, ri->sha256);
	bind_text(w, 6, ri->format);
	bind_text(w, 7, ri->timezone);
	sqlite3_bind_int(w, 8, ri->cutoff);
	sqlite3_bind_int(w, 9, ri->grace_days);
	sqlite3_bind_int64(w, 10, ri->window_from);
	sqlite3_bind_int64(w, 11, ri->window_to);
	bind_text(w, 12, ri->version);
	if (id)
		sqlite3_bind_int64(w, 13, id);
	if (step_done(rs, w, "record the run") < 0)
		return -1;
	ri->id = id ? id : sqlite3_last_insert_rowid(rs->db);
	return 0;
}

static void bind_amount(sqlite3_stmt *st, int i, int has, int64_t v)
{
	if (has)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int runstore_add_discrepancy(struct runstore *rs, const struct run_info *ri,
			     const struct discrepancy *d, const struct correction *c)
{
	sqlite3_stmt *st = rs->q[Q_DISC_INS];
	int64_t did;

	sqlite3_bind_int64(st, 1, ri->id);
	bind_text(st, 2, ri->date);
	bind_text(st, 3, ri->channel);
	bind_text(st, 4, class_name(d->cls));
	bind_text(st, 5, reason_name(d->reason));
	bind_text(st, 6, rec_kind_name(d->kind));
	bind_text(st, 7, d->kind == KIND_REFUND ? d->refund_code : d->order_code);
	bind_text(st, 8, d->order_code);
	bind_text(st, 9, d->refund_code);
	bind_text(st, 10, d->channel_txn_id);
	bind_amount(st, 11, d->has_ledger, d->ledger_amount);
	bind_opt(st, 12, d->has_ledger ? d->ledger_currency : NULL);
	bind_amount(st, 13, d->has_statement, d->statement_amount);
	bind_amount(st, 14, d->has_difference, d->difference);
	bind_text(st, 15, d->currency);
	bind_opt(st, 16, d->ledger_status >= 0 ? rec_status_name(d->ledger_status) : NULL);
	bind_opt(st, 17, d->statement_status >= 0 ? rec_status_name(d->statement_status) : NULL);
	bind_opt(st, 18, d->source_file);
	if (d->source_file)
		sqlite3_bind_int64(st, 19, d->source_line);
	else
		sqlite3_bind_null(st, 19);
	sqlite3_bind_int(st, 20, d->ordinal);
	bind_text(st, 21, c->key);
	if (step_done(rs, st, "record a discrepancy") < 0)
		return -1;
	did = sqlite3_last_insert_rowid(rs->db);

	st = rs->q[Q_CORR_INS];
	sqlite3_bind_int64(st, 1, ri->id);
	sqlite3_bind_int64(st, 2, did);
	bind_text(st, 3, c->key);
	bind_text(st, 4, ri->date);
	bind_text(st, 5, ri->channel);
	bind_text(st, 6, action_name(c->action));
	bind_text(st, 7, d->order_code);
	bind_text(st, 8, d->refund_code);
	bind_amount(st, 9, c->has_amount, c->amount);
	bind_text(st, 10, c->currency);
	bind_text(st, 11, reason_name(d->reason));
	return step_done(rs, st, "record a correction");
}

int runstore_add_pending(struct runstore *rs, const struct run_info *ri,
			 const struct pending_item *p)
{
	sqlite3_stmt *st = rs->q[Q_PEND_INS];

	sqlite3_bind_int64(st, 1, ri->id);
	bind_text(st, 2, ri->channel);
	bind_text(st, 3, rec_kind_name(p->kind));
	bind_text(st, 4, p->key);
	bind_day(st, 5, p->paid_day);
	bind_day(st, 6, p->expires_day);
	return step_done(rs, st, "record a suspense item");
}

int runstore_add_settled(struct runstore *rs, const struct run_info *ri, int kind,
			 const char *key, int64_t paid_time)
{
	sqlite3_stmt *st = rs->q[Q_SETTLED_INS];

	sqlite3_bind_int64(st, 1, ri->id);
	bind_text(st, 2, ri->date);
	bind_text(st, 3, ri->channel);
	bind_text(st, 4, rec_kind_name(kind));
	bind_text(st, 5, key);
	sqlite3_bind_int64(st, 6, paid_time);
	return step_done(rs, st, "record a settlement");
}

int runstore_finish(struct runstore *rs, const struct run_info *ri)
{
	sqlite3_stmt *st = rs->q[Q_FINISH];
	size_t i;

	for (i = 0; i < ri->tally.n; i++) {
		const struct tally_cell *c = &ri->tally.cells[i];
		sqlite3_stmt *t = rs->q[Q_TOTAL_INS];

		sqlite3_bind_int64(t, 1, ri->id);
		bind_text(t, 2, tally_name(c->item));
		bind_text(t, 3, c->currency);
		sqlite3_bind_int64(t, 4, (int64_t)c->count);
		sqlite3_bind_int64(t, 5, c->amount);
		if (step_done(rs, t, "record the figures") < 0)
			return -1;
	}
	sqlite3_bind_int64(st, 1, ri->id);
	bind_text(st, 2, ri->finished);
	sqlite3_bind_int64(st, 3, (int64_t)ri->rows);
	sqlite3_bind_int64(st, 4, (int64_t)ri->rejects);
	bind_text(st, 5, !ri->totals_declared ? "none" : ri->totals_ok ? "ok" : "mismatch");
	return step_done(rs, st, "record the run");
}

/* Read (kind, key[, paid_day, expires_day]) rows into a sorted array. */
static int load_items(struct runstore *rs, sqlite3_stmt *st, struct pending_item **items,
		      size_t *n)
{
	size_t alloc = 0;
	int rc;

	*items = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pending_item *p;
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);

		*items = xgrow(*items, &alloc, *n + 1, sizeof(**items));
		p = &(*items)[(*n)++];
		memset(p, 0, sizeof(*p));
		p->kind = rec_kind_parse(kind ? kind : "");
		snprintf(p->key, sizeof(p->key), "%s", key ? key : "");
		if (sqlite3_column_count(st) > 2) {
			p->paid_day = day_of((const char *)sqlite3_column_text(st, 2));
			p->expires_day = day_of((const char *)sqlite3_column_text(st, 3));
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*items);
		*items = NULL;
		*n = 0;
		return db_fail(rs, "read earlier runs");
	}
	/* The join's order is strcmp's, whatever SQL would sort by. */
	if (*n > 1)
		qsort(*items, *n, sizeof(**items), pending_cmp);
	return 0;
}

int runstore_pending(struct runstore *rs, const char *channel, int64_t day,
		     struct pending_item **items, size_t *n)
{
	sqlite3_stmt *st;

	*items = NULL;
	*n = 0;
	if (!rs->exists)
		return 0;
	if (sqlite3_prepare_v2(rs->db,
			       "SELECT kind, key, paid_day, expires_day FROM pending WHERE run_id ="
			       " (SELECT id FROM runs WHERE channel = ?1 AND date < ?2"
			       " ORDER BY date DESC LIMIT 1)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(rs, "read suspense");
	bind_text(st, 1, channel);
	bind_day(st, 2, day);
	return load_items(rs, st, items, n);
}

int runstore_settled_in(struct runstore *rs, const char *channel, int64_t day,
			int64_t from, int64_t to, struct pending_item **items, size_t *n)
{
	sqlite3_stmt *st;

	*items = NULL;
	*n = 0;
	if (!rs->exists)
		return 0;
	if (sqlite3_prepare_v2(rs->db,
			       "SELECT kind, key FROM settled WHERE channel = ?1 AND date < ?2"
			       " AND paid_at >= ?3 AND paid_at < ?4", -1, &st, NULL) != SQLITE_OK)
		return db_fail(rs, "read settlements");
	bind_text(st, 1, channel);
	bind_day(st, 2, day);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_int64(st, 4, to);
	return load_items(rs, st, items, n);
}

static int ask(struct runstore *rs, int q, const char *channel, int64_t day, int kind,
	       const char *key)
{
	sqlite3_stmt *st = rs->q[q];

	if (!rs->exists)
		return 0;
	bind_text(st, 1, channel);
	bind_text(st, 2, rec_kind_name(kind));
	bind_text(st, 3, key);
	bind_day(st, 4, day);
	return step_exists(rs, st, "read earlier runs");
}

int runstore_settled_before(struct runstore *rs, const char *channel, int64_t day,
			    int kind, const char *key)
{
	return ask(rs, Q_SETTLED_BEFORE, channel, day, kind, key);
}

int runstore_no_statement_before(struct runstore *rs, const char *channel, int64_t day,
				 int kind, const char *key)
{
	return ask(rs, Q_NOSTMT_BEFORE, channel, day, kind, key);
}

int runstore_has_run(struct runstore *rs, const char *channel, int64_t day)
{
	sqlite3_stmt *st = rs->q[Q_HAS_RUN];

	if (!rs->exists)
		return 0;
	bind_text(st, 1, channel);
	bind_day(st, 2, day);
	return step_exists(rs, st, "read earlier runs");
}

/* ---- reading back ---- */

static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return xstrdup(s ? s : "");
}

static void col_copy(sqlite3_stmt *st, int i, char *dst, size_t n)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	snprintf(dst, n, "%s", s ? s : "");
}

void runstore_runs_free(struct run_info *runs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		run_info_release(&runs[i]);
	free(runs);
}

int runstore_runs(struct runstore *rs, int64_t day, struct run_info **runs)
{
	sqlite3_stmt *st, *t;
	size_t alloc = 0;
	int n = 0, rc, i;

	*runs = NULL;
	if (!rs->exists)
		return 0;
	if (sqlite3_prepare_v2(rs->db,
			       "SELECT id, date, channel, statement, sha256, format, timezone, cutoff,"
			       " grace_days, window_from, window_to, rows, rejects, totals, started,"
			       " finished, recon_version FROM runs WHERE date = ?1"
			       " AND finished IS NOT NULL AND (?2 IS NULL OR channel = ?2)"
			       " ORDER BY channel", -1, &st, NULL) != SQLITE_OK)
		return db_fail(rs, "read runs");
	bind_day(st, 1, day);
	bind_opt(st, 2, rs->only);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct run_info *ri;
		char totals[16];

		*runs = xgrow(*runs, &alloc, (size_t)n + 1, sizeof(**runs));
		ri = &(*runs)[n++];
		memset(ri, 0, sizeof(*ri));
		ri->id = sqlite3_column_int64(st, 0);
		col_copy(st, 1, ri->date, sizeof(ri->date));
		ri->channel = col_dup(st, 2);
		ri->statement = col_dup(st, 3);
		col_copy(st, 4, ri->sha256, sizeof(ri->sha256));
		ri->format = col_dup(st, 5);
		ri->timezone = col_dup(st, 6);
		ri->cutoff = sqlite3_column_int(st, 7);
		ri->grace_days = sqlite3_column_int(st, 8);
		ri->window_from = sqlite3_column_int64(st, 9);
		ri->window_to = sqlite3_column_int64(st, 10);
		ri->rows = (uint64_t)sqlite3_column_int64(st, 11);
		ri->rejects = (uint64_t)sqlite3_column_int64(st, 12);
		col_copy(st, 13, totals, sizeof(totals));
		ri->totals_declared = strcmp(totals, "none") != 0;
		ri->totals_ok = !strcmp(totals, "ok");
		col_copy(st, 14, ri->started, sizeof(ri->started));
		col_copy(st, 15, ri->finished, sizeof(ri->finished));
		ri->version = col_dup(st, 16);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	/* The tallies in the order a run first used them is not stored;
	 * read them back in a fixed order: by item, then currency. */
	if (sqlite3_prepare_v2(rs->db, "SELECT item, currency, count, amount FROM run_totals"
			       " WHERE run_id = ?1 ORDER BY currency", -1, &t, NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		struct tally *ta = &(*runs)[i].tally;

		sqlite3_bind_int64(t, 1, (*runs)[i].id);
		while ((rc = sqlite3_step(t)) == SQLITE_ROW) {
			struct tally_cell *c;
			int item = tally_parse((const char *)sqlite3_column_text(t, 0));

			if (item < 0)
				continue;
			ta->cells = xgrow(ta->cells, &ta->alloc, ta->n + 1, sizeof(*ta->cells));
			c = &ta->cells[ta->n++];
			memset(c, 0, sizeof(*c));
			c->item = item;
			col_copy(t, 1, c->currency, sizeof(c->currency));
			c->count = (uint64_t)sqlite3_column_int64(t, 2);
			c->amount = sqlite3_column_int64(t, 3);
		}
		sqlite3_reset(t);
		if (rc != SQLITE_DONE) {
			sqlite3_finalize(t);
			goto fail;
		}
	}
	sqlite3_finalize(t);
	return n;
fail:
	db_fail(rs, "read runs");
	runstore_runs_free(*runs, n);
	*runs = NULL;
	return -1;
}

int runstore_each_discrepancy(struct runstore *rs, int64_t day, int cls,
			      enum runstore_order order, runstore_disc_fn fn, void *ctx)
{
	static const char cols[] =
		"SELECT d.id, d.run_id, d.date, d.channel, d.class, d.reason, d.kind, d.order_code,"
		" d.refund_code, d.channel_txn_id, d.ledger_amount, d.ledger_currency,"
		" d.statement_amount, d.difference, d.currency, d.ledger_status,"
		" d.statement_status, d.source_file, d.source_line, d.ordinal, d.status, d.note,"
		" c.action, c.amount, c.currency, c.idempotency_key"
		" FROM discrepancies d JOIN corrections c ON c.discrepancy_id = d.id"
		" JOIN runs r ON r.id = d.run_id"
		" WHERE d.date = ?1 AND r.finished IS NOT NULL AND (?2 IS NULL OR d.class = ?2)"
		" AND (?3 IS NULL OR d.channel = ?3) AND (?4 IS NULL OR d.status = ?4)";
	static const char by_file[] =
		" ORDER BY d.channel, d.class, d.reason, d.key, d.source_file, d.source_line,"
		" d.kind, d.ordinal, d.id";
	static const char by_size[] =
		" ORDER BY d.difference IS NULL, abs(d.difference) DESC, d.key, d.channel,"
		" d.class, d.reason, d.source_file, d.source_line, d.kind, d.ordinal, d.id";
	struct strbuf q = STRBUF_INIT;
	sqlite3_stmt *st;
	int rc;

	if (!rs->exists)
		return 0;
	sb_adds(&q, cols);
	sb_adds(&q, order == ORDER_FILE ? by_file : by_size);
	rc = sqlite3_prepare_v2(rs->db, q.buf, -1, &st, NULL);
	sb_release(&q);
	if (rc != SQLITE_OK)
		return db_fail(rs, "read discrepancies");
	bind_day(st, 1, day);
	if (cls >= 0)
		sqlite3_bind_text(st, 2, class_name(cls), -1, SQLITE_STATIC);
	bind_opt(st, 3, rs->only);
	bind_opt(st, 4, rs->only_status);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct stored_discrepancy sd;
		struct discrepancy *d = &sd.d;
		char name[32];

		memset(&sd, 0, sizeof(sd));
		sd.id = sqlite3_column_int64(st, 0);
		sd.run_id = sqlite3_column_int64(st, 1);
		sd.date = (const char *)sqlite3_column_text(st, 2);
		sd.channel = (const char *)sqlite3_column_text(st, 3);
		col_copy(st, 4, name, sizeof(name));
		d->cls = class_parse(name);
		col_copy(st, 5, name, sizeof(name));
		d->reason = reason_parse(name);
		col_copy(st, 6, name, sizeof(name));
		d->kind = rec_kind_parse(name);
		col_copy(st, 7, d->order_code, sizeof(d->order_code));
		col_copy(st, 8, d->refund_code, sizeof(d->refund_code));
		col_copy(st, 9, d->channel_txn_id, sizeof(d->channel_txn_id));
		d->has_ledger = sqlite3_column_type(st, 10) != SQLITE_NULL;
		d->ledger_amount = sqlite3_column_int64(st, 10);
		col_copy(st, 11, d->ledger_currency, sizeof(d->ledger_currency));
		d->has_statement = sqlite3_column_type(st, 12) != SQLITE_NULL;
		d->statement_amount = sqlite3_column_int64(st, 12);
		d->has_difference = sqlite3_column_type(st, 13) != SQLITE_NULL;
		d->difference = sqlite3_column_int64(st, 13);
		col_copy(st, 14, d->currency, sizeof(d->currency));
		col_copy(st, 15, name, sizeof(name));
		d->ledger_status = *name ? rec_status_parse(name) : -1;
		col_copy(st, 16, name, sizeof(name));
		d->statement_status = *name ? rec_status_parse(name) : -1;
		d->source_file = (const char *)sqlite3_column_text(st, 17);
		d->source_line = sqlite3_column_int64(st, 18);
		d->ordinal = sqlite3_column_int(st, 19);
		sd.status = (const char *)sqlite3_column_text(st, 20);
		sd.note = (const char *)sqlite3_column_text(st, 21);
		col_copy(st, 22, name, sizeof(name));
		for (sd.c.action = 0; sd.c.action < ACTION__COUNT; sd.c.action++)
			if (!strcmp(action_name(sd.c.action), name))
				break;
		sd.c.has_amount = sqlite3_column_type(st, 23) != SQLITE_NULL;
		sd.c.amount = sqlite3_column_int64(st, 23);
		col_copy(st, 24, sd.c.currency, sizeof(sd.c.currency));
		col_copy(st, 25, sd.c.key, sizeof(sd.c.key));
		if (fn(&sd, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(rs, "read discrepancies");
	return 0;
}

/* ---- handling by people ---- */

void runstore_only_status(struct runstore *rs, const char *status)
{
	free(rs->only_status);
	rs->only_status = status ? xstrdup(status) : NULL;
}

int runstore_match_keys(struct runstore *rs, const char *prefix, int64_t day,
			char (*keys)[CORRECTION_KEYLEN + 1], int max)
{
	sqlite3_stmt *st;
	int n = 0, rc;

	if (!rs->exists)
		return 0;
	/* substr, not LIKE or GLOB: the prefix is matched as it is. No index
	 * helps with a prefix of the key; the table is read once. */
	if (sqlite3_prepare_v2(rs->db,
			       "SELECT DISTINCT d.idempotency_key FROM discrepancies d"
			       " JOIN runs r ON r.id = d.run_id AND r.finished IS NOT NULL"
			       " WHERE substr(d.idempotency_key, 1, length(?1)) = ?1"
			       " AND (?2 IS NULL OR d.date = ?2) ORDER BY 1", -1, &st,
			       NULL) != SQLITE_OK)
		return db_fail(rs, "read discrepancies");
	bind_text(st, 1, prefix);
	if (day != RUNSTORE_ANY_DAY)
		bind_day(st, 2, day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n < max)
			col_copy(st, 0, keys[n], sizeof(keys[n]));
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(rs, "read discrepancies");
	return n;
}

int runstore_key_latest_day(struct runstore *rs, const char *key, int64_t *day)
{
	sqlite3_stmt *st;
	int rc;

	if (!rs->exists)
		return 0;
	if (sqlite3_prepare_v2(rs->db,
			       "SELECT max(d.date) FROM discrepancies d"
			       " JOIN runs r ON r.id = d.run_id AND r.finished IS NOT NULL"
			       " WHERE d.idempotency_key = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(rs, "read discrepancies");
	bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*day = day_of((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		return 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(rs, "read discrepancies");
	return 0;
}

int runstore_set_handling(struct runstore *rs, int64_t day, const char *key,
			  const char *status, const char *note)
{
	sqlite3_stmt *st;
	int rc;

	if (!rs->exists)
		return 0;
	if (sqlite3_prepare_v2(rs->db,
			       "UPDATE discrepancies SET status = ?3,"
			       " note = CASE WHEN ?4 THEN ?5 ELSE note END"
			       " WHERE idempotency_key = ?1 AND date = ?2"
			       " AND run_id IN (SELECT id FROM runs WHERE finished IS NOT NULL)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(rs, "record the handling");
	bind_text(st, 1, key);
	bind_day(st, 2, day);
	bind_text(st, 3, status);
	sqlite3_bind_int(st, 4, note != NULL);
	/* An empty note is none, so that the run's keep logic forgets it. */
	bind_opt(st, 5, note);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(rs, "record the handling");
	return sqlite3_changes(rs->db);
}

int runstore_open_count(struct runstore *rs, const char *channel, int64_t day)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (!rs->exists)
		return 0;
	if (sqlite3_prepare_v2(rs->db,
			       "SELECT count(*) FROM discrepancies WHERE channel = ?1 AND date = ?2"
			       " AND status = 'OPEN'", -1, &st, NULL) != SQLITE_OK)
		return db_fail(rs, "read discrepancies");
	bind_text(st, 1, channel);
	bind_day(st, 2, day);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(rs, "read discrepancies");
	return n;
}
