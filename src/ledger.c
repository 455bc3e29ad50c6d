/*
 * ledger.c: the merchant's ledger in SQLite.
 *
 * Schema (version 1, PRAGMA user_version):
 *
 *   ledger              one row per order (kind PAY) or refund (kind REFUND)
 *     channel           TEXT    channel name, as in recon.conf
 *     kind              TEXT    "PAY", "REFUND", ... (rec_kind_name)
 *     key               TEXT    order_code of a payment, refund_code of a
 *                               refund: the join key (record_key)
 *     order_code        TEXT    never empty
 *     refund_code       TEXT    NULL unless a refund
 *     channel_txn_id    TEXT    NULL when not known
 *     amount            INTEGER minor units, signed from the merchant's cash view
 *     currency          TEXT    ISO 4217
 *     fee               INTEGER minor units
 *     status            TEXT    "SUCCESS", "PENDING", ... (rec_status_name)
 *     created_at        INTEGER UTC seconds, NULL when absent
 *     created_off       INTEGER the source's UTC offset, seconds east
 *     paid_at, paid_off INTEGER the same for the paid time; NULL: not paid
 *     source            INTEGER ledger_file.id  } provenance of the values
 *     line              INTEGER line in it      } now stored: the import
 *                                                 that last changed them
 *     PRIMARY KEY (channel, kind, key), WITHOUT ROWID: the table itself is
 *     the (channel, kind, key) ordered index the merge-join scans.
 *
 *   ledger_file         id INTEGER PRIMARY KEY, path TEXT UNIQUE: the files
 *                       imported, by the decoder's name for them (a path
 *                       repeated on a million rows would be a sixth of
 *                       the table)
 *
 *   ledger_paid         index (channel, paid_at) of the paid rows: the run
 *                       takes the items paid inside one day's window.
 *   ledger_refund_order index (channel, order_code) of refunds: an order's
 *                       refunds.
 *
 * Keys compare with SQLite's BINARY collation, i.e. as memcmp() of the
 * UTF-8 bytes, which is what strcmp() gives the statement side.
 *
 * migrations[] below takes a database from any earlier version to this
 * one; a step is never edited once shipped, a change is a new step. Other
 * modules keep their tables in the same database through ledger_db() and
 * version them themselves (runstore.c).
 *
 * Speed: a put is one prepared INSERT (plus an UPDATE when the key is
 * there), all inside the caller's transaction. Into an empty ledger the
 * secondary indexes are dropped at the first put and built again, sorted,
 * at commit (bulk_start): the first import of a big ledger is the slow
 * one people wait for.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "recon/diag.h"
#include "recon/ledger.h"
#include "recon/ledger_days.h"
#include "recon/steptime.h"
#include "recon/strbuf.h"
#include "recon/util.h"

/* Waited for at open when the schema must be migrated under another
 * process's write lock. */
#define OPEN_BUSY_MS 10000
/* Page cache in KiB: a million-row import touches about 150 MB of pages;
 * keeping the hot b-tree pages in memory is most of the bulk-load speed. */
#define CACHE_KIB 65536
/* For new databases: fewer, fuller pages make a bulk load and its
 * checkpoint cheaper; a day's lookups do not notice. */
#define PAGE_SIZE 16384

struct ledger {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *ins, *upd, *get, *file_ins, *file_get;
	const char *file;     /* the last record's file, and its ledger_file.id */
	int64_t file_id;
	int in_txn;           /* inside ledger_begin .. commit/rollback */
	int txn_checked;      /* the first put of this transaction has looked */
	char **reindex;       /* CREATE INDEX statements to run before commit */
	struct ledger_days *days;   /* day files to bring up to date at commit */
	size_t nreindex;
	/* diag is not thread-safe: messages from another thread than the
	 * opener's wait here for the opener's next ledger call. */
	pthread_t owner;
	struct held {
		enum recon_exit status;
		char *file, *msg;
		int64_t line;
	} held[8];
	size_t nheld, dropped;
};

struct ledger_cursor {
	struct ledger *l;
	sqlite3_stmt *st;
};

