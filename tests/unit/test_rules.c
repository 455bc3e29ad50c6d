/* test_rules.c: the rules language (every directive, its mistakes), fee
 * models and their rounding, actions and their conditions, patterns, and
 * the classification under rules: tolerance, fees, IGNORE, reversals,
 * rows carried and left waiting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "recon/classify.h"
#include "recon/datapath.h"
#include "recon/diag.h"
#include "recon/rules.h"
#include "recon/tz.h"
#include "recon/util.h"
#include "recon/window.h"
#include "testutil.h"

#define DAY 20778          /* 2026-11-21 */
#define FROM (DAY * 86400LL - 8 * 3600)   /* +08:00, cut-off 00:00 */
#define TO (FROM + 86400)

static const char stmt_file[] = "st/2026-11-21.csv";

/* Parse text as rules, with stderr captured into err. */
static struct rules *parse(const char *text, struct strbuf *err)
{
	FILE *tmp;
	int saved;
	struct rules *r;

	capture_begin(&tmp, &saved);
	r = rules_parse("rules/x.rules", text, strlen(text));
	capture_end(tmp, saved, err);
	return r;
}

static struct rules *must_parse(const char *text)
{
	struct strbuf err = STRBUF_INIT;
	struct rules *r = parse(text, &err);

	if (!r)
		fail_msg("rules did not load: %s", err.buf);
	assert_string_equal(err.buf, "");
	sb_release(&err);
	return r;
}

/* The file must be refused with exactly the messages want. */
static void refused(const char *text, const char *want)
{
	struct strbuf err = STRBUF_INIT;
	struct rules *r = parse(text, &err);

	assert_null(r);
	assert_string_equal(err.buf, want);
	assert_int_equal(diag_status(), RX_USAGE);
	sb_release(&err);
}

static struct record row(int kind, const char *key, int64_t amount, int64_t fee,
			 int64_t time, int64_t line)
{
	struct record r;

	record_init(&r);
	r.kind = (uint8_t)kind;
	snprintf(r.order_code, sizeof(r.order_code), kind == KIND_REFUND ? "O-%s" : "%s", key);
	if (kind == KIND_REFUND)
		snprintf(r.refund_code, sizeof(r.refund_code), "%s", key);
	snprintf(r.channel_txn_id, sizeof(r.channel_txn_id), "T%lld", (long long)line);
	strcpy(r.currency, "CNY");
	r.amount = amount;
	r.fee = fee;
	r.status = STATUS_SUCCESS;
	r.time = time;
	r.line = line;
	r.file = stmt_file;
	return r;
}

/* ---- the language ---- */

static void test_defaults(void **state)
{
	struct rules *r = rules_defaults();
	struct discrepancy d;

	(void)state;
	assert_int_equal(rules_tolerance(r, "CNY"), 0);
	assert_int_equal(rules_wait_days(r), 0);
	assert_int_equal(rules_reversals(r), 1);
	assert_false(rules_has_fee(r, KIND_PAY));
	assert_false(rules_has_fee(r, KIND_REFUND));
	memset(&d, 0, sizeof(d));
	d.cls = CLASS_LONG;
	d.reason = REASON_AMOUNT;
	assert_int_equal(rules_action(r, &d, 0), -1);   /* design.md decides */
	rules_free(r);
}

/* The shipped default.rules says what the built-in defaults do: every
 * class and reason gets design.md's action from it. */
static void test_default_file(void **state)
{
	char *path, *text;
	size_t len;
	struct rules *r;
	struct discrepancy d;
	int cls, reason;

	(void)state;
	path = path_join(scratch_origin(), "rules/default.rules");
	text = read_file(path, &len);
	assert_non_null(text);
	r = must_parse(text);
	assert_int_equal(rules_tolerance(r, "CNY"), 0);
	assert_int_equal(rules_wait_days(r), 0);
	assert_int_equal(rules_reversals(r), 1);
	assert_false(rules_has_fee(r, KIND_PAY));
	for (cls = 0; cls < CLASS__COUNT; cls++) {
		for (reason = 0; reason < REASON__COUNT; reason++) {
			memset(&d, 0, sizeof(d));
			d.cls = cls;
			d.reason = reason;
			d.has_ledger = d.has_statement = d.has_difference = 1;
			d.ledger_amount = d.statement_amount = d.difference = 500;
			assert_int_equal(rules_action(r, &d, 30), correction_default_action(&d));
			d.ledger_amount = 400;
			assert_int_equal(rules_action(r, &d, 0), correction_default_action(&d));
		}
	}
	rules_free(r);
	free(text);
	free(path);
}

/* Every rules file shipped in rules/ loads. */
static void test_shipped_files(void **state)
{
	static const char *const names[] = { "default", "card" };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct strbuf file = STRBUF_INIT;
		char *text;
		size_t len;
		struct rules *r;

		sb_addf(&file, "%s/rules/%s.rules", scratch_origin(), names[i]);
		text = read_file(file.buf, &len);
		assert_non_null(text);
		r = must_parse(text);
		rules_free(r);
		free(text);
		sb_release(&file);
	}
}

static void test_match_section(void **state)
{
	struct rules *r = must_parse(
		"# tolerance per currency, any-currency fallback\n"
		"[match]\n"
		"\tamount-tolerance = 0.05 CNY\n"
		"\tamount-tolerance = 3\n"
		"\tamount-tolerance = 1 JPY\n"
		"\tstatement-wait-days = 2\n"
		"\treversals = ignore\n");

	(void)state;
	assert_int_equal(rules_tolerance(r, "CNY"), 5);
	assert_int_equal(rules_tolerance(r, "USD"), 3);
	assert_int_equal(rules_tolerance(r, "JPY"), 1);
	assert_int_equal(rules_wait_days(r), 2);
	assert_int_equal(rules_reversals(r), 0);
	rules_free(r);
}

