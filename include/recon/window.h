#ifndef RECON_WINDOW_H
#define RECON_WINDOW_H
/*
 * A channel's statement day as an interval of UTC instants. Day D runs from
 * local civil midnight of D plus the cut-off to the same civil time on D+1,
 * in the channel's time zone; both ends are converted from local civil time,
 * so with an IANA zone a day is 23 or 25 hours long on DST days.
 */
#include <stdint.h>
#include "recon/tz.h"

/* The window [*from, *to) of day (days since the epoch) for zone z and
 * cutoff minutes after local midnight. */
void day_window(const struct tz *z, int64_t day, int cutoff, int64_t *from, int64_t *to);

/* The day whose window holds the UTC instant t (t != REC_NO_TIME). */
int64_t due_day(const struct tz *z, int cutoff, int64_t t);

#endif
