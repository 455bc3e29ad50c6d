#ifndef RECON_MONEY_H
#define RECON_MONEY_H
/*
 * Money as int64 minor units, parsed exactly from decimal text. Never a
 * float anywhere. The exponent (number of minor-unit digits) comes from the
 * ISO 4217 table in money.c.
 */
#include <stddef.h>
#include <stdint.h>

/* What to do with digits beyond the currency's exponent ("0.04000" fen has
 * three extra digits). The rule is always stated in the format file. */
enum money_round {
	ROUND_EXACT,     /* extra digits must all be zero, else an error (default) */
	ROUND_HALF_UP,   /* ties away from zero: 0.005 -> 0.01, -0.005 -> -0.01 */
	ROUND_HALF_EVEN, /* ties to the even neighbour (banker's rounding) */
	ROUND_DOWN       /* truncate toward zero */
};

struct money_opts {
	char decimal;            /* decimal mark, '.' by default */
	char group;              /* thousands separator accepted, ',' by default; 0: none */
	enum money_round round;
	int minor;               /* text is already in minor units (no decimal mark) */
};

#define MONEY_OPTS_DEFAULT { '.', ',', ROUND_EXACT, 0 }
/* Longest text money_format() writes, NUL included. */
#define MONEY_BUFSZ 32

/* Exponent of an ISO 4217 code ("CNY" -> 2, "JPY" -> 0, "KWD" -> 3), or -1
 * when the code is unknown. Case-sensitive: codes are upper case. */
int currency_exponent(const char *code);

/* Parse a rounding-mode name ("exact", "half-up", "half-even", "down");
 * returns 0 and sets *out, or -1. */
int money_round_parse(const char *name, enum money_round *out);
const char *money_round_name(enum money_round r);

/*
 * Parse text s[0..n) into minor units with the given exponent.
 * Accepted: optional spaces around; a sign (+, -, or parentheses for a
 * negative amount) before or after a currency symbol ($, ¥, ￥, €, £) or a
 * three-letter code; digits with an optional group separator placed every
 * three digits; an optional decimal mark and fraction.
 * Examples: "12.34", "-0.93", "1,240.00", "$1,240.00", "-$0.93", "(5.00)".
 * Returns 0 and stores *out, or -1 with *why set to a static message
 * ("empty amount", "not a number", "amount out of range", ...). Never
 * returns a silent zero for bad text.
 */
int money_parse(const char *s, size_t n, int exponent,
		const struct money_opts *o, int64_t *out, const char **why);

/* Format v minor units as exact decimal text with exponent digits after the
 * mark ("-0.93", "1240.00", "5"). buf has room for MONEY_BUFSZ bytes.
 * Returns the length written. */
size_t money_format(int64_t v, int exponent, char *buf);

/* Checked addition: returns 0 and *sum = a + b, or -1 on overflow. */
int money_add(int64_t a, int64_t b, int64_t *sum);

#endif
