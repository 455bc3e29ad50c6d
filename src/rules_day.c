/*
 * rules_day.c: one channel's day under its rules (rules.h, second half).
 *
 * The statement's reversals and the rows carried from earlier statements
 * are few next to the statement itself, so they are kept in memory, sorted
 * in the join's order, and handed to each join group by binary search. A
 * reversal cancels the first row of its group, carried or today's, whose
 * amount is its own negated: the pair moves no money.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recon/diag.h"
#include "recon/rules.h"
#include "recon/sort.h"
#include "recon/util.h"
#include "recon/window.h"

struct kept {
	struct record r;
	int64_t expires;          /* carried rows: the day their wait ends */
	int space;                /* the join group: KIND_PAY or KIND_REFUND */
	int used;                 /* handed to a group already */
};

struct keptlist {
	struct kept *v;
	size_t n, alloc;
};

struct rules_day {
	const struct rules *r;
	const struct tz *z;
	int cutoff;
	int64_t day;
	struct tally *t;
	struct rules_scratch *scratch;   /* for the patterns, on rd's thread */
	struct keptlist revs, carried;
	/* rows left waiting by this run */
	struct record *wait;
	int64_t *wait_exp;
	size_t nwait, await, await_exp;
	/* file names of carried rows (records point into these) */
	char **names;
	size_t nnames, anames;
	/* one group's scratch */
	struct record *rows, *unpaired;
	int64_t *exp;
	char *cancelled;
	size_t arows, aexp, acancelled, aunpaired;
};

struct rules_day *rules_day_new(const struct rules *r, const struct tz *z, int cutoff,
				int64_t day, struct tally *t)
{
	struct rules_day *rd = xcalloc(1, sizeof(*rd));

	rd->r = r;
	rd->z = z;
	rd->cutoff = cutoff;
	rd->day = day;
	rd->t = t;
	rd->scratch = rules_scratch_new();
	return rd;
}

void rules_day_free(struct rules_day *rd)
{
	size_t i;

	if (!rd)
		return;
	rules_scratch_free(rd->scratch);
	free(rd->revs.v);
	free(rd->carried.v);
	free(rd->wait);
	free(rd->wait_exp);
	for (i = 0; i < rd->nnames; i++)
		free(rd->names[i]);
	free(rd->names);
	free(rd->rows);
	free(rd->unpaired);
	free(rd->exp);
	free(rd->cancelled);
	free(rd);
}

static int tally(struct rules_day *rd, int item, const struct record *r)
{
	if (tally_add(rd->t, item, r->currency, r->amount) == 0)
		return 0;
	error_at(RX_BADINPUT, r->file, r->line, "amount: sum out of range");
	return -1;
}

/* A reversal of a refund names the refund it takes back; any other the
 * payment. */
static int space_of(const struct record *r)
{
	if (r->kind == KIND_REFUND || (r->kind == KIND_REVERSAL && *r->refund_code))
		return KIND_REFUND;
	return KIND_PAY;
}

static const char *key_of(const struct kept *k)
{
	return k->space == KIND_REFUND ? k->r.refund_code : k->r.order_code;
}

static void keep(struct keptlist *l, const struct record *r, int64_t expires)
{
	struct kept *k;

	l->v = xgrow(l->v, &l->alloc, l->n + 1, sizeof(*l->v));
	k = &l->v[l->n++];
	memset(k, 0, sizeof(*k));
	k->r = *r;
	k->expires = expires;
	k->space = space_of(r);
}

