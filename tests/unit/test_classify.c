/* test_classify.c: every class and reason, precedence, duplicates, suspense,
 * settlement on other days, correction orders and their keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "recon/classify.h"
#include "recon/diag.h"
#include "recon/tz.h"
#include "recon/window.h"

#define DAY 20778          /* 2026-11-21 */
#define FROM (DAY * 86400LL - 8 * 3600)   /* +08:00, cut-off 00:00 */
#define TO (FROM + 86400)

static const char stmt_file[] = "statements/alipay.csv";

/* ---- a fake world: a ledger, earlier runs, and what came out ---- */
struct world {
	struct record ledger[16];
	int nledger;
	char settled_keys[8][16];      /* settled by an earlier run */
	int nsettled;
	char nostmt_keys[8][16];       /* reported NO_STATEMENT earlier */
	int nnostmt;
	int due_day_ran;               /* answer to due_day_ran() */
	int lookups;

	struct discrepancy d[16];
	struct correction c[16];
	int nd;
	struct pending_item p[16];
	int np;
	char remembered[8][16];
	int64_t remembered_paid[8];
	int nremembered;
};

static int w_lookup(void *ctx, int kind, const char *key, struct record *r)
{
	struct world *w = ctx;
	int i;

	w->lookups++;
	for (i = 0; i < w->nledger; i++) {
		if (w->ledger[i].kind == kind && !strcmp(record_key(&w->ledger[i]), key)) {
			*r = w->ledger[i];
			return 1;
		}
	}
	return 0;
}

static int in_list(char list[][16], int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], key))
			return 1;
	return 0;
}

static int w_settled_before(void *ctx, int kind, const char *key, int64_t paid)
{
	struct world *w = ctx;

	(void)kind;
	(void)paid;
	return in_list(w->settled_keys, w->nsettled, key);
}

static int w_no_statement_before(void *ctx, int kind, const char *key)
{
	struct world *w = ctx;

	(void)kind;
	return in_list(w->nostmt_keys, w->nnostmt, key);
}

static int w_due_day_ran(void *ctx, int64_t paid)
{
	struct world *w = ctx;

	assert_true(paid < FROM);
	return w->due_day_ran;
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

	assert_string_equal(p->key, record_key(l));
	assert_true(w->np < 16);
	w->p[w->np++] = *p;
	return 0;
}

static int w_settled(void *ctx, int kind, const char *key, int64_t paid)
{
	struct world *w = ctx;

	(void)kind;
	assert_true(w->nremembered < 8);
	snprintf(w->remembered[w->nremembered], 16, "%s", key);
	w->remembered_paid[w->nremembered++] = paid;
	return 0;
}

static struct world W;
static struct classifier C;

static int setup(void **state)
{
	(void)state;
	memset(&W, 0, sizeof(W));
	memset(&C, 0, sizeof(C));
	C.channel = "alipay";
	C.day = DAY;
	C.win_from = FROM;
	C.win_to = TO;
	C.grace_days = 1;
	C.env = (struct classify_env){
		&W, w_lookup, w_settled_before, w_no_statement_before, w_due_day_ran,
		w_discrepancy, w_pending, w_settled
	};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tally_release(&C.tally);
	return 0;
}

static struct record row(int kind, const char *key, int64_t amount, const char *cur,
			 int64_t time, int64_t line)
{
	struct record r;

	record_init(&r);
	r.kind = (uint8_t)kind;
	snprintf(r.order_code, sizeof(r.order_code), kind == KIND_REFUND ? "O-%s" : "%s", key);
	if (kind == KIND_REFUND)
		snprintf(r.refund_code, sizeof(r.refund_code), "%s", key);
	snprintf(r.channel_txn_id, sizeof(r.channel_txn_id), "T%lld", (long long)line);
	snprintf(r.currency, sizeof(r.currency), "%s", cur);
	r.amount = amount;
	r.status = STATUS_SUCCESS;
	r.time = time;
	r.line = line;
	r.file = stmt_file;
	return r;
}

/* A ledger item; paid < 0 means not paid (status as given). */
static struct record item(int kind, const char *key, int64_t amount, const char *cur,
			  int status, int64_t paid)
{
	struct record r = row(kind, key, amount, cur, FROM - 86400 * 3, 0);

	r.file = NULL;
	r.channel_txn_id[0] = '\0';
	r.status = (uint8_t)status;
	r.paid_time = paid < 0 ? REC_NO_TIME : paid;
	return r;
}

