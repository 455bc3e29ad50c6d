/* record.c: the canonical record's names and formatting. */
#include <stdio.h>
#include <string.h>

#include "recon/record.h"
#include "recon/tz.h"

static const char *const kind_names[KIND__COUNT] = {
	"PAY", "REFUND", "REVERSAL", "FEE", "ADJUSTMENT"
};
static const char *const status_names[STATUS__COUNT] = {
	"SUCCESS", "PENDING", "CLOSED", "FAILED"
};

void record_init(struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->time = REC_NO_TIME;
	r->paid_time = REC_NO_TIME;
}

const char *rec_kind_name(int kind)
{
	return kind >= 0 && kind < KIND__COUNT ? kind_names[kind] : "?";
}

const char *rec_status_name(int status)
{
	return status >= 0 && status < STATUS__COUNT ? status_names[status] : "?";
}

int rec_kind_parse(const char *s)
{
	int i;

	for (i = 0; i < KIND__COUNT; i++)
		if (!strcmp(s, kind_names[i]))
			return i;
	return -1;
}

int rec_status_parse(const char *s)
{
	int i;

	for (i = 0; i < STATUS__COUNT; i++)
		if (!strcmp(s, status_names[i]))
			return i;
	return -1;
}

const char *record_key(const struct record *r)
{
	return r->kind == KIND_REFUND ? r->refund_code : r->order_code;
}

void rec_time_format(int64_t t, int32_t off, char *buf)
{
	int64_t local, days, secs, y;
	unsigned m, d;
	int32_t a;

	if (t == REC_NO_TIME) {
		buf[0] = '\0';
		return;
	}
	local = t + off;
	days = local / 86400;
	secs = local % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	a = off < 0 ? -off : off;
	snprintf(buf, 32, "%04lld-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", (long long)y, m, d,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
		 off < 0 ? '-' : '+', (int)(a / 3600), (int)(a / 60 % 60));
}
