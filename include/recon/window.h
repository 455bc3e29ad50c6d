#ifndef RECON_WINDOW_H
#define RECON_WINDOW_H
/*
 * A channel's statement day as an interval of UTC instants. Day D starts at
 * the cut-off nearest to D's local midnight and ends at the next one: with a
 * cut-off before 12:00 it runs from the cut-off on D to the cut-off on D+1
 * (00:00: midnight to midnight); from 12:00 on it runs from the cut-off on
 * D-1 to the cut-off on D (23:00: 23:00 the evening before to 23:00 on D).
 * Both ends are converted from local civil time, so with an IANA zone a day
 * is 23 or 25 hours long on DST days.
 */
#include <stdint.h>
#include "recon/tz.h"

/* The window [*from, *to) of day (days since the epoch) for zone z and
 * cutoff minutes after local midnight. */
void day_window(const struct tz *z, int64_t day, int cutoff, int64_t *from, int64_t *to);

/* The day whose window holds the UTC instant t (t != REC_NO_TIME). */
int64_t due_day(const struct tz *z, int cutoff, int64_t t);

#endif
