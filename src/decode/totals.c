/*
 * totals.c: control totals. A [total "NAME"] section names a line pattern
 * whose groups (?<count>) (?<amount>) (?<fee>) state what the file's rows
 * add up to; the decoded records must agree, or the file is not trusted.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "recon/diag.h"
#include "recon/money.h"
#include "recon/util.h"

struct total_acc {
	int found;
	int64_t line;
	char *text[3];          /* count, amount, fee as the file states them */
	uint64_t count;
	int64_t amount, fee;
	int64_t resid[2];       /* what rounding took off amount and fee */
	char currency[4];
	int mixed, overflow;
};

struct total_state {
	struct total_acc *acc;
};

enum { T_COUNT, T_AMOUNT, T_FEE };

void totals_begin(struct dctx *d)
{
	if (!d->f->ntotals || d->bidding)
		return;
	d->totals = xcalloc(1, sizeof(*d->totals));
	d->totals->acc = xcalloc(d->f->ntotals, sizeof(*d->totals->acc));
}

void totals_end(struct dctx *d)
{
	size_t i, j;

	if (!d->totals)
		return;
	for (i = 0; i < d->f->ntotals; i++)
		for (j = 0; j < 3; j++)
			free(d->totals->acc[i].text[j]);
	free(d->totals->acc);
	free(d->totals);
	d->totals = NULL;
}

