/* test_tz.c: zones (fixed, IANA, TZif footers), civil dates, time_parse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "recon/tz.h"

#define H 3600
#define DAY 86400

/* UTC instant of a civil date and time. */
static int64_t utc(int64_t y, unsigned mo, unsigned d, int h, int mi, int s)
{
	return days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + s;
}

static const struct tz *zone(const char *spec)
{
	const char *why = NULL;
	const struct tz *z = tz_get(spec, &why);

	if (!z) {
		print_error("tz_get(\"%s\"): %s\n", spec, why ? why : "(null)");
		fail();
	}
	return z;
}

static void zone_err_at(const char *file, int line, const char *spec, const char *want)
{
	const char *why = NULL;
	const struct tz *z = tz_get(spec, &why);

	if (z || !why || strcmp(why, want)) {
		print_error("tz_get(\"%s\"): %s, want error \"%s\"\n", spec,
			    z ? "loaded" : why ? why : "(null)", want);
		_fail(file, line);
	}
}
#define ZONE_ERR(spec, want) zone_err_at(__FILE__, __LINE__, (spec), (want))

/* ---- TZif files written by the test, read through $TZDIR ---- */

static char tmpdir[256];

struct tzif {
	int version;                 /* 0 (v1 only), '2', '3' */
	size_t ntrans;
	const int64_t *times;
	const unsigned char *idx;
	size_t ntypes;
	const int32_t *offs;
	unsigned leapcnt;
	const char *footer;          /* v2+: the POSIX TZ string */
};

static void put32(FILE *f, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	fwrite(b, 1, 4, f);
}

static void put64(FILE *f, int64_t v)
{
	put32(f, (uint32_t)((uint64_t)v >> 32));
	put32(f, (uint32_t)v);
}

static void tzif_block(FILE *f, const struct tzif *t, int version, int tsize)
{
	static const char zeros[16];
	size_t i;

	fwrite("TZif", 1, 4, f);
	fputc(version, f);
	fwrite(zeros, 1, 15, f);
	put32(f, 0);                /* isutcnt */
	put32(f, 0);                /* isstdcnt */
	put32(f, t->leapcnt);
	put32(f, (uint32_t)t->ntrans);
	put32(f, (uint32_t)t->ntypes);
	put32(f, 4);                /* charcnt: "XXX\0" */
	for (i = 0; i < t->ntrans; i++) {
		if (tsize == 8)
			put64(f, t->times[i]);
		else
			put32(f, (uint32_t)t->times[i]);
	}
	if (t->ntrans)
		fwrite(t->idx, 1, t->ntrans, f);
	for (i = 0; i < t->ntypes; i++) {
		put32(f, (uint32_t)t->offs[i]);
		fputc(0, f);
		fputc(0, f);
	}
	fwrite("XXX", 1, 4, f);
	for (i = 0; i < t->leapcnt; i++) {
		if (tsize == 8)
			put64(f, 78796800 + (int64_t)i);
		else
			put32(f, 78796800 + (uint32_t)i);
		put32(f, i + 1);
	}
}

/* Write the zone `name` under tmpdir; cut > 0 cuts the file to that many bytes. */
static void write_tzif(const char *name, const struct tzif *t, long cut)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	tzif_block(f, t, t->version, 4);
	if (t->version) {
		tzif_block(f, t, t->version, 8);
		fprintf(f, "\n%s\n", t->footer ? t->footer : "");
	}
	assert_int_equal(fclose(f), 0);
	if (cut > 0)
		assert_int_equal(truncate(path, cut), 0);
}

static const struct tz *test_zone(const char *name, const char **why)
{
	const struct tz *z;

	setenv("TZDIR", tmpdir, 1);
	z = tz_get(name, why);
	unsetenv("TZDIR");
	return z;
}

static const struct tz *rule_zone(const char *name, const char *footer,
				  int32_t std_off)
{
	struct tzif t = { '2', 0, NULL, NULL, 1, &std_off, 0, footer };
	const char *why = NULL;
	const struct tz *z;

	write_tzif(name, &t, 0);
	z = test_zone(name, &why);
	if (!z) {
		print_error("%s (\"%s\"): %s\n", name, footer, why);
		fail();
	}
	return z;
}

/* ---- civil dates ---- */

static void test_days_from_civil(void **state)
{
	(void)state;
	assert_true(days_from_civil(1970, 1, 1) == 0);
	assert_true(days_from_civil(1969, 12, 31) == -1);
	assert_true(days_from_civil(1970, 1, 2) == 1);
	assert_true(days_from_civil(2000, 3, 1) == 11017);
	assert_true(days_from_civil(2024, 2, 29) == 19782);
	assert_true(days_from_civil(2026, 11, 21) == 20778);
	assert_true(days_from_civil(1600, 1, 1) == -135140);
	assert_true(days_from_civil(1, 1, 1) == -719162);
	assert_true(days_from_civil(0, 3, 1) == -719468);
	assert_true(days_from_civil(9999, 12, 31) == 2932896);
	/* a 400-year era is 146097 days, in both directions */
	assert_true(days_from_civil(2400, 1, 1) - days_from_civil(2000, 1, 1) == 146097);
	assert_true(days_from_civil(-400, 1, 1) - days_from_civil(-800, 1, 1) == 146097);
	assert_true(days_from_civil(1000000000000LL, 1, 1) -
		    days_from_civil(999999999600LL, 1, 1) == 146097);
}

