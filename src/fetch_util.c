/*
 * fetch_util.c: the small rules of fetching: masking credentials in
 * addresses, telling remote sources from local ones, the retry waits,
 * the not-before instant, and the credentials file's permissions.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "recon/diag.h"
#include "recon/fetch.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"
#include "recon/window.h"

/* Longest wait between two attempts, whatever the base and the count. */
#define BACKOFF_CAP_MS ((int64_t)3600 * 1000)

/* Length of the "scheme" of "scheme://...", or 0 when s has none. */
static size_t scheme_len(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.')
		n++;
	return strncmp(s + n, "://", 3) ? 0 : n;
}

int fetch_is_remote(const char *source)
{
	size_t n = scheme_len(source);

	return n && !(n == 4 && !strncasecmp(source, "file", 4));
}

char *fetch_mask_url(const char *url)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = scheme_len(url);
	const char *auth, *end, *at, *colon;

	if (!n)
		return xstrdup(url);
	auth = url + n + 3;
	end = auth + strcspn(auth, "/?#");
	/* The last '@' of the authority ends the user information: a
	 * password may itself hold an unescaped '@'. */
	for (at = NULL, colon = auth; colon < end; colon++)
		if (*colon == '@')
			at = colon;
	if (!at)
		return xstrdup(url);
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (!colon)
		return xstrdup(url);
	sb_add(&sb, url, (size_t)(colon - url));
	sb_adds(&sb, ":***");
	sb_adds(&sb, at);
	return sb_detach(&sb, NULL);
}

/* splitmix64: small, and the same sequence on every machine. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int64_t fetch_backoff_ms(int base_seconds, int attempt, uint64_t *rng)
{
	int64_t d = (int64_t)(base_seconds > 0 ? base_seconds : 0) * 1000;
	int64_t half;
	int i;

	for (i = 1; i < attempt && d < BACKOFF_CAP_MS; i++)
		d *= 2;
	if (d > BACKOFF_CAP_MS)
		d = BACKOFF_CAP_MS;
	half = d / 2;
	/* Draw even for a zero wait, so the sequence does not depend on it. */
	return d - half + (int64_t)(next_random(rng) % (uint64_t)(half + 1));
}

int fetch_not_before(const struct channel_conf *cc, int64_t day, int64_t *at)
{
	const struct tz *z;
	const char *why;
	int64_t from, to, local, start;

	if (cc->not_before < 0)
		return 1;
	z = tz_get(cc->timezone, &why);
	if (!z)
		return 1;   /* conf.c checked the zone: cannot happen */
	day_window(z, day, cc->cutoff, &from, &to);
	local = to + tz_offset_at(z, to);
	start = local - (local % 86400 + 86400) % 86400;
	*at = tz_local_to_utc(z, start + (int64_t)cc->not_before * 60, NULL);
	if (*at < to)
		*at = tz_local_to_utc(z, start + 86400 + (int64_t)cc->not_before * 60, NULL);
	return 0;
}

int fetch_check_credentials(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		error_at(RX_USAGE, path, 0, "cannot read credentials: %s", strerror(errno));
		return RX_USAGE;
	}
	if (!S_ISREG(st.st_mode)) {
		error_at(RX_USAGE, path, 0, "credentials: not a regular file");
		return RX_USAGE;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		error_at(RX_USAGE, path, 0, "readable by others; chmod 600 %s", path);
		return RX_USAGE;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		error_at(RX_USAGE, path, 0, "writable by others; chmod 600 %s", path);
		return RX_USAGE;
	}
	return 0;
}
