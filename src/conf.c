/*
 * conf.c: recon.conf, the workspace configuration (man/recon.conf.5).
 *
 * Everything recon.conf may say is in the keys[] table: section, name, how
 * the value is checked, where it is stored and its default. Adding a key is
 * one line there plus its field in conf.h; loading, defaults, duplicate
 * detection and freeing all walk the table.
 *
 * Every mistake in the file is reported before giving up, so an operator
 * fixes them in one round instead of one per run.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recon/conf.h"
#include "recon/datapath.h"
#include "recon/diag.h"
#include "recon/ini.h"
#include "recon/record.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"

enum key_type {
	K_STR,      /* non-empty text, a char * field */
	K_TZ,       /* a zone tz_get() knows, a char * field */
	K_HHMM,     /* a time of day, an int field in minutes after midnight */
	K_INT,      /* a whole number in [lo, hi], an int field */
	K_OPTSTR,   /* like K_STR, but may be left out: the field stays NULL */
	K_OPTHHMM,  /* like K_HHMM, but may be left out or "none": the field is -1 */
	K_SIZE,     /* bytes with an optional K, M or G, at least lo MiB, a size_t field */
};

struct section_def {
	const char *name;
	int channel;        /* [channel "NAME"]: keys go to a struct channel_conf */
};

static const struct section_def sections[] = {
	{ "ledger", 0 },
	{ "archive", 0 },
	{ "output", 0 },
	{ "run", 0 },
	{ "channel", 1 },
};

struct key_def {
	const char *section;
	const char *key;
	enum key_type type;
	size_t off;         /* in struct conf, or struct channel_conf for a channel */
	const char *def;    /* default, checked like a configured value; NULL: required */
	int lo, hi;         /* K_INT bounds */
};

#define GLOBAL(f) offsetof(struct conf, f)
#define CHANNEL(f) offsetof(struct channel_conf, f)

static const struct key_def keys[] = {
	{ "ledger", "database", K_STR, GLOBAL(database), "recon.db", 0, 0 },
	{ "archive", "dir", K_STR, GLOBAL(archive_dir), "archive", 0, 0 },
	{ "output", "dir", K_STR, GLOBAL(output_dir), "out", 0, 0 },
	{ "run", "memory", K_SIZE, GLOBAL(memory), "256M", 1, 0 },
	{ "channel", "format", K_STR, CHANNEL(format), NULL, 0, 0 },
	{ "channel", "source", K_STR, CHANNEL(source), NULL, 0, 0 },
	{ "channel", "timezone", K_TZ, CHANNEL(timezone), "+08:00", 0, 0 },
	{ "channel", "cutoff", K_HHMM, CHANNEL(cutoff), "00:00", 0, 0 },
	{ "channel", "grace-days", K_INT, CHANNEL(grace_days), "1", 0, 365 },
	{ "channel", "rules", K_STR, CHANNEL(rules), "default", 0, 0 },
	{ "channel", "connect-timeout", K_INT, CHANNEL(connect_timeout), "30", 1, 3600 },
	{ "channel", "timeout", K_INT, CHANNEL(timeout), "600", 1, 86400 },
	{ "channel", "retries", K_INT, CHANNEL(retries), "3", 0, 20 },
	{ "channel", "retry-delay", K_INT, CHANNEL(retry_delay), "5", 0, 3600 },
	{ "channel", "not-before", K_OPTHHMM, CHANNEL(not_before), "none", 0, 0 },
	{ "channel", "ca-file", K_OPTSTR, CHANNEL(ca_file), NULL, 0, 0 },
	{ "channel", "credentials", K_OPTSTR, CHANNEL(credentials), NULL, 0, 0 },
	{ "channel", "known-hosts", K_OPTSTR, CHANNEL(known_hosts), NULL, 0, 0 },
};

#define NKEYS ARRAY_SIZE(keys)

struct loader {
	struct conf *c;
	int errors;
	const struct section_def *sec;  /* NULL: before any section, or a bad one */
	int skip;                       /* keys of a bad section header: ignore */
	struct strbuf where;            /* "[ledger]", "[channel "wechat"]" */
	/* Line where each key was set, 0 if not: row 0 for the unnamed
	 * sections, row 1 + i for channel i. */
	int64_t *seen;
	size_t seen_rows;
};