int rules_day_row(struct rules_day *rd, struct record *r)
{
	rules_extract(rd->r, r, rd->scratch);
	if (rules_excluded(rd->r, r, RULES_STATEMENT, rd->scratch))
		return tally(rd, TALLY_EXCLUDED, r) < 0 ? -1 : RULES_ROW_TAKEN;
	if (r->status != STATUS_SUCCESS)
		return RULES_ROW_OTHER;
	if (r->kind == KIND_PAY || r->kind == KIND_REFUND)
		return RULES_ROW_JOIN;
	if (r->kind != KIND_REVERSAL || !rules_reversals(rd->r))
		return RULES_ROW_OTHER;
	/* A reversal is on the day's statement like any row. */
	if (tally(rd, TALLY_STATEMENT, r) < 0)
		return -1;
	keep(&rd->revs, r, 0);
	return RULES_ROW_TAKEN;
}

void rules_day_absorb(struct rules_day *rd, struct rules_day *from, int64_t line_offset)
{
	size_t i;

	for (i = 0; i < from->revs.n; i++) {
		struct kept *k;

		rd->revs.v = xgrow(rd->revs.v, &rd->revs.alloc, rd->revs.n + 1, sizeof(*rd->revs.v));
		k = &rd->revs.v[rd->revs.n++];
		*k = from->revs.v[i];
		k->r.line += line_offset;
	}
	from->revs.n = 0;
}

static const char *intern(struct rules_day *rd, const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = rd->nnames; i-- > 0;)
		if (!strcmp(rd->names[i], name))
			return rd->names[i];
	rd->names = xgrow(rd->names, &rd->anames, rd->nnames + 1, sizeof(*rd->names));
	rd->names[rd->nnames] = xstrdup(name);
	return rd->names[rd->nnames++];
}

void rules_day_carry(struct rules_day *rd, const struct record *r, int64_t expires_day)
{
	struct record copy = *r;

	copy.file = intern(rd, r->file);
	keep(&rd->carried, &copy, expires_day);
}

/* The join's order, (space, key, time, line), with the space of a
 * reversal being the group it belongs to. */
static int kept_cmp(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;
	struct record rx = x->r, ry = y->r;

	rx.kind = (uint8_t)x->space;
	ry.kind = (uint8_t)y->space;
	return record_join_cmp(&rx, &ry);
}

void rules_day_ready(struct rules_day *rd)
{
	if (rd->revs.n > 1)
		qsort(rd->revs.v, rd->revs.n, sizeof(*rd->revs.v), kept_cmp);
	if (rd->carried.n > 1)
		qsort(rd->carried.v, rd->carried.n, sizeof(*rd->carried.v), kept_cmp);
}

static int group_cmp(int space, const char *key, const struct kept *k)
{
	if (space != k->space)
		return space < k->space ? -1 : 1;
	return strcmp(key, key_of(k));
}

