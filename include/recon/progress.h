#ifndef RECON_PROGRESS_H
#define RECON_PROGRESS_H
/*
 * A progress line for long steps (reading a statement, matching, importing
 * a ledger), on standard error and only on a terminal:
 *
 *     recon: wechat: reading 2026-11-21.csv: 3.2M rows, 310 MB of 1.0 GB,
 *            1.2M rows/s, 95 MB/s
 *
 * shown once a step has taken a second, redrawn four times a second, and
 * erased when the step ends, so that nothing of it stays in the output.
 * Nothing at all when stderr is not a terminal or with -q. Every function
 * takes NULL (no display) and does nothing then.
 */
#include <stdint.h>
#include <stdio.h>

struct progress;

/* Start a display of `what` for a step of total bytes (0: not known).
 * NULL when stderr is not a terminal or diagnostics are quiet. */
struct progress *progress_start(const char *what, uint64_t total);

/* The same on out, whatever it is (tests). Never returns NULL. */
struct progress *progress_new(FILE *out, const char *what, uint64_t total);

/* Rows and bytes done so far. Cheap enough for every row: the clock is
 * read every 1024 calls or MiB. One thread at a time. */
void progress_update(struct progress *p, uint64_t rows, uint64_t bytes);

/* The same at a given time in milliseconds (on any fixed origin): draws
 * when due. */
void progress_at(struct progress *p, uint64_t rows, uint64_t bytes, int64_t now_ms);

/* Erase the line (if one was drawn) and free p. */
void progress_end(struct progress *p);

#endif
