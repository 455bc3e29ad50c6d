/*
 * ledger_days.c: the paid-day files of ledger_days.h.
 *
 * An import notes, for every paid row it inserts or updates, the
 * configured channel's day the row is due on (a group per (channel, day)):
 * inserted rows go into a sorter by group, updated ones only mark their
 * group. At commit each group's new file is, in order of preference:
 *   the old file merged with the inserted rows (the day has a file that is
 *   up to date, and no row of the day was updated);
 *   the inserted rows alone (the day had no rows before: a new ledger, or
 *   the database holds no more rows in the window than were inserted);
 *   the database's scan of the window (anything else: updates, a stale
 *   file, a changed window).
 * Days a trigger marked stale (an update moved a row out of them) are
 * written again from the database too. New files get a new name, so a
 * rollback or a crash before the commit leaves the old file in force; the
 * replaced files are removed after the commit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "recon/conf.h"
#include "recon/dayfile.h"
#include "recon/diag.h"
#include "recon/ledger.h"
#include "recon/ledger_days.h"
#include "recon/sort.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"
#include "recon/window.h"

struct group {
	size_t chan;              /* index in conf->channels */
	int64_t day, from, to;
	uint64_t inserted;
	int updated;              /* a row of the day was updated */
};

struct chan_info {
	const struct tz *tz;
	int64_t from, to, day;    /* the last window found, for the next row */
	int have;
};

struct ledger_days {
	struct ledger *l;
	const struct conf *c;
	size_t memory;
	int fresh;
	struct chan_info *chans;
	size_t last_chan;
	struct group *groups;
	size_t ngroups, agroups, last_group;
	struct sorter *s;
	/* files to remove: after the commit, or after a rollback */
	char **old, **made;
	size_t nold, aold, nmade, amade;
	int failed;
};

struct ledger_day {
	struct dayfile *f;
	char *path;
	char sha[SHA256_HEXLEN + 1];
	uint64_t rows;
};

static char *day_path(struct ledger *l, const char *channel, int64_t day, int64_t gen)
{
	struct strbuf sb = STRBUF_INIT;
	char date[16];

	date_format(day, date);
	sb_addf(&sb, "%s.days/%s/%s.%lld", ledger_path(l), channel, date, (long long)gen);
	return sb_detach(&sb, NULL);
}

static void db_error(struct ledger *l, const char *what)
{
	error_at(RX_INTERNAL, ledger_path(l), 0, "day files: %s: %s", what,
		 sqlite3_errmsg(ledger_db(l)));
}

struct ledger_days *ledger_days_new(struct ledger *l, const struct conf *c, size_t memory)
{
	struct ledger_days *d = xcalloc(1, sizeof(*d));
	size_t i;

	d->l = l;
	d->c = c;
	d->memory = memory;
	d->chans = xcalloc(c->nchannels ? c->nchannels : 1, sizeof(*d->chans));
	for (i = 0; i < c->nchannels; i++)
		d->chans[i].tz = tz_get(c->channels[i].timezone, NULL);
	return d;
}

void ledger_days_fresh(struct ledger_days *d)
{
	d->fresh = 1;
}

static int chan_of(struct ledger_days *d, const char *name)
{
	size_t i;

	if (d->c->nchannels && !strcmp(d->c->channels[d->last_chan].name, name))
		return (int)d->last_chan;
	for (i = 0; i < d->c->nchannels; i++)
		if (!strcmp(d->c->channels[i].name, name)) {
			d->last_chan = i;
			return (int)i;
		}
	return -1;
}

/* The group of channel k's day holding paid time t. */
static size_t group_of(struct ledger_days *d, size_t k, int64_t t)
{
	struct chan_info *ci = &d->chans[k];
	const struct channel_conf *cc = &d->c->channels[k];
	struct group *g;
	size_t i;

	if (!ci->have || t < ci->from || t >= ci->to) {
		ci->day = due_day(ci->tz, cc->cutoff, t);
		day_window(ci->tz, ci->day, cc->cutoff, &ci->from, &ci->to);
		ci->have = 1;
	}
	if (d->ngroups) {
		g = &d->groups[d->last_group];
		if (g->chan == k && g->day == ci->day)
			return d->last_group;
	}
	for (i = 0; i < d->ngroups; i++)
		if (d->groups[i].chan == k && d->groups[i].day == ci->day)
			break;
	if (i == d->ngroups) {
		d->groups = xgrow(d->groups, &d->agroups, d->ngroups + 1, sizeof(*d->groups));
		g = &d->groups[d->ngroups++];
		memset(g, 0, sizeof(*g));
		g->chan = k;
		g->day = ci->day;
		g->from = ci->from;
		g->to = ci->to;
	}
	d->last_group = i;
	return i;
}

