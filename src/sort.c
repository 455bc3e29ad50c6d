/*
 * sort.c: the sorter behind sort.h: sorted batches in memory, sorted runs
 * on disk, one merge.
 *
 * A record is 300 bytes, mostly empty code fields, so each is packed into
 * arena blocks as a fixed head followed by its three codes (about 100
 * bytes for a usual row); the channel and the file are small numbers into
 * tables of the sorter. Runs on disk hold the same packed bytes.
 *
 * Memory is four batches of a quarter of the budget (less the merge
 * buffers). The caller fills one; a full batch goes to a helper thread
 * that sorts it (an index of (prefix, pointer) slots, MSD radix on the
 * 8-byte prefix, comparisons only among equal prefixes) and keeps at most
 * two sorted batches in memory, writing the oldest as a run otherwise, so
 * that the caller never waits for memory unless the helper falls behind.
 * Input that fits in three quarters of the budget is never written. Runs
 * beyond the merge fan-in are merged into one by the helper, which keeps
 * open files and merge buffers bounded.
 *
 * The prefix is the kind in the top byte, then 7 key bytes taken after
 * what all keys of that kind share in the batch (a date, a merchant id),
 * so that it still decides most comparisons.
 */
/* O_TMPFILE: a file that never has a name. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "recon/diag.h"
#include "recon/sort.h"
#include "recon/util.h"
#include "sort_int.h"

#define NBATCH 4                  /* batches the budget is cut into */
#define MAX_FANIN 32              /* runs merged at once */
#define MAX_BUF ((size_t)256 << 10) /* read or write buffer of a run */
#define MIN_BUF ((size_t)4 << 10)
#define MAX_ARENA ((size_t)1 << 20)
#define SLOT_STEP 65536
#define PF_BATCH 1024              /* records handed over at a time */
#define PF_SLOTS 8

struct pf_batch {
	struct record r[PF_BATCH];
	unsigned group[PF_BATCH];
	size_t n;
	int end;                  /* no more after these (or an error: s->err) */
};


struct slot {
	uint64_t prefix;
	const struct packed *p;
};

/* What all keys of a kind share in a batch or run (for merge prefixes);
 * one more slot for kinds outside enum rec_kind, which share nothing. */
#define NHEAD (KIND__COUNT + 1)
struct head {
	int have;
	size_t len;
	char key[REC_CODE_MAX];
};

struct batch {
	char **arenas;
	size_t narenas, aarenas;
	size_t used;              /* bytes used in the last arena */
	struct slot *slots;
	size_t n, aslots;
	unsigned max_group;
	struct head heads[NHEAD];
	struct batch *next;       /* in the sorted list */
};

struct run {
	int fd;
	uint64_t count, bytes;
	struct head heads[NHEAD];
};

/* A merge input: a sorted batch in memory or a run on disk. */
struct source {
	struct batch *b;          /* or NULL: a run */
	size_t pos;
	struct run *run;
	char *buf;
	size_t start, end;
	uint64_t left;            /* records not yet read from the run */
	int eof;
	struct run_coder coder;
	struct packed *scratch;   /* the run's current record, decoded */
	const struct packed *cur; /* NULL: used up */
	uint64_t prefix;
};

struct merger {
	struct source *src;
	int *tree;                /* tree[0] the winner, tree[1..k-1] losers */
	size_t k;
	size_t skip[NHEAD];
};

struct parts;

struct sorter {
	size_t budget;            /* 0: no limit */
	size_t cap;               /* bytes a batch may hold */
	size_t arena;             /* bytes per arena block */
	size_t bufsize;           /* per run, reading or writing */
	size_t fanin;
	size_t slot_step;         /* slots added to a batch at a time */
	char *tmpdir;
	uint64_t n;
	int finished;
	int failed;               /* the caller has reported an error */

	const char **files;
	size_t nfiles, afiles, last_file;
	char (*chans)[REC_CHANNEL_MAX + 1];
	size_t nchans, achans, last_chan;

	struct batch *fill;       /* the caller's */
	char **pool;              /* free arena blocks */
	size_t npool, apool;

	/* Shared with the helper, under mx. */
	pthread_mutex_t mx;
	pthread_cond_t cv;
	pthread_t thread;
	int threaded, nothread, stop, busy;
	int background;           /* the helper at a lower priority */
	struct batch *queued;     /* full, waiting to be sorted */
	struct batch *sorted;     /* sorted, in memory, oldest first */
	size_t nsorted;
	struct run **runs;
	size_t nruns, aruns;
	int err;                  /* errno of a failed write or read, or -1 */
	const char *err_what;
	size_t mem, peak;         /* bytes of batches held */
	struct sorter_stats st;

	struct merger m;          /* after finish */
	char *wbuf;               /* the helper's write buffer */

	/* sorter_partition(): key ranges on disk instead of runs */
	int want_parts;
	const struct key_mark *given;   /* the caller's marks, if any */
	size_t ngiven;
	struct parts *parts;

	/* sorter_prefetch(): records merged ahead by another thread */
	struct pf_batch *pf[PF_SLOTS];
	size_t pf_take, pf_full, pf_pos;
	int pf_held;              /* the reader has seen pf[pf_take] filled */
	int pf_on, pf_stop;
	pthread_t pf_thread;
};

/* ---- the order ---- */

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
	return p_order(p) + p->lorder;
}

static const char *p_txn(const struct packed *p)
{
	return p_refund(p) + p->lrefund;
}

static const char *p_key(const struct packed *p, size_t *len)
{
	if (p->kind == KIND_REFUND) {
		*len = p->lrefund;
		return p_refund(p);
	}
	*len = p->lorder;
	return p_order(p);
}


/* record_join_cmp() on packed records */
static int packed_cmp(const struct packed *a, const struct packed *b)
{
	const char *ka, *kb;
	size_t la, lb;
	int c;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	ka = p_key(a, &la);
	kb = p_key(b, &lb);
	c = memcmp(ka, kb, la < lb ? la : lb);
	if (c)
		return c;
	if (la != lb)
		return la < lb ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return 0;
}

static int kind_slot(const struct packed *p)
{
	return p->kind < KIND__COUNT ? p->kind : KIND__COUNT;
}

/* The kind, then 7 key bytes after skip; bytes past the key's end stay
 * zero, so a shorter key sorts first exactly as strcmp would have it. */
static uint64_t prefix_of(const struct packed *p, size_t skip)
{
	size_t len, i;
	const unsigned char *k = (const unsigned char *)p_key(p, &len);
	uint64_t x = (uint64_t)p->kind << 56;

	/* The usual case: eight key bytes there to load at once, seven kept */
	if (skip + 8 <= len) {
		uint64_t w;

		memcpy(&w, k + skip, 8);
		return x | (__builtin_bswap64(w) >> 8);
	}
	for (i = 0; i < 7 && skip + i < len; i++)
		x |= (uint64_t)k[skip + i] << (48 - 8 * i);
	return x;
}

static int slot_less(const struct slot *a, const struct slot *b)
{
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix;
	return packed_cmp(a->p, b->p) < 0;
}

static int slot_cmp(const void *pa, const void *pb)
{
	const struct slot *a = pa, *b = pb;

	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return packed_cmp(a->p, b->p);
}