static void test_match_errors(void **state)
{
	(void)state;
	refused("[match]\n\tamount-tolerance = 0.005 CNY\n",
		"recon: rules/x.rules:2: error: [match] amount-tolerance: '0.005': "
		"amount has more decimals than its currency\n");
	refused("[match]\n\tamount-tolerance = 5 XXQ\n\tamount-tolerance = ten\n",
		"recon: rules/x.rules:2: error: [match] amount-tolerance: 'XXQ' is not a "
		"currency code (ISO 4217, e.g. CNY)\n"
		"recon: rules/x.rules:3: error: [match] amount-tolerance: 'ten' is not an amount: "
		"write minor units (30) or major units and a currency (0.30 USD)\n");
	refused("[match]\n\tamount-tolerance = 1 CNY\n\tamount-tolerance = 2 CNY\n",
		"recon: rules/x.rules:3: error: [match] amount-tolerance: given twice for CNY "
		"(first at line 2)\n");
	refused("[match]\n\tamount-tolerance = -1.00 CNY\n",
		"recon: rules/x.rules:2: error: [match] amount-tolerance: '-1.00 CNY': an amount "
		"here is never negative\n");
	refused("[match]\n\tstatement-wait-days = -1\n\treversals = maybe\n",
		"recon: rules/x.rules:2: error: [match] statement-wait-days: '-1' is not a whole "
		"number of days from 0 to 3650\n"
		"recon: rules/x.rules:3: error: [match] reversals: 'maybe' is not cancel or ignore\n");
	refused("[match]\n\tgrace-days = 3\n",
		"recon: rules/x.rules:2: error: [match] grace-days: a ledger item's grace is the "
		"channel's grace-days in recon.conf; the rules say statement-wait-days\n");
	refused("tolerance = 1\n[matches]\n\tx = 1\n[match \"a\"]\n",
		"recon: rules/x.rules:1: error: tolerance: key outside any section; put it under "
		"[match], [fee \"KIND\"], [exclude \"NAME\"], [extract \"NAME\"] or [action \"...\"]\n"
		"recon: rules/x.rules:2: error: [matches]: unknown section (known: [match], "
		"[fee \"KIND\"], [exclude \"NAME\"], [extract \"NAME\"], [action \"CLASS/REASON\"])\n"
		"recon: rules/x.rules:4: error: [match \"a\"]: [match] takes no name\n");
	refused("[match]\n\tstatement-wait-days = 1\n\tstatement-wait-days = 2\n\tcolour = red\n",
		"recon: rules/x.rules:3: error: [match] statement-wait-days: given twice\n"
		"recon: rules/x.rules:4: error: [match] colour: unknown key (known: "
		"amount-tolerance, statement-wait-days, reversals)\n");
}

static int64_t fee_of(const struct rules *r, int kind, int64_t base, const char *cur)
{
	int64_t v = INT64_MIN;

	assert_int_equal(rules_fee_expected(r, kind, base, cur, &v), 1);
	return v;
}

static void test_fee_models(void **state)
{
	struct rules *r = must_parse(
		"[fee \"PAY\"]\n"
		"\tpercent = 0.6%\n"
		"\tround = half-up\n"
		"[fee \"REFUND\"]\n"
		"\tpercent = 2.9\n"
		"\tfixed = 0.30 USD\n"
		"\tminimum = 0.50 USD\n"
		"\tmaximum = 10.00 USD\n"
		"\tround = half-even\n"
		"\tbase = ledger\n"
		"\ttolerance = 1\n");
	int64_t v;

	(void)state;
	/* 0.6% of 120.75 is 0.7245: 0.72; of 100.25, 0.6015: 0.60; a tie,
	 * 0.6% of 0.75 = 0.0045, ... of 125.00 = 0.75 exactly. */
	assert_int_equal(fee_of(r, KIND_PAY, 12075, "CNY"), 72);
	assert_int_equal(fee_of(r, KIND_PAY, 10025, "CNY"), 60);
	assert_int_equal(fee_of(r, KIND_PAY, 12500, "CNY"), 75);
	/* 0.6% of 0.75 CNY is 0.45 fen: a half-up tie-free 0; of 2.50, 1.5 fen: 2 */
	assert_int_equal(fee_of(r, KIND_PAY, 75, "CNY"), 0);
	assert_int_equal(fee_of(r, KIND_PAY, 250, "CNY"), 2);
	/* a negative base (a payment model applied to money out) returns it */
	assert_int_equal(fee_of(r, KIND_PAY, -250, "CNY"), -2);
	assert_int_equal(rules_fee_base(r, KIND_PAY), FEE_BASE_AMOUNT);
	assert_int_equal(rules_fee_tolerance(r, KIND_PAY, "CNY"), 0);

	/* 2.9% of 50.00 = 1.45 + 0.30 = 1.75, returned on a refund */
	assert_int_equal(fee_of(r, KIND_REFUND, -5000, "USD"), -175);
	/* 2.9% of 5.00 = 0.145: half-even 0.14 (tie to even) + 0.30 = 0.44: the minimum 0.50 */
	assert_int_equal(fee_of(r, KIND_REFUND, -500, "USD"), -50);
	/* 2.9% of 1000.00 = 29.00 + 0.30: the maximum 10.00 */
	assert_int_equal(fee_of(r, KIND_REFUND, -100000, "USD"), -1000);
	/* half-even: 2.9% of 15.00 = 0.435, ties to 0.44 (4 is even) */
	assert_int_equal(fee_of(r, KIND_REFUND, -1500, "USD"), -74);
	/* the USD amounts do not apply to CNY: 2.9% of 10.00 = 0.29 */
	assert_int_equal(fee_of(r, KIND_REFUND, -1000, "CNY"), -29);
	assert_int_equal(rules_fee_base(r, KIND_REFUND), FEE_BASE_LEDGER);
	assert_int_equal(rules_fee_tolerance(r, KIND_REFUND, "EUR"), 1);
	assert_int_equal(rules_fee_expected(r, KIND_REVERSAL, 100, "CNY", &v), 0);
	rules_free(r);

	r = must_parse("[fee \"PAY\"]\n\tpercent = 0.38\n\tround = down\n");
	/* 0.38% of 99.99 = 0.379962: down to 0.37 */
	assert_int_equal(fee_of(r, KIND_PAY, 9999, "CNY"), 37);
	assert_false(rules_has_fee(r, KIND_REFUND));
	assert_int_equal(rules_fee_expected(r, KIND_PAY, INT64_MIN, "CNY", &v), -1);
	rules_free(r);

	r = must_parse("[fee \"PAY\"]\n\tfixed = 15\n");
	assert_int_equal(fee_of(r, KIND_PAY, 123456, "JPY"), 15);
	rules_free(r);
}