int ledger_days_put(struct ledger_days *d, const struct record *r, int result)
{
	size_t gi;
	int k;

	if (d->failed)
		return -1;
	if (result == LEDGER_UNCHANGED || r->paid_time == REC_NO_TIME ||
	    (k = chan_of(d, r->channel)) < 0 || !d->chans[k].tz)
		return 0;
	gi = group_of(d, (size_t)k, r->paid_time);
	if (gi > UINT16_MAX) {
		/* More days than a sorter has groups: take them from the
		 * database instead. */
		d->groups[gi].updated = 1;
		return 0;
	}
	if (result == LEDGER_UPDATED) {
		d->groups[gi].updated = 1;
		return 0;
	}
	if (!d->s)
		d->s = sorter_new(d->memory, NULL);
	if (sorter_add_group(d->s, (unsigned)gi, r) < 0) {
		d->failed = 1;
		return -1;
	}
	d->groups[gi].inserted++;
	return 0;
}

/* Days an update made stale: their groups, to be written from the
 * database. 0 or -1. */
static int add_stale(struct ledger_days *d)
{
	sqlite3_stmt *st;
	int rc, k;

	if (sqlite3_prepare_v2(ledger_db(d->l), "SELECT channel, day FROM ledger_day WHERE stale",
			       -1, &st, NULL) != SQLITE_OK) {
		db_error(d->l, "stale days");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t day = sqlite3_column_int64(st, 1), from, to;
		size_t gi;

		k = chan_of(d, (const char *)sqlite3_column_text(st, 0));
		if (k < 0 || !d->chans[k].tz)
			continue;
		day_window(d->chans[k].tz, day, d->c->channels[k].cutoff, &from, &to);
		gi = group_of(d, (size_t)k, from);
		d->groups[gi].updated = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_error(d->l, "stale days");
		return -1;
	}
	return 0;
}

/* The sorter's stream, one record ahead. */
struct stream {
	struct sorter *s;
	int have;
	unsigned group;
	struct record r;
};

static int stream_fill(struct stream *x)
{
	int rc;

	if (x->have || !x->s)
		return 0;
	rc = sorter_next_group(x->s, &x->group, &x->r);
	if (rc < 0)
		return -1;
	x->have = rc;
	return 0;
}

/* The next inserted row of group g into *r: 1, 0 when the group has no
 * more, -1. */
static int stream_next(struct stream *x, unsigned g, struct record *r)
{
	if (stream_fill(x) < 0)
		return -1;
	if (!x->have || x->group != g)
		return 0;
	*r = x->r;
	x->have = 0;
	return 1;
}

/* What the day has now: 1 and its row when the day has a file. */
struct current {
	int have, stale;
	int64_t from, to, gen;
};

static int current_of(struct ledger_days *d, const char *channel, int64_t day, struct current *cur)
{
	sqlite3_stmt *st;
	int rc;

	memset(cur, 0, sizeof(*cur));
	if (sqlite3_prepare_v2(ledger_db(d->l), "SELECT window_from, window_to, gen, stale"
			       " FROM ledger_day WHERE channel = ?1 AND day = ?2", -1, &st,
			       NULL) != SQLITE_OK) {
		db_error(d->l, "day");
		return -1;
	}
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cur->have = 1;
		cur->from = sqlite3_column_int64(st, 0);
		cur->to = sqlite3_column_int64(st, 1);
		cur->gen = sqlite3_column_int64(st, 2);
		cur->stale = sqlite3_column_int(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_error(d->l, "day");
		return -1;
	}
	return 0;
}

/* Rows of channel in [from, to) in the database; -1 on error. */
static int64_t rows_in(struct ledger_days *d, const char *channel, int64_t from, int64_t to)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(ledger_db(d->l), "SELECT count(*) FROM ledger WHERE channel = ?1"
			       " AND paid_at >= ?2 AND paid_at < ?3", -1, &st, NULL) != SQLITE_OK) {
		db_error(d->l, "count");
		return -1;
	}
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		db_error(d->l, "count");
	sqlite3_finalize(st);
	return n;
}

static void note(char ***list, size_t *n, size_t *alloc, char *path)
{
	*list = xgrow(*list, alloc, *n + 1, sizeof(**list));
	(*list)[(*n)++] = path;
}

enum source { FROM_DB, FROM_NEW, FROM_MERGE };

