/*
 * fetch.c: a channel's statement for a day, into the archive and its index.
 *
 *   source template --expand--> local path --copy-----------\
 *                           \-> URL --not-before, credentials \
 *                                  --download (fetch_curl.c) --> temporary
 *   file --checked (downloads)--> archive object      (fetch_statement)
 *   --> index row, unless the latest copy has the same bytes; different
 *   ones are a re-issue, warned                       (fetch_record)
 *
 * The two steps are apart so that run downloads before it takes the
 * database's write lock and records inside its transaction.
 *
 * The check of a download reads its container to the end (a gzip's CRC, a
 * zip's entry), so a transfer cut short in a way no header told is not
 * archived either. Local files are archived as they are: they were not in
 * transit, and replay must see exactly what run read, readable or not.
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recon/archive.h"
#include "recon/dayarg.h"
#include "recon/diag.h"
#include "recon/fetch.h"
#include "recon/input.h"
#include "recon/record.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"
#include "fetch_int.h"

#define CHECK_BLOCK (256 * 1024)

struct fetcher {
	const struct conf *c;
	char *dir;                   /* the archive folder, resolved */
	struct sqlite3 *db;
	char *dbname;
	/* Opened to read; opened again to create the table at the first
	 * fetch_record, inside the caller's transaction: until then a
	 * fetcher never writes to the database (run fetches before it takes
	 * the write lock). */
	struct archive_index *ix;
	int ix_writable;
	int progress;
	uint64_t rng;
};

static uint64_t seed(void)
{
	const char *s = getenv("RECON_FETCH_SEED");
	struct timespec ts;

	/* Tests fix the jitter; otherwise two merchants' jobs must differ. */
	if (s && *s)
		return strtoull(s, NULL, 10);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
	       ((uint64_t)getpid() << 32);
}

struct fetcher *fetcher_new(const struct conf *c, struct sqlite3 *db, const char *dbname,
			    int progress)
{
	struct fetcher *f;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		error_at(RX_INTERNAL, NULL, 0, "cannot start libcurl");
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->c = c;
	f->dir = conf_path(c, c->archive_dir);
	f->progress = progress;
	f->rng = seed();
	f->db = db;
	f->dbname = xstrdup(dbname);
	f->ix = archive_index_open(db, dbname, 0);
	if (!f->ix || archive_clean_tmp(f->dir) < 0) {
		fetcher_free(f);
		return NULL;
	}
	return f;
}

void fetcher_free(struct fetcher *f)
{
	if (!f)
		return;
	archive_index_close(f->ix);
	free(f->dir);
	free(f->dbname);
	free(f);
	curl_global_cleanup();
}

void fetched_release(struct fetched *fd)
{
	free(fd->name);
	free(fd->path);
	fd->name = fd->path = NULL;
}

/* ---- after the bytes are in the archive ---- */

static void stored(struct fetcher *f, const char *hex, uint64_t size, struct fetched *out)
{
	snprintf(out->sha256, sizeof(out->sha256), "%s", hex);
	out->size = size;
	out->path = archive_object_path(f->dir, hex);
	out->outcome = FETCH_STORED;
}

int fetch_record(struct fetcher *f, const struct channel_conf *cc, int64_t day,
		 struct fetched *fd)
{
	struct archived a, prev;
	int r;

	if (fd->outcome != FETCH_STORED)
		return RX_OK;
	if (!f->ix_writable) {
		archive_index_close(f->ix);
		f->ix = archive_index_open(f->db, f->dbname, 1);
		if (!f->ix)
			return RX_INTERNAL;
		f->ix_writable = 1;
	}
	memset(&a, 0, sizeof(a));
	snprintf(a.channel, sizeof(a.channel), "%s", cc->name);
	date_format(day, a.date);
	a.source = fd->name;
	snprintf(a.sha256, sizeof(a.sha256), "%s", fd->sha256);
	a.size = fd->size;
	r = archive_index_record(f->ix, &a, &prev);
	if (r < 0)
		return RX_INTERNAL;
	switch (r) {
	case ARCHIVE_FIRST:
		fd->outcome = FETCH_NEW;
		break;
	case ARCHIVE_SAME:
		fd->outcome = FETCH_UNCHANGED;
		break;
	default:
		fd->outcome = FETCH_REISSUED;
		snprintf(fd->prev_sha256, sizeof(fd->prev_sha256), "%s", prev.sha256);
		warn_at(cc->name, 0, "%s: the channel re-issued its statement (%s, %s)",
			a.date, prev.sha256, fd->sha256);
		archived_release(&prev);
		break;
	}
	return RX_OK;
}

/* ---- local files ---- */