static void test_civil_from_days(void **state)
{
	int64_t y, py, days;
	unsigned m, d, pm, pd;

	(void)state;
	civil_from_days(20778, &y, &m, &d);
	assert_true(y == 2026 && m == 11 && d == 21);
	civil_from_days(-1, &y, &m, &d);
	assert_true(y == 1969 && m == 12 && d == 31);
	civil_from_days(-719468, &y, &m, &d);
	assert_true(y == 0 && m == 3 && d == 1);
	civil_from_days(-719469, &y, &m, &d);
	assert_true(y == 0 && m == 2 && d == 29);   /* year 0 is a leap year */
	civil_from_days(days_from_civil(-4713, 11, 24), &y, &m, &d);
	assert_true(y == -4713 && m == 11 && d == 24);

	/* Walk ~4400 years one day at a time: each day follows the one before
	 * it on the calendar, and converts back to itself. */
	civil_from_days(-1000000, &py, &pm, &pd);
	for (days = -999999; days <= 600000; days++) {
		int leap;
		unsigned mlen;

		civil_from_days(days, &y, &m, &d);
		if (days_from_civil(y, m, d) != days) {
			print_error("day %lld does not round-trip\n", (long long)days);
			fail();
		}
		leap = (py % 4 == 0 && py % 100 != 0) || py % 400 == 0;
		mlen = pm == 2 ? 28 + (unsigned)leap
		     : (pm == 4 || pm == 6 || pm == 9 || pm == 11) ? 30 : 31;
		if (pd < mlen ? !(y == py && m == pm && d == pd + 1)
		    : pm < 12 ? !(y == py && m == pm + 1 && d == 1)
		    : !(y == py + 1 && m == 1 && d == 1)) {
			print_error("after %lld-%u-%u came %lld-%u-%u\n", (long long)py,
				    pm, pd, (long long)y, m, d);
			fail();
		}
		py = y;
		pm = m;
		pd = d;
	}
	/* far from the epoch */
	civil_from_days(days_from_civil(123456789012LL, 7, 4), &y, &m, &d);
	assert_true(y == 123456789012LL && m == 7 && d == 4);
	civil_from_days(days_from_civil(-123456789012LL, 2, 28), &y, &m, &d);
	assert_true(y == -123456789012LL && m == 2 && d == 28);
}

static void test_date_parse_format(void **state)
{
	int64_t days = 42;
	char buf[11];

	(void)state;
	assert_int_equal(date_parse("2026-11-21", &days), 0);
	assert_true(days == 20778);
	assert_int_equal(date_parse("1970-01-01", &days), 0);
	assert_true(days == 0);
	assert_int_equal(date_parse("2024-02-29", &days), 0);
	assert_true(days == 19782);
	days = 42;
	assert_int_equal(date_parse("2026-13-01", &days), -1);
	assert_int_equal(date_parse("2026-00-01", &days), -1);
	assert_int_equal(date_parse("2026-02-30", &days), -1);
	assert_int_equal(date_parse("2026-02-29", &days), -1);
	assert_int_equal(date_parse("2026-04-31", &days), -1);
	assert_int_equal(date_parse("2026-11-00", &days), -1);
	assert_int_equal(date_parse("2026-11-21x", &days), -1);
	assert_int_equal(date_parse("2026-11-21 ", &days), -1);
	assert_int_equal(date_parse(" 2026-11-21", &days), -1);
	assert_int_equal(date_parse("2026-1-21", &days), -1);
	assert_int_equal(date_parse("2026/11/21", &days), -1);
	assert_int_equal(date_parse("20261121", &days), -1);
	assert_int_equal(date_parse("", &days), -1);
	assert_true(days == 42);

	date_format(20778, buf);
	assert_string_equal(buf, "2026-11-21");
	date_format(0, buf);
	assert_string_equal(buf, "1970-01-01");
	date_format(-1, buf);
	assert_string_equal(buf, "1969-12-31");
	date_format(days_from_civil(9999, 12, 31), buf);
	assert_string_equal(buf, "9999-12-31");
	date_format(days_from_civil(0, 1, 1), buf);
	assert_string_equal(buf, "0000-01-01");
	date_format(days_from_civil(10000, 1, 1), buf);
	assert_string_equal(buf, "\?\?\?\?-\?\?-\?\?");
	date_format(days_from_civil(-1, 12, 31), buf);
	assert_string_equal(buf, "\?\?\?\?-\?\?-\?\?");
	for (days = -719528; days < 2932897; days += 997) {
		int64_t back;

		date_format(days, buf);
		assert_int_equal(date_parse(buf, &back), 0);
		assert_true(back == days);
	}
}

/* ---- zones ---- */

