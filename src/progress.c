/* progress.c: the progress line of progress.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "recon/diag.h"
#include "recon/progress.h"
#include "recon/strbuf.h"
#include "recon/util.h"

/* Steps shorter than this show nothing: a line that flashes is noise. */
#define AFTER_MS 1000
#define EVERY_MS 250
#define CALLS_PER_CLOCK 1024
#define CLOCK_BYTES ((uint64_t)1 << 20)

struct progress {
	FILE *out;
	char *what;
	uint64_t total;
	int64_t start, last;      /* ms; start < 0: not yet known; last: INT64_MIN */
	unsigned calls;
	uint64_t seen_bytes;      /* bytes when the clock was last read */
	int shown;
};

/* The line on the terminal, erased before a message is printed. */
static struct progress *drawn;

static void erase(struct progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
	}
	p->shown = 0;
	if (drawn == p) {
		drawn = NULL;
		diag_set_before(NULL);
	}
}

static void erase_drawn(void)
{
	if (drawn)
		erase(drawn);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct progress *progress_new(FILE *out, const char *what, uint64_t total)
{
	struct progress *p = xcalloc(1, sizeof(*p));

	p->out = out;
	p->what = xstrdup(what);
	p->total = total;
	p->start = -1;
	p->last = INT64_MIN;
	return p;
}

struct progress *progress_start(const char *what, uint64_t total)
{
	struct progress *p;

	if (diag_verbosity() < 0 || !isatty(2))
		return NULL;
	p = progress_new(stderr, what, total);
	p->start = now_ms();
	return p;
}

/* 3.2M, 310k, 17 */
static void add_count(struct strbuf *sb, double n, const char *unit)
{
	if (n >= 1e9)
		sb_addf(sb, "%.1fG%s", n / 1e9, unit);
	else if (n >= 1e6)
		sb_addf(sb, "%.1fM%s", n / 1e6, unit);
	else if (n >= 1e4)
		sb_addf(sb, "%.0fk%s", n / 1e3, unit);
	else
		sb_addf(sb, "%.0f%s", n, *unit ? unit : "");
}

static void add_bytes(struct strbuf *sb, double n)
{
	if (n >= 1e9)
		sb_addf(sb, "%.1f GB", n / 1e9);
	else
		sb_addf(sb, "%.0f MB", n / 1e6);
}

void progress_at(struct progress *p, uint64_t rows, uint64_t bytes, int64_t now)
{
	struct strbuf sb = STRBUF_INIT;
	double secs;

	if (!p)
		return;
	if (p->start < 0)
		p->start = now;
	if (now - p->start < AFTER_MS || (p->last != INT64_MIN && now - p->last < EVERY_MS))
		return;
	p->last = now;
	secs = (double)(now - p->start) / 1000;
	sb_addf(&sb, "\rrecon: %s: ", p->what);
	add_count(&sb, (double)rows, "");
	sb_adds(&sb, " rows");
	if (bytes) {
		sb_adds(&sb, ", ");
		add_bytes(&sb, (double)bytes);
		if (p->total >= bytes) {
			sb_adds(&sb, " of ");
			add_bytes(&sb, (double)p->total);
		}
	}
	sb_adds(&sb, ", ");
	add_count(&sb, (double)rows / secs, " rows/s");
	if (bytes)
		sb_addf(&sb, ", %.0f MB/s", (double)bytes / 1e6 / secs);
	sb_adds(&sb, "\033[K");
	fputs(sb.buf, p->out);
	fflush(p->out);
	sb_release(&sb);
	p->shown = 1;
	if (drawn != p) {
		drawn = p;
		diag_set_before(erase_drawn);
	}
}

void progress_update(struct progress *p, uint64_t rows, uint64_t bytes)
{
	if (!p || (++p->calls % CALLS_PER_CLOCK && bytes - p->seen_bytes < CLOCK_BYTES))
		return;
	p->seen_bytes = bytes;
	progress_at(p, rows, bytes, now_ms());
}

void progress_end(struct progress *p)
{
	if (!p)
		return;
	erase(p);
	free(p->what);
	free(p);
}