static const char *const migrations[] = {
	/* 1: the ledger */
	"CREATE TABLE ledger_file (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);"
	"CREATE TABLE ledger ("
	" channel TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" key TEXT NOT NULL CHECK (key <> ''),"
	" order_code TEXT NOT NULL,"
	" refund_code TEXT,"
	" channel_txn_id TEXT,"
	" amount INTEGER NOT NULL,"
	" currency TEXT NOT NULL,"
	" fee INTEGER NOT NULL DEFAULT 0,"
	" status TEXT NOT NULL,"
	" created_at INTEGER,"
	" created_off INTEGER,"
	" paid_at INTEGER,"
	" paid_off INTEGER,"
	" source INTEGER REFERENCES ledger_file (id),"
	" line INTEGER,"
	" PRIMARY KEY (channel, kind, key)"
	") WITHOUT ROWID;"
	"CREATE INDEX ledger_paid ON ledger (channel, paid_at) WHERE paid_at IS NOT NULL;"
	"CREATE INDEX ledger_refund_order ON ledger (channel, order_code) WHERE kind = 'REFUND';",
	/* 2: paid-day files (src/ledger_days.c) */
	"CREATE TABLE ledger_day ("
	" channel TEXT NOT NULL,"
	" day INTEGER NOT NULL,"
	" window_from INTEGER NOT NULL,"
	" window_to INTEGER NOT NULL,"
	" gen INTEGER NOT NULL,"
	" rows INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" stale INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (channel, day)"
	");"
	"CREATE TRIGGER ledger_day_update AFTER UPDATE ON ledger BEGIN"
	" UPDATE ledger_day SET stale = 1 WHERE NOT stale AND channel IN (old.channel, new.channel)"
	" AND ((old.paid_at >= window_from AND old.paid_at < window_to)"
	" OR (new.paid_at >= window_from AND new.paid_at < window_to));"
	" END;"
	"CREATE TRIGGER ledger_day_delete AFTER DELETE ON ledger BEGIN"
	" UPDATE ledger_day SET stale = 1 WHERE NOT stale AND channel = old.channel"
	" AND old.paid_at >= window_from AND old.paid_at < window_to;"
	" END;",
};
#define SCHEMA_VERSION ((int)ARRAY_SIZE(migrations))

/* The columns a record is read from, in the order row_to_record() wants. */
#define RECORD_COLS "channel, kind, order_code, refund_code, channel_txn_id, amount," \
	" currency, fee, status, created_at, created_off, paid_at, paid_off, line"

/* Print the messages other threads left, in their order. */
static void flush_held(struct ledger *l)
{
	size_t i;

	if (!pthread_equal(pthread_self(), l->owner))
		return;
	for (i = 0; i < l->nheld; i++) {
		error_at(l->held[i].status, l->held[i].file, l->held[i].line, "%s", l->held[i].msg);
		free(l->held[i].file);
		free(l->held[i].msg);
	}
	if (l->dropped)
		error_at(RX_INTERNAL, l->path, 0, "%zu more database errors not shown", l->dropped);
	l->nheld = l->dropped = 0;
}

