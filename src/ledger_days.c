/*
 * ledger_days.c: the paid-day files of ledger_days.h.
 *
 * An import sees each paid row twice, with the configured channel's day it
 * is due on (a group per (channel, day)): the thread that reads rows notes
 * it into a sorter by group (ledger_days_note()), and the thread that puts
 * it into the database counts what the put did (ledger_days_put()): the
 * database is the slow side, so it does no more than count. Each side has
 * its own table of groups. At commit each group a put touched gets a new
 * file, in order of preference:
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
#include <pthread.h>
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
	uint64_t noted;           /* the reading side: rows in the sorter */
	uint64_t put[3];          /* the writing side: by enum ledger_put_result */
	int moved;                /* a row left it (an update), or its file is stale */
	int overflow;             /* noted past the sorter's groups: not sorted */
};

struct chan_info {
	const struct tz *tz;
	int64_t from, to, day;    /* the last window found, for the next row */
	int have;
};

/* One side's groups, with its own window cache. */
struct gtab {
	struct group *g;
	size_t n, alloc, last, last_chan;
	struct chan_info *ci;
};

struct ledger_days {
	struct ledger *l;
	const struct conf *c;
	size_t memory;
	int fresh;
	struct gtab note, put;
	struct sorter *s;
	int note_failed;
	struct job *jobs;
	size_t njobs;
	pthread_t thread;
	int threaded, sorted_ok;
	pthread_mutex_t mx;
	struct strbuf err;        /* the first error: "file\nwhat" */
};

#define PF_BATCH 1024
#define PF_SLOTS 8

struct pf_batch {
	struct record r[PF_BATCH];
	size_t n;
	int end, err;             /* no more after these; err: errno of a failure */
};

struct ledger_day {
	struct dayfile *f;
	char *path;
	char sha[SHA256_HEXLEN + 1];
	uint64_t rows;
	/* ledger_day_prefetch(): records read ahead by a thread */
	struct pf_batch *pf[PF_SLOTS];
	size_t take, full, pos;
	int held;                 /* the reader has seen pf[take] filled */
	int on, stop;
	pthread_t thread;
	pthread_mutex_t mx;
	pthread_cond_t cv;
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

static void gtab_init(struct gtab *t, const struct conf *c)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->ci = xcalloc(c->nchannels ? c->nchannels : 1, sizeof(*t->ci));
	for (i = 0; i < c->nchannels; i++)
		t->ci[i].tz = tz_get(c->channels[i].timezone, NULL);
}

static void gtab_free(struct gtab *t)
{
	free(t->g);
	free(t->ci);
}

/* The configured channel named name, or -1. */
static int chan_of(const struct conf *c, struct gtab *t, const char *name)
{
	size_t i;

	if (c->nchannels && !strcmp(c->channels[t->last_chan].name, name))
		return t->ci[t->last_chan].tz ? (int)t->last_chan : -1;
	for (i = 0; i < c->nchannels; i++)
		if (!strcmp(c->channels[i].name, name)) {
			t->last_chan = i;
			return t->ci[i].tz ? (int)i : -1;
		}
	return -1;
}

/* The group of channel k's day holding paid time t. */
static size_t group_of(const struct conf *c, struct gtab *t, size_t k, int64_t paid)
{
	struct chan_info *ci = &t->ci[k];
	const struct channel_conf *cc = &c->channels[k];
	struct group *g;
	size_t i;

	if (!ci->have || paid < ci->from || paid >= ci->to) {
		ci->day = due_day(ci->tz, cc->cutoff, paid);
		day_window(ci->tz, ci->day, cc->cutoff, &ci->from, &ci->to);
		ci->have = 1;
	}
	if (t->n) {
		g = &t->g[t->last];
		if (g->chan == k && g->day == ci->day)
			return t->last;
	}
	for (i = 0; i < t->n; i++)
		if (t->g[i].chan == k && t->g[i].day == ci->day)
			break;
	if (i == t->n) {
		t->g = xgrow(t->g, &t->alloc, t->n + 1, sizeof(*t->g));
		g = &t->g[t->n++];
		memset(g, 0, sizeof(*g));
		g->chan = k;
		g->day = ci->day;
		g->from = ci->from;
		g->to = ci->to;
	}
	t->last = i;
	return i;
}

