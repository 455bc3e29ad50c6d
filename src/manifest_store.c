/*
 * manifest_store.c: run manifests in the workspace database, versioned by
 * manifest_schema (dbschema.h).
 *
 *   manifests          one per `recon run` that recorded a day: its number
 *                      (replay --run N), date, when (UTC), recon's version.
 *   manifest_runs      one per channel's run: the statement, format and
 *                      rules files (name, SHA-256), the settings, the
 *                      window, the ledger and suspense extracts (SHA-256 of
 *                      the text, the archived gzip object, size), the date
 *                      of the run suspense came from; manifest_id is the
 *                      manifest of the recon run that ran it.
 *   manifest_members   (manifest_id, channel) -> manifest_runs.id: the
 *                      channel runs a manifest's files are made of (NULL:
 *                      a run recorded before manifests).
 *   manifest_files     outputs: a manifest's day files (role 'day') or a
 *                      channel run's rejects file ('rejects') and share
 *                      ('share'): name, SHA-256, archived gzip copy, size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "recon/dbschema.h"
#include "recon/diag.h"
#include "recon/manifest.h"
#include "recon/util.h"

static const char *const steps[] = {
	/* 1 */
	"CREATE TABLE manifests ("
	" id INTEGER PRIMARY KEY,"
	" date TEXT NOT NULL,"
	" created TEXT NOT NULL,"
	" recon_version TEXT NOT NULL);"
	"CREATE INDEX manifests_date ON manifests (date, id);"
	"CREATE TABLE manifest_runs ("
	" id INTEGER PRIMARY KEY,"
	" manifest_id INTEGER NOT NULL REFERENCES manifests (id),"
	" run_id INTEGER NOT NULL,"
	" date TEXT NOT NULL,"
	" channel TEXT NOT NULL,"
	" recon_version TEXT NOT NULL,"
	" statement TEXT NOT NULL,"
	" statement_sha256 TEXT NOT NULL,"
	" statement_size INTEGER NOT NULL,"
	" format TEXT NOT NULL,"
	" format_file TEXT,"
	" format_sha256 TEXT NOT NULL,"
	" rules_recorded INTEGER NOT NULL,"
	" rules TEXT,"
	" rules_file TEXT,"
	" rules_sha256 TEXT,"
	" timezone TEXT NOT NULL,"
	" cutoff INTEGER NOT NULL,"
	" grace_days INTEGER NOT NULL,"
	" allow_rejects INTEGER NOT NULL,"
	" memory INTEGER,"
	" window_from INTEGER NOT NULL,"
	" window_to INTEGER NOT NULL,"
	" ledger_sha256 TEXT NOT NULL,"
	" ledger_object TEXT NOT NULL,"
	" ledger_size INTEGER NOT NULL,"
	" ledger_rows INTEGER NOT NULL,"
	" suspense_sha256 TEXT NOT NULL,"
	" suspense_object TEXT NOT NULL,"
	" suspense_size INTEGER NOT NULL,"
	" previous_run TEXT);"
	"CREATE INDEX manifest_runs_run ON manifest_runs (run_id, id);"
	"CREATE TABLE manifest_members ("
	" manifest_id INTEGER NOT NULL REFERENCES manifests (id),"
	" channel TEXT NOT NULL,"
	" manifest_run_id INTEGER REFERENCES manifest_runs (id),"
	" PRIMARY KEY (manifest_id, channel));"
	"CREATE TABLE manifest_files ("
	" manifest_id INTEGER REFERENCES manifests (id),"
	" manifest_run_id INTEGER REFERENCES manifest_runs (id),"
	" role TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" object TEXT NOT NULL,"
	" size INTEGER NOT NULL);"
	"CREATE INDEX manifest_files_day ON manifest_files (manifest_id);"
	"CREATE INDEX manifest_files_run ON manifest_files (manifest_run_id);",
};
#define VERSION ((int)ARRAY_SIZE(steps))