static void report(struct ledger *l, enum recon_exit status, const char *file, int64_t line,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void report(struct ledger *l, enum recon_exit status, const char *file, int64_t line,
		   const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (pthread_equal(pthread_self(), l->owner)) {
		flush_held(l);
		error_at(status, file, line, "%s", sb.buf);
	} else if (l->nheld < ARRAY_SIZE(l->held)) {
		l->held[l->nheld].status = status;
		l->held[l->nheld].file = file ? xstrdup(file) : NULL;
		l->held[l->nheld].line = line;
		l->held[l->nheld].msg = sb_detach(&sb, NULL);
		l->nheld++;
	} else {
		l->dropped++;
	}
	sb_release(&sb);
}

static void db_error(struct ledger *l, const char *what)
{
	report(l, RX_INTERNAL, l->path, 0, "%s: %s", what, sqlite3_errmsg(l->db));
}

static int exec(struct ledger *l, const char *sql, const char *what)
{
	if (sqlite3_exec(l->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		db_error(l, what);
		return -1;
	}
	return 0;
}

static int prepare(struct ledger *l, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
		db_error(l, "prepare");
		return -1;
	}
	return 0;
}

static int user_version(struct ledger *l, int *v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(l->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
		db_error(l, "schema version");
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		db_error(l, "schema version");
		return -1;
	}
	return 0;
}

static int migrate(struct ledger *l)
{
	char sql[64];
	int v, i;

	if (user_version(l, &v) < 0)
		return -1;
	if (v == SCHEMA_VERSION)
		return 0;
	if (v > SCHEMA_VERSION) {
		report(l, RX_INTERNAL, l->path, 0,
		       "database schema version %d is newer than this recon knows (%d)",
		       v, SCHEMA_VERSION);
		return -1;
	}
	if (ledger_begin(l, OPEN_BUSY_MS) < 0)
		return -1;
	/* Another recon may have migrated while we waited for the lock. */
	if (user_version(l, &v) < 0)
		goto fail;
	for (i = v; i < SCHEMA_VERSION; i++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if (exec(l, migrations[i], "create schema") < 0 ||
		    exec(l, sql, "create schema") < 0)
			goto fail;
	}
	return ledger_commit(l);
fail:
	ledger_rollback(l);
	return -1;
}

static int prepare_all(struct ledger *l)
{
	static const char ins[] =
		"INSERT INTO ledger (channel, kind, key, order_code, refund_code,"
		" channel_txn_id, amount, currency, fee, status, created_at, created_off,"
		" paid_at, paid_off, source, line)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
		" ON CONFLICT DO NOTHING";
	/* Provenance is not compared: importing the same values from another
	 * file leaves the row (and the file it came from) as it was. */
	static const char upd[] =
		"UPDATE ledger SET order_code = ?4, refund_code = ?5, channel_txn_id = ?6,"
		" amount = ?7, currency = ?8, fee = ?9, status = ?10, created_at = ?11,"
		" created_off = ?12, paid_at = ?13, paid_off = ?14, source = ?15, line = ?16"
		" WHERE channel = ?1 AND kind = ?2 AND key = ?3 AND ("
		" order_code IS NOT ?4 OR refund_code IS NOT ?5 OR channel_txn_id IS NOT ?6"
		" OR amount IS NOT ?7 OR currency IS NOT ?8 OR fee IS NOT ?9 OR status IS NOT ?10"
		" OR created_at IS NOT ?11 OR created_off IS NOT ?12"
		" OR paid_at IS NOT ?13 OR paid_off IS NOT ?14)";
	static const char get[] =
		"SELECT " RECORD_COLS " FROM ledger WHERE channel = ?1 AND kind = ?2 AND key = ?3";

	return prepare(l, ins, &l->ins) < 0 || prepare(l, upd, &l->upd) < 0 ||
	       prepare(l, get, &l->get) < 0 ||
	       prepare(l, "INSERT INTO ledger_file (path) VALUES (?1) ON CONFLICT DO NOTHING",
		       &l->file_ins) < 0 ||
	       prepare(l, "SELECT id FROM ledger_file WHERE path = ?1", &l->file_get) < 0 ? -1 : 0;
}

struct ledger *ledger_open(const char *path, int create)
{
	struct ledger *l;
	struct stat stb;
	char pragmas[256];
	/* NOMUTEX: a connection is used by one thread; the mutexes cost
	 * several percent of a bulk load. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	/* Memory statistics take a global mutex on every allocation. This
	 * only works before SQLite initialises, so the first open decides. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	else if (stat(path, &stb) < 0) {
		/* SQLite would only say "unable to open database file". */
		error_at(RX_INTERNAL, path, 0, "cannot open database: %s", strerror(errno));
		return NULL;
	}
	l = xcalloc(1, sizeof(*l));
	l->path = xstrdup(path);
	l->owner = pthread_self();
	if (sqlite3_open_v2(path, &l->db, flags, NULL) != SQLITE_OK) {
		if (!l->db) {
			error_at(RX_INTERNAL, path, 0, "cannot open database: out of memory");
		} else {
			db_error(l, "cannot open database");
		}
		ledger_close(l);
		return NULL;
	}
	sqlite3_extended_result_codes(l->db, 1);
	sqlite3_busy_timeout(l->db, OPEN_BUSY_MS);
	/* WAL: readers never block the writer, and one fsync per commit.
	 * synchronous=NORMAL in WAL loses at most the last commit on power
	 * loss, never consistency; an import can be run again. Temporary
	 * storage in files (the default), not memory: building an index of
	 * 20 million rows sorts them, and in memory that took 1.7 GB. */
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA page_size = %d; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		 " PRAGMA foreign_keys = ON; PRAGMA temp_store = FILE;"
		 " PRAGMA cache_size = -%d; PRAGMA threads = 2;", PAGE_SIZE, CACHE_KIB);
	if (exec(l, pragmas, "cannot open database") < 0 || migrate(l) < 0 ||
	    prepare_all(l) < 0) {
		ledger_close(l);
		return NULL;
	}
	return l;
}