static char *group_text(struct dctx *d, int g, const char *s)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);

	if (!g || ov[2 * g] == PCRE2_UNSET)
		return NULL;
	return xstrndup(s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

void totals_line(struct dctx *d, const char *s, size_t n, int64_t line)
{
	size_t i;

	if (!d->totals)
		return;
	for (i = 0; i < d->f->ntotals; i++) {
		const struct fmt_total *t = &d->f->totals[i];
		struct total_acc *a = &d->totals->acc[i];

		/* The first line stating a total is the one checked. */
		if (a->found || !decode_match(d, &t->re, s, n))
			continue;
		a->found = 1;
		a->line = line;
		a->text[T_COUNT] = group_text(d, t->g_count, s);
		a->text[T_AMOUNT] = group_text(d, t->g_amount, s);
		a->text[T_FEE] = group_text(d, t->g_fee, s);
	}
}

void totals_add(struct dctx *d, const struct record *r, const int64_t resid[2])
{
	size_t i;

	if (!d->totals)
		return;
	for (i = 0; i < d->f->ntotals; i++) {
		const struct fmt_total *t = &d->f->totals[i];
		struct total_acc *a = &d->totals->acc[i];

		if (t->kind >= 0 && r->kind != t->kind)
			continue;
		if (!a->count)
			memcpy(a->currency, r->currency, sizeof(a->currency));
		else if (strcmp(a->currency, r->currency))
			a->mixed = 1;
		a->count++;
		if (money_add(a->amount, r->amount, &a->amount) ||
		    money_add(a->fee, r->fee, &a->fee) ||
		    money_add(a->resid[0], resid[0], &a->resid[0]) ||
		    money_add(a->resid[1], resid[1], &a->resid[1]))
			a->overflow = 1;
	}
}

/* Digits after the decimal mark in s: the exponent to read a total with
 * when no row says which currency it is in. */
static int decimals(const char *s, char mark)
{
	const char *p = strchr(s, mark);
	int n = 0;

	if (!p)
		return 0;
	for (p++; *p >= '0' && *p <= '9' && n < 18; p++)
		n++;
	return n;
}

static int64_t pow10i(int n)
{
	int64_t x = 1;

	while (n-- > 0)
		x *= 10;
	return x;
}

/*
 * Compare one stated amount; 0 when it agrees. A figure stated with more
 * decimals than the currency has (WeChat's 手续费总金额 63.30180) is the sum
 * before each row was rounded: got plus what rounding took off (resid)
 * is compared at those decimals, or more when the rows had more.
 */
static int check_amount(struct dctx *d, const struct fmt_total *t, struct total_acc *a,
			const char *what, const char *text, int64_t got, int64_t resid)
{
	int exponent = a->count ? currency_exponent(a->currency) : decimals(text, t->money.decimal);
	int extra = t->money.minor ? 0 : decimals(text, t->money.decimal) - exponent;
	char want_s[MONEY_BUFSZ], got_s[MONEY_BUFSZ];
	const char *why;
	int64_t want, scaled;

	/* Compare in the file's own sign, as the message shows both. */
	if (t->negate) {
		if (got == INT64_MIN || resid == INT64_MIN) {
			error_at(RX_BADINPUT, d->name, a->line, "total '%s': %s out of range",
				 t->name, what);
			return -1;
		}
		got = -got;
		resid = -resid;
	}
	if (extra > 0) {
		if (extra > TOTALS_RESID_DIGITS)
			extra = TOTALS_RESID_DIGITS;
		while (extra < TOTALS_RESID_DIGITS && resid % pow10i(TOTALS_RESID_DIGITS - extra))
			extra++;
		if (__builtin_mul_overflow(got, pow10i(extra), &scaled) ||
		    __builtin_add_overflow(scaled, resid / pow10i(TOTALS_RESID_DIGITS - extra),
					   &got)) {
			error_at(RX_BADINPUT, d->name, a->line, "total '%s': %s out of range "
				 "at %d decimals", t->name, what, exponent + extra);
			return -1;
		}
		exponent += extra;
	}
	if (money_parse(text, strlen(text), exponent, &t->money, &want, &why)) {
		error_at(RX_BADINPUT, d->name, a->line, "total '%s': %s '%s': %s", t->name,
			 what, text, why);
		return -1;
	}
	if (want == got)
		return 0;
	money_format(want, exponent, want_s);
	money_format(got, exponent, got_s);
	error_at(RX_BADINPUT, d->name, a->line,
		 "total '%s': the file says %s %s, the decoded rows add up to %s", t->name,
		 what, want_s, got_s);
	return -1;
}

int totals_check(struct dctx *d)
{
	size_t i;
	int bad = 0;

	if (!d->totals)
		return 0;
	d->st->totals_declared = 1;
	for (i = 0; i < d->f->ntotals; i++) {
		const struct fmt_total *t = &d->f->totals[i];
		struct total_acc *a = &d->totals->acc[i];
		int64_t n;

		if (!a->found) {
			if (!t->optional) {
				error_at(RX_BADINPUT, d->name, 0, "total '%s': no line matches '%s'",
					 t->name, t->re.text);
				bad++;
			}
			continue;
		}
		if (a->mixed || a->overflow) {
			error_at(RX_BADINPUT, d->name, a->line, "total '%s': the rows are in "
				 "several currencies or overflow; cannot check", t->name);
			bad++;
			continue;
		}
		if (a->text[T_COUNT]) {
			if (parse_int(a->text[T_COUNT], 0, INT64_MAX, &n)) {
				error_at(RX_BADINPUT, d->name, a->line, "total '%s': count '%s' is "
					 "not a number", t->name, a->text[T_COUNT]);
				bad++;
			} else if ((uint64_t)n != a->count) {
				error_at(RX_BADINPUT, d->name, a->line, "total '%s': the file says "
					 "%lld rows, %llu decoded", t->name, (long long)n,
					 (unsigned long long)a->count);
				bad++;
			}
		}
		if (a->text[T_AMOUNT])
			bad += check_amount(d, t, a, "amount", a->text[T_AMOUNT], a->amount,
					    a->resid[0]) != 0;
		if (a->text[T_FEE])
			bad += check_amount(d, t, a, "fee", a->text[T_FEE], a->fee,
					    a->resid[1]) != 0;
	}
	d->st->totals_ok = !bad;
	if (bad)
		d->failed = 1;
	return bad ? -1 : 0;
}
