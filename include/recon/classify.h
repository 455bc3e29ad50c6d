#ifndef RECON_CLASSIFY_H
#define RECON_CLASSIFY_H
/*
 * Classification of one channel's day (design.md, "Classification"): each
 * join group (the statement rows of one key, the ledger item due that day,
 * the suspense item carried over) becomes matches, discrepancies with their
 * correction orders, suspense items for the next run, and tallies.
 *
 * The module does no I/O: lookups in the ledger and in earlier runs, and
 * what happens to results, go through struct classify_env, so the rules are
 * unit-tested on synthetic records.
 */
#include <stddef.h>
#include <stdint.h>
#include "recon/join.h"
#include "recon/record.h"

enum recon_class { CLASS_LONG, CLASS_SHORT, CLASS_MISSING, CLASS_CURRENCY, CLASS_FEE, CLASS__COUNT };
enum recon_reason {
	REASON_NO_LEDGER, REASON_DUPLICATE, REASON_CURRENCY, REASON_STATUS,
	REASON_AMOUNT, REASON_NO_STATEMENT, REASON_FEE,
	REASON_REVERSAL,     /* a reversal that cancels nothing (rules, recon-rules.5) */
	REASON__COUNT
};
/* ACTION_IGNORE comes only from the rules: the discrepancy is written off
 * (counted as ignored), never recorded nor ordered. */
enum recon_action {
	ACTION_MARK_PAID, ACTION_REFUND, ACTION_ADJUST, ACTION_INVESTIGATE, ACTION_IGNORE,
	ACTION__COUNT
};

/* Names as written in files and the database ("LONG", "NO_LEDGER",
 * "MARK_PAID"), and back (exact, upper case; -1 when unknown). */
const char *class_name(int c);
const char *reason_name(int r);
const char *action_name(int a);
int class_parse(const char *s);
int reason_parse(const char *s);
int action_parse(const char *s);

struct discrepancy {
	int cls, reason;
	int kind;                          /* KIND_PAY or KIND_REFUND */
	char order_code[REC_CODE_MAX + 1];
	char refund_code[REC_CODE_MAX + 1];
	char channel_txn_id[REC_CODE_MAX + 1];
	int has_ledger;                    /* a ledger item takes part */
	int64_t ledger_amount;
	char ledger_currency[4];
	int ledger_status;                 /* enum rec_status, or -1 */
	int has_statement;                 /* a statement row takes part */
	int64_t statement_amount;
	int statement_status;              /* enum rec_status, or -1 */
	int has_difference;                /* 0 for CURRENCY: no sum across currencies */
	int64_t difference;                /* statement - ledger, cash view: > 0 LONG */
	char currency[4];                  /* the statement's; the ledger's for NO_STATEMENT */
	const char *source_file;           /* statement row's file; NULL: "ledger" */
	int64_t source_line;
	int ordinal;                       /* 1, 2, ... among the group's discrepancies of
					    * this class and reason */
	int64_t since;                     /* the earliest time known of the item (ledger
					    * created or paid, statement row), UTC, or
					    * REC_NO_TIME: for the rules' age; not stored */
};

#define CORRECTION_KEYLEN 32           /* hex digits of the idempotency key */

struct correction {
	int action;
	int has_amount;
	int64_t amount;
	char currency[4];
	char key[CORRECTION_KEYLEN + 1];
};

/*
 * The correction order for d in channel: MISSING -> MARK_PAID (statement
 * amount) when both sides agree on the amount, else INVESTIGATE;
 * LONG/NO_LEDGER and LONG/DUPLICATE -> REFUND (the row's amount); AMOUNT ->
 * ADJUST (the difference); every other -> INVESTIGATE (the difference).
 * The key is the first 32 hex digits of SHA-256 over channel, class,
 * order_code, refund_code, action and the amount text as written in
 * corrections.csv, joined by 0x1f, plus the ordinal when it is 2 or more.
 */
void correction_for(const char *channel, const struct discrepancy *d, struct correction *c);
/* design.md's action for d, as correction_for() chooses it. */
int correction_default_action(const struct discrepancy *d);
/* The correction order for d with the given action (not ACTION_IGNORE):
 * MARK_PAID orders the statement's amount (the difference when there is no
 * statement row), every other action the difference (none for CURRENCY);
 * the key as correction_for() makes it. */
void correction_make(const char *channel, const struct discrepancy *d, int action,
		     struct correction *c);

/* v minor units of currency as exact decimal text (money_format with the
 * currency's exponent; an unknown currency prints minor units). buf has
 * MONEY_BUFSZ bytes. */
const char *amount_text(int64_t v, const char *currency, char *buf);