static void test_fixed_offsets(void **state)
{
	static const struct { const char *spec, *name; int32_t off; } ok[] = {
		{ "UTC", "UTC", 0 },
		{ "Z", "UTC", 0 },
		{ "+08:00", "+08:00", 8 * H },
		{ "+0800", "+08:00", 8 * H },
		{ "+08", "+08:00", 8 * H },
		{ "+8", "+08:00", 8 * H },
		{ "-0500", "-05:00", -5 * H },
		{ "-5", "-05:00", -5 * H },
		{ "+05:45", "+05:45", 5 * H + 45 * 60 },
		{ "+0545", "+05:45", 5 * H + 45 * 60 },
		{ "-03:30", "-03:30", -(3 * H + 30 * 60) },
		{ "+00:00", "+00:00", 0 },
		{ "+14:00", "+14:00", 14 * H },
		{ "-12:00", "-12:00", -12 * H },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const struct tz *z = zone(ok[i].spec);
		int32_t off = 1;

		assert_string_equal(tz_name(z), ok[i].name);
		assert_int_equal(tz_offset_at(z, 0), ok[i].off);
		assert_int_equal(tz_offset_at(z, utc(2026, 7, 1, 0, 0, 0)), ok[i].off);
		assert_int_equal(tz_offset_at(z, INT64_MIN), ok[i].off);
		assert_true(tz_local_to_utc(z, utc(2026, 11, 21, 10, 0, 0), &off) ==
			    utc(2026, 11, 21, 10, 0, 0) - ok[i].off);
		assert_int_equal(off, ok[i].off);
		/* cached: the same zone comes back */
		assert_ptr_equal(zone(ok[i].spec), z);
	}
	ZONE_ERR("+", "bad time zone offset");
	ZONE_ERR("-", "bad time zone offset");
	ZONE_ERR("+8:", "bad time zone offset");
	ZONE_ERR("+08:", "bad time zone offset");
	ZONE_ERR("+123", "bad time zone offset");
	ZONE_ERR("+08:0", "bad time zone offset");
	ZONE_ERR("+08:000", "bad time zone offset");
	ZONE_ERR("+19", "bad time zone offset");
	ZONE_ERR("+18:30", "bad time zone offset");
	ZONE_ERR("+08:60", "bad time zone offset");
	ZONE_ERR("+08:00x", "bad time zone offset");
	ZONE_ERR("+08 ", "bad time zone offset");
	ZONE_ERR("", "empty time zone");
	{
		const char *why = NULL;

		assert_null(tz_get(NULL, &why));
		assert_string_equal(why, "empty time zone");
	}
}

static void test_zone_names_rejected(void **state)
{
	(void)state;
	ZONE_ERR("/etc/passwd", "bad time zone name");
	ZONE_ERR("../../../etc/passwd", "bad time zone name");
	ZONE_ERR("America/../UTC", "bad time zone name");
	ZONE_ERR("America/..", "bad time zone name");
	ZONE_ERR("America//Los_Angeles", "bad time zone name");
	ZONE_ERR("America/", "bad time zone name");
	ZONE_ERR("./UTC", "bad time zone name");
	ZONE_ERR("America/Los Angeles", "bad time zone name");
	ZONE_ERR("utc", "unknown time zone");
	ZONE_ERR("Nowhere/Atlantis", "unknown time zone");
	ZONE_ERR("America", "unknown time zone");          /* a directory */
	ZONE_ERR("UTC/x", "unknown time zone");            /* below a file */
}

static void test_los_angeles_2026(void **state)
{
	const struct tz *z = zone("America/Los_Angeles");

	(void)state;
	assert_string_equal(tz_name(z), "America/Los_Angeles");
	assert_ptr_equal(zone("America/Los_Angeles"), z);
	assert_int_equal(tz_offset_at(z, utc(2026, 1, 15, 12, 0, 0)), -8 * H);
	assert_int_equal(tz_offset_at(z, utc(2026, 7, 1, 12, 0, 0)), -7 * H);
	/* spring forward: 02:00 PST -> 03:00 PDT, 2026-03-08 10:00 UTC */
	assert_int_equal(tz_offset_at(z, utc(2026, 3, 8, 9, 59, 59)), -8 * H);
	assert_int_equal(tz_offset_at(z, utc(2026, 3, 8, 10, 0, 0)), -7 * H);
	/* fall back: 02:00 PDT -> 01:00 PST, 2026-11-01 09:00 UTC */
	assert_int_equal(tz_offset_at(z, utc(2026, 11, 1, 8, 59, 59)), -7 * H);
	assert_int_equal(tz_offset_at(z, utc(2026, 11, 1, 9, 0, 0)), -8 * H);
	/* the US rule: second Sunday of March, first of November */
	assert_int_equal(tz_offset_at(z, utc(2027, 3, 14, 9, 59, 59)), -8 * H);
	assert_int_equal(tz_offset_at(z, utc(2027, 3, 14, 10, 0, 0)), -7 * H);
	assert_int_equal(tz_offset_at(z, utc(2027, 11, 7, 8, 59, 59)), -7 * H);
	assert_int_equal(tz_offset_at(z, utc(2027, 11, 7, 9, 0, 0)), -8 * H);
	assert_int_equal(tz_offset_at(z, utc(2028, 3, 12, 10, 0, 0)), -7 * H);
	assert_int_equal(tz_offset_at(z, utc(2028, 11, 5, 9, 0, 0)), -8 * H);
	assert_int_equal(tz_offset_at(z, utc(2029, 3, 11, 9, 59, 59)), -8 * H);
	assert_int_equal(tz_offset_at(z, utc(2029, 11, 4, 8, 59, 59)), -7 * H);
	assert_int_equal(tz_offset_at(z, utc(2030, 3, 10, 10, 0, 0)), -7 * H);
	assert_int_equal(tz_offset_at(z, utc(2030, 11, 3, 9, 0, 0)), -8 * H);
	/* past the file's last transition (2037 in a fat file): the footer */
	assert_int_equal(tz_offset_at(z, utc(2040, 3, 11, 9, 59, 59)), -8 * H);
	assert_int_equal(tz_offset_at(z, utc(2040, 3, 11, 10, 0, 0)), -7 * H);
	assert_int_equal(tz_offset_at(z, utc(2040, 11, 4, 8, 59, 59)), -7 * H);
	assert_int_equal(tz_offset_at(z, utc(2040, 11, 4, 9, 0, 0)), -8 * H);
	assert_int_equal(tz_offset_at(z, utc(2100, 7, 1, 0, 0, 0)), -7 * H);
	assert_int_equal(tz_offset_at(z, utc(2100, 12, 1, 0, 0, 0)), -8 * H);
	/* the ends of time: no overflow, the nearest rule's answer */
	assert_int_equal(tz_offset_at(z, INT64_MAX), -8 * H);
	assert_int_equal(tz_offset_at(z, INT64_MIN), -(7 * H + 52 * 60 + 58));
	assert_true(tz_local_to_utc(z, INT64_MAX, NULL) == INT64_MAX);
	assert_true(tz_local_to_utc(z, INT64_MIN, NULL) == INT64_MIN + 7 * H + 52 * 60 + 58);
	/* 1883 and before: local mean time, -7:52:58 */
	assert_int_equal(tz_offset_at(z, utc(1850, 1, 1, 0, 0, 0)), -(7 * H + 52 * 60 + 58));
}

