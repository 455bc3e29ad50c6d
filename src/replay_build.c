/*
 * replay_build.c: the scratch workspace a replay runs the day in.
 *
 * Its database is made so that the run's every read gives what it gave
 * the recorded run: the ledger is the ledger extract; the day's runs exist
 * under their recorded ids (the outputs show them); and each channel has
 * earlier runs shaped by its suspense extract: one on the date the
 * suspense came from, holding the suspense items, the settled items, the
 * NO_STATEMENT reports and the rows the rules left waiting that the run
 * saw or asked about, and one on each other day the run found had run.
 * Questions the run answered "no" need nothing: nothing else is there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "recon/classify.h"
#include "recon/conf.h"
#include "recon/dayfile.h"
#include "recon/diag.h"
#include "recon/ledger.h"
#include "recon/rules.h"
#include "recon/runstore.h"
#include "recon/tz.h"
#include "recon/util.h"
#include "manifest_int.h"
#include "replay_int.h"

/* ---- files ---- */

/* Copy the archived object hex to scratch/rel. 0 or -1. */
static int place(struct replay *rp, const char *hex, const char *rel)
{
	char *src = replay_object_path(rp, hex), *dst = path_join(rp->scratch, rel), *dir;
	char *buf;
	size_t n;
	int rc = -1;

	buf = read_file(src, &n);
	if (!buf) {
		error_at(RX_BADINPUT, src, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	dir = path_dirname(dst);
	if (mkdir_p(dir, 0777) < 0)
		error_at(RX_INTERNAL, dir, 0, "cannot create folder: %s", strerror(errno));
	else
		rc = manifest_write_file(dst, buf, n);
	free(dir);
out:
	free(buf);
	free(src);
	free(dst);
	return rc;
}

/* Where name (a format or rules name, or a path) goes in the scratch
 * workspace: a new string, or NULL after reporting one that cannot. */
static char *data_file(const char *kind, const char *name, const char *ext)
{
	struct strbuf sb = STRBUF_INIT;

	if (!strchr(name, '/')) {
		sb_addf(&sb, "%s/%s%s", kind, name, ext);
		return sb_detach(&sb, NULL);
	}
	if (*name == '/' || !strncmp(name, "../", 3) || strstr(name, "/../")) {
		error_at(RX_USAGE, name, 0, "a %s given by a path outside the workspace cannot be "
			 "replayed from the archive", kind[0] == 'f' ? "format" : "rules file");
		return NULL;
	}
	return xstrdup(name);
}

static void conf_value(struct strbuf *sb, const char *key, const char *v)
{
	sb_addf(sb, "\t%s = \"", key);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			sb_addc(sb, '\\');
		sb_addc(sb, *v);
	}
	sb_adds(sb, "\"\n");
}

static int write_conf(struct replay *rp)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = path_join(rp->scratch, "recon.conf");
	size_t i;
	int rc;

	sb_adds(&sb, "# recon replay: a scratch workspace, removed after the replay\n"
		"[ledger]\n\tdatabase = replay.db\n[archive]\n\tdir = archive\n"
		"[output]\n\tdir = out\n");
	for (i = 0; i < rp->nsel; i++) {
		const struct manifest_run *r = rp->sel[i];
		const char *c;

		sb_adds(&sb, "[channel \"");
		for (c = r->channel; *c; c++) {
			if (*c == '"' || *c == '\\')
				sb_addc(&sb, '\\');
			sb_addc(&sb, *c);
		}
		sb_adds(&sb, "\"]\n");
		conf_value(&sb, "format", r->format);
		/* The statement comes from the archive (replay's hook). */
		conf_value(&sb, "source", "replay");
		conf_value(&sb, "timezone", r->timezone);
		sb_addf(&sb, "\tcutoff = %02d:%02d\n\tgrace-days = %d\n", r->cutoff / 60,
			r->cutoff % 60, r->grace_days);
		conf_value(&sb, "rules", r->rules ? r->rules : "default");
	}
	rc = manifest_write_file(path, sb.buf, sb.len);
	sb_release(&sb);
	free(path);
	return rc;
}

