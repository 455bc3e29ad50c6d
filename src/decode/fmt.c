/*
 * fmt.c: load a .fmt file (man/recon-format.5) into struct format.
 *
 * Every key is checked here, once: an unknown key, a value out of its set,
 * a key given twice or one that does not apply to its field is an error
 * naming the file and line, and loading goes on to show every error. A
 * format that loads decodes without further questions about its text.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "fmt.h"
#include "recon/datapath.h"
#include "recon/diag.h"
#include "recon/ini.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"

static const char *const field_names[F__COUNT] = {
	"channel", "kind", "order_code", "refund_code", "channel_txn_id",
	"amount", "currency", "fee", "status", "time", "paid_time"
};

/* Fields a format must give (for every kind). */
static const int required_fields[] = { F_ORDER_CODE, F_AMOUNT, F_CURRENCY, F_TIME };

const char *fmt_field_name(int field)
{
	return field >= 0 && field < F__COUNT ? field_names[field] : "?";
}

int fmt_field_is_money(int field)
{
	return field == F_AMOUNT || field == F_FEE;
}

int fmt_field_is_time(int field)
{
	return field == F_TIME || field == F_PAID_TIME;
}

const struct fmt_source *fmt_source_for(const struct format *f, int field, int k)
{
	if (k >= 0 && k < KIND__COUNT && f->src[field][1 + k])
		return f->src[field][1 + k];
	return f->src[field][0];
}

enum section { S_NONE, S_FORMAT, S_FIELD, S_MAP, S_SKIP, S_TOTAL, S_SYMBOLS, S_ZONES,
	       S_LAYOUT, S_COLUMNS, S_IGNORE };

struct loader {
	struct format *f;
	const char *file;
	int errors;
	enum section sec;
	struct fmt_source *cur;
	struct fmt_total *total;
	struct fmt_layout *layout;
	int64_t format_line, skip_line, symbols_line, zones_line;
};

static void lerr(struct loader *l, int64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lerr(struct loader *l, int64_t line, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_at(RX_USAGE, l->file, line, "%s", sb.buf);
	sb_release(&sb);
	l->errors++;
}

/* Index of key in names[], or -1. */
static int key_index(const char *const *names, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], key))
			return (int)i;
	return -1;
}

/* Mark key i of a section as given; 0, or -1 (reported) when given twice. */
static int once(struct loader *l, const struct ini_item *it, unsigned *seen, int i)
{
	if (*seen & (1u << i)) {
		lerr(l, it->line, "%s: given twice", it->key);
		return -1;
	}
	*seen |= 1u << i;
	return 0;
}

static void compile_re(struct loader *l, const struct ini_item *it, struct fmt_re *re)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int err;

	re->text = xstrdup(it->value);
	re->line = it->line;
	re->code = pcre2_compile((PCRE2_SPTR)it->value, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
				 &err, &off, NULL);
	if (!re->code) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		lerr(l, it->line, "%s: bad pattern at offset %zu: %s", it->key, (size_t)off,
		     (char *)msg);
	}
}

static void free_re(struct fmt_re *re)
{
	pcre2_code_free(re->code);
	free(re->text);
}

/* A single character value ("," or "\t"); -1 when v is not one byte. */
static int one_char(const char *v)
{
	if (!strcmp(v, "tab"))
		return '\t';
	return v[0] && !v[1] ? (unsigned char)v[0] : -1;
}

static int parse_sign(const char *v, enum fmt_sign *out)
{
	static const char *const names[] = { "as-is", "negate", "negate-refund", "cd", "dc" };
	int i = key_index(names, ARRAY_SIZE(names), v);

	if (i < 0)
		return -1;
	*out = (enum fmt_sign)i;
	return 0;
}

/* Money keys shared by [field] and [total]; 1 when key was one of them. */
static int money_key(struct loader *l, const struct ini_item *it, struct money_opts *m)
{
	const char *k = it->key, *v = it->value;
	int c;

	if (!strcmp(k, "unit")) {
		if (!strcmp(v, "major"))
			m->minor = 0;
		else if (!strcmp(v, "minor"))
			m->minor = 1;
		else
			lerr(l, it->line, "unit: '%s' is not major or minor", v);
	} else if (!strcmp(k, "decimal")) {
		c = one_char(v);
		if (c < 0 || (c >= '0' && c <= '9'))
			lerr(l, it->line, "decimal: '%s' is not one character", v);
		else
			m->decimal = (char)c;
	} else if (!strcmp(k, "group")) {
		if (!strcmp(v, "none")) {
			m->group = 0;
		} else {
			c = one_char(v);
			if (c < 0 || (c >= '0' && c <= '9'))
				lerr(l, it->line, "group: '%s' is not one character or none", v);
			else
				m->group = (char)c;
		}
	} else if (!strcmp(k, "round")) {
		if (money_round_parse(v, &m->round))
			lerr(l, it->line,
			     "round: '%s' is not exact, half-up, half-even or down", v);
	} else {
		return 0;
	}
	return 1;
}