static void test_los_angeles_local_to_utc(void **state)
{
	const struct tz *z = zone("America/Los_Angeles");
	int32_t off = 0;

	(void)state;
	/* ordinary times */
	assert_true(tz_local_to_utc(z, utc(2026, 11, 21, 23, 59, 58), &off) ==
		    utc(2026, 11, 22, 7, 59, 58));
	assert_int_equal(off, -8 * H);
	assert_true(tz_local_to_utc(z, utc(2026, 7, 1, 12, 0, 0), &off) ==
		    utc(2026, 7, 1, 19, 0, 0));
	assert_int_equal(off, -7 * H);
	/* around the gap on 2026-03-08: 02:00-03:00 local does not exist */
	assert_true(tz_local_to_utc(z, utc(2026, 3, 8, 1, 59, 59), &off) ==
		    utc(2026, 3, 8, 9, 59, 59));
	assert_int_equal(off, -8 * H);
	assert_true(tz_local_to_utc(z, utc(2026, 3, 8, 2, 0, 0), &off) ==
		    utc(2026, 3, 8, 10, 0, 0));
	assert_int_equal(off, -7 * H);
	assert_true(tz_local_to_utc(z, utc(2026, 3, 8, 2, 30, 0), &off) ==
		    utc(2026, 3, 8, 10, 30, 0));   /* = 03:30 PDT */
	assert_int_equal(off, -7 * H);
	assert_true(tz_local_to_utc(z, utc(2026, 3, 8, 3, 0, 0), &off) ==
		    utc(2026, 3, 8, 10, 0, 0));
	assert_int_equal(off, -7 * H);
	/* the overlap on 2026-11-01: 01:00-02:00 local happens twice */
	assert_true(tz_local_to_utc(z, utc(2026, 11, 1, 0, 59, 59), &off) ==
		    utc(2026, 11, 1, 7, 59, 59));
	assert_int_equal(off, -7 * H);
	assert_true(tz_local_to_utc(z, utc(2026, 11, 1, 1, 0, 0), &off) ==
		    utc(2026, 11, 1, 8, 0, 0));
	assert_int_equal(off, -7 * H);
	assert_true(tz_local_to_utc(z, utc(2026, 11, 1, 1, 30, 0), &off) ==
		    utc(2026, 11, 1, 8, 30, 0));   /* the earlier, PDT */
	assert_int_equal(off, -7 * H);
	assert_true(tz_local_to_utc(z, utc(2026, 11, 1, 2, 0, 0), &off) ==
		    utc(2026, 11, 1, 10, 0, 0));
	assert_int_equal(off, -8 * H);
	/* off may be NULL */
	assert_true(tz_local_to_utc(z, utc(2026, 1, 1, 0, 0, 0), NULL) ==
		    utc(2026, 1, 1, 8, 0, 0));
}

static void test_local_round_trip(void **state)
{
	static const char *const zones[] = {
		"America/Los_Angeles", "Asia/Shanghai", "Europe/London",
		"Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo",
	};
	size_t i;

	(void)state;
	/* Every instant maps to local time and back to itself, except the
	 * second pass through an overlap, which comes back as the first. */
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		const struct tz *z = zone(zones[i]);
		int64_t t;

		for (t = utc(2020, 1, 1, 0, 0, 0); t < utc(2031, 1, 1, 0, 0, 0); t += 1800) {
			int32_t o = tz_offset_at(z, t), off;
			int64_t back = tz_local_to_utc(z, t + o, &off);

			if (back != t && !(back < t && tz_offset_at(z, back) + back == t + o)) {
				print_error("%s: %lld -> local %lld -> %lld\n", zones[i],
					    (long long)t, (long long)(t + o), (long long)back);
				fail();
			}
			assert_int_equal(off, tz_offset_at(z, back));
		}
	}
}

static void test_shanghai(void **state)
{
	const struct tz *z = zone("Asia/Shanghai");
	int32_t off = 0;

	(void)state;
	assert_int_equal(tz_offset_at(z, utc(2026, 11, 21, 15, 59, 58)), 8 * H);
	assert_int_equal(tz_offset_at(z, utc(2026, 6, 1, 0, 0, 0)), 8 * H);
	assert_int_equal(tz_offset_at(z, utc(2045, 6, 1, 0, 0, 0)), 8 * H);
	/* China's daylight time of 1986-1991: 1988-04-17 02:00 -> 03:00 */
	assert_int_equal(tz_offset_at(z, utc(1988, 4, 16, 17, 59, 59)), 8 * H);
	assert_int_equal(tz_offset_at(z, utc(1988, 4, 16, 18, 0, 0)), 9 * H);
	assert_int_equal(tz_offset_at(z, utc(1988, 7, 1, 0, 0, 0)), 9 * H);
	assert_int_equal(tz_offset_at(z, utc(1988, 9, 10, 17, 0, 0)), 8 * H);
	/* before 1901: local mean time +8:05:43 */
	assert_int_equal(tz_offset_at(z, utc(1900, 12, 31, 15, 54, 16)), 8 * H + 5 * 60 + 43);
	assert_int_equal(tz_offset_at(z, utc(1900, 12, 31, 15, 54, 17)), 8 * H);
	/* a bill's 23:59:58 is 15:59:58 UTC */
	assert_true(tz_local_to_utc(z, utc(2026, 11, 21, 23, 59, 58), &off) ==
		    utc(2026, 11, 21, 15, 59, 58));
	assert_int_equal(off, 8 * H);
}

