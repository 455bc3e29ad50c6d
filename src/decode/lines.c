/*
 * lines.c: physical lines for line-based kinds, and what the format says
 * about whole lines: leading lines to skip, the start and stop markers,
 * comment lines and skip-line patterns. Lines that hold no rows are shown
 * to the control totals, since statements state their totals there.
 * Every line is turned into UTF-8 here (encoding.c), so patterns, which
 * are UTF-8, see text; a kind that cuts fields in bytes (fixed) asks for
 * the line as it is in the file and converts its fields itself.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "recon/diag.h"
#include "recon/progress.h"
#include "recon/util.h"

#define CHUNK (64u << 10)
#define RA_CHUNK (256u << 10)
#define RA_SLOTS 4

static void lines_end_ra(struct readahead *ra);

/*
 * Reading ahead: an input that takes work to read (gzip inflating, an
 * archive's entry) is read on a thread of its own into a ring of slots
 * while this one splits the slot before into lines, so decoding takes
 * about as long as the inflating alone. The reader's messages are held
 * (diag_hold()) and said here, after the text it read before them.
 */
struct readahead {
	pthread_t thread;
	pthread_mutex_t mx;
	pthread_cond_t cv;
	struct input *in;
	char *buf[RA_SLOTS];
	ssize_t len[RA_SLOTS];
	int full[RA_SLOTS];
	unsigned put, take;
	int stop, cur;            /* cur: the slot being split, or -1 */
	struct diag_held held;
};

static void *ra_main(void *arg)
{
	struct readahead *ra = arg;
	ssize_t r = 1;

	diag_hold(&ra->held);
	while (r > 0) {
		unsigned k = ra->put % RA_SLOTS;
		int stop;

		pthread_mutex_lock(&ra->mx);
		while (ra->full[k] && !ra->stop)
			pthread_cond_wait(&ra->cv, &ra->mx);
		stop = ra->stop;
		pthread_mutex_unlock(&ra->mx);
		if (stop)
			break;
		r = input_read(ra->in, ra->buf[k], RA_CHUNK);
		pthread_mutex_lock(&ra->mx);
		ra->len[k] = r;
		ra->full[k] = 1;
		ra->put++;
		pthread_cond_broadcast(&ra->cv);
		pthread_mutex_unlock(&ra->mx);
	}
	diag_hold(NULL);
	return NULL;
}

/* The next slot read ahead: its length (0 at the end, -1 after an error,
 * said), the slot before given back. */
static ssize_t ra_next(struct dctx *d)
{
	struct readahead *ra = d->ra;
	unsigned k = ra->take % RA_SLOTS;
	ssize_t r;

	pthread_mutex_lock(&ra->mx);
	if (ra->cur >= 0) {
		ra->full[ra->cur] = 0;
		ra->cur = -1;
		pthread_cond_broadcast(&ra->cv);
	}
	while (!ra->full[k])
		pthread_cond_wait(&ra->cv, &ra->mx);
	r = ra->len[k];
	if (r > 0) {
		ra->cur = (int)k;
		ra->take++;
	}
	pthread_mutex_unlock(&ra->mx);
	if (r <= 0) {
		/* The reader has stopped: what it said comes now. */
		pthread_join(ra->thread, NULL);
		ra->stop = 1;
		diag_give(&ra->held);
	} else {
		d->buf = ra->buf[k];
	}
	return r;
}

/* Start reading d->in ahead; 0, or -1 when no thread can be had (then it
 * is read here). */
static int ra_start(struct dctx *d)
{
	struct readahead *ra = xcalloc(1, sizeof(*ra));
	int i;

	ra->in = d->in;
	ra->cur = -1;
	ra->held = (struct diag_held)DIAG_HELD_INIT;
	pthread_mutex_init(&ra->mx, NULL);
	pthread_cond_init(&ra->cv, NULL);
	for (i = 0; i < RA_SLOTS; i++)
		ra->buf[i] = xmalloc(RA_CHUNK);
	d->ra = ra;
	if (pthread_create(&ra->thread, NULL, ra_main, ra) == 0)
		return 0;
	d->ra = NULL;
	ra->stop = 1;
	lines_end_ra(ra);
	return -1;
}

