/*
 * fetch_curl.c: one statement download with libcurl, with retries.
 *
 * Every attempt starts the temporary file over and ends in one of: the
 * whole body; "not published yet" (HTTP 404/410, no such remote file, an
 * empty body), which a later run fixes, so no retry; a failure worth
 * retrying (5xx, 408, 429, network errors, timeouts, a body shorter than
 * announced); or one that would only fail again (TLS verification, login,
 * 4xx). Between attempts the wait doubles, with jitter so that many
 * merchants' cron jobs do not hammer a recovering server in step.
 *
 * SIGINT, SIGTERM and SIGHUP are caught for the duration, so an interrupted
 * download stops at once and the caller removes its temporary file before
 * the process dies of the signal as it would have.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "recon/diag.h"
#include "recon/fetch.h"
#include "recon/strbuf.h"
#include "recon/util.h"
#include "fetch_int.h"

#ifndef RECON_VERSION
#define RECON_VERSION "unknown"
#endif

/* Downloads shorter than this never show a progress line. */
#define PROGRESS_AFTER_MS 1000
#define PROGRESS_EVERY_MS 250

enum attempt_result { A_OK, A_NOT_FOUND, A_EMPTY, A_RETRY, A_FAIL, A_REPORTED };

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

static const int signals[] = { SIGINT, SIGTERM, SIGHUP };

struct saved_signals {
	struct sigaction old[ARRAY_SIZE(signals)];
	int set[ARRAY_SIZE(signals)];
};

static void catch_signals(struct saved_signals *s)
{
	struct sigaction sa;
	size_t i;

	caught = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(signals); i++) {
		s->set[i] = 0;
		if (sigaction(signals[i], NULL, &s->old[i]) < 0)
			continue;
		/* Ignored (nohup): stays ignored. */
		if (s->old[i].sa_handler == SIG_IGN)
			continue;
		s->set[i] = sigaction(signals[i], &sa, NULL) == 0;
	}
}

static void restore_signals(struct saved_signals *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(signals); i++)
		if (s->set[i])
			sigaction(signals[i], &s->old[i], NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms, waking early for a caught signal. */
static void nap(int64_t ms)
{
	int64_t until = now_ms() + ms;

	while (!caught) {
		int64_t left = until - now_ms();
		struct timespec ts;

		if (left <= 0)
			break;
		if (left > 100)
			left = 100;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000;
		nanosleep(&ts, NULL);
	}
}

struct xfer {
	const struct download *d;
	struct archive_tmp *t;
	int write_failed;
	int64_t start, last;
	int shown;               /* a progress line is on the terminal */
};

static size_t on_write(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;

	if (archive_tmp_write(x->t, p, size * n) < 0) {
		x->write_failed = 1;
		return 0;
	}
	return size * n;
}

static void add_size(struct strbuf *sb, curl_off_t n)
{
	if (n < 10 * 1024)
		sb_addf(sb, "%lld bytes", (long long)n);
	else if (n < 10 * 1024 * 1024)
		sb_addf(sb, "%lld KiB", (long long)(n / 1024));
	else
		sb_addf(sb, "%lld MiB", (long long)(n / (1024 * 1024)));
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct xfer *x = ctx;
	struct strbuf sb = STRBUF_INIT;
	int64_t now;

	(void)ultotal;
	(void)ulnow;
	if (caught)
		return 1;
	if (!x->d->progress)
		return 0;
	now = now_ms();
	if (now - x->start < PROGRESS_AFTER_MS || now - x->last < PROGRESS_EVERY_MS)
		return 0;
	x->last = now;
	sb_addf(&sb, "\rrecon: %s: ", x->d->cc->name);
	add_size(&sb, dlnow);
	if (dltotal > 0) {
		sb_adds(&sb, " of ");
		add_size(&sb, dltotal);
		sb_addf(&sb, " (%d%%)", (int)(dlnow * 100 / dltotal));
	}
	sb_adds(&sb, "\033[K");
	fputs(sb.buf, stderr);
	fflush(stderr);
	sb_release(&sb);
	x->shown = 1;
	return 0;
}

static void clear_progress(struct xfer *x)
{
	if (x->shown)
		fputs("\r\033[K", stderr);
	x->shown = 0;
}

/* Accept an SSH host only when known_hosts has its very key. */
static int on_host_key(CURL *h, const struct curl_khkey *known, const struct curl_khkey *found,
		       enum curl_khmatch match, void *ctx)
{
	(void)h;
	(void)known;
	(void)found;
	(void)ctx;
	return match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT;
}

static int is_http(const char *url)
{
	return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

static int is_sftp(const char *url)
{
	return !strncasecmp(url, "sftp://", 7);
}

/* Errors that another attempt would only repeat. */
static int permanent(CURLcode c)
{
	switch (c) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_REMOTE_ACCESS_DENIED:
	case CURLE_WRITE_ERROR:
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_LOGIN_DENIED:
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return 1;
	default:
		return 0;
	}
}

static int setup(CURL *h, const struct download *d, struct xfer *x, char *errbuf)
{
	const struct channel_conf *cc = d->cc;
	CURLcode c = CURLE_OK;

#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_URL, d->url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, x);
	SET(CURLOPT_USERAGENT, "recon/" RECON_VERSION);
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, 5L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https,ftp,sftp");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FTP |
				      CURLPROTO_SFTP));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_CONNECTTIMEOUT, (long)cc->connect_timeout);
	SET(CURLOPT_TIMEOUT, (long)cc->timeout);
	/* The defaults, said out loud: never switched off. */
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (d->ca_file)
		SET(CURLOPT_CAINFO, d->ca_file);
	if (d->netrc) {
		SET(CURLOPT_NETRC_FILE, d->netrc);
		SET(CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	}
	if (is_sftp(d->url) && d->known_hosts) {
		SET(CURLOPT_SSH_KNOWNHOSTS, d->known_hosts);
		SET(CURLOPT_SSH_KEYFUNCTION, on_host_key);
	}
#undef SET
	if (c != CURLE_OK) {
		error_at(RX_INTERNAL, cc->name, 0, "statement for %s: %s: %s", d->date, d->shown,
			 curl_easy_strerror(c));
		return -1;
	}
	return 0;
}