static void conf_error(struct loader *L, int64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void conf_error(struct loader *L, int64_t line, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_at(RX_USAGE, L->c->path, line, "%s", sb.buf);
	sb_release(&sb);
	L->errors++;
}

static void *field(void *base, const struct key_def *k)
{
	return (char *)base + k->off;
}

/* "HH:MM" from 00:00 to 23:59 into minutes after midnight; 0 or -1. */
static int parse_hhmm(const char *v, int *minutes)
{
	int h, m;

	if (!isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1]) || v[2] != ':' ||
	    !isdigit((unsigned char)v[3]) || !isdigit((unsigned char)v[4]) || v[5])
		return -1;
	h = (v[0] - '0') * 10 + (v[1] - '0');
	m = (v[3] - '0') * 10 + (v[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

/* Check v for k and store it in base. Returns 0, or -1 with the reason
 * appended to why. */
static int set_value(const struct key_def *k, void *base, const char *v,
		     struct strbuf *why)
{
	const char *tzwhy = NULL;
	int64_t n;
	int minutes;

	switch (k->type) {
	case K_STR:
	case K_OPTSTR:
	case K_TZ:
		if (!*v) {
			sb_adds(why, "empty value");
			return -1;
		}
		if (k->type == K_TZ && !tz_get(v, &tzwhy)) {
			sb_addf(why, "\"%s\": %s; write an offset like +08:00 or "
				"a zone name like Asia/Shanghai",
				v, tzwhy ? tzwhy : "unknown time zone");
			return -1;
		}
		free(*(char **)field(base, k));
		*(char **)field(base, k) = xstrdup(v);
		return 0;
	case K_HHMM:
	case K_OPTHHMM:
		if (k->type == K_OPTHHMM && !strcmp(v, "none")) {
			*(int *)field(base, k) = -1;
			return 0;
		}
		if (parse_hhmm(v, &minutes) < 0) {
			sb_addf(why, "\"%s\" is not a time of day HH:MM from 00:00 to 23:59%s", v,
				k->type == K_OPTHHMM ? ", or none" : "");
			return -1;
		}
		*(int *)field(base, k) = minutes;
		return 0;
	case K_INT:
		/* parse_int() would take " 5" and "+5"; a config value is plain. */
		if ((v[0] != '-' && !isdigit((unsigned char)v[0])) ||
		    parse_int(v, k->lo, k->hi, &n) < 0) {
			sb_addf(why, "\"%s\" is not a whole number from %d to %d",
				v, k->lo, k->hi);
			return -1;
		}
		*(int *)field(base, k) = (int)n;
		return 0;
	case K_SIZE:
		if (conf_parse_size(v, (size_t)k->lo << 20, (size_t *)field(base, k)) < 0) {
			sb_addf(why, "\"%s\" is not a size of at least %dM (bytes, or a number"
				" followed by K, M or G)", v, k->lo);
			return -1;
		}
		return 0;
	}
	return -1;
}

int conf_parse_size(const char *s, size_t min, size_t *out)
{
	uint64_t n = 0, unit = 1;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 'K': case 'k': unit = (uint64_t)1 << 10; p++; break;
	case 'M': case 'm': unit = (uint64_t)1 << 20; p++; break;
	case 'G': case 'g': unit = (uint64_t)1 << 30; p++; break;
	}
	if (*p || n > SIZE_MAX / unit || n * unit < min)
		return -1;
	*out = (size_t)(n * unit);
	return 0;
}

static int is_channel_key(const struct key_def *k)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sections); i++)
		if (!strcmp(sections[i].name, k->section))
			return sections[i].channel;
	return 0;
}

static void where(struct loader *L, const char *section, const char *sub)
{
	sb_reset(&L->where);
	if (sub)
		sb_addf(&L->where, "[%s \"%s\"]", section, sub);
	else
		sb_addf(&L->where, "[%s]", section);
}

static int64_t *seen_row(struct loader *L, size_t row)
{
	if (row >= L->seen_rows) {
		size_t rows = row + 1 > 2 * L->seen_rows ? row + 1 : 2 * L->seen_rows;

		L->seen = xrealloc(L->seen, rows * NKEYS * sizeof(*L->seen));
		memset(L->seen + L->seen_rows * NKEYS, 0,
		       (rows - L->seen_rows) * NKEYS * sizeof(*L->seen));
		L->seen_rows = rows;
	}
	return L->seen + row * NKEYS;
}