static int data_files(struct replay *rp)
{
	size_t i;

	for (i = 0; i < rp->nsel; i++) {
		const struct manifest_run *r = rp->sel[i];
		char *rel = data_file("formats", r->format, ".fmt");
		int rc = rel ? place(rp, r->format_file.sha256, rel) : -1;

		free(rel);
		if (rc < 0)
			return -1;
		if (!r->rules_recorded || !*r->rules_file.sha256)
			continue;
		rel = data_file("rules", r->rules ? r->rules : "default", ".rules");
		rc = rel ? place(rp, r->rules_file.sha256, rel) : -1;
		free(rel);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- the ledger ---- */

struct ledger_load {
	struct ledger *l;
	const char *shown;
	int64_t line;
	struct replay *rp;
};

/* "dayfile SHA256 ROWS": the due items are the archived day file. */
static int ledger_dayfile(struct ledger_load *ll, const char *line, size_t len)
{
	char hex[SHA256_HEXLEN + 1], *path;
	unsigned long long rows = 0, n = 0;
	struct dayfile_head h;
	struct dayfile *f;
	struct record r;
	int rc = -1;

	if (len >= 100 || sscanf(line, "dayfile\t%64[0-9a-f]\t%llu", hex, &rows) != 2) {
		error_at(RX_BADINPUT, ll->shown, ll->line, "ledger extract: bad day file line");
		return -1;
	}
	path = replay_object_path(ll->rp, hex);
	f = dayfile_open(path, &h);
	if (!f) {
		error_at(RX_BADINPUT, path, 0, "day file: %s", strerror(errno));
		free(path);
		return -1;
	}
	while ((rc = dayfile_next(f, &r)) == 1 && ledger_put(ll->l, &r) >= 0)
		n++;
	if (rc < 0)
		error_at(RX_BADINPUT, path, 0, "day file: damaged or cut short");
	else if (rc == 0 && n != rows)
		error_at(RX_BADINPUT, path, 0, "day file: %llu rows, the extract says %llu", n, rows);
	dayfile_close(f);
	free(path);
	return rc == 0 && n == rows ? 0 : -1;
}

static int ledger_line(const char *line, size_t len, void *ctx)
{
	struct ledger_load *ll = ctx;
	struct record r;
	const char *tab;

	ll->line++;
	if (ll->line == 1) {
		if (len == strlen(LEDGER_MAGIC) && !memcmp(line, LEDGER_MAGIC, len))
			return 0;
		error_at(RX_BADINPUT, ll->shown, 1, "not a ledger extract recon knows");
		return -1;
	}
	if (len > 8 && !memcmp(line, "dayfile\t", 8))
		return ledger_dayfile(ll, line, len);
	tab = memchr(line, '\t', len);
	if (!tab || manifest_record_parse(tab + 1, len - (size_t)(tab + 1 - line), &r) < 0) {
		error_at(RX_BADINPUT, ll->shown, ll->line, "ledger extract: bad record");
		return -1;
	}
	return ledger_put(ll->l, &r) < 0 ? -1 : 0;
}

/* ---- the suspense extract ---- */

struct carried {
	int64_t expires;
	char *file;
	struct record r;
};

struct state {
	const struct replay *rp;
	const char *shown;
	int64_t line;
	struct pending_item *pend, *settled, *before;  /* before: paid_day = paid time */
	size_t npend, apend, nsettled, asettled, nbefore, abefore;
	struct pending_item *nostmt;
	size_t nnostmt, anostmt;
	int64_t *ran;
	size_t nran, aran;
	struct carried *carried;
	size_t ncarried, acarried;
};

static void state_free(struct state *s)
{
	size_t i;

	free(s->pend);
	free(s->settled);
	free(s->before);
	free(s->nostmt);
	free(s->ran);
	for (i = 0; i < s->ncarried; i++)
		free(s->carried[i].file);
	free(s->carried);
}

/* Split line into at most max tab-separated fields. Returns the count. */
static int split(const char *line, size_t len, const char **f, size_t *flen, int max)
{
	const char *p = line, *end = line + len;
	int n = 0;

	while (n < max) {
		const char *t = n + 1 < max ? memchr(p, '\t', (size_t)(end - p)) : NULL;

		f[n] = p;
		flen[n] = (size_t)((t ? t : end) - p);
		n++;
		if (!t)
			break;
		p = t + 1;
	}
	return n;
}

static int field_is(const char *f, size_t n, const char *s)
{
	return n == strlen(s) && !memcmp(f, s, n);
}

static int get_day(const char *f, size_t n, int64_t *day)
{
	char buf[16];

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, f, n);
	buf[n] = '\0';
	return date_parse(buf, day);
}

static int get_item(const char *const *f, const size_t *flen, struct pending_item *p)
{
	char kind[16];
	int k;

	memset(p, 0, sizeof(*p));
	if (manifest_get_text(f[0], flen[0], kind, sizeof(kind)) < 0 ||
	    (k = rec_kind_parse(kind)) < 0 ||
	    manifest_get_text(f[1], flen[1], p->key, sizeof(p->key)) < 0)
		return -1;
	p->kind = k;
	return 0;
}

static struct pending_item *push(struct pending_item **v, size_t *n, size_t *alloc)
{
	*v = xgrow(*v, alloc, *n + 1, sizeof(**v));
	return &(*v)[(*n)++];
}

static int state_line(const char *line, size_t len, void *ctx)
{
	struct state *s = ctx;
	const char *f[8];
	size_t flen[8];
	int n, yes;
	char buf[32];

	s->line++;
	if (s->line == 1) {
		if (len == strlen(SUSPENSE_MAGIC) && !memcmp(line, SUSPENSE_MAGIC, len))
			return 0;
		error_at(RX_BADINPUT, s->shown, 1, "not a suspense extract recon knows");
		return -1;
	}
	n = split(line, len, f, flen, field_is(line, len < 7 ? len : 7, "carried") ? 5 : 8);
	yes = field_is(f[n - 1], flen[n - 1], "yes");
	if (field_is(f[0], flen[0], "previous-run") && n == 2)
		return 0;   /* in the manifest run as well */
	if (field_is(f[0], flen[0], "pending") && n == 5) {
		struct pending_item p;

		if (get_item(f + 1, flen + 1, &p) < 0 || get_day(f[3], flen[3], &p.paid_day) < 0 ||
		    get_day(f[4], flen[4], &p.expires_day) < 0)
			goto bad;
		*push(&s->pend, &s->npend, &s->apend) = p;
		return 0;
	}
	if (field_is(f[0], flen[0], "settled") && n == 3) {
		if (get_item(f + 1, flen + 1, push(&s->settled, &s->nsettled, &s->asettled)) < 0)
			goto bad;
		return 0;
	}
	if (field_is(f[0], flen[0], "settled-before") && n == 5) {
		struct pending_item p;
		int64_t paid;

		if (get_item(f + 1, flen + 1, &p) < 0 || flen[3] >= sizeof(buf))
			goto bad;
		memcpy(buf, f[3], flen[3]);
		buf[flen[3]] = '\0';
		if (parse_int(buf, INT64_MIN + 1, INT64_MAX, &paid))
			goto bad;
		p.paid_day = paid;
		if (yes)
			*push(&s->before, &s->nbefore, &s->abefore) = p;
		return 0;
	}
	if (field_is(f[0], flen[0], "no-statement-before") && n == 4) {
		struct pending_item p;

		if (get_item(f + 1, flen + 1, &p) < 0)
			goto bad;
		if (yes)
			*push(&s->nostmt, &s->nnostmt, &s->anostmt) = p;
		return 0;
	}
	if (field_is(f[0], flen[0], "due-day-ran") && n == 3) {
		int64_t d;

		if (get_day(f[1], flen[1], &d) < 0)
			goto bad;
		if (yes) {
			s->ran = xgrow(s->ran, &s->aran, s->nran + 1, sizeof(*s->ran));
			s->ran[s->nran++] = d;
		}
		return 0;
	}
	if (field_is(f[0], flen[0], "carried") && n == 5) {
		struct carried *c;
		char file[4096];

		s->carried = xgrow(s->carried, &s->acarried, s->ncarried + 1, sizeof(*s->carried));
		c = &s->carried[s->ncarried];
		if (get_day(f[2], flen[2], &c->expires) < 0 ||
		    manifest_get_text(f[3], flen[3], file, sizeof(file)) < 0 ||
		    manifest_record_parse(f[4], flen[4], &c->r) < 0)
			goto bad;
		c->file = *file ? xstrdup(file) : NULL;
		c->r.file = c->file;
		s->ncarried++;
		return 0;
	}
bad:
	error_at(RX_BADINPUT, s->shown, s->line, "suspense extract: line not understood");
	return -1;
}

/* A run of channel r on date, as earlier runs are recorded: its id in *ri. */
static int fake_run(struct runstore *rs, const struct manifest_run *r, const char *date,
		    struct run_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	snprintf(ri->date, sizeof(ri->date), "%s", date);
	ri->channel = r->channel;
	ri->statement = "(replay)";
	ri->format = r->format;
	ri->timezone = r->timezone;
	ri->cutoff = r->cutoff;
	ri->grace_days = r->grace_days;
	ri->version = r->recon_version;
	snprintf(ri->started, sizeof(ri->started), "%s", "replay");
	snprintf(ri->finished, sizeof(ri->finished), "%s", "replay");
	return runstore_begin(rs, ri) < 0 || runstore_finish(rs, ri) < 0 ? -1 : 0;
}

static int add_nostatement(struct runstore *rs, const struct run_info *ri,
			   const struct pending_item *p)
{
	struct discrepancy d;
	struct correction c;

	memset(&d, 0, sizeof(d));
	memset(&c, 0, sizeof(c));
	d.cls = p->kind == KIND_REFUND ? CLASS_LONG : CLASS_SHORT;
	d.reason = REASON_NO_STATEMENT;
	d.kind = p->kind;
	snprintf(p->kind == KIND_REFUND ? d.refund_code : d.order_code, REC_CODE_MAX + 1, "%s",
		 p->key);
	if (!*d.order_code)
		snprintf(d.order_code, sizeof(d.order_code), "%s", p->key);
	d.ledger_status = d.statement_status = -1;
	d.ordinal = 1;
	c.action = ACTION_INVESTIGATE;
	return runstore_add_discrepancy(rs, ri, &d, &c);
}

/* The rows the rules had left waiting, kept as rules_store_save() does. */
static int add_carried(struct sqlite3 *db, const struct manifest_run *r, int64_t run_id,
		       int64_t day, const struct state *s)
{
	struct rules *rules;
	struct rules_day *rd;
	struct tally t = { .cells = NULL };
	const char *why;
	const struct tz *z = tz_get(r->timezone, &why);
	size_t i;
	int rc;

	if (!s->ncarried)
		return 0;
	if (!z) {
		error_at(RX_USAGE, r->channel, 0, "timezone: %s", why);
		return -1;
	}
	if (rules_store_begin(db, run_id) < 0)
		return -1;
	rules = rules_defaults();
	rd = rules_day_new(rules, z, r->cutoff, day, &t);
	for (i = 0; i < s->ncarried; i++)
		rules_day_wait(rd, &s->carried[i].r, s->carried[i].expires);
	rc = rules_store_save(db, run_id, r->channel, rd);
	rules_day_free(rd);
	rules_free(rules);
	tally_release(&t);
	return rc;
}

static int channel_state(struct replay *rp, struct runstore *rs, struct sqlite3 *db,
			 const struct manifest_run *r)
{
	struct state s;
	struct run_info ri;
	char *path = replay_object_path(rp, r->suspense.object);
	char *shown = replay_object_shown(rp, r->suspense.object);
	const char *holder = *r->previous_run ? r->previous_run : "0001-01-01";
	char d[16];
	int64_t holder_day = 0;
	size_t i;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.rp = rp;
	s.shown = shown;
	if (gz_each_line(path, shown, state_line, &s) != 0)
		goto out;
	/* No earlier run at all, unless the record says there was one (or
	 * could not have had items without one). */
	if (!*r->previous_run && !s.npend && !s.nsettled && !s.nbefore && !s.nnostmt &&
	    !s.ncarried)
		holder = "";
	memset(&ri, 0, sizeof(ri));
	if (*holder && fake_run(rs, r, holder, &ri) < 0)
		goto out;
	date_parse(holder, &holder_day);
	for (i = 0; i < s.npend; i++)
		if (runstore_add_pending(rs, &ri, &s.pend[i]) < 0)
			goto out;
	if (s.nsettled > 1)
		qsort(s.settled, s.nsettled, sizeof(*s.settled), pending_cmp);
	for (i = 0; i < s.nsettled; i++)
		if (runstore_add_settled(rs, &ri, s.settled[i].kind, s.settled[i].key,
					 r->window_from) < 0)
			goto out;
	for (i = 0; i < s.nbefore; i++) {
		/* Settled outside the window: asked by key, never by time. */
		if (s.nsettled && bsearch(&s.before[i], s.settled, s.nsettled, sizeof(*s.settled),
					  pending_cmp))
			continue;
		if (runstore_add_settled(rs, &ri, s.before[i].kind, s.before[i].key,
					 s.before[i].paid_day) < 0)
			goto out;
	}
	for (i = 0; i < s.nnostmt; i++)
		if (add_nostatement(rs, &ri, &s.nostmt[i]) < 0)
			goto out;
	if (add_carried(db, r, ri.id, holder_day, &s) < 0)
		goto out;
	for (i = 0; i < s.nran; i++) {
		struct run_info other;

		date_format(s.ran[i], d);
		if (!strcmp(d, holder) || !strcmp(d, rp->date))
			continue;
		if (fake_run(rs, r, d, &other) < 0)
			goto out;
	}
	rc = 0;
out:
	state_free(&s);
	free(path);
	free(shown);
	return rc;
}

/* The day's run of r, under its recorded id. */
static int day_run(struct runstore *rs, struct sqlite3 *db, const struct manifest_run *r)
{
	struct run_info ri;
	sqlite3_stmt *st;
	int rc;

	memset(&ri, 0, sizeof(ri));
	snprintf(ri.date, sizeof(ri.date), "%s", r->date);
	ri.channel = r->channel;
	ri.statement = r->statement.name;
	ri.format = r->format;
	ri.timezone = r->timezone;
	ri.version = r->recon_version;
	if (runstore_begin(rs, &ri) < 0)
		return -1;
	if (sqlite3_prepare_v2(db, "UPDATE runs SET id = ?1 WHERE id = ?2", -1, &st, NULL)
	    != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, r->run_id);
	sqlite3_bind_int64(st, 2, ri.id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
fail:
	error_at(RX_INTERNAL, "replay.db", 0, "%s", sqlite3_errmsg(db));
	return -1;
}

int replay_build(struct replay *rp)
{
	struct ledger *l;
	struct runstore *rs = NULL;
	struct conf *conf = NULL;
	char *db = path_join(rp->scratch, "replay.db"), *conf_file;
	size_t i;
	int rc = -1;

	if (write_conf(rp) < 0 || data_files(rp) < 0) {
		free(db);
		return -1;
	}
	l = ledger_open(db, 1);
	if (!l || ledger_begin(l, 0) < 0)
		goto out;
	/* Day files as the run had them, so that the replay reads the same. */
	conf_file = path_join(rp->scratch, "recon.conf");
	conf = conf_load_file(conf_file);
	free(conf_file);
	if (conf)
		ledger_keep_days(l, conf, conf->memory);
	rs = runstore_open(ledger_db(l), db, 1);
	if (!rs)
		goto rollback;
	for (i = 0; i < rp->nsel; i++) {
		const struct manifest_run *r = rp->sel[i];
		char *path = replay_object_path(rp, r->ledger.object);
		char *shown = replay_object_shown(rp, r->ledger.object);
		struct ledger_load ll = { l, shown, 0, rp };
		int bad = gz_each_line(path, shown, ledger_line, &ll) != 0;

		free(path);
		free(shown);
		if (bad || day_run(rs, ledger_db(l), r) < 0)
			goto rollback;
	}
	/* After every day run has its id: earlier runs take new ones. */
	for (i = 0; i < rp->nsel; i++)
		if (channel_state(rp, rs, ledger_db(l), rp->sel[i]) < 0)
			goto rollback;
	runstore_close(rs);
	rs = NULL;
	if (ledger_commit(l) < 0)
		goto out;
	rc = 0;
	goto out;
rollback:
	runstore_close(rs);
	rs = NULL;
	ledger_rollback(l);
out:
	runstore_close(rs);
	ledger_close(l);
	conf_free(conf);
	free(db);
	return rc;
}
