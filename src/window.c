/* window.c: statement days as UTC intervals, in a channel's zone and cut-off. */
#include "recon/window.h"

void day_window(const struct tz *z, int64_t day, int cutoff, int64_t *from, int64_t *to)
{
	*from = tz_local_to_utc(z, day * 86400 + (int64_t)cutoff * 60, NULL);
	*to = tz_local_to_utc(z, (day + 1) * 86400 + (int64_t)cutoff * 60, NULL);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t due_day(const struct tz *z, int cutoff, int64_t t)
{
	int64_t local = t + tz_offset_at(z, t), d, from, to;
	int i;

	d = floor_div(local - (int64_t)cutoff * 60, 86400);
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
