/* diag.c: "recon: file:line: error: message" and the worst exit status. */
#include <stdarg.h>
#include <stdio.h>

#include "recon/diag.h"
#include "recon/strbuf.h"

static int verbosity;
static enum recon_exit worst = RX_OK;
/* Per thread: a decode on another thread must still be heard. */
static _Thread_local int quiet;
/* Per thread: where its messages are held (diag_hold()), or NULL. */
static _Thread_local struct diag_held *held;
static void (*before)(void);

static const char *const level_names[] = {
	[DIAG_DEBUG] = "debug",
	[DIAG_INFO] = "info",
	[DIAG_WARNING] = "warning",
	[DIAG_ERROR] = "error",
};

void diag_set_verbosity(int v)
{
	verbosity = v;
}

int diag_verbosity(void)
{
	return verbosity;
}

void diag_quiet(int on)
{
	if (on)
		quiet++;
	else if (quiet)
		quiet--;
}

void diag_set_before(void (*fn)(void))
{
	before = fn;
}

void diag_raise(enum recon_exit st)
{
	if (quiet)
		return;
	if (st > worst)
		worst = st;
}

enum recon_exit diag_status(void)
{
	return worst;
}

void diag_reset(void)
{
	worst = RX_OK;
	verbosity = 0;
}

void diag(enum diag_level level, enum recon_exit status, const char *file,
	  int64_t line, const char *fmt, ...)
{
	struct strbuf own = STRBUF_INIT, *sb = held ? &held->text : &own;
	va_list ap;

	if (quiet)
		return;
	if (held && status > held->worst)
		held->worst = status;
	else if (!held)
		diag_raise(status);
	if (level == DIAG_DEBUG && verbosity < 1)
		return;
	if (level == DIAG_INFO && verbosity < 0)
		return;
	if (level == DIAG_WARNING && verbosity < 0)
		return;
	sb_adds(sb, "recon: ");
	if (file && line > 0)
		sb_addf(sb, "%s:%lld: ", file, (long long)line);
	else if (file)
		sb_addf(sb, "%s: ", file);
	if (level != DIAG_INFO)
		sb_addf(sb, "%s: ", level_names[level]);
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
	sb_addc(sb, '\n');
	if (held)
		return;
	if (before)
		before();
	fwrite(own.buf, 1, own.len, stderr);
	sb_release(&own);
}

void diag_hold(struct diag_held *h)
{
	held = h;
}

void diag_give(struct diag_held *h)
{
	if (!quiet) {
		diag_raise(h->worst);
		if (h->text.len) {
			if (before)
				before();
			fwrite(h->text.buf, 1, h->text.len, stderr);
		}
	}
	sb_reset(&h->text);
	h->worst = RX_OK;
}
