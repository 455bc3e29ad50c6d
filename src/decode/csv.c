/*
 * csv.c: the "csv" kind. Physical lines from lines.c are fed to libcsv one
 * at a time, so comments and markers are recognised per line while libcsv
 * does the quoting, a quoted field spanning lines included. Field bytes go
 * to one reused buffer: nothing is allocated per field or per row once the
 * buffers have grown to the widest row.
 */
#include <csv.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine.h"
#include "recon/pan.h"
#include "recon/util.h"

/* libcsv's parser state between rows (its ROW_NOT_BEGUN). */
#define CSV_ROW_NOT_BEGUN 0
#define CSV_FIELD_BEGUN 2

struct csv_state {
	struct dctx *d;
	struct strbuf fields;   /* field texts, each NUL-terminated */
	size_t *off, *len;
	const char **v;
	size_t n, alloc, valloc;
	const char *line;       /* fast_row() without card numbers to mask:
				 * the fields' offsets are into this line,
				 * nothing copied; else NULL: into fields */
	struct strbuf raw;      /* the row's physical lines, when copied */
	const char *rawp;       /* the row's text: raw's, or the line's own */
	size_t rawn;
	int64_t row_line;
	int *pan;               /* fields holding card numbers */
	size_t npan;
};

/* The fields [format] pan names; -1 after reporting one the header lacks:
 * a card number must never pass unmasked because a column was renamed. */
static int pan_columns(struct csv_state *c, int64_t line)
{
	struct dctx *d = c->d;
	const struct format *f = d->f;
	size_t i, j;

	c->pan = xcalloc(f->npan ? f->npan : 1, sizeof(*c->pan));
	for (i = 0; i < f->npan; i++) {
		int64_t n = -1;

		if (!f->header) {
			parse_int(f->pan[i], 1, 100000, &n);
			c->pan[c->npan++] = (int)n - 1;
			continue;
		}
		for (j = 0; j < d->nheader && strcmp(d->header[j], f->pan[i]); j++)
			;
		if (j == d->nheader) {
			decode_fatal(d, line, "no column '%s' in the header (named in pan)",
				     f->pan[i]);
			return -1;
		}
		c->pan[c->npan++] = (int)j;
	}
	return 0;
}

/* Mask the card numbers of the row, in its fields and its raw text, before
 * the engine sees either. */
static void mask_row(struct csv_state *c, size_t rawlen)
{
	size_t i;

	for (i = 0; i < c->npan; i++) {
		const char *v;
		size_t k = (size_t)c->pan[i], n;

		if (k >= c->n)
			continue;
		v = c->fields.buf + c->off[k];
		n = c->len[k];
		decode_strip(c->d->f->strip, &v, &n);
		pan_mask_in(c->raw.buf, rawlen, v, n);   /* rawp is raw.buf then */
		pan_mask((char *)v, n);
	}
}

static void field_room(struct csv_state *c)
{
	if (c->n == c->alloc) {
		size_t a = c->alloc;

		c->off = xgrow(c->off, &a, c->n + 1, sizeof(*c->off));
		a = c->alloc;
		c->len = xgrow(c->len, &a, c->n + 1, sizeof(*c->len));
		c->alloc = a;
	}
}

/* A field where it is in c->line, at off. */
static void add_span(struct csv_state *c, size_t off, size_t n)
{
	field_room(c);
	c->off[c->n] = off;
	c->len[c->n] = n;
	c->n++;
}

static void add_field(struct csv_state *c, const void *s, size_t n)
{
	field_room(c);
	c->off[c->n] = c->fields.len;
	c->len[c->n] = n;
	if (c->fields.alloc < c->fields.len + n + 2)
		sb_grow(&c->fields, n + 1);
	memcpy(c->fields.buf + c->fields.len, s, n);
	c->fields.len += n + 1;
	c->fields.buf[c->fields.len - 1] = '\0';
	c->fields.buf[c->fields.len] = '\0';
	c->n++;
}

static void on_field(void *s, size_t n, void *data)
{
	add_field(data, s, n);
}

static void on_row(int term, void *data)
{
	struct csv_state *c = data;
	struct dctx *d = c->d;
	struct row r;
	size_t i, rawlen = c->rawn;

	(void)term;
	if (d->failed || d->stopped) {
		c->n = 0;
		sb_reset(&c->fields);
		return;
	}
	c->v = xgrow(c->v, &c->valloc, c->n + 1, sizeof(*c->v));
	for (i = 0; i < c->n; i++)
		c->v[i] = (c->line ? c->line : c->fields.buf) + c->off[i];
	while (rawlen && (c->rawp[rawlen - 1] == '\n' || c->rawp[rawlen - 1] == '\r'))
		rawlen--;
	r.n = c->n;
	r.v = c->v;
	r.len = c->len;
	r.line = c->row_line;
	r.raw = c->rawp;
	r.rawlen = rawlen;
	if (!d->have_header && d->f->header) {
		if (decode_header(d, &r) < 0 || (d->f->npan && pan_columns(c, r.line) < 0))
			d->failed = 1;
	} else {
		mask_row(c, rawlen);
		decode_row(d, &r);
	}
	c->n = 0;
	sb_reset(&c->fields);
}

/* libcsv trims blanks around unquoted fields itself; only spaces, so that
 * a tab separator stays a separator (tabs are trimmed later, per field). */
static int is_blank(unsigned char ch)
{
	return ch == ' ';
}

static int is_never(unsigned char ch)
{
	(void)ch;
	return 0;
}

/* The field s[a..b) of a line, spaces trimmed at both ends as libcsv does. */
static void fast_field(struct csv_state *c, const char *s, size_t a, size_t b, int direct)
{
	while (a < b && s[a] == ' ')
		a++;
	while (b > a && s[b - 1] == ' ')
		b--;
	if (direct)
		add_span(c, a, b - a);
	else
		add_field(c, s + a, b - a);
}

