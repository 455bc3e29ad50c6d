/*
 * manifest.c: recording what a `recon run` read and wrote (manifest.h).
 *
 * The run calls in as it goes: the ledger rows it reads stream straight
 * into a gzip copy in the archive (the scan's order is already fixed);
 * point lookups and the questions about earlier runs are kept as lines
 * and written sorted at the end, so the extracts depend on what was read,
 * never on the order classification asked in.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "recon/conf.h"
#include "recon/datapath.h"
#include "recon/diag.h"
#include "recon/fetch.h"
#include "recon/report.h"
#include "recon/runstore.h"
#include "recon/tz.h"
#include "recon/util.h"
#include "manifest_int.h"

struct manifest {
	const struct conf *c;
	sqlite3 *db;
	char *dbname;
	int64_t day;
	char date[11];
	char *outdir;
	char *archive;               /* the archive folder, resolved */
	int allow_rejects;
	int64_t memory;
	struct manifest_run *done;   /* channels finished in this run */
	size_t ndone, adone;
	struct manifest_day result;
	int have_result;
	struct strbuf json;
};

struct lines {
	char **v;
	size_t n, alloc;
};

struct manifest_chan {
	struct manifest *m;
	const struct channel_conf *cc;
	struct manifest_run r;
	struct gzsink ledger;
	uint64_t rows;
	struct lines lookups, suspense;
	struct strbuf line;          /* reused for each ledger row */
	int failed;
};

struct manifest *manifest_new(const struct conf *c, struct sqlite3 *db, const char *dbname,
			      int64_t day, const char *outdir, int allow_rejects)
{
	struct manifest *m = xcalloc(1, sizeof(*m));

	m->c = c;
	m->db = db;
	m->dbname = xstrdup(dbname);
	m->day = day;
	date_format(day, m->date);
	m->outdir = xstrdup(outdir);
	m->archive = conf_path(c, c->archive_dir);
	m->allow_rejects = allow_rejects;
	m->memory = -1;
	sb_init(&m->json, 0);
	return m;
}

void manifest_free(struct manifest *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->ndone; i++)
		manifest_run_release(&m->done[i]);
	free(m->done);
	manifest_day_release(&m->result);
	sb_release(&m->json);
	free(m->dbname);
	free(m->outdir);
	free(m->archive);
	free(m);
}

void manifest_set_memory(struct manifest *m, int64_t bytes)
{
	m->memory = bytes;
}

static void lines_add(struct lines *l, struct strbuf *sb)
{
	l->v = xgrow(l->v, &l->alloc, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = sb_detach(sb, NULL);
}

static void lines_free(struct lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop repeats. */
static void lines_sort(struct lines *l)
{
	size_t i, o = 0;

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), line_cmp);
	for (i = 0; i < l->n; i++) {
		if (o && !strcmp(l->v[o - 1], l->v[i])) {
			free(l->v[i]);
			continue;
		}
		l->v[o++] = l->v[i];
	}
	l->n = o;
}

/* Archive the file at path as it is into f (name: path). 0 or -1. */
static int archive_as_is(struct manifest *m, const char *path, struct manifest_file *f)
{
	int added;

	f->name = xstrdup(path);
	if (archive_put_file(m->archive, path, f->sha256, &f->size, &added) != 0)
		return -1;
	snprintf(f->object, sizeof(f->object), "%s", f->sha256);
	return 0;
}

struct manifest_chan *manifest_chan_new(struct manifest *m, const struct channel_conf *cc)
{
	struct manifest_chan *mc = xcalloc(1, sizeof(*mc));
	char *path;

	mc->m = m;
	mc->cc = cc;
	mc->r.memory = -1;
	sb_init(&mc->line, 0);
	/* The file format_load() will read: the same lookup, just before. */
	path = datapath_find("formats", cc->format, ".fmt");
	if (path && archive_as_is(m, path, &mc->r.format_file) < 0)
		mc->failed = 1;
	free(path);
	if (gzsink_open(&mc->ledger, m->archive) < 0 ||
	    gzsink_write(&mc->ledger, LEDGER_MAGIC "\n", strlen(LEDGER_MAGIC) + 1) < 0)
		mc->failed = 1;
	return mc;
}

void manifest_chan_free(struct manifest_chan *mc)
{
	if (!mc)
		return;
	gzsink_discard(&mc->ledger);
	sb_release(&mc->line);
	lines_free(&mc->lookups);
	lines_free(&mc->suspense);
	manifest_run_release(&mc->r);
	free(mc);
}

