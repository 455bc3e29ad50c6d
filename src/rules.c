/*
 * rules.c: reading rules/NAME.rules (man/recon-rules.5) and answering the
 * classification's questions about it.
 *
 * The file is read with the shared INI reader; every section kind has a
 * table of keys with a setter, so that a mistake names the file, the line,
 * the section and the key, and all mistakes are shown in one go. What the
 * file leaves out keeps the built-in default, which is design.md's
 * behaviour; rules/default.rules spells the same defaults out for people.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "recon/classify.h"
#include "recon/datapath.h"
#include "recon/diag.h"
#include "recon/ini.h"
#include "recon/money.h"
#include "recon/rules.h"
#include "recon/strbuf.h"
#include "recon/util.h"

/* An amount a directive gives: in minor units of any currency ("30"), or
 * in major units of one currency ("0.30 USD"). A directive may be given
 * once per currency; the entry for the row's currency wins over the
 * any-currency one. */
struct money_rule {
	char currency[4];        /* "" for any currency */
	int64_t v;               /* minor units */
	int64_t line;
};

struct money_list {
	struct money_rule *v;
	size_t n, alloc;
};

struct fee_model {
	int64_t line;            /* of the section header; 0: no model */
	int has_percent;
	int64_t percent;         /* millionths of a percent: 0.6% is 600000 */
	struct money_list fixed, minimum, maximum, tolerance;
	enum money_round round;
	int base;                /* enum rules_fee_base */
	unsigned seen;           /* keys given, for "given twice" */
};

enum rec_field { F_ORDER_CODE, F_REFUND_CODE, F_CHANNEL_TXN_ID, F__COUNT };
static const char *const field_names[F__COUNT] = { "order_code", "refund_code", "channel_txn_id" };

struct pattern {
	char *name;
	int64_t line;
	int field;               /* enum rec_field, -1 when not given */
	int into;                /* extract: enum rec_field */
	int side;                /* exclude: RULES_STATEMENT | RULES_LEDGER */
	int kind;                /* -1: every kind */
	char *text;
	pcre2_code *re;
	int group;               /* extract: the capture group taken (0: whole match) */
	unsigned seen;
};

struct action_rule {
	int64_t line;
	int cls, reason;         /* -1: any */
	int action;              /* -1 until given */
	struct money_list below, at_least;
	int64_t age_below, age_at_least;   /* -1: no condition */
	int amounts;             /* -1 any, 0 same, 1 different */
	unsigned seen;
};

struct rules_scratch {
	pcre2_match_data *md;
};

struct rules {
	char *path;
	struct money_list tolerance;
	int wait_days;
	int reversals;
	unsigned match_seen;
	struct fee_model fee[2];          /* KIND_PAY, KIND_REFUND */
	struct pattern *exclude, *extract;
	size_t nexclude, aexclude, nextract, aextract;
	struct action_rule *actions;
	size_t nactions, aactions;
	struct rules_scratch *scratch;   /* for the loading thread */
};

/* ---- amounts ---- */

static void money_add_rule(struct money_list *l, const char *cur, int64_t v, int64_t line)
{
	l->v = xgrow(l->v, &l->alloc, l->n + 1, sizeof(*l->v));
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	snprintf(l->v[l->n].currency, 4, "%s", cur);
	l->v[l->n].v = v;
	l->v[l->n].line = line;
	l->n++;
}

/* The value for currency: 1 and *v, or 0 when the list has none for it. */
static int money_for(const struct money_list *l, const char *currency, int64_t *v)
{
	size_t i;
	int found = 0;

	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].currency, currency)) {
			*v = l->v[i].v;
			return 1;
		}
		if (!l->v[i].currency[0]) {
			*v = l->v[i].v;
			found = 1;
		}
	}
	return found;
}

