/*
 * dayfile.c: the day file format (dayfile.h).
 *
 *   "RECONDAY" u8 version (1) u8 channel length, the channel,
 *   zigzag varints: day, window from, window to;
 *   records; then 0xff and a varint: the number of records (a file cut
 *   short has no such end, and is refused).
 *
 * A record: a flags byte (kind in bits 0-2, status 3-4, a time 5, a paid
 * time 6, the UTC offsets of the record before 7); the currency (0xff: the
 * record before's, else its length and bytes); order code, refund code and
 * channel id each as the bytes it shares with the record before's, the
 * length of the rest and the rest (sorted keys share most of their head);
 * then zigzag varints: amount, fee, the time, the paid time less the time
 * (or itself without one), the two offsets unless flagged, the line.
 * About 40 bytes for a usual ledger row, against 300 in memory.
 *
 * Version 2 adds marks after the count: evenly spaced keys of the file
 * (every stride-th record's kind and key, at most MARKS_MAX), so that a run
 * can cut a statement of the day into ranges of about as many rows before
 * reading it: a varint count, then each mark as its kind, its length and
 * its bytes; then the marks' length in bytes (u32, little-endian) and
 * "MRKS", so that they can be read from the end without the records.
 * Version 1 files (no marks) are still read.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recon/dayfile.h"
#include "recon/util.h"

#define MAGIC "RECONDAY"
#define VERSION 2
#define MARKS_MAGIC "MRKS"
#define MARKS_MAX 1024
#define MARKS_STRIDE 64           /* at first: small days need no marks */
#define BUF ((size_t)256 << 10)
#define END 0xff
/* The longest record: flags, currency, three codes, seven varints. */
#define RECORD_MAX (1 + 4 + 3 * (2 * 10 + REC_CODE_MAX) + 7 * 10)

struct prev {
	char currency[4];
	char codes[3][REC_CODE_MAX + 1];
	size_t len[3];            /* reading: strlen of codes[i] */
	int32_t time_off, paid_off;
};

struct dayfile_writer {
	int fd;
	char *path;
	unsigned char *buf;
	size_t len;
	uint64_t rows;
	struct sha256 sha;
	struct prev prev;
	struct key_mark *marks;   /* up to 2 * MARKS_MAX, then halved */
	size_t nmarks;
	uint64_t stride;          /* a mark every stride rows */
};

struct dayfile {
	int fd;
	unsigned char *buf;
	size_t start, end;
	int eof, done;
	uint64_t rows;
	struct prev prev;
	char channel[REC_CHANNEL_MAX + 1];
	uint64_t trailer;         /* version 2: the bytes after the count */
	struct key_mark *marks;
	size_t nmarks;
};