/*
 * A line at the start of a row, with no quote character and no CR before
 * its end, is split here as libcsv would split it (fields at each
 * separator, spaces trimmed at both ends, no row for a blank line) without
 * its byte-at-a-time state machine: most statements have no quotes at all.
 * One pass finds the separators, sixteen bytes at a time where SSE2 is
 * there. Returns 1 when done, 0 when the line must go to libcsv (nothing
 * of it kept here).
 */
static int fast_row(struct csv_state *c, const char *s, size_t n, char sep, char quote)
{
	/* Fields are left in the line unless card numbers are to be masked
	 * in them. */
	int direct = !c->d->f->npan;
	size_t len, i = 0, start = 0;

	/* The line's end (a line has no LF but its last byte) */
	for (len = n; len && (s[len - 1] == '\n' || s[len - 1] == '\r'); len--)
		;
	while (i < len && s[i] == ' ')
		i++;
	if (i == len)
		return memchr(s, quote, n) ? 0 : 1;   /* blank: no row, as libcsv */
	i = 0;
	if (!direct)
		sb_grow(&c->fields, len + 1);
#ifdef __SSE2__
	{
		const __m128i vs = _mm_set1_epi8(sep), vq = _mm_set1_epi8(quote),
			      vr = _mm_set1_epi8('\r');

		for (; i + 16 <= len; i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			unsigned m;

			if (_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, vq),
							   _mm_cmpeq_epi8(x, vr))))
				goto slow;
			for (m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vs)); m; m &= m - 1) {
				size_t at = i + (size_t)__builtin_ctz(m);

				fast_field(c, s, start, at, direct);
				start = at + 1;
			}
		}
	}
#endif
	for (; i < len; i++) {
		if (s[i] == quote || s[i] == '\r')
			goto slow;
		if (s[i] == sep) {
			fast_field(c, s, start, i, direct);
			start = i + 1;
		}
	}
	if (memchr(s + len, quote, n - len))
		goto slow;      /* a quote among the line's end: libcsv's */
	fast_field(c, s, start, len, direct);
	c->line = direct ? s : NULL;
	on_row(0, c);
	c->line = NULL;
	return 1;
slow:
	c->n = 0;
	sb_reset(&c->fields);
	return 0;
}

static int csv_read(struct dctx *d)
{
	const struct format *f = d->f;
	struct csv_parser p;
	struct csv_state c;
	const char *s;
	size_t n;
	int64_t line;
	int fast;

	memset(&c, 0, sizeof(c));
	c.d = d;
	sb_init(&c.fields, 256);
	sb_init(&c.raw, 256);
	if (csv_init(&p, 0)) {
		decode_fatal(d, 0, "out of memory");
		return -1;
	}
	csv_set_delim(&p, (unsigned char)f->separator);
	csv_set_quote(&p, (unsigned char)f->quote);
	csv_set_space_func(&p, f->separator == ' ' ? is_never : is_blank);
	csv_set_realloc_func(&p, xrealloc);
	if (!f->header && f->npan)
		pan_columns(&c, 0);
	fast = f->separator != ' ' && f->quote != '\0';

	while (!d->failed && !d->stopped &&
	       lines_next(d, p.pstate != CSV_ROW_NOT_BEGUN, &s, &n, &line) > 0) {
		if (p.pstate == CSV_ROW_NOT_BEGUN) {
			sb_reset(&c.raw);
			c.row_line = line;
		}
		if (c.raw.len + n > DECODE_ROW_MAX) {
			decode_fatal(d, c.row_line, "row longer than %u bytes (an unclosed quote?)",
				     DECODE_ROW_MAX);
			break;
		}
		if (fast && p.pstate == CSV_ROW_NOT_BEGUN) {
			/* The row is this line: no copy of it, unless card
			 * numbers are to be masked in it. */
			if (f->npan)
				sb_add(&c.raw, s, n);
			c.rawp = f->npan ? c.raw.buf : s;
			c.rawn = n;
			if (fast_row(&c, s, n, f->separator, f->quote))
				continue;
			if (!f->npan)
				sb_add(&c.raw, s, n);
		} else {
			sb_add(&c.raw, s, n);
		}
		c.rawp = c.raw.buf;
		c.rawn = c.raw.len;
		if (csv_parse(&p, s, n, on_field, on_row, &c) != n) {
			decode_fatal(d, line, "csv: %s", csv_strerror(csv_error(&p)));
			break;
		}
	}
	if (!d->failed && !d->stopped) {
		if (p.pstate == CSV_FIELD_BEGUN && p.quoted) {
			/* The quote never closed: the rest of the file is one field. */
			size_t rawlen = c.raw.len;

			while (rawlen && (c.raw.buf[rawlen - 1] == '\n' ||
					  c.raw.buf[rawlen - 1] == '\r'))
				rawlen--;
			/* No fields, so no card column to find: mask what
			 * looks like a card number. */
			if (f->npan)
				pan_mask_runs(c.raw.buf, rawlen);
			decode_reject(d, c.row_line, NULL, c.raw.buf, rawlen, "unclosed quote");
		} else {
			csv_fini(&p, on_field, on_row, &c);
		}
	}
	csv_free(&p);
	sb_release(&c.fields);
	sb_release(&c.raw);
	free(c.off);
	free(c.len);
	free(c.v);
	free(c.pan);
	return d->failed ? -1 : 0;
}

static int csv_bid(const struct format *f, const char *head, size_t n)
{
	return decode_bid_lines(f, head, n);
}

const struct kind_ops kind_csv = { "csv", csv_bid, csv_read };
