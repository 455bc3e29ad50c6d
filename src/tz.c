/*
 * tz.c: time zones and civil time, computed here rather than through the
 * C library's TZ environment variable and localtime(), which are process
 * global and cannot hold two zones at once.
 *
 * An IANA zone is read from its TZif file (RFC 8536) under $TZDIR or
 * /usr/share/zoneinfo: the 64-bit (version 2+) data when present, else the
 * version 1 data, and the footer's POSIX TZ string ("PST8PDT,M3.2.0,
 * M11.1.0") for instants after the last transition, which is how "slim"
 * TZif files describe every future year. Zones are loaded once ($TZDIR is
 * read then) and cached for the life of the process; the cache is not
 * thread safe.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recon/tz.h"
#include "recon/util.h"

#define DAY 86400
#define ZONEINFO "/usr/share/zoneinfo"
#define RULE_SPAN ((int64_t)1 << 55)

/* One end of a POSIX TZ rule: Jn, n or Mm.w.d, then a local time. */
struct rule_date {
	char kind;        /* 'J': Julian 1-365 without Feb 29, 'D': 0-365, 'M' */
	int n, m, w, d;
	int32_t time;     /* seconds after local midnight; may be negative or > 24h */
};

struct posix_rule {
	int32_t std_off, dst_off;   /* seconds east */
	int has_dst;
	struct rule_date start, end;
};

struct tz {
	struct tz *next;
	char *spec;              /* cache key, as asked for */
	char *name;              /* "UTC", "+08:00" or the IANA name */
	int is_fixed;
	int32_t fixed;
	/* from a TZif file */
	size_t ntrans;
	int64_t *trans;          /* UTC instants, strictly ascending */
	int32_t *trans_off;      /* offset in force from trans[i] on */
	int32_t before_off;      /* offset before the first transition */
	int has_rule;
	struct posix_rule rule;
};

static struct tz *cache;

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int len[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Howard Hinnant's days_from_civil and civil_from_days
 * (http://howardhinnant.github.io/date_algorithms.html), in int64.
 * Supported: years within +-10^12 (days within +-3.6 * 10^14), where a
 * day count times 86400 still fits int64; m 1-12 and d 1-31 are the
 * caller's to check. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe, mm = m, dd = d;

	y -= mm <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* ---- POSIX TZ strings (the TZif footer) ---- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A number of at most maxdig digits, no larger than max. */
static const char *posix_num(const char *p, int maxdig, int max, int *out)
{
	int v = 0, n = 0;

	while (is_digit(*p) && n < maxdig) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (!n || v > max || is_digit(*p))
		return NULL;
	*out = v;
	return p;
}

/* [+-]hh[:mm[:ss]]; hours up to 167 as RFC 8536 allows in rule times. */
static const char *posix_hms(const char *p, int32_t *out)
{
	int sign = 1, h, mi = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (!(p = posix_num(p, 3, 167, &h)))
		return NULL;
	if (*p == ':') {
		if (!(p = posix_num(p + 1, 2, 59, &mi)))
			return NULL;
		if (*p == ':' && !(p = posix_num(p + 1, 2, 59, &s)))
			return NULL;
	}
	*out = sign * (h * 3600 + mi * 60 + s);
	return p;
}

static const char *posix_name(const char *p)
{
	const char *q = p;

	if (*p == '<') {
		for (q = p + 1; *q && *q != '>'; q++)
			;
		return *q == '>' && q - p >= 4 ? q + 1 : NULL;
	}
	while (is_alpha(*q))
		q++;
	return q - p >= 3 ? q : NULL;
}

static const char *posix_date(const char *p, struct rule_date *r)
{
	r->time = 7200;
	if (*p == 'J') {
		r->kind = 'J';
		if (!(p = posix_num(p + 1, 3, 365, &r->n)) || r->n < 1)
			return NULL;
	} else if (*p == 'M') {
		r->kind = 'M';
		if (!(p = posix_num(p + 1, 2, 12, &r->m)) || r->m < 1 || *p != '.' ||
		    !(p = posix_num(p + 1, 1, 5, &r->w)) || r->w < 1 || *p != '.' ||
		    !(p = posix_num(p + 1, 1, 6, &r->d)))
			return NULL;
	} else {
		r->kind = 'D';
		if (!(p = posix_num(p, 3, 365, &r->n)))
			return NULL;
	}
	if (*p == '/' && !(p = posix_hms(p + 1, &r->time)))
		return NULL;
	return p;
}

/* Parse s (NUL-terminated); 0 or -1. POSIX offsets count hours west, so
 * they are negated into seconds east. */
static int posix_parse(const char *s, struct posix_rule *r)
{
	const char *p = s;
	int32_t off;

	memset(r, 0, sizeof(*r));
	if (!(p = posix_name(p)) || !(p = posix_hms(p, &off)))
		return -1;
	r->std_off = -off;
	if (abs(r->std_off) > 25 * 3600)
		return -1;
	if (!*p)
		return 0;
	if (!(p = posix_name(p)))
		return -1;
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = posix_hms(p, &off)))
			return -1;
		r->dst_off = -off;
	}
	/* Without rules POSIX leaves the dates to the implementation;
	 * TZif footers always give them. */
	if (*p != ',' || !(p = posix_date(p + 1, &r->start)) ||
	    *p != ',' || !(p = posix_date(p + 1, &r->end)) || *p)
		return -1;
	/* tz_local_to_utc() looks a day either side for the offsets */
	if (abs(r->dst_off) > 25 * 3600)
		return -1;
	return 0;
}