static void money_release(struct money_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- the loader ---- */

enum section { S_NONE, S_MATCH, S_FEE, S_EXCLUDE, S_EXTRACT, S_ACTION, S_BAD };

struct loader {
	struct rules *r;
	const char *file;
	int errors;
	enum section sec;
	struct strbuf where;      /* "[fee "PAY"]" */
	struct fee_model *fee;
	struct pattern *pat;      /* the current [exclude] or [extract] */
	int pat_extract;
	struct action_rule *act;
};

static void lerr(struct loader *L, int64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lerr(struct loader *L, int64_t line, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_at(RX_USAGE, L->file, line, "%s", sb.buf);
	sb_release(&sb);
	L->errors++;
}

/* "30" (minor units, any currency) or "0.30 USD". Non-negative. Returns 0
 * with the currency ("" for any) and value, or -1 with *why. */
static int parse_money(const char *v, char cur[4], int64_t *out, struct strbuf *why)
{
	struct money_opts o = MONEY_OPTS_DEFAULT;
	const char *sp = strrchr(v, ' ');
	const char *w = NULL;
	int e;

	cur[0] = '\0';
	o.group = 0;
	if (!sp) {
		int64_t n;

		if (parse_int(v, 0, INT64_MAX, &n) < 0 || *v == '+' || *v == ' ') {
			sb_addf(why, "'%s' is not an amount: write minor units (30) or major "
				"units and a currency (0.30 USD)", v);
			return -1;
		}
		*out = n;
		return 0;
	}
	if (strlen(sp + 1) != 3 || (e = currency_exponent(sp + 1)) < 0) {
		sb_addf(why, "'%s' is not a currency code (ISO 4217, e.g. CNY)", sp + 1);
		return -1;
	}
	memcpy(cur, sp + 1, 4);
	if (money_parse(v, (size_t)(sp - v), e, &o, out, &w) < 0) {
		sb_addf(why, "'%.*s': %s", (int)(sp - v), v, w);
		return -1;
	}
	if (*out < 0) {
		sb_addf(why, "'%s': an amount here is never negative", v);
		return -1;
	}
	return 0;
}

static void set_money(struct loader *L, const struct ini_item *it, struct money_list *l)
{
	struct strbuf why = STRBUF_INIT;
	char cur[4];
	int64_t v;
	size_t i;

	if (parse_money(it->value, cur, &v, &why) < 0) {
		lerr(L, it->line, "%s %s: %s", L->where.buf, it->key, why.buf);
		sb_release(&why);
		return;
	}
	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].currency, cur)) {
			lerr(L, it->line, "%s %s: given twice for %s (first at line %lld)",
			     L->where.buf, it->key, *cur ? cur : "every currency",
			     (long long)l->v[i].line);
			return;
		}
	money_add_rule(l, cur, v, it->line);
}

/* Whole days 0..3650. */
static int set_days(struct loader *L, const struct ini_item *it, int64_t *out)
{
	int64_t n;

	if (*it->value < '0' || *it->value > '9' || parse_int(it->value, 0, 3650, &n) < 0) {
		lerr(L, it->line, "%s %s: '%s' is not a whole number of days from 0 to 3650",
		     L->where.buf, it->key, it->value);
		return -1;
	}
	*out = n;
	return 0;
}

/* A percentage with up to six decimals, 0 to 100, "%" optional, into
 * millionths of a percent. */
static int parse_percent(const char *v, int64_t *out)
{
	int64_t n = 0;
	int digits = 0, frac = -1;
	const char *s;

	for (s = v; *s && *s != '%' && *s != ' '; s++) {
		if (*s == '.' && frac < 0 && digits) {
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || frac >= 6 || n > 100 * 1000000LL)
			return -1;
		n = n * 10 + (*s - '0');
		digits++;
		if (frac >= 0)
			frac++;
	}
	while (*s == ' ')
		s++;
	if (*s == '%')
		s++;
	if (*s || !digits || frac == 0)
		return -1;
	for (frac = frac < 0 ? 0 : frac; frac < 6; frac++)
		n *= 10;
	if (n > 100 * 1000000LL)
		return -1;
	*out = n;
	return 0;
}

