/*
 * decode.c: run a format's kind over a file and turn its rows into
 * canonical records: column lookup by header name, maps, money, times,
 * per-kind sources; rejects (message, count, reject file) and the
 * per-currency sums. No format facts live here: they are all in the .fmt.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "recon/diag.h"
#include "recon/money.h"
#include "recon/tz.h"
#include "recon/util.h"

/* Names on records live as long as the process: records outlive the
 * decode (sorted, spilled, joined, handed to other threads), and few
 * distinct files are read. */
struct interned {
	struct interned *next;
	char s[];
};
static struct interned *interned;
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *intern(const char *s)
{
	struct interned *i;
	size_t n = strlen(s);

	pthread_mutex_lock(&intern_lock);
	for (i = interned; i; i = i->next)
		if (!strcmp(i->s, s))
			break;
	if (!i) {
		i = xmalloc(sizeof(*i) + n + 1);
		memcpy(i->s, s, n + 1);
		i->next = interned;
		interned = i;
	}
	pthread_mutex_unlock(&intern_lock);
	return i->s;
}

/* A column a source names that this file's header lacks: absent, or
 * missing (a per-kind source: a row of that kind cannot be decoded). */
#define COL_ABSENT (-1)
#define COL_MISSING (-2)

struct field_state {
	/* xcol[field][slot][i]: the columns of a source's adds, subtracts,
	 * joins and zone-column, in that order */
	int *xcol[F__COUNT][KIND__COUNT + 1];
	struct strbuf money;    /* a money text without its currency mark */
	struct strbuf time;     /* a time text joined from several columns */
	size_t zone_hint;       /* the [zones] entry found last */
	char cur[4];            /* the currency found last, and its exponent */
	int cur_exp;
	char name[2][16];       /* the status [0] and kind [1] parsed last */
	size_t name_len[2];     /* (0: none yet) */
	int name_val[2];
};

static size_t nextra(const struct fmt_source *s)
{
	return s->nadds + s->nsubtracts + s->njoins + (s->zone_column ? 1 : 0);
}

static const char *extra_name(const struct fmt_source *s, size_t i)
{
	if (i < s->nadds)
		return s->adds[i];
	i -= s->nadds;
	if (i < s->nsubtracts)
		return s->subtracts[i];
	i -= s->nsubtracts;
	if (i < s->njoins)
		return s->joins[i];
	return s->zone_column;
}

void decode_strip_ends(const char *strip, const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n;

	while (len && decode_strippable(strip, p[0])) {
		p++;
		len--;
	}
	while (len && decode_strippable(strip, p[len - 1]))
		len--;
	*s = p;
	*n = len;
}

int decode_match(struct dctx *d, const struct fmt_re *re, const char *s, size_t n)
{
	if (!d->md)
		d->md = pcre2_match_data_create(32, NULL);
	/* A line that is not UTF-8 is an error code here: no match. */
	return pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, d->md, NULL) >= 0;
}

/* Length of the valid UTF-8 sequence at p (before end), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = *p;
	size_t k, len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static int utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t len;

	/* Codes are mostly ASCII: eight bytes at a time while they are. */
	while (end - p >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		if (w & 0x8080808080808080ULL)
			break;
		p += 8;
	}
	for (; p < end; p += len)
		if (*p < 0x80)
			len = 1;
		else if (!(len = utf8_len(p, end)))
			return 0;
	return 1;
}

/* A value fit for a message: control characters and bytes that are not
 * UTF-8 shown as '?', cut after about max bytes on a character boundary. */
static const char *show_max(struct dctx *d, const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	sb_reset(&d->scratch);
	while (p < end) {
		size_t len = utf8_len(p, end);

		if (d->scratch.len >= max) {
			sb_adds(&d->scratch, "...");
			break;
		}
		if (!len || *p < 0x20 || *p == 0x7f) {
			sb_addc(&d->scratch, '?');
			p++;
		} else {
			sb_add(&d->scratch, p, len);
			p += len;
		}
	}
	return d->scratch.buf;
}

static const char *show(struct dctx *d, const char *s, size_t n)
{
	return show_max(d, s, n, 40);
}

void decode_fatal(struct dctx *d, int64_t line, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	d->failed = 1;
	if (d->bidding)
		return;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_at(RX_BADINPUT, d->name, line, "%s", sb.buf);
	sb_release(&sb);
}

void decode_reject(struct dctx *d, int64_t line, const char *column,
		   const char *raw, size_t rawlen, const char *fmt, ...)
{
	struct strbuf out = STRBUF_INIT;
	va_list ap;

	if (d->bidding)
		return;
	d->st->rejects++;
	diag_raise(RX_BADINPUT);
	sb_reset(&d->msg);
	va_start(ap, fmt);
	sb_vaddf(&d->msg, fmt, ap);
	va_end(ap);
	if (d->st->rejects <= d->max_messages)
		error_at(RX_BADINPUT, d->name, line, "%s%s%s", column ? column : "",
			 column ? ": " : "", d->msg.buf);
	else
		d->unshown++;
	if (!d->rejects)
		return;
	sb_add_csv(&out, d->name);
	sb_addf(&out, ",%lld,", (long long)line);
	sb_add_csv(&out, column ? column : "");
	sb_addc(&out, ',');
	sb_add_csv(&out, d->msg.buf);
	sb_addc(&out, ',');
	{
		/* The raw text may hold NUL bytes: keep what a CSV can. */
		char *copy = xstrndup(raw ? raw : "", raw ? rawlen : 0);

		sb_add_csv(&out, copy);
		free(copy);
	}
	sb_addc(&out, '\n');
	if (fwrite(out.buf, 1, out.len, d->rejects) != out.len)
		d->failed = 1;
	sb_release(&out);
}