/* Refill the window; 1, 0 at the end, -1 after an error. */
static int fill(struct dctx *d)
{
	ssize_t r;

	if (d->eof)
		return 0;
	if (!d->in && !d->rd) {
		d->eof = 1;
		if (d->buf == d->mem || !d->memlen)
			return 0;
		d->buf = d->mem;
		d->bufpos = 0;
		d->buflen = d->memlen;
		return 1;
	}
	if (!d->rd && !d->ra && !d->bidding && strcmp(input_container(d->in), "plain"))
		ra_start(d);
	if (d->ra) {
		r = ra_next(d);
	} else {
		if (!d->chunk)
			d->chunk = xmalloc(CHUNK);
		r = d->rd ? d->rd(d->rd_ctx, d->chunk, CHUNK) : input_read(d->in, d->chunk, CHUNK);
		d->buf = d->chunk;
	}
	if (r < 0) {
		d->failed = 1;
		return -1;
	}
	if (r == 0) {
		d->eof = 1;
		if (!d->st->bytes) {
			decode_fatal(d, 0, "empty file");
			return -1;
		}
		return 0;
	}
	d->bufpos = 0;
	d->buflen = (size_t)r;
	d->st->bytes += (uint64_t)r;
	progress_update(d->o->progress, d->st->rows, d->st->bytes);
	return 1;
}

/* The next physical line into d->lp and d->ll (valid until the next
 * call); 1, 0 at the end, -1. */
static int physical(struct dctx *d)
{
	sb_reset(&d->line);
	/* The usual line lies whole in the buffer: no copy of it (the first
	 * line may lose a byte order mark: it is copied). */
	if (d->lineno && d->bufpos < d->buflen) {
		const char *start = d->buf + d->bufpos;
		const char *p = memchr(start, '\n', d->buflen - d->bufpos);

		if (p && (size_t)(p - start) < DECODE_ROW_MAX) {
			d->lp = start;
			d->ll = (size_t)(p - start) + 1;
			d->bufpos += d->ll;
			d->lineno++;
			d->line_start = d->consumed;
			d->consumed += d->ll;
			return 1;
		}
	}
	for (;;) {
		const char *p, *start;
		size_t take;

		if (d->bufpos == d->buflen) {
			int r = fill(d);

			if (r < 0)
				return -1;
			if (r == 0) {
				if (!d->line.len)
					return 0;
				break;
			}
		}
		start = d->buf + d->bufpos;
		p = memchr(start, '\n', d->buflen - d->bufpos);
		take = p ? (size_t)(p - start) + 1 : d->buflen - d->bufpos;
		if (d->line.len + take > DECODE_ROW_MAX) {
			decode_fatal(d, d->lineno + 1, "line longer than %u bytes", DECODE_ROW_MAX);
			return -1;
		}
		sb_add(&d->line, start, take);
		d->bufpos += take;
		if (p)
			break;
	}
	d->lineno++;
	d->line_start = d->consumed;
	d->consumed += d->line.len;
	/* Spreadsheet exports often begin with a UTF-8 byte order mark. */
	if (d->lineno == 1 && d->f->encoding == ENC_UTF8 && d->line.len >= 3 &&
	    !memcmp(d->line.buf, "\xef\xbb\xbf", 3)) {
		memmove(d->line.buf, d->line.buf + 3, d->line.len - 3);
		sb_setlen(&d->line, d->line.len - 3);
		d->line_start += 3;
	}
	d->lp = d->line.buf;
	d->ll = d->line.len;
	return 1;
}