/* Write group g's file from src into w; 0 or -1 after reporting. */
static int fill_day(struct ledger_days *d, const struct group *g, unsigned gi, enum source src,
		    const char *old, struct stream *x, struct dayfile_writer *w, const char *path)
{
	const char *channel = d->c->channels[g->chan].name;
	struct record a, b;
	int ha = 0, hb = 0, rc = 0;

	if (src == FROM_DB) {
		struct ledger_cursor *cur = ledger_scan_paid(d->l, channel, g->from, g->to);

		if (!cur)
			return -1;
		while ((rc = ledger_scan_next(cur, &a)) == 1)
			if (dayfile_put(w, &a) < 0)
				break;
		ledger_scan_close(cur);
		if (rc < 0)
			return -1;
		if (rc == 1)
			goto write_error;
		/* the group's inserted rows are in the database's scan */
		while ((rc = stream_next(x, gi, &a)) == 1)
			;
		return rc;
	}
	if (src == FROM_MERGE) {
		struct dayfile_head h;
		struct dayfile *f = dayfile_open(old, &h);

		if (!f) {
			error_at(RX_INTERNAL, old, 0, "day file: %s", strerror(errno));
			return -1;
		}
		for (;;) {
			if (!ha && (ha = dayfile_next(f, &a)) < 0) {
				error_at(RX_INTERNAL, old, 0, "day file: %s", strerror(errno));
				break;
			}
			if (!hb && (hb = stream_next(x, gi, &b)) < 0)
				break;
			if (!ha && !hb)
				break;
			if (hb && (!ha || record_key_cmp(&b, &a) < 0)) {
				rc = dayfile_put(w, &b);
				hb = 0;
			} else {
				rc = dayfile_put(w, &a);
				ha = 0;
			}
			if (rc < 0) {
				dayfile_close(f);
				goto write_error;
			}
		}
		dayfile_close(f);
		return ha < 0 || hb < 0 ? -1 : 0;
	}
	while ((rc = stream_next(x, gi, &a)) == 1)
		if (dayfile_put(w, &a) < 0)
			goto write_error;
	return rc;
write_error:
	error_at(RX_INTERNAL, path, 0, "day file: %s", strerror(errno));
	return -1;
}

static int record_day(struct ledger_days *d, const struct group *g, int64_t gen, uint64_t rows,
		      const char *sha)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(ledger_db(d->l), "INSERT OR REPLACE INTO ledger_day (channel, day,"
			       " window_from, window_to, gen, rows, sha256, stale)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)", -1, &st,
			       NULL) != SQLITE_OK) {
		db_error(d->l, "record day");
		return -1;
	}
	sqlite3_bind_text(st, 1, d->c->channels[g->chan].name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, g->day);
	sqlite3_bind_int64(st, 3, g->from);
	sqlite3_bind_int64(st, 4, g->to);
	sqlite3_bind_int64(st, 5, gen);
	sqlite3_bind_int64(st, 6, (int64_t)rows);
	sqlite3_bind_text(st, 7, sha, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_error(d->l, "record day");
		return -1;
	}
	return 0;
}