/* The footer rules, on their own, against the transitions zic wrote. */
static void test_footer_rule_matches_table(void **state)
{
	static const struct {
		const char *real, *footer, *name;
		int32_t std_off;
	} pairs[] = {
		{ "America/Los_Angeles", "PST8PDT,M3.2.0,M11.1.0", "RuleLA", -8 * H },
		{ "Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3", "RuleSydney", 10 * H },
		{ "Europe/London", "GMT0BST,M3.5.0/1,M10.5.0", "RuleLondon", 0 },
		{ "America/Sao_Paulo", "<-03>3", "RuleSaoPaulo", -3 * H },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const struct tz *real = zone(pairs[i].real);
		const struct tz *rule = rule_zone(pairs[i].name, pairs[i].footer,
						  pairs[i].std_off);
		int64_t t;

		for (t = utc(2020, 1, 1, 0, 0, 0); t < utc(2037, 1, 1, 0, 0, 0); t += 900) {
			if (tz_offset_at(real, t) != tz_offset_at(rule, t)) {
				print_error("%s at %lld: table %d, rule \"%s\" %d\n",
					    pairs[i].real, (long long)t,
					    tz_offset_at(real, t), pairs[i].footer,
					    tz_offset_at(rule, t));
				fail();
			}
		}
	}
}

static void test_footer_rule_forms(void **state)
{
	const struct tz *z;

	(void)state;
	/* quoted names, minutes */
	z = rule_zone("RuleKathmandu", "<+0545>-5:45", 0);
	assert_int_equal(tz_offset_at(z, utc(2026, 1, 1, 0, 0, 0)), 5 * H + 45 * 60);
	/* Jn never counts Feb 29: J60 is March 1 in every year */
	z = rule_zone("RuleJulian", "<-03>3<-02>,J60/2,J300/2", -3 * H);
	assert_int_equal(tz_offset_at(z, utc(2024, 3, 1, 4, 59, 59)), -3 * H);
	assert_int_equal(tz_offset_at(z, utc(2024, 3, 1, 5, 0, 0)), -2 * H);
	assert_int_equal(tz_offset_at(z, utc(2026, 3, 1, 5, 0, 0)), -2 * H);
	assert_int_equal(tz_offset_at(z, utc(2024, 10, 27, 3, 59, 59)), -2 * H);
	assert_int_equal(tz_offset_at(z, utc(2024, 10, 27, 4, 0, 0)), -3 * H);
	/* a plain n counts from 0 and does count Feb 29 */
	z = rule_zone("RuleZeroBased", "<-03>3<-02>,59/2,299/2", -3 * H);
	assert_int_equal(tz_offset_at(z, utc(2024, 2, 29, 4, 59, 59)), -3 * H);
	assert_int_equal(tz_offset_at(z, utc(2024, 2, 29, 5, 0, 0)), -2 * H);
	assert_int_equal(tz_offset_at(z, utc(2025, 3, 1, 5, 0, 0)), -2 * H);
	assert_int_equal(tz_offset_at(z, utc(2025, 3, 1, 4, 59, 59)), -3 * H);
	assert_int_equal(tz_offset_at(z, utc(2024, 10, 26, 4, 0, 0)), -3 * H);
	assert_int_equal(tz_offset_at(z, utc(2025, 10, 27, 3, 59, 59)), -2 * H);
	/* daylight time all year, as zic writes it */
	z = rule_zone("RuleAlwaysDst", "EST5EDT,0/0,J365/25", -5 * H);
	assert_int_equal(tz_offset_at(z, utc(2026, 1, 1, 0, 0, 0)), -4 * H);
	assert_int_equal(tz_offset_at(z, utc(2026, 7, 1, 0, 0, 0)), -4 * H);
	assert_int_equal(tz_offset_at(z, utc(2026, 12, 31, 23, 59, 59)), -4 * H);
	assert_int_equal(tz_offset_at(z, INT64_MAX), -5 * H);
	assert_int_equal(tz_offset_at(z, INT64_MIN), -5 * H);
	/* explicit DST offset and a negative transition time */
	z = rule_zone("RuleOddTimes", "AAA-2BBB-4,M3.5.0/-1,M10.5.0/27", 2 * H);
	/* last Sunday of March 2026 is the 29th; -1:00 is 23:00 on the 28th */
	assert_int_equal(tz_offset_at(z, utc(2026, 3, 28, 20, 59, 59)), 2 * H);
	assert_int_equal(tz_offset_at(z, utc(2026, 3, 28, 21, 0, 0)), 4 * H);
	/* last Sunday of October is the 25th; 27:00 is 03:00 on the 26th */
	assert_int_equal(tz_offset_at(z, utc(2026, 10, 25, 22, 59, 59)), 4 * H);
	assert_int_equal(tz_offset_at(z, utc(2026, 10, 25, 23, 0, 0)), 2 * H);
}

