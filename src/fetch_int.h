#ifndef RECON_FETCH_INT_H
#define RECON_FETCH_INT_H
/* Inside fetching: the transfer (fetch_curl.c) under fetch.c. */
#include <stdint.h>

#include "recon/archive.h"
#include "recon/conf.h"

struct download {
	const char *url;         /* as configured, credentials and all */
	const char *shown;       /* the same, credentials masked: for messages */
	const char *date;        /* the statement day, YYYY-MM-DD */
	const struct channel_conf *cc;
	const char *ca_file;     /* resolved paths, or NULL */
	const char *netrc;
	const char *known_hosts;
	int progress;            /* show a progress line on stderr */
	uint64_t *rng;           /* jitter of the retry waits */
};

/*
 * Download d->url into t (emptied first, and again before each retry),
 * retrying as cc says. Returns RX_OK when t holds the whole body (as long
 * as announced, not empty), the status raised after reporting why not, or
 * minus the number of a signal (SIGINT, SIGTERM, SIGHUP) that interrupted
 * it, reported nothing: the caller cleans up and dies of that signal.
 */
int fetch_download(const struct download *d, struct archive_tmp *t);

#endif