/* Header names after trimming, so "amount " finds column amount. */
static int header_index(struct dctx *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nheader; i++)
		if (!strcmp(d->header[i], name))
			return (int)i;
	return -1;
}

static void set_index_source(struct dctx *d, int i, int j, const struct fmt_source *s)
{
	d->col[i][j] = s->index - 1;
	if ((size_t)s->index <= d->nheader) {
		d->colname[i][j] = d->header[s->index - 1];
	} else {
		snprintf(d->idxname[i][j], sizeof(d->idxname[i][j]), "column %d", s->index);
		d->colname[i][j] = d->idxname[i][j];
	}
}

/* Map the further columns of source s (field i, slot j); -1 after
 * reporting a required one that the header lacks. */
static int resolve_extra(struct dctx *d, int64_t line, const struct fmt_source *s, int i, int j)
{
	size_t k, n = nextra(s);
	int *col, bad = 0;

	free(d->fs->xcol[i][j]);
	col = d->fs->xcol[i][j] = xcalloc(n, sizeof(*col));
	for (k = 0; k < n; k++) {
		const char *name = extra_name(s, k);

		col[k] = header_index(d, name);
		if (col[k] >= 0)
			continue;
		col[k] = COL_ABSENT;
		/* A zone column may be absent when the field has a zone. */
		if (s->optional || (s->zone_column && k == n - 1 && s->zone))
			continue;
		if (j > 0 && d->f->nlayouts) {
			col[k] = COL_MISSING;
			continue;
		}
		if (!d->bidding)
			decode_fatal(d, line, "no column '%s' in the header (named in [field \"%s\"])",
				     name, s->sub);
		bad++;
	}
	return bad ? -1 : 0;
}

/* Map every source to its column; -1 after reporting a required one that
 * the header lacks. */
static int resolve(struct dctx *d, int64_t line, int *found, int *wanted)
{
	const struct format *f = d->f;
	int i, j, bad = 0;
	size_t a;

	*found = *wanted = 0;
	for (i = 0; i < F__COUNT; i++) {
		for (j = 0; j <= KIND__COUNT; j++) {
			const struct fmt_source *s = f->src[i][j];

			d->col[i][j] = -1;
			d->colname[i][j] = fmt_field_name(i);
			if (!s || s->value)
				continue;
			if (nextra(s) && resolve_extra(d, line, s, i, j) < 0)
				bad++;
			if (s->index) {
				set_index_source(d, i, j, s);
				continue;
			}
			(*wanted)++;
			for (a = 0; a < s->ncolumns; a++) {
				int c = header_index(d, s->columns[a]);

				if (c >= 0) {
					d->col[i][j] = c;
					d->colname[i][j] = d->header[c];
					(*found)++;
					break;
				}
			}
			if (a < s->ncolumns)
				continue;
			d->colname[i][j] = s->columns[0];
			if (s->optional)
				continue;
			if (j > 0 && f->nlayouts) {
				/* A known layout may lack a column of one kind's
				 * rows (WeChat's SUCCESS bill has no refund
				 * columns): only such rows cannot be read. */
				d->col[i][j] = COL_MISSING;
				continue;
			}
			if (d->bidding) {
				bad++;
				continue;
			}
			if (s->ncolumns == 1) {
				decode_fatal(d, line, "no column '%s' in the header", s->columns[0]);
			} else {
				struct strbuf sb = STRBUF_INIT;

				for (a = 1; a < s->ncolumns; a++)
					sb_addf(&sb, "%s'%s'", a > 1 ? ", " : "", s->columns[a]);
				decode_fatal(d, line, "no column '%s' (nor %s) in the header",
					     s->columns[0], sb.buf);
				sb_release(&sb);
			}
			bad++;
		}
	}
	d->skipcol = xcalloc(f->nskips ? f->nskips : 1, sizeof(*d->skipcol));
	for (a = 0; a < f->nskips; a++) {
		d->skipcol[a] = f->header ? header_index(d, f->skips[a].column)
					  : f->skips[a].index - 1;
		if (d->skipcol[a] < 0 && f->header) {
			decode_fatal(d, line, "no column '%s' in the header (named in [skip])",
				     f->skips[a].column);
			bad++;
		}
	}
	return bad ? -1 : 0;
}

/* A format that lists its [layout]s reads no other header: a bill of
 * another type could otherwise be taken for one that shares its names.
 * 0, or -1 after reporting (when not bidding). */
