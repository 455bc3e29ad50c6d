#ifndef RECON_LEDGER_DAYS_H
#define RECON_LEDGER_DAYS_H
/*
 * Paid-day files: for each configured channel and statement day, the
 * ledger items due that day (paid inside the day's window, in the
 * channel's time zone and cut-off), sorted in join order, in a day file
 * (dayfile.h) beside the database: DATABASE.days/CHANNEL/DATE.N. A run
 * reads its day's items from there instead of scanning and sorting the
 * ledger, so its work follows the day and not the ledger's history.
 *
 * `ledger import` keeps them (ledger_keep_days() in ledger.h): the rows it
 * inserts are sorted by day as they come, and at commit each day they
 * touched gets a new file: the old file merged with the new rows, or,
 * when rows were updated (a trigger marks the days an update touches),
 * the database's own scan of the day. The table ledger_day (src/ledger.c)
 * names each day's current file, its window, row count and SHA-256; a day
 * whose window the configuration no longer gives, or that is marked
 * stale, is not used. Only ledger_put() may insert ledger rows.
 */
#include <stddef.h>
#include <stdint.h>
#include "recon/record.h"
#include "recon/sha256.h"

struct conf;
struct ledger;
struct ledger_days;   /* an import's work on the day files */
struct ledger_day;    /* one day file, open for reading */

/* For ledger.c. Start for the transaction on l, with the channels of c
 * (which must outlive it); memory bounds the sort of new rows. */
struct ledger_days *ledger_days_new(struct ledger *l, const struct conf *c, size_t memory);
/* The ledger was empty when the transaction began: no day has old rows. */
void ledger_days_fresh(struct ledger_days *d);
/* Row r is about to be put: sorted for its day's file. From the thread
 * that reads the rows (one at a time): the thread that puts them is the
 * slower one. A failure is reported, and makes ledger_days_build() fail. */
void ledger_days_note(struct ledger_days *d, const struct record *r);
/* Row r was just put, with result enum ledger_put_result: counted for its
 * day. A day whose rows were not all noted and inserted now gets its file
 * from the database's scan. */
void ledger_days_put(struct ledger_days *d, const struct record *r, int result);
/* Write the files of the days touched, inside the transaction, before
 * its commit: start (the files fed by the sorted new rows are written on
 * a thread of their own, which needs no database, so the caller may build
 * indexes meanwhile), then finish (the files from the database's scans,
 * and the table ledger_day). Each returns 0, or -1 after reporting. */
int ledger_days_start(struct ledger_days *d);
int ledger_days_finish(struct ledger_days *d);
/* After the commit (committed) or a rollback: remove the files replaced,
 * or those written for nothing; free d. NULL is fine. */
void ledger_days_end(struct ledger_days *d, int committed);

/*
 * The day file for channel's day with window [from, to), when there is
 * one up to date; NULL when there is none (the caller scans the
 * database): *why then says why ("none", "stale", "another window", or a
 * file that cannot be read).
 */
struct ledger_day *ledger_day_open(struct ledger *l, const char *channel, int64_t day,
				   int64_t from, int64_t to, const char **why);
/* Read ahead on a thread of its own, a few hundred items at a time, so
 * that ledger_day_next() finds them ready. */
void ledger_day_prefetch(struct ledger_day *x);
/* The next item in join order: 1, 0 at the end, -1 after reporting. */
int ledger_day_next(struct ledger_day *x, struct record *r);
/* The file's SHA-256 (hex) and rows, as recorded when it was written. */
const char *ledger_day_sha256(const struct ledger_day *x);
uint64_t ledger_day_rows(const struct ledger_day *x);
/* About evenly spaced keys of the day's items, in order (none from a day
 * file written before they were kept); owned by x. */
const struct key_mark *ledger_day_marks(const struct ledger_day *x, size_t *n);
const char *ledger_day_path(const struct ledger_day *x);
void ledger_day_close(struct ledger_day *x);

#endif