static int once(struct loader *L, const struct ini_item *it, unsigned *seen, unsigned bit)
{
	if (*seen & bit) {
		lerr(L, it->line, "%s %s: given twice", L->where.buf, it->key);
		return -1;
	}
	*seen |= bit;
	return 0;
}

static int name_in(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static void on_match(struct loader *L, const struct ini_item *it)
{
	struct rules *r = L->r;
	int64_t n;

	if (!strcmp(it->key, "amount-tolerance")) {
		set_money(L, it, &r->tolerance);
	} else if (!strcmp(it->key, "statement-wait-days")) {
		if (once(L, it, &r->match_seen, 1) == 0 && set_days(L, it, &n) == 0)
			r->wait_days = (int)n;
	} else if (!strcmp(it->key, "reversals")) {
		if (once(L, it, &r->match_seen, 2) < 0)
			return;
		if (!strcmp(it->value, "cancel"))
			r->reversals = 1;
		else if (!strcmp(it->value, "ignore"))
			r->reversals = 0;
		else
			lerr(L, it->line, "[match] reversals: '%s' is not cancel or ignore",
			     it->value);
	} else if (!strcmp(it->key, "grace-days")) {
		lerr(L, it->line, "[match] grace-days: a ledger item's grace is the channel's "
		     "grace-days in recon.conf; the rules say statement-wait-days");
	} else {
		lerr(L, it->line, "[match] %s: unknown key (known: amount-tolerance, "
		     "statement-wait-days, reversals)", it->key);
	}
}

static void on_fee(struct loader *L, const struct ini_item *it)
{
	struct fee_model *f = L->fee;
	static const char *const keys[] = {
		"percent", "fixed", "minimum", "maximum", "round", "base", "tolerance"
	};
	int k = name_in(keys, (int)ARRAY_SIZE(keys), it->key);

	if (k < 0) {
		lerr(L, it->line, "%s %s: unknown key (known: percent, fixed, minimum, maximum, "
		     "round, base, tolerance)", L->where.buf, it->key);
		return;
	}
	switch (k) {
	case 0:
		if (once(L, it, &f->seen, 1) < 0)
			return;
		if (parse_percent(it->value, &f->percent) < 0) {
			lerr(L, it->line, "%s percent: '%s' is not a percentage from 0 to 100 with "
			     "at most 6 decimals (0.6 or 0.6%%)", L->where.buf, it->value);
			return;
		}
		f->has_percent = 1;
		break;
	case 1:
		f->seen |= 8;      /* given, even if wrong: no "give fixed" error too */
		set_money(L, it, &f->fixed);
		break;
	case 2:
		set_money(L, it, &f->minimum);
		break;
	case 3:
		set_money(L, it, &f->maximum);
		break;
	case 4:
		if (once(L, it, &f->seen, 2) < 0)
			return;
		if (money_round_parse(it->value, &f->round) < 0 || f->round == ROUND_EXACT)
			lerr(L, it->line, "%s round: '%s' is not half-up, half-even or down",
			     L->where.buf, it->value);
		break;
	case 5:
		if (once(L, it, &f->seen, 4) < 0)
			return;
		if (!strcmp(it->value, "amount"))
			f->base = FEE_BASE_AMOUNT;
		else if (!strcmp(it->value, "ledger"))
			f->base = FEE_BASE_LEDGER;
		else
			lerr(L, it->line, "%s base: '%s' is not amount or ledger", L->where.buf,
			     it->value);
		break;
	case 6:
		set_money(L, it, &f->tolerance);
		break;
	}
}

static int parse_field(struct loader *L, const struct ini_item *it, int extract_target)
{
	int f = name_in(field_names, F__COUNT, it->value);

	if (f < 0 || (extract_target && f == F_CHANNEL_TXN_ID)) {
		lerr(L, it->line, "%s %s: '%s' is not %s", L->where.buf, it->key, it->value,
		     extract_target ? "order_code or refund_code"
				    : "order_code, refund_code or channel_txn_id");
		return -1;
	}
	return f;
}

static void compile_pattern(struct loader *L, const struct ini_item *it, struct pattern *p)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int err;

	p->text = xstrdup(it->value);
	p->re = pcre2_compile((PCRE2_SPTR)it->value, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err,
			      &off, NULL);
	if (!p->re) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		lerr(L, it->line, "%s pattern: bad pattern at offset %zu: %s", L->where.buf,
		     (size_t)off, (char *)msg);
		return;
	}
	if (L->pat_extract) {
		uint32_t groups = 0;
		int named = pcre2_substring_number_from_name(p->re, (PCRE2_SPTR)"code");

		pcre2_pattern_info(p->re, PCRE2_INFO_CAPTURECOUNT, &groups);
		p->group = named > 0 ? named : groups > 0 ? 1 : 0;
	}
}