static void test_fee_errors(void **state)
{
	(void)state;
	refused("[fee \"PAY\"]\n\tround = half-up\n",
		"recon: rules/x.rules:1: error: [fee \"PAY\"]: give percent or fixed (or both)\n");
	refused("[fee \"PAY\"]\n\tpercent = 0.6\n[fee \"PAY\"]\n\tpercent = 1\n[fee \"FEE\"]\n[fee]\n",
		"recon: rules/x.rules:3: error: [fee \"PAY\"]: already at line 1\n"
		"recon: rules/x.rules:5: error: [fee \"FEE\"]: a fee model is for kind PAY or "
		"REFUND: [fee \"PAY\"]\n"
		"recon: rules/x.rules:6: error: [fee]: a fee model is for kind PAY or REFUND: "
		"[fee \"PAY\"]\n");
	refused("[fee \"REFUND\"]\n\tpercent = 101\n\tround = exact\n\tbase = net\n"
		"\tpercent = 1\n\tcap = 5\n",
		"recon: rules/x.rules:2: error: [fee \"REFUND\"] percent: '101' is not a percentage "
		"from 0 to 100 with at most 6 decimals (0.6 or 0.6%)\n"
		"recon: rules/x.rules:3: error: [fee \"REFUND\"] round: 'exact' is not half-up, "
		"half-even or down\n"
		"recon: rules/x.rules:4: error: [fee \"REFUND\"] base: 'net' is not amount or ledger\n"
		"recon: rules/x.rules:5: error: [fee \"REFUND\"] percent: given twice\n"
		"recon: rules/x.rules:6: error: [fee \"REFUND\"] cap: unknown key (known: percent, "
		"fixed, minimum, maximum, round, base, tolerance)\n");
	refused("[fee \"PAY\"]\n\tpercent = 0.1234567\n\tfixed = 1.5\n",
		"recon: rules/x.rules:2: error: [fee \"PAY\"] percent: '0.1234567' is not a "
		"percentage from 0 to 100 with at most 6 decimals (0.6 or 0.6%)\n"
		"recon: rules/x.rules:3: error: [fee \"PAY\"] fixed: '1.5' is not an amount: write "
		"minor units (30) or major units and a currency (0.30 USD)\n");
}

static struct discrepancy disc(int cls, int reason, int64_t ledger, int64_t stmt, int64_t diff)
{
	struct discrepancy d;

	memset(&d, 0, sizeof(d));
	d.cls = cls;
	d.reason = reason;
	d.has_ledger = ledger != INT64_MIN;
	d.ledger_amount = ledger;
	d.has_statement = 1;
	d.statement_amount = stmt;
	d.has_difference = 1;
	d.difference = diff;
	strcpy(d.currency, "CNY");
	return d;
}