static void test_tzif_versions(void **state)
{
	static const int64_t times[] = { 1000000000, 1500000000 };
	static const unsigned char idx[] = { 1, 2 };
	static const int32_t offs[] = { H, 2 * H, 3 * H };
	struct tzif t = { 0, 2, times, idx, 3, offs, 0, NULL };
	const char *why = NULL;
	const struct tz *z;

	(void)state;
	/* version 1: 32-bit times, no footer; the last offset carries on */
	write_tzif("V1Only", &t, 0);
	z = test_zone("V1Only", &why);
	assert_non_null(z);
	assert_int_equal(tz_offset_at(z, 999999999), H);
	assert_int_equal(tz_offset_at(z, 1000000000), 2 * H);
	assert_int_equal(tz_offset_at(z, 1499999999), 2 * H);
	assert_int_equal(tz_offset_at(z, 1500000000), 3 * H);
	assert_int_equal(tz_offset_at(z, utc(2200, 1, 1, 0, 0, 0)), 3 * H);

	/* version 3 with a footer that cannot be read: the table still holds */
	t.version = '3';
	t.footer = "this is not a TZ string";
	write_tzif("BadFooter", &t, 0);
	z = test_zone("BadFooter", &why);
	assert_non_null(z);
	assert_int_equal(tz_offset_at(z, 1000000000), 2 * H);
	assert_int_equal(tz_offset_at(z, utc(2200, 1, 1, 0, 0, 0)), 3 * H);

	/* version 2 with a footer: after the last transition the rule rules */
	t.version = '2';
	t.footer = "<+03>-3<+04>,M3.5.0,M10.5.0";
	write_tzif("WithFooter", &t, 0);
	z = test_zone("WithFooter", &why);
	assert_non_null(z);
	assert_int_equal(tz_offset_at(z, 1400000000), 2 * H);
	assert_int_equal(tz_offset_at(z, utc(2030, 1, 15, 0, 0, 0)), 3 * H);
	assert_int_equal(tz_offset_at(z, utc(2030, 7, 15, 0, 0, 0)), 4 * H);

	/* broken files */
	write_tzif("Truncated", &t, 60);
	assert_null(test_zone("Truncated", &why));
	assert_string_equal(why, "time zone file is corrupt");
	t.leapcnt = 2;
	write_tzif("LeapSeconds", &t, 0);
	assert_null(test_zone("LeapSeconds", &why));
	assert_string_equal(why, "time zone with leap seconds is not supported");
	t.leapcnt = 0;
	{
		static const unsigned char bad_idx[] = { 1, 7 };
		static const int64_t unsorted[] = { 1500000000, 1000000000 };
		struct tzif b = t;

		b.idx = bad_idx;
		write_tzif("BadIndex", &b, 0);
		assert_null(test_zone("BadIndex", &why));
		assert_string_equal(why, "time zone file is corrupt");
		b.idx = idx;
		b.times = unsorted;
		write_tzif("Unsorted", &b, 0);
		assert_null(test_zone("Unsorted", &why));
		assert_string_equal(why, "time zone file is corrupt");
	}
	{
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/NotTzif", tmpdir);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs("# not a zone file, but long enough to have a header's worth of bytes\n", f);
		fclose(f);
		assert_null(test_zone("NotTzif", &why));
		assert_string_equal(why, "time zone file is corrupt");
	}
}

/* ---- civil time text ---- */

static void parse_ok(const char *s, const char *pat, struct civil_time *t)
{
	const char *why = NULL;

	if (time_parse(s, strlen(s), pat, t, &why)) {
		print_error("\"%s\" as \"%s\": %s\n", s, pat, why);
		fail();
	}
}

static void parse_err_at(const char *file, int line, const char *s,
			 const char *pat, const char *want)
{
	struct civil_time t;
	const char *why = NULL;

	memset(&t, 0x5a, sizeof(t));
	if (time_parse(s, strlen(s), pat, &t, &why) == 0 || !why || strcmp(why, want)) {
		print_error("\"%s\" as \"%s\": %s, want \"%s\"\n", s, pat,
			    why ? why : "accepted", want);
		_fail(file, line);
	}
	if (t.year != 0x5a5a5a5a5a5a5a5aLL || t.month != 0x5a5a5a5a) {
		print_error("\"%s\": a failed parse wrote its output\n", s);
		_fail(file, line);
	}
}
#define PARSE_ERR(s, pat, want) parse_err_at(__FILE__, __LINE__, (s), (pat), (want))

static void expect_time(const struct civil_time *t, int64_t y, int mo, int d,
			int h, int mi, int s)
{
	assert_true(t->year == y);
	assert_int_equal(t->month, mo);
	assert_int_equal(t->day, d);
	assert_int_equal(t->hour, h);
	assert_int_equal(t->min, mi);
	assert_int_equal(t->sec, s);
}