static int match_layout(struct dctx *d, int64_t line)
{
	const struct format *f = d->f;
	struct strbuf sb = STRBUF_INIT, names = STRBUF_INIT;
	size_t i;
	int rc = -1;

	for (i = 0; i < d->nheader; i++) {
		if (i)
			sb_addc(&sb, f->separator);
		sb_adds(&sb, d->header[i]);
	}
	for (i = 0; i < f->nlayouts && rc; i++)
		if (decode_match(d, &f->layouts[i].header, sb.buf, sb.len))
			rc = 0;
	if (rc && !d->bidding) {
		for (i = 0; i < f->nlayouts; i++)
			sb_addf(&names, "%s%s", i ? ", " : "", f->layouts[i].name);
		decode_fatal(d, line, "unknown bill layout: the header matches none of %s: %s",
			     names.buf, show_max(d, sb.buf, sb.len, 400));
	}
	sb_release(&sb);
	sb_release(&names);
	return rc;
}

int decode_header(struct dctx *d, const struct row *r)
{
	size_t i;
	int found, wanted, rc;

	d->have_header = 1;
	d->header = xcalloc(r->n ? r->n : 1, sizeof(*d->header));
	for (i = 0; i < r->n; i++) {
		const char *s = r->v[i];
		size_t n = r->len[i];

		decode_strip(d->f->strip, &s, &n);
		d->header[i] = xstrndup(s, n);
	}
	d->nheader = r->n;
	if (d->f->nlayouts && match_layout(d, r->line) < 0) {
		if (!d->bidding)
			return -1;
		d->score = 0;
		d->stopped = 1;
		return 0;
	}
	rc = resolve(d, r->line, &found, &wanted);
	if (d->bidding) {
		d->score = rc < 0 ? 0 : wanted ? 50 + 50 * found / wanted : 50;
		d->stopped = 1;
		return 0;
	}
	return rc;
}

/* One field's text for a row of kind k, stripped and mapped. */
struct value {
	const struct fmt_source *src;   /* NULL: the format does not give it */
	const char *column;             /* for messages */
	const char *s;
	size_t n;
	int slot;                       /* 0, or 1 + the kind of its source */
};

/* Fill v; 0, or -1 after rejecting the row. */
static int field_value(struct dctx *d, const struct row *r, int field, int k, struct value *v)
{
	const struct format *f = d->f;
	int slot = k >= 0 && k < KIND__COUNT && f->src[field][1 + k] ? 1 + k : 0;
	const struct fmt_source *s = f->src[field][slot];
	int col = d->col[field][slot];
	size_t i;

	v->src = s;
	v->column = d->colname[field][slot];
	v->s = "";
	v->n = 0;
	v->slot = slot;
	if (!s)
		return 0;
	if (s->value) {
		v->s = s->value;
		v->n = strlen(s->value);
	} else if (col == COL_MISSING) {
		decode_reject(d, r->line, v->column, r->raw, r->rawlen,
			      "no such column in the header (needed for %s rows)", rec_kind_name(k));
		return -1;
	} else if (col >= 0 && (size_t)col >= r->n) {
		decode_reject(d, r->line, v->column, r->raw, r->rawlen,
			      "missing: the row has %zu field%s", r->n, r->n == 1 ? "" : "s");
		return -1;
	} else if (col >= 0) {
		v->s = r->v[col];
		v->n = r->len[col];
		decode_strip(s->strip ? s->strip : f->strip, &v->s, &v->n);
	}
	if (s->has_map) {
		for (i = 0; i < s->nmap; i++)
			if (strlen(s->map[i].from) == v->n && !memcmp(s->map[i].from, v->s, v->n))
				break;
		if (i < s->nmap) {
			v->s = s->map[i].to;
			v->n = strlen(v->s);
			return 0;
		}
		if (s->defval) {
			v->s = s->defval;
			v->n = strlen(v->s);
			return 0;
		}
		if (!v->n && s->optional)
			return 0;
		if (!v->n)
			decode_reject(d, r->line, v->column, r->raw, r->rawlen, "empty value");
		else
			decode_reject(d, r->line, v->column, r->raw, r->rawlen,
				      "'%s': not in the map", show(d, v->s, v->n));
		return -1;
	}
	if (!v->n && s->defval) {
		v->s = s->defval;
		v->n = strlen(v->s);
	} else if (!v->n && !s->optional && !s->nadds && !s->nsubtracts) {
		/* With add or subtract, money_value() judges the columns together. */
		decode_reject(d, r->line, v->column, r->raw, r->rawlen, "empty value");
		return -1;
	}
	return 0;
}

/* A canonical name (kind, status) from v; -1 after rejecting. */
static int name_value(struct dctx *d, const struct row *r, const struct value *v,
		      int (*parse)(const char *), const char *what)
{
	char buf[16];
	int x = -1, which = parse == rec_kind_parse;
	struct field_state *fs = d->fs;

	if (v->n < sizeof(buf)) {
		/* Rows mostly say what the row before said. */
		if (v->n && fs->name_len[which] == v->n && !memcmp(fs->name[which], v->s, v->n))
			return fs->name_val[which];
		memcpy(buf, v->s, v->n);
		buf[v->n] = '\0';
		x = parse(buf);
		if (x >= 0) {
			memcpy(fs->name[which], v->s, v->n);
			fs->name_len[which] = v->n;
			fs->name_val[which] = x;
		}
	}
	if (x < 0)
		decode_reject(d, r->line, v->column, r->raw, r->rawlen, "'%s': not a %s",
			      show(d, v->s, v->n), what);
	return x;
}