/* Check a time_parse pattern's conversions; sets needs_year. */
static void check_pattern(struct loader *l, const struct ini_item *it, struct fmt_source *s)
{
	const char *p;
	int year = 0;

	if (!strcmp(it->value, "iso8601")) {
		s->needs_year = 0;
		return;
	}
	for (p = it->value; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (!*p || !strchr("YymdHMSzfFT%", *p)) {
			lerr(l, it->line, "pattern: unknown conversion '%%%c'", *p ? *p : ' ');
			return;
		}
		if (*p == 'Y' || *p == 'y' || *p == 'F')
			year = 1;
	}
	s->needs_year = !year;
}

static int pattern_has_offset(const char *pattern)
{
	return !pattern || !strcmp(pattern, "iso8601") || strstr(pattern, "%z");
}

/* A canonical value for a mapped field, or a "default": checked here so
 * a typo is a load error rather than a reject on every row. */
static void check_target(struct loader *l, int64_t line, int field, const char *what,
			 const char *v)
{
	if (field == F_KIND && rec_kind_parse(v) < 0)
		lerr(l, line, "%s: '%s' is not a kind (PAY, REFUND, REVERSAL, FEE, ADJUSTMENT)",
		     what, v);
	else if (field == F_STATUS && rec_status_parse(v) < 0)
		lerr(l, line, "%s: '%s' is not a status (SUCCESS, PENDING, CLOSED, FAILED)",
		     what, v);
	else if (field == F_CURRENCY && currency_exponent(v) < 0)
		lerr(l, line, "%s: '%s' is not an ISO 4217 currency code", what, v);
}

static void field_key(struct loader *l, const struct ini_item *it)
{
	/* column, index, value first: check_source() counts their bits. */
	static const char *const keys[] = {
		"column", "index", "value", "optional", "default", "strip",
		"unit", "decimal", "group", "round", "sign", "pattern", "zone",
		"add", "subtract", "join", "zone-column", "symbol"
	};
	enum { K_COLUMN, K_INDEX, K_VALUE, K_OPTIONAL, K_DEFAULT, K_STRIP,
	       K_UNIT, K_DECIMAL, K_GROUP, K_ROUND, K_SIGN, K_PATTERN, K_ZONE,
	       K_ADD, K_SUBTRACT, K_JOIN, K_ZONE_COLUMN, K_SYMBOL };
	struct fmt_source *s = l->cur;
	const char *v = it->value;
	int k = key_index(keys, ARRAY_SIZE(keys), it->key);
	int64_t n;
	const char *why;

	if (k < 0) {
		lerr(l, it->line, "%s: unknown key in [field \"%s\"]", it->key, s->sub);
		return;
	}
	if (((k >= K_UNIT && k <= K_SIGN) || k == K_ADD || k == K_SUBTRACT) &&
	    !fmt_field_is_money(s->field)) {
		lerr(l, it->line, "%s: only for money fields (amount, fee)", it->key);
		return;
	}
	if ((k == K_PATTERN || k == K_ZONE || k == K_JOIN || k == K_ZONE_COLUMN) &&
	    !fmt_field_is_time(s->field)) {
		lerr(l, it->line, "%s: only for time fields (time, paid_time)", it->key);
		return;
	}
	if (k == K_SYMBOL && s->field != F_CURRENCY) {
		lerr(l, it->line, "symbol: only for the currency field");
		return;
	}
	if ((k == K_ADD || k == K_SUBTRACT || k == K_JOIN || k == K_ZONE_COLUMN) && !*v) {
		lerr(l, it->line, "%s: empty column name", it->key);
		return;
	}
	if (k != K_COLUMN && k != K_ADD && k != K_SUBTRACT && k != K_JOIN &&
	    once(l, it, &s->seen, k))
		return;
	s->seen |= 1u << k;
	switch (k) {
	case K_COLUMN:
		if (!*v) {
			lerr(l, it->line, "column: empty name");
			break;
		}
		s->columns = xgrow(s->columns, &s->acolumns, s->ncolumns + 1, sizeof(*s->columns));
		s->columns[s->ncolumns++] = xstrdup(v);
		break;
	case K_INDEX:
		if (parse_int(v, 1, 100000, &n))
			lerr(l, it->line, "index: '%s' is not a column number (1, 2, ...)", v);
		else
			s->index = (int)n;
		break;
	case K_VALUE:
		s->value = xstrdup(v);
		break;
	case K_OPTIONAL:
		s->optional = ini_bool(v);
		if (s->optional < 0) {
			lerr(l, it->line, "optional: '%s' is not yes or no", v);
			s->optional = 0;
		}
		break;
	case K_DEFAULT:
		s->defval = xstrdup(v);
		check_target(l, it->line, s->field, "default", v);
		break;
	case K_STRIP:
		s->strip = xstrdup(v);
		break;
	case K_SIGN:
		if (parse_sign(v, &s->sign))
			lerr(l, it->line,
			     "sign: '%s' is not as-is, negate, negate-refund, cd or dc", v);
		else if (s->sign == SIGN_NEGATE_REFUND && s->for_kind >= 0)
			lerr(l, it->line, "sign: negate-refund in a per-kind section; "
			     "use negate or as-is");
		break;
	case K_PATTERN:
		free(s->pattern);
		s->pattern = xstrdup(v);
		check_pattern(l, it, s);
		break;
	case K_ADD:
		s->adds = xgrow(s->adds, &s->aadds, s->nadds + 1, sizeof(*s->adds));
		s->adds[s->nadds++] = xstrdup(v);
		break;
	case K_SUBTRACT:
		s->subtracts = xgrow(s->subtracts, &s->asubtracts, s->nsubtracts + 1,
				     sizeof(*s->subtracts));
		s->subtracts[s->nsubtracts++] = xstrdup(v);
		break;
	case K_JOIN:
		s->joins = xgrow(s->joins, &s->ajoins, s->njoins + 1, sizeof(*s->joins));
		s->joins[s->njoins++] = xstrdup(v);
		break;
	case K_ZONE_COLUMN:
		s->zone_column = xstrdup(v);
		break;
	case K_SYMBOL:
		s->symbol = ini_bool(v);
		if (s->symbol < 0) {
			lerr(l, it->line, "symbol: '%s' is not yes or no", v);
			s->symbol = 0;
		}
		break;
	case K_ZONE:
		if (!strcmp(v, "from-text")) {
			s->zone_from_text = 1;
		} else {
			s->zone = tz_get(v, &why);
			if (!s->zone)
				lerr(l, it->line, "zone: '%s': %s", v, why);
		}
		break;
	default:
		money_key(l, it, &s->money);
		break;
	}
}

