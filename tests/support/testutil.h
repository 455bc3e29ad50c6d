#ifndef RECON_TESTUTIL_H
#define RECON_TESTUTIL_H
/*
 * Helpers shared by the cmocka unit tests: a scratch folder per test, files
 * written and read back, and standard error captured. Failures are cmocka
 * assertions, so a helper that cannot do its job fails the test calling it.
 */
#include <stddef.h>
#include <stdio.h>

#include "recon/strbuf.h"

/* Create /tmp/NAME.XXXXXX, make it the current directory and reset the
 * diagnostics. Returns 0, or -1 (for a cmocka setup function). */
int scratch_enter(const char *name);
/* The directory scratch_enter() left (the top of the tree under make). */
const char *scratch_origin(void);
/* Go back to the directory of scratch_enter() and remove the scratch folder. */
int scratch_leave(void);

/* Write n bytes (or a string) to path, creating its folders. */
void write_bytes(const char *path, const void *data, size_t n);
void write_file(const char *path, const char *text);
/* The whole file as a NUL-terminated string the caller frees. */
char *slurp(const char *path);

/* Redirect stderr (fd 2) into a temporary file until capture_end(), which
 * puts what was written into out (initialised here) and restores stderr.
 * capture_begin also resets the diagnostics' exit status. */
void capture_begin(FILE **tmp, int *saved);
void capture_end(FILE *tmp, int saved, struct strbuf *out);

#endif