/* Day (since the epoch) a rule date falls on in year y. */
static int64_t rule_day(const struct rule_date *r, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1), first;
	int wd, day, len;

	switch (r->kind) {
	case 'J':
		return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
	case 'D':
		return jan1 + r->n;
	default:
		first = days_from_civil(y, (unsigned)r->m, 1);
		wd = (int)(floor_div(first + 4, 7) * -7 + first + 4);   /* 0 = Sunday */
		day = (r->d - wd + 7) % 7 + (r->w - 1) * 7;
		len = month_days(y, r->m);
		while (day >= len)
			day -= 7;
		return first + day;
	}
}

static int32_t rule_offset(const struct posix_rule *r, int64_t t)
{
	int64_t y, start, end;
	unsigned m, d;
	int dst;

	/* Past a billion years the rule's arithmetic would overflow, and no
	 * rule means anything there. */
	if (!r->has_dst || t > RULE_SPAN || t < -RULE_SPAN)
		return r->std_off;
	civil_from_days(floor_div(sat_add(t, r->std_off), DAY), &y, &m, &d);
	start = rule_day(&r->start, y) * DAY + r->start.time - r->std_off;
	end = rule_day(&r->end, y) * DAY + r->end.time - r->dst_off;
	/* Southern hemisphere rules end before they start within a year. */
	if (start < end)
		dst = t >= start && t < end;
	else
		dst = t < end || t >= start;
	return dst ? r->dst_off : r->std_off;
}

