#ifndef RECON_MANIFEST_H
#define RECON_MANIFEST_H
/*
 * Run manifests: what a `recon run` read and what it wrote, so that
 * `recon replay` can run the day again from the archive alone and compare
 * the outputs byte for byte (man/recon.1, "replay").
 *
 * A channel's run records (struct manifest_run, one per run of a channel's
 * day, in the run's transaction):
 *   the statement (its name, SHA-256 and size; part A archived it),
 *   the format file and the rules file it used (archived),
 *   the settings that matter (time zone, cut-off, grace days,
 *   --allow-rejects, the memory budget) and the recon version,
 *   the ledger extract: every ledger row the run read, as canonical
 *   records in a fixed order (the day's due items in scan order, then the
 *   rows point lookups found, sorted), gzip, archived,
 *   the suspense extract: what earlier runs left (the suspense items of
 *   the latest earlier run, the items settled early in the day's window)
 *   and every question the run asked about earlier runs with its answer,
 *   gzip, archived: later re-runs of earlier days do not change it,
 *   the rejects file and the channel's share of the day's files (the files
 *   rendered from that channel's results alone), archived gzip copies.
 * Each `recon run` that records a day adds a manifest (struct
 * manifest_day, numbered: `replay --run N`): the channel runs the day's
 * files are made of now, and those files' SHA-256 (archived gzip copies).
 * The tables are described at the top of src/manifest_store.c;
 * out/DATE/manifest.json shows the day's latest manifest.
 *
 * Archived gzip copies let replay show the rows that differ even after a
 * re-run replaced the files in out/DATE/.
 */
#include <stddef.h>
#include <stdint.h>

#include "recon/join.h"
#include "recon/record.h"
#include "recon/sha256.h"
#include "recon/strbuf.h"

struct conf;
struct channel_conf;
struct fetched;
struct run_info;
struct runstore;
struct sqlite3;

#define MANIFEST_HEX (SHA256_HEXLEN + 1)

/* A file by its SHA-256, and the archive object holding its bytes (the same
 * for files archived as they are; a gzip copy's for outputs and extracts). */
struct manifest_file {
	char *name;                   /* "report.txt", "formats/x.fmt", ... */
	char sha256[MANIFEST_HEX];
	char object[MANIFEST_HEX];    /* "" when the bytes are not archived */
	uint64_t size;                /* of the file itself */
};

/* One channel's run of a day, as recorded. */
struct manifest_run {
	int64_t id;                   /* manifest_runs.id */
	int64_t manifest;             /* the manifest of the recon run that ran it */
	int64_t run_id;               /* runs.id, as the outputs show it */
	char date[11];
	char *channel;
	char *recon_version;
	struct manifest_file statement;   /* name: as the source template gave it */
	char *format;                 /* the name in recon.conf */
	struct manifest_file format_file; /* name: the path it was read from */
	int rules_recorded;           /* 0: this recon applied no rules file */
	char *rules;                  /* the name in recon.conf */
	struct manifest_file rules_file;  /* name NULL: the built-in defaults */
	char *timezone;
	int cutoff, grace_days, allow_rejects;
	int64_t memory;               /* bytes; -1: the default */
	int64_t window_from, window_to;
	struct manifest_file ledger;  /* the extract: sha256 of the text */
	uint64_t ledger_rows;
	struct manifest_file suspense;
	char previous_run[11];        /* the date suspense came from; "" none */
	int has_rejects;
	struct manifest_file rejects; /* rejects-CHANNEL.csv */
	struct manifest_file *share;  /* the day's files from this channel alone */
	size_t nshare;
};
void manifest_run_release(struct manifest_run *r);

/* A day as a `recon run` left it. */
struct manifest_day {
	int64_t id;                   /* the manifest number */
	int64_t previous;             /* the day's manifest before it, 0: none */
	char date[11];
	char created[32];             /* UTC */
	char *recon_version;
	struct manifest_run *runs;    /* by channel */
	size_t nruns;
	char **unrecorded;            /* channels of the day with no manifest run
				       * (recorded by a recon before manifests) */
	size_t nunrecorded;
	struct manifest_file *outputs;    /* the day's files, by name */
	size_t noutputs;
};
void manifest_day_release(struct manifest_day *d);

/* ---- recording: recon run ---- */

struct manifest;        /* one recon run of one day */
struct manifest_chan;   /* one channel's run in it */

/*
 * Start recording a run of day for workspace c whose database is db
 * (reported as dbname) and whose outputs go to outdir. Nothing is written
 * before manifest_chan_finish(). Never NULL. c must outlive it.
 */
struct manifest *manifest_new(const struct conf *c, struct sqlite3 *db, const char *dbname,
			      int64_t day, const char *outdir, int allow_rejects);
void manifest_free(struct manifest *m);
/* The statement sorter's memory budget in bytes, when the run was given one. */
void manifest_set_memory(struct manifest *m, int64_t bytes);

/*
 * Begin recording channel cc: archives its format file now, before it is
 * decoded. Never NULL; free it with manifest_chan_free() whether or not
 * the channel was reconciled.
 */
struct manifest_chan *manifest_chan_new(struct manifest *m, const struct channel_conf *cc);
void manifest_chan_free(struct manifest_chan *mc);

