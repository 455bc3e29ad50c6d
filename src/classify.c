/*
 * classify.c: the reconciliation rules of design.md ("Classification") over
 * one join group at a time, the correction orders, and the tallies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recon/classify.h"
#include "recon/diag.h"
#include "recon/money.h"
#include "recon/rules.h"
#include "recon/sha256.h"
#include "recon/strbuf.h"
#include "recon/util.h"

static const char *const class_names[CLASS__COUNT] = {
	"LONG", "SHORT", "MISSING", "CURRENCY", "FEE"
};
static const char *const reason_names[REASON__COUNT] = {
	"NO_LEDGER", "DUPLICATE", "CURRENCY", "STATUS", "AMOUNT", "NO_STATEMENT", "FEE",
	"REVERSAL"
};
static const char *const action_names[ACTION__COUNT] = {
	"MARK_PAID", "REFUND", "ADJUST", "INVESTIGATE", "IGNORE"
};
static const char *const tally_names[TALLY__COUNT] = {
	"statement", "ledger", "matched", "LONG", "SHORT", "MISSING", "CURRENCY", "FEE",
	"pending", "other", "reversed", "excluded", "waiting", "tolerated", "ignored",
	"fees", "fees_expected"
};

const char *class_name(int c)
{
	return c >= 0 && c < CLASS__COUNT ? class_names[c] : "?";
}

const char *reason_name(int r)
{
	return r >= 0 && r < REASON__COUNT ? reason_names[r] : "?";
}

const char *action_name(int a)
{
	return a >= 0 && a < ACTION__COUNT ? action_names[a] : "?";
}

const char *tally_name(int item)
{
	return item >= 0 && item < TALLY__COUNT ? tally_names[item] : "?";
}

static int find_name(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

int class_parse(const char *s)
{
	return find_name(class_names, CLASS__COUNT, s);
}

int reason_parse(const char *s)
{
	return find_name(reason_names, REASON__COUNT, s);
}

int action_parse(const char *s)
{
	return find_name(action_names, ACTION__COUNT, s);
}

int tally_parse(const char *s)
{
	return find_name(tally_names, TALLY__COUNT, s);
}

const char *amount_text(int64_t v, const char *currency, char *buf)
{
	int e = currency_exponent(currency);

	money_format(v, e < 0 ? 0 : e, buf);
	return buf;
}

int correction_default_action(const struct discrepancy *d)
{
	if (d->cls == CLASS_MISSING)
		return d->has_ledger && d->ledger_amount == d->statement_amount ?
			ACTION_MARK_PAID : ACTION_INVESTIGATE;
	if (d->cls == CLASS_LONG && (d->reason == REASON_NO_LEDGER || d->reason == REASON_DUPLICATE))
		return ACTION_REFUND;
	if (d->reason == REASON_AMOUNT)
		return ACTION_ADJUST;
	return ACTION_INVESTIGATE;
}

void correction_for(const char *channel, const struct discrepancy *d, struct correction *c)
{
	correction_make(channel, d, correction_default_action(d), c);
}

void correction_make(const char *channel, const struct discrepancy *d, int action,
		     struct correction *c)
{
	struct strbuf sb = STRBUF_INIT;
	char amt[MONEY_BUFSZ], hex[SHA256_HEXLEN + 1];

	memset(c, 0, sizeof(*c));
	memcpy(c->currency, d->currency, sizeof(c->currency));
	c->action = action;
	/* For the design's pairs the two agree: a row with no ledger item or
	 * a surplus row has its own amount as the difference, and MISSING's
	 * difference is the statement's amount. */
	c->has_amount = d->has_difference;
	c->amount = d->difference;
	if (action == ACTION_MARK_PAID && d->has_statement) {
		c->has_amount = 1;
		c->amount = d->statement_amount;
	}

	sb_adds(&sb, channel);
	sb_addc(&sb, 0x1f);
	sb_adds(&sb, class_name(d->cls));
	sb_addc(&sb, 0x1f);
	sb_adds(&sb, d->order_code);
	sb_addc(&sb, 0x1f);
	sb_adds(&sb, d->refund_code);
	sb_addc(&sb, 0x1f);
	sb_adds(&sb, action_name(c->action));
	sb_addc(&sb, 0x1f);
	if (c->has_amount)
		sb_adds(&sb, amount_text(c->amount, c->currency, amt));
	if (d->ordinal >= 2)
		sb_addf(&sb, "\x1f%d", d->ordinal);
	sha256_hex_of(sb.buf, sb.len, hex);
	memcpy(c->key, hex, CORRECTION_KEYLEN);
	c->key[CORRECTION_KEYLEN] = '\0';
	sb_release(&sb);
}

