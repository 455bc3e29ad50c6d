/*
 * money.c: decimal text <-> int64 minor units, and ISO 4217 exponents.
 *
 * Amounts are parsed digit by digit into an unsigned magnitude that is
 * checked against the int64 limit of its sign at every step, so the parser
 * never overflows and never goes near a float: the result is exactly the
 * text, or an error.
 *
 * Accepted grammar (after trimming spaces and tabs):
 *   amount  = "(" body ")" | body          parentheses mean negative
 *   body    = prefix* number
 *   prefix  = sign | currency               each at most once, any order,
 *                                           spaces allowed between them
 *   sign    = "+" | "-"                     not inside parentheses
 *   currency= "$" | "¥" | "￥" | "€" | "£" | a known ISO 4217 code
 *   number  = int [ mark [ frac ] ] | mark frac      ("5." and ".5" are fine)
 * A three-letter code must have the exponent the caller asked for: "JPY 5"
 * read as a two-decimal amount would be off by a factor of 100. Symbols
 * cannot be checked ("¥" is both CNY and JPY). Nothing may follow the
 * number: a trailing sign or code is an error, not a guess.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recon/money.h"
#include "recon/util.h"

/* Largest exponent handled: 10^18 still fits int64, and money_format's
 * MONEY_BUFSZ is sized for it. */
#define MONEY_EXP_MAX 18

struct currency {
	char code[4];
	int exponent;
};

/*
 * ISO 4217 codes in current use (list one), sorted for bsearch. Codes
 * without a minor unit (gold, SDR, test codes) are left out: an amount in
 * them is not something a payment channel settles.
 */
static const struct currency currencies[] = {
	{ "AED", 2 }, { "AFN", 2 }, { "ALL", 2 }, { "AMD", 2 }, { "ANG", 2 },
	{ "AOA", 2 }, { "ARS", 2 }, { "AUD", 2 }, { "AWG", 2 }, { "AZN", 2 },
	{ "BAM", 2 }, { "BBD", 2 }, { "BDT", 2 }, { "BGN", 2 }, { "BHD", 3 },
	{ "BIF", 0 }, { "BMD", 2 }, { "BND", 2 }, { "BOB", 2 }, { "BOV", 2 },
	{ "BRL", 2 }, { "BSD", 2 }, { "BTN", 2 }, { "BWP", 2 }, { "BYN", 2 },
	{ "BZD", 2 }, { "CAD", 2 }, { "CDF", 2 }, { "CHE", 2 }, { "CHF", 2 },
	{ "CHW", 2 }, { "CLF", 4 }, { "CLP", 0 }, { "CNY", 2 }, { "COP", 2 },
	{ "COU", 2 }, { "CRC", 2 }, { "CUC", 2 }, { "CUP", 2 }, { "CVE", 2 },
	{ "CZK", 2 }, { "DJF", 0 }, { "DKK", 2 }, { "DOP", 2 }, { "DZD", 2 },
	{ "EGP", 2 }, { "ERN", 2 }, { "ETB", 2 }, { "EUR", 2 }, { "FJD", 2 },
	{ "FKP", 2 }, { "GBP", 2 }, { "GEL", 2 }, { "GHS", 2 }, { "GIP", 2 },
	{ "GMD", 2 }, { "GNF", 0 }, { "GTQ", 2 }, { "GYD", 2 }, { "HKD", 2 },
	{ "HNL", 2 }, { "HTG", 2 }, { "HUF", 2 }, { "IDR", 2 }, { "ILS", 2 },
	{ "INR", 2 }, { "IQD", 3 }, { "IRR", 2 }, { "ISK", 0 }, { "JMD", 2 },
	{ "JOD", 3 }, { "JPY", 0 }, { "KES", 2 }, { "KGS", 2 }, { "KHR", 2 },
	{ "KMF", 0 }, { "KPW", 2 }, { "KRW", 0 }, { "KWD", 3 }, { "KYD", 2 },
	{ "KZT", 2 }, { "LAK", 2 }, { "LBP", 2 }, { "LKR", 2 }, { "LRD", 2 },
	{ "LSL", 2 }, { "LYD", 3 }, { "MAD", 2 }, { "MDL", 2 }, { "MGA", 2 },
	{ "MKD", 2 }, { "MMK", 2 }, { "MNT", 2 }, { "MOP", 2 }, { "MRU", 2 },
	{ "MUR", 2 }, { "MVR", 2 }, { "MWK", 2 }, { "MXN", 2 }, { "MXV", 2 },
	{ "MYR", 2 }, { "MZN", 2 }, { "NAD", 2 }, { "NGN", 2 }, { "NIO", 2 },
	{ "NOK", 2 }, { "NPR", 2 }, { "NZD", 2 }, { "OMR", 3 }, { "PAB", 2 },
	{ "PEN", 2 }, { "PGK", 2 }, { "PHP", 2 }, { "PKR", 2 }, { "PLN", 2 },
	{ "PYG", 0 }, { "QAR", 2 }, { "RON", 2 }, { "RSD", 2 }, { "RUB", 2 },
	{ "RWF", 0 }, { "SAR", 2 }, { "SBD", 2 }, { "SCR", 2 }, { "SDG", 2 },
	{ "SEK", 2 }, { "SGD", 2 }, { "SHP", 2 }, { "SLE", 2 }, { "SLL", 2 },
	{ "SOS", 2 }, { "SRD", 2 }, { "SSP", 2 }, { "STN", 2 }, { "SVC", 2 },
	{ "SYP", 2 }, { "SZL", 2 }, { "THB", 2 }, { "TJS", 2 }, { "TMT", 2 },
	{ "TND", 3 }, { "TOP", 2 }, { "TRY", 2 }, { "TTD", 2 }, { "TWD", 2 },
	{ "TZS", 2 }, { "UAH", 2 }, { "UGX", 0 }, { "USD", 2 }, { "USN", 2 },
	{ "UYI", 0 }, { "UYU", 2 }, { "UYW", 4 }, { "UZS", 2 }, { "VED", 2 },
	{ "VES", 2 }, { "VND", 0 }, { "VUV", 0 }, { "WST", 2 }, { "XAF", 0 },
	{ "XCD", 2 }, { "XCG", 2 }, { "XOF", 0 }, { "XPF", 0 }, { "YER", 2 },
	{ "ZAR", 2 }, { "ZMW", 2 }, { "ZWG", 2 }, { "ZWL", 2 },};