static int code_value(struct dctx *d, const struct row *r, int field, int k, char *out,
		      size_t max)
{
	struct value v;

	if (field_value(d, r, field, k, &v))
		return -1;
	if (v.n > max) {
		decode_reject(d, r->line, v.column, r->raw, r->rawlen,
			      "'%s': longer than %zu bytes", show(d, v.s, v.n), max);
		return -1;
	}
	if (!utf8_valid(v.s, v.n)) {
		decode_reject(d, r->line, v.column, r->raw, r->rawlen,
			      "'%s': not UTF-8 (the format says encoding utf-8)", show(d, v.s, v.n));
		return -1;
	}
	memcpy(out, v.s, v.n);
	out[v.n] = '\0';
	return 0;
}

/* The stripped text of column c, a further column of a source (add,
 * subtract, join, zone-column) named name; 0, or -1 after rejecting. */
static int extra_text(struct dctx *d, const struct row *r, const struct fmt_source *s, int k,
		      int c, const char *name, const char **t, size_t *n)
{
	*t = "";
	*n = 0;
	if (c == COL_MISSING) {
		decode_reject(d, r->line, name, r->raw, r->rawlen,
			      "no such column in the header (needed for %s rows)", rec_kind_name(k));
		return -1;
	}
	if (c < 0)
		return 0;
	if ((size_t)c >= r->n) {
		decode_reject(d, r->line, name, r->raw, r->rawlen,
			      "missing: the row has %zu field%s", r->n, r->n == 1 ? "" : "s");
		return -1;
	}
	*t = r->v[c];
	*n = r->len[c];
	decode_strip(s->strip ? s->strip : d->f->strip, t, n);
	return 0;
}

static const struct fmt_symbol *symbol_at(const struct format *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < f->nsymbols; i++)
		if (f->symbols[i].len <= n && !memcmp(s, f->symbols[i].mark, f->symbols[i].len))
			return &f->symbols[i];
	return NULL;
}

/*
 * The [symbols] mark of money text s[0..n): before the number (after an
 * opening parenthesis, before or after a sign: "-CA$1.54", "CA$-1.54") or
 * at its end ("12.50 €"). Longest marks are tried first. NULL when there is
 * none; else *at is its offset.
 */
static const struct fmt_symbol *find_symbol(const struct format *f, const char *s, size_t n,
					    size_t *at)
{
	const struct fmt_symbol *sym;
	size_t p = 0, e, i;
	int sign = 0;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (p < n && (s[p] == ' ' || s[p] == '\t'))
		p++;
	if (p < n && s[p] == '(')
		p++;
	for (;;) {
		if ((sym = symbol_at(f, s + p, n - p))) {
			*at = p;
			return sym;
		}
		if (sign || p == n || (s[p] != '-' && s[p] != '+'))
			break;
		sign = 1;
		for (p++; p < n && s[p] == ' '; p++)
			;
	}
	e = n;
	if (e > p && s[e - 1] == ')')
		e--;
	for (i = 0; i < f->nsymbols; i++) {
		size_t len = f->symbols[i].len;

		if (len <= e - p && !memcmp(s + e - len, f->symbols[i].mark, len)) {
			*at = e - len;
			return &f->symbols[i];
		}
	}
	return NULL;
}

static int64_t pow10i(int n)
{
	int64_t x = 1;

	while (n-- > 0)
		x *= 10;
	return x;
}

/*
 * Parse s[0..n) by o, rounding as o says, and set *resid to what the
 * rounding took off (exact - rounded) in 10^-TOTALS_RESID_DIGITS minor
 * units, so that totals stated before rounding can be checked.
 */
static int parse_money(const char *s, size_t n, int exponent, const struct money_opts *o,
		       int64_t *x, int64_t *resid, const char **why)
{
	struct money_opts exact = *o;
	const char *mark;
	int digits = 0, extra;
	int64_t fine, scaled, diff;

	*resid = 0;
	if (money_parse(s, n, exponent, o, x, why))
		return -1;
	if (o->round == ROUND_EXACT || o->minor || !(mark = memchr(s, o->decimal, n)))
		return 0;
	for (mark++; mark < s + n && *mark >= '0' && *mark <= '9'; mark++)
		digits++;
	extra = digits - exponent;
	if (extra <= 0)
		return 0;
	if (extra > TOTALS_RESID_DIGITS) {
		*why = "more than 9 decimals beyond the currency's";
		return -1;
	}
	exact.round = ROUND_EXACT;
	if (money_parse(s, n, exponent + extra, &exact, &fine, why))
		return -1;
	if (__builtin_mul_overflow(*x, pow10i(extra), &scaled) ||
	    __builtin_sub_overflow(fine, scaled, &diff)) {
		*why = "amount out of range";
		return -1;
	}
	/* |diff| < 10^extra: the product fits. */
	*resid = diff * pow10i(TOTALS_RESID_DIGITS - extra);
	return 0;
}