/* A cell's currency is currency: at most three letters, so no strcmp call */
static int same_currency(const char *cell, const char *currency)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (cell[i] != currency[i])
			return 0;
		if (!cell[i])
			return 1;
	}
	return 1;
}

/* The index of (item, currency) in t, or t->n when there is none. Rows
 * come in runs of one item and currency: the cell found last is tried
 * first. */
static size_t find(const struct tally *t, int item, const char *currency)
{
	size_t i;

	if (t->last < t->n && t->cells[t->last].item == item &&
	    same_currency(t->cells[t->last].currency, currency))
		return t->last;
	for (i = 0; i < t->n; i++)
		if (t->cells[i].item == item && same_currency(t->cells[i].currency, currency))
			break;
	return i;
}

/* Add count rows of amount in all to (item, currency), a new cell if need
 * be. 0, or -1 when the sum would overflow (nothing added). */
static int add_to(struct tally *t, int item, const char *currency, uint64_t count,
		  int64_t amount)
{
	struct tally_cell *c;
	size_t i = find(t, item, currency);
	int64_t sum;

	if (i == t->n) {
		t->cells = xgrow(t->cells, &t->alloc, t->n + 1, sizeof(*t->cells));
		c = &t->cells[t->n++];
		memset(c, 0, sizeof(*c));
		c->item = item;
		snprintf(c->currency, sizeof(c->currency), "%s", currency);
	}
	t->last = i;
	c = &t->cells[i];
	if (__builtin_add_overflow(c->amount, amount, &sum))
		return -1;
	c->amount = sum;
	c->count += count;
	return 0;
}

int tally_add(struct tally *t, int item, const char *currency, int64_t amount)
{
	return add_to(t, item, currency, 1, amount);
}

int tally_merge(struct tally *t, const struct tally *from)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < from->n; i++) {
		const struct tally_cell *f = &from->cells[i];

		if (add_to(t, f->item, f->currency, f->count, f->amount) < 0)
			rc = -1;
	}
	return rc;
}

const struct tally_cell *tally_get(const struct tally *t, int item, const char *currency)
{
	size_t i = find(t, item, currency);

	return i < t->n ? &t->cells[i] : NULL;
}

uint64_t tally_count(const struct tally *t, int item)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->cells[i].item == item)
			n += t->cells[i].count;
	return n;
}

void tally_release(struct tally *t)
{
	free(t->cells);
	t->cells = NULL;
	t->n = t->alloc = 0;
}

/* ---- the rules ---- */

static int add(struct classifier *c, int item, const char *currency, int64_t amount)
{
	if (tally_add(&c->tally, item, currency, amount) == 0)
		return 0;
	error_at(RX_INTERNAL, c->channel, 0, "%s sum in %s out of range", tally_name(item), currency);
	return -1;
}

static int paid(const struct record *l)
{
	return l->status == STATUS_SUCCESS;
}

static const int class_tally[CLASS__COUNT] = {
	TALLY_LONG, TALLY_SHORT, TALLY_MISSING, TALLY_CURRENCY, TALLY_FEE
};

/* Per-group counters of (class, reason), for the ordinals. */
struct group_state {
	int count[CLASS__COUNT][REASON__COUNT];
};

