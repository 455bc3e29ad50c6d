/* join.c: the three-way merge-join of sort-ordered statement, ledger, suspense. */
#include <stdlib.h>
#include <string.h>

#include "recon/diag.h"
#include "recon/join.h"
#include "recon/sort.h"
#include "recon/util.h"

int pending_cmp(const void *a, const void *b)
{
	const struct pending_item *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* (kind, key) against a group position. */
static int kk_cmp(int ka, const char *a, int kb, const char *b)
{
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return strcmp(a, b);
}

struct input {
	struct join_stream *st;
	struct record cur;
	int have;                 /* cur holds the next record */
	const char *what;         /* for the out-of-order message */
};

static int advance(struct input *in)
{
	/* What the order check needs of the record before: not a copy of
	 * all of it (300 bytes, per row of both sides). */
	struct record prev;
	int had = in->have, rc;

	if (!in->st) {
		in->have = 0;
		return 0;
	}
	if (had) {
		prev.kind = in->cur.kind;
		strcpy(prev.kind == KIND_REFUND ? prev.refund_code : prev.order_code,
		       record_key(&in->cur));
		prev.time = in->cur.time;
		prev.line = in->cur.line;
	}
	rc = in->st->next(in->st->ctx, &in->cur);
	if (rc < 0)
		return -1;
	in->have = rc == 1;
	if (!in->have)
		return 0;
	if (in->cur.kind != KIND_PAY && in->cur.kind != KIND_REFUND) {
		error_at(RX_INTERNAL, NULL, 0, "join: %s: %s record %s in the join", in->what,
			 rec_kind_name(in->cur.kind), record_key(&in->cur));
		return -1;
	}
	if (had && record_join_cmp(&prev, &in->cur) > 0) {
		error_at(RX_INTERNAL, NULL, 0, "join: %s out of order at %s %s", in->what,
			 rec_kind_name(in->cur.kind), record_key(&in->cur));
		return -1;
	}
	return 0;
}

int join_run(struct join_stream *stmt, struct join_stream *ledger,
	     const struct pending_item *p, size_t np, join_fn fn, void *ctx)
{
	struct input s = { stmt, { 0 }, 0, "statement" };
	struct input l = { ledger, { 0 }, 0, "ledger scan" };
	struct record *grp = NULL, lrec;
	size_t agrp = 0, ngrp, ip = 0;
	int rc = -1;

	if (advance(&s) < 0 || advance(&l) < 0)
		goto out;
	for (ip = 1; ip < np; ip++) {
		if (pending_cmp(&p[ip - 1], &p[ip]) >= 0) {
			error_at(RX_INTERNAL, NULL, 0, "join: suspense items out of order at %s",
				 p[ip].key);
			goto out;
		}
	}
	ip = 0;
	for (;;) {
		struct join_group g;
		char key[REC_CODE_MAX + 1];
		int kind = -1, c;

		/* The smallest (kind, key) among the three heads. */
		if (s.have) {
			kind = s.cur.kind;
			strcpy(key, record_key(&s.cur));
		}
		if (l.have && (kind < 0 || kk_cmp(l.cur.kind, record_key(&l.cur), kind, key) < 0)) {
			kind = l.cur.kind;
			strcpy(key, record_key(&l.cur));
		}
		if (ip < np && (kind < 0 || kk_cmp(p[ip].kind, p[ip].key, kind, key) < 0)) {
			kind = p[ip].kind;
			strcpy(key, p[ip].key);
		}
		if (kind < 0)
			break;

		memset(&g, 0, sizeof(g));
		g.kind = kind;
		g.key = key;
		ngrp = 0;
		while (s.have && s.cur.kind == kind && !strcmp(record_key(&s.cur), key)) {
			grp = xgrow(grp, &agrp, ngrp + 1, sizeof(*grp));
			grp[ngrp++] = s.cur;
			if (advance(&s) < 0)
				goto out;
		}
		g.stmt = grp;
		g.nstmt = ngrp;
		if (l.have && l.cur.kind == kind && !strcmp(record_key(&l.cur), key)) {
			lrec = l.cur;
			g.ledger = &lrec;
			if (advance(&l) < 0)
				goto out;
			c = l.have ? kk_cmp(l.cur.kind, record_key(&l.cur), kind, key) : 1;
			if (c == 0) {
				error_at(RX_INTERNAL, NULL, 0, "join: ledger scan: %s %s twice",
					 rec_kind_name(kind), key);
				goto out;
			}
		}
		if (ip < np && p[ip].kind == kind && !strcmp(p[ip].key, key))
			g.pending = &p[ip++];
		if (fn(&g, ctx))
			goto out;
	}
	rc = 0;
out:
	free(grp);
	return rc;
}