static uint64_t zig(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzig(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static unsigned char *put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

/* ---- writing ---- */

static int w_flush(struct dayfile_writer *w)
{
	const unsigned char *p = w->buf;
	size_t n = w->len;

	sha256_update(&w->sha, w->buf, w->len);
	while (n) {
		ssize_t k = write(w->fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	w->len = 0;
	return 0;
}

struct dayfile_writer *dayfile_create(const char *path, const char *channel, int64_t day,
				      int64_t from, int64_t to)
{
	struct dayfile_writer *w;
	size_t n = strlen(channel);
	unsigned char *p;
	int fd;

	if (n > REC_CHANNEL_MAX) {
		errno = EINVAL;
		return NULL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->fd = fd;
	w->path = xstrdup(path);
	w->buf = xmalloc(BUF);
	w->stride = MARKS_STRIDE;
	sha256_init(&w->sha);
	p = w->buf;
	memcpy(p, MAGIC, 8);
	p += 8;
	*p++ = VERSION;
	*p++ = (unsigned char)n;
	memcpy(p, channel, n);
	p += n;
	p = put_varint(p, zig(day));
	p = put_varint(p, zig(from));
	p = put_varint(p, zig(to));
	w->len = (size_t)(p - w->buf);
	return w;
}

static unsigned char *put_code(unsigned char *p, char *prev, const char *s)
{
	size_t n = strlen(s), k;

	for (k = 0; k < n && prev[k] == s[k]; k++)
		;
	p = put_varint(p, k);
	p = put_varint(p, n - k);
	memcpy(p, s + k, n - k);
	memcpy(prev + k, s + k, n - k + 1);
	return p + n - k;
}

/* Keep r's key as a mark; at twice the most, drop every other one and
 * take them half as often. */
static void add_mark(struct dayfile_writer *w, const struct record *r)
{
	const char *key = record_key(r);
	size_t n = strlen(key), i;
	struct key_mark *m;

	if (!w->marks)
		w->marks = xmalloc(2 * MARKS_MAX * sizeof(*w->marks));
	m = &w->marks[w->nmarks++];
	m->kind = r->kind;
	m->len = (uint8_t)n;
	memcpy(m->key, key, n);
	if (w->nmarks == 2 * MARKS_MAX) {
		for (i = 0; i < MARKS_MAX; i++)
			w->marks[i] = w->marks[2 * i];
		w->nmarks = MARKS_MAX;
		w->stride *= 2;
	}
}

int dayfile_put(struct dayfile_writer *w, const struct record *r)
{
	unsigned char *p, *flags;
	int has_time = r->time != REC_NO_TIME, has_paid = r->paid_time != REC_NO_TIME;
	/* As the database keeps them: no offset without its time. */
	int32_t time_off = has_time ? r->time_off : 0, paid_off = has_paid ? r->paid_off : 0;
	int same_off = time_off == w->prev.time_off && paid_off == w->prev.paid_off;
	char cur[4];
	size_t cl;

	if (w->len + RECORD_MAX > BUF && w_flush(w) < 0)
		return -1;
	p = w->buf + w->len;
	flags = p++;
	*flags = (unsigned char)((r->kind & 7) | (r->status & 3) << 3 | has_time << 5 |
				 has_paid << 6 | same_off << 7);
	memset(cur, 0, sizeof(cur));
	cl = strnlen(r->currency, 3);
	memcpy(cur, r->currency, cl);
	if (!memcmp(cur, w->prev.currency, 4)) {
		*p++ = 0xff;
	} else {
		*p++ = (unsigned char)cl;
		memcpy(p, cur, cl);
		p += cl;
		memcpy(w->prev.currency, cur, 4);
	}
	p = put_code(p, w->prev.codes[0], r->order_code);
	p = put_code(p, w->prev.codes[1], r->refund_code);
	p = put_code(p, w->prev.codes[2], r->channel_txn_id);
	p = put_varint(p, zig(r->amount));
	p = put_varint(p, zig(r->fee));
	if (has_time)
		p = put_varint(p, zig(r->time));
	if (has_paid)
		p = put_varint(p, zig(has_time ? (int64_t)((uint64_t)r->paid_time -
							    (uint64_t)r->time) : r->paid_time));
	if (!same_off) {
		p = put_varint(p, zig(time_off));
		p = put_varint(p, zig(paid_off));
		w->prev.time_off = time_off;
		w->prev.paid_off = paid_off;
	}
	p = put_varint(p, zig(r->line));
	w->len = (size_t)(p - w->buf);
	if (w->rows % w->stride == 0)
		add_mark(w, r);
	w->rows++;
	return 0;
}

void dayfile_abort(struct dayfile_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	unlink(w->path);
	free(w->path);
	free(w->buf);
	free(w->marks);
	free(w);
}

/* The marks and what follows them, into the emptied buffer: fewer than
 * 2 * MARKS_MAX of at most 2 + REC_CODE_MAX bytes, well within it. */
static void put_marks(struct dayfile_writer *w)
{
	unsigned char *p = w->buf + w->len, *start = p;
	uint32_t len;
	size_t i;

	p = put_varint(p, w->nmarks);
	for (i = 0; i < w->nmarks; i++) {
		*p++ = w->marks[i].kind;
		*p++ = w->marks[i].len;
		memcpy(p, w->marks[i].key, w->marks[i].len);
		p += w->marks[i].len;
	}
	len = (uint32_t)(p - start);
	for (i = 0; i < 4; i++)
		*p++ = (unsigned char)(len >> (8 * i));
	memcpy(p, MARKS_MAGIC, 4);
	w->len = (size_t)(p + 4 - w->buf);
}

int dayfile_finish(struct dayfile_writer *w, uint64_t *rows, char hex[SHA256_HEXLEN + 1])
{
	unsigned char digest[SHA256_LEN], *p;
	int e;

	p = w->buf + w->len;
	*p++ = END;
	p = put_varint(p, w->rows);
	w->len = (size_t)(p - w->buf);
	if (w_flush(w) < 0)
		goto fail;
	put_marks(w);
	if (w_flush(w) < 0 || fsync(w->fd) < 0)
		goto fail;
	e = close(w->fd);
	w->fd = -1;
	if (e < 0)
		goto fail;
	sha256_final(&w->sha, digest);
	sha256_hex(digest, hex);
	*rows = w->rows;
	free(w->path);
	free(w->buf);
	free(w->marks);
	free(w);
	return 0;
fail:
	e = errno;
	dayfile_abort(w);
	errno = e;
	return -1;
}

/* ---- reading ---- */

/* At least want bytes (or all that is left) at start; 0 or -1. */
static int r_fill(struct dayfile *f, size_t want)
{
	size_t have = f->end - f->start;

	if (have >= want || f->eof)
		return 0;
	memmove(f->buf, f->buf + f->start, have);
	f->start = 0;
	f->end = have;
	while (f->end < BUF) {
		ssize_t k = read(f->fd, f->buf + f->end, BUF - f->end);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0) {
			f->eof = 1;
			break;
		}
		f->end += (size_t)k;
	}
	return 0;
}

/* A varint at *p before end; -1 when it runs past end or is too long. */
static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t x = 0;
	int shift;

	for (shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char c = *(*p)++;

		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

static int get_svarint(const unsigned char **p, const unsigned char *end, int64_t *v)
{
	uint64_t u;

	if (get_varint(p, end, &u) < 0)
		return -1;
	*v = unzig(u);
	return 0;
}

/* The code is copied from the record before and the input apiece: read
 * back whole from prev just after writing its end, it would wait for those
 * stores to land (a fifth of a run's reading time went there). */
static int get_code(const unsigned char **p, const unsigned char *end, char *prev, size_t *len,
		    char *out)
{
	uint64_t k, n;

	if (get_varint(p, end, &k) < 0 || get_varint(p, end, &n) < 0 ||
	    k > *len || k + n > REC_CODE_MAX || n > (uint64_t)(end - *p))
		return -1;
	memcpy(out, prev, k);
	memcpy(out + k, *p, n);
	out[k + n] = '\0';
	memcpy(prev + k, *p, n);
	prev[k + n] = '\0';
	*len = k + n;
	*p += n;
	return 0;
}

/* Version 2: the marks, from the end of the file. 0, or -1 (damaged). */
static int read_marks(struct dayfile *f)
{
	unsigned char tail[8], *m;
	const unsigned char *p, *end;
	struct stat st;
	uint64_t n, i;
	uint32_t len;
	int rc = -1;

	if (fstat(f->fd, &st) < 0 || st.st_size < 8 ||
	    pread(f->fd, tail, 8, st.st_size - 8) != 8 || memcmp(tail + 4, MARKS_MAGIC, 4))
		return -1;
	len = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
	      (uint32_t)tail[3] << 24;
	if ((uint64_t)len + 8 > (uint64_t)st.st_size || len > 2 * MARKS_MAX * (2 + REC_CODE_MAX) + 10)
		return -1;
	f->trailer = (uint64_t)len + 8;
	m = xmalloc(len ? len : 1);
	if (pread(f->fd, m, len, st.st_size - 8 - (off_t)len) != (ssize_t)len)
		goto out;
	p = m;
	end = m + len;
	if (get_varint(&p, end, &n) < 0 || n >= 2 * MARKS_MAX)
		goto out;
	f->marks = xcalloc(n ? n : 1, sizeof(*f->marks));
	for (i = 0; i < n; i++) {
		struct key_mark *k = &f->marks[i];

		if (end - p < 2 || p[1] > REC_CODE_MAX || end - p - 2 < p[1])
			goto out;
		k->kind = p[0];
		k->len = p[1];
		memcpy(k->key, p + 2, k->len);
		p += 2 + k->len;
	}
	f->nmarks = (size_t)n;
	rc = p == end ? 0 : -1;
out:
	free(m);
	return rc;
}

const struct key_mark *dayfile_marks(const struct dayfile *f, size_t *n)
{
	*n = f->nmarks;
	return f->marks;
}

struct dayfile *dayfile_open(const char *path, struct dayfile_head *h)
{
	struct dayfile *f;
	const unsigned char *p, *end;
	size_t n;
	int version, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->fd = fd;
	f->buf = xmalloc(BUF);
	if (r_fill(f, 64) < 0)
		goto fail;
	p = f->buf;
	end = f->buf + f->end;
	if (end - p < 10 || memcmp(p, MAGIC, 8) || p[8] < 1 || p[8] > VERSION)
		goto bad;
	version = p[8];
	n = p[9];
	p += 10;
	if (n > REC_CHANNEL_MAX || (size_t)(end - p) < n)
		goto bad;
	memset(h, 0, sizeof(*h));
	memcpy(h->channel, p, n);
	p += n;
	if (get_svarint(&p, end, &h->day) < 0 || get_svarint(&p, end, &h->from) < 0 ||
	    get_svarint(&p, end, &h->to) < 0)
		goto bad;
	memcpy(f->channel, h->channel, sizeof(f->channel));
	f->start = (size_t)(p - f->buf);
	if (version >= 2 && read_marks(f) < 0)
		goto bad;
	return f;
bad:
	errno = EINVAL;
fail:
	n = (size_t)errno;
	dayfile_close(f);
	errno = (int)n;
	return NULL;
}

int dayfile_next(struct dayfile *f, struct record *r)
{
	const unsigned char *p, *end;
	unsigned flags;
	int64_t v;
	uint64_t u;

	if (f->done)
		return 0;
	if (r_fill(f, RECORD_MAX) < 0)
		return -1;
	p = f->buf + f->start;
	end = f->buf + f->end;
	if (p == end)
		goto bad;       /* no end mark: cut short */
	flags = *p++;
	if (flags == END) {
		if (get_varint(&p, end, &u) < 0 || u != f->rows)
			goto bad;
		/* Then only the marks, read at the open. */
		f->start = (size_t)(p - f->buf);
		while (f->end - f->start < f->trailer && !f->eof)
			if (r_fill(f, (size_t)f->trailer) < 0)
				return -1;
		if (f->end - f->start != f->trailer || !f->eof)
			goto bad;
		f->done = 1;
		return 0;
	}
	record_init(r);
	memcpy(r->channel, f->channel, sizeof(r->channel));
	r->kind = (uint8_t)(flags & 7);
	r->status = (uint8_t)(flags >> 3 & 3);
	if (p == end)
		goto bad;
	if (*p == 0xff) {
		p++;
	} else {
		size_t cl = *p++;

		if (cl > 3 || (size_t)(end - p) < cl)
			goto bad;
		memset(f->prev.currency, 0, 4);
		memcpy(f->prev.currency, p, cl);
		p += cl;
	}
	memcpy(r->currency, f->prev.currency, 4);
	if (get_code(&p, end, f->prev.codes[0], &f->prev.len[0], r->order_code) < 0 ||
	    get_code(&p, end, f->prev.codes[1], &f->prev.len[1], r->refund_code) < 0 ||
	    get_code(&p, end, f->prev.codes[2], &f->prev.len[2], r->channel_txn_id) < 0 ||
	    get_svarint(&p, end, &r->amount) < 0 || get_svarint(&p, end, &r->fee) < 0)
		goto bad;
	if (flags & 0x20 && get_svarint(&p, end, &r->time) < 0)
		goto bad;
	if (flags & 0x40) {
		if (get_svarint(&p, end, &v) < 0)
			goto bad;
		r->paid_time = flags & 0x20 ? (int64_t)((uint64_t)r->time + (uint64_t)v) : v;
	}
	if (!(flags & 0x80)) {
		if (get_svarint(&p, end, &v) < 0)
			goto bad;
		f->prev.time_off = (int32_t)v;
		if (get_svarint(&p, end, &v) < 0)
			goto bad;
		f->prev.paid_off = (int32_t)v;
	}
	r->time_off = f->prev.time_off;
	r->paid_off = f->prev.paid_off;
	if (get_svarint(&p, end, &r->line) < 0)
		goto bad;
	f->start = (size_t)(p - f->buf);
	f->rows++;
	return 1;
bad:
	errno = EINVAL;
	return -1;
}

void dayfile_close(struct dayfile *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	free(f->marks);
	free(f);
}
