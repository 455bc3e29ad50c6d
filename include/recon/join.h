#ifndef RECON_JOIN_H
#define RECON_JOIN_H
/*
 * The merge-join of one channel's day: three inputs sorted by (space, key)
 * (space = kind: KIND_PAY keyed by order code, KIND_REFUND by refund code,
 * see record_key_cmp() in sort.h) are walked once, side by side:
 *   S  statement records (sorted by record_join_cmp: rows of one key come
 *      together, by time then line),
 *   L  ledger items due that day (an ordered index scan),
 *   P  suspense items carried from the previous run.
 * Each distinct (space, key) found in any of them becomes one group handed to
 * a callback, in key order. Memory holds one group's statement rows, never a
 * whole side.
 */
#include <stddef.h>
#include <stdint.h>
#include "recon/record.h"

/* A sorted input: next() stores the next record and returns 1, returns 0 at
 * the end, -1 after reporting an error. */
struct join_stream {
	int (*next)(void *ctx, struct record *r);
	void *ctx;
};

/* A suspense (pending) item: a paid ledger item that no statement has shown
 * yet, waiting until expires_day (days since the epoch). */
struct pending_item {
	int kind;                         /* KIND_PAY or KIND_REFUND */
	char key[REC_CODE_MAX + 1];       /* order code or refund code */
	int64_t paid_day;                 /* the statement day it was due */
	int64_t expires_day;              /* paid_day + grace days */
};

/* Order of pending items: (kind, key) as record_key_cmp(). */
int pending_cmp(const void *a, const void *b);

struct join_group {
	int kind;                         /* the space: KIND_PAY or KIND_REFUND */
	const char *key;
	const struct record *stmt;        /* statement rows of this key, by time, line */
	size_t nstmt;                     /* 0: none */
	const struct record *ledger;      /* the L item, or NULL */
	const struct pending_item *pending;  /* the P item, or NULL */
};

/* Called once per group; return 0 to go on, non-zero to stop (join_run then
 * returns -1; the callback has reported why). */
typedef int (*join_fn)(const struct join_group *g, void *ctx);

/*
 * Walk stmt, ledger (either may be NULL: empty) and the np pending items
 * (sorted by pending_cmp) and call fn for every group. Records of a kind
 * other than PAY or REFUND must not be in the streams. An input out of
 * order is an internal error: reported, and -1 returned, because a merge
 * over unsorted input would silently pair the wrong rows.
 * Returns 0, or -1 after reporting.
 */
int join_run(struct join_stream *stmt, struct join_stream *ledger,
	     const struct pending_item *p, size_t np, join_fn fn, void *ctx);

#endif
