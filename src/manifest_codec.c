/*
 * manifest_codec.c: the text of the ledger extract's records and of
 * manifest.json.
 *
 * A record line holds every field of the canonical record but the file
 * (ledger rows have none), tab-separated:
 *   channel kind status order_code refund_code channel_txn_id amount
 *   currency fee time time_off paid_time paid_off line
 * Amounts and times are integers (minor units, UTC seconds, seconds east),
 * "-" for an absent time: exact, whatever the currency or zone.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recon/manifest.h"
#include "recon/tz.h"
#include "recon/util.h"
#include "manifest_int.h"

#define NFIELDS 14

void manifest_add_text(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\t': sb_adds(sb, "\\t"); break;
		case '\n': sb_adds(sb, "\\n"); break;
		case '\r': sb_adds(sb, "\\r"); break;
		case '\\': sb_adds(sb, "\\\\"); break;
		default: sb_addc(sb, *s);
		}
	}
}

static void add_time(struct strbuf *sb, int64_t t, int32_t off)
{
	if (t == REC_NO_TIME)
		sb_adds(sb, "\t-\t-");
	else
		sb_addf(sb, "\t%" PRId64 "\t%" PRId32, t, off);
}

void manifest_record_line(struct strbuf *sb, const struct record *r)
{
	manifest_add_text(sb, r->channel);
	sb_addf(sb, "\t%s\t%s\t", rec_kind_name(r->kind), rec_status_name(r->status));
	manifest_add_text(sb, r->order_code);
	sb_addc(sb, '\t');
	manifest_add_text(sb, r->refund_code);
	sb_addc(sb, '\t');
	manifest_add_text(sb, r->channel_txn_id);
	sb_addf(sb, "\t%" PRId64 "\t", r->amount);
	manifest_add_text(sb, r->currency);
	sb_addf(sb, "\t%" PRId64, r->fee);
	add_time(sb, r->time, r->time_off);
	add_time(sb, r->paid_time, r->paid_off);
	sb_addf(sb, "\t%" PRId64, r->line);
}

/* Unescape [s, s + n) into dst (size bytes); -1 when it does not fit or an
 * escape is unknown. */
int manifest_get_text(const char *s, size_t n, char *dst, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\') {
			if (++i == n)
				return -1;
			switch (s[i]) {
			case 't': c = '\t'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case '\\': c = '\\'; break;
			default: return -1;
			}
		}
		if (o + 1 >= size)
			return -1;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

