/* test_money.c: exact amounts from text, formatting, rounding, ISO 4217. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "recon/money.h"

/* A value no successful parse below produces: a failed parse must leave
 * *out alone, never turn bad text into a silent zero. */
#define UNTOUCHED ((int64_t)0x5a5a5a5a5a5a5a5aLL)

static const struct money_opts dflt = MONEY_OPTS_DEFAULT;

static void ok_at(const char *file, int line, const char *s, int exp,
		  const struct money_opts *o, int64_t want)
{
	int64_t got = UNTOUCHED;
	const char *why = NULL;

	if (money_parse(s, strlen(s), exp, o, &got, &why) != 0) {
		print_error("\"%s\" (exponent %d): unexpected error: %s\n",
			    s, exp, why ? why : "(none)");
		_fail(file, line);
	}
	if (got != want) {
		print_error("\"%s\" (exponent %d): got %lld, want %lld\n",
			    s, exp, (long long)got, (long long)want);
		_fail(file, line);
	}
}

static void err_at(const char *file, int line, const char *s, int exp,
		   const struct money_opts *o, const char *want)
{
	int64_t got = UNTOUCHED;
	const char *why = NULL;

	if (money_parse(s, strlen(s), exp, o, &got, &why) == 0) {
		print_error("\"%s\" (exponent %d): accepted as %lld, want error \"%s\"\n",
			    s, exp, (long long)got, want);
		_fail(file, line);
	}
	if (got != UNTOUCHED) {
		print_error("\"%s\": failed parse wrote %lld\n", s, (long long)got);
		_fail(file, line);
	}
	if (!why || strcmp(why, want)) {
		print_error("\"%s\": error \"%s\", want \"%s\"\n",
			    s, why ? why : "(null)", want);
		_fail(file, line);
	}
}

#define OK(s, exp, want)          ok_at(__FILE__, __LINE__, (s), (exp), &dflt, (want))
#define OKO(s, exp, o, want)      ok_at(__FILE__, __LINE__, (s), (exp), (o), (want))
#define ERR(s, exp, want)         err_at(__FILE__, __LINE__, (s), (exp), &dflt, (want))
#define ERRO(s, exp, o, want)     err_at(__FILE__, __LINE__, (s), (exp), (o), (want))

static void fmt_at(const char *file, int line, int64_t v, int exp, const char *want)
{
	char buf[MONEY_BUFSZ];
	size_t n;

	memset(buf, 'x', sizeof(buf));
	n = money_format(v, exp, buf);
	if (strcmp(buf, want) || n != strlen(want)) {
		print_error("format(%lld, %d) = \"%s\" (%zu), want \"%s\"\n",
			    (long long)v, exp, buf, n, want);
		_fail(file, line);
	}
}
#define FMT(v, exp, want) fmt_at(__FILE__, __LINE__, (v), (exp), (want))

