/*
 * archive_index.c: which archived object is which channel's statement for
 * which day, in the workspace database. Versioned by its own table,
 * archive_schema (the ledger's user_version belongs to ledger.c):
 *
 *   statements      one row per copy of a channel's statement for a day:
 *                   channel, date (TEXT YYYY-MM-DD), source (the address
 *                   with credentials masked), sha256 (hex, the object's
 *                   name), size, fetched_at (UTC ISO 8601). A re-fetch of
 *                   the same bytes adds no row; a re-issue adds one, so
 *                   the highest id of (channel, date) is the latest copy.
 *
 * Steps of steps[] are never edited once shipped; a change is a new step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "recon/archive.h"
#include "recon/dbschema.h"
#include "recon/diag.h"
#include "recon/record.h"
#include "recon/util.h"

static const char *const steps[] = {
	/* 1 */
	"CREATE TABLE statements ("
	" id INTEGER PRIMARY KEY,"
	" channel TEXT NOT NULL,"
	" date TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" fetched_at TEXT NOT NULL);"
	"CREATE INDEX statements_day ON statements (channel, date, id);"
	"CREATE INDEX statements_sha256 ON statements (sha256);",
};
#define INDEX_VERSION ((int)ARRAY_SIZE(steps))

#define COLUMNS "id, channel, date, source, sha256, size, fetched_at"

enum { Q_LATEST, Q_LIST, Q_INSERT, Q__COUNT };

