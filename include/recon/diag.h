#ifndef RECON_DIAG_H
#define RECON_DIAG_H
/*
 * Diagnostics and exit status, in the manner of mandoc: every message reads
 *     recon: FILE:LINE: error: message
 * and the process exit status is the worst status raised during the run.
 */
#include <stdint.h>
#include "recon/strbuf.h"

/* Exit status contract (man/recon.1, EXIT STATUS). Worse is larger. */
enum recon_exit {
	RX_OK = 0,          /* reconciled, no open discrepancy */
	RX_DISCREPANCY = 1, /* discrepancies found */
	RX_USAGE = 2,       /* usage or configuration error */
	RX_BADINPUT = 3,    /* a statement or ledger file rejected */
	RX_FETCH = 4,       /* fetch failed / statement not there */
	RX_INTERNAL = 5     /* internal or database error */
};

enum diag_level { DIAG_DEBUG, DIAG_INFO, DIAG_WARNING, DIAG_ERROR };

/* -1 quiet (errors only), 0 normal, 1 verbose (info and debug). */
void diag_set_verbosity(int v);
int diag_verbosity(void);

/*
 * Print one diagnostic on stderr. file may be NULL (no location), line <= 0
 * means no line. status is raised into the exit status (RX_OK raises
 * nothing). Warnings and info are silenced by -q; errors never are.
 */
void diag(enum diag_level level, enum recon_exit status, const char *file,
	  int64_t line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Shorthands. */
#define error_at(st, file, line, ...) diag(DIAG_ERROR, (st), (file), (line), __VA_ARGS__)
#define warn_at(file, line, ...)      diag(DIAG_WARNING, RX_OK, (file), (line), __VA_ARGS__)
#define info(...)                     diag(DIAG_INFO, RX_OK, NULL, 0, __VA_ARGS__)

/* Raise the exit status to at least st without printing. */
void diag_raise(enum recon_exit st);
/* Quiet the calling thread (on: 1) until the matching diag_quiet(0);
 * calls nest. While quiet, its diagnostics print nothing and raise no
 * status. For trying a file against every format (format_bid()), where
 * failing is the expected answer. */
void diag_quiet(int on);
/* fn is called before each message is printed, so that a progress line
 * (progress.c) is erased first; NULL: nothing. */
void diag_set_before(void (*fn)(void));
/* Messages a helper thread holds for the thread it works for. */
struct diag_held {
	struct strbuf text;            /* as diag() would have printed them */
	enum recon_exit worst;
};
#define DIAG_HELD_INIT { STRBUF_INIT, RX_OK }

/* From now on the calling thread's messages go into h, formatted, instead
 * of to stderr, and raise no status, until diag_hold(NULL): for a helper
 * thread (reading ahead) whose messages must come from the thread it
 * serves, in their place among its own. h must outlive the holding. */
void diag_hold(struct diag_held *h);
/* Print what h holds (on the calling thread) and raise the exit status
 * to its worst; h is emptied. */
void diag_give(struct diag_held *h);

/* The worst status raised so far. */
enum recon_exit diag_status(void);
/* Reset (tests). */
void diag_reset(void);

#endif
