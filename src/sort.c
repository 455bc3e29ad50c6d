/*
 * sort.c: the in-memory sorter behind sort.h.
 *
 * A record is 300 bytes, mostly empty code fields, so each is packed
 * into an arena as a small fixed head followed by its four strings, NUL
 * included (about 130 bytes for a usual row); the same packed form is what
 * spilled runs will hold. Arenas are fixed-size blocks (no giant realloc
 * copies). An index of (prefix, pointer) pairs is sorted, so most
 * comparisons read 8 bytes instead of chasing a pointer.
 */
#include <stdlib.h>
#include <string.h>

#include "recon/sort.h"
#include "recon/util.h"

#define ARENA_BYTES ((size_t)1 << 20)

/* The packed record: this head, then order_code, refund_code,
 * channel_txn_id and channel, each NUL-terminated. */
struct packed {
	int64_t amount, fee, time, paid_time, line;
	const char *file;
	int32_t time_off, paid_off;
	uint8_t kind, status;
	uint8_t lorder, lrefund, ltxn, lchannel;   /* lengths, NUL excluded */
	char currency[4];
};

struct slot {
	uint64_t prefix;          /* kind in the top byte, then 7 key bytes */
	const struct packed *p;
};

struct sorter {
	char **arenas;
	size_t narenas, aarenas;
	size_t used;              /* bytes used in the last arena */
	size_t n, aslots;         /* records added; slots allocated */
	struct slot *idx;
	size_t pos;               /* next slot to return */
	int finished;
	size_t budget;
	char *tmpdir;
};

int record_key_cmp(const struct record *a, const struct record *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(record_key(a), record_key(b));
}

int record_join_cmp(const struct record *a, const struct record *b)
{
	int c = record_key_cmp(a, b);

	if (c)
		return c;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return 0;
}

static const char *p_order(const struct packed *p)
{
	return (const char *)(p + 1);
}

static const char *p_refund(const struct packed *p)
{
	return p_order(p) + p->lorder + 1;
}

static const char *p_txn(const struct packed *p)
{
	return p_refund(p) + p->lrefund + 1;
}

static const char *p_channel(const struct packed *p)
{
	return p_txn(p) + p->ltxn + 1;
}

static const char *p_key(const struct packed *p)
{
	return p->kind == KIND_REFUND ? p_refund(p) : p_order(p);
}

/* record_join_cmp() on packed records */
static int packed_cmp(const struct packed *a, const struct packed *b)
{
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	c = strcmp(p_key(a), p_key(b));
	if (c)
		return c;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return 0;
}

/* skip: bytes every key of the record's kind shares, which cannot decide. */
static uint64_t prefix_of(const struct packed *r, size_t skip)
{
	const unsigned char *k = (const unsigned char *)p_key(r) + skip;
	uint64_t p = (uint64_t)r->kind << 56;
	int i;

	/* Bytes after the key's NUL stay zero, so a shorter key sorts first
	 * exactly as strcmp would have it. */
	for (i = 0; i < 7 && k[i]; i++)
		p |= (uint64_t)k[i] << (48 - 8 * i);
	return p;
}

static int slot_cmp(const void *pa, const void *pb)
{
	const struct slot *a = pa, *b = pb;

	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return packed_cmp(a->p, b->p);
}

struct sorter *sorter_new(size_t budget, const char *tmpdir)
{
	struct sorter *s = xcalloc(1, sizeof(*s));

	s->budget = budget;
	s->tmpdir = tmpdir ? xstrdup(tmpdir) : NULL;
	return s;
}

/* A field's length, at most its array's room less the NUL. */
static size_t flen(const char *s, size_t room)
{
	const char *e = memchr(s, '\0', room);

	return e ? (size_t)(e - s) : room - 1;
}

static char *put(char *dst, const char *s, size_t n)
{
	memcpy(dst, s, n);
	dst[n] = '\0';
	return dst + n + 1;
}