/* 1 when the file at path (st) has the bytes of the latest archived copy
 * of the channel's statement for date (its SHA-256 then in hex), 0 when
 * not, or when that cannot be told cheaply (no copy of that size). A file
 * whose stat is the one remembered when it was last read is not read
 * again (archive_seen_get). */
static int same_as_archived(struct fetcher *f, const struct channel_conf *cc, const char *date,
			    const char *path, const struct stat *st, char *hex)
{
	struct archived a;
	char *obj;
	int same = 0;

	if (archive_index_latest(f->ix, cc->name, date, &a) != 1)
		return 0;
	obj = archive_object_path(f->dir, a.sha256);
	if (a.size == (uint64_t)st->st_size && access(obj, F_OK) == 0) {
		if (archive_seen_get(f->dir, path, st, hex)) {
			same = !strcmp(hex, a.sha256);
		} else if (sha256_file(path, hex) == 0) {
			archive_seen_put(f->dir, path, st, hex);
			same = !strcmp(hex, a.sha256);
		}
	}
	free(obj);
	archived_release(&a);
	return same;
}

static int fetch_local(struct fetcher *f, const struct channel_conf *cc, const char *date,
		       const char *shown, struct fetched *out)
{
	char hex[SHA256_HEXLEN + 1];
	char *path = conf_path(f->c, shown);
	struct stat st;
	uint64_t size;
	int added, r;

	if (stat(path, &st) < 0) {
		int e = errno;

		if (e == ENOENT)
			error_at(RX_FETCH, cc->name, 0, "statement for %s not there yet: %s",
				 date, shown);
		else
			error_at(RX_BADINPUT, cc->name, 0, "statement %s: %s", shown, strerror(e));
		free(path);
		return e == ENOENT ? RX_FETCH : RX_BADINPUT;
	}
	if (!S_ISREG(st.st_mode)) {
		error_at(RX_BADINPUT, cc->name, 0, "statement %s: not a regular file", shown);
		free(path);
		return RX_BADINPUT;
	}
	/* The same file as the day's last copy (a re-run): hashing it is
	 * enough, copying a gigabyte again to find so is not. */
	if (same_as_archived(f, cc, date, path, &st, hex)) {
		free(path);
		stored(f, hex, (uint64_t)st.st_size, out);
		return RX_OK;
	}
	r = archive_put_file(f->dir, path, hex, &size, &added);
	if (r == 0)
		archive_seen_put(f->dir, path, &st, hex);
	free(path);
	if (r == -2)
		return RX_BADINPUT;
	if (r < 0)
		return RX_INTERNAL;
	stored(f, hex, size, out);
	return RX_OK;
}

/* ---- downloads ---- */

/* The container opens and reads to its end. 0, or -1 after reporting. */
static int check_container(const char *path, const char *shown)
{
	struct input *in = input_open_named(path, shown, NULL);
	char *buf;
	ssize_t r;

	if (!in)
		return -1;
	buf = xmalloc(CHECK_BLOCK);
	while ((r = input_read(in, buf, CHECK_BLOCK)) > 0)
		;
	free(buf);
	input_close(in);
	return r < 0 ? -1 : 0;
}

/* "2026-11-22 10:00 Asia/Shanghai": when the statement comes out. */
static void when_text(const struct channel_conf *cc, int64_t at, struct strbuf *sb)
{
	const char *why;
	const struct tz *z = tz_get(cc->timezone, &why);
	char buf[32];

	rec_time_format(at, z ? tz_offset_at(z, at) : 0, buf);
	sb_addf(sb, "%.10s %.5s %s", buf, buf + 11, cc->timezone);
}

static const char *const schemes[] = { "http://", "https://", "ftp://", "sftp://" };

static int known_scheme(const char *url)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(schemes); i++)
		if (!strncasecmp(url, schemes[i], strlen(schemes[i])))
			return 1;
	return 0;
}

static char *opt_path(struct fetcher *f, const char *p)
{
	return p ? conf_path(f->c, p) : NULL;
}

static char *default_known_hosts(void)
{
	const char *home = getenv("HOME");

	return home && *home ? path_join(home, ".ssh/known_hosts") : NULL;
}

