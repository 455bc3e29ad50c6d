#ifndef RECON_REPORT_H
#define RECON_REPORT_H
/*
 * The outputs of a day (design.md, "Outputs of a run"), always rendered
 * from what the database recorded, so that `recon report` re-prints the
 * files byte for byte and a partial re-run never loses the other channels:
 *   report.txt         for people
 *   discrepancies.csv  date,channel,class,reason,order_code,refund_code,
 *                      channel_txn_id,ledger_amount,statement_amount,
 *                      difference,currency,ledger_status,statement_status,source
 *   corrections.csv    idempotency_key,date,channel,action,order_code,
 *                      refund_code,amount,currency,reason
 *   summary.json       the same figures for machines
 * Amounts are exact decimal text in major units. Nothing in them depends on
 * when they were written, so the same inputs give the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include "recon/runstore.h"
#include "recon/strbuf.h"

/* Each writes to out and returns 0, or -1 after reporting a database
 * error (write errors are the caller's to check with ferror). */
int report_text(struct runstore *rs, int64_t day, FILE *out);
/* Only class cls when cls >= 0. */
int report_discrepancies_csv(struct runstore *rs, int64_t day, int cls, FILE *out);
int report_corrections_csv(struct runstore *rs, int64_t day, FILE *out);
int report_summary_json(struct runstore *rs, int64_t day, FILE *out);

/*
 * Write the four files of day into dir (created when missing): each to a
 * temporary name first, then renamed into place, so a reader never sees a
 * half-written file. Returns 0 or -1 after reporting (RX_INTERNAL).
 */
int report_write_day(struct runstore *rs, int64_t day, const char *dir);

/*
 * The one-line summary of a channel's run for stdout, without newline:
 * "alipay 2026-11-21: 8 matched, LONG 2 (12.00), SHORT 1 (-5.00),
 * CURRENCY 1, pending 4, net +7.00 CNY". Classes with none are left out;
 * with several currencies each amount carries its code.
 */
void report_run_line(const struct run_info *ri, struct strbuf *sb);

/* Does the run have any discrepancy? */
int report_run_has_discrepancies(const struct run_info *ri);

#endif