/* Why c happened, in words that do not change from run to run (curl's
 * own messages carry milliseconds). */
static void describe(CURL *h, CURLcode c, const struct channel_conf *cc, const char *errbuf,
		     struct strbuf *why)
{
	double connected = 0;
	long os = 0;

	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(h, CURLINFO_CONNECT_TIME, &connected);
		if (connected > 0)
			sb_addf(why, "not complete within %d s (timeout)", cc->timeout);
		else
			sb_addf(why, "no connection within %d s (connect-timeout)",
				cc->connect_timeout);
		return;
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os);
		sb_addf(why, "cannot connect: %s", os ? strerror((int)os) : curl_easy_strerror(c));
		return;
	default:
		sb_adds(why, errbuf[0] ? errbuf : curl_easy_strerror(c));
	}
}

static enum attempt_result attempt(CURL *h, struct xfer *x, char *errbuf, struct strbuf *why)
{
	const struct download *d = x->d;
	curl_off_t announced = -1;
	long code = 0;
	CURLcode c;

	if (archive_tmp_reset(x->t) < 0)
		return A_REPORTED;
	errbuf[0] = '\0';
	x->write_failed = 0;
	x->start = x->last = now_ms();
	c = curl_easy_perform(h);
	clear_progress(x);
	if (x->write_failed)
		return A_REPORTED;
	if (c == CURLE_REMOTE_FILE_NOT_FOUND)
		return A_NOT_FOUND;
	if (c != CURLE_OK) {
		describe(h, c, d->cc, errbuf, why);
		if (c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CACERT_BADFILE)
			sb_adds(why, " (certificates are always verified; ca-file names a "
				"private authority)");
		return permanent(c) ? A_FAIL : A_RETRY;
	}
	if (is_http(d->url)) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (code == 404 || code == 410)
			return A_NOT_FOUND;
		if (code < 200 || code > 299) {
			sb_addf(why, "HTTP %ld", code);
			if (code == 401)
				sb_adds(why, " (credentials missing or refused)");
			return code >= 500 || code == 408 || code == 429 ? A_RETRY : A_FAIL;
		}
	}
	curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
	if (announced >= 0 && (uint64_t)announced != x->t->size) {
		sb_addf(why, "%llu bytes of the %lld announced", (unsigned long long)x->t->size,
			(long long)announced);
		return A_RETRY;
	}
	return x->t->size ? A_OK : A_EMPTY;
}

int fetch_download(const struct download *d, struct archive_tmp *t)
{
	const struct channel_conf *cc = d->cc;
	char errbuf[CURL_ERROR_SIZE];
	struct strbuf why = STRBUF_INIT;
	struct saved_signals saved;
	struct xfer x;
	CURL *h;
	int n, rc = RX_FETCH;
	enum attempt_result r = A_FAIL;

	h = curl_easy_init();
	if (!h) {
		error_at(RX_INTERNAL, cc->name, 0, "statement for %s: cannot start libcurl", d->date);
		return RX_INTERNAL;
	}
	memset(&x, 0, sizeof(x));
	x.d = d;
	x.t = t;
	if (setup(h, d, &x, errbuf) < 0) {
		curl_easy_cleanup(h);
		return RX_INTERNAL;
	}
	catch_signals(&saved);
	for (n = 1; !caught; n++) {
		int64_t wait;

		sb_reset(&why);
		r = attempt(h, &x, errbuf, &why);
		if (r != A_RETRY || n > cc->retries || caught)
			break;
		wait = fetch_backoff_ms(cc->retry_delay, n, d->rng);
		diag(DIAG_INFO, RX_OK, cc->name, 0,
		     "statement for %s: %s: %s; retry %d of %d in %lld.%lld s", d->date, d->shown,
		     why.buf, n, cc->retries, (long long)(wait / 1000),
		     (long long)(wait % 1000 / 100));
		nap(wait);
	}
	restore_signals(&saved);
	curl_easy_cleanup(h);
	if (caught) {
		sb_release(&why);
		return -(int)caught;
	}
	switch (r) {
	case A_OK:
		rc = RX_OK;
		break;
	case A_NOT_FOUND:
		error_at(RX_FETCH, cc->name, 0, "statement for %s not published yet: %s",
			 d->date, d->shown);
		break;
	case A_EMPTY:
		error_at(RX_FETCH, cc->name, 0, "statement for %s not published yet: %s is empty",
			 d->date, d->shown);
		break;
	case A_RETRY:
		if (n > 1) {
			error_at(RX_FETCH, cc->name, 0, "statement for %s: %s: %s (%d attempts)",
				 d->date, d->shown, why.buf, n);
			break;
		}
		/* fall through */
	case A_FAIL:
		error_at(RX_FETCH, cc->name, 0, "statement for %s: %s: %s", d->date, d->shown,
			 why.buf);
		break;
	case A_REPORTED:
		rc = RX_INTERNAL;
		break;
	}
	sb_release(&why);
	return rc;
}
