#ifndef RECON_TZ_H
#define RECON_TZ_H
/*
 * Time zones and civil time, without the C library's TZ environment games:
 * fixed offsets ("+08:00", "UTC") and IANA names ("America/Los_Angeles",
 * read from the system's TZif files), and civil date arithmetic.
 */
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
 * The offset used is stored in *off when off is not NULL. */
int64_t tz_local_to_utc(const struct tz *z, int64_t local, int32_t *off);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Parse "YYYY-MM-DD" into days since the epoch; 0 or -1. */
int date_parse(const char *s, int64_t *days);
/* Format days since the epoch as "YYYY-MM-DD" (buf >= 11 bytes). */
void date_format(int64_t days, char *buf);

#endif