static void format_key(struct loader *l, const struct ini_item *it)
{
	static const char *const keys[] = {
		"name", "description", "kind", "encoding", "separator", "quote",
		"header", "skip-lines", "comment", "entry", "start", "stop", "strip",
		"skip-line", "record-length", "pan"
	};
	enum { K_NAME, K_DESCRIPTION, K_KIND, K_ENCODING, K_SEPARATOR, K_QUOTE,
	       K_HEADER, K_SKIP_LINES, K_COMMENT, K_ENTRY, K_START, K_STOP, K_STRIP,
	       K_SKIP_LINE, K_RECORD_LENGTH, K_PAN };
	struct format *f = l->f;
	const char *v = it->value;
	int k = key_index(keys, ARRAY_SIZE(keys), it->key), c;
	struct fmt_re *re;

	if (k < 0) {
		lerr(l, it->line, "%s: unknown key in [format]", it->key);
		return;
	}
	if (k != K_SKIP_LINE && k != K_PAN && once(l, it, &f->seen, k))
		return;
	switch (k) {
	case K_NAME:
		f->name = xstrdup(v);
		break;
	case K_DESCRIPTION:
		free(f->description);
		f->description = xstrdup(v);
		break;
	case K_KIND:
		f->kindname = xstrdup(v);
		f->kind = kind_find(v);
		if (!f->kind)
			lerr(l, it->line, "kind: '%s' is not a known kind (%s)", v, kind_names());
		break;
	case K_ENCODING:
		/* GBK and GB2312 files are GB18030 files: one converter. */
		if (!strcasecmp(v, "utf-8") || !strcasecmp(v, "utf8"))
			f->encoding = ENC_UTF8;
		else if (!strcasecmp(v, "gbk") || !strcasecmp(v, "gb18030") ||
			 !strcasecmp(v, "gb2312"))
			f->encoding = ENC_GB18030;
		else
			lerr(l, it->line, "encoding: '%s' is not a known encoding "
			     "(utf-8, gbk, gb18030)", v);
		break;
	case K_SEPARATOR:
		c = one_char(v);
		if (c < 0 || c == '\n' || c == '\r')
			lerr(l, it->line, "separator: '%s' is not one character", v);
		else
			f->separator = (char)c;
		break;
	case K_QUOTE:
		if (!strcmp(v, "none")) {
			f->quote = 0;
			break;
		}
		c = one_char(v);
		if (c < 0 || c == '\n' || c == '\r')
			lerr(l, it->line, "quote: '%s' is not one character or none", v);
		else
			f->quote = (char)c;
		break;
	case K_HEADER:
		f->header = ini_bool(v);
		if (f->header < 0) {
			lerr(l, it->line, "header: '%s' is not yes or no", v);
			f->header = 1;
		}
		break;
	case K_SKIP_LINES:
		if (parse_int(v, 0, 1000000, &f->skip_lines))
			lerr(l, it->line, "skip-lines: '%s' is not a number of lines", v);
		break;
	case K_COMMENT:
		if (!*v)
			lerr(l, it->line, "comment: empty prefix (write \"#\" in quotes)");
		else
			f->comment = xstrdup(v);
		break;
	case K_ENTRY:
		f->entry = xstrdup(v);
		break;
	case K_START:
		compile_re(l, it, &f->start);
		break;
	case K_STOP:
		compile_re(l, it, &f->stop);
		break;
	case K_STRIP:
		f->strip = xstrdup(v);
		break;
	case K_SKIP_LINE:
		f->skip_line = xgrow(f->skip_line, &f->askip_line, f->nskip_line + 1,
				     sizeof(*f->skip_line));
		re = &f->skip_line[f->nskip_line++];
		memset(re, 0, sizeof(*re));
		compile_re(l, it, re);
		break;
	case K_RECORD_LENGTH:
		if (parse_int(v, 1, 1000000, &f->record_length))
			lerr(l, it->line, "record-length: '%s' is not a number of bytes", v);
		break;
	case K_PAN:
		if (!*v) {
			lerr(l, it->line, "pan: empty column name");
			break;
		}
		f->pan = xgrow(f->pan, &f->apan, f->npan + 1, sizeof(*f->pan));
		f->pan[f->npan++] = xstrdup(v);
		if (!f->pan_line)
			f->pan_line = it->line;
		break;
	}
}

