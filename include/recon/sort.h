#ifndef RECON_SORT_H
#define RECON_SORT_H
/*
 * Sorting canonical records in the join order within a memory budget.
 *
 *     s = sorter_new(budget, tmpdir);
 *     while (...) sorter_add(s, &r);
 *     sorter_finish(s);
 *     while ((rc = sorter_next(s, &r)) == 1) ...;
 *     sorter_free(s);
 *
 * Records are kept packed in batches of a quarter of the budget; a full
 * batch is sorted by a helper thread while the caller fills the next. When
 * the sorted batches would outgrow the budget, the oldest are written as
 * sorted runs to temporary files in tmpdir, and sorter_next() merges runs
 * and batches. The files are unlinked as soon as they are created, so
 * nothing is left behind however the process ends (success, error, a
 * signal, a crash). A record's `file` pointer is kept as is (it must
 * outlive the sorter: decoders intern it).
 *
 * One thread at a time may call the functions of one sorter.
 */
#include <stddef.h>
#include <stdint.h>
#include "recon/record.h"

struct sorter;

/*
 * The join order: (space, key, time, line), where space is the kind
 * (KIND_PAY = payments keyed by order code, KIND_REFUND = refunds keyed by
 * refund code) and key is record_key(). Keys compare bytewise (as strcmp,
 * the same as SQLite's BINARY collation, which the ledger's index scans
 * use). Returns <0, 0, >0.
 */
int record_join_cmp(const struct record *a, const struct record *b);

/* Compare only (space, key): the join group. */
int record_key_cmp(const struct record *a, const struct record *b);

/* The least budget a sorter works with; smaller ones are raised to it. */
#define SORTER_MIN_BUDGET ((size_t)64 << 10)

/*
 * A new empty sorter. budget is the memory the sorter may use in bytes,
 * buffers for merging included (0: no limit, nothing is ever written);
 * tmpdir is where runs go (NULL: $TMPDIR, else /tmp); it is only touched
 * when a run must be written. Never returns NULL.
 */
struct sorter *sorter_new(size_t budget, const char *tmpdir);

/* Add a copy of r. Only before sorter_finish(). Returns 0, or -1 after
 * reporting (a run could not be written: the sorter is then unusable
 * except for sorter_free()). */
int sorter_add(struct sorter *s, const struct record *r);

/* The same, in group group (at most 65535): groups come out in order, each
 * in join order (for sorting several files' records at once). */
int sorter_add_group(struct sorter *s, unsigned group, const struct record *r);

/* No more records: sort what is left and prepare the merge. Returns 0 or
 * -1 after reporting. */
int sorter_finish(struct sorter *s);

/* The next record in join order into *r: 1, 0 at the end, -1 after
 * reporting an error (a run could not be read). Only after sorter_finish(). */
int sorter_next(struct sorter *s, struct record *r);

/* After sorter_finish(): a thread of the sorter's own merges the records
 * ahead, a few hundred at a time, so that sorter_next() finds them ready
 * while the caller works on the ones before. */
void sorter_prefetch(struct sorter *s);

/* The same, with the record's group into *group. */
int sorter_next_group(struct sorter *s, unsigned *group, struct record *r);

/*
 * Before the first add: when the records outgrow memory, cut them by key
 * into ranges on disk and sort each range in memory when it is read,
 * instead of writing sorted runs and merging them: for one big sort of
 * ungrouped records. marks (n of them, in join order) are keys spread as
 * the records' keys will be,
 * such as a day file's (dayfile.h), kept by the caller until
 * sorter_finish(); with none, the first batch's keys are
 * taken, which tell less when keys rise with the input. Without a budget
 * it does nothing.
 */
void sorter_partition(struct sorter *s, const struct key_mark *marks, size_t n);

/*
 * After sorter_finish() of both, before reading either: take over the
 * records of from, cut into ranges at the same keys (sorter_partition()
 * with the same marks), so that into gives both in one join order, each
 * record of from with its line moved by line_offset (the second half of a
 * file read in two). 0; -1 when the two were not cut alike (nothing is
 * changed: read them apart). from keeps nothing but must still be freed.
 */
int sorter_absorb(struct sorter *into, struct sorter *from, int64_t line_offset);

/* Run the helper thread at a lower priority (before the first add): for a
 * sort that rides along with more urgent work on other threads. */
void sorter_background(struct sorter *s);

/* Records added so far. */
uint64_t sorter_count(const struct sorter *s);

struct sorter_stats {
	uint64_t records;      /* added */
	uint64_t runs;         /* runs written, merged ones included */
	uint64_t ranges;       /* sorter_partition(): ranges written */
	uint64_t run_bytes;    /* bytes written to runs or ranges */
	double sort_seconds;   /* thread time spent sorting batches */
	double write_seconds;  /* thread time spent writing and merging runs */
	size_t peak_bytes;     /* most memory held at once */
};

/* What the sorter did so far. */
void sorter_stats(const struct sorter *s, struct sorter_stats *st);

/* Free s and its runs (closing their files removes them). NULL is fine. */
void sorter_free(struct sorter *s);

#endif
