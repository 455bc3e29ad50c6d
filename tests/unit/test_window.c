/* test_window.c: statement days under cut-offs and daylight saving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "recon/tz.h"
#include "recon/window.h"

/* UTC instant of a local civil time in zone spec. */
static const struct tz *zone_of(const char *spec)
{
	const char *why = NULL;
	const struct tz *z = tz_get(spec, &why);

	assert_non_null(z);
	return z;
}

static int64_t at(const char *zone, int y, int mo, int d, int h, int mi)
{
	const struct tz *z = zone_of(zone);

	return tz_local_to_utc(z, days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
				      h * 3600 + mi * 60, NULL);
}

static void assert_window(const char *zone, int cutoff, int64_t day,
			  int64_t want_from, int64_t want_to)
{
	int64_t from, to;

	day_window(zone_of(zone), day, cutoff, &from, &to);
	assert_int_equal(from, want_from);
	assert_int_equal(to, want_to);
}

static void test_midnight(void **state)
{
	int64_t d = days_from_civil(2026, 11, 21);

	(void)state;
	assert_window("+08:00", 0, d, at("+08:00", 2026, 11, 21, 0, 0), at("+08:00", 2026, 11, 22, 0, 0));
	assert_int_equal(due_day(zone_of("+08:00"), 0, at("+08:00", 2026, 11, 21, 23, 59) + 58), d);
	assert_int_equal(due_day(zone_of("+08:00"), 0, at("+08:00", 2026, 11, 22, 0, 0)), d + 1);
}

/* 日切 at 23:00: a card payment at 23:30 belongs to the next day. */
static void test_evening_cutoff(void **state)
{
	const struct tz *z = zone_of("+08:00");
	int64_t d = days_from_civil(2026, 11, 21);

	(void)state;
	assert_window("+08:00", 23 * 60, d, at("+08:00", 2026, 11, 20, 23, 0), at("+08:00", 2026, 11, 21, 23, 0));
	assert_int_equal(due_day(z, 23 * 60, at("+08:00", 2026, 11, 21, 22, 59)), d);
	assert_int_equal(due_day(z, 23 * 60, at("+08:00", 2026, 11, 21, 23, 0)), d + 1);
	assert_int_equal(due_day(z, 23 * 60, at("+08:00", 2026, 11, 20, 23, 30)), d);
	/* the new-year boundary */
	assert_int_equal(due_day(z, 23 * 60, at("+08:00", 2026, 12, 31, 23, 30)),
			 days_from_civil(2027, 1, 1));
}

/* A channel that closes at 02:00 keeps its small hours in the day before. */
static void test_small_hours_cutoff(void **state)
{
	const struct tz *z = zone_of("+08:00");
	int64_t d = days_from_civil(2026, 11, 21);

	(void)state;
	assert_window("+08:00", 2 * 60, d, at("+08:00", 2026, 11, 21, 2, 0), at("+08:00", 2026, 11, 22, 2, 0));
	assert_int_equal(due_day(z, 2 * 60, at("+08:00", 2026, 11, 22, 1, 59)), d);
}

/* Square's 17:00 Pacific cut-off on the days daylight saving starts and ends. */
static void test_dst_afternoon_cutoff(void **state)
{
	const char *la = "America/Los_Angeles";
	int64_t spring = days_from_civil(2026, 3, 8), fall = days_from_civil(2026, 11, 1);
	int64_t from, to;

	(void)state;
	/* 17:00 PST on 03-07 to 17:00 PDT on 03-08: 23 hours */
	day_window(zone_of(la), spring, 17 * 60, &from, &to);
	assert_int_equal(to - from, 23 * 3600);
	assert_int_equal(from, at("-08:00", 2026, 3, 7, 17, 0));
	assert_int_equal(to, at("-07:00", 2026, 3, 8, 17, 0));
	/* 17:00 PDT on 10-31 to 17:00 PST on 11-01: 25 hours */
	day_window(zone_of(la), fall, 17 * 60, &from, &to);
	assert_int_equal(to - from, 25 * 3600);
	assert_int_equal(due_day(zone_of(la), 17 * 60, at(la, 2026, 10, 31, 18, 0)), fall);
	assert_int_equal(due_day(zone_of(la), 17 * 60, at(la, 2026, 11, 1, 16, 59)), fall);
	assert_int_equal(due_day(zone_of(la), 17 * 60, at(la, 2026, 11, 1, 17, 0)), fall + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_midnight),
		cmocka_unit_test(test_evening_cutoff),
		cmocka_unit_test(test_small_hours_cutoff),
		cmocka_unit_test(test_dst_afternoon_cutoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