/* [columns] NAME = OFFSET LENGTH, both in bytes. */
static void columns_key(struct loader *l, const struct ini_item *it)
{
	struct format *f = l->f;
	struct fmt_column *c;
	int64_t off, len;
	char *a, *sp;
	size_t i;

	for (i = 0; i < f->ncols; i++)
		if (!strcmp(f->cols[i].name, it->key)) {
			lerr(l, it->line, "%s: column given twice", it->key);
			return;
		}
	a = xstrdup(it->value);
	sp = strpbrk(a, " \t");
	if (sp) {
		*sp++ = '\0';
		sp += strspn(sp, " \t");
	}
	if (!sp || parse_int(a, 0, 1000000, &off) || parse_int(sp, 1, 1000000, &len)) {
		lerr(l, it->line, "%s: '%s' is not OFFSET LENGTH (in bytes: 66 12)", it->key,
		     it->value);
		free(a);
		return;
	}
	free(a);
	f->cols = xgrow(f->cols, &f->acols, f->ncols + 1, sizeof(*f->cols));
	c = &f->cols[f->ncols++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(it->key);
	c->offset = (size_t)off;
	c->length = (size_t)len;
	c->line = it->line;
}

static void map_key(struct loader *l, const struct ini_item *it)
{
	struct fmt_source *s = l->cur;
	size_t i;

	for (i = 0; i < s->nmap; i++)
		if (!strcmp(s->map[i].from, it->key)) {
			lerr(l, it->line, "%s: mapped twice", it->key);
			return;
		}
	check_target(l, it->line, s->field, it->key, it->value);
	s->map = xgrow(s->map, &s->amap, s->nmap + 1, sizeof(*s->map));
	s->map[s->nmap].from = xstrdup(it->key);
	s->map[s->nmap].to = xstrdup(it->value);
	s->nmap++;
}

static void skip_key(struct loader *l, const struct ini_item *it)
{
	struct format *f = l->f;
	struct fmt_skip *sk;
	struct fmt_re re;

	memset(&re, 0, sizeof(re));
	compile_re(l, it, &re);
	f->skips = xgrow(f->skips, &f->askips, f->nskips + 1, sizeof(*f->skips));
	sk = &f->skips[f->nskips++];
	sk->column = xstrdup(it->key);
	sk->index = 0;
	sk->re = re;
}

/* A mark must not be mistaken for a part of the number next to it. */
static void symbols_key(struct loader *l, const struct ini_item *it)
{
	struct format *f = l->f;
	struct fmt_symbol *sym;
	size_t i;

	if (!*it->key || strpbrk(it->key, "0123456789+-() \t.,")) {
		lerr(l, it->line, "'%s': a currency mark has no digits, signs, parentheses, "
		     "blanks, dots or commas", it->key);
		return;
	}
	for (i = 0; i < f->nsymbols; i++)
		if (!strcmp(f->symbols[i].mark, it->key)) {
			lerr(l, it->line, "%s: given twice", it->key);
			return;
		}
	if (strlen(it->value) != 3 || currency_exponent(it->value) < 0) {
		lerr(l, it->line, "%s: '%s' is not an ISO 4217 currency code", it->key, it->value);
		return;
	}
	f->symbols = xgrow(f->symbols, &f->asymbols, f->nsymbols + 1, sizeof(*f->symbols));
	sym = &f->symbols[f->nsymbols++];
	sym->mark = xstrdup(it->key);
	sym->len = strlen(it->key);
	memcpy(sym->code, it->value, 4);
}

/* Zones are loaded here, once: tz_get() is not for decoding threads. */
static void zones_key(struct loader *l, const struct ini_item *it)
{
	struct format *f = l->f;
	const struct tz *z;
	const char *why;
	size_t i;

	for (i = 0; i < f->nzones; i++)
		if (!strcmp(f->zones[i].name, it->key)) {
			lerr(l, it->line, "%s: given twice", it->key);
			return;
		}
	z = tz_get(it->value, &why);
	if (!z) {
		lerr(l, it->line, "%s: '%s': %s", it->key, it->value, why);
		return;
	}
	f->zones = xgrow(f->zones, &f->azones, f->nzones + 1, sizeof(*f->zones));
	f->zones[f->nzones].name = xstrdup(it->key);
	f->zones[f->nzones].zone = z;
	f->nzones++;
}

static void layout_key(struct loader *l, const struct ini_item *it)
{
	struct fmt_layout *y = l->layout;

	if (strcmp(it->key, "header")) {
		lerr(l, it->line, "%s: unknown key in [layout \"%s\"]", it->key, y->name);
		return;
	}
	if (y->header.text) {
		lerr(l, it->line, "header: given twice");
		return;
	}
	compile_re(l, it, &y->header);
}

static void total_key(struct loader *l, const struct ini_item *it)
{
	static const char *const keys[] = {
		"line", "kind", "sign", "optional", "unit", "decimal", "group"
	};
	enum { K_LINE, K_KIND, K_SIGN, K_OPTIONAL };
	struct fmt_total *t = l->total;
	const char *v = it->value;
	int k = key_index(keys, ARRAY_SIZE(keys), it->key);

	if (k < 0) {
		lerr(l, it->line, "%s: unknown key in [total \"%s\"]", it->key, t->name);
		return;
	}
	if (once(l, it, &t->seen, k))
		return;
	switch (k) {
	case K_LINE:
		compile_re(l, it, &t->re);
		if (t->re.code) {
			t->g_count = pcre2_substring_number_from_name(t->re.code, (PCRE2_SPTR)"count");
			t->g_amount = pcre2_substring_number_from_name(t->re.code, (PCRE2_SPTR)"amount");
			t->g_fee = pcre2_substring_number_from_name(t->re.code, (PCRE2_SPTR)"fee");
			if (t->g_count < 0)
				t->g_count = 0;
			if (t->g_amount < 0)
				t->g_amount = 0;
			if (t->g_fee < 0)
				t->g_fee = 0;
			if (!t->g_count && !t->g_amount && !t->g_fee)
				lerr(l, it->line, "line: the pattern names no group "
				     "(?<count>...), (?<amount>...) or (?<fee>...)");
		}
		break;
	case K_KIND:
		t->kind = rec_kind_parse(v);
		if (t->kind < 0)
			lerr(l, it->line, "kind: '%s' is not a kind (PAY, REFUND, REVERSAL, "
			     "FEE, ADJUSTMENT)", v);
		break;
	case K_SIGN:
		if (!strcmp(v, "negate"))
			t->negate = 1;
		else if (strcmp(v, "as-is"))
			lerr(l, it->line, "sign: '%s' is not as-is or negate", v);
		break;
	case K_OPTIONAL:
		t->optional = ini_bool(v);
		if (t->optional < 0) {
			lerr(l, it->line, "optional: '%s' is not yes or no", v);
			t->optional = 0;
		}
		break;
	default:
		money_key(l, it, &t->money);
		break;
	}
}

/* The source for subsection sub ("amount", "order_code for REFUND"),
 * created on first mention; NULL (reported) when sub names no field. */
static struct fmt_source *source_of(struct loader *l, const struct ini_item *it)
{
	static const struct money_opts mdef = MONEY_OPTS_DEFAULT;
	const char *sub = it->sub ? it->sub : "";
	const char *sp = strstr(sub, " for ");
	char *name = sp ? xstrndup(sub, (size_t)(sp - sub)) : xstrdup(sub);
	int field = key_index(field_names, F__COUNT, name), kind = -1;
	struct fmt_source *s;

	free(name);
	if (field < 0) {
		lerr(l, it->line, "[%s \"%s\"]: unknown field (channel, kind, order_code, "
		     "refund_code, channel_txn_id, amount, currency, fee, status, time, "
		     "paid_time)", it->section, sub);
		return NULL;
	}
	if (sp) {
		kind = rec_kind_parse(sp + 5);
		if (kind < 0) {
			lerr(l, it->line, "[%s \"%s\"]: '%s' is not a kind (PAY, REFUND, "
			     "REVERSAL, FEE, ADJUSTMENT)", it->section, sub, sp + 5);
			return NULL;
		}
		if (field == F_KIND) {
			lerr(l, it->line, "[%s \"%s\"]: the kind cannot depend on the kind",
			     it->section, sub);
			return NULL;
		}
	}
	s = l->f->src[field][kind + 1];
	if (!s) {
		s = xcalloc(1, sizeof(*s));
		s->field = field;
		s->for_kind = kind;
		s->sub = xstrdup(sub);
		s->money = mdef;
		s->sign = SIGN_AS_IS;
		l->f->src[field][kind + 1] = s;
	}
	return s;
}

static int on_item(const struct ini_item *it, void *ctx)
{
	struct loader *l = ctx;
	struct format *f = l->f;

	if (!it->key) {
		const char *sec = it->section;
		struct fmt_source *s;

		l->sec = S_IGNORE;
		if (!strcmp(sec, "format") && !it->sub) {
			if (l->format_line)
				lerr(l, it->line, "[format] given twice");
			else
				l->sec = S_FORMAT;
			l->format_line = it->line;
		} else if (!strcmp(sec, "field") || !strcmp(sec, "map")) {
			s = it->sub ? source_of(l, it) : NULL;
			if (!it->sub)
				lerr(l, it->line, "[%s] needs a field name: [%s \"amount\"]", sec, sec);
			if (!s)
				return 0;
			if (sec[0] == 'f') {
				if (s->declared) {
					lerr(l, it->line, "[field \"%s\"] given twice", s->sub);
					return 0;
				}
				s->declared = 1;
				s->line = it->line;
				l->sec = S_FIELD;
			} else {
				if (s->has_map) {
					lerr(l, it->line, "[map \"%s\"] given twice", s->sub);
					return 0;
				}
				s->has_map = 1;
				s->map_line = it->line;
				l->sec = S_MAP;
			}
			l->cur = s;
		} else if (!strcmp(sec, "skip") && !it->sub) {
			if (l->skip_line)
				lerr(l, it->line, "[skip] given twice");
			else
				l->sec = S_SKIP;
			l->skip_line = it->line;
		} else if (!strcmp(sec, "total") && it->sub) {
			struct fmt_total *t;
			size_t i;

			for (i = 0; i < f->ntotals; i++)
				if (!strcmp(f->totals[i].name, it->sub)) {
					lerr(l, it->line, "[total \"%s\"] given twice", it->sub);
					return 0;
				}
			f->totals = xgrow(f->totals, &f->atotals, f->ntotals + 1, sizeof(*f->totals));
			t = &f->totals[f->ntotals++];
			memset(t, 0, sizeof(*t));
			t->name = xstrdup(it->sub);
			t->line = it->line;
			t->kind = -1;
			t->money = (struct money_opts)MONEY_OPTS_DEFAULT;
			l->total = t;
			l->sec = S_TOTAL;
		} else if (!strcmp(sec, "total")) {
			lerr(l, it->line, "[total] needs a name: [total \"pay\"]");
		} else if ((!strcmp(sec, "symbols") || !strcmp(sec, "zones")) && !it->sub) {
			int64_t *seen = sec[0] == 's' ? &l->symbols_line : &l->zones_line;

			if (*seen)
				lerr(l, it->line, "[%s] given twice", sec);
			else
				l->sec = sec[0] == 's' ? S_SYMBOLS : S_ZONES;
			*seen = it->line;
		} else if (!strcmp(sec, "layout") && it->sub) {
			struct fmt_layout *y;
			size_t i;

			for (i = 0; i < f->nlayouts; i++)
				if (!strcmp(f->layouts[i].name, it->sub)) {
					lerr(l, it->line, "[layout \"%s\"] given twice", it->sub);
					return 0;
				}
			f->layouts = xgrow(f->layouts, &f->alayouts, f->nlayouts + 1,
					   sizeof(*f->layouts));
			y = &f->layouts[f->nlayouts++];
			memset(y, 0, sizeof(*y));
			y->name = xstrdup(it->sub);
			y->line = it->line;
			l->layout = y;
			l->sec = S_LAYOUT;
		} else if (!strcmp(sec, "layout")) {
			lerr(l, it->line, "[layout] needs a name: [layout \"all\"]");
		} else if (!strcmp(sec, "columns") && !it->sub) {
			if (f->columns_line)
				lerr(l, it->line, "[columns] given twice");
			else
				l->sec = S_COLUMNS;
			f->columns_line = it->line;
		} else {
			lerr(l, it->line, "[%s%s%s%s]: unknown section (format, field, map, skip, "
			     "total, symbols, zones, layout, columns)", sec, it->sub ? " \"" : "", it->sub ? it->sub : "",
			     it->sub ? "\"" : "");
		}
		return 0;
	}
	switch (l->sec) {
	case S_NONE:
		lerr(l, it->line, "%s: key outside a section (begin with [format])", it->key);
		l->sec = S_IGNORE;
		break;
	case S_FORMAT:
		format_key(l, it);
		break;
	case S_FIELD:
		field_key(l, it);
		break;
	case S_MAP:
		map_key(l, it);
		break;
	case S_SKIP:
		skip_key(l, it);
		break;
	case S_TOTAL:
		total_key(l, it);
		break;
	case S_SYMBOLS:
		symbols_key(l, it);
		break;
	case S_ZONES:
		zones_key(l, it);
		break;
	case S_LAYOUT:
		layout_key(l, it);
		break;
	case S_COLUMNS:
		columns_key(l, it);
		break;
	case S_IGNORE:
		break;
	}
	return 0;
}

/* Checks that need the whole file. */
static void check_source(struct loader *l, struct fmt_source *s)
{
	const struct format *f = l->f;
	/* Keys given, valid or not: a bad index was reported already. */
	int ways = !!(s->seen & 1u) + !!(s->seen & 2u) + !!(s->seen & 4u);

	if (!s->declared) {
		lerr(l, s->map_line, "[map \"%s\"] without a [field \"%s\"] section", s->sub, s->sub);
		return;
	}
	if (ways == 0)
		lerr(l, s->line, "[field \"%s\"]: no column, index or value", s->sub);
	else if (ways > 1)
		lerr(l, s->line, "[field \"%s\"]: give one of column, index or value", s->sub);
	if (s->ncolumns && !f->header)
		lerr(l, s->line, "[field \"%s\"]: column needs header = yes; use index", s->sub);
	if (s->money.decimal == s->money.group)
		lerr(l, s->line, "[field \"%s\"]: decimal and group are the same character",
		     s->sub);
	if ((s->nadds || s->nsubtracts) && !s->ncolumns)
		lerr(l, s->line, "[field \"%s\"]: add and subtract need column", s->sub);
	if ((s->njoins || s->zone_column) && !s->ncolumns)
		lerr(l, s->line, "[field \"%s\"]: join and zone-column need column", s->sub);
	if (s->symbol && !f->nsymbols)
		lerr(l, s->line, "[field \"%s\"]: symbol = yes, but no [symbols] section",
		     s->sub);
	if (s->zone_column && !f->nzones)
		lerr(l, s->line, "[field \"%s\"]: zone-column, but no [zones] section", s->sub);
	if (fmt_field_is_time(s->field) && !s->zone && !s->zone_from_text && !s->zone_column) {
		if (pattern_has_offset(s->pattern))
			s->zone_from_text = 1;
		else
			lerr(l, s->line, "[field \"%s\"]: no zone, and the pattern has no %%z",
			     s->sub);
	}
	if (s->zone_from_text && !pattern_has_offset(s->pattern))
		lerr(l, s->line, "[field \"%s\"]: zone = from-text, but the pattern has no %%z",
		     s->sub);
}

/* Longest mark first, so CA$ is found before $. */
static int symbol_cmp(const void *a, const void *b)
{
	const struct fmt_symbol *x = a, *y = b;

	return x->len != y->len ? (x->len < y->len ? 1 : -1) : strcmp(x->mark, y->mark);
}

/* The [columns] entry named name, or NULL. */
static struct fmt_column *fixed_column(struct format *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->ncols; i++)
		if (!strcmp(f->cols[i].name, name))
			return &f->cols[i];
	return NULL;
}

