/*
 * fixed.c: the "fixed" kind. A record is a line; its fields are byte ranges
 * ([columns] NAME = OFFSET LENGTH) in the file's own encoding, cut before
 * the text is converted: UnionPay's GBK records are measured in bytes, and
 * a Chinese name early in a record moves every later field's character
 * offset but not its byte offset. Card-number columns are masked in the
 * record's bytes first, so no message, reject file or record sees them.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "recon/pan.h"
#include "recon/util.h"

struct fixed_state {
	struct strbuf rec;      /* the record's bytes, card numbers masked */
	struct strbuf text;     /* the record as UTF-8, for the reject file */
	struct strbuf fields;   /* UTF-8 field texts, each NUL-terminated */
	size_t *off, *len;
	const char **v;
	size_t need;            /* bytes the columns reach */
	int kind_col;           /* bidding: the column of the kind, or -1 */
	unsigned seen, good;    /* bidding: records looked at, records that fit */
};

/* Mask the card number in the bytes of column c. A record cut short
 * inside the column keeps only the number's first 6 characters: its last
 * 4 are not there, and the 4 before the cut are not the last 4. */
static void mask_column(char *rec, size_t n, const struct fmt_column *c)
{
	size_t end = c->offset + c->length, i, kept = 0;

	if (c->offset >= n)
		return;
	if (end <= n) {
		pan_mask(rec + c->offset, c->length);
		return;
	}
	for (i = c->offset; i < n; i++) {
		if (rec[i] == ' ' || rec[i] == '\t')
			continue;
		if (kept < 6)
			kept++;
		else
			rec[i] = '*';
	}
}

/* The header row the engine maps [field] columns with: the column names. */
static int fixed_header(struct dctx *d, struct fixed_state *x)
{
	const struct format *f = d->f;
	struct row r;
	size_t i;
	int rc;

	x->v = xcalloc(f->ncols ? f->ncols : 1, sizeof(*x->v));
	x->len = xcalloc(f->ncols ? f->ncols : 1, sizeof(*x->len));
	x->off = xcalloc(f->ncols ? f->ncols : 1, sizeof(*x->off));
	for (i = 0; i < f->ncols; i++) {
		x->v[i] = f->cols[i].name;
		x->len[i] = strlen(f->cols[i].name);
		if (f->cols[i].offset + f->cols[i].length > x->need)
			x->need = f->cols[i].offset + f->cols[i].length;
	}
	memset(&r, 0, sizeof(r));
	r.n = f->ncols;
	r.v = x->v;
	r.len = x->len;
	r.raw = "";
	if (d->bidding)
		return 0;
	rc = decode_header(d, &r);
	if (rc < 0)
		d->failed = 1;
	return rc;
}

/* Whether the record's kind is one the format knows (bidding). */
static int kind_known(struct dctx *d, struct fixed_state *x)
{
	const struct fmt_source *s = d->f->src[F_KIND][0];
	const char *v;
	size_t n, i;

	if (x->kind_col < 0 || !s->has_map || s->defval)
		return 1;
	v = x->fields.buf + x->off[x->kind_col];
	n = x->len[x->kind_col];
	decode_strip(s->strip ? s->strip : d->f->strip, &v, &n);
	for (i = 0; i < s->nmap; i++)
		if (strlen(s->map[i].from) == n && !memcmp(s->map[i].from, v, n))
			return 1;
	return 0;
}

/* Cut the columns out of x->rec into x->fields; -1 after rejecting. */
static int cut(struct dctx *d, struct fixed_state *x, int64_t line)
{
	const struct format *f = d->f;
	size_t i, bad;

	sb_reset(&x->fields);
	for (i = 0; i < f->ncols; i++) {
		const struct fmt_column *c = &f->cols[i];

		x->off[i] = x->fields.len;
		if (enc_append(d->enc, x->rec.buf + c->offset, c->length, &x->fields, &bad)) {
			/* The record is valid as a whole: the range cuts a
			 * character in two. */
			decode_reject(d, line, c->name, x->text.buf, x->text.len,
				      "bytes %zu to %zu cut a character in two (check [columns])",
				      c->offset, c->offset + c->length);
			return -1;
		}
		x->len[i] = x->fields.len - x->off[i];
		sb_addc(&x->fields, '\0');
	}
	for (i = 0; i < f->ncols; i++)
		x->v[i] = x->fields.buf + x->off[i];
	return 0;
}

