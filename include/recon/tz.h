#ifndef RECON_TZ_H
#define RECON_TZ_H
/*
 * Time zones and civil time, without the C library's TZ environment games:
 * fixed offsets ("+08:00", "UTC") and IANA names ("America/Los_Angeles",
 * read from the system's TZif files), and civil date arithmetic.
 */
#include <stddef.h>
#include <stdint.h>

struct tz;   /* opaque */

/* Load a zone by spec: "UTC", "Z", "+08:00", "-0500", "+8", or an IANA name.
 * Returns a zone (cached; never free it) or NULL with *why set. */
const struct tz *tz_get(const char *spec, const char **why);
const char *tz_name(const struct tz *z);

/* Offset from UTC, seconds east, in force at UTC instant t. */
int32_t tz_offset_at(const struct tz *z, int64_t t);

/* Convert local civil seconds (as if UTC) to a UTC instant. In a gap (spring
 * forward) the later offset is used; in an overlap the earlier instant.
 * The offset used is stored in *off when off is not NULL.
 * A time in a gap moves forward by the gap's length (02:30 on the
 * America/Los_Angeles spring-forward night is 03:30 PDT, *off = -7h). */
int64_t tz_local_to_utc(const struct tz *z, int64_t local, int32_t *off);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Parse "YYYY-MM-DD" into days since the epoch; 0 or -1. */
int date_parse(const char *s, int64_t *days);
/* Format days since the epoch as "YYYY-MM-DD" (buf >= 11 bytes); a year
 * outside 0000-9999 is written "????-??-??". */
void date_format(int64_t days, char *buf);

/*
 * Civil time text. time_parse() matches s[0..n) against a pattern:
 *   %Y 4-digit year   %y 2-digit year (20yy)   %m %d %H %M %S 2 digits each
 *   %z UTC offset: "+08:00", "+0800", "+08", "Z"   %f optional ".digits" (dropped)
 *   %F = %Y-%m-%d   %T = %H:%M:%S   %% a percent sign
 *   " " one or more spaces; any other character matches itself.
 * The pattern "iso8601" accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" or with a
 * space for T, optional fraction and optional offset.
 * Fields not in the pattern are left as zero (has_year/has_offset tell).
 * Values are range-checked (month 1-12, day within the month when the year
 * is known, hour 0-23, minute 0-59, second 0-60).
 * Returns 0, or -1 with *why a static message ("bad month", "trailing text").
 */
struct civil_time {
	int64_t year;
	int month, day, hour, min, sec;
	int has_year, has_offset;
	int32_t offset;   /* seconds east of UTC, when has_offset */
};

int time_parse(const char *s, size_t n, const char *pattern,
	       struct civil_time *out, const char **why);

/* Local civil seconds since the epoch (the civil time read as if UTC).
 * t->offset is not applied; a zero month or day counts as 1. */
int64_t civil_to_local(const struct civil_time *t);

/* The year for a date given without one (UnionPay MMDDhhmmss): the year
 * that puts month/day nearest to statement_day (days since the epoch), so a
 * 1231 record in a bill dated 2027-01-01 is in 2026. */
int64_t civil_infer_year(int month, int day, int64_t statement_day);

#endif