/* Channel names end up in file names, CSV columns and the database. */
static const char *channel_name_problem(const char *name)
{
	const char *s;

	if (!*name)
		return "empty channel name";
	if (strlen(name) > REC_CHANNEL_MAX)
		return "channel name longer than 31 bytes";
	if (name[0] == '.' || name[0] == '-')
		return "channel name starts with '.' or '-'";
	for (s = name; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return "channel name may only have letters, digits, '-', '_' and '.'";
	return NULL;
}

static void on_section(struct loader *L, const struct ini_item *it)
{
	struct conf *c = L->c;
	struct channel_conf *ch;
	const char *why;
	size_t i, s;

	L->sec = NULL;
	L->skip = 1;
	where(L, it->section, it->sub);
	for (s = 0; s < ARRAY_SIZE(sections); s++)
		if (!strcmp(sections[s].name, it->section))
			break;
	if (s == ARRAY_SIZE(sections)) {
		conf_error(L, it->line, "%s: unknown section (known: [ledger], "
			   "[archive], [output], [run], [channel \"NAME\"])", L->where.buf);
		return;
	}
	if (!sections[s].channel) {
		if (it->sub) {
			conf_error(L, it->line, "%s: [%s] takes no name", L->where.buf,
				   it->section);
			return;
		}
		L->sec = &sections[s];
		L->skip = 0;
		return;
	}
	if (!it->sub) {
		conf_error(L, it->line, "[channel]: a channel needs a name: [channel \"NAME\"]");
		return;
	}
	/* A bad or repeated name is reported, and the section is still read
	 * so that mistakes in its keys are shown in the same run. */
	why = channel_name_problem(it->sub);
	if (why)
		conf_error(L, it->line, "%s: %s", L->where.buf, why);
	for (i = 0; i < c->nchannels; i++)
		if (!strcmp(c->channels[i].name, it->sub)) {
			conf_error(L, it->line, "%s: channel already declared at line %lld",
				   L->where.buf, (long long)c->channels[i].line);
			break;
		}
	c->channels = xrealloc(c->channels, (c->nchannels + 1) * sizeof(*c->channels));
	ch = &c->channels[c->nchannels++];
	memset(ch, 0, sizeof(*ch));
	ch->name = xstrdup(it->sub);
	ch->file = c->path;
	ch->line = it->line;
	seen_row(L, c->nchannels);
	L->sec = &sections[s];
	L->skip = 0;
}

static int on_item(const struct ini_item *it, void *ctx)
{
	struct loader *L = ctx;
	struct strbuf why = STRBUF_INIT;
	const struct key_def *k = NULL;
	int64_t *seen;
	void *base;
	size_t i;

	if (!it->key) {
		on_section(L, it);
		return 0;
	}
	if (L->skip)
		return 0;
	if (!L->sec) {
		conf_error(L, it->line, "%s: key outside any section; put it under "
			   "[ledger], [archive], [output], [run] or [channel \"NAME\"]", it->key);
		return 0;
	}
	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, L->sec->name) && !strcmp(keys[i].key, it->key)) {
			k = &keys[i];
			break;
		}
	if (!k) {
		conf_error(L, it->line, "%s %s: unknown key", L->where.buf, it->key);
		return 0;
	}
	if (L->sec->channel) {
		seen = seen_row(L, L->c->nchannels);
		base = &L->c->channels[L->c->nchannels - 1];
	} else {
		seen = seen_row(L, 0);
		base = L->c;
	}
	if (seen[i]) {
		conf_error(L, it->line, "%s %s: set twice (first at line %lld)",
			   L->where.buf, it->key, (long long)seen[i]);
		return 0;
	}
	seen[i] = it->line;
	if (set_value(k, base, it->value, &why) < 0)
		conf_error(L, it->line, "%s %s: %s", L->where.buf, it->key, why.buf);
	sb_release(&why);
	return 0;
}

/* Fill in what the file left out of one section (channel: a channel's,
 * else the unnamed sections'), and report required keys it lacks at line. */
static void defaults(struct loader *L, int channel, void *base, const int64_t *seen,
		     int64_t line)
{
	struct strbuf why = STRBUF_INIT;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct key_def *k = &keys[i];

		if (is_channel_key(k) != channel || seen[i])
			continue;
		if (!channel)
			where(L, k->section, NULL);
		if (!k->def && k->type == K_OPTSTR)
			continue;
		if (!k->def) {
			conf_error(L, line, "%s: %s is required", L->where.buf, k->key);
			continue;
		}
		if (set_value(k, base, k->def, &why) < 0) {
			/* Only if the table is wrong: its defaults pass its checks. */
			conf_error(L, line, "%s %s: default: %s", L->where.buf, k->key, why.buf);
			sb_reset(&why);
		}
	}
	sb_release(&why);
}

void conf_free(struct conf *c)
{
	size_t i, j;

	if (!c)
		return;
	for (i = 0; i < NKEYS; i++) {
		int channel = is_channel_key(&keys[i]);

		if (keys[i].type != K_STR && keys[i].type != K_OPTSTR && keys[i].type != K_TZ)
			continue;
		if (!channel)
			free(*(char **)field(c, &keys[i]));
		for (j = 0; channel && j < c->nchannels; j++)
			free(*(char **)field(&c->channels[j], &keys[i]));
	}
	for (j = 0; j < c->nchannels; j++)
		free(c->channels[j].name);
	free(c->channels);
	free(c->path);
	free(c->dir);
	free(c);
}