/* The group of t for (chan, day), or -1. */
static ssize_t group_find(const struct gtab *t, size_t chan, int64_t day)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->g[i].chan == chan && t->g[i].day == day)
			return (ssize_t)i;
	return -1;
}

struct ledger_days *ledger_days_new(struct ledger *l, const struct conf *c, size_t memory)
{
	/* Rows an update takes out of their day (old.paid_at), whether or
	 * not that day has a file yet: the trigger of the schema only marks
	 * files that exist. Temporary: this connection's, emptied here. */
	static const char moved[] =
		"CREATE TEMP TABLE IF NOT EXISTS days_moved (channel TEXT, paid_at INTEGER);"
		"DELETE FROM temp.days_moved;"
		"CREATE TEMP TRIGGER IF NOT EXISTS days_moved_update AFTER UPDATE ON main.ledger"
		" WHEN old.paid_at IS NOT NULL BEGIN"
		" INSERT INTO days_moved VALUES (old.channel, old.paid_at); END;"
		"CREATE TEMP TRIGGER IF NOT EXISTS days_moved_delete AFTER DELETE ON main.ledger"
		" WHEN old.paid_at IS NOT NULL BEGIN"
		" INSERT INTO days_moved VALUES (old.channel, old.paid_at); END;";
	struct ledger_days *d = xcalloc(1, sizeof(*d));

	d->l = l;
	d->c = c;
	d->memory = memory;
	pthread_mutex_init(&d->mx, NULL);
	sb_init(&d->err, 0);
	gtab_init(&d->note, c);
	gtab_init(&d->put, c);
	if (sqlite3_exec(ledger_db(l), moved, NULL, NULL, NULL) != SQLITE_OK) {
		db_error(l, "moved rows");
		d->note_failed = 1;
	}
	return d;
}

void ledger_days_fresh(struct ledger_days *d)
{
	d->fresh = 1;
}

void ledger_days_note(struct ledger_days *d, const struct record *r)
{
	size_t gi;
	int k;

	if (d->note_failed || r->paid_time == REC_NO_TIME ||
	    (k = chan_of(d->c, &d->note, r->channel)) < 0)
		return;
	gi = group_of(d->c, &d->note, (size_t)k, r->paid_time);
	if (gi > UINT16_MAX || d->note.g[gi].overflow) {
		/* More days than a sorter has groups: the database has them. */
		d->note.g[gi].overflow = 1;
		return;
	}
	if (!d->s) {
		d->s = sorter_new(d->memory, NULL);
		sorter_background(d->s);   /* the database's thread comes first */
	}
	if (sorter_add_group(d->s, (unsigned)gi, r) < 0) {
		d->note_failed = 1;
		return;
	}
	d->note.g[gi].noted++;
}

void ledger_days_put(struct ledger_days *d, const struct record *r, int result)
{
	size_t gi;
	int k;

	if (r->paid_time == REC_NO_TIME || result < 0 || result > LEDGER_UNCHANGED ||
	    (k = chan_of(d->c, &d->put, r->channel)) < 0)
		return;
	gi = group_of(d->c, &d->put, (size_t)k, r->paid_time);   /* may move put.g */
	d->put.g[gi].put[result]++;
}

/* Mark moved the groups of (channel, paid time) rows a query gives, or
 * of (channel, day) when by_day. 0 or -1. */