/* One record; -1 after a fatal error. */
static int record(struct dctx *d, struct fixed_state *x, const char *s, size_t n,
		  int64_t line)
{
	const struct format *f = d->f;
	struct row r;
	size_t i, bad;

	sb_reset(&x->rec);
	sb_add(&x->rec, s, n);
	for (i = 0; i < f->ncols; i++)
		if (f->cols[i].pan)
			mask_column(x->rec.buf, n, &f->cols[i]);
	sb_reset(&x->text);
	if (enc_append(d->enc, x->rec.buf, n, &x->text, &bad)) {
		enc_fatal(d, line, d->line_start + bad);
		return -1;
	}
	sb_addc(&x->text, '\0');
	sb_setlen(&x->text, x->text.len - 1);
	if (d->bidding) {
		x->seen++;
		if ((f->record_length ? n == (size_t)f->record_length : n >= x->need) &&
		    !cut(d, x, line) && kind_known(d, x))
			x->good++;
		else if (x->seen == 1)
			d->stopped = 1;
		if (x->seen == 20)
			d->stopped = 1;
		return 0;
	}
	if (f->record_length && n != (size_t)f->record_length) {
		decode_reject(d, line, NULL, x->text.buf, x->text.len,
			      "record is %zu bytes, expected %lld", n, (long long)f->record_length);
		return 0;
	}
	if (n < x->need) {
		decode_reject(d, line, NULL, x->text.buf, x->text.len,
			      "record is %zu bytes, the columns need %zu", n, x->need);
		return 0;
	}
	if (cut(d, x, line))
		return 0;
	r.n = f->ncols;
	r.v = x->v;
	r.len = x->len;
	r.line = line;
	r.raw = x->text.buf;
	r.rawlen = x->text.len;
	decode_row(d, &r);
	return 0;
}

static int fixed_read(struct dctx *d)
{
	const struct format *f = d->f;
	struct fixed_state x;
	const char *s;
	size_t n, i;
	int64_t line;

	memset(&x, 0, sizeof(x));
	x.kind_col = -1;
	sb_init(&x.rec, 256);
	sb_init(&x.text, 256);
	sb_init(&x.fields, 256);
	d->raw_lines = 1;
	if (f->src[F_KIND][0] && f->src[F_KIND][0]->ncolumns)
		for (i = 0; i < f->ncols; i++)
			if (!strcmp(f->cols[i].name, f->src[F_KIND][0]->columns[0]))
				x.kind_col = (int)i;
	if (lines_encoding(d) && !fixed_header(d, &x)) {
		while (!d->failed && !d->stopped && lines_next(d, 0, &s, &n, &line) > 0) {
			int complete = n && s[n - 1] == '\n';

			if (complete)
				n--;
			if (n && s[n - 1] == '\r')
				n--;
			/* A head cut for bidding ends in part of a record. */
			if (!n || (d->bidding && !complete))
				continue;
			if (record(d, &x, s, n, line))
				break;
		}
	}
	if (d->bidding)
		d->score = x.seen && x.good ? 50 + (int)(50 * x.good / x.seen) : 0;
	sb_release(&x.rec);
	sb_release(&x.text);
	sb_release(&x.fields);
	free(x.off);
	free(x.len);
	free(x.v);
	return d->failed ? -1 : 0;
}

static int fixed_bid(const struct format *f, const char *head, size_t n)
{
	return decode_bid_lines(f, head, n);
}

const struct kind_ops kind_fixed = { "fixed", fixed_bid, fixed_read };