struct conf *conf_load_file(const char *path)
{
	struct loader L;
	struct conf *c;
	size_t i, len;
	char *text = read_file(path, &len);
	int rc;

	if (!text) {
		error_at(RX_USAGE, path, 0, "cannot read: %s", strerror(errno));
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	c->dir = path_dirname(path);
	memset(&L, 0, sizeof(L));
	L.c = c;
	sb_init(&L.where, 0);
	seen_row(&L, 0);
	rc = ini_parse(c->path, text, len, on_item, &L);
	free(text);
	defaults(&L, 0, c, seen_row(&L, 0), 0);
	for (i = 0; i < c->nchannels; i++) {
		where(&L, "channel", c->channels[i].name);
		defaults(&L, 1, &c->channels[i], seen_row(&L, 1 + i), c->channels[i].line);
	}
	sb_release(&L.where);
	free(L.seen);
	if (rc || L.errors) {
		conf_free(c);
		return NULL;
	}
	datapath_set_workspace(c->dir);
	return c;
}

struct conf *conf_load(const char *explicit)
{
	const char *env = getenv("RECON_CONFIG");

	if (explicit)
		return conf_load_file(explicit);
	if (env && *env)
		return conf_load_file(env);
	if (access("recon.conf", F_OK) == 0)
		return conf_load_file("recon.conf");
	error_at(RX_USAGE, NULL, 0,
		 "no recon.conf here; give --config FILE or run 'recon init DIR'");
	return NULL;
}

char *conf_path(const struct conf *c, const char *p)
{
	/* "out/2026-11-21" reads better in messages than "./out/2026-11-21". */
	if (!strcmp(c->dir, "."))
		return xstrdup(p);
	return path_join(c->dir, p);
}

const struct channel_conf *conf_channel(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nchannels; i++)
		if (!strcmp(c->channels[i].name, name))
			return &c->channels[i];
	return NULL;
}

const char *conf_template(void)
{
	return
"# recon.conf: the settings of this recon workspace (see 'man recon.conf').\n"
"#\n"
"# Lines starting with # are comments. Paths are relative to the folder that\n"
"# holds this file, whatever folder recon is started from (cron starts in\n"
"# your home folder). Write a value in double quotes if it has a '#' after\n"
"# a space or spaces at either end.\n"
"\n"
"[ledger]\n"
"\t# The merchant's order ledger: an SQLite database, filled by\n"
"\t# 'recon ledger import FILE' from your order system's export.\n"
"\tdatabase = recon.db\n"
"\n"
"[archive]\n"
"\t# A copy of every statement and ledger file recon reads, named by its\n"
"\t# content and never changed; 'recon replay' re-runs a day from it.\n"
"\tdir = archive\n"
"\n"
"[output]\n"
"\t# Each run writes its reports to this folder, under the date:\n"
"\t# out/2026-11-21/report.txt, discrepancies.csv, corrections.csv\n"
"\t# and summary.json.\n"
"\tdir = out\n"
"\n"
"# One section per payment channel. The name in quotes is the channel's\n"
"# code, as in the channel column of your ledger: letters, digits, '-',\n"
"# '_' and '.'. Copy the section for each channel you reconcile, and\n"
"# rename this example.\n"
"[channel \"example\"]\n"
"\t# The channel's statement format, formats/NAME.fmt; 'recon formats'\n"
"\t# lists the formats there are.\n"
"\tformat = canonical-csv\n"
"\n"
"\t# Where the day's statement is: a path, or a file://, http://,\n"
"\t# https://, ftp:// or sftp:// address. These placeholders are\n"
"\t# replaced by the statement's date: {date} 2026-11-21, {yyyymmdd}\n"
"\t# 20261121, {yymmdd} 261121, {yyyy} 2026, {mm} 11, {dd} 21.\n"
"\tsource = statements/example/{yyyymmdd}.csv\n"
"\n"
"\t# The time zone of the channel's statement day: an offset such as\n"
"\t# +08:00, or a zone name such as Asia/Shanghai or America/New_York.\n"
"\ttimezone = +08:00\n"
"\n"
"\t# The time of day (HH:MM, in that time zone) at which the channel\n"
"\t# closes one statement day and starts the next (日切).\n"
"\tcutoff = 00:00\n"
"\n"
"\t# How many days a paid order may wait for a late statement before\n"
"\t# it is reported as missing from the channel: a payment at 23:59:58\n"
"\t# often shows up in the next day's statement.\n"
"\tgrace-days = 1\n"
"\n"
"\t# The matching and fee rules for this channel, rules/NAME.rules.\n"
"\trules = default\n";
}