static int mark_moved(struct ledger_days *d, const char *sql, int by_day)
{
	sqlite3_stmt *st;
	int rc, k;

	if (sqlite3_prepare_v2(ledger_db(d->l), sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(d->l, "changed days");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(st, 1), to;

		k = chan_of(d->c, &d->put, (const char *)sqlite3_column_text(st, 0));
		if (k < 0)
			continue;
		size_t gi;

		if (by_day)
			day_window(d->put.ci[k].tz, t, d->c->channels[k].cutoff, &t, &to);
		gi = group_of(d->c, &d->put, (size_t)k, t);
		d->put.g[gi].moved = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_error(d->l, "changed days");
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

/* The next noted row of group g into *r: 1, 0 when the group has no more,
 * -1 after reporting. */
static int stream_next(struct stream *x, unsigned g, struct record *r)
{
	int rc;

	if (!x->have && x->s) {
		rc = sorter_next_group(x->s, &x->group, &x->r);
		if (rc < 0)
			return -1;
		x->have = rc;
	}
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

enum source { FROM_DB, FROM_NEW, FROM_MERGE };

/* A day file to write. */
struct job {
	const struct group *g;    /* the writing side's */
	ssize_t ni;               /* the reading side's group of its noted rows, or -1 */
	enum source src;
	char *path, *old;         /* old: the file it replaces, or NULL */
	int64_t gen;
	uint64_t rows;
	char sha[SHA256_HEXLEN + 1];
};

/* Keep the first error (the writing thread may not print): reported by
 * ledger_days_finish(). */
static void failed(struct ledger_days *d, const char *file, const char *what)
{
	pthread_mutex_lock(&d->mx);
	if (!d->err.len)
		sb_addf(&d->err, "%s\n%s", file, what);
	pthread_mutex_unlock(&d->mx);
}

/* Write job j's file from its source; 0 or -1 (kept by failed()). */
static int fill_day(struct ledger_days *d, const struct job *j, struct stream *x,
		    struct dayfile_writer *w)
{
	const struct group *g = j->g;
	const char *channel = d->c->channels[g->chan].name;
	struct record a, b;
	int ha = 0, hb = 0, rc = 0;

	if (j->src == FROM_DB) {
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
		return 0;
	}
	if (j->src == FROM_MERGE) {
		struct dayfile_head h;
		struct dayfile *f = dayfile_open(j->old, &h);

		if (!f) {
			failed(d, j->old, strerror(errno));
			return -1;
		}
		for (;;) {
			if (!ha && (ha = dayfile_next(f, &a)) < 0) {
				failed(d, j->old, "damaged or cut short");
				break;
			}
			if (!hb && (hb = stream_next(x, (unsigned)j->ni, &b)) < 0)
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
	while ((rc = stream_next(x, (unsigned)j->ni, &a)) == 1)
		if (dayfile_put(w, &a) < 0)
			goto write_error;
	return rc;
write_error:
	failed(d, j->path, strerror(errno));
	return -1;
}

/* Write job j's file; 0 or -1 (kept by failed()). */
static int write_job(struct ledger_days *d, struct job *j, struct stream *x)
{
	const struct group *g = j->g;
	struct dayfile_writer *w;
	char *dir = path_dirname(j->path);
	int rc = -1;

	if (mkdir_p(dir, 0777) < 0) {
		failed(d, dir, strerror(errno));
	} else if (!(w = dayfile_create(j->path, d->c->channels[g->chan].name, g->day, g->from,
					 g->to))) {
		failed(d, j->path, strerror(errno));
	} else if (fill_day(d, j, x, w) < 0) {
		dayfile_abort(w);
	} else if (dayfile_finish(w, &j->rows, j->sha) < 0) {
		failed(d, j->path, strerror(errno));
	} else {
		rc = 0;
	}
	free(dir);
	return rc;
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

/* Where group g's new file comes from: the noted rows of the reading
 * side's group ni (-1: none) with or without the old file, or the
 * database. -1 on error. */
static int source_of(struct ledger_days *d, const struct group *g, ssize_t ni,
		     const struct current *cur)
{
	const struct group *n = ni >= 0 ? &d->note.g[ni] : NULL;
	int64_t rows;

	/* Only rows inserted now, every one of them noted and sorted. */
	if (g->moved || g->put[LEDGER_UPDATED] || g->put[LEDGER_UNCHANGED] || !n || n->overflow ||
	    n->noted != g->put[LEDGER_INSERTED] || d->note_failed)
		return FROM_DB;
	if (cur->have) {
		if (cur->stale || cur->from != g->from || cur->to != g->to)
			return FROM_DB;
		return FROM_MERGE;
	}
	rows = d->fresh ? (int64_t)g->put[LEDGER_INSERTED] :
		rows_in(d, d->c->channels[g->chan].name, g->from, g->to);
	if (rows < 0)
		return -1;
	return (uint64_t)rows == g->put[LEDGER_INSERTED] ? FROM_NEW : FROM_DB;
}

/* The jobs: every day a put touched or that must be written again. */
static int plan(struct ledger_days *d)
{
	int64_t gen;
	size_t i;

	if (mark_moved(d, "SELECT channel, paid_at FROM temp.days_moved", 0) < 0 ||
	    mark_moved(d, "SELECT channel, day FROM ledger_day WHERE stale", 1) < 0 ||
	    (gen = next_gen(d)) < 0)
		return -1;
	d->jobs = xcalloc(d->put.n + 1, sizeof(*d->jobs));
	for (i = 0; i < d->put.n; i++) {
		const struct group *g = &d->put.g[i];
		const char *channel = d->c->channels[g->chan].name;
		struct job *j = &d->jobs[d->njobs];
		struct current cur;
		int src;

		if (!g->put[LEDGER_INSERTED] && !g->put[LEDGER_UPDATED] && !g->moved)
			continue;
		j->g = g;
		j->ni = group_find(&d->note, g->chan, g->day);
		if (current_of(d, channel, g->day, &cur) < 0 ||
		    (src = source_of(d, g, j->ni, &cur)) < 0)
			return -1;
		if (cur.have)
			j->old = day_path(d->l, channel, g->day, cur.gen);
		if (src == FROM_MERGE && access(j->old, R_OK) < 0)
			src = FROM_DB;      /* lost: the database still knows */
		j->src = (enum source)src;
		j->path = day_path(d->l, channel, g->day, gen);
		j->gen = gen++;
		d->njobs++;
	}
	return 0;
}

/* The jobs fed by the sorted rows, in the sorter's order (the reading
 * side's groups); the rows of days written from the database are passed. */
static void *write_sorted(void *arg)
{
	struct ledger_days *d = arg;
	struct stream x;
	struct record r;
	size_t i, k;
	int rc;

	memset(&x, 0, sizeof(x));
	x.s = d->s;
	if (d->s && sorter_finish(d->s) < 0) {
		failed(d, "sort", "cannot sort the new rows");
		return NULL;
	}
	for (i = 0; i < d->note.n; i++) {
		for (k = 0; k < d->njobs; k++)
			if (d->jobs[k].ni == (ssize_t)i && d->jobs[k].src != FROM_DB)
				break;
		if (k < d->njobs && write_job(d, &d->jobs[k], &x) < 0)
			return NULL;
		while ((rc = stream_next(&x, (unsigned)i, &r)) == 1)
			;
		if (rc < 0) {
			failed(d, "sort", "cannot read the sorted rows back");
			return NULL;
		}
	}
	d->sorted_ok = 1;
	return NULL;
}

int ledger_days_start(struct ledger_days *d)
{
	if (d->note_failed)
		return -1;
	if (plan(d) < 0)
		return -1;
	d->threaded = pthread_create(&d->thread, NULL, write_sorted, d) == 0;
	if (!d->threaded)
		write_sorted(d);
	return 0;
}

int ledger_days_finish(struct ledger_days *d)
{
	size_t k;
	int rc = 0;

	if (d->threaded)
		pthread_join(d->thread, NULL);
	d->threaded = 0;
	if (!d->sorted_ok)
		rc = -1;
	for (k = 0; k < d->njobs && rc == 0; k++)
		if (d->jobs[k].src == FROM_DB && write_job(d, &d->jobs[k], NULL) < 0)
			rc = -1;
	if (d->err.len) {
		char *nl = strchr(d->err.buf, '\n');

		*nl = '\0';
		error_at(RX_INTERNAL, d->err.buf, 0, "day file: %s", nl + 1);
		return -1;
	}
	if (rc < 0)
		return -1;
	for (k = 0; k < d->njobs; k++)
		if (record_day(d, d->jobs[k].g, d->jobs[k].gen, d->jobs[k].rows, d->jobs[k].sha) < 0)
			return -1;
	return 0;
}

void ledger_days_end(struct ledger_days *d, int committed)
{
	size_t i;

	if (!d)
		return;
	if (d->threaded)
		pthread_join(d->thread, NULL);
	/* New names: the replaced files go after a commit, the new ones
	 * (whether written or not) after a rollback. */
	for (i = 0; i < d->njobs; i++) {
		if (!committed)
			unlink(d->jobs[i].path);
		else if (d->jobs[i].old)
			unlink(d->jobs[i].old);
		free(d->jobs[i].path);
		free(d->jobs[i].old);
	}
	free(d->jobs);
	sb_release(&d->err);
	pthread_mutex_destroy(&d->mx);
	sorter_free(d->s);
	gtab_free(&d->note);
	gtab_free(&d->put);
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

static void *prefetch_main(void *arg)
{
	struct ledger_day *x = arg;
	size_t fill = 0;
	int end = 0;

	while (!end) {
		struct pf_batch *b;
		int rc = 1;

		/* Once all are full, sleep until half are free: a wake-up
		 * per batch taken cost the reader more than the records. */
		pthread_mutex_lock(&x->mx);
		if (x->full == PF_SLOTS)
			while (x->full > PF_SLOTS / 2 && !x->stop)
				pthread_cond_wait(&x->cv, &x->mx);
		pthread_mutex_unlock(&x->mx);
		if (x->stop)
			break;
		b = x->pf[fill];
		for (b->n = 0; b->n < PF_BATCH; b->n++)
			if ((rc = dayfile_next(x->f, &b->r[b->n])) != 1)
				break;
		b->err = rc < 0 ? errno : 0;
		b->end = end = rc != 1;
		pthread_mutex_lock(&x->mx);
		x->full++;
		pthread_cond_broadcast(&x->cv);
		pthread_mutex_unlock(&x->mx);
		fill = (fill + 1) % PF_SLOTS;
	}
	return NULL;
}

void ledger_day_prefetch(struct ledger_day *x)
{
	size_t i;

	if (x->on)
		return;
	for (i = 0; i < PF_SLOTS; i++)
		x->pf[i] = xmalloc(sizeof(*x->pf[i]));
	pthread_mutex_init(&x->mx, NULL);
	pthread_cond_init(&x->cv, NULL);
	x->on = pthread_create(&x->thread, NULL, prefetch_main, x) == 0;
}

static int day_error(struct ledger_day *x, int e)
{
	error_at(RX_INTERNAL, x->path, 0, "day file: %s", e == EINVAL ?
		 "damaged or cut short" : strerror(e));
	return -1;
}

int ledger_day_next(struct ledger_day *x, struct record *r)
{
	struct pf_batch *b;
	int rc;

	if (!x->on) {
		rc = dayfile_next(x->f, r);
		return rc < 0 ? day_error(x, errno) : rc;
	}
	for (;;) {
		/* The lock only to wait for a batch, not for each record */
		if (!x->held) {
			pthread_mutex_lock(&x->mx);
			while (!x->full)
				pthread_cond_wait(&x->cv, &x->mx);
			pthread_mutex_unlock(&x->mx);
			x->held = 1;
		}
		b = x->pf[x->take];
		if (x->pos < b->n) {
			*r = b->r[x->pos++];
			return 1;
		}
		if (b->end)
			return b->err ? day_error(x, b->err) : 0;
		pthread_mutex_lock(&x->mx);
		x->full--;
		x->take = (x->take + 1) % PF_SLOTS;
		x->pos = 0;
		x->held = 0;
		if (x->full == PF_SLOTS / 2)
			pthread_cond_broadcast(&x->cv);
		pthread_mutex_unlock(&x->mx);
	}
}

const char *ledger_day_sha256(const struct ledger_day *x)
{
	return x->sha;
}

const struct key_mark *ledger_day_marks(const struct ledger_day *x, size_t *n)
{
	return dayfile_marks(x->f, n);
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
	size_t i;

	if (!x)
		return;
	if (x->on) {
		pthread_mutex_lock(&x->mx);
		x->stop = 1;
		pthread_cond_broadcast(&x->cv);
		pthread_mutex_unlock(&x->mx);
		pthread_join(x->thread, NULL);
		pthread_mutex_destroy(&x->mx);
		pthread_cond_destroy(&x->cv);
	}
	for (i = 0; i < PF_SLOTS; i++)
		free(x->pf[i]);
	dayfile_close(x->f);
	free(x->path);
	free(x);
}