static void insertion_sort(struct slot *a, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct slot x = a[i];

		for (j = i; j > 0 && slot_less(&x, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* MSD radix sort on the prefix byte at shift, in place (American flag);
 * the prefixes hold key bytes from the kind's head length plus extra. */
static void radix_sort(struct slot *a, size_t n, int shift, const struct head *heads,
		       size_t extra)
{
	size_t count[256], next[256], end[256], i, pos, skip, len;
	int b;

	for (;;) {
		if (n <= 32) {
			insertion_sort(a, n);
			return;
		}
		if (shift < 0) {
			/* Equal prefixes: the next key bytes, while there are
			 * some (a few odd keys can leave a long head shared by
			 * the rest); then only comparisons can tell. */
			skip = heads[kind_slot(a[0].p)].len + extra;
			for (i = 0; i < n && (p_key(a[i].p, &len), len <= skip + 7); i++)
				;
			if (i == n || skip + 7 >= REC_CODE_MAX) {
				qsort(a, n, sizeof(*a), slot_cmp);
				return;
			}
			extra += 7;
			for (i = 0; i < n; i++)
				a[i].prefix = prefix_of(a[i].p, skip + 7);
			shift = 48;      /* the kind's byte is the same */
			continue;
		}
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(a[i].prefix >> shift) & 0xff]++;
		for (b = 0; b < 256 && count[b] != n; b++)
			;
		if (b == 256)
			break;
		shift -= 8;     /* one bucket: nothing to do at this byte */
	}
	for (pos = 0, b = 0; b < 256; b++) {
		next[b] = pos;
		pos += count[b];
		end[b] = pos;
	}
	for (b = 0; b < 256; b++) {
		while (next[b] < end[b]) {
			struct slot x = a[next[b]];
			int d = (int)((x.prefix >> shift) & 0xff);

			while (d != b) {
				struct slot y = a[next[d]];

				a[next[d]++] = x;
				x = y;
				d = (int)((x.prefix >> shift) & 0xff);
			}
			a[next[b]++] = x;
		}
	}
	for (pos = 0, b = 0; b < 256; b++) {
		if (count[b] > 1)
			radix_sort(a + pos, count[b], shift - 8, heads, extra);
		pos += count[b];
	}
}

/* Record what the keys of each kind share in heads (from the first key of
 * each kind and the shortest common run after it). */
static void heads_of(struct slot *s, size_t n, struct head *heads)
{
	size_t i, j, len;

	memset(heads, 0, NHEAD * sizeof(*heads));
	for (i = 0; i < n; i++) {
		struct head *h = &heads[kind_slot(s[i].p)];
		const char *k = p_key(s[i].p, &len);

		if (h == &heads[KIND__COUNT])
			continue;
		if (!h->have) {
			h->have = 1;
			h->len = len;
			memcpy(h->key, k, len);
			continue;
		}
		for (j = 0; j < h->len && j < len && k[j] == h->key[j]; j++)
			;
		h->len = j;
	}
}

/* Put the slots in group order (in place, as radix_sort), then sort each
 * group's range by prefix: the prefix knows nothing of groups. */
static void group_sort(struct slot *a, size_t n, unsigned max, const struct head *heads)
{
	size_t *count = xcalloc(max + 1, sizeof(*count)), *next, *end, i, pos;
	unsigned g;

	next = xcalloc(max + 1, sizeof(*next));
	end = xcalloc(max + 1, sizeof(*end));
	for (i = 0; i < n; i++)
		count[a[i].p->group]++;
	for (pos = 0, g = 0; g <= max; g++) {
		next[g] = pos;
		pos += count[g];
		end[g] = pos;
	}
	for (g = 0; g <= max; g++) {
		while (next[g] < end[g]) {
			struct slot x = a[next[g]];
			unsigned d = x.p->group;

			while (d != g) {
				struct slot y = a[next[d]];

				a[next[d]++] = x;
				x = y;
				d = x.p->group;
			}
			a[next[g]++] = x;
		}
	}
	for (pos = 0, g = 0; g <= max; g++) {
		radix_sort(a + pos, count[g], 56, heads, 0);
		pos += count[g];
	}
	free(count);
	free(next);
	free(end);
}

static void batch_sort(struct batch *b)
{
	size_t i;

	heads_of(b->slots, b->n, b->heads);
	for (i = 0; i < b->n; i++)
		b->slots[i].prefix = prefix_of(b->slots[i].p, b->heads[kind_slot(b->slots[i].p)].len);
	if (b->max_group)
		group_sort(b->slots, b->n, b->max_group, b->heads);
	else
		radix_sort(b->slots, b->n, 56, b->heads, 0);
}

/* Combine heads: what every source's keys of a kind share. */
static void heads_merge(struct head *acc, const struct head *h)
{
	size_t i, j;

	for (i = 0; i < NHEAD; i++) {
		if (!h[i].have)
			continue;
		if (!acc[i].have) {
			acc[i] = h[i];
			continue;
		}
		for (j = 0; j < acc[i].len && j < h[i].len && acc[i].key[j] == h[i].key[j]; j++)
			;
		acc[i].len = j;
	}
}

/* ---- time ---- */

static double thread_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- tables ---- */

static uint16_t file_index(struct sorter *s, const char *file)
{
	size_t i;

	if (s->nfiles && s->files[s->last_file] == file)
		return (uint16_t)s->last_file;
	for (i = 0; i < s->nfiles; i++)
		if (s->files[i] == file)
			break;
	if (i == s->nfiles) {
		if (s->nfiles > UINT16_MAX) {
			/* Decoders intern names: this many means a bug. */
			fputs("recon: error: sort: too many distinct files\n", stderr);
			abort();
		}
		s->files = xgrow(s->files, &s->afiles, s->nfiles + 1, sizeof(*s->files));
		s->files[s->nfiles++] = file;
	}
	s->last_file = i;
	return (uint16_t)i;
}

static uint16_t chan_index(struct sorter *s, const char *chan)
{
	size_t i;

	if (s->nchans && !strcmp(s->chans[s->last_chan], chan))
		return (uint16_t)s->last_chan;
	for (i = 0; i < s->nchans; i++)
		if (!strcmp(s->chans[i], chan))
			break;
	if (i == s->nchans) {
		if (s->nchans > UINT16_MAX) {
			fputs("recon: error: sort: too many distinct channels\n", stderr);
			abort();
		}
		s->chans = xgrow(s->chans, &s->achans, s->nchans + 1, sizeof(*s->chans));
		memcpy(s->chans[s->nchans], chan, sizeof(s->chans[0]));
		s->chans[s->nchans][REC_CHANNEL_MAX] = '\0';
		s->nchans++;
	}
	s->last_chan = i;
	return (uint16_t)i;
}

/* ---- batches ---- */

static size_t batch_bytes(const struct sorter *s, const struct batch *b)
{
	return b->narenas * s->arena + b->aslots * sizeof(struct slot);
}

static struct batch *batch_new(void)
{
	return xcalloc(1, sizeof(struct batch));
}

/* Give b's memory back (arenas to the pool) and empty it. */
static void batch_clear(struct sorter *s, struct batch *b)
{
	size_t i;

	for (i = 0; i < b->narenas; i++) {
		s->pool = xgrow(s->pool, &s->apool, s->npool + 1, sizeof(*s->pool));
		s->pool[s->npool++] = b->arenas[i];
	}
	b->narenas = 0;
	b->used = 0;
	b->n = 0;
	b->max_group = 0;
	free(b->slots);
	b->slots = NULL;
	b->aslots = 0;
	b->next = NULL;
}

static void batch_free(struct sorter *s, struct batch *b)
{
	if (!b)
		return;
	batch_clear(s, b);
	free(b->arenas);
	free(b);
}

/* ---- sorter ---- */

struct sorter *sorter_new(size_t budget, const char *tmpdir)
{
	struct sorter *s = xcalloc(1, sizeof(*s));
	const char *env = getenv("TMPDIR");
	size_t reserve;

	if (budget && budget < SORTER_MIN_BUDGET)
		budget = SORTER_MIN_BUDGET;
	s->budget = budget;
	if (budget) {
		s->bufsize = budget / 64;
		if (s->bufsize > MAX_BUF)
			s->bufsize = MAX_BUF;
		if (s->bufsize < MIN_BUF)
			s->bufsize = MIN_BUF;
		s->fanin = budget / 8 / s->bufsize;
		if (s->fanin > MAX_FANIN)
			s->fanin = MAX_FANIN;
		if (s->fanin < 2)
			s->fanin = 2;
		reserve = (s->fanin + 1) * s->bufsize;
		s->cap = (budget - reserve) / NBATCH;
		s->arena = s->cap / 8;
		if (s->arena > MAX_ARENA)
			s->arena = MAX_ARENA;
		if (s->arena < 2 * PACKED_MAX)
			s->arena = 2 * PACKED_MAX;
	} else {
		s->bufsize = MAX_BUF;
		s->fanin = MAX_FANIN;
		s->cap = SIZE_MAX;
		s->arena = MAX_ARENA;
	}
	s->slot_step = s->cap / 16 / sizeof(struct slot);
	if (s->slot_step > SLOT_STEP)
		s->slot_step = SLOT_STEP;
	if (s->slot_step < 16)
		s->slot_step = 16;
	if (!tmpdir)
		tmpdir = env && *env ? env : "/tmp";
	s->tmpdir = xstrdup(tmpdir);
	s->err = 0;
	pthread_mutex_init(&s->mx, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->fill = batch_new();
	return s;
}

/* ---- runs ---- */

/* An unlinked temporary file in the sorter's folder; -1 with errno set. */
static int temp_file(const struct sorter *s)
{
	sigset_t all, old;
	char *name;
	int fd, e;

#ifdef O_TMPFILE
	fd = open(s->tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -1;
#endif
	/* No interruption between creating and unlinking: nothing may be
	 * left behind. */
	name = path_join(s->tmpdir, "recon-sort-XXXXXX");
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	fd = mkstemp(name);
	e = errno;
	if (fd >= 0)
		unlink(name);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(name);
	errno = e;
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A run being written through the helper's buffer. */
struct writer {
	struct sorter *s;
	struct run *run;
	size_t len;
	struct run_coder coder;
};

static int writer_open(struct sorter *s, struct writer *w)
{
	int fd = temp_file(s);

	if (fd < 0)
		return -1;
	if (!s->wbuf)
		s->wbuf = xmalloc(s->bufsize);
	w->s = s;
	w->run = xcalloc(1, sizeof(*w->run));
	w->run->fd = fd;
	w->len = 0;
	memset(&w->coder, 0, sizeof(w->coder));
	return 0;
}

static int writer_put(struct writer *w, const struct packed *p)
{
	size_t n;

	if (w->len + RUN_RECORD_MAX > w->s->bufsize) {
		if (write_all(w->run->fd, w->s->wbuf, w->len) < 0)
			return -1;
		w->len = 0;
	}
	n = run_encode(&w->coder, p, (unsigned char *)w->s->wbuf + w->len);
	w->len += n;
	w->run->count++;
	w->run->bytes += n;
	return 0;
}

static int writer_close(struct writer *w)
{
	if (write_all(w->run->fd, w->s->wbuf, w->len) < 0 ||
	    lseek(w->run->fd, 0, SEEK_SET) < 0)
		return -1;
	w->len = 0;
	return 0;
}

static void run_free(struct run *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

/* ---- merging ---- */

static void source_prefix(struct merger *m, struct source *x)
{
	if (x->cur)
		x->prefix = prefix_of(x->cur, m->skip[kind_slot(x->cur)]);
}

/* Move x to its next record; 0, or -1 with errno set. */
static int source_advance(struct merger *m, struct source *x, size_t bufsize)
{
	size_t n;

	if (x->b) {
		x->cur = x->pos < x->b->n ? x->b->slots[x->pos++].p : NULL;
		source_prefix(m, x);
		return 0;
	}
	x->cur = NULL;
	if (!x->left)
		return 0;
	if (x->end - x->start < RUN_RECORD_MAX && !x->eof) {
		size_t have = x->end - x->start;

		memmove(x->buf, x->buf + x->start, have);
		x->start = 0;
		x->end = have;
		while (x->end < bufsize) {
			ssize_t r = read(x->run->fd, x->buf + x->end, bufsize - x->end);

			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if (r == 0) {
				x->eof = 1;
				break;
			}
			x->end += (size_t)r;
		}
	}
	n = run_decode(&x->coder, (const unsigned char *)x->buf + x->start, x->end - x->start,
		       x->scratch);
	if (!n) {
		errno = EIO;    /* shorter than written, or damaged */
		return -1;
	}
	x->start += n;
	x->cur = x->scratch;
	x->left--;
	source_prefix(m, x);
	return 0;
}

static int src_less(const struct merger *m, int a, int b)
{
	const struct source *x = &m->src[a], *y = &m->src[b];
	int c;

	if (!x->cur)
		return 0;
	if (!y->cur)
		return 1;
	if (x->cur->group != y->cur->group)
		return x->cur->group < y->cur->group;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix;
	c = packed_cmp(x->cur, y->cur);
	return c ? c < 0 : a < b;
}

static void merger_build(struct merger *m)
{
	size_t k = m->k, n;
	int *win = xcalloc(2 * k, sizeof(*win));

	m->tree = xcalloc(k, sizeof(*m->tree));
	for (n = 0; n < k; n++)
		win[k + n] = (int)n;
	for (n = k - 1; n >= 1; n--) {
		int a = win[2 * n], b = win[2 * n + 1];

		if (src_less(m, a, b)) {
			win[n] = a;
			m->tree[n] = b;
		} else {
			win[n] = b;
			m->tree[n] = a;
		}
	}
	m->tree[0] = k > 1 ? win[1] : 0;
	free(win);
}

/* The least record, or NULL at the end. */
static const struct packed *merger_top(const struct merger *m)
{
	return m->k ? m->src[m->tree[0]].cur : NULL;
}

/* Replace the least record by its source's next; 0 or -1 with errno. */
static int merger_pop(struct merger *m, size_t bufsize)
{
	int w = m->tree[0];
	size_t n;

	if (source_advance(m, &m->src[w], bufsize) < 0)
		return -1;
	for (n = (m->k + (size_t)w) / 2; n >= 1; n /= 2) {
		if (src_less(m, m->tree[n], w)) {
			int t = m->tree[n];

			m->tree[n] = w;
			w = t;
		}
	}
	m->tree[0] = w;
	return 0;
}

/* Set up a merge of the given batches and runs; 0 or -1 with errno. */
static int merger_init(struct merger *m, struct batch **b, size_t nb, struct run **r, size_t nr,
		       size_t bufsize)
{
	struct head acc[NHEAD];
	size_t i;

	memset(m, 0, sizeof(*m));
	memset(acc, 0, sizeof(acc));
	m->k = nb + nr;
	m->src = xcalloc(m->k ? m->k : 1, sizeof(*m->src));
	for (i = 0; i < nb; i++)
		heads_merge(acc, b[i]->heads);
	for (i = 0; i < nr; i++)
		heads_merge(acc, r[i]->heads);
	for (i = 0; i < NHEAD; i++)
		m->skip[i] = acc[i].len;
	for (i = 0; i < m->k; i++) {
		struct source *x = &m->src[i];

		if (i < nb) {
			x->b = b[i];
		} else {
			x->run = r[i - nb];
			x->left = x->run->count;
			x->buf = xmalloc(bufsize);
			x->scratch = xmalloc(PACKED_MAX);
		}
		if (source_advance(m, x, bufsize) < 0)
			return -1;
	}
	if (m->k)
		merger_build(m);
	return 0;
}

static void merger_release(struct merger *m)
{
	size_t i;

	for (i = 0; i < m->k; i++) {
		free(m->src[i].buf);
		free(m->src[i].scratch);
	}
	free(m->src);
	free(m->tree);
	memset(m, 0, sizeof(*m));
}

/* ---- the helper's work (also done by the caller when unthreaded) ---- */

static void fail(struct sorter *s, const char *what)
{
	if (!s->err) {
		s->err = errno ? errno : EIO;
		s->err_what = what;
	}
}

/* Write the sorted batch b as a run; the run, or NULL with errno set. */
static struct run *write_batch(struct sorter *s, struct batch *b)
{
	struct writer w;
	size_t i;

	if (writer_open(s, &w) < 0)
		return NULL;
	memcpy(w.run->heads, b->heads, sizeof(b->heads));
	for (i = 0; i < b->n; i++)
		if (writer_put(&w, b->slots[i].p) < 0)
			goto fail;
	if (writer_close(&w) < 0)
		goto fail;
	return w.run;
fail:
	run_free(w.run);
	return NULL;
}

/* Merge runs r[0..n) into one; the run, or NULL with errno set. */
static struct run *merge_runs(struct sorter *s, struct run **r, size_t n)
{
	struct merger m;
	struct writer w;
	const struct packed *p;
	size_t i;

	if (writer_open(s, &w) < 0)
		return NULL;
	if (merger_init(&m, NULL, 0, r, n, s->bufsize) < 0)
		goto fail;
	for (i = 0; i < n; i++)
		heads_merge(w.run->heads, r[i]->heads);
	while ((p = merger_top(&m))) {
		if (writer_put(&w, p) < 0 || merger_pop(&m, s->bufsize) < 0)
			goto fail;
	}
	if (writer_close(&w) < 0)
		goto fail;
	merger_release(&m);
	return w.run;
fail:
	merger_release(&m);
	run_free(w.run);
	return NULL;
}

static void add_run(struct sorter *s, struct run *r)
{
	s->runs = xgrow(s->runs, &s->aruns, s->nruns + 1, sizeof(*s->runs));
	s->runs[s->nruns++] = r;
	s->st.runs++;
	s->st.run_bytes += r->bytes;
}

/* Merge every run into one, so that open files and merge buffers stay
 * within the fan-in; the new run, or NULL with errno set (the runs are
 * then left as they were). */
static struct run *merge_all(struct sorter *s)
{
	struct run *m = merge_runs(s, s->runs, s->nruns);
	size_t i;

	if (!m)
		return NULL;
	for (i = 0; i < s->nruns; i++)
		run_free(s->runs[i]);
	s->nruns = 0;
	add_run(s, m);
	return m;
}

/*
 * Sort b and keep it; write the oldest sorted batches while more than
 * `keep` are in memory; merge the runs into one when there are as many
 * as the fan-in. Called with s->mx held; drops it around the work.
 */
static void process(struct sorter *s, struct batch *b, size_t keep)
{
	struct batch **tail;
	double t0;

	pthread_mutex_unlock(&s->mx);
	t0 = thread_seconds();
	batch_sort(b);
	pthread_mutex_lock(&s->mx);
	s->st.sort_seconds += thread_seconds() - t0;
	for (tail = &s->sorted; *tail; tail = &(*tail)->next)
		;
	*tail = b;
	s->nsorted++;
	while (s->nsorted > keep && !s->err) {
		struct batch *old = s->sorted;
		struct run *r;

		/* The runs are the helper's alone (the caller only looks at
		 * them after the helper is gone): no lock needed for them. */
		pthread_mutex_unlock(&s->mx);
		t0 = thread_seconds();
		r = write_batch(s, old);
		if (r) {
			add_run(s, r);
			if (s->nruns >= s->fanin)
				r = merge_all(s);
		}
		pthread_mutex_lock(&s->mx);
		s->st.write_seconds += thread_seconds() - t0;
		if (!r) {
			fail(s, "write");
			break;
		}
		s->sorted = old->next;
		s->nsorted--;
		s->mem -= batch_bytes(s, old);
		batch_clear(s, old);
		free(old->arenas);
		free(old);
		pthread_cond_broadcast(&s->cv);
	}
}

static void *helper(void *arg)
{
	struct sorter *s = arg;

	/* Riding along with more urgent work: sort when it waits. */
	if (s->background)
		setpriority(PRIO_PROCESS, (id_t)gettid(), 10);

	pthread_mutex_lock(&s->mx);
	for (;;) {
		while (!s->queued && !s->stop)
			pthread_cond_wait(&s->cv, &s->mx);
		if (!s->queued)
			break;
		s->busy = 1;
		{
			struct batch *b = s->queued;

			s->queued = NULL;
			pthread_cond_broadcast(&s->cv);
			process(s, b, NBATCH - 2);
		}
		s->busy = 0;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mx);
	return NULL;
}

/* Tell thread t to stop (set *flag under the lock, wake it) and wait for
 * it. */
static void stop_thread(struct sorter *s, int *flag, pthread_t t)
{
	pthread_mutex_lock(&s->mx);
	*flag = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mx);
	pthread_join(t, NULL);
}

/* Called by the caller's thread only. */
static int report_err(struct sorter *s)
{
	if (!s->failed)
		error_at(RX_INTERNAL, s->tmpdir, 0, "sort: cannot %s a run in this folder: %s",
			 s->err_what ? s->err_what : "write", strerror(s->err));
	s->failed = 1;
	return -1;
}

/* The caller's batch is full: hand it over and start another. */
static int batch_full(struct sorter *s)
{
	pthread_mutex_lock(&s->mx);
	if (!s->threaded && !s->nothread) {
		s->threaded = pthread_create(&s->thread, NULL, helper, s) == 0;
		s->nothread = !s->threaded;   /* never try again */
	}
	s->mem += batch_bytes(s, s->fill);
	if (s->mem > s->peak)
		s->peak = s->mem;
	if (s->threaded) {
		/* Room for a new batch: at most NBATCH - 1 others held. */
		while (!s->err && (s->queued || (s->budget && s->mem + s->cap > NBATCH * s->cap &&
						  (s->busy || s->nsorted))))
			pthread_cond_wait(&s->cv, &s->mx);
		if (!s->err) {
			s->queued = s->fill;
			pthread_cond_broadcast(&s->cv);
		}
	} else if (!s->err) {
		process(s, s->fill, NBATCH - 2);
	}
	if (s->err) {
		pthread_mutex_unlock(&s->mx);
		return report_err(s);
	}
	s->fill = batch_new();
	pthread_mutex_unlock(&s->mx);
	return 0;
}

static char *arena_get(struct sorter *s)
{
	if (s->npool) {
		char *a;

		pthread_mutex_lock(&s->mx);
		a = s->npool ? s->pool[--s->npool] : NULL;
		pthread_mutex_unlock(&s->mx);
		if (a)
			return a;
	}
	return xmalloc(s->arena);
}

static size_t flen(const char *s, size_t room)
{
	const char *e = memchr(s, '\0', room);

	return e ? (size_t)(e - s) : room - 1;
}

int sorter_add(struct sorter *s, const struct record *r)
{
	return sorter_add_group(s, 0, r);
}

/* Pack r (lo, lr, lt: its codes' lengths) into p. */
static void pack(struct sorter *s, unsigned group, const struct record *r, size_t lo,
		 size_t lr, size_t lt, struct packed *p)
{
	char *d = (char *)(p + 1);

	memset(p, 0, sizeof(*p));
	p->amount = r->amount;
	p->fee = r->fee;
	p->time = r->time;
	p->paid_time = r->paid_time;
	p->line = r->line;
	p->time_off = r->time_off;
	p->paid_off = r->paid_off;
	p->file = file_index(s, r->file);
	p->channel = chan_index(s, r->channel);
	p->kind = r->kind;
	p->status = r->status;
	p->lorder = (uint8_t)lo;
	p->lrefund = (uint8_t)lr;
	p->ltxn = (uint8_t)lt;
	memcpy(p->currency, r->currency, sizeof(p->currency));
	if (group > UINT16_MAX)
		abort();
	p->group = (uint16_t)group;
	memcpy(d, r->order_code, lo);
	memcpy(d + lo, r->refund_code, lr);
	memcpy(d + lo + lr, r->channel_txn_id, lt);
}

static int parts_start(struct sorter *s);
static void unpack(const struct sorter *s, const struct packed *p, struct record *r);
static int merge_next(struct sorter *s, unsigned *group, struct record *r);
static int parts_add(struct sorter *s, unsigned group, const struct record *r, size_t lo,
		     size_t lr, size_t lt, size_t need);

int sorter_add_group(struct sorter *s, unsigned group, const struct record *r)
{
	size_t lo = flen(r->order_code, sizeof(r->order_code));
	size_t lr = flen(r->refund_code, sizeof(r->refund_code));
	size_t lt = flen(r->channel_txn_id, sizeof(r->channel_txn_id));
	size_t need = (sizeof(struct packed) + lo + lr + lt + 7) & ~(size_t)7;
	struct batch *b = s->fill;
	struct packed *p;

	if (s->finished)
		abort();
	if (s->failed)
		return -1;
	if (s->parts)
		return parts_add(s, group, r, lo, lr, lt, need);
	if (b->n == b->aslots || !b->narenas || b->used + need > s->arena) {
		size_t more_slots = b->n == b->aslots ? s->slot_step : 0;
		size_t more_arena = !b->narenas || b->used + need > s->arena ? s->arena : 0;

		if (b->n && batch_bytes(s, b) + more_slots * sizeof(struct slot) + more_arena > s->cap) {
			if (s->want_parts && !s->threaded && !s->nsorted && !s->nruns) {
				if (parts_start(s) < 0)
					return -1;
				return parts_add(s, group, r, lo, lr, lt, need);
			}
			if (batch_full(s) < 0)
				return -1;
			b = s->fill;
			more_slots = s->slot_step;
			more_arena = s->arena;
		}
		if (more_slots) {
			b->aslots += more_slots;
			b->slots = xrealloc(b->slots, b->aslots * sizeof(*b->slots));
		}
		if (more_arena) {
			b->arenas = xgrow(b->arenas, &b->aarenas, b->narenas + 1, sizeof(*b->arenas));
			b->arenas[b->narenas++] = arena_get(s);
			b->used = 0;
		}
	}
	p = (struct packed *)(b->arenas[b->narenas - 1] + b->used);
	b->used += need;
	pack(s, group, r, lo, lr, lt, p);
	if (group > b->max_group)
		b->max_group = group;
	b->slots[b->n++].p = p;
	s->n++;
	return 0;
}

/* ---- partitions ---- */

/*
 * sorter_partition(): once the input outgrows the first batch, NPARTS - 1
 * keys cut the key space into ranges of about as many records each (the
 * caller's marks, else the first batch's keys, sorted); every record is
 * then appended, packed and unsorted, to the file of its range. After the
 * last one, the ranges are read back in order, each sorted in memory on
 * its own: the records come out in join order with one sort of each and
 * no merge, against runs that are each written, read back and merged. A
 * range too big for memory (the marks were not like the records) is
 * sorted by a sorter of its own, through runs as usual.
 */
#define NPARTS 64

struct mark {
	uint16_t group;
	uint8_t kind;
	uint8_t len;
	char key[REC_CODE_MAX];
	uint64_t tag;             /* group and kind, to compare at once */
	uint8_t head;             /* key bytes all marks of its tag begin with */
};

struct part {
	int fd;                   /* -1 until its first write */
	uint64_t bytes, count;
	char *buf;
	size_t len;
	/* sorter_absorb(): the same range of the other sorter */
	int fd2;
	uint64_t bytes2, count2;
};

/* A range read back and sorted. */
struct loaded {
	int rc;                   /* 1: a range, 0: no more, -1: failed (err) */
	int err;
	char *load;               /* its packed records */
	struct batch b;           /* their slots, sorted */
	struct sorter *sub;       /* or a sorter of its own, for a range too big */
};

struct parts {
	struct mark marks[NPARTS - 1];
	size_t nmarks;
	/* Each mark's eight key bytes after its head, together for the
	 * search */
	uint64_t words[NPARTS - 1];
	size_t kind_lo[KIND__COUNT], kind_hi[KIND__COUNT];
	struct part p[NPARTS];
	size_t bufsize;           /* each partition's write buffer */
	size_t load_cap;          /* the most bytes of a range sorted in memory */
	size_t next;              /* the range to load next */
	/* sorter_absorb(): what the other sorter's records need to be ours */
	int64_t line2;
	uint16_t file2, chan2;
	struct loaded cur;        /* the range being read */
	/* A thread of its own loads the next range while one is read; under
	 * the sorter's mx: */
	struct loaded ready;
	int have_ready, loader_on, loader_stop;
	pthread_t loader;
};

/* (group, kind, key) of a record against a mark: <0, 0, >0. */
static int mark_cmp(unsigned group, unsigned kind, const char *key, size_t len,
		    const struct mark *m)
{
	int c;

	if (group != m->group)
		return group < m->group ? -1 : 1;
	if (kind != m->kind)
		return kind < m->kind ? -1 : 1;
	c = memcmp(key, m->key, len < m->len ? len : m->len);
	if (c)
		return c;
	return len < m->len ? -1 : len > m->len;
}

/* Eight key bytes from at, big-endian, zero past the key's end: words
 * compare as the bytes do. */
static uint64_t key_word(const char *key, size_t len, size_t at)
{
	unsigned char b[8] = { 0 };
	uint64_t w;

	if (at + 8 <= len) {
		memcpy(&w, key + at, 8);     /* the usual case: one load */
		return __builtin_bswap64(w);
	}
	if (at < len && len >= 8) {
		/* The key's last eight bytes, those before at shifted out */
		memcpy(&w, key + len - 8, 8);
		return __builtin_bswap64(w) << (8 * (at + 8 - len));
	}
	if (at < len)
		memcpy(b, key + at, len - at);
	memcpy(&w, b, 8);
	return __builtin_bswap64(w);
}

/*
 * The range of (group, kind, key): the first whose mark is above it. The
 * marks of one group and kind share their first head bytes, so the key is
 * compared with those once, then with each mark by a word of the bytes
 * after them; only equal words need the whole keys.
 */
static size_t part_of(const struct parts *pt, unsigned group, unsigned kind, const char *key,
		      size_t len)
{
	uint64_t tag = (uint64_t)group << 8 | kind, word = 0;
	size_t lo = 0, hi = pt->nmarks, first, h, n;
	const uint64_t *w;
	int by_head;

	/* The marks of the key's group and kind: [lo, hi), known for the
	 * usual ones. */
	if (group == 0 && kind < KIND__COUNT) {
		lo = pt->kind_lo[kind];
		hi = pt->kind_hi[kind];
		goto found;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pt->marks[mid].tag < tag)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	hi = pt->nmarks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pt->marks[mid].tag <= tag)
			lo = mid + 1;
		else
			hi = mid;
	}
	hi = lo;
	lo = first;
found:
	if (lo == hi)
		return lo;
	h = pt->marks[lo].head;
	by_head = memcmp(key, pt->marks[lo].key, len < h ? len : h);
	if (by_head)
		return by_head < 0 ? lo : hi;
	if (len < h)
		return lo;       /* a head of the head: below them all */
	word = key_word(key, len, h);
	/* The first mark whose word is above the key's, without a branch to
	 * mispredict per step (words rise with the marks). */
	w = pt->words + lo;
	for (n = hi - lo; n > 1; n -= n / 2)
		w = w[n / 2 - 1] <= word ? w + n / 2 : w;
	first = (size_t)(w - pt->words) + (*w <= word);
	if (first == lo || pt->words[first - 1] != word)
		return first;
	/* A mark of the same word: the whole keys tell. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mark_cmp(group, kind, key, len, &pt->marks[mid]) < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* For each group and kind, what its marks' keys begin with, and each
 * mark's word after that. */
static void marks_ready(struct parts *pt)
{
	size_t i, j, k, h;

	for (i = 0; i < pt->nmarks; i++)
		pt->marks[i].tag = (uint64_t)pt->marks[i].group << 8 | pt->marks[i].kind;
	for (i = 0; i < pt->nmarks; i = j) {
		h = pt->marks[i].len;
		for (j = i + 1; j < pt->nmarks && pt->marks[j].tag == pt->marks[i].tag; j++) {
			for (k = 0; k < h && k < pt->marks[j].len &&
				    pt->marks[j].key[k] == pt->marks[i].key[k]; k++)
				;
			h = k;
		}
		for (k = i; k < j; k++) {
			pt->marks[k].head = (uint8_t)h;
			pt->words[k] = key_word(pt->marks[k].key, pt->marks[k].len, h);
		}
	}
	/* Where each kind of group 0 has its marks: [kind_lo, kind_hi). */
	for (k = 0, i = 0; k < KIND__COUNT; k++) {
		uint64_t tag = k;

		while (i < pt->nmarks && pt->marks[i].tag < tag)
			i++;
		pt->kind_lo[k] = i;
		while (i < pt->nmarks && pt->marks[i].tag == tag)
			i++;
		pt->kind_hi[k] = i;
	}
}

static int part_flush(struct sorter *s, struct part *q)
{
	if (!q->len)
		return 0;
	if (q->fd < 0 && (q->fd = temp_file(s)) < 0)
		return -1;
	if (write_all(q->fd, q->buf, q->len) < 0)
		return -1;
	q->len = 0;
	return 0;
}

/* Room for a packed record of n bytes at the end of the range of (group,
 * kind, key), counted in it; NULL after reporting (a write failed). */
static struct packed *part_room(struct sorter *s, unsigned group, unsigned kind,
				const char *key, size_t len, size_t n)
{
	struct parts *pt = s->parts;
	struct part *q = &pt->p[part_of(pt, group, kind, key, len)];
	struct packed *p;

	if (q->len + n > pt->bufsize && part_flush(s, q) < 0) {
		fail(s, "write");
		report_err(s);
		return NULL;
	}
	p = (struct packed *)(q->buf + q->len);
	q->len += n;
	q->bytes += n;
	q->count++;
	return p;
}

static int parts_put(struct sorter *s, const struct packed *p)
{
	size_t len, n = p_size(p);
	const char *key = p_key(p, &len);
	struct packed *to = part_room(s, p->group, p->kind, key, len, n);

	if (!to)
		return -1;
	memcpy(to, p, n);
	return 0;
}

static int parts_add(struct sorter *s, unsigned group, const struct record *r, size_t lo,
		     size_t lr, size_t lt, size_t need)
{
	const char *key = r->kind == KIND_REFUND ? r->refund_code : r->order_code;
	struct packed *to = part_room(s, group, r->kind, key, r->kind == KIND_REFUND ? lr : lo,
				      need);

	if (!to)
		return -1;
	pack(s, group, r, lo, lr, lt, to);
	s->n++;
	return 0;
}

/* The first batch is full: take its keys for marks and move its records
 * to their ranges. 0, or -1 after reporting. */
static int parts_start(struct sorter *s)
{
	struct parts *pt = xcalloc(1, sizeof(*pt));
	struct batch *b = s->fill;
	size_t i, len;

	if (!s->ngiven)
		batch_sort(b);
	for (i = 1; i < NPARTS; i++) {
		struct mark *m = &pt->marks[pt->nmarks];

		if (s->ngiven) {
			const struct key_mark *k = &s->given[i * s->ngiven / NPARTS];

			m->group = 0;
			m->kind = k->kind;
			m->len = k->len;
			memcpy(m->key, k->key, k->len);
		} else {
			const struct packed *p = b->slots[i * b->n / NPARTS].p;
			const char *key = p_key(p, &len);

			m->group = p->group;
			m->kind = p->kind;
			m->len = (uint8_t)len;
			memcpy(m->key, key, len);
		}
		/* Equal marks would leave ranges empty: no harm, but no use. */
		if (pt->nmarks && !mark_cmp(m->group, m->kind, m->key, m->len, m - 1))
			continue;
		pt->nmarks++;
	}
	marks_ready(pt);
	pt->bufsize = s->budget / 8 / NPARTS;
	if (pt->bufsize > MAX_BUF)
		pt->bufsize = MAX_BUF;
	if (pt->bufsize < 2 * PACKED_MAX)
		pt->bufsize = 2 * PACKED_MAX;
	/* A range being read and the next one ready: within the budget. */
	pt->load_cap = s->budget / 3;
	for (i = 0; i < NPARTS; i++) {
		pt->p[i].fd = -1;
		pt->p[i].fd2 = -1;
		pt->p[i].buf = xmalloc(pt->bufsize);
	}
	s->parts = pt;
	s->given = NULL;
	s->ngiven = 0;
	for (i = 0; i < b->n; i++)
		if (parts_put(s, b->slots[i].p) < 0)
			return -1;
	batch_clear(s, b);
	/* The batch's memory is not needed again. */
	for (i = 0; i < s->npool; i++)
		free(s->pool[i]);
	s->npool = 0;
	return 0;
}

static int read_all(int fd, char *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;    /* shorter than written */
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The other sorter's record p (sorter_absorb()) made one of ours. */
static void adopt(const struct parts *pt, struct packed *p)
{
	p->file = (uint16_t)(p->file + pt->file2);
	p->channel = (uint16_t)(p->channel + pt->chan2);
	p->line += pt->line2;
}

/* A range too big to sort in memory, through a sorter of its own. */
static int load_big(struct sorter *s, struct part *q, struct loaded *l)
{
	struct parts *pt = s->parts;
	char *buf = xmalloc(pt->bufsize);
	struct record r;
	int piece;

	l->sub = sorter_new(s->budget / 2, s->tmpdir);
	for (piece = 0; piece < 2; piece++) {
		int fd = piece ? q->fd2 : q->fd;
		uint64_t left = piece ? q->count2 : q->count;
		size_t have = 0, at;

		if (left && lseek(fd, 0, SEEK_SET) < 0)
			goto fail;
		while (left) {
			ssize_t k = read(fd, buf + have, pt->bufsize - have);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				if (k == 0)
					errno = EIO;
				goto fail;
			}
			have += (size_t)k;
			at = 0;
			while (left && have - at >= sizeof(struct packed)) {
				struct packed *p = (struct packed *)(buf + at);
				size_t n = p_size(p);

				if (n > have - at)
					break;
				if (piece)
					adopt(pt, p);
				unpack(s, p, &r);
				if (sorter_add_group(l->sub, p->group, &r) < 0) {
					errno = l->sub->err ? l->sub->err : EIO;
					goto fail;
				}
				at += n;
				left--;
			}
			memmove(buf, buf + at, have - at);
			have -= at;
		}
	}
	free(buf);
	if (sorter_finish(l->sub) < 0) {
		errno = l->sub->err ? l->sub->err : EIO;
		return -1;
	}
	return 0;
fail:
	free(buf);
	return -1;
}

static void loaded_release(struct loaded *l)
{
	free(l->load);
	free(l->b.slots);
	sorter_free(l->sub);
	memset(l, 0, sizeof(*l));
}

/* Read the next range into l and sort it: 1, 0 when there are no more,
 * -1 with errno set. */
static int load_one(struct sorter *s, struct loaded *l)
{
	struct parts *pt = s->parts;
	struct part *q;
	struct batch *b = &l->b;
	size_t at, i;

	memset(l, 0, sizeof(*l));
	for (;;) {
		if (pt->next == NPARTS)
			return 0;
		q = &pt->p[pt->next++];
		if (q->count || q->count2)
			break;
	}
	if (q->bytes + q->bytes2 + (q->count + q->count2) * sizeof(struct slot) > pt->load_cap) {
		if (load_big(s, q, l) < 0)
			return -1;
	} else {
		l->load = xmalloc(q->bytes + q->bytes2 + 1);
		if ((q->count && (lseek(q->fd, 0, SEEK_SET) < 0 ||
				  read_all(q->fd, l->load, q->bytes) < 0)) ||
		    (q->count2 && (lseek(q->fd2, 0, SEEK_SET) < 0 ||
				   read_all(q->fd2, l->load + q->bytes, q->bytes2) < 0)))
			return -1;
		b->slots = xmalloc((q->count + q->count2) * sizeof(*b->slots));
		for (at = 0, i = 0; i < q->count + q->count2; i++) {
			struct packed *p = (struct packed *)(l->load + at);

			if (i >= q->count)
				adopt(pt, p);
			b->slots[i].p = p;
			if (p->group > b->max_group)
				b->max_group = p->group;
			at += p_size(p);
		}
		b->n = q->count + q->count2;
		batch_sort(b);
	}
	/* The range's files are read: their pages can go. */
	if (q->fd >= 0)
		close(q->fd);
	if (q->fd2 >= 0)
		close(q->fd2);
	q->fd = q->fd2 = -1;
	return 1;
}

static void *loader_main(void *arg)
{
	struct sorter *s = arg;
	struct parts *pt = s->parts;
	struct loaded l;
	int rc = 1;

	pthread_mutex_lock(&s->mx);
	while (rc > 0) {
		while (pt->have_ready && !pt->loader_stop)
			pthread_cond_wait(&s->cv, &s->mx);
		if (pt->loader_stop)
			break;
		pthread_mutex_unlock(&s->mx);
		rc = load_one(s, &l);
		l.rc = rc;
		l.err = rc < 0 ? (errno ? errno : EIO) : 0;
		pthread_mutex_lock(&s->mx);
		pt->ready = l;
		pt->have_ready = 1;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mx);
	return NULL;
}

/* Make the next range the current one: 1, 0 when there are no more, -1
 * with errno set. */
static int parts_load(struct sorter *s)
{
	struct parts *pt = s->parts;
	struct batch *b;
	int rc;

	merger_release(&s->m);
	loaded_release(&pt->cur);
	if (pt->loader_on) {
		pthread_mutex_lock(&s->mx);
		while (!pt->have_ready)
			pthread_cond_wait(&s->cv, &s->mx);
		pt->cur = pt->ready;
		pt->have_ready = 0;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mx);
		rc = pt->cur.rc;
		errno = pt->cur.err;
	} else {
		rc = load_one(s, &pt->cur);
	}
	if (rc <= 0 || pt->cur.sub)
		return rc;
	b = &pt->cur.b;
	return merger_init(&s->m, &b, 1, NULL, 0, s->bufsize) < 0 ? -1 : 1;
}

/* The next record of the ranges: as merge_next(). */
static int parts_next(struct sorter *s, unsigned *group, struct record *r)
{
	struct parts *pt = s->parts;
	const struct packed *p;
	int rc;

	for (;;) {
		if (pt->cur.sub) {
			rc = merge_next(pt->cur.sub, group, r);
			if (rc > 0)
				return 1;
			if (rc < 0) {
				errno = pt->cur.sub->err;
				break;
			}
		} else if ((p = merger_top(&s->m))) {
			unpack(s, p, r);
			*group = p->group;
			if (merger_pop(&s->m, s->bufsize) < 0)
				break;
			return 1;
		}
		rc = parts_load(s);
		if (rc <= 0) {
			if (rc == 0)
				return 0;
			break;
		}
	}
	pthread_mutex_lock(&s->mx);
	fail(s, "read");
	pthread_mutex_unlock(&s->mx);
	return -1;
}

static void parts_free(struct sorter *s)
{
	struct parts *pt = s->parts;
	size_t i;

	if (!pt)
		return;
	if (pt->loader_on)
		stop_thread(s, &pt->loader_stop, pt->loader);
	merger_release(&s->m);
	loaded_release(&pt->cur);
	if (pt->have_ready)
		loaded_release(&pt->ready);
	for (i = 0; i < NPARTS; i++) {
		if (pt->p[i].fd >= 0)
			close(pt->p[i].fd);
		if (pt->p[i].fd2 >= 0)
			close(pt->p[i].fd2);
		free(pt->p[i].buf);
	}
	free(pt);
	s->parts = NULL;
}

int sorter_absorb(struct sorter *into, struct sorter *from, int64_t line_offset)
{
	struct parts *a = into->parts, *b = from->parts;
	size_t i;

	if (!a || !b || !into->finished || !from->finished || into->failed || from->failed ||
	    a->loader_on || b->loader_on || a->next || b->next || a->nmarks != b->nmarks ||
	    into->nfiles + from->nfiles > UINT16_MAX + 1 ||
	    into->nchans + from->nchans > UINT16_MAX + 1)
		return -1;
	for (i = 0; i < a->nmarks; i++)
		if (mark_cmp(a->marks[i].group, a->marks[i].kind, a->marks[i].key, a->marks[i].len,
			     &b->marks[i]))
			return -1;
	for (i = 0; i < NPARTS; i++) {
		struct part *p = &a->p[i], *q = &b->p[i];

		if (p->fd2 >= 0 || q->fd2 >= 0)
			return -1;    /* one absorbed already */
	}
	a->file2 = (uint16_t)into->nfiles;
	a->chan2 = (uint16_t)into->nchans;
	a->line2 = line_offset;
	for (i = 0; i < from->nfiles; i++) {
		into->files = xgrow(into->files, &into->afiles, into->nfiles + 1, sizeof(*into->files));
		into->files[into->nfiles++] = from->files[i];
	}
	for (i = 0; i < from->nchans; i++) {
		into->chans = xgrow(into->chans, &into->achans, into->nchans + 1, sizeof(*into->chans));
		memcpy(into->chans[into->nchans++], from->chans[i], sizeof(into->chans[0]));
	}
	for (i = 0; i < NPARTS; i++) {
		struct part *p = &a->p[i], *q = &b->p[i];

		p->fd2 = q->fd;
		p->bytes2 = q->bytes;
		p->count2 = q->count;
		q->fd = -1;
		q->bytes = q->count = 0;
	}
	into->n += from->n;
	into->st.ranges += from->st.ranges;
	into->st.run_bytes += from->st.run_bytes;
	from->n = 0;
	return 0;
}

void sorter_partition(struct sorter *s, const struct key_mark *marks, size_t n)
{
	if (s->budget && !s->n) {
		s->want_parts = 1;
		s->given = marks;
		s->ngiven = n;
	}
}

int sorter_finish(struct sorter *s)
{
	struct batch **all = NULL, *b;
	size_t nb = 0;

	if (s->finished)
		abort();
	s->finished = 1;
	if (s->failed)
		return -1;
	if (s->parts) {
		size_t i;

		for (i = 0; i < NPARTS; i++) {
			struct part *q = &s->parts->p[i];

			if (part_flush(s, q) < 0) {
				fail(s, "write");
				return report_err(s);
			}
			free(q->buf);
			q->buf = NULL;
			if (q->fd >= 0) {
				s->st.ranges++;
				s->st.run_bytes += q->bytes;
			}
		}
		return 0;
	}
	pthread_mutex_lock(&s->mx);
	if (s->threaded) {
		s->stop = 1;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mx);
		pthread_join(s->thread, NULL);
		pthread_mutex_lock(&s->mx);
		s->threaded = 0;
	}
	if (!s->err && s->fill->n) {
		s->mem += batch_bytes(s, s->fill);
		if (s->mem > s->peak)
			s->peak = s->mem;
		/* Keep all in memory now: the merge needs no room for more. */
		process(s, s->fill, NBATCH);
		s->fill = batch_new();
	}
	pthread_mutex_unlock(&s->mx);
	if (s->err)
		return report_err(s);
	all = xcalloc(s->nsorted ? s->nsorted : 1, sizeof(*all));
	for (b = s->sorted; b; b = b->next)
		all[nb++] = b;
	if (merger_init(&s->m, all, nb, s->runs, s->nruns, s->bufsize) < 0) {
		free(all);
		fail(s, "read");
		return report_err(s);
	}
	free(all);
	return 0;
}

/* A code copied a word at a time: the compiler makes a memcpy() of a
 * length it cannot know into a rep movs, whose start costs more than the
 * twenty bytes of a usual code. */
static void copy_short(char *dst, const char *src, size_t n)
{
	for (; n >= 8; n -= 8, dst += 8, src += 8)
		memcpy(dst, src, 8);
	if (n >= 4) {
		memcpy(dst, src, 4);
		dst += 4;
		src += 4;
		n -= 4;
	}
	while (n--)
		*dst++ = *src++;
}

static void unpack(const struct sorter *s, const struct packed *p, struct record *r)
{
	const char *d = (const char *)(p + 1);

	memset(r, 0, sizeof(*r));
	r->amount = p->amount;
	r->fee = p->fee;
	r->time = p->time;
	r->paid_time = p->paid_time;
	r->line = p->line;
	r->file = s->files[p->file];
	r->time_off = p->time_off;
	r->paid_off = p->paid_off;
	r->kind = p->kind;
	r->status = p->status;
	memcpy(r->currency, p->currency, sizeof(r->currency));
	memcpy(r->channel, s->chans[p->channel], sizeof(r->channel));
	copy_short(r->order_code, d, p->lorder);
	copy_short(r->refund_code, p_refund(p), p->lrefund);
	copy_short(r->channel_txn_id, p_txn(p), p->ltxn);
}

int sorter_next(struct sorter *s, struct record *r)
{
	unsigned group;

	return sorter_next_group(s, &group, r);
}

/* The next record from the merge: 1, 0 at the end, -1 with the error in
 * s->err (not reported: this may be another thread). */
static int merge_next(struct sorter *s, unsigned *group, struct record *r)
{
	const struct packed *p;

	if (s->parts)
		return parts_next(s, group, r);
	p = merger_top(&s->m);
	if (!p)
		return 0;
	unpack(s, p, r);
	*group = p->group;
	if (merger_pop(&s->m, s->bufsize) < 0) {
		pthread_mutex_lock(&s->mx);
		fail(s, "read");
		pthread_mutex_unlock(&s->mx);
		return -1;
	}
	return 1;
}

static void *prefetch_main(void *arg)
{
	struct sorter *s = arg;
	size_t fill = 0;
	int end = 0;

	while (!end) {
		struct pf_batch *b;
		int rc = 1;

		/* Once all are full, sleep until half are free: a wake-up
		 * per batch taken cost the reader more than the records. */
		pthread_mutex_lock(&s->mx);
		if (s->pf_full == PF_SLOTS)
			while (s->pf_full > PF_SLOTS / 2 && !s->pf_stop)
				pthread_cond_wait(&s->cv, &s->mx);
		pthread_mutex_unlock(&s->mx);
		if (s->pf_stop)
			break;
		b = s->pf[fill];
		for (b->n = 0; b->n < PF_BATCH; b->n++)
			if ((rc = merge_next(s, &b->group[b->n], &b->r[b->n])) != 1)
				break;
		b->end = end = rc != 1;
		pthread_mutex_lock(&s->mx);
		s->pf_full++;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mx);
		fill = (fill + 1) % PF_SLOTS;
	}
	return NULL;
}

void sorter_prefetch(struct sorter *s)
{
	size_t i;

	if (!s->finished || s->failed || s->pf_on)
		return;
	/* The ranges are read and sorted ahead by a thread of their own. */
	if (s->parts && !s->parts->loader_on && !s->parts->next)
		s->parts->loader_on = pthread_create(&s->parts->loader, NULL, loader_main, s) == 0;
	for (i = 0; i < PF_SLOTS; i++)
		s->pf[i] = xmalloc(sizeof(*s->pf[i]));
	s->pf_on = pthread_create(&s->pf_thread, NULL, prefetch_main, s) == 0;
}

int sorter_next_group(struct sorter *s, unsigned *group, struct record *r)
{
	struct pf_batch *b;
	int rc;

	if (!s->finished)
		abort();
	if (s->failed)
		return -1;
	if (!s->pf_on) {
		rc = merge_next(s, group, r);
		return rc < 0 ? report_err(s) : rc;
	}
	for (;;) {
		/* The lock only to wait for a batch, not for each record */
		if (!s->pf_held) {
			pthread_mutex_lock(&s->mx);
			while (!s->pf_full)
				pthread_cond_wait(&s->cv, &s->mx);
			pthread_mutex_unlock(&s->mx);
			s->pf_held = 1;
		}
		b = s->pf[s->pf_take];
		if (s->pf_pos < b->n) {
			*group = b->group[s->pf_pos];
			*r = b->r[s->pf_pos++];
			return 1;
		}
		if (b->end)
			return s->err ? report_err(s) : 0;
		pthread_mutex_lock(&s->mx);
		s->pf_full--;
		s->pf_take = (s->pf_take + 1) % PF_SLOTS;
		s->pf_pos = 0;
		s->pf_held = 0;
		if (s->pf_full == PF_SLOTS / 2)
			pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mx);
	}
}