static void on_pattern(struct loader *L, const struct ini_item *it)
{
	struct pattern *p = L->pat;
	int k;

	if (!strcmp(it->key, "field")) {
		if (once(L, it, &p->seen, 1) == 0 && (k = parse_field(L, it, 0)) >= 0)
			p->field = k;
	} else if (!strcmp(it->key, "pattern")) {
		if (once(L, it, &p->seen, 2) == 0)
			compile_pattern(L, it, p);
	} else if (!strcmp(it->key, "kind")) {
		if (once(L, it, &p->seen, 4) < 0)
			return;
		p->kind = rec_kind_parse(it->value);
		if (p->kind < 0 || p->kind == KIND_FEE || p->kind == KIND_ADJUSTMENT)
			lerr(L, it->line, "%s kind: '%s' is not PAY, REFUND or REVERSAL",
			     L->where.buf, it->value);
	} else if (L->pat_extract && !strcmp(it->key, "into")) {
		if (once(L, it, &p->seen, 8) == 0 && (k = parse_field(L, it, 1)) >= 0)
			p->into = k;
	} else if (!L->pat_extract && !strcmp(it->key, "side")) {
		if (once(L, it, &p->seen, 8) < 0)
			return;
		if (!strcmp(it->value, "statement"))
			p->side = RULES_STATEMENT;
		else if (!strcmp(it->value, "ledger"))
			p->side = RULES_LEDGER;
		else if (!strcmp(it->value, "both"))
			p->side = RULES_STATEMENT | RULES_LEDGER;
		else
			lerr(L, it->line, "%s side: '%s' is not statement, ledger or both",
			     L->where.buf, it->value);
	} else {
		lerr(L, it->line, "%s %s: unknown key (known: field, pattern, kind, %s)",
		     L->where.buf, it->key, L->pat_extract ? "into" : "side");
	}
}

static void on_action(struct loader *L, const struct ini_item *it)
{
	struct action_rule *a = L->act;
	int64_t n;

	if (!strcmp(it->key, "do")) {
		if (once(L, it, &a->seen, 1) < 0)
			return;
		a->action = action_parse(it->value);
		if (a->action < 0)
			lerr(L, it->line, "%s do: '%s' is not MARK_PAID, REFUND, ADJUST, "
			     "INVESTIGATE or IGNORE", L->where.buf, it->value);
	} else if (!strcmp(it->key, "amount-below")) {
		set_money(L, it, &a->below);
	} else if (!strcmp(it->key, "amount-at-least")) {
		set_money(L, it, &a->at_least);
	} else if (!strcmp(it->key, "age-below")) {
		if (once(L, it, &a->seen, 2) == 0 && set_days(L, it, &n) == 0)
			a->age_below = n;
	} else if (!strcmp(it->key, "age-at-least")) {
		if (once(L, it, &a->seen, 4) == 0 && set_days(L, it, &n) == 0)
			a->age_at_least = n;
	} else if (!strcmp(it->key, "amounts")) {
		if (once(L, it, &a->seen, 8) < 0)
			return;
		if (!strcmp(it->value, "same"))
			a->amounts = 0;
		else if (!strcmp(it->value, "different"))
			a->amounts = 1;
		else
			lerr(L, it->line, "%s amounts: '%s' is not same or different",
			     L->where.buf, it->value);
	} else {
		lerr(L, it->line, "%s %s: unknown key (known: do, amount-below, amount-at-least, "
		     "age-below, age-at-least, amounts)", L->where.buf, it->key);
	}
}