static int db_fail(sqlite3 *db, const char *name, const char *what)
{
	error_at(RX_INTERNAL, name, 0, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

int manifest_store_exists(sqlite3 *db, const char *dbname)
{
	int v;

	if (dbschema_version(db, "manifest", &v) != SQLITE_OK)
		return db_fail(db, dbname, "manifest tables");
	if (v > VERSION) {
		error_at(RX_INTERNAL, dbname, 0, "manifest tables version %d are newer than this "
			 "recon knows (%d)", v, VERSION);
		return -1;
	}
	return v > 0;
}

int manifest_store_create(sqlite3 *db, const char *dbname)
{
	int v;

	if (dbschema_version(db, "manifest", &v) != SQLITE_OK)
		return db_fail(db, dbname, "manifest tables");
	if (v > VERSION) {
		error_at(RX_INTERNAL, dbname, 0, "manifest tables version %d are newer than this "
			 "recon knows (%d)", v, VERSION);
		return -1;
	}
	if (v < VERSION && dbschema_apply(db, "manifest", steps, VERSION, v) != SQLITE_OK)
		return db_fail(db, dbname, "create manifest tables");
	return 0;
}

static int prepare(sqlite3 *db, const char *dbname, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return db_fail(db, dbname, "manifest");
	return 0;
}

/* Step a write; finalizes st. */
static int done(sqlite3 *db, const char *dbname, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, dbname, what);
	return 0;
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_hex(sqlite3_stmt *st, int i, const char *hex)
{
	bind_str(st, i, *hex ? hex : NULL);
}

int manifest_store_new_day(sqlite3 *db, const char *dbname, const char *date,
			   const char *created, const char *version, int64_t *id)
{
	sqlite3_stmt *st;

	if (prepare(db, dbname, "INSERT INTO manifests (date, created, recon_version)"
		    " VALUES (?1, ?2, ?3)", &st) < 0)
		return -1;
	bind_str(st, 1, date);
	bind_str(st, 2, created);
	bind_str(st, 3, version);
	if (done(db, dbname, st, "record the manifest") < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(db);
	return 0;
}

static int store_file(sqlite3 *db, const char *dbname, int64_t day_id, int64_t run_id,
		      const char *role, const struct manifest_file *f)
{
	sqlite3_stmt *st;

	if (prepare(db, dbname, "INSERT INTO manifest_files (manifest_id, manifest_run_id, role,"
		    " name, sha256, object, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st) < 0)
		return -1;
	if (day_id)
		sqlite3_bind_int64(st, 1, day_id);
	if (run_id)
		sqlite3_bind_int64(st, 2, run_id);
	bind_str(st, 3, role);
	bind_str(st, 4, f->name);
	bind_str(st, 5, f->sha256);
	bind_str(st, 6, f->object);
	sqlite3_bind_int64(st, 7, (int64_t)f->size);
	return done(db, dbname, st, "record an output");
}

int manifest_store_run(sqlite3 *db, const char *dbname, struct manifest_run *r)
{
	sqlite3_stmt *st;
	size_t i;

	if (prepare(db, dbname,
		    "INSERT INTO manifest_runs (manifest_id, run_id, date, channel, recon_version,"
		    " statement, statement_sha256, statement_size, format, format_file,"
		    " format_sha256, rules_recorded, rules, rules_file, rules_sha256, timezone,"
		    " cutoff, grace_days, allow_rejects, memory, window_from, window_to,"
		    " ledger_sha256, ledger_object, ledger_size, ledger_rows, suspense_sha256,"
		    " suspense_object, suspense_size, previous_run) VALUES (?1, ?2, ?3, ?4, ?5,"
		    " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
		    " ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)", &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, r->manifest);
	sqlite3_bind_int64(st, 2, r->run_id);
	bind_str(st, 3, r->date);
	bind_str(st, 4, r->channel);
	bind_str(st, 5, r->recon_version);
	bind_str(st, 6, r->statement.name);
	bind_str(st, 7, r->statement.sha256);
	sqlite3_bind_int64(st, 8, (int64_t)r->statement.size);
	bind_str(st, 9, r->format);
	bind_str(st, 10, r->format_file.name);
	bind_str(st, 11, r->format_file.sha256);
	sqlite3_bind_int(st, 12, r->rules_recorded);
	bind_str(st, 13, r->rules);
	bind_str(st, 14, r->rules_file.name);
	bind_hex(st, 15, r->rules_file.sha256);
	bind_str(st, 16, r->timezone);
	sqlite3_bind_int(st, 17, r->cutoff);
	sqlite3_bind_int(st, 18, r->grace_days);
	sqlite3_bind_int(st, 19, r->allow_rejects);
	if (r->memory >= 0)
		sqlite3_bind_int64(st, 20, r->memory);
	sqlite3_bind_int64(st, 21, r->window_from);
	sqlite3_bind_int64(st, 22, r->window_to);
	bind_str(st, 23, r->ledger.sha256);
	bind_str(st, 24, r->ledger.object);
	sqlite3_bind_int64(st, 25, (int64_t)r->ledger.size);
	sqlite3_bind_int64(st, 26, (int64_t)r->ledger_rows);
	bind_str(st, 27, r->suspense.sha256);
	bind_str(st, 28, r->suspense.object);
	sqlite3_bind_int64(st, 29, (int64_t)r->suspense.size);
	bind_hex(st, 30, r->previous_run);
	if (done(db, dbname, st, "record the manifest") < 0)
		return -1;
	r->id = sqlite3_last_insert_rowid(db);
	if (r->has_rejects && store_file(db, dbname, 0, r->id, "rejects", &r->rejects) < 0)
		return -1;
	for (i = 0; i < r->nshare; i++)
		if (store_file(db, dbname, 0, r->id, "share", &r->share[i]) < 0)
			return -1;
	return 0;
}

int manifest_store_day(sqlite3 *db, const char *dbname, struct manifest_day *d)
{
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < d->nruns + d->nunrecorded; i++) {
		int run = i < d->nruns;

		if (prepare(db, dbname, "INSERT INTO manifest_members (manifest_id, channel,"
			    " manifest_run_id) VALUES (?1, ?2, ?3)", &st) < 0)
			return -1;
		sqlite3_bind_int64(st, 1, d->id);
		bind_str(st, 2, run ? d->runs[i].channel : d->unrecorded[i - d->nruns]);
		if (run)
			sqlite3_bind_int64(st, 3, d->runs[i].id);
		if (done(db, dbname, st, "record the manifest") < 0)
			return -1;
	}
	for (i = 0; i < d->noutputs; i++)
		if (store_file(db, dbname, d->id, 0, "day", &d->outputs[i]) < 0)
			return -1;
	return 0;
}

/* ---- reading ---- */

static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? xstrdup(s) : NULL;
}

static void col_hex(sqlite3_stmt *st, int i, char *hex)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	snprintf(hex, MANIFEST_HEX, "%s", s ? s : "");
}

/* The files of a manifest (day_id) or a manifest run (run_id) with role. */
static int load_files(sqlite3 *db, const char *dbname, int64_t day_id, int64_t run_id,
		      const char *role, struct manifest_file **files, size_t *n)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int rc;

	*files = NULL;
	*n = 0;
	if (prepare(db, dbname, day_id
		    ? "SELECT name, sha256, object, size FROM manifest_files WHERE manifest_id = ?1"
		      " AND role = ?2 ORDER BY name"
		    : "SELECT name, sha256, object, size FROM manifest_files WHERE"
		      " manifest_run_id = ?1 AND role = ?2 ORDER BY name", &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, day_id ? day_id : run_id);
	bind_str(st, 2, role);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct manifest_file *f;

		*files = xgrow(*files, &alloc, *n + 1, sizeof(**files));
		f = &(*files)[(*n)++];
		memset(f, 0, sizeof(*f));
		f->name = col_dup(st, 0);
		col_hex(st, 1, f->sha256);
		col_hex(st, 2, f->object);
		f->size = (uint64_t)sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, dbname, "read the manifest");
	return 0;
}

static void file_set(struct manifest_file *f, char *name, sqlite3_stmt *st, int hexcol)
{
	f->name = name;
	col_hex(st, hexcol, f->sha256);
	snprintf(f->object, sizeof(f->object), "%s", f->sha256);
}

#define RUN_COLS "id, manifest_id, run_id, date, channel, recon_version, statement," \
	" statement_sha256, statement_size, format, format_file, format_sha256," \
	" rules_recorded, rules, rules_file, rules_sha256, timezone, cutoff, grace_days," \
	" allow_rejects, memory, window_from, window_to, ledger_sha256, ledger_object," \
	" ledger_size, ledger_rows, suspense_sha256, suspense_object, suspense_size," \
	" previous_run"

/* Fill r from a row of RUN_COLS, then its files. */
static int load_run(sqlite3 *db, const char *dbname, sqlite3_stmt *st, struct manifest_run *r)
{
	struct manifest_file *files;
	size_t n, i;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->manifest = sqlite3_column_int64(st, 1);
	r->run_id = sqlite3_column_int64(st, 2);
	col_hex(st, 3, r->date);
	r->date[10] = '\0';
	r->channel = col_dup(st, 4);
	r->recon_version = col_dup(st, 5);
	file_set(&r->statement, col_dup(st, 6), st, 7);
	r->statement.size = (uint64_t)sqlite3_column_int64(st, 8);
	r->format = col_dup(st, 9);
	file_set(&r->format_file, col_dup(st, 10), st, 11);
	r->rules_recorded = sqlite3_column_int(st, 12);
	r->rules = col_dup(st, 13);
	file_set(&r->rules_file, col_dup(st, 14), st, 15);
	r->timezone = col_dup(st, 16);
	r->cutoff = sqlite3_column_int(st, 17);
	r->grace_days = sqlite3_column_int(st, 18);
	r->allow_rejects = sqlite3_column_int(st, 19);
	r->memory = sqlite3_column_type(st, 20) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 20);
	r->window_from = sqlite3_column_int64(st, 21);
	r->window_to = sqlite3_column_int64(st, 22);
	col_hex(st, 23, r->ledger.sha256);
	col_hex(st, 24, r->ledger.object);
	r->ledger.size = (uint64_t)sqlite3_column_int64(st, 25);
	r->ledger_rows = (uint64_t)sqlite3_column_int64(st, 26);
	col_hex(st, 27, r->suspense.sha256);
	col_hex(st, 28, r->suspense.object);
	r->suspense.size = (uint64_t)sqlite3_column_int64(st, 29);
	col_hex(st, 30, r->previous_run);
	r->previous_run[10] = '\0';
	if (!r->channel)
		r->channel = xstrdup("");
	if (load_files(db, dbname, 0, r->id, "rejects", &files, &n) < 0)
		return -1;
	if (n) {
		r->has_rejects = 1;
		r->rejects = files[0];
		for (i = 1; i < n; i++)
			free(files[i].name);
	}
	free(files);
	return load_files(db, dbname, 0, r->id, "share", &r->share, &r->nshare);
}

int manifest_store_latest_run(sqlite3 *db, const char *dbname, int64_t run_id,
			      struct manifest_run *out)
{
	sqlite3_stmt *st;
	int rc, r;

	memset(out, 0, sizeof(*out));
	out->memory = -1;
	if (prepare(db, dbname, "SELECT " RUN_COLS " FROM manifest_runs WHERE run_id = ?1"
		    " ORDER BY id DESC LIMIT 1", &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r = load_run(db, dbname, st, out) < 0 ? -1 : 1;
		sqlite3_finalize(st);
		if (r < 0)
			manifest_run_release(out);
		return r;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, dbname, "read the manifest");
	return 0;
}

static int load_members(sqlite3 *db, const char *dbname, struct manifest_day *d)
{
	sqlite3_stmt *st, *one;
	size_t arun = 0, aun = 0;
	int rc, r;

	if (prepare(db, dbname, "SELECT channel, manifest_run_id FROM manifest_members"
		    " WHERE manifest_id = ?1 ORDER BY channel", &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, d->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
			d->unrecorded = xgrow(d->unrecorded, &aun, d->nunrecorded + 1,
					      sizeof(*d->unrecorded));
			d->unrecorded[d->nunrecorded++] = col_dup(st, 0);
			continue;
		}
		if (prepare(db, dbname, "SELECT " RUN_COLS " FROM manifest_runs WHERE id = ?1",
			    &one) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		d->runs = xgrow(d->runs, &arun, d->nruns + 1, sizeof(*d->runs));
		sqlite3_bind_int64(one, 1, sqlite3_column_int64(st, 1));
		r = sqlite3_step(one) == SQLITE_ROW
			? load_run(db, dbname, one, &d->runs[d->nruns++])
			: db_fail(db, dbname, "read the manifest");
		sqlite3_finalize(one);
		if (r < 0) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, dbname, "read the manifest");
	return 0;
}

int manifest_store_load(sqlite3 *db, const char *dbname, const char *date, int64_t id,
			struct manifest_day *out, int64_t **ids, size_t *nids)
{
	sqlite3_stmt *st;
	size_t alloc = 0, n = 0;
	int64_t *list = NULL, want = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ids) {
		*ids = NULL;
		*nids = 0;
	}
	if (prepare(db, dbname, "SELECT id FROM manifests WHERE date = ?1 ORDER BY id", &st) < 0)
		return -1;
	bind_str(st, 1, date);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		list = xgrow(list, &alloc, n + 1, sizeof(*list));
		list[n] = sqlite3_column_int64(st, 0);
		if (!id || list[n] == id) {
			want = list[n];
			out->previous = n ? list[n - 1] : 0;
		}
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(list);
		return db_fail(db, dbname, "read the manifest");
	}
	if (ids) {
		*ids = list;
		*nids = n;
	} else {
		free(list);
	}
	if (!want)
		return 0;
	if (prepare(db, dbname, "SELECT date, created, recon_version FROM manifests"
		    " WHERE id = ?1", &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, want);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(db, dbname, "read the manifest");
	}
	out->id = want;
	col_hex(st, 0, out->date);
	out->date[10] = '\0';
	snprintf(out->created, sizeof(out->created), "%s",
		 (const char *)sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1)
							  : "");
	out->recon_version = col_dup(st, 2);
	sqlite3_finalize(st);
	if (load_members(db, dbname, out) < 0 ||
	    load_files(db, dbname, out->id, 0, "day", &out->outputs, &out->noutputs) < 0) {
		manifest_day_release(out);
		return -1;
	}
	return 1;
}