static void test_actions(void **state)
{
	struct rules *r = must_parse(
		"# small amount differences are written off\n"
		"[action \"*/AMOUNT\"]\n"
		"\tdo = IGNORE\n"
		"\tamount-below = 0.10 CNY\n"
		"# an old lost callback is looked into, a fresh one marked paid\n"
		"[action \"MISSING/STATUS\"]\n"
		"\tdo = INVESTIGATE\n"
		"\tage-at-least = 7\n"
		"[action \"MISSING\"]\n"
		"\tdo = MARK_PAID\n"
		"\tamounts = same\n"
		"\tage-below = 7\n"
		"[action \"LONG/NO_LEDGER\"]\n"
		"\tdo = INVESTIGATE\n"
		"\tamount-at-least = 1000.00 CNY\n"
		"[action \"*\"]\n"
		"\tdo = ADJUST\n"
		"\tamounts = different\n");
	struct discrepancy d;

	(void)state;
	d = disc(CLASS_LONG, REASON_AMOUNT, 1000, 1009, 9);
	assert_int_equal(rules_action(r, &d, 0), ACTION_IGNORE);
	d = disc(CLASS_SHORT, REASON_AMOUNT, 1000, 990, -10);     /* not below 0.10 */
	assert_int_equal(rules_action(r, &d, 0), ACTION_ADJUST);
	strcpy(d.currency, "USD");                               /* no USD amount: not for it */
	d.difference = 5;
	assert_int_equal(rules_action(r, &d, 0), ACTION_ADJUST);

	d = disc(CLASS_MISSING, REASON_STATUS, 500, 500, 500);
	assert_int_equal(rules_action(r, &d, 6), ACTION_MARK_PAID);
	assert_int_equal(rules_action(r, &d, 7), ACTION_INVESTIGATE);
	d.ledger_amount = 400;                                   /* amounts differ */
	assert_int_equal(rules_action(r, &d, 0), ACTION_ADJUST);

	d = disc(CLASS_LONG, REASON_NO_LEDGER, INT64_MIN, 100000, 100000);
	assert_int_equal(rules_action(r, &d, 0), ACTION_INVESTIGATE);
	d.difference = d.statement_amount = 99999;
	assert_int_equal(rules_action(r, &d, 0), ACTION_ADJUST);   /* no ledger: "different" */

	d = disc(CLASS_CURRENCY, REASON_CURRENCY, 100, 100, 0);
	d.has_difference = 0;
	assert_int_equal(rules_action(r, &d, 0), -1);            /* amounts same: nothing fits */
	rules_free(r);
}

static void test_action_errors(void **state)
{
	(void)state;
	refused("[action \"LONG/NOPE\"]\n\tdo = ADJUST\n[action \"BIG\"]\n[action]\n",
		"recon: rules/x.rules:1: error: [action \"LONG/NOPE\"]: say which discrepancies: "
		"[action \"CLASS/REASON\"], [action \"CLASS\"], [action \"*/REASON\"] or "
		"[action \"*\"]\n"
		"recon: rules/x.rules:3: error: [action \"BIG\"]: say which discrepancies: "
		"[action \"CLASS/REASON\"], [action \"CLASS\"], [action \"*/REASON\"] or "
		"[action \"*\"]\n"
		"recon: rules/x.rules:4: error: [action]: say which discrepancies: "
		"[action \"CLASS/REASON\"], [action \"CLASS\"], [action \"*/REASON\"] or "
		"[action \"*\"]\n");
	refused("[action \"*\"]\n\tdo = PAY_BACK\n\tage-below = x\n\tamounts = equal\n"
		"\twhen = always\n[action \"FEE\"]\n\tamount-below = 1\n",
		"recon: rules/x.rules:2: error: [action \"*\"] do: 'PAY_BACK' is not MARK_PAID, "
		"REFUND, ADJUST, INVESTIGATE or IGNORE\n"
		"recon: rules/x.rules:3: error: [action \"*\"] age-below: 'x' is not a whole number "
		"of days from 0 to 3650\n"
		"recon: rules/x.rules:4: error: [action \"*\"] amounts: 'equal' is not same or "
		"different\n"
		"recon: rules/x.rules:5: error: [action \"*\"] when: unknown key (known: do, "
		"amount-below, amount-at-least, age-below, age-at-least, amounts)\n"
		"recon: rules/x.rules:6: error: [action]: do is required (MARK_PAID, REFUND, "
		"ADJUST, INVESTIGATE or IGNORE)\n");
}

static void test_patterns(void **state)
{
	struct rules *r = must_parse(
		"[exclude \"test orders\"]\n"
		"\tfield = order_code\n"
		"\tpattern = ^TEST\n"
		"[exclude \"sandbox refunds\"]\n"
		"\tfield = refund_code\n"
		"\tpattern = ^SBX\n"
		"\tkind = REFUND\n"
		"\tside = statement\n"
		"[extract \"bank memo\"]\n"
		"\tfield = channel_txn_id\n"
		"\tpattern = \"ORDER[ :]+(?<code>A\\\\d+)\"\n"
		"[extract \"refund memo\"]\n"
		"\tfield = order_code\n"
		"\tpattern = ^RF-(\\w+)\n"
		"\tinto = refund_code\n");
	struct record a = row(KIND_PAY, "TEST-1", 100, 0, FROM, 2);
	struct record b = row(KIND_REFUND, "SBX9", -100, 0, FROM, 3);

	(void)state;
	assert_true(rules_excluded(r, &a, RULES_STATEMENT, NULL));
	assert_true(rules_excluded(r, &a, RULES_LEDGER, NULL));
	assert_true(rules_excluded(r, &b, RULES_STATEMENT, NULL));
	assert_false(rules_excluded(r, &b, RULES_LEDGER, NULL));   /* side = statement */
	b.kind = KIND_REVERSAL;                               /* kind = REFUND only */
	assert_false(rules_excluded(r, &b, RULES_STATEMENT, NULL));

	a = row(KIND_PAY, "memo", 100, 0, FROM, 2);
	strcpy(a.channel_txn_id, "TRANSFER FROM X, ORDER: A1001 THANK YOU");
	assert_int_equal(rules_extract(r, &a, NULL), 1);
	assert_string_equal(a.order_code, "A1001");
	strcpy(a.channel_txn_id, "no order here");
	strcpy(a.order_code, "kept");
	assert_int_equal(rules_extract(r, &a, NULL), 0);
	assert_string_equal(a.order_code, "kept");
	strcpy(a.order_code, "RF-77x");
	assert_int_equal(rules_extract(r, &a, NULL), 1);
	assert_string_equal(a.refund_code, "77x");
	assert_string_equal(a.order_code, "RF-77x");
	rules_free(r);

	refused("[exclude \"a\"]\n\tfield = memo\n\tpattern = (\n\tside = left\n"
		"[extract \"b\"]\n\tfield = order_code\n\tinto = channel_txn_id\n\tkind = FEE\n"
		"[exclude \"a\"]\n\tfield = order_code\n\tpattern = x\n[extract]\n",
		"recon: rules/x.rules:2: error: [exclude \"a\"] field: 'memo' is not order_code, "
		"refund_code or channel_txn_id\n"
		"recon: rules/x.rules:3: error: [exclude \"a\"] pattern: bad pattern at offset 1: "
		"missing closing parenthesis\n"
		"recon: rules/x.rules:4: error: [exclude \"a\"] side: 'left' is not statement, "
		"ledger or both\n"
		"recon: rules/x.rules:7: error: [extract \"b\"] into: 'channel_txn_id' is not "
		"order_code or refund_code\n"
		"recon: rules/x.rules:8: error: [extract \"b\"] kind: 'FEE' is not PAY, REFUND or "
		"REVERSAL\n"
		"recon: rules/x.rules:9: error: [exclude \"a\"]: already at line 1\n"
		"recon: rules/x.rules:12: error: [extract]: give the pattern a name: "
		"[extract \"test orders\"]\n"
		"recon: rules/x.rules:5: error: [extract \"b\"]: pattern is required\n");
}

