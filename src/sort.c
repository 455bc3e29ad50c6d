/*
 * sort.c: the in-memory sorter behind sort.h. Records live in fixed-size
 * chunks (no giant realloc copies); an index of (prefix, pointer) pairs is
 * sorted, so most comparisons read 8 bytes instead of chasing a pointer.
 */
#include <stdlib.h>
#include <string.h>

#include "recon/sort.h"
#include "recon/util.h"

#define CHUNK_RECORDS 8192

struct slot {
	uint64_t prefix;          /* kind in the top byte, then the key's first 7 bytes */
	const struct record *r;
};

struct sorter {
	struct record **chunks;
	size_t nchunks, achunks;
	size_t n;                 /* records added */
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

/* skip: bytes every key of the record's kind shares, which cannot decide. */
static uint64_t prefix_of(const struct record *r, size_t skip)
{
	const unsigned char *k = (const unsigned char *)record_key(r) + skip;
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
	return record_join_cmp(a->r, b->r);
}

struct sorter *sorter_new(size_t budget, const char *tmpdir)
{
	struct sorter *s = xcalloc(1, sizeof(*s));

	s->budget = budget;
	s->tmpdir = tmpdir ? xstrdup(tmpdir) : NULL;
	return s;
}

int sorter_add(struct sorter *s, const struct record *r)
{
	size_t i = s->n % CHUNK_RECORDS;

	if (s->finished)
		abort();
	if (i == 0) {
		s->chunks = xgrow(s->chunks, &s->achunks, s->nchunks + 1, sizeof(*s->chunks));
		s->chunks[s->nchunks++] = xmalloc(CHUNK_RECORDS * sizeof(struct record));
	}
	s->chunks[s->nchunks - 1][i] = *r;
	s->n++;
	return 0;
}

#define AT(s, i) (&(s)->chunks[(i) / CHUNK_RECORDS][(i) % CHUNK_RECORDS])

int sorter_finish(struct sorter *s)
{
	/* Codes often share a long head (a date, a merchant id): the prefix
	 * is taken after what all keys of a kind have in common, so that it
	 * still decides most comparisons. */
	const char *first[KIND__COUNT] = { NULL };
	size_t common[KIND__COUNT] = { 0 }, i, j;

	for (i = 0; i < s->n; i++) {
		const struct record *r = AT(s, i);
		const char *k = record_key(r);
		int kind = r->kind < KIND__COUNT ? r->kind : 0;

		if (!first[kind]) {
			first[kind] = k;
			common[kind] = strlen(k);
			continue;
		}
		for (j = 0; j < common[kind] && k[j] == first[kind][j]; j++)
			;
		common[kind] = j;
	}
	s->idx = xmalloc((s->n ? s->n : 1) * sizeof(*s->idx));
	for (i = 0; i < s->n; i++) {
		const struct record *r = AT(s, i);

		s->idx[i].r = r;
		s->idx[i].prefix = prefix_of(r, common[r->kind < KIND__COUNT ? r->kind : 0]);
	}
	qsort(s->idx, s->n, sizeof(*s->idx), slot_cmp);
	s->finished = 1;
	s->pos = 0;
	return 0;
}

int sorter_next(struct sorter *s, struct record *r)
{
	if (!s->finished)
		abort();
	if (s->pos >= s->n)
		return 0;
	*r = *s->idx[s->pos++].r;
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
	for (i = 0; i < s->nchunks; i++)
		free(s->chunks[i]);
	free(s->chunks);
	free(s->idx);
	free(s->tmpdir);
	free(s);
}
