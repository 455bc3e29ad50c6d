/*
 * cmd_run.c: recon run --date DATE [--channel NAME]... [--allow-rejects]
 *
 * For each channel: find the day's statement, decode it into the sorter,
 * then merge-join it with the ledger items due that day and the suspense
 * items of the previous run, classify, and record everything. One
 * transaction for the whole run (BEGIN IMMEDIATE: a second recon waits,
 * then refuses); the files in out/DATE/ are rendered from the database
 * after the commit, for every channel of the day.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recon/classify.h"
#include "recon/cmd.h"
#include "recon/conf.h"
#include "recon/datapath.h"
#include "recon/dayarg.h"
#include "recon/decode.h"
#include "recon/decode_split.h"
#include "recon/diag.h"
#include "recon/fetch.h"
#include "recon/join.h"
#include "recon/ledger.h"
#include "recon/ledger_days.h"
#include "recon/progress.h"
#include "recon/manifest.h"
#include "recon/report.h"
#include "recon/rules.h"
#include "recon/runstore.h"
#include "recon/sha256.h"
#include "recon/sort.h"
#include "recon/steptime.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"
#include "recon/window.h"

#ifndef RECON_VERSION
#define RECON_VERSION "unknown"
#endif

/* How long a run waits for another recon's write before refusing. */
#define RUN_BUSY_MS 5000

/* The time spent in a call made millions of times, from one call in 64
 * (a clock read per call would cost more than some of the calls). */
struct sampled {
	uint64_t calls;
	double seconds;
};

struct run {
	const struct globals *g;
	struct conf *conf;
	struct ledger *l;
	struct runstore *rs;
	int64_t day;
	char date[11];
	char *outdir;            /* out/DATE */
	int allow_rejects;
	int offline;             /* --offline: archived copies of remote statements */
	size_t memory;           /* for sorting a statement: --memory, else [run] memory */
	struct fetcher *fetch;
	struct manifest *mf;     /* what the run read and wrote, for replay */
};

/* One channel's reconciliation. */
struct chan {
	struct run *run;
	const struct channel_conf *cc;
	const struct tz *tz;
	const char *name;        /* statement display name: the template's result */
	struct sorter *sorter;
	/* A statement decoded in halves (decode_split.h): the second half's
	 * rows, their lines to be moved by line_offset, merged on the way. */
	struct sorter *sorter2;
	int halves;              /* read in halves: sorted on their threads */
	int64_t line_offset;
	struct record head[2];
	int have[2], ended[2];
	struct classifier cl;
	struct run_info ri;
	struct pending_item *settled;   /* settled earlier, due today */
	size_t nsettled;
	int warned_channel;
	int bad_input;           /* decoding stopped on a row we cannot take */
	struct ledger_cursor *cur;
	struct ledger_day *lday; /* the day's items from its day file, or NULL: cur */
	const char *lday_why;    /* why there is none */
	const struct key_mark *marks;   /* the day file's keys, to cut the statement by */
	size_t nmarks;
	struct progress *prog;   /* matching, on a terminal */
	struct sampled t_ledger, t_classify;   /* inside the join, for RECON_TIMINGS */
	uint64_t matched;        /* statement rows taken by the join */
	struct rules *rules;     /* the channel's rules/NAME.rules */
	struct rules_day *rday;
	struct manifest_chan *mc;
};

static void now_text(char *buf)
{
	rec_time_format((int64_t)time(NULL), 0, buf);
}

/* ---- decoding ---- */

static int on_record(const struct record *r, void *ctx)
{
	struct chan *ch = ctx;
	struct record copy;

	if (*r->channel && strcmp(r->channel, ch->cc->name)) {
		if (!ch->warned_channel)
			warn_at(r->file, r->line, "channel: %s is not %s: such rows are not reconciled",
				r->channel, ch->cc->name);
		ch->warned_channel = 1;
	} else {
		copy = *r;
		/* the day's name, whatever the decoder interned */
		copy.file = ch->name;
		/* The rules may rewrite its codes, leave it out or keep it
		 * (a reversal): recon-rules.5. */
		switch (rules_day_row(ch->rday, &copy)) {
		case RULES_ROW_JOIN:
			return sorter_add(ch->sorter, &copy) < 0;
		case RULES_ROW_TAKEN:
			return 0;
		case RULES_ROW_OTHER:
			break;
		default:
			ch->bad_input = 1;
			return 1;
		}
	}
	if (tally_add(&ch->cl.tally, TALLY_OTHER, r->currency, r->amount) < 0) {
		error_at(RX_BADINPUT, r->file, r->line, "amount: sum out of range");
		ch->bad_input = 1;
		return 1;
	}
	return 0;
}