/* Days from the item's first appearance to the statement day. Without the
 * day's zone (unit tests) count whole 24-hour steps back from the window. */
static int64_t age_of(const struct classifier *c, int64_t since)
{
	if (c->rday)
		return rules_day_age(c->rday, since);
	if (since == REC_NO_TIME || since >= c->win_from)
		return 0;
	return (c->win_from - 1 - since) / 86400 + 1;
}

static int emit(struct classifier *c, struct group_state *gs, struct discrepancy *d)
{
	struct correction corr;
	int action = -1;

	/* The ordinal counts ignored ones too: a key never depends on what
	 * the policy wrote off. */
	d->ordinal = ++gs->count[d->cls][d->reason];
	if (c->rules)
		action = rules_action(c->rules, d, age_of(c, d->since));
	if (action < 0)
		action = correction_default_action(d);
	if (action == ACTION_IGNORE) {
		if (diag_verbosity() > 0)
			info("%s: %s/%s %s %s ignored by the rules", c->channel, class_name(d->cls),
			     reason_name(d->reason), d->kind == KIND_REFUND ? "refund" : "order",
			     d->kind == KIND_REFUND ? d->refund_code : d->order_code);
		return add(c, TALLY_IGNORED, d->currency, d->has_difference ? d->difference : 0);
	}
	correction_make(c->channel, d, action, &corr);
	if (add(c, class_tally[d->cls], d->currency, d->has_difference ? d->difference : 0))
		return -1;
	return c->env.discrepancy(c->env.ctx, d, &corr);
}

static void copy_code(char *dst, const char *src, const char *fallback)
{
	snprintf(dst, REC_CODE_MAX + 1, "%s", *src || !fallback ? src : fallback);
}

static int64_t earliest(int64_t a, int64_t b)
{
	if (a == REC_NO_TIME)
		return b;
	if (b == REC_NO_TIME)
		return a;
	return a < b ? a : b;
}

/* A discrepancy about statement row s, with ledger item l (may be NULL). */
static void from_row(struct discrepancy *d, int cls, int reason, const struct record *s,
		     const struct record *l)
{
	memset(d, 0, sizeof(*d));
	d->cls = cls;
	d->reason = reason;
	d->kind = s->kind;
	copy_code(d->order_code, s->order_code, l ? l->order_code : NULL);
	copy_code(d->refund_code, s->refund_code, l ? l->refund_code : NULL);
	copy_code(d->channel_txn_id, s->channel_txn_id, l ? l->channel_txn_id : NULL);
	d->ledger_status = -1;
	d->since = s->time;
	if (l) {
		d->has_ledger = 1;
		d->ledger_amount = l->amount;
		memcpy(d->ledger_currency, l->currency, sizeof(d->ledger_currency));
		d->ledger_status = l->status;
		d->since = earliest(d->since, earliest(l->time, l->paid_time));
	}
	d->has_statement = 1;
	d->statement_amount = s->amount;
	d->statement_status = s->status;
	memcpy(d->currency, s->currency, sizeof(d->currency));
	d->source_file = s->file;
	d->source_line = s->line;
}

/* Rows with no ledger item, or surplus rows: one discrepancy each. */
static int each_row(struct classifier *c, struct group_state *gs, const struct record *rows,
		    size_t n, const struct record *l, int cls, int reason)
{
	struct discrepancy d;
	size_t i;

	for (i = 0; i < n; i++) {
		from_row(&d, cls, reason, &rows[i], l);
		d.has_difference = 1;
		d.difference = rows[i].amount;
		if (emit(c, gs, &d))
			return -1;
	}
	return 0;
}

static int64_t magnitude(int64_t v)
{
	return v < 0 ? -v : v;     /* callers never pass INT64_MIN */
}

/* The fee column of a matched row against the rules' fee model: FEE in
 * the cash view, where a fee is money out: ledger_amount is minus the
 * expected fee, statement_amount minus the charged one, and a positive
 * difference means the channel took less than expected. */