static void test_time_parse_forms(void **state)
{
	struct civil_time t;

	(void)state;
	parse_ok("2026-11-21 23:59:58", "%F %T", &t);
	expect_time(&t, 2026, 11, 21, 23, 59, 58);
	assert_true(t.has_year);
	assert_false(t.has_offset);
	parse_ok("2026-11-21 23:59:58", "%Y-%m-%d %H:%M:%S", &t);
	expect_time(&t, 2026, 11, 21, 23, 59, 58);
	parse_ok("2026-11-21 23:59:58", "iso8601", &t);
	expect_time(&t, 2026, 11, 21, 23, 59, 58);
	assert_false(t.has_offset);

	parse_ok("2026-11-21T10:00:00+08:00", "iso8601", &t);
	expect_time(&t, 2026, 11, 21, 10, 0, 0);
	assert_true(t.has_offset);
	assert_int_equal(t.offset, 8 * H);
	parse_ok("2026-11-21T10:00:00+08:00", "%FT%T%z", &t);
	assert_int_equal(t.offset, 8 * H);
	parse_ok("2026-11-21T10:00:00.123456Z", "iso8601", &t);
	expect_time(&t, 2026, 11, 21, 10, 0, 0);
	assert_true(t.has_offset);
	assert_int_equal(t.offset, 0);
	parse_ok("2026-11-21 10:00:00-0500", "iso8601", &t);
	assert_int_equal(t.offset, -5 * H);
	parse_ok("2026-11-21T10:00:00-03:30", "iso8601", &t);
	assert_int_equal(t.offset, -(3 * H + 30 * 60));
	parse_ok("2026-11-21T10:00:00+08", "iso8601", &t);
	assert_int_equal(t.offset, 8 * H);
	parse_ok("2026-11-21", "iso8601", &t);
	expect_time(&t, 2026, 11, 21, 0, 0, 0);
	assert_true(t.has_year);

	/* UnionPay: no year, no separators */
	parse_ok("1121235958", "%m%d%H%M%S", &t);
	expect_time(&t, 0, 11, 21, 23, 59, 58);
	assert_false(t.has_year);
	assert_false(t.has_offset);
	parse_ok("0229120000", "%m%d%H%M%S", &t);   /* no year: Feb 29 may be */
	assert_int_equal(t.day, 29);

	parse_ok("261121", "%y%m%d", &t);
	expect_time(&t, 2026, 11, 21, 0, 0, 0);
	assert_true(t.has_year);
	parse_ok("21/11/2026   09:05", "%d/%m/%Y %H:%M", &t);
	expect_time(&t, 2026, 11, 21, 9, 5, 0);
	parse_ok("21/11/2026\t09:05", "%d/%m/%Y  %H:%M", &t);
	expect_time(&t, 2026, 11, 21, 9, 5, 0);
	parse_ok("20261121 235958.5", "%Y%m%d %H%M%S%f", &t);
	expect_time(&t, 2026, 11, 21, 23, 59, 58);
	parse_ok("235958", "%H%M%S%f", &t);
	expect_time(&t, 0, 0, 0, 23, 59, 58);
	parse_ok("21%", "%d%%", &t);
	assert_int_equal(t.day, 21);
	parse_ok("23:59:60", "%T", &t);          /* a leap second */
	assert_int_equal(t.sec, 60);
	parse_ok("2024-02-29", "%F", &t);
	expect_time(&t, 2024, 2, 29, 0, 0, 0);
	/* only n bytes are read */
	{
		const char *why = NULL;

		assert_int_equal(time_parse("2026-11-21,PAY", 10, "%F", &t, &why), 0);
		expect_time(&t, 2026, 11, 21, 0, 0, 0);
	}
}

static void test_time_parse_errors(void **state)
{
	(void)state;
	PARSE_ERR("2026-13-01", "%F", "bad month");
	PARSE_ERR("2026-00-01", "%F", "bad month");
	PARSE_ERR("2026-1-21", "%F", "bad month");
	PARSE_ERR("2026-02-30", "%F", "bad day");
	PARSE_ERR("2026-02-29", "%F", "bad day");
	PARSE_ERR("2026-04-31", "iso8601", "bad day");
	/* whole ISO times, read at once when well formed, say the same */
	PARSE_ERR("2026-13-01T10:00:00", "iso8601", "bad month");
	PARSE_ERR("2026-11-32T10:00:00", "iso8601", "bad day");
	PARSE_ERR("2026-02-29 10:00:00", "iso8601", "bad day");
	PARSE_ERR("2026-11-21T24:00:00", "iso8601", "bad hour");
	PARSE_ERR("2026-11-21T10:60:00", "iso8601", "bad minute");
	PARSE_ERR("2026-11-21T10:00:61Z", "iso8601", "bad second");
	PARSE_ERR("2026-11-21T1a:00:00", "iso8601", "bad hour");
	PARSE_ERR("2026-11-00", "%F", "bad day");
	PARSE_ERR("2026-11-32", "%F", "bad day");
	PARSE_ERR("0230", "%m%d", "bad day");
	PARSE_ERR("0431", "%m%d", "bad day");
	PARSE_ERR("1321235958", "%m%d%H%M%S", "bad month");
	PARSE_ERR("1121245958", "%m%d%H%M%S", "bad hour");
	PARSE_ERR("1121236058", "%m%d%H%M%S", "bad minute");
	PARSE_ERR("1121235961", "%m%d%H%M%S", "bad second");
	PARSE_ERR("112123595", "%m%d%H%M%S", "bad second");
	PARSE_ERR("11212359580", "%m%d%H%M%S", "trailing text");
	PARSE_ERR("2026-11-21x", "%F", "trailing text");
	PARSE_ERR("2026-11-21 23:59:58 extra", "iso8601", "trailing text");
	PARSE_ERR("2026-11-21 23:59:58 ", "%F %T", "trailing text");
	PARSE_ERR("2026-11-21X10:00:00", "iso8601", "trailing text");
	PARSE_ERR("2026-11-21T10:00", "iso8601", "time does not match the pattern");
	PARSE_ERR("2026-11-21T10:00:00+24:00", "iso8601", "bad offset");
	PARSE_ERR("2026-11-21T10:00:00+08:60", "iso8601", "bad offset");
	PARSE_ERR("2026-11-21T10:00:00+08:0", "iso8601", "bad offset");
	PARSE_ERR("2026-11-21T10:00:00+8", "iso8601", "bad offset");
	PARSE_ERR("2026-11-21T10:00:00", "%FT%T%z", "bad offset");
	PARSE_ERR("2026-11", "%F", "time does not match the pattern");
	PARSE_ERR("2026/11/21", "%F", "time does not match the pattern");
	PARSE_ERR("2026-11-2123:59:58", "%F %T", "time does not match the pattern");
	PARSE_ERR("", "%F", "bad year");
	PARSE_ERR("26-11-21", "%F", "bad year");
	PARSE_ERR("x6", "%y", "bad year");
	PARSE_ERR("21", "%d%%", "time does not match the pattern");
	PARSE_ERR("2026", "%Q", "bad time pattern");
	PARSE_ERR("2026", "%Y%", "bad time pattern");
	PARSE_ERR("", "iso8601", "bad year");
}