/* The rules file the channel's run loaded: its path, or NULL (or
 * "(built-in)") for the built-in defaults. Archived at once. */
void manifest_rules(struct manifest_chan *mc, const char *path);

/*
 * What the run read. Each call keeps a copy; a failure (the archive) is
 * kept and reported by manifest_chan_finish(), so the callers need not
 * check. Ledger rows as the scan of the day's due items gives them, in its
 * order; rows that point lookups found, in any order.
 */
void manifest_ledger_row(struct manifest_chan *mc, const struct record *r);
void manifest_ledger_lookup(struct manifest_chan *mc, const struct record *r);
/* Instead of manifest_ledger_row() for each: the day's due items are the
 * day file at path (ledger_days.h) with that SHA-256 and rows. The file
 * itself is archived (linked when it can be: day files never change) and
 * named in the ledger extract, so that a day of millions of rows costs no
 * more than a link; replay reads the rows back from it. */
void manifest_ledger_dayfile(struct manifest_chan *mc, const char *path, const char *sha256,
			     uint64_t rows);
/* The suspense items of the latest earlier run and the items settled
 * before this day in its window, as runstore_pending and
 * runstore_settled_in gave them (only kind and key of the latter). */
void manifest_suspense(struct manifest_chan *mc, const struct pending_item *pend, size_t npend,
		       const struct pending_item *settled, size_t nsettled);

enum manifest_question {
	MQ_SETTLED_BEFORE,       /* kind, key, the item's paid time */
	MQ_NO_STATEMENT_BEFORE,  /* kind, key */
	MQ_DUE_DAY_RAN,          /* arg: the day asked about (kind, key unused) */
};
/* A question about earlier runs and its answer (1, 0; -1, an error, is
 * not recorded). Returns answer, so a caller can wrap its query. */
int manifest_answer(struct manifest_chan *mc, enum manifest_question q, int kind,
		    const char *key, int64_t arg, int answer);

/*
 * The channel's run ri was recorded (runstore_finish done, inside the
 * run's transaction) from statement fd: archive the extracts and the
 * rejects file, and store the channel's manifest run. Returns 0, or -1
 * after reporting (the run must be rolled back).
 */
int manifest_chan_finish(struct manifest_chan *mc, const struct run_info *ri,
			 const struct fetched *fd);

/*
 * After the last channel, still inside the transaction: render the day's
 * files and each channel's share from rs (report_write_day into a scratch
 * folder), archive copies, and store the manifest. Nothing to do when no
 * channel finished. Returns 0, or -1 after reporting.
 */
int manifest_day(struct manifest *m, struct runstore *rs);

/* After the commit: write outdir/manifest.json (replaced atomically).
 * Returns 0, or -1 after reporting. */
int manifest_publish(struct manifest *m);

/* ---- the tables (src/manifest_store.c) ---- */

/* Make or migrate the tables (inside a write transaction). 0 or -1. */
int manifest_store_create(struct sqlite3 *db, const char *dbname);
/* Do the tables exist? 1, 0, -1 after reporting. */
int manifest_store_exists(struct sqlite3 *db, const char *dbname);
/* Insert r (sets r->id) / d (its runs must be stored; sets d->id when 0,
 * else inserts with that id). Return 0 or -1 after reporting. */
int manifest_store_run(struct sqlite3 *db, const char *dbname, struct manifest_run *r);
int manifest_store_day(struct sqlite3 *db, const char *dbname, struct manifest_day *d);
/* A new manifest number for date (a row without members yet). */
int manifest_store_new_day(struct sqlite3 *db, const char *dbname, const char *date,
			   const char *created, const char *version, int64_t *id);
/* The latest manifest run of runs.id run_id into *out: 1, 0 none, -1. */
int manifest_store_latest_run(struct sqlite3 *db, const char *dbname, int64_t run_id,
			      struct manifest_run *out);
/*
 * Manifest id of date (0: the latest) into *out: 1, 0 when there is none
 * (or id is not one of date's), -1 after reporting. The ids of date's
 * manifests go to *ids (may be NULL; the caller frees) for messages.
 */
int manifest_store_load(struct sqlite3 *db, const char *dbname, const char *date,
			int64_t id, struct manifest_day *out, int64_t **ids, size_t *nids);

/* ---- encodings (src/manifest_codec.c) ---- */

/* A record as one line of the ledger extract, without newline: tab-separated
 * fields, backslash escapes for tab, newline, CR and backslash. */
void manifest_record_line(struct strbuf *sb, const struct record *r);
/* Parse such a line (len bytes, no newline); r->file is NULL. 0 or -1. */
int manifest_record_parse(const char *line, size_t len, struct record *r);

/* manifest.json for d. */
void manifest_json(const struct manifest_day *d, struct strbuf *sb);

/* ---- replay's hooks in recon run ---- */

/*
 * While replay runs a day again: 1 with *fd filled (FETCH_ARCHIVED, the
 * archived statement the recorded run read, under its recorded name);
 * 0 when not replaying (fetch it).
 */
int manifest_replay_statement(const char *channel, struct fetched *fd);
/* The recon version to record for channel's run: the recorded one while
 * replaying (the outputs name it), else this recon's. */
const char *manifest_recon_version(const char *channel);

#endif
