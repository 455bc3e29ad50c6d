#ifndef RECON_CONF_H
#define RECON_CONF_H
/*
 * recon.conf: the workspace configuration (man/recon.conf.5). Relative paths
 * are resolved against the folder that holds recon.conf, never the current
 * directory: cron starts in $HOME.
 */
#include <stdint.h>

struct channel_conf {
	char *name;
	char *format;       /* format name, e.g. "wechat-trade" */
	char *source;       /* path or URL template with {date} etc. */
	char *timezone;     /* "+08:00" or an IANA name; default "+08:00" */
	int cutoff;         /* the channel's day boundary, minutes after local midnight */
	int grace_days;     /* default 1 */
	char *rules;        /* rules name; default "default" */
	/* Fetching (src/fetch.c, man/recon.conf.5). */
	int connect_timeout;    /* seconds; default 30 */
	int timeout;            /* seconds for a whole transfer; default 600 */
	int retries;            /* further attempts after a failure; default 3 */
	int retry_delay;        /* seconds before the first retry, doubled each time; default 5 */
	int not_before;         /* minutes after midnight, channel time; -1: none */
	char *ca_file;          /* PEM CA bundle for TLS; NULL: the system's */
	char *credentials;      /* netrc-style file; NULL: none */
	char *known_hosts;      /* sftp host keys; NULL: ~/.ssh/known_hosts */
	const char *file;   /* where it was declared, for messages */
	int64_t line;
};

struct conf {
	char *path;         /* recon.conf as found */
	char *dir;          /* its folder: the workspace */
	char *database;     /* absolute or relative to dir, resolved by conf_path() */
	char *archive_dir;
	char *output_dir;
	size_t memory;      /* [run] memory: bytes a statement's sort may use */
	struct channel_conf *channels;
	size_t nchannels;
};

/*
 * Find recon.conf (explicit path, then $RECON_CONFIG, then ./recon.conf) and
 * load it. explicit may be NULL. Unknown sections, unknown keys and bad
 * values are errors naming file and line (status RX_USAGE). Returns a conf
 * the caller frees with conf_free(), or NULL after printing why.
 */
struct conf *conf_load(const char *explicit);
/* Load one file by path; same contract as conf_load(). */
struct conf *conf_load_file(const char *path);
void conf_free(struct conf *c);

/* Resolve a configured path against the workspace folder: a new string. */
char *conf_path(const struct conf *c, const char *p);
/* The channel named name, or NULL. */
const struct channel_conf *conf_channel(const struct conf *c, const char *name);

/* A size as recon.conf writes it: digits, then optionally K, M or G
 * (powers of 1024). Returns 0 with the bytes in *out, or -1 when s is not
 * one or is less than min. */
int conf_parse_size(const char *s, size_t min, size_t *out);

/* The commented recon.conf that `recon init` writes (static text). */
const char *conf_template(void);

#endif
