/* window.c: statement days as UTC intervals, in a channel's zone and cut-off. */
#include "recon/window.h"

/*
 * Local seconds since the epoch at which day starts: the cut-off nearest to
 * the day's own midnight. A channel that closes in the afternoon or evening
 * (UnionPay's 23:00, Square's 17:00) counts the evening before as part of
 * the next day; one that closes after midnight (02:00) keeps its small hours
 * in the day before. So a 23:00 cut-off makes day D run from 23:00 on D-1 to
 * 23:00 on D, and 02:00 makes it run from 02:00 on D to 02:00 on D+1.
 */
static int64_t day_start_local(int64_t day, int cutoff)
{
	int64_t start = day * 86400 + (int64_t)cutoff * 60;

	return cutoff >= 12 * 60 ? start - 86400 : start;
}

void day_window(const struct tz *z, int64_t day, int cutoff, int64_t *from, int64_t *to)
{
	*from = tz_local_to_utc(z, day_start_local(day, cutoff), NULL);
	*to = tz_local_to_utc(z, day_start_local(day + 1, cutoff), NULL);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t due_day(const struct tz *z, int cutoff, int64_t t)
{
	int64_t local = t + tz_offset_at(z, t), d, from, to;
	int i;

	d = floor_div(local - day_start_local(0, cutoff), 86400);
	/* Near a DST change the guess may be one day off: settle it against
	 * the windows themselves, which are the definition. */
	for (i = 0; i < 3; i++) {
		day_window(z, d, cutoff, &from, &to);
		if (t < from)
			d--;
		else if (t >= to)
			d++;
		else
			break;
	}
	return d;
}