void manifest_rules(struct manifest_chan *mc, const char *path)
{
	mc->r.rules_recorded = 1;
	free(mc->r.rules_file.name);
	memset(&mc->r.rules_file, 0, sizeof(mc->r.rules_file));
	if (path && *path != '(' && archive_as_is(mc->m, path, &mc->r.rules_file) < 0)
		mc->failed = 1;
}

void manifest_ledger_row(struct manifest_chan *mc, const struct record *r)
{
	sb_reset(&mc->line);
	sb_adds(&mc->line, "due\t");
	manifest_record_line(&mc->line, r);
	sb_addc(&mc->line, '\n');
	if (gzsink_write(&mc->ledger, mc->line.buf, mc->line.len) < 0)
		mc->failed = 1;
	mc->rows++;
}

/* Archive the file at path, whose SHA-256 is hex, by a hard link when
 * the archive is on the same file system, else by a copy. 0 or -1. */
static int archive_link(struct manifest *m, const char *path, const char *hex)
{
	char *obj = archive_object_path(m->archive, hex), *dir = path_dirname(obj);
	char got[SHA256_HEXLEN + 1];
	int rc = 0, added;

	if (access(obj, F_OK) < 0) {
		if (mkdir_p(dir, 0777) < 0 || link(path, obj) < 0) {
			rc = archive_put_file(m->archive, path, got, NULL, &added) == 0 &&
			     !strcmp(got, hex) ? 0 : -1;
			if (rc < 0)
				error_at(RX_INTERNAL, path, 0, "manifest: cannot archive the day file");
		} else {
			chmod(obj, 0444);
		}
	}
	free(obj);
	free(dir);
	return rc;
}

void manifest_ledger_dayfile(struct manifest_chan *mc, const char *path, const char *sha256,
			     uint64_t rows)
{
	sb_reset(&mc->line);
	sb_addf(&mc->line, "dayfile\t%s\t%" PRIu64 "\n", sha256, rows);
	if (gzsink_write(&mc->ledger, mc->line.buf, mc->line.len) < 0 ||
	    archive_link(mc->m, path, sha256) < 0)
		mc->failed = 1;
	mc->rows += rows;
}

void manifest_ledger_lookup(struct manifest_chan *mc, const struct record *r)
{
	struct strbuf sb = STRBUF_INIT;

	sb_adds(&sb, "lookup\t");
	manifest_record_line(&sb, r);
	lines_add(&mc->lookups, &sb);
}

static void item_line(const char *tag, int kind, const char *key, struct strbuf *sb)
{
	sb_addf(sb, "%s\t%s\t", tag, rec_kind_name(kind));
	manifest_add_text(sb, key);
}

/* The date of the latest run of the channel before the day: the run whose
 * suspense items runstore_pending() gave. "" when none. */