static int check_fee(struct classifier *c, struct group_state *gs, const struct record *s,
		     const struct record *l)
{
	struct discrepancy d;
	int64_t expected, base, diff;
	int rc;

	if (!c->rules || !rules_has_fee(c->rules, s->kind))
		return 0;
	base = rules_fee_base(c->rules, s->kind) == FEE_BASE_LEDGER ? l->amount : s->amount;
	rc = rules_fee_expected(c->rules, s->kind, base, s->currency, &expected);
	if (rc < 0 || s->fee == INT64_MIN || expected == INT64_MIN ||
	    __builtin_sub_overflow(expected, s->fee, &diff) || diff == INT64_MIN) {
		error_at(RX_INTERNAL, s->file, s->line, "fee: out of range");
		return -1;
	}
	if (magnitude(diff) <= rules_fee_tolerance(c->rules, s->kind, s->currency))
		return 0;
	from_row(&d, CLASS_FEE, REASON_FEE, s, l);
	d.ledger_amount = -expected;
	memcpy(d.ledger_currency, s->currency, sizeof(d.ledger_currency));
	d.statement_amount = -s->fee;
	d.has_difference = 1;
	d.difference = diff;
	return emit(c, gs, &d);
}

/* The primary row against the ledger item, in precedence order. */
static int compare(struct classifier *c, struct group_state *gs, const struct record *s,
		   const struct record *l)
{
	struct discrepancy d;
	int64_t diff;

	if (strcmp(s->currency, l->currency)) {
		from_row(&d, CLASS_CURRENCY, REASON_CURRENCY, s, l);
		return emit(c, gs, &d);
	}
	if (!paid(l)) {
		from_row(&d, CLASS_MISSING, REASON_STATUS, s, l);
		d.has_difference = 1;
		d.difference = s->amount;
		return emit(c, gs, &d);
	}
	if (s->amount != l->amount) {
		if (__builtin_sub_overflow(s->amount, l->amount, &diff)) {
			error_at(RX_INTERNAL, s->file, s->line, "difference out of range");
			return -1;
		}
		if (!c->rules || diff == INT64_MIN ||
		    magnitude(diff) > rules_tolerance(c->rules, s->currency)) {
			from_row(&d, diff > 0 ? CLASS_LONG : CLASS_SHORT, REASON_AMOUNT, s, l);
			d.has_difference = 1;
			d.difference = diff;
			return emit(c, gs, &d);
		}
		if (add(c, TALLY_TOLERATED, s->currency, diff))
			return -1;
	}
	if (add(c, TALLY_MATCHED, s->currency, s->amount))
		return -1;
	return check_fee(c, gs, s, l);
}

static int no_statement(struct classifier *c, struct group_state *gs, const struct record *l)
{
	struct discrepancy d;

	if (l->amount == INT64_MIN) {
		error_at(RX_INTERNAL, c->channel, 0, "%s: amount out of range", record_key(l));
		return -1;
	}
	memset(&d, 0, sizeof(d));
	d.cls = l->kind == KIND_REFUND ? CLASS_LONG : CLASS_SHORT;
	d.reason = REASON_NO_STATEMENT;
	d.kind = l->kind;
	copy_code(d.order_code, l->order_code, NULL);
	copy_code(d.refund_code, l->refund_code, NULL);
	copy_code(d.channel_txn_id, l->channel_txn_id, NULL);
	d.has_ledger = 1;
	d.ledger_amount = l->amount;
	memcpy(d.ledger_currency, l->currency, sizeof(d.ledger_currency));
	d.ledger_status = l->status;
	d.statement_status = -1;
	d.has_difference = 1;
	d.difference = -l->amount;
	memcpy(d.currency, l->currency, sizeof(d.currency));
	d.since = earliest(l->time, l->paid_time);
	return emit(c, gs, &d);
}

static int to_pending(struct classifier *c, const struct pending_item *p, const struct record *l)
{
	if (add(c, TALLY_PENDING, l->currency, l->amount))
		return -1;
	return c->env.pending(c->env.ctx, p, l);
}