static int fetch_remote(struct fetcher *f, const struct channel_conf *cc, const char *date,
			int64_t day, const char *url, struct fetched *out)
{
	struct download d;
	struct archive_tmp t;
	struct strbuf sb = STRBUF_INIT;
	char hex[SHA256_HEXLEN + 1];
	char *ca = NULL, *netrc = NULL, *kh = NULL;
	int64_t at;
	int added, rc;

	if (!known_scheme(url)) {
		error_at(RX_USAGE, cc->file, cc->line, "channel \"%s\": source: %.*s: not a scheme "
			 "recon fetches (http, https, ftp, sftp, file)", cc->name,
			 (int)strcspn(url, ":"), url);
		return RX_USAGE;
	}
	if (fetch_not_before(cc, day, &at) == 0 && (int64_t)time(NULL) < at) {
		when_text(cc, at, &sb);
		error_at(RX_FETCH, cc->name, 0, "statement for %s not published before %s", date,
			 sb.buf);
		sb_release(&sb);
		return RX_FETCH;
	}
	netrc = opt_path(f, cc->credentials);
	if (netrc && (rc = fetch_check_credentials(netrc)) != 0)
		goto out;
	ca = opt_path(f, cc->ca_file);
	kh = cc->known_hosts ? conf_path(f->c, cc->known_hosts) : default_known_hosts();

	memset(&d, 0, sizeof(d));
	d.url = url;
	d.shown = out->name;
	d.date = date;
	d.cc = cc;
	d.ca_file = ca;
	d.netrc = netrc;
	d.known_hosts = kh;
	d.progress = f->progress;
	d.rng = &f->rng;
	if (archive_tmp_open(f->dir, &t) < 0) {
		rc = RX_INTERNAL;
		goto out;
	}
	rc = fetch_download(&d, &t);
	if (rc < 0) {
		int sig = -rc;

		/* Interrupted: leave nothing behind, then die as asked. */
		archive_tmp_discard(&t);
		fflush(NULL);
		raise(sig);
		rc = RX_FETCH;
		goto out;
	}
	if (rc == RX_OK && check_container(t.path, out->name) < 0) {
		error_at(RX_BADINPUT, cc->name, 0, "statement for %s from %s rejected: not archived",
			 date, out->name);
		rc = RX_BADINPUT;
	}
	if (rc != RX_OK) {
		archive_tmp_discard(&t);
		goto out;
	}
	if (archive_tmp_commit(f->dir, &t, hex, &added) < 0) {
		rc = RX_INTERNAL;
		goto out;
	}
	stored(f, hex, t.size, out);
out:
	free(ca);
	free(netrc);
	free(kh);
	return rc;
}

/* Offline: the latest archived copy, checked. */
static int fetch_archived(struct fetcher *f, const struct channel_conf *cc, const char *date,
			  struct fetched *out)
{
	struct archived a;
	int r;

	r = archive_index_latest(f->ix, cc->name, date, &a);
	if (r < 0)
		return RX_INTERNAL;
	if (r == 0) {
		error_at(RX_FETCH, cc->name, 0, "statement for %s was never fetched (offline): %s",
			 date, out->name);
		return RX_FETCH;
	}
	out->path = archive_object_path(f->dir, a.sha256);
	snprintf(out->sha256, sizeof(out->sha256), "%s", a.sha256);
	out->size = a.size;
	out->outcome = FETCH_ARCHIVED;
	archived_release(&a);
	r = archive_check(f->dir, out->sha256);
	if (r == ARCHIVE_OK)
		return RX_OK;
	if (r == ARCHIVE_MISSING)
		error_at(RX_BADINPUT, out->path, 0, "archived statement of %s for %s is missing",
			 cc->name, date);
	else if (r == ARCHIVE_DAMAGED)
		error_at(RX_BADINPUT, out->path, 0, "archived statement of %s for %s does not "
			 "match its SHA-256: damaged or tampered with", cc->name, date);
	return r < 0 ? RX_INTERNAL : RX_BADINPUT;
}

int fetch_statement(struct fetcher *f, const struct channel_conf *cc, int64_t day,
		    int offline, struct fetched *out)
{
	struct strbuf sb = STRBUF_INIT;
	const char *bad = NULL, *src;
	char date[11];
	int rc;

	memset(out, 0, sizeof(*out));
	date_format(day, date);
	if (source_expand(cc->source, day, &sb, &bad) < 0) {
		error_at(RX_USAGE, cc->file, cc->line, "channel \"%s\": source: unknown placeholder %.*s",
			 cc->name, (int)(strcspn(bad, "}") + 1), bad);
		sb_release(&sb);
		return RX_USAGE;
	}
	src = sb.buf;
	if (!fetch_is_remote(src)) {
		if (!strncasecmp(src, "file://", 7))
			src += 7;
		out->name = xstrdup(src);
		rc = fetch_local(f, cc, date, out->name, out);
	} else {
		out->name = fetch_mask_url(src);
		if (offline)
			rc = fetch_archived(f, cc, date, out);
		else
			rc = fetch_remote(f, cc, date, day, src, out);
	}
	sb_release(&sb);
	return rc;
}
