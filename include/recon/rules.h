#ifndef RECON_RULES_H
#define RECON_RULES_H
/*
 * rules/NAME.rules: a channel's reconciliation policy (man/recon-rules.5),
 * chosen in recon.conf by `rules = NAME`. The file adds policy on top of
 * design.md's classification, never takes any of it away: amount and fee
 * tolerances, fee models, rows left out or whose order code is read out of
 * free text, how long a statement row waits for the ledger, reversals, and
 * the correction order for each class and reason.
 *
 * Two parts:
 *   struct rules       the file as loaded: immutable, queried by classify.c
 *                      and cmd_run.c (this file's first half, src/rules.c);
 *   struct rules_day   one channel's day under its rules: the statement's
 *                      reversals, the rows carried from earlier statements
 *                      and those left waiting (second half, src/rules_day.c),
 *                      stored between runs by src/rules_store.c.
 */
#include <stddef.h>
#include <stdint.h>
#include "recon/classify.h"
#include "recon/join.h"
#include "recon/record.h"
#include "recon/tz.h"

struct rules;
struct rules_day;
struct sqlite3;

/*
 * Load rules NAME through the data path (datapath_find("rules", name,
 * ".rules"); a name with a '/' is a path). Every mistake in the file is
 * reported as "recon: FILE:LINE: error: ..." (RX_USAGE) before giving up.
 * A missing file is an error too, except for "default": without a
 * default.rules the built-in defaults apply, which are what the shipped
 * rules/default.rules states. Returns rules to free with rules_free(), or
 * NULL after reporting.
 */
struct rules *rules_load(const char *name);
/* Parse text (len bytes) named file in messages: for tests. Same contract. */
struct rules *rules_parse(const char *file, const char *text, size_t len);
/* The built-in defaults (design.md's behaviour). Never NULL. */
struct rules *rules_defaults(void);
void rules_free(struct rules *r);
/* The file the rules were read from, or "(built-in)". */
const char *rules_path(const struct rules *r);

/* ---- questions the classification asks ---- */

/* [match] amount-tolerance for currency: the largest |difference| in minor
 * units that still counts as matched (0: none). */
int64_t rules_tolerance(const struct rules *r, const char *currency);
/* [match] statement-wait-days: days a statement row the ledger does not
 * have paid waits for it (0: reported on its own day). */
int rules_wait_days(const struct rules *r);
/* [match] reversals = cancel: 1 when REVERSAL rows cancel their originals,
 * 0 when they are left unreconciled (reversals = ignore). */
int rules_reversals(const struct rules *r);

enum rules_fee_base { FEE_BASE_AMOUNT, FEE_BASE_LEDGER };

/* Is there a [fee "KIND"] model for kind (KIND_PAY or KIND_REFUND)? */
int rules_has_fee(const struct rules *r, int kind);
/* Which amount the model of kind applies to. */
int rules_fee_base(const struct rules *r, int kind);
/*
 * The fee the model of kind expects for a row of amount base in currency,
 * in the record's convention (charged > 0, returned < 0): the percentage of
 * |base| rounded to the minor unit, plus the fixed part, held between the
 * minimum and the maximum, negated when base < 0. Returns 1 with
 * *expected set, 0 when there is no model for kind, -1 on overflow.
 */
int rules_fee_expected(const struct rules *r, int kind, int64_t base, const char *currency,
		       int64_t *expected);
/* The fee tolerance of kind's model in currency, minor units. */
int64_t rules_fee_tolerance(const struct rules *r, int kind, const char *currency);

/*
 * The correction action the first [action] section that fits d chooses
 * (ACTION_*, ACTION_IGNORE included), or -1 when none fits and design.md's
 * default applies. age is the discrepancy's age in days (see
 * rules_day_age()).
 */
int rules_action(const struct rules *r, const struct discrepancy *d, int64_t age);

/*
 * Matching a pattern needs scratch memory (PCRE2's match data) that one
 * thread at a time may use. The rules carry one for the thread that loaded
 * them (scratch NULL below); another thread matching at the same time
 * brings its own: rules_scratch_new() (dies when out of memory), freed by
 * rules_scratch_free() (NULL is fine).
 */
struct rules_scratch;
struct rules_scratch *rules_scratch_new(void);
void rules_scratch_free(struct rules_scratch *s);

enum rules_side { RULES_STATEMENT = 1, RULES_LEDGER = 2 };
/* Does an [exclude] pattern for side (RULES_STATEMENT or RULES_LEDGER)
 * match rec? 1 yes (rec is left out of the reconciliation), 0 no. */