/* The fees of the day's rows that a fee model covers, charged and
 * expected, for the report (the check itself is check_fee()). */
static int fee_totals(struct classifier *c, const struct record *rows, size_t n,
		      const struct record *item)
{
	int64_t expected, base;
	size_t i;

	for (i = 0; c->rules && i < n; i++) {
		const struct record *s = &rows[i];

		if (!rules_has_fee(c->rules, s->kind))
			continue;
		base = item && rules_fee_base(c->rules, s->kind) == FEE_BASE_LEDGER ?
			item->amount : s->amount;
		if (rules_fee_expected(c->rules, s->kind, base, s->currency, &expected) < 0) {
			error_at(RX_INTERNAL, s->file, s->line, "fee: out of range");
			return -1;
		}
		if (add(c, TALLY_FEES, s->currency, s->fee) ||
		    add(c, TALLY_FEES_EXPECTED, s->currency, expected))
			return -1;
	}
	return 0;
}

/* Reversals that cancel nothing: the money they move is a difference of
 * its own, LONG or SHORT by its sign. */
static int unpaired(struct classifier *c, struct group_state *gs, const struct join_group *g,
		    const struct rules_group *rg)
{
	struct discrepancy d;
	size_t i;

	for (i = 0; i < rg->nreversals; i++) {
		const struct record *r = &rg->reversals[i];

		from_row(&d, r->amount < 0 ? CLASS_SHORT : CLASS_LONG, REASON_REVERSAL, r, NULL);
		d.kind = g->kind;
		d.has_difference = 1;
		d.difference = r->amount;
		if (emit(c, gs, &d))
			return -1;
	}
	return 0;
}

/* Where the group's ledger item came from, and what that means. */
enum origin {
	FROM_NONE,       /* no ledger item */
	FROM_L,          /* due today */
	FROM_P,          /* suspense */
	FROM_LOOKUP      /* elsewhere in the ledger */
};

static int excluded(const struct classifier *c, const struct record *l)
{
	return c->rules && rules_excluded(c->rules, l, RULES_LEDGER, NULL);
}

/* The rows wait for the ledger (statement-wait-days): 1 when they do. */
static int wait_for_ledger(struct classifier *c, const struct rules_group *rg)
{
	int days = c->rday ? rules_wait_days(c->rules) : 0;
	size_t i;

	if (days <= 0)
		return 0;
	/* The group waits as long as its oldest row may. */
	if (rg->ncarried && rg->expires[0] <= c->day)
		return 0;
	for (i = 0; i < rg->nrows; i++) {
		const struct record *r = &rg->rows[i];

		rules_day_wait(c->rday, r, i < rg->ncarried ? rg->expires[i] : c->day + days);
		if (add(c, TALLY_WAITING, r->currency, r->amount))
			return -1;
	}
	return 1;
}