static int previous_run(struct manifest_chan *mc, char *date)
{
	struct manifest *m = mc->m;
	sqlite3_stmt *st;
	int rc;

	*date = '\0';
	if (sqlite3_prepare_v2(m->db, "SELECT date FROM runs WHERE channel = ?1 AND date < ?2"
			       " ORDER BY date DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		error_at(RX_INTERNAL, m->dbname, 0, "manifest: %s", sqlite3_errmsg(m->db));
		return -1;
	}
	sqlite3_bind_text(st, 1, mc->cc->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->date, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(date, 11, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		error_at(RX_INTERNAL, m->dbname, 0, "manifest: %s", sqlite3_errmsg(m->db));
		return -1;
	}
	return 0;
}

/*
 * The statement rows the previous run left waiting (rules_store_load() in
 * src/rules_store.c carries them into the day; the same query, because
 * struct rules_day does not hand them back). A line each, in their order:
 *   carried SEQ EXPIRES_DAY FILE RECORD
 */
static int carried_rows(struct manifest_chan *mc)
{
	struct manifest *m = mc->m;
	struct strbuf sb = STRBUF_INIT;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(m->db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND"
				" name = 'rules_waiting'", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			return 0;
	}
	if (rc != SQLITE_ROW ||
	    sqlite3_prepare_v2(m->db, "SELECT seq, kind, expires_day, order_code, refund_code,"
			       " channel_txn_id, amount, currency, fee, status, time, time_off,"
			       " file, line FROM rules_waiting WHERE run_id = (SELECT id FROM runs"
			       " WHERE channel = ?1 AND date < ?2 ORDER BY date DESC LIMIT 1)"
			       " ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		error_at(RX_INTERNAL, m->dbname, 0, "manifest: %s", sqlite3_errmsg(m->db));
		return -1;
	}
	sqlite3_bind_text(st, 1, mc->cc->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->date, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct record r;
		const char *t;
		int v;

		record_init(&r);
		snprintf(r.channel, sizeof(r.channel), "%s", mc->cc->name);
		t = (const char *)sqlite3_column_text(st, 1);
		v = rec_kind_parse(t ? t : "");
		r.kind = (uint8_t)(v < 0 ? KIND_PAY : v);
		t = (const char *)sqlite3_column_text(st, 3);
		snprintf(r.order_code, sizeof(r.order_code), "%s", t ? t : "");
		t = (const char *)sqlite3_column_text(st, 4);
		snprintf(r.refund_code, sizeof(r.refund_code), "%s", t ? t : "");
		t = (const char *)sqlite3_column_text(st, 5);
		snprintf(r.channel_txn_id, sizeof(r.channel_txn_id), "%s", t ? t : "");
		r.amount = sqlite3_column_int64(st, 6);
		t = (const char *)sqlite3_column_text(st, 7);
		snprintf(r.currency, sizeof(r.currency), "%s", t ? t : "");
		r.fee = sqlite3_column_int64(st, 8);
		t = (const char *)sqlite3_column_text(st, 9);
		v = rec_status_parse(t ? t : "");
		r.status = (uint8_t)(v < 0 ? STATUS_FAILED : v);
		if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
			r.time = sqlite3_column_int64(st, 10);
			r.time_off = sqlite3_column_int(st, 11);
		}
		r.line = sqlite3_column_int64(st, 13);
		t = (const char *)sqlite3_column_text(st, 2);
		sb_addf(&sb, "carried\t%010lld\t%s\t", (long long)sqlite3_column_int64(st, 0),
			t ? t : "");
		t = (const char *)sqlite3_column_text(st, 12);
		manifest_add_text(&sb, t ? t : "");
		sb_addc(&sb, '\t');
		manifest_record_line(&sb, &r);
		lines_add(&mc->suspense, &sb);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		error_at(RX_INTERNAL, m->dbname, 0, "manifest: %s", sqlite3_errmsg(m->db));
		return -1;
	}
	return 0;
}

void manifest_suspense(struct manifest_chan *mc, const struct pending_item *pend, size_t npend,
		       const struct pending_item *settled, size_t nsettled)
{
	struct strbuf sb = STRBUF_INIT;
	char paid[16], expires[16];
	size_t i;

	if (previous_run(mc, mc->r.previous_run) < 0 || carried_rows(mc) < 0)
		mc->failed = 1;
	if (*mc->r.previous_run) {
		sb_addf(&sb, "previous-run\t%s", mc->r.previous_run);
		lines_add(&mc->suspense, &sb);
	}
	for (i = 0; i < npend; i++) {
		item_line("pending", pend[i].kind, pend[i].key, &sb);
		date_format(pend[i].paid_day, paid);
		date_format(pend[i].expires_day, expires);
		sb_addf(&sb, "\t%s\t%s", paid, expires);
		lines_add(&mc->suspense, &sb);
	}
	for (i = 0; i < nsettled; i++) {
		item_line("settled", settled[i].kind, settled[i].key, &sb);
		lines_add(&mc->suspense, &sb);
	}
}

int manifest_answer(struct manifest_chan *mc, enum manifest_question q, int kind,
		    const char *key, int64_t arg, int answer)
{
	struct strbuf sb = STRBUF_INIT;
	char day[16];

	if (answer < 0)
		return answer;
	switch (q) {
	case MQ_SETTLED_BEFORE:
		item_line("settled-before", kind, key, &sb);
		sb_addf(&sb, "\t%" PRId64, arg);
		break;
	case MQ_NO_STATEMENT_BEFORE:
		item_line("no-statement-before", kind, key, &sb);
		break;
	case MQ_DUE_DAY_RAN:
		date_format(arg, day);
		sb_addf(&sb, "due-day-ran\t%s", day);
		break;
	}
	sb_adds(&sb, answer ? "\tyes" : "\tno");
	lines_add(&mc->suspense, &sb);
	return answer;
}

/* ---- the end of a channel ---- */

static int write_lines(struct gzsink *g, struct lines *l)
{
	size_t i;

	lines_sort(l);
	for (i = 0; i < l->n; i++)
		if (gzsink_write(g, l->v[i], strlen(l->v[i])) < 0 || gzsink_write(g, "\n", 1) < 0)
			return -1;
	return 0;
}

static int suspense_extract(struct manifest_chan *mc)
{
	struct gzsink g;

	if (gzsink_open(&g, mc->m->archive) < 0)
		return -1;
	if (gzsink_write(&g, SUSPENSE_MAGIC "\n", strlen(SUSPENSE_MAGIC) + 1) < 0 ||
	    write_lines(&g, &mc->suspense) < 0) {
		gzsink_discard(&g);
		return -1;
	}
	mc->r.suspense.name = xstrdup("suspense");
	return gzsink_close(&g, mc->m->archive, &mc->r.suspense);
}

static int rejects_copy(struct manifest_chan *mc)
{
	struct strbuf sb = STRBUF_INIT;
	char *path;
	struct stat st;
	int rc = 0;

	sb_addf(&sb, "rejects-%s.csv", mc->cc->name);
	path = path_join(mc->m->outdir, sb.buf);
	if (stat(path, &st) == 0) {
		mc->r.has_rejects = 1;
		mc->r.rejects.name = sb_detach(&sb, NULL);
		rc = gz_archive_file(mc->m->archive, path, &mc->r.rejects);
	}
	free(path);
	sb_release(&sb);
	return rc;
}

int manifest_chan_finish(struct manifest_chan *mc, const struct run_info *ri,
			 const struct fetched *fd)
{
	struct manifest *m = mc->m;
	struct manifest_run *r = &mc->r;

	if (mc->failed) {
		error_at(RX_INTERNAL, mc->cc->name, 0, "run manifest could not be recorded");
		return -1;
	}
	r->run_id = ri->id;
	snprintf(r->date, sizeof(r->date), "%s", ri->date);
	r->channel = xstrdup(ri->channel);
	r->recon_version = xstrdup(ri->version);
	r->statement.name = xstrdup(fd->name);
	snprintf(r->statement.sha256, sizeof(r->statement.sha256), "%s", fd->sha256);
	snprintf(r->statement.object, sizeof(r->statement.object), "%s", fd->sha256);
	r->statement.size = fd->size;
	r->format = xstrdup(ri->format);
	r->rules = xstrdup(mc->cc->rules ? mc->cc->rules : "default");
	r->timezone = xstrdup(ri->timezone);
	r->cutoff = ri->cutoff;
	r->grace_days = ri->grace_days;
	r->allow_rejects = m->allow_rejects;
	r->memory = m->memory;
	r->window_from = ri->window_from;
	r->window_to = ri->window_to;
	if (!r->format_file.name) {
		/* format_load() found it, so should we have */
		error_at(RX_INTERNAL, mc->cc->name, 0, "run manifest: format file %s not found",
			 ri->format);
		return -1;
	}
	if (write_lines(&mc->ledger, &mc->lookups) < 0)
		return -1;
	r->ledger.name = xstrdup("ledger");
	r->ledger_rows = mc->rows + mc->lookups.n;
	if (gzsink_close(&mc->ledger, m->archive, &r->ledger) < 0 ||
	    suspense_extract(mc) < 0 || rejects_copy(mc) < 0)
		return -1;
	m->done = xgrow(m->done, &m->adone, m->ndone + 1, sizeof(*m->done));
	m->done[m->ndone++] = *r;
	memset(r, 0, sizeof(*r));
	r->memory = -1;
	return 0;
}

/* ---- the day ---- */

/* Render the day's files from rs (one channel's only when channel is set)
 * and archive gzip copies of them into *files. 0 or -1. */
static int render(struct manifest *m, struct runstore *rs, const char *channel,
		  struct manifest_file **files, size_t *nfiles)
{
	char *dir = manifest_mkdtemp("manifest"), **names = NULL;
	int n = -1, i, rc = -1;

	*files = NULL;
	*nfiles = 0;
	if (!dir)
		return -1;
	runstore_only_channel(rs, channel);
	if (report_write_day(rs, m->day, dir) < 0)
		goto out;
	n = manifest_list_files(dir, &names);
	if (n < 0)
		goto out;
	*files = xcalloc((size_t)n + 1, sizeof(**files));
	for (i = 0; i < n; i++) {
		char *p = path_join(dir, names[i]);
		struct manifest_file *f = &(*files)[(*nfiles)++];

		f->name = xstrdup(names[i]);
		if (gz_archive_file(m->archive, p, f) < 0) {
			free(p);
			goto out;
		}
		free(p);
	}
	rc = 0;
out:
	runstore_only_channel(rs, NULL);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	manifest_rmtree(dir);
	free(dir);
	return rc;
}

static const struct manifest_run *done_of(struct manifest *m, const char *channel)
{
	size_t i;

	for (i = 0; i < m->ndone; i++)
		if (!strcmp(m->done[i].channel, channel))
			return &m->done[i];
	return NULL;
}

/* A deep copy of a manifest run. */
static void copy_file(struct manifest_file *dst, const struct manifest_file *src)
{
	*dst = *src;
	dst->name = src->name ? xstrdup(src->name) : NULL;
}

static void copy_run(struct manifest_run *dst, const struct manifest_run *src)
{
	size_t i;

	*dst = *src;
	dst->channel = xstrdup(src->channel);
	dst->recon_version = xstrdup(src->recon_version);
	copy_file(&dst->statement, &src->statement);
	dst->format = xstrdup(src->format);
	copy_file(&dst->format_file, &src->format_file);
	dst->rules = src->rules ? xstrdup(src->rules) : NULL;
	copy_file(&dst->rules_file, &src->rules_file);
	dst->timezone = xstrdup(src->timezone);
	copy_file(&dst->ledger, &src->ledger);
	copy_file(&dst->suspense, &src->suspense);
	copy_file(&dst->rejects, &src->rejects);
	dst->share = xcalloc(src->nshare + 1, sizeof(*dst->share));
	for (i = 0; i < src->nshare; i++)
		copy_file(&dst->share[i], &src->share[i]);
}

int manifest_day(struct manifest *m, struct runstore *rs)
{
	struct manifest_day *d = &m->result;
	struct run_info *runs = NULL;
	size_t i, arun = 0, aun = 0;
	int n = 0, rc = -1, k;

	if (!m->ndone)
		return 0;
	if (manifest_store_create(m->db, m->dbname) < 0)
		return -1;
	memset(d, 0, sizeof(*d));
	snprintf(d->date, sizeof(d->date), "%s", m->date);
	manifest_now(d->created);
	d->recon_version = xstrdup(m->done[0].recon_version);
	if (manifest_store_new_day(m->db, m->dbname, d->date, d->created, d->recon_version,
				   &d->id) < 0)
		return -1;
	for (i = 0; i < m->ndone; i++) {
		struct manifest_run *r = &m->done[i];

		r->manifest = d->id;
		if (render(m, rs, r->channel, &r->share, &r->nshare) < 0 ||
		    manifest_store_run(m->db, m->dbname, r) < 0)
			return -1;
	}
	n = runstore_runs(rs, m->day, &runs);
	if (n < 0)
		return -1;
	for (k = 0; k < n; k++) {
		const struct manifest_run *r = done_of(m, runs[k].channel);
		struct manifest_run latest;
		int got = 0;

		if (!r) {
			got = manifest_store_latest_run(m->db, m->dbname, runs[k].id, &latest);
			if (got < 0)
				goto out;
			r = got ? &latest : NULL;
		}
		if (r) {
			d->runs = xgrow(d->runs, &arun, d->nruns + 1, sizeof(*d->runs));
			copy_run(&d->runs[d->nruns++], r);
		} else {
			d->unrecorded = xgrow(d->unrecorded, &aun, d->nunrecorded + 1,
					      sizeof(*d->unrecorded));
			d->unrecorded[d->nunrecorded++] = xstrdup(runs[k].channel);
		}
		if (got)
			manifest_run_release(&latest);
	}
	if (n == 1 && m->ndone == 1 && !strcmp(runs[0].channel, m->done[0].channel)) {
		/* A day of one channel: its outputs are that channel's
		 * share, rendered above. */
		const struct manifest_run *r = &m->done[0];

		d->outputs = xcalloc(r->nshare + 1, sizeof(*d->outputs));
		for (i = 0; i < r->nshare; i++)
			copy_file(&d->outputs[i], &r->share[i]);
		d->noutputs = r->nshare;
	} else if (render(m, rs, NULL, &d->outputs, &d->noutputs) < 0) {
		goto out;
	}
	if (manifest_store_day(m->db, m->dbname, d) < 0)
		goto out;
	/* The one before, for the reader of manifest.json. */
	{
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(m->db, "SELECT max(id) FROM manifests WHERE date = ?1"
				       " AND id < ?2", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, d->date, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, d->id);
			if (sqlite3_step(st) == SQLITE_ROW)
				d->previous = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
	}
	manifest_json(d, &m->json);
	m->have_result = 1;
	rc = 0;
out:
	runstore_runs_free(runs, n);
	return rc;
}

int manifest_publish(struct manifest *m)
{
	char *path;
	int rc;

	if (!m->have_result)
		return 0;
	path = path_join(m->outdir, "manifest.json");
	rc = manifest_write_file(path, m->json.buf, m->json.len);
	free(path);
	return rc;
}
