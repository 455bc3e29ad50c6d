/* dbschema.c: per-module schema versions in the workspace database. */
#include <stdio.h>

#include "recon/dbschema.h"

int dbschema_version(sqlite3 *db, const char *module, int *v)
{
	char sql[128];
	sqlite3_stmt *st;
	int rc;

	*v = 0;
	rc = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table'"
				" AND name = ?1 || '_schema'", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return SQLITE_OK;
	if (rc != SQLITE_ROW)
		return rc;
	snprintf(sql, sizeof(sql), "SELECT max(version) FROM %s_schema", module);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int dbschema_apply(sqlite3 *db, const char *module, const char *const *steps, int n,
		   int from)
{
	char sql[128];
	int rc, i;

	if (from == 0) {
		snprintf(sql, sizeof(sql), "CREATE TABLE %s_schema (version INTEGER NOT NULL)",
			 module);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return rc;
	}
	for (i = from; i < n; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO %s_schema VALUES (%d)", module, i + 1);
		rc = sqlite3_exec(db, steps[i], NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}