/* Running counts and sums, per item and currency. */
enum tally_item {
	TALLY_STATEMENT,     /* statement rows reconciled (SUCCESS PAY/REFUND): amounts */
	TALLY_LEDGER,        /* paid ledger items due that day, unless an earlier
	                      * statement settled them: amounts */
	TALLY_MATCHED,       /* statement rows matched: amounts */
	TALLY_LONG, TALLY_SHORT, TALLY_MISSING, TALLY_CURRENCY, TALLY_FEE,  /* differences */
	TALLY_PENDING,       /* suspense items left after the run: ledger amounts */
	TALLY_OTHER,         /* statement rows not reconciled (other kinds, statuses) */
	/* Figures only rules produce (recon-rules.5); absent under the defaults. */
	TALLY_REVERSED,      /* reversed pairs: the original rows' amounts */
	TALLY_EXCLUDED,      /* statement rows an [exclude] pattern left out: amounts */
	TALLY_WAITING,       /* statement rows left waiting for the ledger: amounts */
	TALLY_TOLERATED,     /* rows matched within amount-tolerance: differences */
	TALLY_IGNORED,       /* discrepancies the rules IGNORE: differences */
	TALLY_FEES,          /* the fee column of rows a fee model covers: fees */
	TALLY_FEES_EXPECTED, /* what the fee model expects for the same rows */
	TALLY__COUNT
};
/* "statement", "ledger", "matched", "LONG", ..., "pending", "other",
 * "reversed", ..., "fees_expected"; back: -1 unknown. */
const char *tally_name(int item);
int tally_parse(const char *s);

struct tally_cell {
	int item;
	char currency[4];
	uint64_t count;
	int64_t amount;
};

struct tally {
	struct tally_cell *cells;      /* in order of first use */
	size_t n, alloc;
	size_t last;                   /* the cell found last */
};

/* Count one more of item in currency and add amount. Returns 0, or -1 when
 * the sum would overflow (nothing added; the caller reports). */
int tally_add(struct tally *t, int item, const char *currency, int64_t amount);
/* Add from's counts and sums to t's (new cells after t's, in from's order).
 * Returns 0, or -1 when a sum would overflow (that cell not added). */
int tally_merge(struct tally *t, const struct tally *from);
/* The cell of (item, currency), or NULL. */
const struct tally_cell *tally_get(const struct tally *t, int item, const char *currency);
/* Total count of item over all currencies. */
uint64_t tally_count(const struct tally *t, int item);
void tally_release(struct tally *t);

/* Lookups and sinks. Every function returns 0 (or 1/0 for the questions)
 * and -1 after reporting an error, which stops the classification. */
struct classify_env {
	void *ctx;
	/* The ledger item (channel, kind, key), whatever its day: 1 found. */
	int (*lookup)(void *ctx, int kind, const char *key, struct record *r);
	/* Did a run before this day settle the item outside its own due day
	 * (early, or late without a due-day run)? paid_time is the item's. */
	int (*settled_before)(void *ctx, int kind, const char *key, int64_t paid_time);
	/* Did a run before this day report it NO_STATEMENT? */
	int (*no_statement_before)(void *ctx, int kind, const char *key);
	/* Was the channel reconciled on the day whose window holds paid_time? */
	int (*due_day_ran)(void *ctx, int64_t paid_time);

	int (*discrepancy)(void *ctx, const struct discrepancy *d, const struct correction *c);
	/* A suspense item for the next run, with its ledger item. */
	int (*pending)(void *ctx, const struct pending_item *p, const struct record *ledger);
	/* The item was settled outside its due day: remember, so that its due
	 * day does not expect it and a later row counts as a duplicate. */
	int (*settled)(void *ctx, int kind, const char *key, int64_t paid_time);
};

struct rules;
struct rules_day;

struct classifier {
	const char *channel;
	const struct rules *rules;  /* NULL: design.md's defaults (recon-rules.5) */
	struct rules_day *rday;     /* NULL: no reversals, nothing carried or waiting */
	int64_t day;                /* the statement day D, days since the epoch */
	int64_t win_from, win_to;   /* D's window, UTC seconds */
	int grace_days;
	struct classify_env env;
	struct tally tally;         /* filled by classify_group() */
};

/*
 * Classify one group (a join_fn: pass the classifier as ctx). Rules:
 * statement rows of a key go first by time then line; the first is compared
 * with the ledger item, each further row is LONG/DUPLICATE. Compare, in
 * order: currency (CURRENCY), ledger not paid (MISSING/STATUS), amount
 * (LONG/SHORT AMOUNT). No ledger item: LONG/NO_LEDGER for payments,
 * SHORT/NO_LEDGER for refunds, every row. The ledger item is found in L (due
 * today), P (suspense) or by lookup in the whole ledger: paid before the
 * window and already settled it makes every row a duplicate (unless an
 * earlier run reported it NO_STATEMENT, or its due day never ran); paid
 * after the window it is matched and remembered as settled early.
 * A paid L item without rows goes to suspense for grace_days (or is
 * NO_STATEMENT at once with 0); a P item without rows is NO_STATEMENT once
 * expires_day <= D, else carried on. Unpaid ledger items are never expected.
 *
 * With rules (recon-rules.5) on top: the rows are those rules_day_group()
 * gives (rows carried from earlier statements first, reversed pairs left
 * out; unpaired reversals are LONG/SHORT REVERSAL by their sign); ledger
 * items an [exclude] pattern matches are not there; rows with no paid
 * ledger item wait (statement-wait-days) until the oldest one's wait ends;
 * an amount difference within amount-tolerance is a match (tolerated); a
 * matched row's fee is checked against the fee model (FEE); and [action]
 * sections choose each correction, IGNORE writing the discrepancy off.
 * Returns 0, or -1 after reporting.
 */
int classify_group(const struct join_group *g, void *classifier);

#endif