/* One money text of a source (column names it in messages): its C/D, its
 * currency mark, the amount. 0, or -1 after rejecting. */
static int one_money(struct dctx *d, const struct row *r, const struct fmt_source *src,
		     const char *column, const char *text, size_t len, const char *currency,
		     int exponent, int64_t *out, int64_t *resid)
{
	const struct fmt_symbol *sym;
	const char *s = text, *why;
	size_t n = len, at;
	int neg = 0;

	if (src->sign == SIGN_CD || src->sign == SIGN_DC) {
		decode_strip(NULL, &s, &n);
		if (!n || (*s != 'C' && *s != 'D')) {
			decode_reject(d, r->line, column, r->raw, r->rawlen,
				      "'%s': no C or D before the amount", show(d, text, len));
			return -1;
		}
		neg = (*s == 'D') == (src->sign == SIGN_CD);
		s++;
		n--;
	}
	if (d->f->nsymbols && (sym = find_symbol(d->f, s, n, &at))) {
		if (strcmp(sym->code, currency)) {
			decode_reject(d, r->line, column, r->raw, r->rawlen,
				      "'%s': %s is %s, the row's currency is %s",
				      show(d, text, len), sym->mark, sym->code, currency);
			return -1;
		}
		sb_reset(&d->fs->money);
		sb_add(&d->fs->money, s, at);
		sb_add(&d->fs->money, s + at + sym->len, n - at - sym->len);
		s = d->fs->money.buf;
		n = d->fs->money.len;
	}
	if (parse_money(s, n, exponent, &src->money, out, resid, &why)) {
		decode_reject(d, r->line, column, r->raw, r->rawlen, "'%s': %s",
			      show(d, text, len), why);
		return -1;
	}
	if (neg) {
		if (*out == INT64_MIN) {
			decode_reject(d, r->line, column, r->raw, r->rawlen,
				      "'%s': amount out of range", show(d, text, len));
			return -1;
		}
		*out = -*out;
		*resid = -*resid;
	}
	return 0;
}

/*
 * A money field: its column, plus each add column, minus each subtract
 * column (Adyen's Gross Credit - Gross Debit); an empty one counts as
 * zero, but not all of them. Then the field's sign. *resid as for
 * parse_money(). 0, or -1 after rejecting.
 */
static int money_value(struct dctx *d, const struct row *r, int field, int k,
		       const char *currency, int exponent, int64_t *out, int64_t *resid)
{
	const struct fmt_source *s;
	struct value v;
	size_t i, nparts;
	int any = 0;
	int64_t sum = 0, rsum = 0;

	*out = 0;
	*resid = 0;
	if (field_value(d, r, field, k, &v))
		return -1;
	if (!(s = v.src))
		return 0;
	nparts = 1 + s->nadds + s->nsubtracts;
	for (i = 0; i < nparts; i++) {
		const char *t = v.s, *column = v.column;
		size_t n = v.n;
		int64_t x, rx;

		if (i > 0) {
			column = extra_name(s, i - 1);
			if (extra_text(d, r, s, k, d->fs->xcol[field][v.slot][i - 1], column, &t, &n))
				return -1;
		}
		if (!n)
			continue;
		any = 1;
		if (one_money(d, r, s, column, t, n, currency, exponent, &x, &rx))
			return -1;
		if (i > s->nadds) {
			if (x == INT64_MIN) {
				decode_reject(d, r->line, column, r->raw, r->rawlen,
					      "'%s': amount out of range", show(d, t, n));
				return -1;
			}
			x = -x;
			rx = -rx;
		}
		if (money_add(sum, x, &sum) || money_add(rsum, rx, &rsum)) {
			decode_reject(d, r->line, v.column, r->raw, r->rawlen,
				      "the amounts add up beyond range");
			return -1;
		}
	}
	if (!any) {
		if (nparts > 1 && !s->optional) {
			decode_reject(d, r->line, v.column, r->raw, r->rawlen, "empty value");
			return -1;
		}
		return 0;
	}
	if (s->sign == SIGN_NEGATE || (s->sign == SIGN_NEGATE_REFUND && k == KIND_REFUND)) {
		if (sum == INT64_MIN) {
			decode_reject(d, r->line, v.column, r->raw, r->rawlen,
				      "'%s': amount out of range", show(d, v.s, v.n));
			return -1;
		}
		sum = -sum;
		rsum = -rsum;
	}
	*out = sum;
	*resid = rsum;
	return 0;
}

static int days_in_month(int64_t y, int m)
{
	return (int)(days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : (unsigned)m + 1, 1) -
		     days_from_civil(y, (unsigned)m, 1));
}

/* The zone a row's zone column names, from [zones]; NULL when none. Rows
 * mostly name the zone of the row before. */