static int get_int(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *v)
{
	char buf[32];

	if (!n || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return parse_int(buf, lo, hi, v) ? -1 : 0;
}

static int get_time(const char *const f[], const size_t len[], int i, int64_t *t,
		    int32_t *off)
{
	int64_t v;

	if (len[i] == 1 && f[i][0] == '-' && len[i + 1] == 1 && f[i + 1][0] == '-') {
		*t = REC_NO_TIME;
		*off = 0;
		return 0;
	}
	if (get_int(f[i], len[i], INT64_MIN + 1, INT64_MAX, t) < 0 ||
	    get_int(f[i + 1], len[i + 1], -86400, 86400, &v) < 0)
		return -1;
	*off = (int32_t)v;
	return 0;
}

int manifest_record_parse(const char *line, size_t len, struct record *r)
{
	const char *f[NFIELDS], *p = line, *end = line + len;
	size_t flen[NFIELDS];
	char name[16];
	int n = 0, v;

	record_init(r);
	for (;;) {
		const char *t = memchr(p, '\t', (size_t)(end - p));

		if (n == NFIELDS)
			return -1;
		f[n] = p;
		flen[n] = (size_t)((t ? t : end) - p);
		n++;
		if (!t)
			break;
		p = t + 1;
	}
	if (n != NFIELDS)
		return -1;
	if (manifest_get_text(f[0], flen[0], r->channel, sizeof(r->channel)) < 0 ||
	    manifest_get_text(f[1], flen[1], name, sizeof(name)) < 0 || (v = rec_kind_parse(name)) < 0)
		return -1;
	r->kind = (uint8_t)v;
	if (manifest_get_text(f[2], flen[2], name, sizeof(name)) < 0 || (v = rec_status_parse(name)) < 0)
		return -1;
	r->status = (uint8_t)v;
	if (manifest_get_text(f[3], flen[3], r->order_code, sizeof(r->order_code)) < 0 ||
	    manifest_get_text(f[4], flen[4], r->refund_code, sizeof(r->refund_code)) < 0 ||
	    manifest_get_text(f[5], flen[5], r->channel_txn_id, sizeof(r->channel_txn_id)) < 0 ||
	    get_int(f[6], flen[6], INT64_MIN, INT64_MAX, &r->amount) < 0 ||
	    manifest_get_text(f[7], flen[7], r->currency, sizeof(r->currency)) < 0 ||
	    get_int(f[8], flen[8], INT64_MIN, INT64_MAX, &r->fee) < 0 ||
	    get_time(f, flen, 9, &r->time, &r->time_off) < 0 ||
	    get_time(f, flen, 11, &r->paid_time, &r->paid_off) < 0 ||
	    get_int(f[13], flen[13], INT64_MIN, INT64_MAX, &r->line) < 0)
		return -1;
	return 0;
}

/* ---- manifest.json ---- */

static void json_str(struct strbuf *sb, const char *s)
{
	if (s)
		sb_add_json(sb, s);
	else
		sb_adds(sb, "null");
}

static void json_hex(struct strbuf *sb, const char *hex)
{
	json_str(sb, *hex ? hex : NULL);
}

/* {"file": ..., "sha256": ..., "archived": ...}: archived only when it is
 * another object than the file's own bytes. */
static void json_file(struct strbuf *sb, const struct manifest_file *f, int with_size)
{
	sb_adds(sb, "{\"file\": ");
	json_str(sb, f->name);
	sb_adds(sb, ", \"sha256\": ");
	json_hex(sb, f->sha256);
	if (with_size)
		sb_addf(sb, ", \"size\": %" PRIu64, f->size);
	if (*f->object && strcmp(f->object, f->sha256)) {
		sb_adds(sb, ", \"archived\": ");
		json_hex(sb, f->object);
	}
	sb_addc(sb, '}');
}

static void json_time(struct strbuf *sb, const char *zone, int64_t t)
{
	const char *why;
	const struct tz *z = tz_get(zone, &why);
	char buf[32];

	rec_time_format(t, z ? tz_offset_at(z, t) : 0, buf);
	sb_addf(sb, "\"%s\"", buf);
}

static void json_run(struct strbuf *sb, const struct manifest_run *r)
{
	size_t i;

	sb_adds(sb, "    {\n      \"channel\": ");
	json_str(sb, r->channel);
	sb_addf(sb, ",\n      \"run_id\": %" PRId64 ",\n      \"manifest\": %" PRId64
		",\n      \"recon_version\": ", r->run_id, r->manifest);
	json_str(sb, r->recon_version);
	sb_adds(sb, ",\n      \"statement\": ");
	json_file(sb, &r->statement, 1);
	sb_adds(sb, ",\n      \"format\": {\"name\": ");
	json_str(sb, r->format);
	sb_adds(sb, ", \"file\": ");
	json_str(sb, r->format_file.name);
	sb_adds(sb, ", \"sha256\": ");
	json_hex(sb, r->format_file.sha256);
	sb_adds(sb, "},\n      \"rules\": ");
	if (r->rules_recorded) {
		sb_adds(sb, "{\"name\": ");
		json_str(sb, r->rules);
		sb_adds(sb, ", \"file\": ");
		json_str(sb, r->rules_file.name);
		sb_adds(sb, ", \"sha256\": ");
		json_hex(sb, r->rules_file.sha256);
		sb_addc(sb, '}');
	} else {
		sb_adds(sb, "null");
	}
	sb_adds(sb, ",\n      \"settings\": {\"timezone\": ");
	json_str(sb, r->timezone);
	sb_addf(sb, ", \"cutoff\": \"%02d:%02d\", \"grace_days\": %d, \"allow_rejects\": %s,"
		" \"memory\": ", r->cutoff / 60, r->cutoff % 60, r->grace_days,
		r->allow_rejects ? "true" : "false");
	if (r->memory >= 0)
		sb_addf(sb, "%" PRId64, r->memory);
	else
		sb_adds(sb, "null");
	sb_adds(sb, "},\n      \"window\": {\"from\": ");
	json_time(sb, r->timezone, r->window_from);
	sb_adds(sb, ", \"to\": ");
	json_time(sb, r->timezone, r->window_to);
	sb_addf(sb, "},\n      \"ledger\": {\"rows\": %" PRIu64 ", \"sha256\": ", r->ledger_rows);
	json_hex(sb, r->ledger.sha256);
	sb_adds(sb, ", \"archived\": ");
	json_hex(sb, r->ledger.object);
	sb_adds(sb, "},\n      \"suspense\": {\"previous_run\": ");
	json_str(sb, *r->previous_run ? r->previous_run : NULL);
	sb_adds(sb, ", \"sha256\": ");
	json_hex(sb, r->suspense.sha256);
	sb_adds(sb, ", \"archived\": ");
	json_hex(sb, r->suspense.object);
	sb_adds(sb, "},\n      \"rejects\": ");
	if (r->has_rejects)
		json_file(sb, &r->rejects, 0);
	else
		sb_adds(sb, "null");
	sb_adds(sb, ",\n      \"share\": [");
	for (i = 0; i < r->nshare; i++) {
		sb_adds(sb, i ? ",\n        " : "\n        ");
		json_file(sb, &r->share[i], 0);
	}
	sb_adds(sb, r->nshare ? "\n      ]\n    }" : "]\n    }");
}

void manifest_json(const struct manifest_day *d, struct strbuf *sb)
{
	size_t i;

	sb_addf(sb, "{\n  \"manifest\": %" PRId64 ",\n  \"previous\": ", d->id);
	if (d->previous)
		sb_addf(sb, "%" PRId64, d->previous);
	else
		sb_adds(sb, "null");
	sb_addf(sb, ",\n  \"date\": \"%s\",\n  \"created\": ", d->date);
	json_str(sb, d->created);
	sb_adds(sb, ",\n  \"recon_version\": ");
	json_str(sb, d->recon_version);
	sb_adds(sb, ",\n  \"channels\": [");
	for (i = 0; i < d->nruns; i++) {
		sb_adds(sb, i ? ",\n" : "\n");
		json_run(sb, &d->runs[i]);
	}
	sb_adds(sb, d->nruns ? "\n  ],\n  \"unrecorded\": [" : "],\n  \"unrecorded\": [");
	for (i = 0; i < d->nunrecorded; i++) {
		if (i)
			sb_adds(sb, ", ");
		json_str(sb, d->unrecorded[i]);
	}
	sb_adds(sb, "],\n  \"outputs\": [");
	for (i = 0; i < d->noutputs; i++) {
		sb_adds(sb, i ? ",\n    " : "\n    ");
		json_file(sb, &d->outputs[i], 0);
	}
	sb_adds(sb, d->noutputs ? "\n  ]\n}\n" : "]\n}\n");
}

/* ---- releasing ---- */

static void file_release(struct manifest_file *f)
{
	free(f->name);
	memset(f, 0, sizeof(*f));
}

void manifest_run_release(struct manifest_run *r)
{
	size_t i;

	free(r->channel);
	free(r->recon_version);
	file_release(&r->statement);
	free(r->format);
	file_release(&r->format_file);
	free(r->rules);
	file_release(&r->rules_file);
	free(r->timezone);
	file_release(&r->ledger);
	file_release(&r->suspense);
	file_release(&r->rejects);
	for (i = 0; i < r->nshare; i++)
		file_release(&r->share[i]);
	free(r->share);
	memset(r, 0, sizeof(*r));
	r->memory = -1;
}

void manifest_day_release(struct manifest_day *d)
{
	size_t i;

	for (i = 0; i < d->nruns; i++)
		manifest_run_release(&d->runs[i]);
	free(d->runs);
	for (i = 0; i < d->nunrecorded; i++)
		free(d->unrecorded[i]);
	free(d->unrecorded);
	for (i = 0; i < d->noutputs; i++)
		file_release(&d->outputs[i]);
	free(d->outputs);
	free(d->recon_version);
	memset(d, 0, sizeof(*d));
}