static const char *const sql[Q__COUNT] = {
	[Q_LATEST] = ("SELECT " COLUMNS " FROM statements WHERE channel = ?1 AND date = ?2"
		      " ORDER BY id DESC LIMIT 1"),
	[Q_LIST] = ("SELECT " COLUMNS " FROM statements WHERE channel = ?1 AND date = ?2"
		    " ORDER BY id"),
	[Q_INSERT] = ("INSERT INTO statements (channel, date, source, sha256, size, fetched_at)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
};

struct archive_index {
	sqlite3 *db;
	char *name;
	int exists;
	sqlite3_stmt *q[Q__COUNT];
};

static int db_fail(struct archive_index *ix, const char *what)
{
	error_at(RX_INTERNAL, ix->name, 0, "%s: %s", what, sqlite3_errmsg(ix->db));
	return -1;
}

static int exec(struct archive_index *ix, const char *s, const char *what)
{
	if (sqlite3_exec(ix->db, s, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(ix, what);
	return 0;
}

/* Our own transaction unless the caller has one open: 1 begun, 0 joined,
 * -1 on error. */
static int begin(struct archive_index *ix, const char *what)
{
	if (!sqlite3_get_autocommit(ix->db))
		return 0;
	return exec(ix, "BEGIN IMMEDIATE", what) < 0 ? -1 : 1;
}

static int end(struct archive_index *ix, int began, int ok, const char *what)
{
	if (!began)
		return ok ? 0 : -1;
	if (ok)
		return exec(ix, "COMMIT", what);
	sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int schema_version(struct archive_index *ix, int *v)
{
	if (dbschema_version(ix->db, "archive", v) != SQLITE_OK)
		return db_fail(ix, "archive index version");
	return 0;
}

static int migrate(struct archive_index *ix)
{
	const char *what = "create archive index";
	int began, v, ok = 0;

	/* Up to date: no write, so no wait for another recon's lock. */
	if (schema_version(ix, &v) < 0)
		return -1;
	if (v == INDEX_VERSION)
		return 0;
	began = begin(ix, what);
	if (began < 0)
		return -1;
	/* Read the version inside the transaction: another recon may have
	 * just migrated. */
	if (schema_version(ix, &v) < 0)
		goto out;
	if (v > INDEX_VERSION) {
		error_at(RX_INTERNAL, ix->name, 0,
			 "archive index version %d is newer than this recon knows (%d)",
			 v, INDEX_VERSION);
		goto out;
	}
	if (dbschema_apply(ix->db, "archive", steps, INDEX_VERSION, v) != SQLITE_OK) {
		db_fail(ix, what);
		goto out;
	}
	ok = 1;
out:
	return end(ix, began, ok, what);
}

/* See whether the table is there (another connection may have made it
 * since) and prepare the statements once it is. 0 or -1. */
static int attach(struct archive_index *ix)
{
	int v, i;

	if (ix->exists)
		return 0;
	if (schema_version(ix, &v) < 0)
		return -1;
	if (!v)
		return 0;
	if (v != INDEX_VERSION) {
		error_at(RX_INTERNAL, ix->name, 0, "archive index version %d, this recon knows %d",
			 v, INDEX_VERSION);
		return -1;
	}
	for (i = 0; i < Q__COUNT; i++)
		if (sqlite3_prepare_v3(ix->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ix->q[i],
				       NULL) != SQLITE_OK)
			return db_fail(ix, "prepare");
	ix->exists = 1;
	return 0;
}

struct archive_index *archive_index_open(struct sqlite3 *db, const char *name, int create)
{
	struct archive_index *ix = xcalloc(1, sizeof(*ix));

	ix->db = db;
	ix->name = xstrdup(name);
	if ((create && migrate(ix) < 0) || attach(ix) < 0) {
		archive_index_close(ix);
		return NULL;
	}
	return ix;
}

void archive_index_close(struct archive_index *ix)
{
	int i;

	if (!ix)
		return;
	for (i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(ix->q[i]);
	free(ix->name);
	free(ix);
}

void archived_release(struct archived *a)
{
	free(a->source);
	a->source = NULL;
}

void archived_free_array(struct archived *a, int n)
{
	int i;

	for (i = 0; i < n; i++)
		archived_release(&a[i]);
	free(a);
}

static void text_col(sqlite3_stmt *st, int col, char *buf, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(buf, n, "%s", t ? (const char *)t : "");
}

static void read_row(sqlite3_stmt *st, struct archived *a)
{
	const unsigned char *src = sqlite3_column_text(st, 3);

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, 0);
	text_col(st, 1, a->channel, sizeof(a->channel));
	text_col(st, 2, a->date, sizeof(a->date));
	a->source = xstrdup(src ? (const char *)src : "");
	text_col(st, 4, a->sha256, sizeof(a->sha256));
	a->size = (uint64_t)sqlite3_column_int64(st, 5);
	text_col(st, 6, a->fetched_at, sizeof(a->fetched_at));
}

int archive_index_latest(struct archive_index *ix, const char *channel, const char *date,
			 struct archived *out)
{
	sqlite3_stmt *st;
	int rc;

	if (attach(ix) < 0)
		return -1;
	if (!ix->exists)
		return 0;
	st = ix->q[Q_LATEST];
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_row(st, out);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(ix, "archive index");
}

int archive_index_list(struct archive_index *ix, const char *channel, const char *date,
		       struct archived **out)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int n = 0, rc;

	*out = NULL;
	if (attach(ix) < 0)
		return -1;
	if (!ix->exists)
		return 0;
	st = ix->q[Q_LIST];
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xgrow(*out, &alloc, (size_t)n + 1, sizeof(**out));
		read_row(st, &(*out)[n++]);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		archived_free_array(*out, n);
		*out = NULL;
		return db_fail(ix, "archive index");
	}
	return n;
}

int archive_index_record(struct archive_index *ix, struct archived *a, struct archived *prev)
{
	const char *what = "archive index";
	sqlite3_stmt *st;
	struct archived last;
	int began, have = 0, result = -1;

	if (prev)
		memset(prev, 0, sizeof(*prev));
	if (attach(ix) < 0)
		return -1;
	st = ix->q[Q_INSERT];
	if (!ix->exists) {
		error_at(RX_INTERNAL, ix->name, 0, "archive index: not created");
		return -1;
	}
	began = begin(ix, what);
	if (began < 0)
		return -1;
	have = archive_index_latest(ix, a->channel, a->date, &last);
	if (have < 0)
		goto out;
	if (have && !strcmp(last.sha256, a->sha256)) {
		a->id = last.id;
		snprintf(a->fetched_at, sizeof(a->fetched_at), "%s", last.fetched_at);
		result = ARCHIVE_SAME;
		goto out;
	}
	rec_time_format((int64_t)time(NULL), 0, a->fetched_at);
	sqlite3_bind_text(st, 1, a->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)a->size);
	sqlite3_bind_text(st, 6, a->fetched_at, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		db_fail(ix, what);
		goto out;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	a->id = sqlite3_last_insert_rowid(ix->db);
	result = have ? ARCHIVE_REISSUED : ARCHIVE_FIRST;
out:
	if (have > 0 && prev && result == ARCHIVE_REISSUED) {
		*prev = last;
		have = 0;
	}
	if (have > 0)
		archived_release(&last);
	if (end(ix, began, result >= 0, what) < 0) {
		if (prev)
			archived_release(prev);
		return -1;
	}
	return result;
}