static void test_load_by_name(void **state)
{
	struct strbuf err = STRBUF_INIT;
	FILE *tmp;
	int saved;
	struct rules *r;

	(void)state;
	write_file("rules/mine.rules", "[match]\n\tamount-tolerance = 2\n");
	write_file("rules/bad.rules", "[match]\n\tamount-tolerance = two\n");
	setenv("RECON_RULES_PATH", "rules", 1);
	datapath_set_workspace(NULL);
	r = rules_load("mine");
	assert_non_null(r);
	assert_string_equal(rules_path(r), "rules/mine.rules");
	assert_int_equal(rules_tolerance(r, "EUR"), 2);
	rules_free(r);

	/* no default.rules anywhere: the built-in defaults */
	/* no default.rules here: what is installed, or the built-in defaults */
	r = rules_load("default");
	assert_non_null(r);
	assert_int_equal(rules_tolerance(r, "EUR"), 0);
	rules_free(r);

	capture_begin(&tmp, &saved);
	assert_null(rules_load("nosuch"));
	assert_null(rules_load("bad"));
	capture_end(tmp, saved, &err);
	assert_string_equal(err.buf,
			    "recon: error: no rules named 'nosuch' (rules/nosuch.rules)\n"
			    "recon: rules/bad.rules:2: error: [match] amount-tolerance: 'two' is not an "
			    "amount: write minor units (30) or major units and a currency (0.30 USD)\n");
	sb_release(&err);
	unsetenv("RECON_RULES_PATH");
}

/* ---- classification under rules ---- */

struct world {
	struct record ledger[8];
	int nledger;
	struct discrepancy d[16];
	struct correction c[16];
	int nd, np, nsettled;
};

static struct world W;
static struct classifier C;

static int w_lookup(void *ctx, int kind, const char *key, struct record *r)
{
	struct world *w = ctx;
	int i;

	for (i = 0; i < w->nledger; i++)
		if (w->ledger[i].kind == kind && !strcmp(record_key(&w->ledger[i]), key)) {
			*r = w->ledger[i];
			return 1;
		}
	return 0;
}

static int w_no(void *ctx, int kind, const char *key, int64_t paid)
{
	(void)ctx, (void)kind, (void)key, (void)paid;
	return 0;
}

static int w_no2(void *ctx, int kind, const char *key)
{
	(void)ctx, (void)kind, (void)key;
	return 0;
}

static int w_ran(void *ctx, int64_t paid)
{
	(void)ctx, (void)paid;
	return 1;
}

static int w_discrepancy(void *ctx, const struct discrepancy *d, const struct correction *c)
{
	struct world *w = ctx;

	assert_true(w->nd < 16);
	w->d[w->nd] = *d;
	w->c[w->nd++] = *c;
	return 0;
}

static int w_pending(void *ctx, const struct pending_item *p, const struct record *l)
{
	struct world *w = ctx;

	(void)p, (void)l;
	w->np++;
	return 0;
}

static int w_settled(void *ctx, int kind, const char *key, int64_t paid)
{
	struct world *w = ctx;

	(void)kind, (void)key, (void)paid;
	w->nsettled++;
	return 0;
}

static struct rules *R;
static struct rules_day *RD;

static void start(const char *rules_text)
{
	const char *why = NULL;

	memset(&W, 0, sizeof(W));
	memset(&C, 0, sizeof(C));
	C.channel = "up";
	C.day = DAY;
	C.win_from = FROM;
	C.win_to = TO;
	C.grace_days = 1;
	C.env = (struct classify_env){
		&W, w_lookup, w_no, w_no2, w_ran, w_discrepancy, w_pending, w_settled
	};
	R = must_parse(rules_text);
	RD = rules_day_new(R, tz_get("+08:00", &why), 0, DAY, &C.tally);
	C.rules = R;
	C.rday = RD;
}

static int stop(void **state)
{
	(void)state;
	rules_day_free(RD);
	rules_free(R);
	tally_release(&C.tally);
	RD = NULL;
	R = NULL;
	return 0;
}

static struct record paid_item(int kind, const char *key, int64_t amount, int status)
{
	struct record r = row(kind, key, amount, 0, FROM - 3600, 0);