/* ---- TZif files ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_hdr {
	int version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int tzif_header(const unsigned char *p, size_t avail, struct tzif_hdr *h)
{
	if (avail < 44 || memcmp(p, "TZif", 4))
		return -1;
	h->version = p[4] ? p[4] - '0' : 1;
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->typecnt == 0 || h->typecnt > 256 || h->timecnt > 1000000 ||
	    h->charcnt > 65536 || h->leapcnt > 100000 ||
	    (h->isutcnt && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt && h->isstdcnt != h->typecnt))
		return -1;
	return 0;
}

/* Size of the data block after a header, for time values of tsize bytes. */
static size_t tzif_block(const struct tzif_hdr *h, size_t tsize)
{
	return h->timecnt * tsize + h->timecnt + h->typecnt * 6 + h->charcnt +
	       h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static int tzif_load(struct tz *z, const unsigned char *buf, size_t len,
		     const char **why)
{
	struct tzif_hdr h;
	const unsigned char *p = buf, *times, *idx, *types;
	size_t tsize = 4, i, block;

	*why = "time zone file is corrupt";
	if (tzif_header(p, len, &h))
		return -1;
	block = tzif_block(&h, 4);
	if (44 + block > len)
		return -1;
	if (h.version >= 2) {
		p += 44 + block;
		if (tzif_header(p, len - (size_t)(p - buf), &h))
			return -1;
		tsize = 8;
		block = tzif_block(&h, 8);
		if ((size_t)(p - buf) + 44 + block > len)
			return -1;
	}
	if (h.leapcnt) {
		/* "right/" zones count leap seconds; instants here are POSIX. */
		*why = "time zone with leap seconds is not supported";
		return -1;
	}
	times = p + 44;
	idx = times + h.timecnt * tsize;
	types = idx + h.timecnt;
	for (i = 0; i < h.typecnt; i++) {
		int32_t off = (int32_t)be32(types + i * 6);

		if (off < -25 * 3600 || off > 26 * 3600)
			return -1;
	}
	z->ntrans = h.timecnt;
	z->trans = xcalloc(h.timecnt, sizeof(*z->trans));
	z->trans_off = xcalloc(h.timecnt, sizeof(*z->trans_off));
	for (i = 0; i < h.timecnt; i++) {
		z->trans[i] = tsize == 8 ? be64(times + i * 8)
					 : (int32_t)be32(times + i * 4);
		if (idx[i] >= h.typecnt || (i && z->trans[i] <= z->trans[i - 1]))
			return -1;
		z->trans_off[i] = (int32_t)be32(types + idx[i] * 6);
	}
	/* RFC 8536 3.2: time type 0 holds before the first transition. */
	z->before_off = (int32_t)be32(types);

	p = times + block;
	if (tsize == 8 && (size_t)(p - buf) < len && *p == '\n') {
		const unsigned char *nl = memchr(p + 1, '\n', len - (size_t)(p + 1 - buf));

		if (nl && nl > p + 1) {
			char *s = xstrndup((const char *)p + 1, (size_t)(nl - p - 1));

			/* An unreadable footer only costs the far future: the
			 * last transition's offset carries on. */
			z->has_rule = posix_parse(s, &z->rule) == 0;
			free(s);
		}
	}
	return 0;
}

/* ---- zones ---- */

/* "+08:00", "-0500", "+8", "+05:45": seconds east, or -1 when spec is not
 * an offset. Hours up to 18, as ISO 8601 profiles do. */
static int fixed_offset(const char *s, int32_t *out)
{
	int sign, h, mi = 0;
	size_t n;

	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	for (n = 0; is_digit(s[n]); n++)
		;
	if (n == 1 || n == 2) {
		h = n == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
		s += n;
		if (*s == ':')
			s++;
		if (*s) {
			if (!is_digit(s[0]) || !is_digit(s[1]) || s[2])
				return -1;
			mi = (s[0] - '0') * 10 + (s[1] - '0');
		} else if (s[-1] == ':') {
			return -1;
		}
	} else if (n == 4 && !s[4]) {
		h = (s[0] - '0') * 10 + (s[1] - '0');
		mi = (s[2] - '0') * 10 + (s[3] - '0');
	} else {
		return -1;
	}
	if (h > 18 || mi > 59 || (h == 18 && mi))
		return -1;
	*out = sign * (h * 3600 + mi * 60);
	return 0;
}

static int valid_zone_name(const char *s)
{
	const char *p;
	size_t comp = 0;

	if (!*s || *s == '/' || strstr(s, "..") || strlen(s) > 255)
		return 0;
	for (p = s; ; p++) {
		if (*p == '/' || !*p) {
			/* no empty or "." components: one file, one name */
			if (comp == 0 || (comp == 1 && p[-1] == '.'))
				return 0;
			if (!*p)
				return 1;
			comp = 0;
			continue;
		}
		if (!is_alpha(*p) && !is_digit(*p) && !strchr("_+-.", *p))
			return 0;
		comp++;
	}
}

static struct tz *zone_new(const char *spec, const char *name)
{
	struct tz *z = xcalloc(1, sizeof(*z));

	z->spec = xstrdup(spec);
	z->name = xstrdup(name);
	return z;
}

static void zone_free(struct tz *z)
{
	free(z->spec);
	free(z->name);
	free(z->trans);
	free(z->trans_off);
	free(z);
}

static struct tz *zone_load(const char *spec, const char **why)
{
	const char *dir = getenv("TZDIR");
	struct tz *z;
	char *path, *buf;
	size_t len;

	if (!valid_zone_name(spec)) {
		*why = "bad time zone name";
		return NULL;
	}
	path = path_join(dir && *dir ? dir : ZONEINFO, spec);
	buf = read_file(path, &len);
	free(path);
	if (!buf) {
		*why = errno == ENOENT || errno == EISDIR || errno == ENOTDIR
			? "unknown time zone" : "cannot read time zone file";
		return NULL;
	}
	z = zone_new(spec, spec);
	if (tzif_load(z, (const unsigned char *)buf, len, why)) {
		zone_free(z);
		z = NULL;
	}
	free(buf);
	return z;
}

const struct tz *tz_get(const char *spec, const char **why)
{
	struct tz *z;
	int32_t off;

	if (!spec || !*spec) {
		*why = "empty time zone";
		return NULL;
	}
	for (z = cache; z; z = z->next)
		if (!strcmp(z->spec, spec))
			return z;
	if (!strcmp(spec, "UTC") || !strcmp(spec, "Z")) {
		z = zone_new(spec, "UTC");
		z->is_fixed = 1;
	} else if (*spec == '+' || *spec == '-') {
		char name[16];

		if (fixed_offset(spec, &off)) {
			*why = "bad time zone offset";
			return NULL;
		}
		snprintf(name, sizeof(name), "%c%02d:%02d", off < 0 ? '-' : '+',
			 abs(off) / 3600, abs(off) / 60 % 60);
		z = zone_new(spec, name);
		z->is_fixed = 1;
		z->fixed = off;
	} else if (!(z = zone_load(spec, why))) {
		return NULL;
	}
	z->next = cache;
	cache = z;
	return z;
}

const char *tz_name(const struct tz *z)
{
	return z->name;
}

int32_t tz_offset_at(const struct tz *z, int64_t t)
{
	size_t lo, hi;

	if (z->is_fixed)
		return z->fixed;
	if (!z->ntrans)
		return z->has_rule ? rule_offset(&z->rule, t) : z->before_off;
	if (t < z->trans[0])
		return z->before_off;
	if (z->has_rule && t >= z->trans[z->ntrans - 1])
		return rule_offset(&z->rule, t);
	/* the last transition at or before t */
	lo = 0;
	hi = z->ntrans;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->trans_off[lo];
}

/*
 * The offsets in force a day either side of local are the only candidates
 * (zones do not change twice in two days); each is tried and kept when it
 * maps back to local. Two that do: an overlap, take the earlier instant.
 * None: a gap; reading local with the offset from before the gap lands
 * after it, moved forward by the gap's length, where the later offset is
 * in force: 02:30 on a spring-forward night becomes 03:30 daylight time.
 */
int64_t tz_local_to_utc(const struct tz *z, int64_t local, int32_t *off)
{
	int32_t cand[4], best_off = 0, before;
	int64_t best = 0, u;
	int found = 0, i;

	if (z->is_fixed) {
		if (off)
			*off = z->fixed;
		return sat_add(local, -(int64_t)z->fixed);
	}
	before = tz_offset_at(z, sat_add(local, -DAY));
	cand[0] = before;
	cand[1] = tz_offset_at(z, sat_add(local, DAY));
	cand[2] = tz_offset_at(z, sat_add(local, -(int64_t)cand[0]));
	cand[3] = tz_offset_at(z, sat_add(local, -(int64_t)cand[1]));
	for (i = 0; i < 4; i++) {
		u = sat_add(local, -(int64_t)cand[i]);
		if (tz_offset_at(z, u) != cand[i])
			continue;
		if (!found || u < best) {
			best = u;
			best_off = cand[i];
			found = 1;
		}
	}
	if (!found) {
		best = sat_add(local, -(int64_t)before);
		best_off = tz_offset_at(z, best);
	}
	if (off)
		*off = best_off;
	return best;
}

/* ---- civil time text ---- */

int date_parse(const char *s, int64_t *days)
{
	struct civil_time t;
	const char *why;

	if (time_parse(s, strlen(s), "%F", &t, &why))
		return -1;
	*days = days_from_civil(t.year, (unsigned)t.month, (unsigned)t.day);
	return 0;
}

void date_format(int64_t days, char *buf)
{
	int64_t y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	/* Eleven bytes hold four year digits; a year outside them would
	 * only come out truncated and misleading. */
	if (y < 0 || y > 9999) {
		memcpy(buf, "\?\?\?\?-\?\?-\?\?", 11);
		return;
	}
	snprintf(buf, 11, "%04d-%02u-%02u", (int)y, m, d);
}

struct tp_state {
	const char *p, *end;
	struct civil_time *t;
	int has_month, has_day;
	const char *why;
};

/* Exactly n digits at the cursor. */
static int tp_digits(struct tp_state *st, int n, int *out)
{
	int v = 0, i;

	if (st->end - st->p < n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(st->p[i]))
			return -1;
		v = v * 10 + (st->p[i] - '0');
	}
	st->p += n;
	*out = v;
	return 0;
}