static int classify(int kind, const char *key, const struct record *rows, size_t n,
		    const struct record *l, const struct pending_item *p)
{
	struct join_group g;

	memset(&g, 0, sizeof(g));
	g.kind = kind;
	g.key = key;
	g.stmt = rows;
	g.nstmt = n;
	g.ledger = l;
	g.pending = p;
	return classify_group(&g, &C);
}

static void want_d(int i, int cls, int reason, int has_diff, int64_t diff)
{
	assert_true(i < W.nd);
	assert_string_equal(class_name(W.d[i].cls), class_name(cls));
	assert_string_equal(reason_name(W.d[i].reason), reason_name(reason));
	assert_int_equal(W.d[i].has_difference, has_diff);
	if (has_diff)
		assert_int_equal(W.d[i].difference, diff);
}

static void want_c(int i, int action, int has_amount, int64_t amount)
{
	assert_string_equal(action_name(W.c[i].action), action_name(action));
	assert_int_equal(W.c[i].has_amount, has_amount);
	if (has_amount)
		assert_int_equal(W.c[i].amount, amount);
	assert_int_equal(strlen(W.c[i].key), CORRECTION_KEYLEN);
}

static int64_t tally_amount(int item_, const char *cur)
{
	const struct tally_cell *c = tally_get(&C.tally, item_, cur);

	return c ? c->amount : 0;
}

static void test_matched(void **state)
{
	struct record l = item(KIND_PAY, "A1", 1200, "CNY", STATUS_SUCCESS, FROM + 10);
	struct record s = row(KIND_PAY, "A1", 1200, "CNY", FROM + 20, 7);

	(void)state;
	assert_int_equal(classify(KIND_PAY, "A1", &s, 1, &l, NULL), 0);
	assert_int_equal(W.nd, 0);
	assert_int_equal(W.np, 0);
	assert_int_equal(W.lookups, 0);
	assert_int_equal(tally_count(&C.tally, TALLY_MATCHED), 1);
	assert_int_equal(tally_amount(TALLY_MATCHED, "CNY"), 1200);
	assert_int_equal(tally_amount(TALLY_STATEMENT, "CNY"), 1200);
	assert_int_equal(tally_amount(TALLY_LEDGER, "CNY"), 1200);
}

static void test_no_ledger(void **state)
{
	struct record s[2] = {
		row(KIND_PAY, "X1", 1200, "CNY", FROM + 5, 3),
		row(KIND_PAY, "X1", 1200, "CNY", FROM + 9, 4),
	};
	struct record r = row(KIND_REFUND, "RX", -500, "CNY", FROM + 5, 5);

	(void)state;
	assert_int_equal(classify(KIND_PAY, "X1", s, 2, NULL, NULL), 0);
	assert_int_equal(classify(KIND_REFUND, "RX", &r, 1, NULL, NULL), 0);
	assert_int_equal(W.nd, 3);
	/* a payment nobody booked: the channel holds money for nothing */
	want_d(0, CLASS_LONG, REASON_NO_LEDGER, 1, 1200);
	want_d(1, CLASS_LONG, REASON_NO_LEDGER, 1, 1200);
	want_c(0, ACTION_REFUND, 1, 1200);
	want_c(1, ACTION_REFUND, 1, 1200);
	assert_int_equal(W.d[0].source_line, 3);
	assert_ptr_equal(W.d[0].source_file, stmt_file);
	assert_false(W.d[0].has_ledger);
	assert_int_equal(W.d[0].ledger_status, -1);
	assert_string_equal(W.d[0].channel_txn_id, "T3");
	/* two equal rows still get two distinct keys */
	assert_string_not_equal(W.c[0].key, W.c[1].key);
	/* a refund the ledger never booked: money out, SHORT */
	want_d(2, CLASS_SHORT, REASON_NO_LEDGER, 1, -500);
	want_c(2, ACTION_INVESTIGATE, 1, -500);
	assert_string_equal(W.d[2].refund_code, "RX");
	assert_string_equal(W.d[2].order_code, "O-RX");
	assert_int_equal(tally_count(&C.tally, TALLY_LONG), 2);
	assert_int_equal(tally_amount(TALLY_LONG, "CNY"), 2400);
	assert_int_equal(tally_amount(TALLY_SHORT, "CNY"), -500);
	assert_int_equal(tally_count(&C.tally, TALLY_MATCHED), 0);
}