static const struct tz *zone_named(struct dctx *d, const char *s, size_t n)
{
	const struct format *f = d->f;
	size_t i, h = d->fs->zone_hint;

	if (h < f->nzones && strlen(f->zones[h].name) == n && !memcmp(f->zones[h].name, s, n))
		return f->zones[h].zone;
	for (i = 0; i < f->nzones; i++)
		if (strlen(f->zones[i].name) == n && !memcmp(f->zones[i].name, s, n)) {
			d->fs->zone_hint = i;
			return f->zones[i].zone;
		}
	return NULL;
}

/*
 * A time field: its column, then each join column after a space (Square's
 * Date and Time); the zone is the text's offset, else the one the row's
 * zone column names in [zones], else the field's zone.
 */
static int time_value(struct dctx *d, const struct row *r, int field, int k, int64_t *t,
		      int32_t *off)
{
	const struct fmt_source *s;
	const struct tz *zone;
	struct value v;
	struct civil_time ct;
	const char *why, *text, *x;
	size_t len, n, i;
	int64_t local;

	*t = REC_NO_TIME;
	*off = 0;
	if (field_value(d, r, field, k, &v))
		return -1;
	if (!(s = v.src) || !v.n)
		return 0;
	text = v.s;
	len = v.n;
	if (s->njoins) {
		sb_reset(&d->fs->time);
		sb_add(&d->fs->time, v.s, v.n);
		for (i = 0; i < s->njoins; i++) {
			if (extra_text(d, r, s, k, d->fs->xcol[field][v.slot][s->nadds + s->nsubtracts + i],
				       s->joins[i], &x, &n))
				return -1;
			sb_addc(&d->fs->time, ' ');
			sb_add(&d->fs->time, x, n);
		}
		text = d->fs->time.buf;
		len = d->fs->time.len;
	}
	if (time_parse(text, len, s->pattern ? s->pattern : "iso8601", &ct, &why)) {
		decode_reject(d, r->line, v.column, r->raw, r->rawlen, "'%s': %s",
			      show(d, text, len), why);
		return -1;
	}
	if (!ct.has_year) {
		ct.year = civil_infer_year(ct.month, ct.day, d->o->statement_day);
		ct.has_year = 1;
		if (ct.day > days_in_month(ct.year, ct.month)) {
			decode_reject(d, r->line, v.column, r->raw, r->rawlen,
				      "'%s': no such day in %lld", show(d, text, len),
				      (long long)ct.year);
			return -1;
		}
	}
	local = civil_to_local(&ct);
	if (ct.has_offset) {
		*t = local - ct.offset;
		*off = ct.offset;
		return 0;
	}
	zone = s->zone;
	if (s->zone_column) {
		if (extra_text(d, r, s, k, d->fs->xcol[field][v.slot][nextra(s) - 1],
			       s->zone_column, &x, &n))
			return -1;
		if (n && !(zone = zone_named(d, x, n))) {
			decode_reject(d, r->line, s->zone_column, r->raw, r->rawlen,
				      "'%s': not a time zone of [zones]", show(d, x, n));
			return -1;
		}
		if (!zone) {
			decode_reject(d, r->line, s->zone_column, r->raw, r->rawlen, "empty value");
			return -1;
		}
	}
	if (!zone) {
		decode_reject(d, r->line, v.column, r->raw, r->rawlen,
			      "'%s': no UTC offset in the time", show(d, text, len));
		return -1;
	}
	*t = tz_local_to_utc(zone, local, off);
	return 0;
}

/* symbol = yes: the currency is the code of the mark the text carries
 * ("CA$58.00": CAD); a text without one takes the default. */
static int currency_symbol(struct dctx *d, const struct row *r, struct value *v)
{
	const struct fmt_symbol *sym;
	size_t at;

	if (!v->n)
		return 0;
	if ((sym = find_symbol(d->f, v->s, v->n, &at))) {
		v->s = sym->code;
		v->n = strlen(sym->code);
	} else if (v->src->defval) {
		v->s = v->src->defval;
		v->n = strlen(v->s);
	} else {
		decode_reject(d, r->line, v->column, r->raw, r->rawlen,
			      "'%s': no currency mark of [symbols]", show(d, v->s, v->n));
		return -1;
	}
	return 0;
}

/* A row the format says to skip: a [skip] match, or every field empty. */
static int skip_row(struct dctx *d, const struct row *r)
{
	const struct format *f = d->f;
	size_t i;

	for (i = 0; i < f->nskips; i++) {
		int c = d->skipcol[i];
		const char *s;
		size_t n;

		if (c < 0 || (size_t)c >= r->n)
			continue;
		s = r->v[c];
		n = r->len[c];
		decode_strip(f->strip, &s, &n);
		if (decode_match(d, &f->skips[i].re, s, n))
			return 1;
	}
	for (i = 0; i < r->n; i++) {
		const char *s = r->v[i];
		size_t n = r->len[i];

		decode_strip(f->strip, &s, &n);
		if (n)
			return 0;
	}
	return 1;
}

