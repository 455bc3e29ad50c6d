/* recorded.c: a workspace's recorded day, opened for reading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recon/conf.h"
#include "recon/dayarg.h"
#include "recon/diag.h"
#include "recon/ledger.h"
#include "recon/recorded.h"
#include "recon/runstore.h"
#include "recon/tz.h"

int recorded_open(struct recorded *rec, const struct globals *g, const char *date,
		  const char *cmd)
{
	struct run_info *runs;
	char *db, d[11];
	int n;

	memset(rec, 0, sizeof(*rec));
	if (day_arg(date, &rec->day) < 0) {
		fprintf(stderr, "recon: error: --date %s: not YYYY-MM-DD, today or yesterday\n", date);
		return usage_of(cmd);
	}
	rec->conf = conf_load(g->config);
	if (!rec->conf)
		return RX_USAGE;
	db = conf_path(rec->conf, rec->conf->database);
	rec->ledger = ledger_open(db, 1);
	rec->rs = rec->ledger ? runstore_open(ledger_db(rec->ledger), db, 0) : NULL;
	free(db);
	if (!rec->rs)
		return RX_INTERNAL;
	n = runstore_runs(rec->rs, rec->day, &runs);
	if (n < 0)
		return RX_INTERNAL;
	runstore_runs_free(runs, n);
	if (!n) {
		date_format(rec->day, d);
		error_at(RX_USAGE, NULL, 0, "%s: no run recorded for that day", d);
		return RX_USAGE;
	}
	return RX_OK;
}

void recorded_close(struct recorded *rec)
{
	runstore_close(rec->rs);
	ledger_close(rec->ledger);
	conf_free(rec->conf);
	memset(rec, 0, sizeof(*rec));
}