static void test_duplicates(void **state)
{
	struct record l = item(KIND_PAY, "D1", 1000, "CNY", STATUS_SUCCESS, FROM + 10);
	/* sorted by time then line as the sorter delivers them; the surplus
	 * rows are duplicates whatever else differs about them */
	struct record s[3] = {
		row(KIND_PAY, "D1", 1000, "CNY", FROM + 20, 9),
		row(KIND_PAY, "D1", 1000, "CNY", FROM + 30, 2),
		row(KIND_PAY, "D1", 700, "USD", FROM + 30, 5),
	};

	(void)state;
	assert_int_equal(classify(KIND_PAY, "D1", s, 3, &l, NULL), 0);
	assert_int_equal(W.nd, 2);
	want_d(0, CLASS_LONG, REASON_DUPLICATE, 1, 1000);
	want_d(1, CLASS_LONG, REASON_DUPLICATE, 1, 700);
	assert_int_equal(W.d[0].source_line, 2);
	assert_int_equal(W.d[1].source_line, 5);
	assert_string_equal(W.d[1].currency, "USD");
	assert_int_equal(W.d[0].ordinal, 1);
	assert_int_equal(W.d[1].ordinal, 2);
	want_c(0, ACTION_REFUND, 1, 1000);
	want_c(1, ACTION_REFUND, 1, 700);
	assert_int_equal(tally_count(&C.tally, TALLY_MATCHED), 1);
	assert_int_equal(tally_count(&C.tally, TALLY_STATEMENT), 3);
}

static void test_precedence(void **state)
{
	/* unpaid, other currency, other amount: CURRENCY wins */
	struct record l1 = item(KIND_PAY, "C1", 900, "USD", STATUS_PENDING, -1);
	struct record s1 = row(KIND_PAY, "C1", 1000, "CNY", FROM + 1, 1);
	/* unpaid, other amount: MISSING wins over AMOUNT */
	struct record l2 = item(KIND_PAY, "M2", 900, "CNY", STATUS_CLOSED, -1);
	struct record s2 = row(KIND_PAY, "M2", 1000, "CNY", FROM + 1, 2);
	/* unpaid, same amount: MISSING, mark it paid */
	struct record l3 = item(KIND_PAY, "M3", 3000, "CNY", STATUS_PENDING, -1);
	struct record s3 = row(KIND_PAY, "M3", 3000, "CNY", FROM + 1, 3);

	(void)state;
	W.ledger[0] = l1;
	W.ledger[1] = l2;
	W.ledger[2] = l3;
	W.nledger = 3;
	assert_int_equal(classify(KIND_PAY, "C1", &s1, 1, NULL, NULL), 0);
	assert_int_equal(classify(KIND_PAY, "M2", &s2, 1, NULL, NULL), 0);
	assert_int_equal(classify(KIND_PAY, "M3", &s3, 1, NULL, NULL), 0);
	assert_int_equal(W.nd, 3);
	want_d(0, CLASS_CURRENCY, REASON_CURRENCY, 0, 0);
	assert_string_equal(W.d[0].currency, "CNY");
	assert_string_equal(W.d[0].ledger_currency, "USD");
	assert_int_equal(W.d[0].ledger_amount, 900);
	want_c(0, ACTION_INVESTIGATE, 0, 0);
	/* the ledger counts nothing received: the difference is the whole row */
	want_d(1, CLASS_MISSING, REASON_STATUS, 1, 1000);
	assert_int_equal(W.d[1].ledger_status, STATUS_CLOSED);
	assert_int_equal(W.d[1].statement_status, STATUS_SUCCESS);
	want_c(1, ACTION_INVESTIGATE, 1, 1000);
	want_d(2, CLASS_MISSING, REASON_STATUS, 1, 3000);
	want_c(2, ACTION_MARK_PAID, 1, 3000);
	assert_int_equal(tally_count(&C.tally, TALLY_CURRENCY), 1);
	assert_int_equal(tally_amount(TALLY_MISSING, "CNY"), 4000);
	/* an unpaid item is never expected: found by lookup, not in suspense */
	assert_int_equal(W.np, 0);
	assert_int_equal(W.nremembered, 0);
}