static int currency_cmp(const void *key, const void *elem)
{
	const struct currency *c = elem;

	return strcmp(key, c->code);
}

int currency_exponent(const char *code)
{
	const struct currency *c;

	if (!code || strlen(code) != 3)
		return -1;
	c = bsearch(code, currencies, ARRAY_SIZE(currencies),
		    sizeof(currencies[0]), currency_cmp);
	return c ? c->exponent : -1;
}

static const char *const round_names[] = {
	[ROUND_EXACT] = "exact",
	[ROUND_HALF_UP] = "half-up",
	[ROUND_HALF_EVEN] = "half-even",
	[ROUND_DOWN] = "down",
};

int money_round_parse(const char *name, enum money_round *out)
{
	size_t i;

	if (!name)
		return -1;
	for (i = 0; i < ARRAY_SIZE(round_names); i++) {
		if (!strcmp(name, round_names[i])) {
			*out = (enum money_round)i;
			return 0;
		}
	}
	return -1;
}

const char *money_round_name(enum money_round r)
{
	if ((unsigned)r >= ARRAY_SIZE(round_names))
		return "unknown";
	return round_names[r];
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* UTF-8 spellings of the symbols a statement may put before an amount. */
static const char *const symbols[] = {
	"$",
	"\xc2\xa5",      /* ¥ U+00A5 */
	"\xef\xbf\xa5",  /* ￥ U+FFE5, the full-width yen/yuan sign */
	"\xe2\x82\xac",  /* € U+20AC */
	"\xc2\xa3",      /* £ U+00A3 */
};

/*
 * Length of a currency symbol or code at p (0: none there). A code is three
 * upper-case letters not followed by a fourth letter; *code_exp receives its
 * exponent (-1 unknown), or -2 for a symbol.
 */
static size_t currency_at(const char *p, const char *end, int *code_exp)
{
	size_t i, len = (size_t)(end - p);
	unsigned char c = (unsigned char)*p;

	/* Most amounts begin with a digit: every symbol begins with '$' or a
	 * byte of a multibyte UTF-8 character, every code with a capital. */
	if (c < 0x80 && c != '$' && !is_upper(*p))
		return 0;
	for (i = 0; i < ARRAY_SIZE(symbols); i++) {
		size_t sl = strlen(symbols[i]);

		if (sl <= len && !memcmp(p, symbols[i], sl)) {
			*code_exp = -2;
			return sl;
		}
	}
	if (len >= 3 && is_upper(p[0]) && is_upper(p[1]) && is_upper(p[2]) &&
	    (len == 3 || !is_upper(p[3]))) {
		char code[4] = { p[0], p[1], p[2], '\0' };

		*code_exp = currency_exponent(code);
		return 3;
	}
	return 0;
}

/* mag = mag * 10 + d, unless that passes limit: then *over is set and mag
 * kept, so the scan can go on to report a malformed amount as such. */
static void push_digit(uint64_t *mag, unsigned d, uint64_t limit, int *over)
{
	if (*mag > (limit - d) / 10)
		*over = 1;
	else
		*mag = *mag * 10 + d;
}

#define FAIL(msg) do { *why = (msg); return -1; } while (0)

int money_parse(const char *s, size_t n, int exponent,
		const struct money_opts *o, int64_t *out, const char **why)
{
	static const struct money_opts defaults = MONEY_OPTS_DEFAULT;
	const char *p, *end;
	int neg = 0, paren = 0, have_sign = 0, have_cur = 0, over = 0;
	int scale, kept = 0, first_extra = -1, sticky = 0, up = 0;
	size_t int_digits = 0, frac_digits = 0, run = 0, groups = 0;
	uint64_t mag = 0, limit;
	char group;

	if (!o)
		o = &defaults;
	if (exponent < 0 || exponent > MONEY_EXP_MAX)
		FAIL("currency exponent out of range");
	/* A separator equal to the mark could only be ambiguous. */
	group = o->group != o->decimal ? o->group : 0;

	trim_span(&s, &n);
	if (!n)
		FAIL("empty amount");
	p = s;
	end = s + n;
	if (*p == '(' || end[-1] == ')') {
		if (*p != '(' || end[-1] != ')' || n < 2)
			FAIL("amount has an unbalanced parenthesis");
		paren = neg = 1;
		p++;
		end--;
	}

	for (;;) {
		size_t len;
		int code_exp;

		while (p < end && is_space(*p))
			p++;
		if (p < end && (*p == '+' || *p == '-')) {
			if (have_sign || paren)
				FAIL("amount has two signs");
			have_sign = 1;
			neg = *p == '-';
			p++;
		} else if (p < end && (len = currency_at(p, end, &code_exp))) {
			if (have_cur)
				FAIL("amount has two currency marks");
			if (code_exp == -1)
				FAIL("amount has an unknown currency code");
			if (code_exp >= 0 && code_exp != exponent)
				FAIL("amount has a currency code with a different exponent");
			have_cur = 1;
			p += len;
		} else {
			break;
		}
	}

	/* INT64_MIN has no positive twin, so a negative amount may reach
	 * one further. */
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	scale = o->minor ? 0 : exponent;

	/* Integer part, with the grouping checked as it goes: the first group
	 * one to three digits, every later one exactly three. */
	for (; p < end; p++) {
		if (is_digit(*p)) {
			push_digit(&mag, (unsigned)(*p - '0'), limit, &over);
			int_digits++;
			run++;
		} else if (group && *p == group) {
			if (run == 0 || (groups == 0 && run > 3) ||
			    (groups > 0 && run != 3))
				FAIL("amount has bad digit grouping");
			groups++;
			run = 0;
		} else {
			break;
		}
	}
	if (groups > 0 && run != 3)
		FAIL("amount has bad digit grouping");

	if (p < end && *p == o->decimal) {
		if (o->minor)
			FAIL("amount in minor units has a decimal mark");
		for (p++; p < end && is_digit(*p); p++) {
			unsigned d = (unsigned)(*p - '0');

			frac_digits++;
			if (kept < scale) {
				push_digit(&mag, d, limit, &over);
				kept++;
			} else if (first_extra < 0) {
				first_extra = (int)d;
			} else if (d) {
				sticky = 1;
			}
		}
		if (p < end && *p == o->decimal)
			FAIL("amount has two decimal marks");
		if (p < end && group && *p == group)
			FAIL("amount has bad digit grouping");
	}

	if (int_digits + frac_digits == 0) {
		if (p == end)
			FAIL("amount has no digits");
		FAIL("not a number");
	}
	while (p < end && is_space(*p))
		p++;
	if (p < end)
		FAIL("amount has trailing text");

	for (; kept < scale; kept++)
		push_digit(&mag, 0, limit, &over);
	if (over)
		FAIL("amount out of range");

	/* Digits past the exponent, rounded on the magnitude, so "up" is
	 * away from zero for either sign. */
	if (first_extra >= 0) {
		switch (o->round) {
		case ROUND_EXACT:
			if (first_extra || sticky)
				FAIL("amount has more decimals than its currency");
			break;
		case ROUND_HALF_UP:
			up = first_extra >= 5;
			break;
		case ROUND_HALF_EVEN:
			up = first_extra > 5 ||
			     (first_extra == 5 && (sticky || (mag & 1)));
			break;
		case ROUND_DOWN:
			break;
		default:
			FAIL("unknown rounding mode");
		}
		if (up) {
			if (mag >= limit)
				FAIL("amount out of range");
			mag++;
		}
	}

	if (!neg)
		*out = (int64_t)mag;
	else if (mag == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	else
		*out = -(int64_t)mag;
	return 0;
}

size_t money_format(int64_t v, int exponent, char *buf)
{
	/* Unsigned negation keeps INT64_MIN well defined. */
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char digits[MONEY_EXP_MAX + 2];
	int nd = 0, i;
	char *p = buf;

	if (exponent < 0)
		exponent = 0;
	if (exponent > MONEY_EXP_MAX)
		exponent = MONEY_EXP_MAX;
	do {
		digits[nd++] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag);
	while (nd < exponent + 1)
		digits[nd++] = '0';
	if (v < 0)
		*p++ = '-';
	for (i = nd - 1; i >= 0; i--) {
		*p++ = digits[i];
		if (i == exponent && exponent > 0)
			*p++ = '.';
	}
	*p = '\0';
	return (size_t)(p - buf);
}

int money_add(int64_t a, int64_t b, int64_t *sum)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return -1;
	*sum = r;
	return 0;
}