/* The keys of the fixed kind, and the columns every key names. */
static void check_fixed(struct loader *l)
{
	struct format *f = l->f;
	size_t i, j, k, need = 0;

	if (f->kind != &kind_fixed) {
		if (f->columns_line)
			lerr(l, f->columns_line, "[columns]: only for kind fixed");
		if (f->record_length)
			lerr(l, l->format_line, "record-length: only for kind fixed");
		if (f->npan && !f->header)
			for (i = 0; i < f->npan; i++) {
				int64_t n;

				if (parse_int(f->pan[i], 1, 100000, &n))
					lerr(l, f->pan_line, "pan: '%s': with header = no, "
					     "give column numbers", f->pan[i]);
			}
		return;
	}
	if (!f->ncols)
		lerr(l, l->format_line, "[format]: kind fixed needs a [columns] section");
	for (i = 0; i < f->ncols; i++)
		if (f->cols[i].offset + f->cols[i].length > need)
			need = f->cols[i].offset + f->cols[i].length;
	if (f->record_length && (size_t)f->record_length < need)
		lerr(l, l->format_line, "record-length: %lld bytes, but the columns reach "
		     "byte %zu", (long long)f->record_length, need);
	for (i = 0; i < F__COUNT; i++)
		for (j = 0; j <= KIND__COUNT; j++) {
			const struct fmt_source *s = f->src[i][j];

			for (k = 0; s && k < s->ncolumns; k++)
				if (!fixed_column(f, s->columns[k]))
					lerr(l, s->line, "[field \"%s\"]: column '%s' is not in "
					     "[columns]", s->sub, s->columns[k]);
		}
	for (i = 0; i < f->nskips; i++)
		if (!fixed_column(f, f->skips[i].column))
			lerr(l, f->skips[i].re.line, "[skip]: column '%s' is not in [columns]",
			     f->skips[i].column);
	for (i = 0; i < f->npan; i++) {
		struct fmt_column *c = fixed_column(f, f->pan[i]);

		if (c)
			c->pan = 1;
		else
			lerr(l, f->pan_line, "pan: column '%s' is not in [columns]", f->pan[i]);
	}
}