static void test_amounts(void **state)
{
	struct record l1 = item(KIND_PAY, "P1", 1000, "CNY", STATUS_SUCCESS, FROM + 1);
	struct record s1 = row(KIND_PAY, "P1", 1250, "CNY", FROM + 1, 1);
	struct record l2 = item(KIND_PAY, "P2", 1000, "CNY", STATUS_SUCCESS, FROM + 1);
	struct record s2 = row(KIND_PAY, "P2", 995, "CNY", FROM + 1, 2);
	/* refunds in the cash view: the channel paid back 4.00 of 5.00 */
	struct record l3 = item(KIND_REFUND, "R3", -500, "CNY", STATUS_SUCCESS, FROM + 1);
	struct record s3 = row(KIND_REFUND, "R3", -400, "CNY", FROM + 1, 3);

	(void)state;
	assert_int_equal(classify(KIND_PAY, "P1", &s1, 1, &l1, NULL), 0);
	assert_int_equal(classify(KIND_PAY, "P2", &s2, 1, &l2, NULL), 0);
	assert_int_equal(classify(KIND_REFUND, "R3", &s3, 1, &l3, NULL), 0);
	assert_int_equal(W.nd, 3);
	want_d(0, CLASS_LONG, REASON_AMOUNT, 1, 250);
	want_c(0, ACTION_ADJUST, 1, 250);
	want_d(1, CLASS_SHORT, REASON_AMOUNT, 1, -5);
	want_c(1, ACTION_ADJUST, 1, -5);
	want_d(2, CLASS_LONG, REASON_AMOUNT, 1, 100);
	assert_int_equal(W.d[2].ledger_amount, -500);
	assert_int_equal(W.d[2].statement_amount, -400);
	assert_int_equal(tally_amount(TALLY_LONG, "CNY"), 350);
	assert_int_equal(tally_amount(TALLY_SHORT, "CNY"), -5);
	assert_int_equal(tally_amount(TALLY_LEDGER, "CNY"), 1500);
}

static void test_suspense_new(void **state)
{
	struct record l = item(KIND_PAY, "S1", 800, "CNY", STATUS_SUCCESS, TO - 2);
	struct record u = item(KIND_PAY, "S2", 800, "CNY", STATUS_PENDING, -1);

	(void)state;
	C.grace_days = 2;
	assert_int_equal(classify(KIND_PAY, "S1", NULL, 0, &l, NULL), 0);
	assert_int_equal(classify(KIND_PAY, "S2", NULL, 0, &u, NULL), 0);
	assert_int_equal(W.nd, 0);
	assert_int_equal(W.np, 1);
	assert_string_equal(W.p[0].key, "S1");
	assert_int_equal(W.p[0].kind, KIND_PAY);
	assert_int_equal(W.p[0].paid_day, DAY);
	assert_int_equal(W.p[0].expires_day, DAY + 2);
	assert_int_equal(tally_count(&C.tally, TALLY_PENDING), 1);
	assert_int_equal(tally_amount(TALLY_PENDING, "CNY"), 800);
	assert_int_equal(tally_count(&C.tally, TALLY_LEDGER), 1);
}

static void test_no_statement_grace0(void **state)
{
	struct record l = item(KIND_PAY, "N1", 800, "CNY", STATUS_SUCCESS, FROM + 3);
	struct record r = item(KIND_REFUND, "NR", -300, "CNY", STATUS_SUCCESS, FROM + 3);

	(void)state;
	C.grace_days = 0;
	assert_int_equal(classify(KIND_PAY, "N1", NULL, 0, &l, NULL), 0);
	assert_int_equal(classify(KIND_REFUND, "NR", NULL, 0, &r, NULL), 0);
	assert_int_equal(W.np, 0);
	assert_int_equal(W.nd, 2);
	want_d(0, CLASS_SHORT, REASON_NO_STATEMENT, 1, -800);
	assert_null(W.d[0].source_file);
	assert_false(W.d[0].has_statement);
	assert_int_equal(W.d[0].statement_status, -1);
	assert_int_equal(W.d[0].ledger_status, STATUS_SUCCESS);
	assert_int_equal(W.d[0].ledger_amount, 800);
	want_c(0, ACTION_INVESTIGATE, 1, -800);
	/* a refund the channel never made: the merchant still has the money */
	want_d(1, CLASS_LONG, REASON_NO_STATEMENT, 1, 300);
	want_c(1, ACTION_INVESTIGATE, 1, 300);
	assert_string_equal(W.d[1].refund_code, "NR");
}