static int64_t next_gen(struct ledger_days *d)
{
	sqlite3_stmt *st;
	int64_t gen = -1;

	if (sqlite3_prepare_v2(ledger_db(d->l), "SELECT coalesce(max(gen), 0) + 1 FROM ledger_day",
			       -1, &st, NULL) != SQLITE_OK) {
		db_error(d->l, "day files");
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		gen = sqlite3_column_int64(st, 0);
	else
		db_error(d->l, "day files");
	sqlite3_finalize(st);
	return gen;
}

static int build_group(struct ledger_days *d, unsigned gi, int64_t gen, struct stream *x)
{
	const struct group *g = &d->groups[gi];
	const char *channel = d->c->channels[g->chan].name;
	struct current cur;
	enum source src = FROM_DB;
	struct dayfile_writer *w;
	char *path, *old = NULL, *dir, sha[SHA256_HEXLEN + 1];
	uint64_t rows;

	if (current_of(d, channel, g->day, &cur) < 0)
		return -1;
	if (cur.have && !cur.stale && cur.from == g->from && cur.to == g->to && !g->updated) {
		src = FROM_MERGE;
	} else if (!cur.have && !g->updated) {
		int64_t n = d->fresh ? (int64_t)g->inserted : rows_in(d, channel, g->from, g->to);

		if (n < 0)
			return -1;
		if ((uint64_t)n == g->inserted)
			src = FROM_NEW;
	}
	if (cur.have)
		old = day_path(d->l, channel, g->day, cur.gen);
	if (src == FROM_MERGE && access(old, R_OK) < 0)
		src = FROM_DB;      /* lost: the database still knows */
	path = day_path(d->l, channel, g->day, gen);
	dir = path_dirname(path);
	if (mkdir_p(dir, 0777) < 0) {
		error_at(RX_INTERNAL, dir, 0, "cannot create folder: %s", strerror(errno));
		goto fail;
	}
	w = dayfile_create(path, channel, g->day, g->from, g->to);
	if (!w) {
		error_at(RX_INTERNAL, path, 0, "day file: %s", strerror(errno));
		goto fail;
	}
	if (fill_day(d, g, gi, src, old, x, w, path) < 0) {
		dayfile_abort(w);
		goto fail;
	}
	if (dayfile_finish(w, &rows, sha) < 0) {
		error_at(RX_INTERNAL, path, 0, "day file: %s", strerror(errno));
		goto fail;
	}
	note(&d->made, &d->nmade, &d->amade, path);
	if (old)
		note(&d->old, &d->nold, &d->aold, old);
	free(dir);
	return record_day(d, g, gen, rows, sha);
fail:
	free(dir);
	free(path);
	free(old);
	return -1;
}

int ledger_days_build(struct ledger_days *d)
{
	struct stream x;
	int64_t gen;
	size_t i;

	if (d->failed)
		return -1;
	if (add_stale(d) < 0)
		return -1;
	if (!d->ngroups)
		return 0;
	memset(&x, 0, sizeof(x));
	x.s = d->s;
	if (d->s && sorter_finish(d->s) < 0)
		return -1;
	gen = next_gen(d);
	if (gen < 0)
		return -1;
	for (i = 0; i < d->ngroups; i++)
		if (build_group(d, (unsigned)i, gen++, &x) < 0)
			return -1;
	return 0;
}

void ledger_days_end(struct ledger_days *d, int committed)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nold; i++) {
		if (committed)
			unlink(d->old[i]);
		free(d->old[i]);
	}
	for (i = 0; i < d->nmade; i++) {
		if (!committed)
			unlink(d->made[i]);
		free(d->made[i]);
	}
	free(d->old);
	free(d->made);
	sorter_free(d->s);
	free(d->groups);
	free(d->chans);
	free(d);
}

/* ---- reading ---- */

struct ledger_day *ledger_day_open(struct ledger *l, const char *channel, int64_t day,
				   int64_t from, int64_t to, const char **why)
{
	struct ledger_day *x;
	struct dayfile_head h;
	sqlite3_stmt *st;
	int64_t gen = 0, wf = 0, wt = 0;
	int rc, stale = 0;

	*why = "none";
	if (sqlite3_prepare_v2(ledger_db(l), "SELECT window_from, window_to, gen, stale, rows,"
			       " sha256 FROM ledger_day WHERE channel = ?1 AND day = ?2", -1, &st,
			       NULL) != SQLITE_OK)
		return NULL;   /* an older schema: scan */
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return NULL;
	}
	x = xcalloc(1, sizeof(*x));
	wf = sqlite3_column_int64(st, 0);
	wt = sqlite3_column_int64(st, 1);
	gen = sqlite3_column_int64(st, 2);
	stale = sqlite3_column_int(st, 3);
	x->rows = (uint64_t)sqlite3_column_int64(st, 4);
	snprintf(x->sha, sizeof(x->sha), "%s", (const char *)sqlite3_column_text(st, 5));
	sqlite3_finalize(st);
	if (stale || wf != from || wt != to) {
		*why = stale ? "stale" : "another window";
		free(x);
		return NULL;
	}
	x->path = day_path(l, channel, day, gen);
	x->f = dayfile_open(x->path, &h);
	if (!x->f || strcmp(h.channel, channel) || h.day != day || h.from != from || h.to != to) {
		*why = x->f ? "another day in its file" : "its file cannot be read";
		ledger_day_close(x);
		return NULL;
	}
	return x;
}

int ledger_day_next(struct ledger_day *x, struct record *r)
{
	int rc = dayfile_next(x->f, r);

	if (rc < 0)
		error_at(RX_INTERNAL, x->path, 0, "day file: %s", errno == EINVAL ?
			 "damaged or cut short" : strerror(errno));
	return rc;
}

const char *ledger_day_sha256(const struct ledger_day *x)
{
	return x->sha;
}

uint64_t ledger_day_rows(const struct ledger_day *x)
{
	return x->rows;
}

const char *ledger_day_path(const struct ledger_day *x)
{
	return x->path;
}

void ledger_day_close(struct ledger_day *x)
{
	if (!x)
		return;
	dayfile_close(x->f);
	free(x->path);
	free(x);
}