/* Half of a statement decoded on a thread of its own, with its own rules
 * state and tallies: taken over by the channel's when both are done. */
struct half {
	struct chan *ch;
	struct sorter *sorter;
	struct rules_day *rday;
	struct tally tally;
	int foreign;             /* a row of another channel: decode again to say so */
	int bad;
};

static int on_half(const struct record *r, void *ctx)
{
	struct half *h = ctx;
	struct chan *ch = h->ch;
	struct record copy;
	int rc;

	if (*r->channel && strcmp(r->channel, ch->cc->name)) {
		h->foreign = 1;
		return 1;
	}
	copy = *r;
	copy.file = ch->name;
	rc = rules_day_row(h->rday, &copy);
	if (rc == RULES_ROW_OTHER && tally_add(&h->tally, TALLY_OTHER, r->currency, r->amount) < 0)
		rc = -1;
	if (rc == RULES_ROW_JOIN && sorter_add(h->sorter, &copy) == 0)
		return 0;
	if (rc == RULES_ROW_JOIN || rc < 0) {
		h->bad = 1;
		return 1;
	}
	return 0;
}

/* The half's last row: its sort finishes on its thread. */
static void half_done(void *ctx)
{
	struct half *h = ctx;

	if (!h->bad && !h->foreign && sorter_finish(h->sorter) < 0)
		h->bad = 1;
}

/*
 * Decode a big statement in two halves at once. 0 when done (the two
 * sorters in ch, the halves' rules state and tallies taken into ch's), 1
 * when not: the caller decodes it whole, ch's state untouched.
 */
static int read_halves(struct chan *ch, const struct format *f, const char *path,
			const struct decode_opts *o, struct decode_stats *st)
{
	struct run *run = ch->run;
	struct half h[2];
	struct decode_half dh[2];
	int i, rc, ok;

	memset(h, 0, sizeof(h));
	for (i = 0; i < 2; i++) {
		h[i].ch = ch;
		h[i].sorter = sorter_new(run->memory / 2, NULL);
		sorter_partition(h[i].sorter, ch->marks, ch->nmarks);
		h[i].rday = rules_day_new(ch->rules, ch->tz, ch->cc->cutoff, run->day, &h[i].tally);
		dh[i].fn = on_half;
		dh[i].ctx = &h[i];
		dh[i].done = half_done;
	}
	rc = decode_split(f, path, o, dh, st, &ch->line_offset, o->progress);
	ok = rc == 0 && !h[0].bad && !h[1].bad && !h[0].foreign && !h[1].foreign;
	for (i = 0; ok && i < 2; i++) {
		rules_day_absorb(ch->rday, h[i].rday, i ? ch->line_offset : 0);
		if (tally_merge(&ch->cl.tally, &h[i].tally) < 0) {
			error_at(RX_BADINPUT, ch->name, 0, "amount: sum out of range");
			ch->bad_input = 1;
		}
	}
	for (i = 0; i < 2; i++) {
		rules_day_free(h[i].rday);
		tally_release(&h[i].tally);
	}
	if (ok) {
		ch->halves = 1;
		ch->sorter = h[0].sorter;
		/* Halves cut at the same keys (the day file's) are read as
		 * one; else the two are merged as they are read. */
		if (sorter_absorb(h[0].sorter, h[1].sorter, ch->line_offset) == 0)
			sorter_free(h[1].sorter);
		else
			ch->sorter2 = h[1].sorter;
		return 0;
	}
	sorter_free(h[0].sorter);
	sorter_free(h[1].sorter);
	memset(st, 0, sizeof(*st));
	return 1;
}