/* A two-digit field within [lo, hi]. */
static int tp_field(struct tp_state *st, int lo, int hi, int *out, const char *why)
{
	if (tp_digits(st, 2, out) || *out < lo || *out > hi) {
		st->why = why;
		return -1;
	}
	return 0;
}

/* "Z", "+08:00", "+0800", "+08". */
static int tp_offset(struct tp_state *st)
{
	int sign, h, mi = 0;

	st->why = "bad offset";
	if (st->p < st->end && *st->p == 'Z') {
		st->p++;
		st->t->offset = 0;
		st->t->has_offset = 1;
		return 0;
	}
	if (st->p >= st->end || (*st->p != '+' && *st->p != '-'))
		return -1;
	sign = *st->p++ == '-' ? -1 : 1;
	if (tp_digits(st, 2, &h) || h > 23)
		return -1;
	if (st->p < st->end && *st->p == ':') {
		st->p++;
		if (tp_digits(st, 2, &mi))
			return -1;
	} else if (st->end - st->p >= 2 && is_digit(st->p[0])) {
		if (tp_digits(st, 2, &mi))
			return -1;
	}
	if (mi > 59)
		return -1;
	st->t->offset = sign * (h * 3600 + mi * 60);
	st->t->has_offset = 1;
	return 0;
}

