/* replay_int.h: the parts of `recon replay` (src/replay*.c, cmd_replay.c). */
#ifndef RECON_REPLAY_INT_H
#define RECON_REPLAY_INT_H
#include <stddef.h>
#include <stdint.h>

#include "recon/cmd.h"
#include "recon/manifest.h"

struct conf;

struct replay {
	const struct globals *g;
	struct conf *conf;
	int64_t day;
	char date[11];
	char *archive;            /* the live archive folder, resolved */
	char *archive_shown;      /* as recon.conf says it (messages) */
	char *outdir;             /* the live out/DATE, resolved */
	char *outdir_shown;
	struct manifest_day md;   /* the manifest replayed */
	int latest;               /* it is the day's latest: out/DATE is its files */
	struct manifest_run **sel;    /* the channel runs replayed */
	size_t nsel;
	int all;                  /* every channel of the day: compare the day's files */
	char *scratch;            /* $TMPDIR/recon-replay.XXXXXX */
	char *scratch_out;        /* its out/DATE */
	int differ;               /* files listed as differing */
};

/* archive/ab/abcd... as recon.conf names the archive: a new string. */
char *replay_object_shown(const struct replay *rp, const char *hex);
/* The live object path: a new string. */
char *replay_object_path(const struct replay *rp, const char *hex);

/*
 * Check every archived input of the selected runs: report each one missing
 * ("archive/ab/abcd...: missing") or damaged ("...: damaged (SHA-256
 * differs)") as an error (RX_BADINPUT). Returns 0 when all are sound, 1
 * when some are not, -1 on an error reading them.
 */
int replay_check_inputs(struct replay *rp);

/*
 * Make the scratch workspace: recon.conf, formats/ and rules/ from the
 * archive, and a database holding the ledger extracts as its ledger and,
 * for each channel, what earlier runs had left and answered (the suspense
 * extract), with the day's runs under their recorded ids. 0 or -1.
 */
int replay_build(struct replay *rp);

/* Run the day again in the scratch workspace (recon run, offline, the
 * statements from the archive). Returns its exit status. */
int replay_run(struct replay *rp);

/* Compare the outputs, listing differences on stdout. 0 identical, 1 not,
 * -1 on an error. */
int replay_compare(struct replay *rp);

/* While replaying: the statements and versions recon run takes
 * (manifest_replay_statement, manifest_recon_version). */
void replay_hooks_set(struct replay *rp);
void replay_hooks_clear(void);

#endif