/* ---- the streams and the environment of the classifier ---- */

static int stmt_next(void *ctx, struct record *r)
{
	struct chan *ch = ctx;
	int i, rc;

	progress_update(ch->prog, ++ch->matched, 0);
	if (!ch->sorter2)
		return sorter_next(ch->sorter, r);
	for (i = 0; i < 2; i++) {
		if (ch->have[i] || ch->ended[i])
			continue;
		rc = sorter_next(i ? ch->sorter2 : ch->sorter, &ch->head[i]);
		if (rc < 0)
			return -1;
		ch->have[i] = rc;
		ch->ended[i] = !rc;
		if (rc && i)
			ch->head[i].line += ch->line_offset;
	}
	if (!ch->have[0] && !ch->have[1])
		return 0;
	i = !ch->have[0] || (ch->have[1] && record_join_cmp(&ch->head[1], &ch->head[0]) < 0);
	*r = ch->head[i];
	ch->have[i] = 0;
	return 1;
}

#define SAMPLE_EVERY 64

/* The first call is timed on its own: it may be much slower (a scan's
 * sort). */
static double sample_begin(struct sampled *s)
{
	uint64_t n = s->calls++;

	return n == 0 || n % SAMPLE_EVERY == 1 ? steptime_now() : 0;
}

static void sample_end(struct sampled *s, double t0)
{
	if (t0)
		s->seconds += (steptime_now() - t0) * (s->calls == 1 ? 1 : SAMPLE_EVERY);
}

static int ledger_scan_one(struct chan *ch, struct record *r);

static int ledger_next(void *ctx, struct record *r)
{
	struct chan *ch = ctx;
	double t0 = sample_begin(&ch->t_ledger);
	int rc = ledger_scan_one(ch, r);

	sample_end(&ch->t_ledger, t0);
	return rc;
}

static int classify_timed(const struct join_group *g, void *ctx)
{
	struct chan *ch = ctx;
	double t0 = sample_begin(&ch->t_classify);
	int rc = classify_group(g, &ch->cl);

	sample_end(&ch->t_classify, t0);
	return rc;
}

static int ledger_scan_one(struct chan *ch, struct record *r)
{
	int rc;

	/* The scan orders by kind name: other kinds may come first, and are
	 * no business of the join. */
	while ((rc = ch->lday ? ledger_day_next(ch->lday, r) : ledger_scan_next(ch->cur, r)) == 1) {
		if (!ch->lday)
			manifest_ledger_row(ch->mc, r);
		if (r->kind == KIND_PAY || r->kind == KIND_REFUND)
			return 1;
	}
	return rc;
}

static int env_lookup(void *ctx, int kind, const char *key, struct record *r)
{
	struct chan *ch = ctx;
	int rc = ledger_get(ch->run->l, ch->cc->name, kind, key, r);

	if (rc == 1)
		manifest_ledger_lookup(ch->mc, r);
	return rc;
}

static int env_settled_before(void *ctx, int kind, const char *key, int64_t paid)
{
	struct chan *ch = ctx;
	struct pending_item want;

	if (paid >= ch->cl.win_from && paid < ch->cl.win_to) {
		if (!ch->nsettled)
			return 0;
		memset(&want, 0, sizeof(want));
		want.kind = kind;
		snprintf(want.key, sizeof(want.key), "%s", key);
		return bsearch(&want, ch->settled, ch->nsettled, sizeof(want), pending_cmp) != NULL;
	}
	return manifest_answer(ch->mc, MQ_SETTLED_BEFORE, kind, key, paid,
			       runstore_settled_before(ch->run->rs, ch->cc->name, ch->run->day,
						       kind, key));
}

static int env_no_statement_before(void *ctx, int kind, const char *key)
{
	struct chan *ch = ctx;

	return manifest_answer(ch->mc, MQ_NO_STATEMENT_BEFORE, kind, key, 0,
			       runstore_no_statement_before(ch->run->rs, ch->cc->name,
							    ch->run->day, kind, key));
}