void decode_row(struct dctx *d, const struct row *r)
{
	const struct format *f = d->f;
	struct record rec;
	struct value v;
	int k = KIND_PAY, x, exponent;
	int64_t resid[2] = { 0, 0 };

	if (d->bidding) {
		int i, j, need = 0;

		for (i = 0; i < F__COUNT; i++)
			for (j = 0; j <= KIND__COUNT; j++)
				if (f->src[i][j] && f->src[i][j]->index > need)
					need = f->src[i][j]->index;
		d->score = r->n >= (size_t)need ? 20 : 0;
		d->stopped = 1;
		return;
	}
	if (skip_row(d, r)) {
		d->st->skipped++;
		return;
	}
	record_init(&rec);
	rec.file = d->name;
	rec.line = r->line;

	if (f->src[F_KIND][0]) {
		if (field_value(d, r, F_KIND, -1, &v))
			return;
		if ((k = name_value(d, r, &v, rec_kind_parse, "kind")) < 0)
			return;
	}
	rec.kind = (uint8_t)k;

	if (field_value(d, r, F_CURRENCY, k, &v))
		return;
	if (v.src && v.src->symbol && currency_symbol(d, r, &v))
		return;
	exponent = -1;
	if (v.n == 3) {
		memcpy(rec.currency, v.s, 3);
		rec.currency[3] = '\0';
		/* Rows mostly have the currency of the row before. */
		if (!memcmp(rec.currency, d->fs->cur, 4))
			exponent = d->fs->cur_exp;
		else if ((exponent = currency_exponent(rec.currency)) >= 0) {
			memcpy(d->fs->cur, rec.currency, 4);
			d->fs->cur_exp = exponent;
		}
	}
	if (exponent < 0) {
		decode_reject(d, r->line, v.column, r->raw, r->rawlen,
			      "'%s': not an ISO 4217 currency code", show(d, v.s, v.n));
		return;
	}
	if (money_value(d, r, F_AMOUNT, k, rec.currency, exponent, &rec.amount, &resid[0]) ||
	    money_value(d, r, F_FEE, k, rec.currency, exponent, &rec.fee, &resid[1]))
		return;
	if (code_value(d, r, F_ORDER_CODE, k, rec.order_code, REC_CODE_MAX) ||
	    code_value(d, r, F_REFUND_CODE, k, rec.refund_code, REC_CODE_MAX) ||
	    code_value(d, r, F_CHANNEL_TXN_ID, k, rec.channel_txn_id, REC_CODE_MAX) ||
	    code_value(d, r, F_CHANNEL, k, rec.channel, REC_CHANNEL_MAX))
		return;
	if (!rec.channel[0] && d->o->channel)
		strcpy(rec.channel, d->o->channel);
	rec.status = STATUS_SUCCESS;
	if (fmt_source_for(f, F_STATUS, k)) {
		if (field_value(d, r, F_STATUS, k, &v))
			return;
		if ((x = name_value(d, r, &v, rec_status_parse, "status")) < 0)
			return;
		rec.status = (uint8_t)x;
	}
	if (time_value(d, r, F_TIME, k, &rec.time, &rec.time_off) ||
	    time_value(d, r, F_PAID_TIME, k, &rec.paid_time, &rec.paid_off))
		return;

	if (decode_stats_add(d->st, &rec)) {
		decode_fatal(d, r->line, "the sums of the file overflow (or it has more than "
			     "%d currencies)", DECODE_MAX_CURRENCIES);
		return;
	}
	d->st->rows++;
	totals_add(d, &rec, resid);
	if (d->fn && d->fn(&rec, d->ctx))
		d->stopped = 1;
}

int decode_stats_add(struct decode_stats *st, const struct record *r)
{
	struct currency_sum *c = NULL;
	size_t i;
	int64_t a, fee;

	/* Both NUL-terminated in four bytes (decode_row() makes sure). */
	for (i = 0; i < st->nsums; i++)
		if (!memcmp(st->sums[i].currency, r->currency, 4)) {
			c = &st->sums[i];
			break;
		}
	if (!c) {
		if (st->nsums == DECODE_MAX_CURRENCIES)
			return -1;
		c = &st->sums[st->nsums++];
		memset(c, 0, sizeof(*c));
		memcpy(c->currency, r->currency, sizeof(c->currency));
		c->currency[3] = '\0';
	}
	if (money_add(c->amount, r->amount, &a) || money_add(c->fee, r->fee, &fee))
		return -1;
	c->amount = a;
	c->fee = fee;
	c->count++;
	return 0;
}

/* The format's time has no year and there is no statement day. */
static const struct fmt_source *needs_day(const struct format *f)
{
	int i, j;

	for (i = 0; i < F__COUNT; i++)
		for (j = 0; j <= KIND__COUNT; j++)
			if (f->src[i][j] && f->src[i][j]->needs_year &&
			    fmt_field_is_time(i))
				return f->src[i][j];
	return NULL;
}

static void ctx_init(struct dctx *d, const struct format *f, const struct decode_opts *o,
		     struct decode_stats *st)
{
	memset(d, 0, sizeof(*d));
	memset(st, 0, sizeof(*st));
	d->f = f;
	d->o = o;
	d->st = st;
	d->max_messages = o->max_messages ? o->max_messages : 20;
	sb_init(&d->line, 256);
	d->fs = xcalloc(1, sizeof(*d->fs));
	sb_init(&d->fs->money, 0);
	sb_init(&d->fs->time, 0);
}