int sorter_add(struct sorter *s, const struct record *r)
{
	size_t lo = flen(r->order_code, sizeof(r->order_code));
	size_t lr = flen(r->refund_code, sizeof(r->refund_code));
	size_t lt = flen(r->channel_txn_id, sizeof(r->channel_txn_id));
	size_t lc = flen(r->channel, sizeof(r->channel));
	size_t need = sizeof(struct packed) + lo + lr + lt + lc + 4;
	struct packed *p;
	char *d;

	if (s->finished)
		abort();
	need = (need + 7) & ~(size_t)7;      /* keep heads aligned */
	if (!s->narenas || s->used + need > ARENA_BYTES) {
		s->arenas = xgrow(s->arenas, &s->aarenas, s->narenas + 1, sizeof(*s->arenas));
		s->arenas[s->narenas++] = xmalloc(ARENA_BYTES);
		s->used = 0;
	}
	p = (struct packed *)(s->arenas[s->narenas - 1] + s->used);
	s->used += need;
	p->amount = r->amount;
	p->fee = r->fee;
	p->time = r->time;
	p->paid_time = r->paid_time;
	p->line = r->line;
	p->file = r->file;
	p->time_off = r->time_off;
	p->paid_off = r->paid_off;
	p->kind = r->kind;
	p->status = r->status;
	p->lorder = (uint8_t)lo;
	p->lrefund = (uint8_t)lr;
	p->ltxn = (uint8_t)lt;
	p->lchannel = (uint8_t)lc;
	memcpy(p->currency, r->currency, sizeof(p->currency));
	d = (char *)(p + 1);
	d = put(d, r->order_code, lo);
	d = put(d, r->refund_code, lr);
	d = put(d, r->channel_txn_id, lt);
	put(d, r->channel, lc);

	s->idx = xgrow(s->idx, &s->aslots, s->n + 1, sizeof(*s->idx));
	s->idx[s->n].p = p;
	s->n++;
	return 0;
}

int sorter_finish(struct sorter *s)
{
	/* Codes often share a long head (a date, a merchant id): the prefix
	 * is taken after what all keys of a kind have in common, so that it
	 * still decides most comparisons. */
	const char *first[KIND__COUNT] = { NULL };
	size_t common[KIND__COUNT] = { 0 }, i, j;

	for (i = 0; i < s->n; i++) {
		const struct packed *p = s->idx[i].p;
		const char *k = p_key(p);
		int kind = p->kind < KIND__COUNT ? p->kind : 0;

		if (!first[kind]) {
			first[kind] = k;
			common[kind] = strlen(k);
			continue;
		}
		for (j = 0; j < common[kind] && k[j] == first[kind][j]; j++)
			;
		common[kind] = j;
	}
	for (i = 0; i < s->n; i++) {
		const struct packed *p = s->idx[i].p;

		s->idx[i].prefix = prefix_of(p, common[p->kind < KIND__COUNT ? p->kind : 0]);
	}
	if (s->n > 1)
		qsort(s->idx, s->n, sizeof(*s->idx), slot_cmp);
	s->finished = 1;
	s->pos = 0;
	return 0;
}

int sorter_next(struct sorter *s, struct record *r)
{
	const struct packed *p;

	if (!s->finished)
		abort();
	if (s->pos >= s->n)
		return 0;
	p = s->idx[s->pos++].p;
	memset(r, 0, sizeof(*r));
	r->amount = p->amount;
	r->fee = p->fee;
	r->time = p->time;
	r->paid_time = p->paid_time;
	r->line = p->line;
	r->file = p->file;
	r->time_off = p->time_off;
	r->paid_off = p->paid_off;
	r->kind = p->kind;
	r->status = p->status;
	memcpy(r->currency, p->currency, sizeof(r->currency));
	memcpy(r->order_code, p_order(p), (size_t)p->lorder + 1);
	memcpy(r->refund_code, p_refund(p), (size_t)p->lrefund + 1);
	memcpy(r->channel_txn_id, p_txn(p), (size_t)p->ltxn + 1);
	memcpy(r->channel, p_channel(p), (size_t)p->lchannel + 1);
	return 1;
}

uint64_t sorter_count(const struct sorter *s)
{
	return s->n;
}

void sorter_free(struct sorter *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->narenas; i++)
		free(s->arenas[i]);
	free(s->arenas);
	free(s->idx);
	free(s->tmpdir);
	free(s);
}