/* Which discrepancies an [action] is for: "CLASS/REASON" or "CLASS", where
 * a star stands for any class or any reason. */
static int parse_which(const char *s, int *cls, int *reason)
{
	const char *slash = strchr(s, '/');
	char c[32];
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(c))
		return -1;
	memcpy(c, s, n);
	c[n] = '\0';
	*cls = strcmp(c, "*") ? class_parse(c) : -1;
	if (*cls < 0 && strcmp(c, "*"))
		return -1;
	*reason = -1;
	if (slash && strcmp(slash + 1, "*")) {
		*reason = reason_parse(slash + 1);
		if (*reason < 0)
			return -1;
	}
	return 0;
}

static void new_pattern(struct loader *L, const struct ini_item *it, int extract)
{
	struct rules *r = L->r;
	struct pattern *list = extract ? r->extract : r->exclude, *p;
	size_t n = extract ? r->nextract : r->nexclude, i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i].name, it->sub))
			lerr(L, it->line, "%s: already at line %lld", L->where.buf,
			     (long long)list[i].line);
	if (extract) {
		r->extract = xgrow(r->extract, &r->aextract, r->nextract + 1, sizeof(*p));
		p = &r->extract[r->nextract++];
	} else {
		r->exclude = xgrow(r->exclude, &r->aexclude, r->nexclude + 1, sizeof(*p));
		p = &r->exclude[r->nexclude++];
	}
	memset(p, 0, sizeof(*p));
	p->name = xstrdup(it->sub);
	p->line = it->line;
	p->field = -1;
	p->into = F_ORDER_CODE;
	p->side = RULES_STATEMENT | RULES_LEDGER;
	p->kind = -1;
	L->pat = p;
	L->pat_extract = extract;
}

static void on_section(struct loader *L, const struct ini_item *it)
{
	struct rules *r = L->r;
	int kind, cls, reason;

	sb_reset(&L->where);
	if (it->sub)
		sb_addf(&L->where, "[%s \"%s\"]", it->section, it->sub);
	else
		sb_addf(&L->where, "[%s]", it->section);
	L->sec = S_BAD;
	if (!strcmp(it->section, "match")) {
		if (it->sub)
			lerr(L, it->line, "%s: [match] takes no name", L->where.buf);
		else
			L->sec = S_MATCH;
	} else if (!strcmp(it->section, "fee")) {
		kind = it->sub ? rec_kind_parse(it->sub) : -1;
		if (kind != KIND_PAY && kind != KIND_REFUND) {
			lerr(L, it->line, "%s: a fee model is for kind PAY or REFUND: "
			     "[fee \"PAY\"]", L->where.buf);
		} else if (r->fee[kind].line) {
			lerr(L, it->line, "%s: already at line %lld", L->where.buf,
			     (long long)r->fee[kind].line);
		} else {
			L->fee = &r->fee[kind];
			L->fee->line = it->line;
			L->fee->round = ROUND_HALF_UP;
			L->sec = S_FEE;
		}
	} else if (!strcmp(it->section, "exclude") || !strcmp(it->section, "extract")) {
		if (!it->sub) {
			lerr(L, it->line, "%s: give the pattern a name: [%s \"test orders\"]",
			     L->where.buf, it->section);
		} else {
			new_pattern(L, it, !strcmp(it->section, "extract"));
			L->sec = L->pat_extract ? S_EXTRACT : S_EXCLUDE;
		}
	} else if (!strcmp(it->section, "action")) {
		if (!it->sub || parse_which(it->sub, &cls, &reason) < 0) {
			lerr(L, it->line, "%s: say which discrepancies: [action \"CLASS/REASON\"], "
			     "[action \"CLASS\"], [action \"*/REASON\"] or [action \"*\"]",
			     L->where.buf);
		} else {
			struct action_rule *a;

			r->actions = xgrow(r->actions, &r->aactions, r->nactions + 1, sizeof(*a));
			a = &r->actions[r->nactions++];
			memset(a, 0, sizeof(*a));
			a->line = it->line;
			a->cls = cls;
			a->reason = reason;
			a->action = -1;
			a->age_below = a->age_at_least = -1;
			a->amounts = -1;
			L->act = a;
			L->sec = S_ACTION;
		}
	} else {
		lerr(L, it->line, "%s: unknown section (known: [match], [fee \"KIND\"], "
		     "[exclude \"NAME\"], [extract \"NAME\"], [action \"CLASS/REASON\"])",
		     L->where.buf);
	}
}

