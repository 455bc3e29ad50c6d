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
	struct record buf[2];     /* the current record and the one before */
	struct record *cur;       /* one of buf */
	int have;                 /* cur holds the next record */
	int same;                 /* cur has the key of the record before */
	const char *what;         /* for the out-of-order message */
};

/* The next record into the buffer the one before is not in: the order
 * check compares the two where they are, and tells the group walk whether
 * the key goes on, so no key is compared twice nor copied. */
static int advance(struct input *in)
{
	struct record *prev = in->have ? in->cur : NULL;
	int rc, c;

	in->same = 0;
	if (!in->st) {
		in->have = 0;
		return 0;
	}
	in->cur = prev == &in->buf[0] ? &in->buf[1] : &in->buf[0];
	rc = in->st->next(in->st->ctx, in->cur);
	if (rc < 0)
		return -1;
	in->have = rc == 1;
	if (!in->have)
		return 0;
	if (in->cur->kind != KIND_PAY && in->cur->kind != KIND_REFUND) {
		error_at(RX_INTERNAL, NULL, 0, "join: %s: %s record %s in the join", in->what,
			 rec_kind_name(in->cur->kind), record_key(in->cur));
		return -1;
	}
	if (!prev)
		return 0;
	c = record_key_cmp(prev, in->cur);
	if (c > 0 || (c == 0 && record_join_cmp(prev, in->cur) > 0)) {
		error_at(RX_INTERNAL, NULL, 0, "join: %s out of order at %s %s", in->what,
			 rec_kind_name(in->cur->kind), record_key(in->cur));
		return -1;
	}
	in->same = c == 0;
	return 0;
}

static void input_init(struct input *in, struct join_stream *st, const char *what)
{
	memset(in, 0, sizeof(*in));
	in->st = st;
	in->cur = &in->buf[0];
	in->what = what;
}

int join_run(struct join_stream *stmt, struct join_stream *ledger,
	     const struct pending_item *p, size_t np, join_fn fn, void *ctx)
{
	struct input si, li, *s = &si, *l = &li;
	struct record *grp = NULL;
	const struct record *one;
	size_t agrp = 0, ngrp, ip = 0;
	int rc = -1;

	input_init(s, stmt, "statement");
	input_init(l, ledger, "ledger scan");
	if (advance(s) < 0 || advance(l) < 0)
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
		int kind = -1, c, in_s = 0, in_l = 0;

		/* The smallest (kind, key) among the three heads, and which
		 * of them have it. */
		if (s->have) {
			kind = s->cur->kind;
			strcpy(key, record_key(s->cur));
			in_s = 1;
		}
		if (l->have) {
			c = kind < 0 ? -1 : kk_cmp(l->cur->kind, record_key(l->cur), kind, key);
			if (c < 0) {
				kind = l->cur->kind;
				strcpy(key, record_key(l->cur));
				in_s = 0;
			}
			in_l = c <= 0;
		}
		if (ip < np && (kind < 0 || kk_cmp(p[ip].kind, p[ip].key, kind, key) < 0)) {
			kind = p[ip].kind;
			strcpy(key, p[ip].key);
			in_s = in_l = 0;
		}
		if (kind < 0)
			break;

		memset(&g, 0, sizeof(g));
		g.kind = kind;
		g.key = key;
		/* A record stays where it is until the advance after next:
		 * the usual group of one is not copied, nor the ledger's. */
		ngrp = 0;
		one = NULL;
		while (in_s) {
			if (ngrp) {
				grp = xgrow(grp, &agrp, ngrp + 1, sizeof(*grp));
				if (ngrp == 1)
					grp[0] = *one;
				grp[ngrp] = *s->cur;
			}
			one = s->cur;
			ngrp++;
			if (advance(s) < 0)
				goto out;
			in_s = s->have && s->same;
		}
		g.stmt = ngrp == 1 ? one : grp;
		g.nstmt = ngrp;
		if (in_l) {
			g.ledger = l->cur;
			if (advance(l) < 0)
				goto out;
			if (l->have && l->same) {
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