/* The run [*first, *first + return) of l's entries in group (space, key). */
static size_t find(const struct keptlist *l, int space, const char *key, size_t *first)
{
	size_t lo = 0, hi = l->n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (group_cmp(space, key, &l->v[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (end = lo; end < l->n && group_cmp(space, key, &l->v[end]) == 0; end++)
		;
	return end - lo;
}

int rules_day_group(struct rules_day *rd, const struct join_group *g, struct rules_group *out)
{
	size_t c0, nc, r0, nr, n, i, j, k, nc_left = 0;

	nc = find(&rd->carried, g->kind, g->key, &c0);
	nr = find(&rd->revs, g->kind, g->key, &r0);
	memset(out, 0, sizeof(*out));
	out->rows = g->stmt;
	out->nrows = g->nstmt;
	if (!nc && !nr)
		return 0;

	n = nc + g->nstmt;
	/* A group may be reversals alone: keep the scratch non-NULL. */
	rd->rows = xgrow(rd->rows, &rd->arows, n + 1, sizeof(*rd->rows));
	rd->exp = xgrow(rd->exp, &rd->aexp, n + 1, sizeof(*rd->exp));
	rd->cancelled = xgrow(rd->cancelled, &rd->acancelled, n + 1, 1);
	rd->unpaired = xgrow(rd->unpaired, &rd->aunpaired, nr + 1, sizeof(*rd->unpaired));
	for (i = 0; i < nc; i++) {
		rd->carried.v[c0 + i].used = 1;
		rd->rows[i] = rd->carried.v[c0 + i].r;
		rd->exp[i] = rd->carried.v[c0 + i].expires;
	}
	for (i = 0; i < g->nstmt; i++)
		rd->rows[nc + i] = g->stmt[i];
	memset(rd->cancelled, 0, n);

	for (i = 0; i < nr; i++) {
		const struct record *rev = &rd->revs.v[r0 + i].r;

		rd->revs.v[r0 + i].used = 1;
		for (j = 0; j < n; j++)
			if (!rd->cancelled[j] && rev->amount != INT64_MIN &&
			    rd->rows[j].amount == -rev->amount &&
			    !strcmp(rd->rows[j].currency, rev->currency))
				break;
		if (j == n) {
			rd->unpaired[out->nreversals++] = *rev;
			continue;
		}
		rd->cancelled[j] = 1;
		out->npairs++;
		if (tally(rd, TALLY_REVERSED, &rd->rows[j]) < 0)
			return -1;
	}

	for (i = k = 0; i < n; i++) {
		if (rd->cancelled[i])
			continue;
		rd->rows[k] = rd->rows[i];
		rd->exp[k] = rd->exp[i];
		if (i < nc)
			nc_left++;
		k++;
	}
	out->rows = rd->rows;
	out->nrows = k;
	out->ncarried = nc_left;
	out->expires = rd->exp;
	out->reversals = rd->unpaired;
	return 0;
}

void rules_day_wait(struct rules_day *rd, const struct record *r, int64_t expires_day)
{
	rd->wait = xgrow(rd->wait, &rd->await, rd->nwait + 1, sizeof(*rd->wait));
	rd->wait_exp = xgrow(rd->wait_exp, &rd->await_exp, rd->nwait + 1, sizeof(*rd->wait_exp));
	rd->wait[rd->nwait] = *r;
	rd->wait_exp[rd->nwait++] = expires_day;
}

/* The first group, in join order, with an entry not yet handed out: 1 and
 * its (space, key) in *space, key; 0 when none is left. */
static int next_left(const struct rules_day *rd, size_t *ic, size_t *ir, int *space,
		     char *key)
{
	const struct kept *c, *r, *pick;

	while (*ic < rd->carried.n && rd->carried.v[*ic].used)
		(*ic)++;
	while (*ir < rd->revs.n && rd->revs.v[*ir].used)
		(*ir)++;
	c = *ic < rd->carried.n ? &rd->carried.v[*ic] : NULL;
	r = *ir < rd->revs.n ? &rd->revs.v[*ir] : NULL;
	if (!c && !r)
		return 0;
	pick = !c ? r : !r ? c : group_cmp(c->space, key_of(c), r) <= 0 ? c : r;
	*space = pick->space;
	snprintf(key, REC_CODE_MAX + 1, "%s", key_of(pick));
	return 1;
}

int rules_day_finish(struct rules_day *rd, struct classifier *c)
{
	char key[REC_CODE_MAX + 1];
	size_t ic = 0, ir = 0;
	int space;

	while (next_left(rd, &ic, &ir, &space, key)) {
		struct join_group g;

		memset(&g, 0, sizeof(g));
		g.kind = space;
		g.key = key;
		/* classify_group asks rules_day_group, which hands the
		 * entries out and marks them used. */
		if (classify_group(&g, c))
			return -1;
	}
	return 0;
}

int64_t rules_day_age(const struct rules_day *rd, int64_t t)
{
	int64_t d;

	if (t == REC_NO_TIME)
		return 0;
	d = due_day(rd->z, rd->cutoff, t);
	return d < rd->day ? rd->day - d : 0;
}

size_t rules_day_waiting(const struct rules_day *rd, const struct record **rows,
			 const int64_t **expires)
{
	*rows = rd->wait;
	*expires = rd->wait_exp;
	return rd->nwait;
}
