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
 * Records come out one at a time so that callers never depend on the
 * whole input being in memory: today the sort is in memory; spilling sorted
 * runs to tmpdir and merging them is the planned replacement behind the same
 * interface. A record's `file` pointer is kept as is (it must outlive the
 * sorter: decoders intern it).
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

/*
 * A new empty sorter. budget is the memory the sorter may use in bytes (0:
 * no limit; not yet enforced, see above); tmpdir is where spilled runs
 * will go (NULL: $TMPDIR or /tmp). Never returns NULL.
 */
struct sorter *sorter_new(size_t budget, const char *tmpdir);

/* Add a copy of r. Only before sorter_finish(). Returns 0, or -1 after
 * reporting (a spill that failed). */
int sorter_add(struct sorter *s, const struct record *r);

/* No more records: sort. Returns 0 or -1 after reporting. */
int sorter_finish(struct sorter *s);

/* The next record in join order into *r: 1, 0 at the end, -1 after
 * reporting an error. Only after sorter_finish(). */
int sorter_next(struct sorter *s, struct record *r);

/* Records added so far. */
uint64_t sorter_count(const struct sorter *s);

void sorter_free(struct sorter *s);

#endif