/* Whether lines must be read as text here even for a raw kind. */
static int matches_lines(const struct format *f)
{
	return f->skip_lines || f->start.code || f->stop.code || f->comment ||
	       f->nskip_line || f->ntotals;
}

struct enc *lines_encoding(struct dctx *d)
{
	if (!d->enc) {
		d->enc = enc_open(d->f->encoding);
		if (!d->enc)
			decode_fatal(d, 0, "cannot convert %s text: iconv: %s",
				     enc_name(d->f->encoding), strerror(errno));
	}
	return d->enc;
}

/* The current line as UTF-8 into *t; -1 after reporting bad bytes. */
static int text(struct dctx *d, const char **t, size_t *n)
{
	size_t bad;

	if (!lines_encoding(d))
		return -1;
	if (enc_text(d->enc, d->lp, d->ll, t, n, &bad)) {
		enc_fatal(d, d->lineno, d->line_start + bad);
		return -1;
	}
	return 0;
}

int lines_next(struct dctx *d, int in_record, const char **s, size_t *n, int64_t *line)
{
	const struct format *f = d->f;
	size_t i;

	for (;;) {
		const char *t;
		size_t len, body;
		int r = physical(d), skip = 0;

		if (r <= 0)
			return r;
		t = d->lp;
		len = d->ll;
		if (!d->raw_lines || matches_lines(f)) {
			if (text(d, &t, &len))
				return -1;
		}
		if (d->raw_lines) {
			*s = d->lp;
			*n = d->ll;
		} else {
			*s = t;
			*n = len;
		}
		if (in_record)
			break;
		body = len;
		while (body && (t[body - 1] == '\n' || t[body - 1] == '\r'))
			body--;
		if (d->lineno <= f->skip_lines) {
			totals_line(d, t, body, d->lineno);
			continue;
		}
		if (!d->started) {
			if (!f->start.code) {
				d->started = 1;
			} else {
				if (decode_match(d, &f->start, t, body))
					d->started = 1;
				else
					totals_line(d, t, body, d->lineno);
				continue;
			}
		}
		if (d->ended) {
			totals_line(d, t, body, d->lineno);
			continue;
		}
		if (f->stop.code && decode_match(d, &f->stop, t, body)) {
			d->ended = 1;
			continue;
		}
		if (f->comment && !strncmp(t, f->comment, strlen(f->comment))) {
			totals_line(d, t, body, d->lineno);
			continue;
		}
		for (i = 0; i < f->nskip_line && !skip; i++)
			skip = decode_match(d, &f->skip_line[i], t, body);
		if (skip) {
			d->st->skipped++;
			continue;
		}
		break;
	}
	*line = d->lineno;
	return 1;
}

int lines_finish(struct dctx *d)
{
	const struct format *f = d->f;

	if (f->start.code && !d->started) {
		decode_fatal(d, 0, "no line matches the start marker '%s'", f->start.text);
		return -1;
	}
	if (f->stop.code && !d->ended) {
		decode_fatal(d, 0, "no line matches the stop marker '%s' (a truncated file?)",
			     f->stop.text);
		return -1;
	}
	return 0;
}

static void lines_end_ra(struct readahead *ra)
{
	int i;

	if (!ra->stop) {
		pthread_mutex_lock(&ra->mx);
		ra->stop = 1;
		pthread_cond_broadcast(&ra->cv);
		pthread_mutex_unlock(&ra->mx);
		pthread_join(ra->thread, NULL);
	}
	/* Anything still held was said of text after where the decoding
	 * stopped: not news. */
	for (i = 0; i < RA_SLOTS; i++)
		free(ra->buf[i]);
	pthread_mutex_destroy(&ra->mx);
	pthread_cond_destroy(&ra->cv);
	sb_release(&ra->held.text);
	free(ra);
}

void lines_end(struct dctx *d)
{
	if (d->ra)
		lines_end_ra(d->ra);
	d->ra = NULL;
}