static void reindex_free(struct ledger *l)
{
	size_t i;

	for (i = 0; i < l->nreindex; i++)
		free(l->reindex[i]);
	free(l->reindex);
	l->reindex = NULL;
	l->nreindex = 0;
}

void ledger_close(struct ledger *l)
{
	if (!l)
		return;
	flush_held(l);
	reindex_free(l);
	ledger_days_end(l->days, 0);
	sqlite3_finalize(l->ins);
	sqlite3_finalize(l->upd);
	sqlite3_finalize(l->get);
	sqlite3_finalize(l->file_ins);
	sqlite3_finalize(l->file_get);
	if (l->db) {
		if (!sqlite3_get_autocommit(l->db))
			sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
		/* _v2: a cursor the caller forgot keeps the handle alive until
		 * it is closed, instead of failing here. */
		sqlite3_close_v2(l->db);
	}
	free(l->path);
	free(l);
}

struct sqlite3 *ledger_db(struct ledger *l)
{
	return l->db;
}

int ledger_begin(struct ledger *l, int busy_ms)
{
	int rc;

	flush_held(l);
	sqlite3_busy_timeout(l->db, busy_ms);
	rc = sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		l->in_txn = 1;
		l->txn_checked = 0;
		return 0;
	}
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		report(l, RX_INTERNAL, l->path, 0, "another recon is using this workspace");
	else
		db_error(l, "begin");
	return -1;
}

/*
 * Loading into an empty ledger (the first import, usually the biggest) is
 * a third faster when the secondary indexes are dropped for the load and
 * built again from sorted data before the commit. The drop is part of the
 * transaction, so a rollback brings them back untouched. Until the commit,
 * queries on this connection run without those indexes.
 */