static void check_format(struct loader *l)
{
	struct format *f = l->f;
	const char *base = path_basename(l->file);
	size_t blen = strlen(base), i, j;

	if (blen > 4 && !strcmp(base + blen - 4, ".fmt"))
		blen -= 4;
	if (!l->format_line) {
		lerr(l, 0, "no [format] section");
		return;
	}
	if (!f->name)
		f->name = xstrndup(base, blen);
	else if (strlen(f->name) != blen || strncmp(f->name, base, blen))
		lerr(l, l->format_line, "name: '%s' differs from the file name '%.*s'",
		     f->name, (int)blen, base);
	if (!f->kindname)
		lerr(l, l->format_line, "[format]: no kind (%s)", kind_names());
	if (!f->description)
		f->description = xstrdup("");
	if (f->quote && f->quote == f->separator)
		lerr(l, l->format_line, "[format]: quote and separator are the same character");
	/* Said once here, rather than once per column after it. */
	if (f->kind == &kind_fixed && !f->header) {
		lerr(l, l->format_line, "header: kind fixed has no header row; its columns "
		     "are named in [columns]");
		f->header = 1;
	}
	for (i = 0; i < ARRAY_SIZE(required_fields); i++)
		if (!f->src[required_fields[i]][0] || !f->src[required_fields[i]][0]->declared)
			lerr(l, 0, "no [field \"%s\"] section", field_names[required_fields[i]]);
	for (i = 0; i < F__COUNT; i++)
		for (j = 0; j <= KIND__COUNT; j++)
			if (f->src[i][j])
				check_source(l, f->src[i][j]);
	for (i = 0; i < f->nskips; i++) {
		int64_t n;

		if (f->header)
			continue;
		if (parse_int(f->skips[i].column, 1, 100000, &n))
			lerr(l, f->skips[i].re.line, "%s: with header = no, [skip] keys are "
			     "column numbers", f->skips[i].column);
		else
			f->skips[i].index = (int)n;
	}
	if (f->nsymbols)
		qsort(f->symbols, f->nsymbols, sizeof(*f->symbols), symbol_cmp);
	for (i = 0; i < f->nlayouts; i++)
		if (!f->layouts[i].header.text)
			lerr(l, f->layouts[i].line, "[layout \"%s\"]: no header pattern",
			     f->layouts[i].name);
	if (f->nlayouts && !f->header)
		lerr(l, f->layouts[0].line, "[layout \"%s\"]: layouts need header = yes",
		     f->layouts[0].name);
	for (i = 0; i < f->ntotals; i++)
		if (!f->totals[i].re.text)
			lerr(l, f->totals[i].line, "[total \"%s\"]: no line pattern",
			     f->totals[i].name);
	if (f->kind)
		check_fixed(l);
}

