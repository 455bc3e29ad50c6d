#ifndef RECON_DBSCHEMA_H
#define RECON_DBSCHEMA_H
/*
 * Versioned tables for the modules that keep their own tables in the
 * workspace database (runs, the archive index, ...). Each module records the
 * schema steps it applied in a table <module>_schema, so modules migrate
 * independently; the ledger's own PRAGMA user_version stays ledger.c's.
 */
#include <sqlite3.h>

/*
 * The version of module's tables in db: 0 when <module>_schema does not
 * exist yet. Returns SQLITE_OK and sets *v, or an SQLite error code (the
 * message is sqlite3_errmsg(db)); reporting is the caller's.
 */
int dbschema_version(sqlite3 *db, const char *module, int *v);

/*
 * Bring module's tables from version `from` to n by running steps[from..n)
 * (SQL, one step per version), recording each version as it is applied,
 * and creating <module>_schema when from is 0. The caller holds a write
 * transaction, so a failure part way leaves nothing once it rolls back.
 * Returns SQLITE_OK or the SQLite error code of the step that failed.
 */
int dbschema_apply(sqlite3 *db, const char *module, const char *const *steps, int n,
		   int from);

#endif