/* The group's statement rows (rg) against its ledger item. */
static int settle(struct classifier *c, struct group_state *gs, const struct join_group *g,
		  const struct rules_group *rg)
{
	struct record found;
	const struct record *item = NULL, *rows = rg->rows;
	size_t nrows = rg->nrows;
	enum origin from = FROM_NONE;
	int all_dup = 0, remember = 0, rc;

	if (g->ledger) {
		if (!excluded(c, g->ledger)) {
			item = g->ledger;
			from = g->pending ? FROM_P : FROM_L;
		}
	} else if (g->pending || nrows) {
		rc = c->env.lookup(c->env.ctx, g->kind, g->key, &found);
		if (rc < 0)
			return -1;
		if (rc && !excluded(c, &found)) {
			item = &found;
			from = g->pending ? FROM_P : FROM_LOOKUP;
		}
	}
	if (fee_totals(c, g->stmt, g->nstmt, item))
		return -1;

	if (item && item == g->ledger) {
		if (from == FROM_L && paid(item)) {
			rc = c->env.settled_before(c->env.ctx, g->kind, g->key, item->paid_time);
			if (rc < 0)
				return -1;
			if (rc) {
				/* Settled early by an earlier statement: not expected
				 * today, and a row today is a second settlement. */
				if (!nrows)
					return 0;
				all_dup = 1;
			}
		}
		/* The ledger's side of the day: what this statement should show
		 * (an item settled early was shown by an earlier one). */
		if (paid(item) && !all_dup && add(c, TALLY_LEDGER, item->currency, item->amount))
			return -1;
	}

	if (!nrows) {
		/* Expected but not on the statement. A suspense item whose
		 * ledger item vanished or is no longer paid is dropped. */
		if (!item || !paid(item))
			return 0;
		if (from == FROM_L) {
			struct pending_item p;

			if (c->grace_days <= 0)
				return no_statement(c, gs, item);
			memset(&p, 0, sizeof(p));
			p.kind = g->kind;
			snprintf(p.key, sizeof(p.key), "%s", g->key);
			p.paid_day = c->day;
			p.expires_day = c->day + c->grace_days;
			return to_pending(c, &p, item);
		}
		if (g->pending->expires_day <= c->day)
			return no_statement(c, gs, item);
		return to_pending(c, g->pending, item);
	}

	if ((!item || !paid(item)) && (rc = wait_for_ledger(c, rg)) != 0)
		return rc < 0 ? -1 : 0;

	if (from == FROM_LOOKUP && paid(item) && item->paid_time != REC_NO_TIME) {
		if (item->paid_time >= c->win_to) {
			remember = 1;     /* settled early: its due day must not expect it */
		} else if (item->paid_time < c->win_from) {
			int settled, late = 0, ran = 0;

			settled = c->env.settled_before(c->env.ctx, g->kind, g->key, item->paid_time);
			if (settled == 0)
				late = c->env.no_statement_before(c->env.ctx, g->kind, g->key);
			/* A row that waited for the ledger is the one its due
			 * day saw: that run could not match it. */
			if (settled == 0 && late == 0 && !rg->ncarried)
				ran = c->env.due_day_ran(c->env.ctx, item->paid_time);
			if (settled < 0 || late < 0 || ran < 0)
				return -1;
			if (settled || ran) {
				/* Settled already: by its due day's run (that run
				 * matched it or held it in suspense until a match),
				 * or outside its due day. */
				all_dup = 1;
			} else {
				/* A late settlement of a NO_STATEMENT item, or an
				 * item whose due day was never reconciled: a match,
				 * remembered so that a further row is a duplicate. */
				remember = 1;
			}
		}
	}

	if (!item)
		rc = each_row(c, gs, rows, nrows, NULL,
			      g->kind == KIND_REFUND ? CLASS_SHORT : CLASS_LONG, REASON_NO_LEDGER);
	else if (all_dup)
		rc = each_row(c, gs, rows, nrows, item, CLASS_LONG, REASON_DUPLICATE);
	else if ((rc = compare(c, gs, &rows[0], item)) == 0)
		rc = each_row(c, gs, rows + 1, nrows - 1, item, CLASS_LONG, REASON_DUPLICATE);
	if (rc)
		return -1;
	if (remember)
		return c->env.settled(c->env.ctx, g->kind, g->key, item->paid_time);
	return 0;
}

int classify_group(const struct join_group *g, void *arg)
{
	struct classifier *c = arg;
	struct group_state gs;
	struct rules_group rg;
	size_t i;

	memset(&gs, 0, sizeof(gs));
	for (i = 0; i < g->nstmt; i++)
		if (add(c, TALLY_STATEMENT, g->stmt[i].currency, g->stmt[i].amount))
			return -1;
	memset(&rg, 0, sizeof(rg));
	rg.rows = g->stmt;
	rg.nrows = g->nstmt;
	if (c->rday && rules_day_group(c->rday, g, &rg) < 0)
		return -1;
	if (settle(c, &gs, g, &rg) < 0)
		return -1;
	return unpaired(c, &gs, g, &rg);
}