static int env_due_day_ran(void *ctx, int64_t paid)
{
	struct chan *ch = ctx;
	int64_t day = due_day(ch->tz, ch->cc->cutoff, paid);

	return manifest_answer(ch->mc, MQ_DUE_DAY_RAN, 0, "", day,
			       runstore_has_run(ch->run->rs, ch->cc->name, day));
}

static int env_discrepancy(void *ctx, const struct discrepancy *d, const struct correction *c)
{
	struct chan *ch = ctx;

	return runstore_add_discrepancy(ch->run->rs, &ch->ri, d, c);
}

static int env_pending(void *ctx, const struct pending_item *p, const struct record *l)
{
	struct chan *ch = ctx;

	(void)l;
	return runstore_add_pending(ch->run->rs, &ch->ri, p);
}

static int env_settled(void *ctx, int kind, const char *key, int64_t paid)
{
	struct chan *ch = ctx;

	return runstore_add_settled(ch->run->rs, &ch->ri, kind, key, paid);
}

/* ---- one channel ---- */

/* Read and sort the statement. Returns 0, 1 when the channel is not
 * reconciled (reported), -1 on internal error. */
static int read_statement(struct chan *ch, const char *path)
{
	struct run *run = ch->run;
	const struct channel_conf *cc = ch->cc;
	struct format *f;
	struct decode_opts o;
	struct decode_stats st;
	struct stat stb;
	double t0;
	char *rejects, *shown;
	struct strbuf sb = STRBUF_INIT;
	int rc;

	f = format_load(cc->format);
	if (!f)
		return 1;
	if (mkdir_p(run->outdir, 0777) < 0) {
		error_at(RX_INTERNAL, run->outdir, 0, "cannot create folder: %s", strerror(errno));
		format_free(f);
		return -1;
	}
	sb_addf(&sb, "rejects-%s.csv", cc->name);
	rejects = path_join(run->outdir, sb.buf);
	sb_reset(&sb);
	/* As configured (usually relative to the workspace) in messages. */
	sb_addf(&sb, "%s/rejects-%s.csv", run->date, cc->name);
	shown = path_join(run->conf->output_dir, sb.buf);
	sb_release(&sb);
	unlink(rejects);

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	o.channel = cc->name;
	o.name = ch->name;
	o.reject_path = rejects;
	o.statement_day = run->day;
	/* The day file (ledger import keeps it) spares scanning and sorting
	 * the ledger; its keys tell how to cut a big statement into ranges. */
	ch->lday = ledger_day_open(run->l, cc->name, run->day, ch->cl.win_from, ch->cl.win_to,
				   &ch->lday_why);
	if (ch->lday)
		ch->marks = ledger_day_marks(ch->lday, &ch->nmarks);
	sb_addf(&sb, "%s: reading %s", cc->name, ch->name);
	o.progress = progress_start(sb.buf, stat(path, &stb) == 0 ? (uint64_t)stb.st_size : 0);
	sb_release(&sb);
	t0 = steptime_now();
	if (stat(path, &stb) == 0 && (uint64_t)stb.st_size >= DECODE_SPLIT_MIN &&
	    read_halves(ch, f, path, &o, &st) == 0) {
		rc = 0;
	} else {
		ch->sorter = sorter_new(run->memory, NULL);
		sorter_partition(ch->sorter, ch->marks, ch->nmarks);
		rc = decode_file(f, path, &o, on_record, ch, &st);
	}
	steptime_note(cc->name, "decode", t0, -1, st.rows);
	progress_end(o.progress);
	format_free(f);
	ch->ri.rows = st.rows;
	ch->ri.rejects = st.rejects;
	ch->ri.totals_declared = st.totals_declared;
	ch->ri.totals_ok = st.totals_ok;
	if (!st.rejects)
		unlink(rejects);
	if (rc < 0 || ch->bad_input) {
		error_at(RX_BADINPUT, cc->name, 0, "statement %s could not be read: not reconciled",
			 ch->name);
		rc = 1;
		goto out;
	}
	if (st.rejects && !run->allow_rejects) {
		error_at(RX_BADINPUT, cc->name, 0,
			 "%llu rejected %s in %s: not reconciled (see %s; --allow-rejects"
			 " reconciles the other rows)", (unsigned long long)st.rejects,
			 st.rejects == 1 ? "row" : "rows", ch->name, shown);
		rc = 1;
		goto out;
	}
	if (st.rejects)
		diag(DIAG_WARNING, RX_BADINPUT, cc->name, 0,
		     "%llu rejected %s in %s: reconciled without them (see %s)",
		     (unsigned long long)st.rejects, st.rejects == 1 ? "row" : "rows", ch->name,
		     shown);
	t0 = steptime_now();
	/* Halves finished their sorts on their threads. */
	rc = !ch->halves && sorter_finish(ch->sorter) < 0 ? -1 : 0;
	steptime_note(cc->name, "sort", t0, -1, sorter_count(ch->sorter));
	if (rc == 0 && run->g->verbosity > 0) {
		struct sorter_stats ss;

		sorter_stats(ch->sorter, &ss);
		if (ch->sorter2) {
			struct sorter_stats s2;

			sorter_stats(ch->sorter2, &s2);
			ss.runs += s2.runs;
			ss.ranges += s2.ranges;
			ss.run_bytes += s2.run_bytes;
		}
		if (ss.ranges)
			info("%s: %s: cut into %llu ranges on disk (%.1f MB written) within"
			     " --memory %zuM", cc->name, ch->name, (unsigned long long)ss.ranges,
			     (double)ss.run_bytes / 1e6, run->memory >> 20);
		else if (ss.runs)
			info("%s: %s: sorted through %llu runs on disk (%.1f MB written) within"
			     " --memory %zuM", cc->name, ch->name, (unsigned long long)ss.runs,
			     (double)ss.run_bytes / 1e6, run->memory >> 20);
	}
out:
	free(rejects);
	free(shown);
	return rc;
}