static int bulk_start(struct ledger *l)
{
	sqlite3_stmt *st;
	struct strbuf sql = STRBUF_INIT;
	size_t alloc = 0;
	int rc, empty;

	if (sqlite3_prepare_v2(l->db, "SELECT NOT EXISTS (SELECT 1 FROM ledger)", -1, &st,
			       NULL) != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(st);
	empty = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		goto fail;
	if (!empty)
		return 0;
	if (l->days)
		ledger_days_fresh(l->days);
	if (sqlite3_prepare_v2(l->db, "SELECT name, sql FROM sqlite_schema WHERE type = 'index'"
			       " AND tbl_name = 'ledger' AND sql IS NOT NULL", -1, &st,
			       NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sb_addf(&sql, "DROP INDEX \"%s\";", (const char *)sqlite3_column_text(st, 0));
		l->reindex = xgrow(l->reindex, &alloc, l->nreindex + 1, sizeof(*l->reindex));
		l->reindex[l->nreindex++] = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if (l->nreindex && sqlite3_exec(l->db, sql.buf, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	sb_release(&sql);
	return 0;
fail:
	db_error(l, "bulk load");
	sb_release(&sql);
	reindex_free(l);
	return -1;
}

static void txn_end(struct ledger *l)
{
	/* A rolled back transaction may take the cached file row with it. */
	l->file = NULL;
	l->in_txn = 0;
	l->txn_checked = 0;
	reindex_free(l);
	ledger_days_end(l->days, 0);
	l->days = NULL;
}

int ledger_commit(struct ledger *l)
{
	double t0 = steptime_now();
	size_t i;

	flush_held(l);
	/* Day files from the new rows are written while indexes are built. */
	if (l->days && ledger_days_start(l->days) < 0) {
		ledger_rollback(l);
		return -1;
	}
	for (i = 0; i < l->nreindex; i++) {
		if (sqlite3_exec(l->db, l->reindex[i], NULL, NULL, NULL) != SQLITE_OK) {
			db_error(l, "create index");
			ledger_rollback(l);
			return -1;
		}
	}
	if (l->nreindex)
		steptime_note("ledger", "reindex", t0, -1, 0);
	t0 = steptime_now();
	if (l->days && ledger_days_finish(l->days) < 0) {
		ledger_rollback(l);
		return -1;
	}
	if (l->days)
		steptime_note("ledger", "day-files", t0, -1, 0);
	t0 = steptime_now();
	if (sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_error(l, "commit");
		ledger_rollback(l);
		return -1;
	}
	ledger_days_end(l->days, 1);
	l->days = NULL;
	txn_end(l);
	steptime_note("ledger", "commit", t0, -1, 0);
	return 0;
}

void ledger_rollback(struct ledger *l)
{
	flush_held(l);
	if (!sqlite3_get_autocommit(l->db))
		sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
	txn_end(l);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_time(sqlite3_stmt *st, int i, int64_t t, int32_t off)
{
	if (t == REC_NO_TIME) {
		sqlite3_bind_null(st, i);
		sqlite3_bind_null(st, i + 1);
	} else {
		sqlite3_bind_int64(st, i, t);
		sqlite3_bind_int(st, i + 1, off);
	}
}

static void bind_record(sqlite3_stmt *st, const struct record *r, int64_t file_id)
{
	sqlite3_bind_text(st, 1, r->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rec_kind_name(r->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, record_key(r), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->order_code, -1, SQLITE_STATIC);
	bind_text(st, 5, r->refund_code);
	bind_text(st, 6, r->channel_txn_id);
	sqlite3_bind_int64(st, 7, r->amount);
	sqlite3_bind_text(st, 8, r->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, r->fee);
	sqlite3_bind_text(st, 10, rec_status_name(r->status), -1, SQLITE_STATIC);
	bind_time(st, 11, r->time, r->time_off);
	bind_time(st, 13, r->paid_time, r->paid_off);
	if (file_id)
		sqlite3_bind_int64(st, 15, file_id);
	else
		sqlite3_bind_null(st, 15);
	sqlite3_bind_int64(st, 16, r->line);
}

/* Run a bound write statement; the number of rows it changed, or -1. */
static int step_write(struct ledger *l, sqlite3_stmt *st, const struct record *r)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		report(l, RX_INTERNAL, l->path, 0, "%s %s %s: %s", r->channel,
		       rec_kind_name(r->kind), record_key(r), sqlite3_errmsg(l->db));
		return -1;
	}
	return sqlite3_changes(l->db);
}

/* The ledger_file.id of r's file, added when new; 0 for no file, -1 on
 * error. Decoders intern file names, so a pointer compare is the fast path. */
static int64_t file_id(struct ledger *l, const struct record *r)
{
	int rc;

	if (!r->file || !*r->file)
		return 0;
	if (l->file == r->file)
		return l->file_id;
	sqlite3_bind_text(l->file_ins, 1, r->file, -1, SQLITE_STATIC);
	rc = sqlite3_step(l->file_ins);
	sqlite3_reset(l->file_ins);
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_bind_text(l->file_get, 1, r->file, -1, SQLITE_STATIC);
	rc = sqlite3_step(l->file_get);
	if (rc == SQLITE_ROW)
		l->file_id = sqlite3_column_int64(l->file_get, 0);
	sqlite3_reset(l->file_get);
	if (rc != SQLITE_ROW)
		goto fail;
	/* Only remembered inside a transaction: outside one nothing tells us
	 * when another connection could change the table. */
	l->file = l->in_txn ? r->file : NULL;
	return l->file_id;
fail:
	db_error(l, r->file);
	return -1;
}

int ledger_put(struct ledger *l, const struct record *r)
{
	int64_t fid;
	int n, res;

	/* The importer checks this per row; this is the last line of defence
	 * (the schema's CHECK would name neither file nor line). */
	if (!*record_key(r) || !*r->channel) {
		report(l, RX_BADINPUT, r->file, r->line, "%s: empty",
		       !*r->channel ? "channel" : r->kind == KIND_REFUND ? "refund_code" : "order_code");
		return -1;
	}

	if (l->in_txn && !l->txn_checked) {
		l->txn_checked = 1;
		if (bulk_start(l) < 0)
			return -1;
	}
	fid = file_id(l, r);
	if (fid < 0)
		return -1;
	/* Insert first: on a fresh import that is the only statement run. */
	bind_record(l->ins, r, fid);
	n = step_write(l, l->ins, r);
	if (n < 0)
		return -1;
	if (n) {
		res = LEDGER_INSERTED;
	} else {
		bind_record(l->upd, r, fid);
		n = step_write(l, l->upd, r);
		if (n < 0)
			return -1;
		res = n ? LEDGER_UPDATED : LEDGER_UNCHANGED;
	}
	if (l->days)
		ledger_days_put(l->days, r, res);
	return res;
}

void ledger_keep_days(struct ledger *l, const struct conf *c, size_t memory)
{
	ledger_days_end(l->days, 0);
	l->days = ledger_days_new(l, c, memory);
}

void ledger_note_row(struct ledger *l, const struct record *r)
{
	if (l->days)
		ledger_days_note(l->days, r);
}

const char *ledger_path(const struct ledger *l)
{
	return l->path;
}

static void col_text(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	size_t n = s ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

static void col_time(sqlite3_stmt *st, int i, int64_t *t, int32_t *off)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		*t = REC_NO_TIME;
		*off = 0;
	} else {
		*t = sqlite3_column_int64(st, i);
		*off = sqlite3_column_int(st, i + 1);
	}
}

/* Fill r from a row selected with RECORD_COLS. */
static void row_to_record(sqlite3_stmt *st, struct record *r)
{
	char name[16];
	int v;

	record_init(r);
	col_text(st, 0, r->channel, sizeof(r->channel));
	col_text(st, 1, name, sizeof(name));
	v = rec_kind_parse(name);
	r->kind = (uint8_t)(v < 0 ? KIND_PAY : v);
	col_text(st, 2, r->order_code, sizeof(r->order_code));
	col_text(st, 3, r->refund_code, sizeof(r->refund_code));
	col_text(st, 4, r->channel_txn_id, sizeof(r->channel_txn_id));
	r->amount = sqlite3_column_int64(st, 5);
	col_text(st, 6, r->currency, sizeof(r->currency));
	r->fee = sqlite3_column_int64(st, 7);
	col_text(st, 8, name, sizeof(name));
	v = rec_status_parse(name);
	r->status = (uint8_t)(v < 0 ? STATUS_FAILED : v);
	col_time(st, 9, &r->time, &r->time_off);
	col_time(st, 11, &r->paid_time, &r->paid_off);
	r->line = sqlite3_column_int64(st, 13);
}

int ledger_get(struct ledger *l, const char *channel, int kind, const char *key,
	       struct record *r)
{
	int rc;

	sqlite3_bind_text(l->get, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(l->get, 2, rec_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(l->get, 3, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(l->get);
	if (rc == SQLITE_ROW)
		row_to_record(l->get, r);
	sqlite3_reset(l->get);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	db_error(l, "lookup");
	return -1;
}

static struct ledger_cursor *cursor_new(struct ledger *l, const char *sql)
{
	struct ledger_cursor *c = xcalloc(1, sizeof(*c));

	c->l = l;
	if (sqlite3_prepare_v2(l->db, sql, -1, &c->st, NULL) != SQLITE_OK) {
		db_error(l, "scan");
		free(c);
		return NULL;
	}
	return c;
}

struct ledger_cursor *ledger_scan(struct ledger *l, const char *channel, int kind,
				  const char *from)
{
	struct ledger_cursor *c = cursor_new(l,
		"SELECT " RECORD_COLS " FROM ledger"
		" WHERE channel = ?1 AND kind = ?2 AND key >= ?3 ORDER BY key");

	if (!c)
		return NULL;
	/* SQLITE_TRANSIENT: the caller's strings need not outlive the call. */
	sqlite3_bind_text(c->st, 1, channel, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->st, 2, rec_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(c->st, 3, from ? from : "", -1, SQLITE_TRANSIENT);
	return c;
}

struct ledger_cursor *ledger_scan_paid(struct ledger *l, const char *channel,
				       int64_t from, int64_t to)
{
	struct ledger_cursor *c = cursor_new(l,
		/* The unary + keeps the planner from walking the whole channel
		 * in primary-key order to spare a sort: one day is a small
		 * slice of a ledger, so ledger_paid and a sort are cheaper. */
		"SELECT " RECORD_COLS " FROM ledger"
		" WHERE channel = ?1 AND paid_at >= ?2 AND paid_at < ?3 ORDER BY +kind, +key");

	if (!c)
		return NULL;
	sqlite3_bind_text(c->st, 1, channel, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(c->st, 2, from);
	sqlite3_bind_int64(c->st, 3, to);
	return c;
}

int ledger_scan_next(struct ledger_cursor *c, struct record *r)
{
	int rc = sqlite3_step(c->st);

	if (rc == SQLITE_ROW) {
		row_to_record(c->st, r);
		return 1;
	}
	if (rc == SQLITE_DONE)
		return 0;
	db_error(c->l, "scan");
	return -1;
}

void ledger_scan_close(struct ledger_cursor *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->st);
	free(c);
}