static void test_currency_exponent(void **state)
{
	static const struct { const char *code; int exp; } known[] = {
		{ "CNY", 2 }, { "USD", 2 }, { "EUR", 2 }, { "GBP", 2 },
		{ "HKD", 2 }, { "AUD", 2 }, { "CAD", 2 }, { "SGD", 2 },
		{ "CHF", 2 }, { "NZD", 2 }, { "TWD", 2 }, { "MOP", 2 },
		{ "THB", 2 }, { "MYR", 2 }, { "PHP", 2 }, { "INR", 2 },
		{ "IDR", 2 }, { "SEK", 2 }, { "NOK", 2 }, { "DKK", 2 },
		{ "JPY", 0 }, { "KRW", 0 }, { "VND", 0 }, { "CLP", 0 },
		{ "ISK", 0 }, { "XAF", 0 }, { "XOF", 0 }, { "BHD", 3 },
		{ "KWD", 3 }, { "OMR", 3 }, { "JOD", 3 }, { "TND", 3 },
		{ "LYD", 3 }, { "IQD", 3 }, { "CLF", 4 }, { "UYW", 4 },
		/* the two ends of the table, so bsearch reaches both */
		{ "AED", 2 }, { "ZWL", 2 },
		{ "PYG", 0 }, { "UGX", 0 }, { "XPF", 0 }, { "RWF", 0 },
		{ "BRL", 2 }, { "MXN", 2 }, { "ZAR", 2 }, { "RUB", 2 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (currency_exponent(known[i].code) != known[i].exp) {
			print_error("%s: got %d, want %d\n", known[i].code,
				    currency_exponent(known[i].code), known[i].exp);
			fail();
		}
	}
	/* unknown, lower case, wrong length, no minor unit */
	assert_int_equal(currency_exponent("ABC"), -1);
	assert_int_equal(currency_exponent("cny"), -1);
	assert_int_equal(currency_exponent("CN"), -1);
	assert_int_equal(currency_exponent("CNYX"), -1);
	assert_int_equal(currency_exponent(""), -1);
	assert_int_equal(currency_exponent(NULL), -1);
	assert_int_equal(currency_exponent("XAU"), -1);
	assert_int_equal(currency_exponent("AAA"), -1);
	assert_int_equal(currency_exponent("ZZZ"), -1);
}

static void test_parse_forms(void **state)
{
	(void)state;
	OK("12.34", 2, 1234);
	OK("-0.93", 2, -93);
	OK("1,240.00", 2, 124000);
	OK("1,234,567.89", 2, 123456789);
	OK("$1,240.00", 2, 124000);
	OK("-$0.93", 2, -93);
	OK("$-0.93", 2, -93);
	OK("(5.00)", 2, -500);
	OK("($5.00)", 2, -500);
	OK("( $ 5.00 )", 2, -500);
	OK("  7 ", 2, 700);
	OK("\t12.3\t", 2, 1230);
	OK("+3", 2, 300);
	OK(".5", 2, 50);
	OK("5.", 2, 500);
	OK("0", 2, 0);
	OK("-0", 2, 0);
	OK("-0.00", 2, 0);
	OK("(0.00)", 2, 0);
	OK("007.50", 2, 750);
	OK("999", 2, 99900);
	OK("- 5", 2, -500);
	OK("\xc2\xa5" "12.00", 2, 1200);          /* ¥ */
	OK("\xef\xbf\xa5" "-12.00", 2, -1200);    /* ￥ */
	OK("-\xef\xbf\xa5" "12.00", 2, -1200);
	OK("\xe2\x82\xac" "3.50", 2, 350);        /* € */
	OK("\xc2\xa3" "0.01", 2, 1);              /* £ */
	OK("USD 12.00", 2, 1200);
	OK("CNY12.00", 2, 1200);
	OK("-USD 12.00", 2, -1200);
	OK("USD -12.00", 2, -1200);
	OK("(USD 12.00)", 2, -1200);
	OK("JPY 1,500", 0, 1500);
	OK("KWD 1.5", 3, 1500);
	/* only n bytes count: the rest of the buffer is another field */
	{
		int64_t v = 0;
		const char *why = NULL;

		assert_int_equal(money_parse("12.34,56.78", 5, 2, &dflt, &v, &why), 0);
		assert_int_equal(v, 1234);
		assert_int_equal(money_parse("7x", 1, 0, &dflt, &v, &why), 0);
		assert_int_equal(v, 7);
	}
	/* NULL opts means the defaults */
	OKO("1,240.50", 2, NULL, 124050);
}

static void test_parse_errors(void **state)
{
	(void)state;
	ERR("", 2, "empty amount");
	ERR("   ", 2, "empty amount");
	ERR("\t", 2, "empty amount");
	ERR("-", 2, "amount has no digits");
	ERR("+", 2, "amount has no digits");
	ERR("$", 2, "amount has no digits");
	ERR("-$", 2, "amount has no digits");
	ERR("USD", 2, "amount has no digits");
	ERR("()", 2, "amount has no digits");
	ERR(".", 2, "amount has no digits");
	ERR("-.", 2, "amount has no digits");
	ERR("abc", 2, "not a number");
	ERR("x12", 2, "not a number");
	ERR("-x", 2, "not a number");
	ERR(",5", 2, "amount has bad digit grouping");
	ERR("\xef\xbc\x95", 2, "not a number");   /* full-width 5 */
	ERR("12a", 2, "amount has trailing text");
	ERR("1 2", 2, "amount has trailing text");
	ERR("1e3", 2, "amount has trailing text");
	ERR("0x10", 2, "amount has trailing text");
	ERR("5-", 2, "amount has trailing text");
	ERR("12 USD", 2, "amount has trailing text");
	ERR("12.00.", 2, "amount has two decimal marks");
	ERR("1.2.3", 2, "amount has two decimal marks");
	ERR("1..2", 2, "amount has two decimal marks");
	ERR("--5", 2, "amount has two signs");
	ERR("+-5", 2, "amount has two signs");
	ERR("-+5", 2, "amount has two signs");
	ERR("(-5)", 2, "amount has two signs");
	ERR("(+5)", 2, "amount has two signs");
	ERR("-$-5", 2, "amount has two signs");
	ERR("1,24.00", 2, "amount has bad digit grouping");
	ERR("1,2345", 2, "amount has bad digit grouping");
	ERR("1,,240", 2, "amount has bad digit grouping");
	ERR("1240,00", 2, "amount has bad digit grouping");
	ERR("1,234,", 2, "amount has bad digit grouping");
	ERR("1,234,.50", 2, "amount has bad digit grouping");
	ERR("1.234,5", 2, "amount has bad digit grouping");
	ERR("-,123", 2, "amount has bad digit grouping");
	ERR("(5.00", 2, "amount has an unbalanced parenthesis");
	ERR("5.00)", 2, "amount has an unbalanced parenthesis");
	ERR("(", 2, "amount has an unbalanced parenthesis");
	ERR(")", 2, "amount has an unbalanced parenthesis");
	ERR("$$5", 2, "amount has two currency marks");
	ERR("USD $5", 2, "amount has two currency marks");
	ERR("ABC 5", 2, "amount has an unknown currency code");
	ERR("JPY 500", 2, "amount has a currency code with a different exponent");
	ERR("USD 5", 0, "amount has a currency code with a different exponent");
	ERR("5", -1, "currency exponent out of range");
	ERR("5", 19, "currency exponent out of range");
}

static void test_parse_exponents(void **state)
{
	(void)state;
	/* 0: JPY */
	OK("5", 0, 5);
	OK("5.0", 0, 5);
	OK("5.", 0, 5);
	OK("-1,000", 0, -1000);
	ERR("5.5", 0, "amount has more decimals than its currency");
	/* 3: KWD */
	OK("1.234", 3, 1234);
	OK("0.5", 3, 500);
	OK("-0.001", 3, -1);
	OK("12", 3, 12000);
	ERR("0.0015", 3, "amount has more decimals than its currency");
	/* 4: CLF */
	OK("1.2345", 4, 12345);
	OK("1.2", 4, 12000);
	/* 18: the largest handled */
	OK("9.223372036854775807", 18, INT64_MAX);
	OK("-9.223372036854775808", 18, INT64_MIN);
	OK("0.000000000000000001", 18, 1);
	ERR("10", 18, "amount out of range");
}

static void test_parse_exact_extra_digits(void **state)
{
	(void)state;
	OK("0.04000", 2, 4);
	OK("-0.04000", 2, -4);
	OK("1.000000000000000000000000000000", 2, 100);
	OK("12.340", 2, 1234);
	ERR("0.045", 2, "amount has more decimals than its currency");
	ERR("0.0400001", 2, "amount has more decimals than its currency");
	ERR("-0.041", 2, "amount has more decimals than its currency");
}

static void test_round_half_up(void **state)
{
	struct money_opts o = MONEY_OPTS_DEFAULT;

	(void)state;
	o.round = ROUND_HALF_UP;
	OKO("0.005", 2, &o, 1);
	OKO("-0.005", 2, &o, -1);
	OKO("0.015", 2, &o, 2);
	OKO("-0.015", 2, &o, -2);
	OKO("0.025", 2, &o, 3);
	OKO("-0.025", 2, &o, -3);
	OKO("2.675", 2, &o, 268);
	OKO("-2.675", 2, &o, -268);
	OKO("0.0049999", 2, &o, 0);
	OKO("-0.0049999", 2, &o, 0);
	OKO("0.0051", 2, &o, 1);
	OKO("0.04000", 2, &o, 4);
	OKO("0.999", 2, &o, 100);
	OKO("-9.995", 2, &o, -1000);
	OKO("2.5", 0, &o, 3);
	OKO("-2.5", 0, &o, -3);
	OKO("1.0005", 3, &o, 1001);
	OKO("-1.0004999", 3, &o, -1000);
}

static void test_round_half_even(void **state)
{
	struct money_opts o = MONEY_OPTS_DEFAULT;

	(void)state;
	o.round = ROUND_HALF_EVEN;
	OKO("0.005", 2, &o, 0);
	OKO("-0.005", 2, &o, 0);
	OKO("0.015", 2, &o, 2);
	OKO("-0.015", 2, &o, -2);
	OKO("0.025", 2, &o, 2);
	OKO("-0.025", 2, &o, -2);
	OKO("0.035", 2, &o, 4);
	OKO("-0.035", 2, &o, -4);
	/* not a tie once anything follows the 5 */
	OKO("0.0250001", 2, &o, 3);
	OKO("-0.0250001", 2, &o, -3);
	OKO("0.0050000", 2, &o, 0);
	OKO("0.0249999", 2, &o, 2);
	OKO("0.006", 2, &o, 1);
	OKO("-0.006", 2, &o, -1);
	OKO("0.5", 0, &o, 0);
	OKO("1.5", 0, &o, 2);
	OKO("2.5", 0, &o, 2);
	OKO("-2.5", 0, &o, -2);
	OKO("-3.5", 0, &o, -4);
	OKO("1.0015", 3, &o, 1002);
	OKO("1.0025", 3, &o, 1002);
}

static void test_round_down(void **state)
{
	struct money_opts o = MONEY_OPTS_DEFAULT;

	(void)state;
	o.round = ROUND_DOWN;
	OKO("0.009", 2, &o, 0);
	OKO("-0.009", 2, &o, 0);
	OKO("1.999", 2, &o, 199);
	OKO("-1.999", 2, &o, -199);
	OKO("0.005", 2, &o, 0);
	OKO("-0.005", 2, &o, 0);
	OKO("2.9", 0, &o, 2);
	OKO("-2.9", 0, &o, -2);
	OKO("1.23456", 3, &o, 1234);
	/* rounding never excuses a malformed amount */
	ERRO("1.2.3", 2, &o, "amount has two decimal marks");
	ERRO("", 2, &o, "empty amount");
}

static void test_int64_bounds(void **state)
{
	struct money_opts o = MONEY_OPTS_DEFAULT;

	(void)state;
	OK("92233720368547758.07", 2, INT64_MAX);
	ERR("92233720368547758.08", 2, "amount out of range");
	OK("-92233720368547758.08", 2, INT64_MIN);
	ERR("-92233720368547758.09", 2, "amount out of range");
	OK("(92233720368547758.08)", 2, INT64_MIN);
	OK("92,233,720,368,547,758.07", 2, INT64_MAX);
	OK("9223372036854775807", 0, INT64_MAX);
	ERR("9223372036854775808", 0, "amount out of range");
	OK("-9223372036854775808", 0, INT64_MIN);
	ERR("-9223372036854775809", 0, "amount out of range");
	OK("9223372036854775.807", 3, INT64_MAX);
	ERR("9223372036854775.808", 3, "amount out of range");
	/* overflow found while scaling up the missing decimals */
	ERR("92233720368547759", 2, "amount out of range");
	ERR("92233720368547758.1", 2, "amount out of range");
	ERR("99999999999999999999999999", 2, "amount out of range");
	ERR("-99999999999999999999999999", 0, "amount out of range");
	/* malformed text says so, however long */
	ERR("99999999999999999999999x", 2, "amount has trailing text");
	ERR("999,999,999,999,999,999,999,99", 2, "amount has bad digit grouping");
	ERR("99999999999999999999999.1.2", 2, "amount has two decimal marks");
	/* leading zeros never count against the range */
	OK("0000000000000000000000000000000001", 2, 100);
	OK("-00000000000000000000009223372036854775808", 0, INT64_MIN);
	/* the extra digits at the limit, per rounding mode */
	OK("92233720368547758.0700", 2, INT64_MAX);
	o.round = ROUND_HALF_UP;
	ERRO("92233720368547758.075", 2, &o, "amount out of range");
	OKO("92233720368547758.074", 2, &o, INT64_MAX);
	ERRO("-92233720368547758.085", 2, &o, "amount out of range");
	OKO("-92233720368547758.084", 2, &o, INT64_MIN);
	OKO("-92233720368547758.075", 2, &o, INT64_MIN);
	o.round = ROUND_HALF_EVEN;
	/* 7 is odd, so the tie goes up and out of range */
	ERRO("92233720368547758.075", 2, &o, "amount out of range");
	/* 8 is even: the tie stays at INT64_MIN */
	OKO("-92233720368547758.085", 2, &o, INT64_MIN);
	o.round = ROUND_DOWN;
	OKO("92233720368547758.079", 2, &o, INT64_MAX);
	OKO("-92233720368547758.089", 2, &o, INT64_MIN);
	/* minor units */
	o.round = ROUND_EXACT;
	o.minor = 1;
	OKO("9223372036854775807", 2, &o, INT64_MAX);
	ERRO("9223372036854775808", 2, &o, "amount out of range");
	OKO("-9223372036854775808", 2, &o, INT64_MIN);
	ERRO("-9223372036854775809", 2, &o, "amount out of range");
}

static void test_minor_units(void **state)
{
	struct money_opts o = MONEY_OPTS_DEFAULT;

	(void)state;
	o.minor = 1;
	OKO("000000001234", 2, &o, 1234);
	OKO("-000000000093", 2, &o, -93);
	OKO("000000000000", 2, &o, 0);
	OKO("  42 ", 0, &o, 42);
	OKO("1,234", 3, &o, 1234);
	OKO("(15)", 2, &o, -15);
	ERRO("12.34", 2, &o, "amount in minor units has a decimal mark");
	ERRO("12.", 2, &o, "amount in minor units has a decimal mark");
	ERRO("", 2, &o, "empty amount");
	ERRO("00000000123A", 2, &o, "amount has trailing text");
}

static void test_decimal_comma(void **state)
{
	struct money_opts eu = { ',', '.', ROUND_EXACT, 0 };
	struct money_opts space = { ',', ' ', ROUND_EXACT, 0 };
	struct money_opts nogroup = { '.', 0, ROUND_EXACT, 0 };
	struct money_opts same = { ',', ',', ROUND_EXACT, 0 };

	(void)state;
	OKO("1.240,00", 2, &eu, 124000);
	OKO("-0,93", 2, &eu, -93);
	OKO("1240,5", 2, &eu, 124050);
	OKO("\xe2\x82\xac" "1.234.567,89", 2, &eu, 123456789);
	OKO("(0,01)", 2, &eu, -1);
	ERRO("1.24,00", 2, &eu, "amount has bad digit grouping");
	ERRO("12.34", 2, &eu, "amount has bad digit grouping");
	ERRO("1,2,3", 2, &eu, "amount has two decimal marks");
	OKO("1 240,00", 2, &space, 124000);
	ERRO("1 24,00", 2, &space, "amount has bad digit grouping");
	OKO("1240.00", 2, &nogroup, 124000);
	ERRO("1,240.00", 2, &nogroup, "amount has trailing text");
	/* a separator that equals the mark is no separator */
	OKO("1,5", 2, &same, 150);
	ERRO("1,240,00", 2, &same, "amount has two decimal marks");
}

static void test_format(void **state)
{
	(void)state;
	FMT(1234, 2, "12.34");
	FMT(-93, 2, "-0.93");
	FMT(124000, 2, "1240.00");
	FMT(5, 0, "5");
	FMT(-5, 0, "-5");
	FMT(0, 2, "0.00");
	FMT(0, 0, "0");
	FMT(7, 2, "0.07");
	FMT(-1, 3, "-0.001");
	FMT(1500, 3, "1.500");
	FMT(12345, 4, "1.2345");
	FMT(INT64_MAX, 2, "92233720368547758.07");
	FMT(INT64_MIN, 2, "-92233720368547758.08");
	FMT(INT64_MAX, 0, "9223372036854775807");
	FMT(INT64_MIN, 0, "-9223372036854775808");
	FMT(INT64_MIN, 18, "-9.223372036854775808");
	FMT(1, 18, "0.000000000000000001");
	FMT(-1, 18, "-0.000000000000000001");
}

static void test_round_trip(void **state)
{
	static const int exps[] = { 0, 2, 3, 4 };
	static const int64_t fixed[] = {
		0, 1, -1, 9, 10, 99, 100, 101, -100, 1234, -93, 124000,
		999999, 1000000, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
	};
	uint64_t x = 88172645463325252ULL;
	size_t e, i;

	(void)state;
	for (e = 0; e < sizeof(exps) / sizeof(exps[0]); e++) {
		for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 2000; i++) {
			char buf[MONEY_BUFSZ];
			int64_t v, back = 0;
			const char *why = NULL;
			size_t n;

			if (i < sizeof(fixed) / sizeof(fixed[0])) {
				v = fixed[i];
			} else {
				/* xorshift64: spread over every magnitude */
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				v = (int64_t)(x >> (x % 60));
				if (x & 1)
					v = -v;
			}
			n = money_format(v, exps[e], buf);
			assert_true(n < MONEY_BUFSZ);
			assert_int_equal(n, strlen(buf));
			if (money_parse(buf, n, exps[e], NULL, &back, &why) || back != v) {
				print_error("round trip of %lld at exponent %d via \"%s\" failed: %s\n",
					    (long long)v, exps[e], buf, why ? why : "wrong value");
				fail();
			}
		}
	}
}