/* Optional ".digits", dropped: statements differ in precision, the
 * reconciliation works in whole seconds. */
static void tp_fraction(struct tp_state *st)
{
	const char *q = st->p;

	if (q + 1 < st->end && *q == '.' && is_digit(q[1])) {
		for (q++; q < st->end && is_digit(*q); q++)
			;
		st->p = q;
	}
}

static int tp_match(struct tp_state *st, const char *pat)
{
	struct civil_time *t = st->t;
	int v;

	for (; *pat; pat++) {
		if (*pat == ' ') {
			while (pat[1] == ' ')
				pat++;
			if (st->p >= st->end || (*st->p != ' ' && *st->p != '\t')) {
				st->why = "time does not match the pattern";
				return -1;
			}
			while (st->p < st->end && (*st->p == ' ' || *st->p == '\t'))
				st->p++;
			continue;
		}
		if (*pat != '%') {
			if (st->p >= st->end || *st->p != *pat) {
				st->why = "time does not match the pattern";
				return -1;
			}
			st->p++;
			continue;
		}
		switch (*++pat) {
		case 'Y':
			if (tp_digits(st, 4, &v)) {
				st->why = "bad year";
				return -1;
			}
			t->year = v;
			t->has_year = 1;
			break;
		case 'y':
			if (tp_field(st, 0, 99, &v, "bad year"))
				return -1;
			t->year = 2000 + v;
			t->has_year = 1;
			break;
		case 'm':
			if (tp_field(st, 1, 12, &t->month, "bad month"))
				return -1;
			st->has_month = 1;
			break;
		case 'd':
			if (tp_field(st, 1, 31, &t->day, "bad day"))
				return -1;
			st->has_day = 1;
			break;
		case 'H':
			if (tp_field(st, 0, 23, &t->hour, "bad hour"))
				return -1;
			break;
		case 'M':
			if (tp_field(st, 0, 59, &t->min, "bad minute"))
				return -1;
			break;
		case 'S':
			if (tp_field(st, 0, 60, &t->sec, "bad second"))
				return -1;
			break;
		case 'z':
			if (tp_offset(st))
				return -1;
			break;
		case 'f':
			tp_fraction(st);
			break;
		case 'F':
			if (tp_match(st, "%Y-%m-%d"))
				return -1;
			break;
		case 'T':
			if (tp_match(st, "%H:%M:%S"))
				return -1;
			break;
		case '%':
			if (st->p >= st->end || *st->p != '%') {
				st->why = "time does not match the pattern";
				return -1;
			}
			st->p++;
			break;
		default:
			st->why = "bad time pattern";
			return -1;
		}
	}
	return 0;
}

