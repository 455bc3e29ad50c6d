/* steptime.c: $RECON_TIMINGS lines (steptime.h). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "recon/steptime.h"

double steptime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void steptime_note(const char *scope, const char *step, double start, double seconds,
		   uint64_t rows)
{
	const char *path = getenv("RECON_TIMINGS");
	struct rusage ru;
	FILE *f;

	if (!path || !*path)
		return;
	if (seconds < 0)
		seconds = steptime_now() - start;
	getrusage(RUSAGE_SELF, &ru);
	f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "%s %s %.6f %llu %ld\n", scope, step, seconds, (unsigned long long)rows,
		ru.ru_maxrss);
	fclose(f);
}