/* The merge-join and the records. Returns 0 or -1. */
static int reconcile(struct chan *ch)
{
	struct run *run = ch->run;
	const struct channel_conf *cc = ch->cc;
	struct pending_item *pend = NULL;
	size_t npend = 0;
	struct join_stream s = { stmt_next, ch }, l = { ledger_next, ch };
	struct strbuf sb = STRBUF_INIT;
	double t0;
	int joined;
	int rc = -1;

	if (runstore_begin(run->rs, &ch->ri) < 0 ||
	    rules_store_begin(ledger_db(run->l), ch->ri.id) < 0 ||
	    rules_store_load(ledger_db(run->l), cc->name, run->day, ch->rday) < 0)
		return -1;
	rules_day_ready(ch->rday);
	if (runstore_pending(run->rs, cc->name, run->day, &pend, &npend) < 0 ||
	    runstore_settled_in(run->rs, cc->name, run->day, ch->cl.win_from, ch->cl.win_to,
				&ch->settled, &ch->nsettled) < 0)
		goto out;
	manifest_suspense(ch->mc, pend, npend, ch->settled, ch->nsettled);
	if (run->g->verbosity > 0) {
		char from[32], to[32];

		rec_time_format(ch->cl.win_from, tz_offset_at(ch->tz, ch->cl.win_from), from);
		rec_time_format(ch->cl.win_to, tz_offset_at(ch->tz, ch->cl.win_to), to);
		info("%s: %s: %llu rows; ledger items paid %s to %s; %zu in suspense", cc->name,
		     ch->name, (unsigned long long)ch->ri.rows, from, to, npend);
	}
	/* Without a day file (read_statement() opened it), the database's
	 * index does the same. */
	if (!ch->lday) {
		if (strcmp(ch->lday_why, "none"))
			info("%s: day file for %s: %s: scanning the ledger", cc->name, run->date,
			     ch->lday_why);
		ch->cur = ledger_scan_paid(run->l, cc->name, ch->cl.win_from, ch->cl.win_to);
		if (!ch->cur)
			goto out;
	} else {
		manifest_ledger_dayfile(ch->mc, ledger_day_path(ch->lday), ledger_day_sha256(ch->lday),
					ledger_day_rows(ch->lday));
		ledger_day_prefetch(ch->lday);
	}
	/* The statement's merge runs ahead on threads of the sorters. */
	sorter_prefetch(ch->sorter);
	if (ch->sorter2)
		sorter_prefetch(ch->sorter2);
	sb_addf(&sb, "%s: matching", cc->name);
	ch->prog = progress_start(sb.buf, 0);
	sb_release(&sb);
	t0 = steptime_now();
	joined = join_run(&s, &l, pend, npend, classify_timed, ch);
	t0 = steptime_now() - t0;
	steptime_note(cc->name, "ledger", 0, ch->t_ledger.seconds, ch->t_ledger.calls);
	steptime_note(cc->name, "classify", 0, ch->t_classify.seconds, ch->t_classify.calls);
	t0 -= ch->t_ledger.seconds + ch->t_classify.seconds;
	steptime_note(cc->name, "join", 0, t0 > 0 ? t0 : 0, ch->matched);
	progress_end(ch->prog);
	ch->prog = NULL;
	if (joined < 0 ||
	    rules_day_finish(ch->rday, &ch->cl) < 0 ||
	    rules_store_save(ledger_db(run->l), ch->ri.id, cc->name, ch->rday) < 0)
		goto out;
	now_text(ch->ri.finished);
	ch->ri.tally = ch->cl.tally;
	rc = runstore_finish(run->rs, &ch->ri);
	ch->ri.tally = (struct tally){ .cells = NULL };
out:
	free(pend);
	return rc;
}