static void test_money_add(void **state)
{
	int64_t sum = 42;

	(void)state;
	assert_int_equal(money_add(1, 2, &sum), 0);
	assert_int_equal(sum, 3);
	assert_int_equal(money_add(-500, 93, &sum), 0);
	assert_true(sum == -407);
	assert_int_equal(money_add(INT64_MAX, INT64_MIN, &sum), 0);
	assert_true(sum == -1);
	assert_int_equal(money_add(INT64_MAX - 1, 1, &sum), 0);
	assert_true(sum == INT64_MAX);
	assert_int_equal(money_add(INT64_MIN + 1, -1, &sum), 0);
	assert_true(sum == INT64_MIN);
	sum = 42;
	assert_int_equal(money_add(INT64_MAX, 1, &sum), -1);
	assert_int_equal(money_add(INT64_MIN, -1, &sum), -1);
	assert_int_equal(money_add(INT64_MAX, INT64_MAX, &sum), -1);
	assert_int_equal(money_add(INT64_MIN, INT64_MIN, &sum), -1);
	assert_int_equal(sum, 42);
}

static void test_round_names(void **state)
{
	static const enum money_round all[] = {
		ROUND_EXACT, ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN,
	};
	enum money_round r = ROUND_DOWN;
	size_t i;

	(void)state;
	assert_int_equal(money_round_parse("exact", &r), 0);
	assert_int_equal(r, ROUND_EXACT);
	assert_int_equal(money_round_parse("half-up", &r), 0);
	assert_int_equal(r, ROUND_HALF_UP);
	assert_int_equal(money_round_parse("half-even", &r), 0);
	assert_int_equal(r, ROUND_HALF_EVEN);
	assert_int_equal(money_round_parse("down", &r), 0);
	assert_int_equal(r, ROUND_DOWN);
	assert_int_equal(money_round_parse("half_up", &r), -1);
	assert_int_equal(money_round_parse("HALF-UP", &r), -1);
	assert_int_equal(money_round_parse("", &r), -1);
	assert_int_equal(money_round_parse(NULL, &r), -1);
	assert_int_equal(r, ROUND_DOWN);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		assert_int_equal(money_round_parse(money_round_name(all[i]), &r), 0);
		assert_int_equal(r, all[i]);
	}
	assert_string_equal(money_round_name((enum money_round)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_currency_exponent),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_exponents),
		cmocka_unit_test(test_parse_exact_extra_digits),
		cmocka_unit_test(test_round_half_up),
		cmocka_unit_test(test_round_half_even),
		cmocka_unit_test(test_round_down),
		cmocka_unit_test(test_int64_bounds),
		cmocka_unit_test(test_minor_units),
		cmocka_unit_test(test_decimal_comma),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_money_add),
		cmocka_unit_test(test_round_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
