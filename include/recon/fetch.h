#ifndef RECON_FETCH_H
#define RECON_FETCH_H
/*
 * Getting a channel's statement for a day into the archive (archive.h):
 * downloads with libcurl (http, https, ftp, sftp) and copies of local files
 * (a path, or file://), under the channel's settings in recon.conf
 * (man/recon.conf.5): timeouts, retries with exponential backoff and
 * jitter, not-before, ca-file, credentials, known-hosts.
 *
 * A download goes to a temporary file in the archive and becomes an object
 * only once complete and checked: as long as Content-Length says, not
 * empty, and its container opens and reads to the end (input.h). HTTP 404,
 * FTP/SFTP "no such file" and an empty body mean "not published yet".
 * Server errors (5xx, 408, 429) and network errors are retried; other
 * failures are not. TLS certificates and SSH host keys are always verified.
 * Credentials never appear in messages, the index or outputs.
 *
 * Messages name the channel ("recon: wechat: error: ..."); the status
 * returned is the one raised: RX_FETCH (not published, not-before, transfer
 * failed), RX_BADINPUT (the bytes are not a readable container, or a local
 * file cannot be read), RX_USAGE (a bad source template, an unreadable or
 * unsafe credentials file), RX_INTERNAL (archive or database).
 */
#include <stdint.h>

#include "recon/conf.h"
#include "recon/sha256.h"

struct sqlite3;
struct fetcher;   /* opaque */

/*
 * A fetcher for the workspace c, keeping its index in db (reported as
 * dbname). Leftover temporary files of killed fetches are removed from the
 * archive here. Shows a progress line for long downloads when progress is
 * set (callers pass isatty(2) and not -q). Writes nothing to the database
 * until fetch_record(). Returns NULL after reporting. c and db must outlive
 * the fetcher.
 */
struct fetcher *fetcher_new(const struct conf *c, struct sqlite3 *db, const char *dbname,
			    int progress);
void fetcher_free(struct fetcher *f);

enum fetch_outcome {
	FETCH_STORED,       /* in the archive; fetch_record() not called yet */
	FETCH_NEW,          /* recorded: the day's first copy */
	FETCH_UNCHANGED,    /* recorded already: the same bytes as the latest copy */
	FETCH_REISSUED,     /* recorded: different bytes, both kept (warned) */
	FETCH_ARCHIVED,     /* offline: the latest archived copy */
};

struct fetched {
	enum fetch_outcome outcome;
	char *name;          /* the source as the template gave it, credentials
	                        masked, file:// taken off: for messages and provenance */
	char *path;          /* the file to read: the archived object */
	char sha256[SHA256_HEXLEN + 1];
	uint64_t size;
	char prev_sha256[SHA256_HEXLEN + 1];  /* FETCH_REISSUED: the copy before */
};
void fetched_release(struct fetched *fd);

/*
 * Get channel cc's statement for day (days since the epoch) into the
 * archive and fill *out (FETCH_STORED; release it with fetched_release,
 * whatever the result). Only reads the database: a caller that must not
 * hold the write lock during a download (run) fetches first, then records
 * inside its transaction.
 *
 * offline: take no network: a remote source gives the latest archived
 * copy of the day (FETCH_ARCHIVED; an error when there is none, or when
 * the copy no longer matches its SHA-256); a local source is still read
 * and archived, it needs no network.
 *
 * Returns RX_OK, or the status raised after reporting (see above).
 */
int fetch_statement(struct fetcher *f, const struct channel_conf *cc, int64_t day,
		    int offline, struct fetched *fd);

/*
 * Record a FETCH_STORED fd as cc's statement for day in the index (making
 * the table at the first call), inside the caller's transaction when one
 * is open, else in one of its own; sets fd->outcome and warns when the
 * channel re-issued its statement. Other outcomes: nothing to do. Returns
 * RX_OK or RX_INTERNAL after reporting.
 */
int fetch_record(struct fetcher *f, const struct channel_conf *cc, int64_t day,
		 struct fetched *fd);

/* ---- parts, for the command and the tests ---- */

/* url with any password in it replaced by "***" ("https://u:***@host/x"):
 * a new string. Text that is no URL is copied as it is. */
char *fetch_mask_url(const char *url);

/* 1 when source (an expanded template) is remote (http, https, ftp, sftp,
 * or any other "scheme://" but file://), 0 when local. */
int fetch_is_remote(const char *source);

/*
 * The wait before retry number attempt (1, 2, ...) in milliseconds: the
 * base delay doubled for each earlier retry (capped at an hour), of which
 * the second half is random ("equal jitter"): in [d/2, d]. *rng is the
 * state of the random sequence (any value; updated), so a given seed gives
 * the same waits.
 */
int64_t fetch_backoff_ms(int base_seconds, int attempt, uint64_t *rng);

/*
 * The instant (UTC seconds) before which cc's statement for day is not
 * published: the first not-before time of day (channel time) at or after
 * the end of the statement day. Returns 0, or 1 when cc has no not-before.
 */
int fetch_not_before(const struct channel_conf *cc, int64_t day, int64_t *at);

/*
 * Check that the credentials file at path is a regular file only its owner
 * may read or write. Returns 0, or RX_USAGE after reporting
 * "recon: PATH: error: readable by others; chmod 600 PATH".
 */
int fetch_check_credentials(const char *path);

#endif