/* Reconcile cc with its statement fd, fetched before the run's transaction
 * (and recorded in the archive index here, inside it). Returns 1 when the
 * channel was reconciled, 0 when not (reported), -1 on an internal error
 * (the run must be rolled back). */
static int run_channel(struct run *run, const struct channel_conf *cc, struct fetched *fd)
{
	struct chan ch;
	char *name = NULL, *path = NULL;
	const char *why = NULL;
	double t0 = steptime_now();
	int rc;

	memset(&ch, 0, sizeof(ch));
	ch.run = run;
	ch.cc = cc;
	ch.tz = tz_get(cc->timezone, &why);
	if (!ch.tz) {
		error_at(RX_USAGE, cc->file, cc->line, "channel \"%s\": timezone: %s", cc->name, why);
		return 0;
	}
	ch.rules = rules_load(cc->rules);
	if (!ch.rules)
		return 0;
	ch.mc = manifest_chan_new(run->mf, cc);
	manifest_rules(ch.mc, rules_path(ch.rules));
	if (fetch_record(run->fetch, cc, run->day, fd) != RX_OK) {
		rc = -1;
		goto out;
	}
	name = xstrdup(fd->name);
	path = xstrdup(fd->path);
	ch.name = name;

	memset(&ch.ri, 0, sizeof(ch.ri));
	snprintf(ch.ri.date, sizeof(ch.ri.date), "%s", run->date);
	snprintf(ch.ri.sha256, sizeof(ch.ri.sha256), "%s", fd->sha256);
	ch.ri.channel = xstrdup(cc->name);
	ch.ri.statement = xstrdup(name);
	ch.ri.format = xstrdup(cc->format);
	ch.ri.timezone = xstrdup(cc->timezone);
	ch.ri.cutoff = cc->cutoff;
	ch.ri.grace_days = cc->grace_days;
	ch.ri.version = xstrdup(manifest_recon_version(cc->name));
	now_text(ch.ri.started);

	ch.cl.channel = cc->name;
	ch.cl.day = run->day;
	day_window(ch.tz, run->day, cc->cutoff, &ch.cl.win_from, &ch.cl.win_to);
	ch.ri.window_from = ch.cl.win_from;
	ch.ri.window_to = ch.cl.win_to;
	ch.cl.grace_days = cc->grace_days;
	ch.cl.rules = ch.rules;
	ch.rday = rules_day_new(ch.rules, ch.tz, cc->cutoff, run->day, &ch.cl.tally);
	ch.cl.rday = ch.rday;
	ch.cl.env = (struct classify_env){
		&ch, env_lookup, env_settled_before, env_no_statement_before, env_due_day_ran,
		env_discrepancy, env_pending, env_settled
	};

	rc = read_statement(&ch, path);
	if (rc == 0) {
		double t1;

		rc = reconcile(&ch) < 0 ? -1 : 0;
		t1 = steptime_now();
		if (rc == 0 && manifest_chan_finish(ch.mc, &ch.ri, fd) < 0)
			rc = -1;
		steptime_note(cc->name, "manifest", t1, -1, 0);
	}
	steptime_note(cc->name, "channel", t0, -1, ch.ri.rows);
out:
	manifest_chan_free(ch.mc);
	ledger_scan_close(ch.cur);
	ledger_day_close(ch.lday);
	sorter_free(ch.sorter);
	sorter_free(ch.sorter2);
	rules_day_free(ch.rday);
	rules_free(ch.rules);
	tally_release(&ch.cl.tally);
	run_info_release(&ch.ri);
	free(ch.settled);
	free(name);
	free(path);
	if (rc < 0)
		return -1;
	return rc == 0;
}