struct format *fmt_load_path(const char *path)
{
	struct format *f = xcalloc(1, sizeof(*f));
	struct loader l;
	int rc;

	memset(&l, 0, sizeof(l));
	f->path = xstrdup(path);
	f->encoding = ENC_UTF8;
	f->separator = ',';
	f->quote = '"';
	f->header = 1;
	l.f = f;
	l.file = path;
	rc = ini_parse_file(path, on_item, &l);
	if (rc == 0)
		check_format(&l);
	if (rc || l.errors) {
		format_free(f);
		return NULL;
	}
	return f;
}

struct format *format_load(const char *name)
{
	char *path;
	struct format *f;

	if (strchr(name, '/'))
		return fmt_load_path(name);
	path = datapath_find("formats", name, ".fmt");
	if (!path) {
		error_at(RX_USAGE, NULL, 0, "no format named '%s' (recon formats lists them)",
			 name);
		return NULL;
	}
	f = fmt_load_path(path);
	free(path);
	return f;
}

static void free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_source(struct fmt_source *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->ncolumns; i++)
		free(s->columns[i]);
	free(s->columns);
	for (i = 0; i < s->nmap; i++) {
		free(s->map[i].from);
		free(s->map[i].to);
	}
	free(s->map);
	free(s->sub);
	free(s->value);
	free(s->defval);
	free(s->strip);
	free(s->pattern);
	free_list(s->adds, s->nadds);
	free_list(s->subtracts, s->nsubtracts);
	free_list(s->joins, s->njoins);
	free(s->zone_column);
	free(s);
}