	r.file = NULL;
	r.status = (uint8_t)status;
	r.paid_time = status == STATUS_SUCCESS ? FROM + 3600 : REC_NO_TIME;
	return r;
}

static int group(int kind, const char *key, const struct record *rows, size_t n,
		 const struct record *l)
{
	struct join_group g;

	memset(&g, 0, sizeof(g));
	g.kind = kind;
	g.key = key;
	g.stmt = rows;
	g.nstmt = n;
	g.ledger = l;
	return classify_group(&g, &C);
}

static int64_t figure(int item)
{
	const struct tally_cell *c = tally_get(&C.tally, item, "CNY");

	return c ? c->amount : 0;
}

static void test_tolerance_and_fee(void **state)
{
	struct record s[2], l;

	(void)state;
	start("[match]\n\tamount-tolerance = 0.05 CNY\n"
	      "[fee \"PAY\"]\n\tpercent = 0.6\n\ttolerance = 0.01 CNY\n");
	/* 100.03 against 100.00: within 0.05, matched; fee 0.62 against 0.60 */
	s[0] = row(KIND_PAY, "A1", 10003, 62, FROM + 60, 2);
	l = paid_item(KIND_PAY, "A1", 10000, STATUS_SUCCESS);
	assert_int_equal(group(KIND_PAY, "A1", s, 1, &l), 0);
	assert_int_equal(tally_count(&C.tally, TALLY_MATCHED), 1);
	assert_int_equal(figure(TALLY_TOLERATED), 3);
	assert_int_equal(W.nd, 1);
	assert_int_equal(W.d[0].cls, CLASS_FEE);
	assert_int_equal(W.d[0].reason, REASON_FEE);
	assert_int_equal(W.d[0].ledger_amount, -60);      /* expected, cash view */
	assert_int_equal(W.d[0].statement_amount, -62);   /* charged */
	assert_int_equal(W.d[0].difference, -2);          /* the channel took 0.02 more */
	assert_int_equal(W.c[0].action, ACTION_INVESTIGATE);
	assert_int_equal(figure(TALLY_FEES), 62);
	assert_int_equal(figure(TALLY_FEES_EXPECTED), 60);

	/* 0.61 is within the fee tolerance; 100.06 is outside the amount's */
	s[0] = row(KIND_PAY, "A2", 10006, 61, FROM + 60, 3);
	l = paid_item(KIND_PAY, "A2", 10000, STATUS_SUCCESS);
	assert_int_equal(group(KIND_PAY, "A2", s, 1, &l), 0);
	assert_int_equal(W.nd, 2);
	assert_int_equal(W.d[1].cls, CLASS_LONG);
	assert_int_equal(W.d[1].reason, REASON_AMOUNT);
	s[0] = row(KIND_PAY, "A3", 10000, 61, FROM + 60, 4);
	l = paid_item(KIND_PAY, "A3", 10000, STATUS_SUCCESS);
	assert_int_equal(group(KIND_PAY, "A3", s, 1, &l), 0);
	assert_int_equal(W.nd, 2);
	/* rows of every class count in the fee figures; only matched ones are checked */
	assert_int_equal(tally_count(&C.tally, TALLY_FEES), 3);
	assert_int_equal(figure(TALLY_FEES), 62 + 61 + 61);
	assert_int_equal(figure(TALLY_FEES_EXPECTED), 60 + 60 + 60);
	stop(state);
}

static void test_ignore_keeps_keys(void **state)
{
	struct record s[3], l;
	struct correction plain;

	(void)state;
	start("[action \"LONG/DUPLICATE\"]\n\tdo = IGNORE\n\tage-below = 1\n");
	s[0] = row(KIND_PAY, "D1", 500, 0, FROM + 60, 2);
	s[1] = row(KIND_PAY, "D1", 500, 0, FROM + 70, 3);
	s[2] = row(KIND_PAY, "D1", 500, 0, FROM + 80, 4);
	/* paid today, but ordered 5 days ago: the item is 5 days old */
	l = paid_item(KIND_PAY, "D1", 500, STATUS_SUCCESS);
	l.time = FROM - 5 * 86400 + 60;
	assert_int_equal(group(KIND_PAY, "D1", s, 3, &l), 0);
	/* age-below 1 does not fit: both surplus rows stand */
	assert_int_equal(W.nd, 2);
	assert_int_equal(W.d[1].ordinal, 2);
	assert_int_equal(W.c[1].action, ACTION_REFUND);
	plain = W.c[1];
	stop(state);

	start("[action \"LONG/DUPLICATE\"]\n\tdo = IGNORE\n\tamount-below = 1\n");
	s[1].amount = 0;     /* a zero surplus row is written off, the next keeps its ordinal */
	assert_int_equal(group(KIND_PAY, "D1", s, 3, &l), 0);
	assert_int_equal(W.nd, 1);
	assert_int_equal(W.d[0].ordinal, 2);
	assert_string_equal(W.c[0].key, plain.key);
	assert_int_equal(tally_count(&C.tally, TALLY_IGNORED), 1);
	assert_int_equal(tally_count(&C.tally, TALLY_LONG), 1);
	stop(state);
}

