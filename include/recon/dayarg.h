#ifndef RECON_DAYARG_H
#define RECON_DAYARG_H
/*
 * The --date argument of run, report and discrepancies, and the statement
 * path a channel's source template gives for a day.
 */
#include <stdint.h>
#include "recon/strbuf.h"

/*
 * "YYYY-MM-DD", "today" or "yesterday" into days since the epoch. today is
 * the machine's local date (the TZ environment variable, as cron sees it),
 * not any channel's. Returns 0, or -1 (the caller reports).
 */
int day_arg(const char *s, int64_t *day);

/*
 * Expand the placeholders of a source template for day into sb (appended):
 * {date} 2026-11-21, {yyyymmdd} 20261121, {yymmdd} 261121, {yyyy} 2026,
 * {mm} 11, {dd} 21. Returns 0, or -1 with *bad pointing at an unknown
 * "{...}" placeholder (sb then holds the text up to it).
 */
int source_expand(const char *tmpl, int64_t day, struct strbuf *sb, const char **bad);

#endif