int rules_excluded(const struct rules *r, const struct record *rec, int side,
		   struct rules_scratch *s);
/* Apply the [extract] patterns to a statement row, in file order: each
 * that matches its field stores its capture in its target field. Returns
 * how many applied. */
int rules_extract(const struct rules *r, struct record *rec, struct rules_scratch *s);

/* ---- one channel's day ---- */

/*
 * The day's state for rules r (not owned; must outlive it), channel day
 * (days since the epoch) in zone z with cutoff minutes; tallies go to t
 * (the classifier's). Never NULL.
 */
struct rules_day *rules_day_new(const struct rules *r, const struct tz *z, int cutoff,
				int64_t day, struct tally *t);
void rules_day_free(struct rules_day *rd);

enum rules_row_verdict {
	RULES_ROW_JOIN,     /* a PAY or REFUND row for the join (maybe rewritten) */
	RULES_ROW_TAKEN,    /* excluded or a reversal kept here: counted, done */
	RULES_ROW_OTHER     /* not reconciled: the caller counts it as other */
};
/*
 * A statement row as decoded (its file already the statement's name, which
 * must outlive rd). Applies [extract] and [exclude] and keeps SUCCESS
 * REVERSAL rows when reversals cancel. Returns an enum rules_row_verdict,
 * or -1 after reporting a sum out of range.
 */
int rules_day_row(struct rules_day *rd, struct record *r);

/*
 * Part of a statement was fed to another day state, from (same rules, zone
 * and day; on a thread of its own: each has its own scratch): take over its
 * kept rows, their lines moved by line_offset (the lines before its part),
 * as if fed here; from keeps none. Its tally is the caller's to add up
 * (tally_merge). Before rules_day_ready().
 */
void rules_day_absorb(struct rules_day *rd, struct rules_day *from, int64_t line_offset);

/* A row carried from an earlier statement, waiting until expires_day.
 * file is copied. Before rules_day_ready(). */
void rules_day_carry(struct rules_day *rd, const struct record *r, int64_t expires_day);
/* Decoding is over: sort what was kept. */
void rules_day_ready(struct rules_day *rd);

/*
 * The statement rows of one join group under the rules: the rows carried
 * from earlier statements first (they are older), then g's, less the pairs
 * that reversals cancel; and the reversals of the group that cancel
 * nothing. Filled by rules_day_group(); valid until its next call.
 */
struct rules_group {
	const struct record *rows;
	size_t nrows;
	size_t ncarried;           /* rows[0 .. ncarried) came from earlier statements */
	const int64_t *expires;    /* expires[i] for i < ncarried */
	const struct record *reversals;   /* unpaired */
	size_t nreversals;
	size_t npairs;             /* reversed pairs (counted as reversed) */
};
int rules_day_group(struct rules_day *rd, const struct join_group *g, struct rules_group *out);

/* Keep statement row r waiting until expires_day. */
void rules_day_wait(struct rules_day *rd, const struct record *r, int64_t expires_day);

/*
 * After the join: classify the groups only rules_day knows of (carried
 * rows and reversals whose key no statement row, due ledger item or
 * suspense item of the day has), by calling classify_group() on c. Returns
 * 0 or -1 after reporting.
 */
int rules_day_finish(struct rules_day *rd, struct classifier *c);

/* Days from the channel day holding UTC instant t to rd's day (0 when t is
 * REC_NO_TIME or not earlier). */
int64_t rules_day_age(const struct rules_day *rd, int64_t t);

/* The rows left waiting, with their expiry days. */
size_t rules_day_waiting(const struct rules_day *rd, const struct record **rows,
			 const int64_t **expires);

/* ---- between runs (src/rules_store.c) ---- */

/*
 * The rows a run leaves waiting are kept in the workspace database, in
 * table rules_waiting (run_id, channel, kind, key, expires_day and the
 * record), versioned by rules_schema. Call inside the run's transaction.
 *   rules_store_begin: make the tables, forget what run_id kept before
 *     (a re-run replaces it);
 *   rules_store_load: carry into rd the rows the latest run of channel
 *     before day left waiting;
 *   rules_store_save: keep rd's waiting rows under run_id.
 * Each returns 0 or -1 after reporting (RX_INTERNAL).
 */
int rules_store_begin(struct sqlite3 *db, int64_t run_id);
int rules_store_load(struct sqlite3 *db, const char *channel, int64_t day,
		     struct rules_day *rd);
int rules_store_save(struct sqlite3 *db, int64_t run_id, const char *channel,
		     const struct rules_day *rd);

#endif