static struct pending_item pend(int kind, const char *key, int64_t paid, int64_t expires)
{
	struct pending_item p;

	memset(&p, 0, sizeof(p));
	p.kind = kind;
	snprintf(p.key, sizeof(p.key), "%s", key);
	p.paid_day = paid;
	p.expires_day = expires;
	return p;
}

static void test_suspense_carried(void **state)
{
	struct pending_item due = pend(KIND_PAY, "E1", DAY - 1, DAY);
	struct pending_item overdue = pend(KIND_REFUND, "E2", DAY - 3, DAY - 1);
	struct pending_item later = pend(KIND_PAY, "E3", DAY - 1, DAY + 1);
	struct pending_item found = pend(KIND_PAY, "E4", DAY - 1, DAY);
	struct pending_item gone = pend(KIND_PAY, "E5", DAY - 1, DAY);
	struct pending_item closed = pend(KIND_PAY, "E6", DAY - 1, DAY);
	struct record s4 = row(KIND_PAY, "E4", 400, "CNY", FROM + 60, 1);

	(void)state;
	W.ledger[0] = item(KIND_PAY, "E1", 100, "CNY", STATUS_SUCCESS, FROM - 5);
	W.ledger[1] = item(KIND_REFUND, "E2", -200, "CNY", STATUS_SUCCESS, FROM - 86400 * 2);
	W.ledger[2] = item(KIND_PAY, "E3", 300, "CNY", STATUS_SUCCESS, FROM - 5);
	W.ledger[3] = item(KIND_PAY, "E4", 400, "CNY", STATUS_SUCCESS, FROM - 5);
	W.ledger[4] = item(KIND_PAY, "E6", 600, "CNY", STATUS_CLOSED, FROM - 5);
	W.nledger = 5;
	W.due_day_ran = 1;
	assert_int_equal(classify(KIND_PAY, "E1", NULL, 0, NULL, &due), 0);
	assert_int_equal(classify(KIND_REFUND, "E2", NULL, 0, NULL, &overdue), 0);
	assert_int_equal(classify(KIND_PAY, "E3", NULL, 0, NULL, &later), 0);
	assert_int_equal(classify(KIND_PAY, "E4", &s4, 1, NULL, &found), 0);
	assert_int_equal(classify(KIND_PAY, "E5", NULL, 0, NULL, &gone), 0);
	assert_int_equal(classify(KIND_PAY, "E6", NULL, 0, NULL, &closed), 0);
	/* expired today, and expired on a skipped day */
	assert_int_equal(W.nd, 2);
	want_d(0, CLASS_SHORT, REASON_NO_STATEMENT, 1, -100);
	want_d(1, CLASS_LONG, REASON_NO_STATEMENT, 1, 200);
	/* still inside its grace: carried with its own dates */
	assert_int_equal(W.np, 1);
	assert_string_equal(W.p[0].key, "E3");
	assert_int_equal(W.p[0].paid_day, DAY - 1);
	assert_int_equal(W.p[0].expires_day, DAY + 1);
	/* a late row for a suspense item is a match, not LONG */
	assert_int_equal(tally_count(&C.tally, TALLY_MATCHED), 1);
	assert_int_equal(W.nremembered, 0);
	/* suspense items are not due today: not in the ledger tally */
	assert_int_equal(tally_count(&C.tally, TALLY_LEDGER), 0);
}

/* A row for an item paid on an earlier day that is not in suspense. */
static void test_earlier_day(void **state)
{
	struct record s = row(KIND_PAY, "B1", 500, "CNY", FROM + 1, 1);
	struct record s2[2] = {
		row(KIND_PAY, "B1", 500, "CNY", FROM + 1, 1),
		row(KIND_PAY, "B1", 500, "CNY", FROM + 2, 2),
	};

	(void)state;
	W.ledger[0] = item(KIND_PAY, "B1", 500, "CNY", STATUS_SUCCESS, FROM - 100);
	W.nledger = 1;

	/* its due day ran (matched or held it): a second settlement */
	W.due_day_ran = 1;
	assert_int_equal(classify(KIND_PAY, "B1", &s, 1, NULL, NULL), 0);
	assert_int_equal(W.nd, 1);
	want_d(0, CLASS_LONG, REASON_DUPLICATE, 1, 500);
	assert_int_equal(W.d[0].ledger_amount, 500);
	assert_int_equal(W.nremembered, 0);

	/* ... unless that run reported it NO_STATEMENT: a late settlement */
	W.nd = 0;
	strcpy(W.nostmt_keys[W.nnostmt++], "B1");
	assert_int_equal(classify(KIND_PAY, "B1", s2, 2, NULL, NULL), 0);
	assert_int_equal(W.nd, 1);
	want_d(0, CLASS_LONG, REASON_DUPLICATE, 1, 500);    /* the second row only */
	assert_int_equal(W.d[0].source_line, 2);
	assert_int_equal(W.nremembered, 1);
	assert_string_equal(W.remembered[0], "B1");

	/* ... and once settled, any further row is a duplicate */
	W.nd = 0;
	strcpy(W.settled_keys[W.nsettled++], "B1");
	assert_int_equal(classify(KIND_PAY, "B1", &s, 1, NULL, NULL), 0);
	assert_int_equal(W.nd, 1);
	want_d(0, CLASS_LONG, REASON_DUPLICATE, 1, 500);
	assert_int_equal(W.nremembered, 1);
}

