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

static int strippable(const char *strip, char c)
{
	return c == ' ' || c == '\t' || (c && strip && strchr(strip, c));
}

void decode_strip(const char *strip, const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n;

	while (len && strippable(strip, p[0])) {
		p++;
		len--;
	}
	while (len && strippable(strip, p[len - 1]))
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

	for (; p < end; p += len)
		if (!(len = utf8_len(p, end)))
			return 0;
	return 1;
}

/* A value fit for a message: control characters and bytes that are not
 * UTF-8 shown as '?', cut after about 40 bytes on a character boundary. */
static const char *show(struct dctx *d, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	sb_reset(&d->scratch);
	while (p < end) {
		size_t len = utf8_len(p, end);

		if (d->scratch.len >= 40) {
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
			if (s->optional || d->bidding) {
				bad += !s->optional;
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
	if (!s)
		return 0;
	if (s->value) {
		v->s = s->value;
		v->n = strlen(s->value);
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
	} else if (!v->n && !s->optional) {
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
	int x = -1;

	if (v->n < sizeof(buf)) {
		memcpy(buf, v->s, v->n);
		buf[v->n] = '\0';
		x = parse(buf);
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

static int money_value(struct dctx *d, const struct row *r, int field, int k, int exponent,
		       int64_t *out)
{
	struct value v;
	const char *s, *why;
	size_t n;
	int neg = 0;
	int64_t x;

	*out = 0;
	if (field_value(d, r, field, k, &v))
		return -1;
	if (!v.src || !v.n)
		return 0;
	s = v.s;
	n = v.n;
	if (v.src->sign == SIGN_CD || v.src->sign == SIGN_DC) {
		decode_strip(NULL, &s, &n);
		if (!n || (*s != 'C' && *s != 'D')) {
			decode_reject(d, r->line, v.column, r->raw, r->rawlen,
				      "'%s': no C or D before the amount", show(d, v.s, v.n));
			return -1;
		}
		neg = (*s == 'D') == (v.src->sign == SIGN_CD);
		s++;
		n--;
	} else if (v.src->sign == SIGN_NEGATE) {
		neg = 1;
	} else if (v.src->sign == SIGN_NEGATE_REFUND) {
		neg = k == KIND_REFUND;
	}
	if (money_parse(s, n, exponent, &v.src->money, &x, &why)) {
		decode_reject(d, r->line, v.column, r->raw, r->rawlen, "'%s': %s",
			      show(d, v.s, v.n), why);
		return -1;
	}
	if (neg) {
		if (x == INT64_MIN) {
			decode_reject(d, r->line, v.column, r->raw, r->rawlen,
				      "'%s': amount out of range", show(d, v.s, v.n));
			return -1;
		}
		x = -x;
	}
	*out = x;
	return 0;
}

static int days_in_month(int64_t y, int m)
{
	return (int)(days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : (unsigned)m + 1, 1) -
		     days_from_civil(y, (unsigned)m, 1));
}

static int time_value(struct dctx *d, const struct row *r, int field, int k, int64_t *t,
		      int32_t *off)
{
	struct value v;
	struct civil_time ct;
	const char *why;
	int64_t local;

	*t = REC_NO_TIME;
	*off = 0;
	if (field_value(d, r, field, k, &v))
		return -1;
	if (!v.src || !v.n)
		return 0;
	if (time_parse(v.s, v.n, v.src->pattern ? v.src->pattern : "iso8601", &ct, &why)) {
		decode_reject(d, r->line, v.column, r->raw, r->rawlen, "'%s': %s",
			      show(d, v.s, v.n), why);
		return -1;
	}
	if (!ct.has_year) {
		ct.year = civil_infer_year(ct.month, ct.day, d->o->statement_day);
		ct.has_year = 1;
		if (ct.day > days_in_month(ct.year, ct.month)) {
			decode_reject(d, r->line, v.column, r->raw, r->rawlen,
				      "'%s': no such day in %lld", show(d, v.s, v.n),
				      (long long)ct.year);
			return -1;
		}
	}
	local = civil_to_local(&ct);
	if (ct.has_offset) {
		*t = local - ct.offset;
		*off = ct.offset;
	} else if (v.src->zone) {
		*t = tz_local_to_utc(v.src->zone, local, off);
	} else {
		decode_reject(d, r->line, v.column, r->raw, r->rawlen,
			      "'%s': no UTC offset in the time", show(d, v.s, v.n));
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
	exponent = -1;
	if (v.n == 3) {
		memcpy(rec.currency, v.s, 3);
		rec.currency[3] = '\0';
		exponent = currency_exponent(rec.currency);
	}
	if (exponent < 0) {
		decode_reject(d, r->line, v.column, r->raw, r->rawlen,
			      "'%s': not an ISO 4217 currency code", show(d, v.s, v.n));
		return;
	}
	if (money_value(d, r, F_AMOUNT, k, exponent, &rec.amount) ||
	    money_value(d, r, F_FEE, k, exponent, &rec.fee))
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
	totals_add(d, &rec);
	if (d->fn && d->fn(&rec, d->ctx))
		d->stopped = 1;
}

int decode_stats_add(struct decode_stats *st, const struct record *r)
{
	struct currency_sum *c = NULL;
	size_t i;
	int64_t a, fee;

	for (i = 0; i < st->nsums; i++)
		if (!strcmp(st->sums[i].currency, r->currency)) {
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
}

static void ctx_release(struct dctx *d)
{
	size_t i;

	for (i = 0; i < d->nheader; i++)
		free(d->header[i]);
	free(d->header);
	free(d->skipcol);
	free(d->chunk);
	sb_release(&d->line);
	sb_release(&d->msg);
	sb_release(&d->scratch);
	pcre2_match_data_free(d->md);
}

int decode_file(const struct format *f, const char *path, const struct decode_opts *o,
		decode_fn fn, void *ctx, struct decode_stats *st)
{
	static const struct decode_opts none = { NULL, NULL, NULL, INT64_MIN, 0 };
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
	d.in = input_open(path, &io);
	if (!d.in) {
		ctx_release(&d);
		return -1;
	}
	if (!o->name)
		d.name = intern(input_name(d.in));
	if (o->reject_path) {
		d.rejects = fopen(o->reject_path, "a");
		if (!d.rejects) {
			error_at(RX_USAGE, o->reject_path, 0, "%s", strerror(errno));
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
	totals_end(&d);
	input_close(d.in);
	ctx_release(&d);
	return d.failed ? -1 : 0;
}

int decode_bid_lines(const struct format *f, const char *head, size_t n)
{
	static const struct decode_opts none = { NULL, NULL, NULL, INT64_MIN, 0 };
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
