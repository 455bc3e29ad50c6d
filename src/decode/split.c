/*
 * split.c: a statement decoded in two halves on two threads
 * (decode_split.h). Each half reads its bytes with pread() from the same
 * file: the first [0, cut), the second the header line and then
 * [cut, end), where cut follows the first newline past the middle. The
 * first half counts its newlines on the way, which gives the second half's
 * line numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "recon/decode_split.h"
#include "recon/diag.h"
#include "recon/money.h"
#include "recon/progress.h"
#include "recon/util.h"

struct reader {
	int fd;
	const char *head;         /* read first (the header line), or NULL */
	size_t headlen, headpos;
	uint64_t pos, end;        /* the range of the file still to read */
	uint64_t newlines;        /* in what was read */
	uint64_t *bytes;          /* shared, for progress: this half's bytes read */
	struct progress *prog;    /* the first half only */
	uint64_t *other;          /* the second half's bytes */
};

struct half_run {
	const struct format *f;
	const char *name;
	struct decode_opts o;
	struct reader r;
	struct decode_half *h;
	struct decode_stats st;
	int rc;
};

static ssize_t read_range(void *ctx, void *buf, size_t n)
{
	struct reader *r = ctx;
	char *b = buf;
	ssize_t got;

	if (r->head && r->headpos < r->headlen) {
		size_t k = r->headlen - r->headpos < n ? r->headlen - r->headpos : n;

		memcpy(b, r->head + r->headpos, k);
		r->headpos += k;
		return (ssize_t)k;
	}
	if (r->pos >= r->end)
		return 0;
	if (n > r->end - r->pos)
		n = (size_t)(r->end - r->pos);
	do
		got = pread(r->fd, b, n, (off_t)r->pos);
	while (got < 0 && errno == EINTR);
	if (got <= 0) {
		/* quiet: the caller decodes again and reports */
		return -1;
	}
	r->pos += (uint64_t)got;
	for (const char *p = b, *e = b + got; (p = memchr(p, '\n', (size_t)(e - p))); p++)
		r->newlines++;
	__atomic_store_n(r->bytes, r->pos, __ATOMIC_RELAXED);
	if (r->prog)
		progress_update(r->prog, 0, r->pos + __atomic_load_n(r->other, __ATOMIC_RELAXED));
	return got;
}

static void *run_half(void *arg)
{
	struct half_run *h = arg;

	diag_quiet(1);
	h->rc = decode_stream(h->f, h->name, read_range, &h->r, &h->o, h->h->fn, h->h->ctx,
			      &h->st);
	diag_quiet(0);
	if (h->h->done)
		h->h->done(h->h->ctx);
	return NULL;
}

/* The byte after the first newline at or after from, or 0 when none. */
static uint64_t line_after(int fd, uint64_t from, uint64_t size)
{
	char buf[65536];

	while (from < size) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)from);
		const char *nl;

		if (n <= 0)
			return 0;
		nl = memchr(buf, '\n', (size_t)n);
		if (nl)
			return from + (uint64_t)(nl - buf) + 1;
		from += (uint64_t)n;
	}
	return 0;
}

static void merge_stats(struct decode_stats *a, const struct decode_stats *b)
{
	size_t i, j;

	a->rows += b->rows;
	a->rejects += b->rejects;
	a->skipped += b->skipped;
	a->bytes += b->bytes;
	for (i = 0; i < b->nsums; i++) {
		for (j = 0; j < a->nsums && strcmp(a->sums[j].currency, b->sums[i].currency); j++)
			;
		if (j == a->nsums) {
			if (a->nsums == DECODE_MAX_CURRENCIES) {
				a->rejects++;   /* cannot be kept: the caller decodes again */
				continue;
			}
			a->sums[a->nsums++] = b->sums[i];
			continue;
		}
		if (money_add(a->sums[j].amount, b->sums[i].amount, &a->sums[j].amount) ||
		    money_add(a->sums[j].fee, b->sums[i].fee, &a->sums[j].fee))
			a->rejects++;
		a->sums[j].count += b->sums[i].count;
	}
}

int decode_split(const struct format *f, const char *path, const struct decode_opts *o,
		 struct decode_half half[2], struct decode_stats *st, int64_t *line_offset,
		 struct progress *prog)
{
	struct half_run h[2];
	uint64_t size, head, cut, bytes[2] = { 0, 0 };
	char magic[2], *header = NULL;
	struct stat sb;
	pthread_t t;
	int fd, i, threaded;

	if (!format_splittable(f))
		return 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    pread(fd, magic, 2, 0) != 2 || (magic[0] == '\x1f' && magic[1] == '\x8b') ||
	    (magic[0] == 'P' && magic[1] == 'K'))
		goto no;
	size = (uint64_t)sb.st_size;
	head = line_after(fd, 0, size);
	cut = line_after(fd, size / 2, size);
	if (!head || !cut || cut <= head || cut >= size || head > 65536)
		goto no;
	header = xmalloc(head);
	if (pread(fd, header, head, 0) != (ssize_t)head || (f->quote && memchr(header, f->quote, head)))
		goto no;
	memset(h, 0, sizeof(h));
	for (i = 0; i < 2; i++) {
		h[i].f = f;
		h[i].name = o->name ? o->name : path;
		h[i].o = *o;
		h[i].o.reject_path = NULL;
		h[i].o.progress = NULL;
		h[i].h = &half[i];
		h[i].r.fd = fd;
		h[i].r.bytes = &bytes[i];
		h[i].r.other = &bytes[1 - i];
	}
	h[0].r.end = cut;
	h[0].r.prog = prog;
	h[1].r.head = header;
	h[1].r.headlen = head;
	h[1].r.pos = cut;
	h[1].r.end = size;
	threaded = pthread_create(&t, NULL, run_half, &h[1]) == 0;
	run_half(&h[0]);
	if (threaded)
		pthread_join(t, NULL);
	else
		run_half(&h[1]);
	free(header);
	close(fd);
	if (h[0].rc || h[1].rc || h[0].st.rejects || h[1].st.rejects)
		return 1;
	*st = h[0].st;
	h[1].st.bytes -= head;
	merge_stats(st, &h[1].st);
	if (st->rejects)
		return 1;
	*line_offset = (int64_t)h[0].r.newlines - 1;
	return 0;
no:
	free(header);
	close(fd);
	return 1;
}