static int on_item(const struct ini_item *it, void *ctx)
{
	struct loader *L = ctx;

	if (!it->key) {
		on_section(L, it);
		return 0;
	}
	switch (L->sec) {
	case S_NONE:
		lerr(L, it->line, "%s: key outside any section; put it under [match], [fee "
		     "\"KIND\"], [exclude \"NAME\"], [extract \"NAME\"] or [action \"...\"]",
		     it->key);
		break;
	case S_MATCH:
		on_match(L, it);
		break;
	case S_FEE:
		on_fee(L, it);
		break;
	case S_EXCLUDE:
	case S_EXTRACT:
		on_pattern(L, it);
		break;
	case S_ACTION:
		on_action(L, it);
		break;
	case S_BAD:
		break;
	}
	return 0;
}

/* What a section needs, once the whole file is read. */
static void check_whole(struct loader *L)
{
	struct rules *r = L->r;
	size_t i;
	int k;

	for (k = 0; k < 2; k++) {
		struct fee_model *f = &r->fee[k];

		if (f->line && !(f->seen & (1 | 8)))
			lerr(L, f->line, "[fee \"%s\"]: give percent or fixed (or both)",
			     rec_kind_name(k));
	}
	for (i = 0; i < r->nexclude + r->nextract; i++) {
		int ex = i >= r->nexclude;
		struct pattern *p = ex ? &r->extract[i - r->nexclude] : &r->exclude[i];

		if (p->field < 0 && !(p->seen & 1))
			lerr(L, p->line, "[%s \"%s\"]: field is required", ex ? "extract" : "exclude",
			     p->name);
		if (!(p->seen & 2))
			lerr(L, p->line, "[%s \"%s\"]: pattern is required",
			     ex ? "extract" : "exclude", p->name);
	}
	for (i = 0; i < r->nactions; i++)
		if (!(r->actions[i].seen & 1))
			lerr(L, r->actions[i].line, "[action]: do is required (MARK_PAID, REFUND, "
			     "ADJUST, INVESTIGATE or IGNORE)");
}

static struct rules *rules_new(const char *path)
{
	struct rules *r = xcalloc(1, sizeof(*r));

	r->path = xstrdup(path);
	r->reversals = 1;
	r->scratch = rules_scratch_new();
	return r;
}

struct rules *rules_defaults(void)
{
	return rules_new("(built-in)");
}

struct rules *rules_parse(const char *file, const char *text, size_t len)
{
	struct loader L;
	int rc;