/* Its due day was never reconciled: nothing settled it yet. */
static void test_earlier_day_never_run(void **state)
{
	struct record s = row(KIND_PAY, "B2", 500, "CNY", FROM + 1, 1);

	(void)state;
	W.ledger[0] = item(KIND_PAY, "B2", 500, "CNY", STATUS_SUCCESS, FROM - 100);
	W.nledger = 1;
	W.due_day_ran = 0;
	assert_int_equal(classify(KIND_PAY, "B2", &s, 1, NULL, NULL), 0);
	assert_int_equal(W.nd, 0);
	assert_int_equal(tally_count(&C.tally, TALLY_MATCHED), 1);
	assert_int_equal(W.nremembered, 1);
	assert_int_equal(W.remembered_paid[0], FROM - 100);
}

/* Settled before its due day; its due day then expects nothing. */
static void test_settled_early(void **state)
{
	struct record s = row(KIND_PAY, "F1", 700, "CNY", FROM + 1, 1);
	struct record l = item(KIND_PAY, "F1", 700, "CNY", STATUS_SUCCESS, TO + 3600);

	(void)state;
	W.ledger[0] = l;
	W.nledger = 1;
	assert_int_equal(classify(KIND_PAY, "F1", &s, 1, NULL, NULL), 0);
	assert_int_equal(W.nd, 0);
	assert_int_equal(tally_count(&C.tally, TALLY_MATCHED), 1);
	assert_int_equal(W.nremembered, 1);
	assert_int_equal(W.remembered_paid[0], TO + 3600);

	/* the next day: F1 is in L, settled before */
	C.day++;
	C.win_from += 86400;
	C.win_to += 86400;
	strcpy(W.settled_keys[W.nsettled++], "F1");
	assert_int_equal(classify(KIND_PAY, "F1", NULL, 0, &l, NULL), 0);
	assert_int_equal(W.np, 0);
	assert_int_equal(W.nd, 0);
	/* nor is it part of what today's statement should show */
	assert_int_equal(tally_count(&C.tally, TALLY_LEDGER), 0);
	/* and showing it again is a duplicate */
	assert_int_equal(classify(KIND_PAY, "F1", &s, 1, &l, NULL), 0);
	assert_int_equal(W.nd, 1);
	want_d(0, CLASS_LONG, REASON_DUPLICATE, 1, 700);
}

static void test_correction_keys(void **state)
{
	struct discrepancy d;
	struct correction c, c2;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.cls = CLASS_LONG;
	d.reason = REASON_DUPLICATE;
	strcpy(d.order_code, "A1");
	strcpy(d.currency, "CNY");
	d.has_statement = 1;
	d.statement_amount = 1200;
	d.has_difference = 1;
	d.difference = 1200;
	d.ordinal = 1;
	/* sha256("alipay\x1fLONG\x1fA1\x1f\x1fREFUND\x1f12.00"), first 32 digits */
	correction_for("alipay", &d, &c);
	assert_string_equal(c.key, "7b296ba90aa9243a07951179a0d771b9");
	correction_for("alipay", &d, &c2);
	assert_string_equal(c.key, c2.key);
	d.ordinal = 2;
	correction_for("alipay", &d, &c);
	assert_string_equal(c.key, "40b1574185a0be884694c6bab7f2b987");

	memset(&d, 0, sizeof(d));
	d.cls = CLASS_MISSING;
	d.reason = REASON_STATUS;
	strcpy(d.order_code, "M1");
	strcpy(d.currency, "CNY");
	d.has_ledger = d.has_statement = d.has_difference = 1;
	d.ledger_amount = d.statement_amount = d.difference = 3000;
	correction_for("alipay", &d, &c);
	assert_string_equal(action_name(c.action), "MARK_PAID");
	assert_string_equal(c.key, "9fd654f36ce9432076fd5b387939aef4");

	memset(&d, 0, sizeof(d));
	d.cls = CLASS_CURRENCY;
	d.reason = REASON_CURRENCY;
	strcpy(d.order_code, "C1");
	strcpy(d.currency, "CNY");
	correction_for("alipay", &d, &c);
	assert_false(c.has_amount);
	assert_string_equal(c.key, "998fefe9531e3c394b483e3165ec049b");
}

