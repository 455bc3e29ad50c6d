#ifndef RECON_RUNSTORE_H
#define RECON_RUNSTORE_H
/*
 * What `recon run` records, in the workspace database next to the ledger
 * (the tables are described at the top of src/runstore.c):
 * one run per (channel, day) with its figures, the discrepancies and their
 * correction orders, the suspense items left for the next run, and the
 * items settled outside their due day.
 *
 * A channel's day is reconciled at most once at a time: running it again
 * replaces its results (same run id, new figures), never adds to them.
 * Writers work inside the caller's transaction (ledger_begin); nothing here
 * commits.
 */
#include <stddef.h>
#include <stdint.h>
#include "recon/classify.h"
#include "recon/join.h"

struct sqlite3;
struct runstore;

/*
 * Attach to db (reported as name in messages). With create, make or
 * migrate the tables (call inside a write transaction); without, a
 * database that has no run tables yet reads as having no runs.
 * Returns NULL after reporting (RX_INTERNAL).
 */
struct runstore *runstore_open(struct sqlite3 *db, const char *name, int create);
void runstore_close(struct runstore *rs);

/* One channel's run of one day, as recorded. */
struct run_info {
	int64_t id;
	char date[11];                /* YYYY-MM-DD */
	char *channel;
	char *statement;              /* the statement path as the source template gave it */
	char sha256[65];              /* of the statement file's bytes */
	char *format;
	char *timezone;
	int cutoff;                   /* minutes */
	int grace_days;
	int64_t window_from, window_to;   /* UTC seconds */
	uint64_t rows;                /* statement records decoded */
	uint64_t rejects;             /* statement rows rejected (--allow-rejects) */
	int totals_declared, totals_ok;   /* control totals of the statement */
	char started[32], finished[32];   /* UTC, ISO 8601 */
	char *version;                /* recon's */
	struct tally tally;
};
void run_info_release(struct run_info *ri);

/*
 * Begin ri's run (date, channel and the descriptive fields set): delete any
 * earlier results of that channel's day, keeping its run id and the status
 * and notes of discrepancies that come back with the same idempotency key.
 * Sets ri->id. Returns 0 or -1 after reporting.
 */
int runstore_begin(struct runstore *rs, struct run_info *ri);
int runstore_add_discrepancy(struct runstore *rs, const struct run_info *ri,
			     const struct discrepancy *d, const struct correction *c);
int runstore_add_pending(struct runstore *rs, const struct run_info *ri,
			 const struct pending_item *p);
int runstore_add_settled(struct runstore *rs, const struct run_info *ri, int kind,
			 const char *key, int64_t paid_time);
/* Store the figures (ri->tally, rows, rejects, totals, finished). */
int runstore_finish(struct runstore *rs, const struct run_info *ri);

/*
 * What earlier runs of channel (days before day, days since the epoch) left:
 * the suspense items of the latest such run, sorted by pending_cmp (*items
 * is the caller's to free), and the items settled before their due day
 * whose paid time is in [from, to), sorted the same way (only kind and key
 * are filled). Return 0 or -1 after reporting.
 */
int runstore_pending(struct runstore *rs, const char *channel, int64_t day,
		     struct pending_item **items, size_t *n);
int runstore_settled_in(struct runstore *rs, const char *channel, int64_t day,
			int64_t from, int64_t to, struct pending_item **items, size_t *n);
/* Questions about runs before day: 1 yes, 0 no, -1 after reporting. */
int runstore_settled_before(struct runstore *rs, const char *channel, int64_t day,
			    int kind, const char *key);
int runstore_no_statement_before(struct runstore *rs, const char *channel, int64_t day,
				 int kind, const char *key);
/* Is there a run of channel on day? */
int runstore_has_run(struct runstore *rs, const char *channel, int64_t day);

/* ---- reading a day back (report, discrepancies) ---- */

/* The runs of day, ordered by channel, with their tallies. *runs is an
 * array the caller frees with runstore_runs_free(). Returns the count, or
 * -1 after reporting. */
int runstore_runs(struct runstore *rs, int64_t day, struct run_info **runs);
void runstore_runs_free(struct run_info *runs, int n);

/* Restrict runstore_runs() and runstore_each_discrepancy() to channel's
 * rows (NULL: every channel again), so that the report writers render one
 * channel's share of a day (run manifests, replay --channel). */
void runstore_only_channel(struct runstore *rs, const char *channel);

struct stored_discrepancy {
	int64_t id, run_id;
	const char *date, *channel;
	struct discrepancy d;         /* source_file points into this row */
	struct correction c;
	const char *status, *note;    /* "OPEN"...; note may be NULL */
};

enum runstore_order {
	ORDER_FILE,      /* channel, class, reason, key, source line: the CSV files */
	ORDER_BIGGEST    /* biggest absolute difference first, ties by key: the report */
};

/* Call fn for each discrepancy of day (only class cls when cls >= 0) in
 * the given order; fn returns non-zero to stop. Pointers are valid during
 * the call only. Returns 0, or -1 after reporting. */
typedef int (*runstore_disc_fn)(const struct stored_discrepancy *sd, void *ctx);
int runstore_each_discrepancy(struct runstore *rs, int64_t day, int cls,
			      enum runstore_order order, runstore_disc_fn fn, void *ctx);

/* ---- handling by people (recon resolve) ---- */

/* Statuses of a discrepancy; a run records new ones OPEN. */
#define RUNSTORE_OPEN "OPEN"
#define RUNSTORE_RESOLVED "RESOLVED"

/* Restrict runstore_each_discrepancy() to discrepancies whose status is
 * status (NULL: any again); the report writers leave it NULL, since the
 * day's files never depend on how people handled it. */
void runstore_only_status(struct runstore *rs, const char *status);

/* Any day, for runstore_match_keys(). */
#define RUNSTORE_ANY_DAY INT64_MIN

/*
 * The distinct idempotency keys of recorded discrepancies that begin with
 * prefix, of day only unless day is RUNSTORE_ANY_DAY, in key order; the
 * first max of them are copied into keys. Returns how many there are (it
 * may be more than max), or -1 after reporting.
 */
int runstore_match_keys(struct runstore *rs, const char *prefix, int64_t day,
			char (*keys)[CORRECTION_KEYLEN + 1], int max);

/* The latest day (days since the epoch) with a discrepancy of key, in *day.
 * Returns 1, 0 when no day has one, or -1 after reporting. */
int runstore_key_latest_day(struct runstore *rs, const char *key, int64_t *day);

/*
 * Set the status (RUNSTORE_OPEN, RUNSTORE_RESOLVED) of every discrepancy
 * of day with key and, unless note is NULL, their note ("" clears it).
 * A later run of the day keeps both (runstore_begin). Works inside the
 * caller's write transaction. Returns the rows changed, -1 after reporting.
 */
int runstore_set_handling(struct runstore *rs, int64_t day, const char *key,
			  const char *status, const char *note);

/* How many of channel's discrepancies of day are OPEN, or -1 after
 * reporting: `recon run` exits 1 only when some are. */
int runstore_open_count(struct runstore *rs, const char *channel, int64_t day);

#endif
