#ifndef RECON_RECORDED_H
#define RECON_RECORDED_H
/*
 * Opening a workspace's recorded runs for reading, for the commands that
 * print a day again (report, discrepancies).
 */
#include <stdint.h>
#include "recon/cmd.h"

struct conf;
struct ledger;
struct runstore;

struct recorded {
	struct conf *conf;
	struct ledger *ledger;
	struct runstore *rs;
	int64_t day;
};

/*
 * Parse date (as --date of cmd: YYYY-MM-DD, today, yesterday), load the
 * workspace of g and open its database. A day without any recorded run is
 * an error ("recon: error: DATE: no run recorded for that day", status 2).
 * Returns RX_OK, or the exit status after reporting; in every case close
 * rec with recorded_close().
 */
int recorded_open(struct recorded *rec, const struct globals *g, const char *date,
		  const char *cmd);
void recorded_close(struct recorded *rec);

#endif