static void test_reversals(void **state)
{
	struct record s[3], rev, l;

	(void)state;
	start("");
	/* a payment and its reversal: neither LONG nor SHORT, whatever the ledger */
	s[0] = row(KIND_PAY, "P1", 3000, 18, FROM + 60, 2);
	rev = row(KIND_REVERSAL, "P1", -3000, -18, FROM + 90, 3);
	assert_int_equal(rules_day_row(RD, &rev), RULES_ROW_TAKEN);
	/* a reversal of a refund, and one of nothing */
	rev = row(KIND_REVERSAL, "P2", 500, 0, FROM + 100, 4);
	strcpy(rev.refund_code, "R2");
	assert_int_equal(rules_day_row(RD, &rev), RULES_ROW_TAKEN);
	rev = row(KIND_REVERSAL, "P9", -700, 0, FROM + 110, 5);
	assert_int_equal(rules_day_row(RD, &rev), RULES_ROW_TAKEN);
	rev = row(KIND_REVERSAL, "P9", -700, 0, FROM + 110, 6);
	rev.status = STATUS_FAILED;
	assert_int_equal(rules_day_row(RD, &rev), RULES_ROW_OTHER);
	rules_day_ready(RD);
	assert_int_equal(tally_count(&C.tally, TALLY_STATEMENT), 3);

	l = paid_item(KIND_PAY, "P1", 3000, STATUS_CLOSED);
	assert_int_equal(group(KIND_PAY, "P1", s, 1, &l), 0);
	assert_int_equal(W.nd, 0);
	assert_int_equal(figure(TALLY_REVERSED), 3000);
	assert_int_equal(W.np, 0);

	/* the refund R2 was never on the statement: its reversal brings money back */
	s[0] = row(KIND_REFUND, "R2", -500, 0, FROM + 50, 7);
	assert_int_equal(group(KIND_REFUND, "R2", NULL, 0, NULL), 0);
	assert_int_equal(W.nd, 1);
	assert_int_equal(W.d[0].cls, CLASS_LONG);
	assert_int_equal(W.d[0].reason, REASON_REVERSAL);
	assert_int_equal(W.d[0].kind, KIND_REFUND);
	assert_string_equal(W.d[0].refund_code, "R2");
	assert_int_equal(W.d[0].difference, 500);
	assert_false(W.d[0].has_ledger);

	/* P9's reversal: in no join group, found by rules_day_finish */
	assert_int_equal(rules_day_finish(RD, &C), 0);
	assert_int_equal(W.nd, 2);
	assert_int_equal(W.d[1].cls, CLASS_SHORT);
	assert_int_equal(W.d[1].reason, REASON_REVERSAL);
	assert_string_equal(W.d[1].order_code, "P9");
	assert_int_equal(W.d[1].source_line, 5);
	assert_int_equal(W.c[1].action, ACTION_INVESTIGATE);
	assert_int_equal(W.c[1].amount, -700);
	assert_int_equal(rules_day_finish(RD, &C), 0);    /* nothing twice */
	assert_int_equal(W.nd, 2);
	stop(state);

	/* a paid order reversed: the pair leaves; the ledger item waits in suspense */
	start("");
	s[0] = row(KIND_PAY, "P3", 3000, 0, FROM + 60, 2);
	s[1] = row(KIND_PAY, "P3", 3000, 0, FROM + 70, 3);
	rev = row(KIND_REVERSAL, "P3", -3000, 0, FROM + 90, 4);
	rules_day_row(RD, &rev);
	rules_day_ready(RD);
	l = paid_item(KIND_PAY, "P3", 3000, STATUS_SUCCESS);
	assert_int_equal(group(KIND_PAY, "P3", s, 2, &l), 0);
	/* the first row is the one reversed; the second matches */
	assert_int_equal(W.nd, 0);
	assert_int_equal(tally_count(&C.tally, TALLY_MATCHED), 1);
	assert_int_equal(W.np, 0);
	stop(state);

	start("[match]\n\treversals = ignore\n");
	rev = row(KIND_REVERSAL, "P1", -3000, -18, FROM + 90, 3);
	assert_int_equal(rules_day_row(RD, &rev), RULES_ROW_OTHER);
	stop(state);
}

/* A statement decoded in two halves, each with its own day state: the
 * second half's reversal, absorbed, cancels a row of the first and one of
 * nothing is reported at its line in the whole file; the tallies add up. */
static void test_halves_absorbed(void **state)
{
	const char *why = NULL;
	struct tally t2;
	struct rules_day *half;
	struct record s[1], rev;

	(void)state;
	start("");
	memset(&t2, 0, sizeof(t2));
	half = rules_day_new(R, tz_get("+08:00", &why), 0, DAY, &t2);
	s[0] = row(KIND_PAY, "P1", 3000, 0, FROM + 60, 2);
	rev = row(KIND_REVERSAL, "P1", -3000, 0, FROM + 90, 3);
	assert_int_equal(rules_day_row(half, &rev), RULES_ROW_TAKEN);
	rev = row(KIND_REVERSAL, "P9", -700, 0, FROM + 110, 4);
	assert_int_equal(rules_day_row(half, &rev), RULES_ROW_TAKEN);
	rules_day_absorb(RD, half, 1000);
	assert_int_equal(tally_merge(&C.tally, &t2), 0);
	rules_day_free(half);
	tally_release(&t2);
	rules_day_ready(RD);
	assert_int_equal(tally_count(&C.tally, TALLY_STATEMENT), 2);
	assert_int_equal(figure(TALLY_STATEMENT), -3700);

	assert_int_equal(group(KIND_PAY, "P1", s, 1, NULL), 0);
	assert_int_equal(W.nd, 0);
	assert_int_equal(figure(TALLY_REVERSED), 3000);
	assert_int_equal(rules_day_finish(RD, &C), 0);
	assert_int_equal(W.nd, 1);
	assert_int_equal(W.d[0].cls, CLASS_SHORT);
	assert_string_equal(W.d[0].order_code, "P9");
	assert_int_equal(W.d[0].source_line, 1004);
	stop(state);
}