static void test_civil_to_local(void **state)
{
	const struct tz *la = zone("America/Los_Angeles");
	struct civil_time t;

	(void)state;
	parse_ok("2026-11-21 23:59:58", "%F %T", &t);
	assert_true(civil_to_local(&t) == 20778LL * DAY + 86398);
	/* an offset in the text is the caller's to apply */
	parse_ok("2026-11-21T10:00:00+08:00", "iso8601", &t);
	assert_true(civil_to_local(&t) == utc(2026, 11, 21, 10, 0, 0));
	assert_true(civil_to_local(&t) - t.offset == utc(2026, 11, 21, 2, 0, 0));
	/* a bill's local time in a named zone */
	parse_ok("2026-03-08 03:15:00", "%F %T", &t);
	assert_true(tz_local_to_utc(la, civil_to_local(&t), NULL) ==
		    utc(2026, 3, 8, 10, 15, 0));
	/* with the year inferred for a yearless UnionPay time */
	parse_ok("1231235959", "%m%d%H%M%S", &t);
	t.year = civil_infer_year(t.month, t.day, days_from_civil(2027, 1, 1));
	assert_true(civil_to_local(&t) == utc(2026, 12, 31, 23, 59, 59));
	/* zero month and day count as January 1 */
	parse_ok("12:00:00", "%T", &t);
	t.year = 1970;
	assert_true(civil_to_local(&t) == 12 * H);
}

static void test_civil_infer_year(void **state)
{
	int64_t a, b;

	(void)state;
	/* across the new year, both ways */
	assert_true(civil_infer_year(12, 31, days_from_civil(2027, 1, 1)) == 2026);
	assert_true(civil_infer_year(12, 30, days_from_civil(2027, 1, 2)) == 2026);
	assert_true(civil_infer_year(1, 1, days_from_civil(2026, 12, 31)) == 2027);
	assert_true(civil_infer_year(1, 2, days_from_civil(2026, 12, 30)) == 2027);
	/* the ordinary case: the statement's own year */
	assert_true(civil_infer_year(11, 21, days_from_civil(2026, 11, 22)) == 2026);
	assert_true(civil_infer_year(11, 21, days_from_civil(2026, 11, 21)) == 2026);
	assert_true(civil_infer_year(11, 23, days_from_civil(2026, 11, 22)) == 2026);
	/* half a year away: whichever is nearer */
	assert_true(civil_infer_year(6, 30, days_from_civil(2026, 1, 1)) == 2026);
	assert_true(civil_infer_year(7, 4, days_from_civil(2026, 1, 1)) == 2025);
	/* an exact tie goes to the past */
	a = days_from_civil(2023, 9, 1) - days_from_civil(2023, 3, 2);
	b = days_from_civil(2024, 3, 2) - days_from_civil(2023, 9, 1);
	assert_true(a == b);
	assert_true(civil_infer_year(3, 2, days_from_civil(2023, 9, 1)) == 2023);
	/* Feb 29 only in a leap year */
	assert_true(civil_infer_year(2, 29, days_from_civil(2029, 1, 5)) == 2028);
	assert_true(civil_infer_year(2, 29, days_from_civil(2024, 12, 31)) == 2024);
	assert_true(civil_infer_year(2, 28, days_from_civil(2029, 1, 5)) == 2029);
	/* none near: the statement's year, for the caller's day check */
	assert_true(civil_infer_year(2, 29, days_from_civil(2026, 6, 1)) == 2026);
}

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	/* the system's zones, whatever the caller's environment says */
	unsetenv("TZDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_tz.XXXXXX",
		 base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static const char *const written[] = {
	"RuleLA", "RuleSydney", "RuleLondon", "RuleSaoPaulo", "RuleKathmandu",
	"RuleJulian", "RuleZeroBased", "RuleAlwaysDst", "RuleOddTimes",
	"V1Only", "BadFooter", "WithFooter", "Truncated", "LeapSeconds",
	"BadIndex", "Unsorted", "NotTzif",
};

static int teardown(void **state)
{
	char path[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(written) / sizeof(written[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, written[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_civil_from_days),
		cmocka_unit_test(test_date_parse_format),
		cmocka_unit_test(test_fixed_offsets),
		cmocka_unit_test(test_zone_names_rejected),
		cmocka_unit_test(test_los_angeles_2026),
		cmocka_unit_test(test_los_angeles_local_to_utc),
		cmocka_unit_test(test_local_round_trip),
		cmocka_unit_test(test_shanghai),
		cmocka_unit_test(test_footer_rule_matches_table),
		cmocka_unit_test(test_footer_rule_forms),
		cmocka_unit_test(test_tzif_versions),
		cmocka_unit_test(test_time_parse_forms),
		cmocka_unit_test(test_time_parse_errors),
		cmocka_unit_test(test_civil_to_local),
		cmocka_unit_test(test_civil_infer_year),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
