/* dayarg.c: --date values and source templates. */
#include <string.h>
#include <time.h>

#include "recon/dayarg.h"
#include "recon/tz.h"

int day_arg(const char *s, int64_t *day)
{
	time_t now;
	struct tm tm;

	if (strcmp(s, "today") && strcmp(s, "yesterday"))
		return date_parse(s, day);
	now = time(NULL);
	if (!localtime_r(&now, &tm))
		return -1;
	*day = days_from_civil(tm.tm_year + 1900LL, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
	if (!strcmp(s, "yesterday"))
		(*day)--;
	return 0;
}

int source_expand(const char *tmpl, int64_t day, struct strbuf *sb, const char **bad)
{
	int64_t y;
	unsigned m, d;
	const char *p = tmpl, *end;

	civil_from_days(day, &y, &m, &d);
	while (*p) {
		size_t n;

		if (*p != '{' || !(end = strchr(p, '}'))) {
			sb_addc(sb, *p++);
			continue;
		}
		n = (size_t)(end - p + 1);
		if (n == 6 && !strncmp(p, "{date}", n))
			sb_addf(sb, "%04lld-%02u-%02u", (long long)y, m, d);
		else if (n == 10 && !strncmp(p, "{yyyymmdd}", n))
			sb_addf(sb, "%04lld%02u%02u", (long long)y, m, d);
		else if (n == 8 && !strncmp(p, "{yymmdd}", n))
			sb_addf(sb, "%02lld%02u%02u", (long long)(y % 100), m, d);
		else if (n == 6 && !strncmp(p, "{yyyy}", n))
			sb_addf(sb, "%04lld", (long long)y);
		else if (n == 4 && !strncmp(p, "{mm}", n))
			sb_addf(sb, "%02u", m);
		else if (n == 4 && !strncmp(p, "{dd}", n))
			sb_addf(sb, "%02u", d);
		else {
			*bad = p;
			return -1;
		}
		p = end + 1;
	}
	return 0;
}