static void ctx_release(struct dctx *d)
{
	size_t i, j;

	for (i = 0; i < d->nheader; i++)
		free(d->header[i]);
	free(d->header);
	free(d->skipcol);
	for (i = 0; i < F__COUNT; i++)
		for (j = 0; j <= KIND__COUNT; j++)
			free(d->fs->xcol[i][j]);
	sb_release(&d->fs->money);
	sb_release(&d->fs->time);
	free(d->fs);
	free(d->chunk);
	enc_close(d->enc);
	sb_release(&d->line);
	sb_release(&d->msg);
	sb_release(&d->scratch);
	pcre2_match_data_free(d->md);
}

/* decode_file(), or decode_stream() when rd is set (path: the name). */
static int decode_run(const struct format *f, const char *path, decode_read_fn rd, void *rctx,
		      const struct decode_opts *o, decode_fn fn, void *ctx,
		      struct decode_stats *st)
{
	static const struct decode_opts none = { NULL, NULL, NULL, INT64_MIN, 0, NULL };
	struct input_opts io = { NULL, 0, 0 };
	const struct fmt_source *s;
	struct dctx d;

	if (!o)
		o = &none;
	ctx_init(&d, f, o, st);
	d.fn = fn;
	d.ctx = ctx;
	d.name = intern(o->name ? o->name : path);
	io.entry_pattern = f->entry;
	if (o->channel && strlen(o->channel) > REC_CHANNEL_MAX) {
		error_at(RX_USAGE, NULL, 0, "channel '%s': longer than %d bytes", o->channel,
			 REC_CHANNEL_MAX);
		ctx_release(&d);
		return -1;
	}
	if ((s = needs_day(f)) && o->statement_day == INT64_MIN) {
		error_at(RX_USAGE, f->path, s->line, "[field \"%s\"]: the pattern has no year: "
			 "give the statement date (--date)", s->sub);
		ctx_release(&d);
		return -1;
	}
	d.rd = rd;
	d.rd_ctx = rctx;
	d.in = rd ? NULL : input_open_named(path, o->name ? o->name : path, &io);
	if (!d.in && !rd) {
		ctx_release(&d);
		return -1;
	}
	if (!o->name && d.in)
		d.name = intern(input_name(d.in));
	if (o->reject_path) {
		d.rejects = fopen(o->reject_path, "a");
		if (!d.rejects) {
			error_at(RX_USAGE, o->reject_path, 0, "%s", strerror(errno));
			if (d.in)
				input_close(d.in);
			ctx_release(&d);
			return -1;
		}
		if (ftell(d.rejects) == 0)
			fputs("file,line,column,error,raw\n", d.rejects);
	}
	if (!f->header) {
		int found, wanted;

		resolve(&d, 0, &found, &wanted);
	}
	totals_begin(&d);
	f->kind->read(&d);
	if (!d.failed && !d.stopped && !lines_finish(&d) && f->header && !d.have_header)
		decode_fatal(&d, 0, "no header row");
	if (!d.failed && !d.stopped)
		totals_check(&d);
	if (d.unshown)
		error_at(RX_BADINPUT, d.name, 0, "%llu more rejected row%s not shown",
			 (unsigned long long)d.unshown, d.unshown == 1 ? "" : "s");
	if (d.rejects && fclose(d.rejects)) {
		error_at(RX_INTERNAL, o->reject_path, 0, "%s", strerror(errno));
		d.failed = 1;
	}
	lines_end(&d);
	totals_end(&d);
	if (d.in)
		input_close(d.in);
	ctx_release(&d);
	return d.failed ? -1 : 0;
}

int decode_file(const struct format *f, const char *path, const struct decode_opts *o,
		decode_fn fn, void *ctx, struct decode_stats *st)
{
	return decode_run(f, path, NULL, NULL, o, fn, ctx, st);
}

int decode_stream(const struct format *f, const char *name, decode_read_fn rd, void *rctx,
		  const struct decode_opts *o, decode_fn fn, void *ctx, struct decode_stats *st)
{
	return decode_run(f, name, rd, rctx, o, fn, ctx, st);
}

int format_splittable(const struct format *f)
{
	return f->kind == &kind_csv && f->header && !f->skip_lines && !f->start.code &&
	       !f->stop.code && !f->ntotals;
}

int decode_bid_lines(const struct format *f, const char *head, size_t n)
{
	static const struct decode_opts none = { NULL, NULL, NULL, INT64_MIN, 0, NULL };
	struct decode_stats st;
	struct dctx d;

	ctx_init(&d, f, &none, &st);
	d.bidding = 1;
	d.name = "bid";
	d.mem = head;
	d.memlen = n;
	if (!f->header) {
		int found, wanted;

		resolve(&d, 0, &found, &wanted);
	}
	f->kind->read(&d);
	ctx_release(&d);
	return d.score;
}