void sorter_background(struct sorter *s)
{
	s->background = 1;
}

uint64_t sorter_count(const struct sorter *s)
{
	return s->n;
}

void sorter_stats(const struct sorter *s, struct sorter_stats *st)
{
	*st = s->st;
	st->records = s->n;
	st->peak_bytes = s->peak;
}

void sorter_free(struct sorter *s)
{
	size_t i;

	if (!s)
		return;
	if (s->threaded)
		stop_thread(s, &s->stop, s->thread);
	if (s->pf_on)
		stop_thread(s, &s->pf_stop, s->pf_thread);
	for (i = 0; i < PF_SLOTS; i++)
		free(s->pf[i]);
	parts_free(s);
	merger_release(&s->m);
	batch_free(s, s->fill);
	batch_free(s, s->queued);
	while (s->sorted) {
		struct batch *b = s->sorted;

		s->sorted = b->next;
		batch_free(s, b);
	}
	for (i = 0; i < s->nruns; i++)
		run_free(s->runs[i]);
	free(s->runs);
	for (i = 0; i < s->npool; i++)
		free(s->pool[i]);
	free(s->pool);
	free(s->files);
	free(s->chans);
	free(s->wbuf);
	free(s->tmpdir);
	pthread_mutex_destroy(&s->mx);
	pthread_cond_destroy(&s->cv);
	free(s);
}
