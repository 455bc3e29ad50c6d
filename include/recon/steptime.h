#ifndef RECON_STEPTIME_H
#define RECON_STEPTIME_H
/*
 * Step timings for benchmarks: when $RECON_TIMINGS names a file, each
 * long step of a command appends one line to it,
 *
 *     SCOPE STEP SECONDS ROWS PEAK_RSS_KIB
 *
 * (e.g. "wechat decode 1.234567 10000000 204800"), where PEAK_RSS_KIB is
 * the process's peak resident memory so far. bench/run.sh makes its table
 * from them. Unset: nothing is written and the calls cost a clock read.
 */
#include <stdint.h>

/* Seconds on a monotonic clock. */
double steptime_now(void);

/* Append the line for a step that began at start (steptime_now()) and
 * handled rows rows; seconds < 0: now - start. */
void steptime_note(const char *scope, const char *step, double start, double seconds,
		   uint64_t rows);

#endif