static int two_digits(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/*
 * "YYYY-MM-DDThh:mm:ss" (or a space for the T) at the cursor, every field in
 * range, read at once: 1. Anything else: 0 with nothing read, for
 * tp_match() to read or to say what is wrong. The same result; the usual
 * case without interpreting a pattern.
 */
static int iso_fast(struct tp_state *st)
{
	static const char shape[] = "0000-00-00T00:00:00";
	struct civil_time *t = st->t;
	const char *p = st->p;
	int i, mo, d, h, mi, se;

	if (st->end - p < 19)
		return 0;
	for (i = 0; i < 19; i++)
		if (shape[i] == '0' ? !is_digit(p[i]) :
		    shape[i] == 'T' ? p[i] != 'T' && p[i] != ' ' : p[i] != shape[i])
			return 0;
	mo = two_digits(p + 5);
	d = two_digits(p + 8);
	h = two_digits(p + 11);
	mi = two_digits(p + 14);
	se = two_digits(p + 17);
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return 0;
	t->year = two_digits(p) * 100 + two_digits(p + 2);
	t->has_year = 1;
	t->month = mo;
	t->day = d;
	t->hour = h;
	t->min = mi;
	t->sec = se;
	st->has_month = st->has_day = 1;
	st->p += 19;
	return 1;
}

/* "YYYY-MM-DD", optionally followed by T or a space, HH:MM:SS, a
 * fraction and an offset. */
static int tp_iso8601(struct tp_state *st)
{
	if (iso_fast(st)) {
		tp_fraction(st);
	} else {
		if (tp_match(st, "%F"))
			return -1;
		if (st->p == st->end)
			return 0;
		if (*st->p != 'T' && *st->p != ' ') {
			st->why = "trailing text";
			return -1;
		}
		st->p++;
		if (tp_match(st, "%T%f"))
			return -1;
	}
	if (st->p < st->end && (*st->p == 'Z' || *st->p == '+' || *st->p == '-') &&
	    tp_offset(st))
		return -1;
	return 0;
}

int time_parse(const char *s, size_t n, const char *pattern,
	       struct civil_time *out, const char **why)
{
	struct civil_time t;
	struct tp_state st = { s, s + n, &t, 0, 0, NULL };
	int rc;

	memset(&t, 0, sizeof(t));
	if (!strcmp(pattern, "iso8601"))
		rc = tp_iso8601(&st);
	else
		rc = tp_match(&st, pattern);
	if (!rc && st.p != st.end) {
		st.why = "trailing text";
		rc = -1;
	}
	/* The day against its month: Feb 29 needs a leap year, or no year
	 * at all (a bill without one). */
	if (!rc && st.has_month && st.has_day &&
	    t.day > month_days(t.has_year ? t.year : 2000, t.month)) {
		st.why = "bad day";
		rc = -1;
	}
	if (rc) {
		*why = st.why;
		return -1;
	}
	*out = t;
	return 0;
}

int64_t civil_to_local(const struct civil_time *t)
{
	int64_t days = days_from_civil(t->year, (unsigned)(t->month ? t->month : 1),
				       (unsigned)(t->day ? t->day : 1));

	return days * DAY + t->hour * 3600 + t->min * 60 + t->sec;
}

/* Of the statement's year and the years either side, the one that puts
 * month/day nearest the statement day; a tie goes to the earlier year,
 * since bills report the past. Feb 29 only counts in leap years. */
int64_t civil_infer_year(int month, int day, int64_t statement_day)
{
	int64_t y, cy, best = 0, best_dist = INT64_MAX;
	unsigned m, d;

	civil_from_days(statement_day, &y, &m, &d);
	if (month < 1 || month > 12 || day < 1)
		return y;
	for (cy = y - 1; cy <= y + 1; cy++) {
		int64_t dist;

		if (day > month_days(cy, month))
			continue;
		dist = days_from_civil(cy, (unsigned)month, (unsigned)day) - statement_day;
		if (dist < 0)
			dist = -dist;
		if (dist < best_dist) {
			best_dist = dist;
			best = cy;
		}
	}
	return best_dist == INT64_MAX ? y : best;
}