static void test_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < CLASS__COUNT; i++)
		assert_int_equal(class_parse(class_name(i)), i);
	for (i = 0; i < REASON__COUNT; i++)
		assert_int_equal(reason_parse(reason_name(i)), i);
	for (i = 0; i < TALLY__COUNT; i++)
		assert_int_equal(tally_parse(tally_name(i)), i);
	assert_int_equal(class_parse("long"), -1);
	assert_string_equal(action_name(ACTION_MARK_PAID), "MARK_PAID");
}

static void test_tally_overflow(void **state)
{
	struct tally t = { .cells = NULL };

	(void)state;
	assert_int_equal(tally_add(&t, TALLY_LONG, "CNY", INT64_MAX), 0);
	assert_int_equal(tally_add(&t, TALLY_LONG, "CNY", 1), -1);
	assert_int_equal(tally_add(&t, TALLY_LONG, "USD", 1), 0);
	assert_int_equal(tally_get(&t, TALLY_LONG, "CNY")->count, 1);
	assert_int_equal(tally_count(&t, TALLY_LONG), 2);
	tally_release(&t);
}

static void test_amount_text(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(amount_text(-93, "CNY", buf), "-0.93");
	assert_string_equal(amount_text(1200, "JPY", buf), "1200");
	assert_string_equal(amount_text(1200, "KWD", buf), "1.200");
}

/* The window of a DST day in Los Angeles is 23 or 25 hours long. */
static void test_window_dst(void **state)
{
	const char *why = NULL;
	const struct tz *la = tz_get("America/Los_Angeles", &why);
	const struct tz *cn = tz_get("+08:00", &why);
	int64_t from, to, d;

	(void)state;
	assert_non_null(la);
	d = days_from_civil(2026, 3, 8);           /* spring forward */
	day_window(la, d, 0, &from, &to);
	assert_int_equal(from, d * 86400 + 8 * 3600);
	assert_int_equal(to - from, 23 * 3600);
	d = days_from_civil(2026, 11, 1);          /* fall back */
	day_window(la, d, 0, &from, &to);
	assert_int_equal(from, d * 86400 + 7 * 3600);
	assert_int_equal(to - from, 25 * 3600);
	/* 01:30 happens twice that night; both belong to the day */
	assert_int_equal(due_day(la, 0, d * 86400 + 8 * 3600 + 1800), d);
	assert_int_equal(due_day(la, 0, d * 86400 + 9 * 3600 + 1800), d);
	assert_int_equal(due_day(la, 0, to - 1), d);
	assert_int_equal(due_day(la, 0, to), d + 1);
	/* cut-off 23:00 in +08:00: day D runs 23:00 D-1 to 23:00 D */
	d = days_from_civil(2026, 11, 21);
	day_window(cn, d, 23 * 60, &from, &to);
	assert_int_equal(from, d * 86400 + 15 * 3600 - 86400);
	assert_int_equal(to - from, 86400);
	assert_int_equal(due_day(cn, 23 * 60, from), d);
	assert_int_equal(due_day(cn, 23 * 60, from - 1), d - 1);
	assert_int_equal(due_day(cn, 0, d * 86400 - 8 * 3600), d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_matched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_ledger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suspense_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_statement_grace0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suspense_carried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_earlier_day, setup, teardown),
		cmocka_unit_test_setup_teardown(test_earlier_day_never_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settled_early, setup, teardown),
		cmocka_unit_test(test_correction_keys),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tally_overflow),
		cmocka_unit_test(test_amount_text),
		cmocka_unit_test(test_window_dst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