	memset(&L, 0, sizeof(L));
	L.r = rules_new(file);
	L.file = file;
	sb_init(&L.where, 0);
	rc = ini_parse(file, text, len, on_item, &L);
	check_whole(&L);
	sb_release(&L.where);
	if (rc || L.errors) {
		rules_free(L.r);
		return NULL;
	}
	return L.r;
}

struct rules *rules_load(const char *name)
{
	struct rules *r;
	char *path = datapath_find("rules", name, ".rules"), *text;
	size_t len;

	if (!path) {
		if (!strcmp(name, "default"))
			return rules_defaults();
		error_at(RX_USAGE, NULL, 0, "no rules named '%s' (rules/%s.rules)", name, name);
		return NULL;
	}
	text = read_file(path, &len);
	if (!text) {
		error_at(RX_USAGE, path, 0, "cannot read: %s", strerror(errno));
		free(path);
		return NULL;
	}
	r = rules_parse(path, text, len);
	free(text);
	free(path);
	return r;
}

static void free_patterns(struct pattern *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].text);
		pcre2_code_free(p[i].re);
	}
	free(p);
}

void rules_free(struct rules *r)
{
	size_t i;
	int k;

	if (!r)
		return;
	money_release(&r->tolerance);
	for (k = 0; k < 2; k++) {
		money_release(&r->fee[k].fixed);
		money_release(&r->fee[k].minimum);
		money_release(&r->fee[k].maximum);
		money_release(&r->fee[k].tolerance);
	}
	free_patterns(r->exclude, r->nexclude);
	free_patterns(r->extract, r->nextract);
	for (i = 0; i < r->nactions; i++) {
		money_release(&r->actions[i].below);
		money_release(&r->actions[i].at_least);
	}
	free(r->actions);
	rules_scratch_free(r->scratch);
	free(r->path);
	free(r);
}

const char *rules_path(const struct rules *r)
{
	return r->path;
}

/* ---- the questions ---- */

int64_t rules_tolerance(const struct rules *r, const char *currency)
{
	int64_t v = 0;

	return money_for(&r->tolerance, currency, &v) ? v : 0;
}

int rules_wait_days(const struct rules *r)
{
	return r->wait_days;
}

int rules_reversals(const struct rules *r)
{
	return r->reversals;
}

static const struct fee_model *model(const struct rules *r, int kind)
{
	if (kind != KIND_PAY && kind != KIND_REFUND)
		return NULL;
	return r->fee[kind].line ? &r->fee[kind] : NULL;
}

int rules_has_fee(const struct rules *r, int kind)
{
	return model(r, kind) != NULL;
}

int rules_fee_base(const struct rules *r, int kind)
{
	const struct fee_model *f = model(r, kind);

	return f ? f->base : FEE_BASE_AMOUNT;
}

/* n / d rounded by mode, n >= 0, d > 0. */
static __int128 div_round(__int128 n, __int128 d, enum money_round mode)
{
	__int128 q = n / d, rem = n % d;

	switch (mode) {
	case ROUND_HALF_UP:
		return 2 * rem >= d ? q + 1 : q;
	case ROUND_HALF_EVEN:
		if (2 * rem > d || (2 * rem == d && (q & 1)))
			return q + 1;
		return q;
	default:
		return q;
	}
}

int rules_fee_expected(const struct rules *r, int kind, int64_t base, const char *currency,
		       int64_t *expected)
{
	const struct fee_model *f = model(r, kind);
	__int128 fee, mag;
	int64_t v;

	if (!f)
		return 0;
	if (base == INT64_MIN)
		return -1;
	mag = base < 0 ? -(__int128)base : base;
	/* percent is in millionths of a percent: the rate is percent / 1e8. */
	fee = f->has_percent ? div_round(mag * f->percent, 100000000, f->round) : 0;
	if (money_for(&f->fixed, currency, &v))
		fee += v;
	if (money_for(&f->minimum, currency, &v) && fee < v)
		fee = v;
	if (money_for(&f->maximum, currency, &v) && fee > v)
		fee = v;
	if (fee > INT64_MAX)
		return -1;
	*expected = base < 0 ? -(int64_t)fee : (int64_t)fee;
	return 1;
}