static void test_waiting_rows(void **state)
{
	struct record s[1], l, got;
	const struct record *rows;
	const int64_t *exp;

	(void)state;
	start("[match]\n\tstatement-wait-days = 2\n");
	/* no ledger item yet: the row waits two days */
	s[0] = row(KIND_PAY, "W1", 1200, 0, FROM + 60, 2);
	rules_day_ready(RD);
	assert_int_equal(group(KIND_PAY, "W1", s, 1, NULL), 0);
	assert_int_equal(W.nd, 0);
	assert_int_equal(rules_day_waiting(RD, &rows, &exp), 1);
	assert_string_equal(rows[0].order_code, "W1");
	assert_int_equal(exp[0], DAY + 2);
	assert_int_equal(figure(TALLY_WAITING), 1200);
	got = rows[0];
	stop(state);

	/* the next day: carried, the ledger has it pending still: waits on */
	start("[match]\n\tstatement-wait-days = 2\n");
	C.day = DAY + 1;
	C.win_from = FROM + 86400;
	C.win_to = TO + 86400;
	rules_day_carry(RD, &got, DAY + 2);
	rules_day_ready(RD);
	W.ledger[W.nledger++] = paid_item(KIND_PAY, "W1", 1200, STATUS_PENDING);
	assert_int_equal(rules_day_finish(RD, &C), 0);
	assert_int_equal(W.nd, 0);
	assert_int_equal(rules_day_waiting(RD, &rows, &exp), 1);
	assert_int_equal(exp[0], DAY + 2);      /* the first wait's end, not a new one */
	stop(state);

	/* the day its wait ends, still pending: MISSING/STATUS, sourced where it came from */
	start("[match]\n\tstatement-wait-days = 2\n");
	C.day = DAY + 2;
	C.win_from = FROM + 2 * 86400;
	C.win_to = TO + 2 * 86400;
	rules_day_carry(RD, &got, DAY + 2);
	rules_day_ready(RD);
	W.ledger[W.nledger++] = paid_item(KIND_PAY, "W1", 1200, STATUS_PENDING);
	assert_int_equal(rules_day_finish(RD, &C), 0);
	assert_int_equal(W.nd, 1);
	assert_int_equal(W.d[0].cls, CLASS_MISSING);
	assert_string_equal(W.d[0].source_file, stmt_file);
	assert_int_equal(W.d[0].source_line, 2);
	assert_int_equal(W.c[0].action, ACTION_MARK_PAID);
	assert_int_equal(rules_day_waiting(RD, &rows, &exp), 0);
	assert_int_equal(tally_count(&C.tally, TALLY_STATEMENT), 0);   /* not today's row */
	stop(state);

	/* or the callback came, paid on the row's own (already run) day: a
	 * match, not a duplicate of what that day's run saw */
	start("[match]\n\tstatement-wait-days = 2\n");
	C.day = DAY + 1;
	C.win_from = FROM + 86400;
	C.win_to = TO + 86400;
	rules_day_carry(RD, &got, DAY + 2);
	rules_day_ready(RD);
	l = paid_item(KIND_PAY, "W1", 1200, STATUS_SUCCESS);
	W.ledger[W.nledger++] = l;
	assert_int_equal(rules_day_finish(RD, &C), 0);
	assert_int_equal(W.nd, 0);
	assert_int_equal(tally_count(&C.tally, TALLY_MATCHED), 1);
	assert_int_equal(W.nsettled, 1);
	stop(state);
}

static void test_age(void **state)
{
	const char *why = NULL;
	const struct tz *la = tz_get("America/Los_Angeles", &why);
	struct rules *r = rules_defaults();
	/* 2026-11-02 with a 17:00 cut-off runs from 17:00 on Nov 1 (PST) */
	int64_t day = 20759, from, to;
	struct rules_day *rd;
	struct tally t = { .cells = NULL };

	(void)state;
	assert_non_null(la);
	rd = rules_day_new(r, la, 17 * 60, day, &t);
	day_window(la, day, 17 * 60, &from, &to);
	assert_int_equal(rules_day_age(rd, from), 0);
	assert_int_equal(rules_day_age(rd, from - 1), 1);
	/* Nov 1 is 25 hours long: 24h30 before the window is still in it */
	assert_int_equal(rules_day_age(rd, from - 24 * 3600 - 1800), 1);
	assert_int_equal(rules_day_age(rd, from - 25 * 3600 - 1), 2);
	assert_int_equal(rules_day_age(rd, to + 5), 0);
	assert_int_equal(rules_day_age(rd, REC_NO_TIME), 0);
	rules_day_free(rd);
	rules_free(r);
}

static int setup(void **state)
{
	(void)state;
	return scratch_enter("test_rules");
}

static int teardown(void **state)
{
	(void)state;
	return scratch_leave();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_file),
		cmocka_unit_test(test_shipped_files),
		cmocka_unit_test(test_match_section),
		cmocka_unit_test(test_match_errors),
		cmocka_unit_test(test_fee_models),
		cmocka_unit_test(test_fee_errors),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_action_errors),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_load_by_name),
		cmocka_unit_test(test_tolerance_and_fee),
		cmocka_unit_test(test_ignore_keeps_keys),
		cmocka_unit_test(test_reversals),
		cmocka_unit_test(test_halves_absorbed),
		cmocka_unit_test(test_waiting_rows),
		cmocka_unit_test(test_age),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