void format_free(struct format *f)
{
	size_t i, j;

	if (!f)
		return;
	for (i = 0; i < F__COUNT; i++)
		for (j = 0; j <= KIND__COUNT; j++)
			free_source(f->src[i][j]);
	for (i = 0; i < f->nskip_line; i++)
		free_re(&f->skip_line[i]);
	free(f->skip_line);
	for (i = 0; i < f->nskips; i++) {
		free(f->skips[i].column);
		free_re(&f->skips[i].re);
	}
	free(f->skips);
	for (i = 0; i < f->ntotals; i++) {
		free(f->totals[i].name);
		free_re(&f->totals[i].re);
	}
	free(f->totals);
	for (i = 0; i < f->nsymbols; i++)
		free(f->symbols[i].mark);
	free(f->symbols);
	for (i = 0; i < f->nzones; i++)
		free(f->zones[i].name);
	free(f->zones);
	for (i = 0; i < f->nlayouts; i++) {
		free(f->layouts[i].name);
		free_re(&f->layouts[i].header);
	}
	free(f->layouts);
	free_re(&f->start);
	free_re(&f->stop);
	free(f->name);
	free(f->description);
	free(f->kindname);
	free(f->path);
	free(f->comment);
	free(f->entry);
	free(f->strip);
	for (i = 0; i < f->ncols; i++)
		free(f->cols[i].name);
	free(f->cols);
	for (i = 0; i < f->npan; i++)
		free(f->pan[i]);
	free(f->pan);
	free(f);
}

const char *format_name(const struct format *f)
{
	return f->name;
}

const char *format_description(const struct format *f)
{
	return f->description;
}

const char *format_kind(const struct format *f)
{
	return f->kindname;
}

const char *format_path(const struct format *f)
{
	return f->path;
}

struct found {
	char *name;
	char *path;
};

static int found_cmp(const void *a, const void *b)
{
	return strcmp(((const struct found *)a)->name, ((const struct found *)b)->name);
}

int fmt_scan(fmt_scan_fn fn, void *ctx)
{
	const char *const *dirs;
	size_t ndirs = datapath_dirs("formats", &dirs), i, j, n = 0, alloc = 0;
	struct found *list = NULL;

	for (i = 0; i < ndirs; i++) {
		DIR *dir = opendir(dirs[i]);
		struct dirent *de;

		if (!dir)
			continue;
		while ((de = readdir(dir))) {
			size_t len = strlen(de->d_name);
			char *name;

			if (de->d_name[0] == '.' || len <= 4 || strcmp(de->d_name + len - 4, ".fmt"))
				continue;
			name = xstrndup(de->d_name, len - 4);
			for (j = 0; j < n && strcmp(list[j].name, name); j++)
				;
			if (j < n) {
				free(name);
				continue;
			}
			list = xgrow(list, &alloc, n + 1, sizeof(*list));
			list[n].name = name;
			list[n].path = path_join(dirs[i], de->d_name);
			n++;
		}
		closedir(dir);
	}
	if (n)
		qsort(list, n, sizeof(*list), found_cmp);
	for (i = 0; i < n; i++) {
		struct format *f = fmt_load_path(list[i].path);

		fn(list[i].name, list[i].path, f, ctx);
		format_free(f);
		free(list[i].name);
		free(list[i].path);
	}
	free(list);
	return (int)n;
}

struct list_adapter {
	format_list_fn fn;
	void *ctx;
};

static void list_one(const char *name, const char *path, const struct format *f, void *ctx)
{
	struct list_adapter *a = ctx;

	a->fn(name, path, f ? f->description : NULL, a->ctx);
}

int format_list(format_list_fn fn, void *ctx)
{
	struct list_adapter a = { fn, ctx };

	return fmt_scan(list_one, &a);
}
