#ifndef RECON_LEDGER_H
#define RECON_LEDGER_H
/*
 * The merchant's ledger, in SQLite (the schema is documented at the top of
 * src/ledger.c). Orders and refunds are canonical records keyed by
 * (channel, kind, key) where key is the order code of a payment and the
 * refund code of a refund.
 *
 * A ledger may be handed to another thread (one thread at a time). Since
 * diag is not thread-safe, messages raised in a thread other than the one
 * that opened the ledger are held and printed by that thread's next call
 * to ledger_begin, ledger_commit, ledger_rollback or ledger_close.
 */
#include <stddef.h>
#include <stdint.h>
#include "recon/record.h"

struct ledger;         /* opaque: an open database */
struct ledger_cursor;  /* opaque: an ordered scan */

/* Open (and with create, create and migrate) the database at path.
 * Returns NULL after reporting "recon: PATH: error: ..." (RX_INTERNAL). */
struct ledger *ledger_open(const char *path, int create);
void ledger_close(struct ledger *l);
/* The sqlite3 handle, for modules that keep their own tables (runs). */
struct sqlite3 *ledger_db(struct ledger *l);

/* Transactions. begin takes the write lock at once (BEGIN IMMEDIATE), waiting
 * up to busy_ms for another recon; returns 0 or -1 after reporting. */
int ledger_begin(struct ledger *l, int busy_ms);
int ledger_commit(struct ledger *l);
void ledger_rollback(struct ledger *l);

enum ledger_put_result { LEDGER_INSERTED, LEDGER_UPDATED, LEDGER_UNCHANGED };
/* Insert or update r (inside a transaction). Returns an enum ledger_put_result
 * or -1 after reporting a database error. */
int ledger_put(struct ledger *l, const struct record *r);

/*
 * Ordered scan of one channel's items of one kind by key, with key >= from
 * (NULL: from the start). Records come back with file = NULL.
 * ledger_scan_next returns 1 with *r filled, 0 at the end, -1 on error.
 */
struct ledger_cursor *ledger_scan(struct ledger *l, const char *channel, int kind,
				  const char *from);
int ledger_scan_next(struct ledger_cursor *c, struct record *r);
void ledger_scan_close(struct ledger_cursor *c);

/* Items of one channel paid in [from, to) (UTC seconds), ordered by kind then key. */
struct ledger_cursor *ledger_scan_paid(struct ledger *l, const char *channel,
				       int64_t from, int64_t to);

/* Keep the paid-day files (ledger_days.h) of the channels of c (which
 * must outlive the transaction) up to date in the transaction just begun:
 * the rows put are noted, and ledger_commit() writes the days they touch.
 * memory bounds the sort of the new rows. */
struct conf;
void ledger_keep_days(struct ledger *l, const struct conf *c, size_t memory);

/* Row r is about to be put: call from the thread that reads the rows,
 * so that the day files get sorted rows without slowing the thread that
 * writes (see ledger_days.h); rows not noted make their day be taken
 * from the database at commit. */
void ledger_note_row(struct ledger *l, const struct record *r);

/* The database's path, as given to ledger_open(). */
const char *ledger_path(const struct ledger *l);

/* Point lookup: 1 found (*r filled), 0 not found, -1 error. */
int ledger_get(struct ledger *l, const char *channel, int kind, const char *key,
	       struct record *r);

#endif