/* ---- the command ---- */

static int print_lines(struct run *run, char **names, int nnames)
{
	struct run_info *runs;
	struct strbuf sb = STRBUF_INIT;
	int n, i, j, dirty = 0;

	n = runstore_runs(run->rs, run->day, &runs);
	if (n < 0)
		return -1;
	/* Exit 1 only while a discrepancy is OPEN: the ones people resolved
	 * stay resolved over a re-run, and still count in the lines. */
	for (i = 0; i < n && !dirty; i++)
		for (j = 0; j < nnames && !dirty; j++)
			if (!strcmp(runs[i].channel, names[j]) && report_run_has_discrepancies(&runs[i]))
				dirty = runstore_open_count(run->rs, runs[i].channel, run->day);
	if (dirty > 0)
		dirty = 1;
	if (dirty < 0) {
		runstore_runs_free(runs, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < nnames && strcmp(runs[i].channel, names[j]); j++)
			;
		if (j == nnames || (run->g->verbosity < 0 && !dirty))
			continue;
		sb_reset(&sb);
		report_run_line(&runs[i], &sb);
		puts(sb.buf);
	}
	sb_release(&sb);
	runstore_runs_free(runs, n);
	fflush(stdout);
	return dirty;
}

int cmd_run(int argc, char **argv, const struct globals *g)
{
	static const struct option longopts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "channel", required_argument, NULL, 'c' },
		{ "allow-rejects", no_argument, NULL, 'a' },
		{ "offline", no_argument, NULL, 'o' },
		{ "memory", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	struct run run;
	const char **want = NULL, *date = NULL;
	char **ran = NULL, *db = NULL, *out = NULL;
	struct fetched *got = NULL;
	int *got_rc = NULL;
	size_t nwant = 0, awant = 0, i, j;
	int nran = 0, ch, rc = RX_OK, r;
	double t0, start = steptime_now();

	memset(&run, 0, sizeof(run));
	run.g = g;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			date = optarg;
			break;
		case 'c':
			want = xgrow(want, &awant, nwant + 1, sizeof(*want));
			want[nwant++] = optarg;
			break;
		case 'a':
			run.allow_rejects = 1;
			break;
		case 'o':
			run.offline = 1;
			break;
		case 'm':
			if (conf_parse_size(optarg, (size_t)1 << 20, &run.memory) < 0) {
				fprintf(stderr, "recon: error: --memory %s: not a size of at least 1M"
					" (bytes, or a number followed by K, M or G)\n", optarg);
				free(want);
				return usage_of("run");
			}
			break;
		default:
			free(want);
			return option_error("run", ch, argv);
		}
	}
	if (!date || optind < argc) {
		free(want);
		return usage_of("run");
	}
	if (day_arg(date, &run.day) < 0) {
		fprintf(stderr, "recon: error: --date %s: not YYYY-MM-DD, today or yesterday\n", date);
		free(want);
		return usage_of("run");
	}
	date_format(run.day, run.date);

	run.conf = conf_load(g->config);
	if (!run.conf) {
		free(want);
		return RX_USAGE;
	}
	datapath_set_workspace(run.conf->dir);
	if (!run.memory)
		run.memory = run.conf->memory;
	for (i = 0; i < nwant; i++) {
		if (!conf_channel(run.conf, want[i])) {
			error_at(RX_USAGE, run.conf->path, 0, "channel \"%s\" is not configured", want[i]);
			rc = RX_USAGE;
		}
	}
	if (!run.conf->nchannels) {
		error_at(RX_USAGE, run.conf->path, 0, "no channel configured");
		rc = RX_USAGE;
	}
	if (rc)
		goto out;

	out = conf_path(run.conf, run.conf->output_dir);
	run.outdir = path_join(out, run.date);
	db = conf_path(run.conf, run.conf->database);
	run.l = ledger_open(db, 1);
	if (run.l)
		run.fetch = fetcher_new(run.conf, ledger_db(run.l), db, isatty(2) && g->verbosity >= 0);
	if (!run.fetch) {
		rc = RX_INTERNAL;
		goto out;
	}
	/* Downloads before the write lock: another recon waits for our
	 * transaction, never for a slow server. */
	got = xcalloc(run.conf->nchannels, sizeof(*got));
	got_rc = xcalloc(run.conf->nchannels, sizeof(*got_rc));
	for (i = 0; i < run.conf->nchannels; i++) {
		const struct channel_conf *cc = &run.conf->channels[i];

		for (j = 0; j < nwant && strcmp(want[j], cc->name); j++)
			;
		t0 = steptime_now();
		got_rc[i] = nwant && j == nwant ? -1
			: manifest_replay_statement(cc->name, &got[i]) ? RX_OK
			: fetch_statement(run.fetch, cc, run.day, run.offline, &got[i]);
		if (got_rc[i] >= 0)
			steptime_note(cc->name, "fetch", t0, -1, 0);
	}
	if (ledger_begin(run.l, RUN_BUSY_MS) < 0) {
		rc = RX_INTERNAL;
		goto out;
	}
	run.rs = runstore_open(ledger_db(run.l), db, 1);
	if (!run.rs) {
		rc = RX_INTERNAL;
		goto rollback;
	}
	run.mf = manifest_new(run.conf, ledger_db(run.l), db, run.day, run.outdir,
			      run.allow_rejects);
	manifest_set_memory(run.mf, (int64_t)run.memory);
	ran = xcalloc(run.conf->nchannels, sizeof(*ran));
	for (i = 0; i < run.conf->nchannels; i++) {
		const struct channel_conf *cc = &run.conf->channels[i];

		if (got_rc[i] != RX_OK)
			continue;
		r = run_channel(&run, cc, &got[i]);
		if (r < 0) {
			rc = RX_INTERNAL;
			goto rollback;
		}
		if (r)
			ran[nran++] = cc->name;
	}
	t0 = steptime_now();
	if (manifest_day(run.mf, run.rs) < 0) {
		rc = RX_INTERNAL;
		goto rollback;
	}
	if (ledger_commit(run.l) < 0) {
		rc = RX_INTERNAL;
		goto out;
	}
	if (nran) {
		if (report_write_day(run.rs, run.day, run.outdir) < 0 ||
		    manifest_publish(run.mf) < 0) {
			rc = RX_INTERNAL;
			goto out;
		}
		steptime_note("day", "write", t0, -1, 0);
		r = print_lines(&run, ran, nran);
		if (r < 0)
			rc = RX_INTERNAL;
		else if (r)
			rc = RX_DISCREPANCY;
	}
	goto out;
rollback:
	error_at(RX_INTERNAL, NULL, 0, "run %s: nothing recorded", run.date);
	ledger_rollback(run.l);
out:
	for (i = 0; got && i < run.conf->nchannels; i++)
		fetched_release(&got[i]);
	free(got);
	free(got_rc);
	/* before the database closes: it holds prepared statements */
	fetcher_free(run.fetch);
	manifest_free(run.mf);
	runstore_close(run.rs);
	ledger_close(run.l);
	conf_free(run.conf);
	free(run.outdir);
	free(out);
	free(db);
	free(ran);
	free(want);
	steptime_note("run", "total", start, -1, 0);
	return rc;
}