int64_t rules_fee_tolerance(const struct rules *r, int kind, const char *currency)
{
	const struct fee_model *f = model(r, kind);
	int64_t v = 0;

	return f && money_for(&f->tolerance, currency, &v) ? v : 0;
}

/* Does the amount condition hold? A condition with no value for d's
 * currency does not: the rule is not for it. */
static int amount_holds(const struct money_list *l, const struct discrepancy *d, int below)
{
	int64_t v, mag;

	if (!l->n)
		return 1;
	if (!d->has_difference || d->difference == INT64_MIN || !money_for(l, d->currency, &v))
		return 0;
	mag = d->difference < 0 ? -d->difference : d->difference;
	return below ? mag < v : mag >= v;
}

int rules_action(const struct rules *r, const struct discrepancy *d, int64_t age)
{
	size_t i;

	for (i = 0; i < r->nactions; i++) {
		const struct action_rule *a = &r->actions[i];

		if ((a->cls >= 0 && a->cls != d->cls) || (a->reason >= 0 && a->reason != d->reason))
			continue;
		if (!amount_holds(&a->below, d, 1) || !amount_holds(&a->at_least, d, 0))
			continue;
		if ((a->age_below >= 0 && age >= a->age_below) ||
		    (a->age_at_least >= 0 && age < a->age_at_least))
			continue;
		if (a->amounts >= 0) {
			int same = d->has_ledger && d->has_statement &&
				   d->ledger_amount == d->statement_amount;

			if (same != (a->amounts == 0))
				continue;
		}
		return a->action;
	}
	return -1;
}

static char *field_of(struct record *rec, int f)
{
	switch (f) {
	case F_ORDER_CODE:
		return rec->order_code;
	case F_REFUND_CODE:
		return rec->refund_code;
	default:
		return rec->channel_txn_id;
	}
}

struct rules_scratch *rules_scratch_new(void)
{
	struct rules_scratch *s = xcalloc(1, sizeof(*s));

	s->md = pcre2_match_data_create(16, NULL);
	if (!s->md)
		out_of_memory();
	return s;
}

void rules_scratch_free(struct rules_scratch *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	free(s);
}

static int pattern_matches(pcre2_match_data *md, const struct pattern *p,
			   const struct record *rec)
{
	const char *s = field_of((struct record *)rec, p->field);

	if (p->kind >= 0 && p->kind != rec->kind)
		return 0;
	return pcre2_match(p->re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL) >= 0;
}

int rules_excluded(const struct rules *r, const struct record *rec, int side,
		   struct rules_scratch *s)
{
	pcre2_match_data *md = (s ? s : r->scratch)->md;
	size_t i;

	for (i = 0; i < r->nexclude; i++)
		if ((r->exclude[i].side & side) && pattern_matches(md, &r->exclude[i], rec))
			return 1;
	return 0;
}

int rules_extract(const struct rules *r, struct record *rec, struct rules_scratch *s)
{
	pcre2_match_data *md = (s ? s : r->scratch)->md;
	char code[REC_CODE_MAX + 1];
	int applied = 0;
	size_t i;

	for (i = 0; i < r->nextract; i++) {
		const struct pattern *p = &r->extract[i];
		PCRE2_SIZE *ov;

		if (!pattern_matches(md, p, rec))
			continue;
		ov = pcre2_get_ovector_pointer(md);
		if (ov[2 * p->group] == PCRE2_UNSET)
			continue;
		snprintf(code, sizeof(code), "%.*s", (int)(ov[2 * p->group + 1] - ov[2 * p->group]),
			 field_of(rec, p->field) + ov[2 * p->group]);
		memcpy(field_of(rec, p->into), code, sizeof(code));
		applied++;
	}
	return applied;
}
