/*
 * replay_compare.c: the replayed outputs against the recorded ones.
 *
 * The manifest's SHA-256 decide; the recorded bytes (the archived gzip
 * copy, or the file in out/DATE while it is still the manifest's) only
 * serve to show the first rows that differ. Rows are compared by number,
 * which is what "the first differing rows" asks: an inserted row shows as
 * every later row differing, and the first one is where to look.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "recon/archive.h"
#include "recon/diag.h"
#include "recon/report.h"
#include "recon/runstore.h"
#include "recon/sha256.h"
#include "recon/strbuf.h"
#include "recon/util.h"
#include "manifest_int.h"
#include "replay_int.h"

#define SHOW_ROWS 3
#define SHOW_WIDTH 200

static int collect(const char *line, size_t len, void *ctx)
{
	struct strbuf *sb = ctx;

	sb_add(sb, line, len);
	sb_addc(sb, '\n');
	return 0;
}

/* The recorded bytes of f into sb: 1, 0 when they are not to be had. */
static int recorded_bytes(struct replay *rp, const struct manifest_file *f, const char *live,
			  struct strbuf *sb)
{
	char hex[MANIFEST_HEX];

	if (*f->object && archive_check(rp->archive, f->object) == ARCHIVE_OK) {
		char *path = replay_object_path(rp, f->object);
		int rc;

		diag_quiet(1);
		rc = gz_each_line(path, path, collect, sb);
		diag_quiet(0);
		free(path);
		if (rc == 0) {
			/* gz_each_line ends every line; the file may not have. */
			if (sb->len && sb->len == f->size + 1)
				sb_setlen(sb, sb->len - 1);
			return 1;
		}
		sb_reset(sb);
	}
	if (live && sha256_file(live, hex) == 0 && !strcmp(hex, f->sha256)) {
		size_t n;
		char *buf = read_file(live, &n);

		if (buf) {
			sb_add(sb, buf, n);
			free(buf);
			return 1;
		}
	}
	return 0;
}

struct span {
	const char *p;
	size_t n;
};

/* The lines of sb (without their newlines): *lines is the caller's. */
static size_t split_lines(const struct strbuf *sb, struct span **lines)
{
	const char *p = sb->buf, *end = sb->buf + sb->len;
	size_t n = 0, alloc = 0;

	*lines = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		*lines = xgrow(*lines, &alloc, n + 1, sizeof(**lines));
		(*lines)[n].p = p;
		(*lines)[n++].n = (size_t)((nl ? nl : end) - p);
		p = nl ? nl + 1 : end;
	}
	return n;
}

static int same(const struct span *a, const struct span *b)
{
	return a->n == b->n && !memcmp(a->p, b->p, a->n);
}

static void show_line(const char *tag, size_t no, const struct span *l)
{
	char t[24];

	snprintf(t, sizeof(t), "%.20s:", tag);
	printf("  line %zu, %-14s %.*s%s\n", no + 1, t,
	       (int)(l->n > SHOW_WIDTH ? SHOW_WIDTH : l->n), l->p, l->n > SHOW_WIDTH ? "..." : "");
}

/*
 * Print the first rows where a and b differ. After a difference the two
 * are brought back in step when a few lines further on they agree again,
 * so one line more or less shows as that line, not as every line after it.
 */
#define RESYNC 50
static void show_rows(const struct strbuf *a, const char *atag, const struct strbuf *b,
		      const char *btag)
{
	struct span *la, *lb;
	size_t na = split_lines(a, &la), nb = split_lines(b, &lb), i = 0, j = 0, d, k;
	uint64_t shown = 0, more = 0;
	char aonly[24], bonly[24];

	snprintf(aonly, sizeof(aonly), "%.16s only", atag);
	snprintf(bonly, sizeof(bonly), "%.16s only", btag);
	while (i < na || j < nb) {
		size_t skip_a = 0, skip_b = 0;

		if (i < na && j < nb && same(&la[i], &lb[j])) {
			i++;
			j++;
			continue;
		}
		for (d = 1; d <= RESYNC && !skip_a && !skip_b; d++) {
			if (j < nb && i + d < na && same(&la[i + d], &lb[j]))
				skip_a = d;
			else if (i < na && j + d < nb && same(&la[i], &lb[j + d]))
				skip_b = d;
		}
		if (!skip_a && !skip_b) {
			if (i >= na)
				skip_b = nb - j;
			else if (j >= nb)
				skip_a = na - i;
		}
		if (skip_a || skip_b) {
			for (k = 0; k < skip_a; k++, i++) {
				if (shown < SHOW_ROWS)
					show_line(aonly, i, &la[i]);
				else
					more++;
				shown++;
			}
			for (k = 0; k < skip_b; k++, j++) {
				if (shown < SHOW_ROWS)
					show_line(bonly, j, &lb[j]);
				else
					more++;
				shown++;
			}
			continue;
		}
		if (shown < SHOW_ROWS) {
			show_line(atag, i, &la[i]);
			show_line(btag, j, &lb[j]);
		} else {
			more++;
		}
		shown++;
		i++;
		j++;
	}
	if (a->len && b->len && (a->buf[a->len - 1] == '\n') != (b->buf[b->len - 1] == '\n'))
		printf("  the last line ends with a newline in one file only\n");
	if (more)
		printf("  and %llu more differing line%s\n", (unsigned long long)more,
		       more == 1 ? "" : "s");
	free(la);
	free(lb);
}

static int read_whole(const char *path, struct strbuf *sb)
{
	size_t n;
	char *buf = read_file(path, &n);

	if (!buf)
		return -1;
	sb_add(sb, buf, n);
	free(buf);
	return 0;
}

/* A file the replay made against its recorded self. live: the file in
 * out/DATE when it should still be the recorded one, else NULL. */
static int compare_file(struct replay *rp, const char *label, const struct manifest_file *f,
			const char *replayed, const char *live)
{
	struct strbuf rec = STRBUF_INIT, got = STRBUF_INIT;
	char hex[MANIFEST_HEX];
	struct stat st;

	if (sha256_file(replayed, hex) < 0) {
		if (errno != ENOENT) {
			error_at(RX_INTERNAL, replayed, 0, "cannot read: %s", strerror(errno));
			return -1;
		}
		printf("%s: recorded, but the replay did not write it\n", label);
		rp->differ++;
		return 0;
	}
	if (strcmp(hex, f->sha256)) {
		printf("%s: differs from the recorded file\n", label);
		rp->differ++;
		if (read_whole(replayed, &got) == 0 && recorded_bytes(rp, f, live, &rec))
			show_rows(&rec, "recorded", &got, "replayed");
		else
			printf("  (the recorded bytes are no longer to be had: archive %s)\n",
			       *f->object ? f->object : "none");
	} else if (live && stat(live, &st) == 0) {
		if (sha256_file(live, hex) < 0) {
			error_at(RX_INTERNAL, live, 0, "cannot read: %s", strerror(errno));
			return -1;
		}
		if (strcmp(hex, f->sha256)) {
			printf("%s: changed since it was recorded (its SHA-256 is not the "
			       "manifest's)\n", label);
			rp->differ++;
			if (read_whole(replayed, &rec) == 0 && read_whole(live, &got) == 0)
				show_rows(&rec, "recorded", &got, "now");
		}
	}
	sb_release(&rec);
	sb_release(&got);
	return 0;
}

/* Files the replay wrote into dir that the record does not have. */
static void extra_files(struct replay *rp, const char *dir, const char *label_prefix,
			const struct manifest_file *files, size_t n, int skip_channel_files)
{
	char **names;
	int count = manifest_list_files(dir, &names), i;
	size_t j;

	for (i = 0; i < count; i++) {
		for (j = 0; j < n && strcmp(files[j].name, names[i]); j++)
			;
		if (j == n && !(skip_channel_files && (!strncmp(names[i], "rejects-", 8) ||
						       !strcmp(names[i], "manifest.json")))) {
			printf("%s%s: written by the replay, not recorded\n", label_prefix, names[i]);
			rp->differ++;
		}
		free(names[i]);
	}
	free(names);
}

static char *label_of(struct replay *rp, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "%s/%s", rp->outdir_shown, name);
	return sb_detach(&sb, NULL);
}

static int day_files(struct replay *rp)
{
	size_t i;

	for (i = 0; i < rp->md.noutputs; i++) {
		const struct manifest_file *f = &rp->md.outputs[i];
		char *replayed = path_join(rp->scratch_out, f->name);
		char *live = rp->latest ? path_join(rp->outdir, f->name) : NULL;
		char *label = label_of(rp, f->name);
		int rc = compare_file(rp, label, f, replayed, live);

		free(replayed);
		free(live);
		free(label);
		if (rc < 0)
			return -1;
	}
	{
		char *prefix = label_of(rp, "");

		extra_files(rp, rp->scratch_out, prefix, rp->md.outputs, rp->md.noutputs, 1);
		free(prefix);
	}
	return 0;
}

static int rejects_file(struct replay *rp, const struct manifest_run *r)
{
	struct strbuf name = STRBUF_INIT;
	char *replayed, *live, *label;
	struct stat st;
	int rc = 0;

	sb_addf(&name, "rejects-%s.csv", r->channel);
	replayed = path_join(rp->scratch_out, name.buf);
	live = rp->latest ? path_join(rp->outdir, name.buf) : NULL;
	label = label_of(rp, name.buf);
	if (r->has_rejects) {
		rc = compare_file(rp, label, &r->rejects, replayed, live);
	} else if (stat(replayed, &st) == 0) {
		printf("%s: written by the replay; the run rejected no row\n", label);
		rp->differ++;
	}
	free(replayed);
	free(live);
	free(label);
	sb_release(&name);
	return rc;
}

/* The channel's share of the day's files, rendered from the replay's
 * database, against the recorded share. */
static int share_files(struct replay *rp, struct runstore *rs, const struct manifest_run *r)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir;
	size_t i;
	int rc = -1;

	sb_addf(&sb, "%s/share-%s", rp->scratch, r->channel);
	dir = sb_detach(&sb, NULL);
	runstore_only_channel(rs, r->channel);
	if (report_write_day(rs, rp->day, dir) < 0)
		goto out;
	for (i = 0; i < r->nshare; i++) {
		char *replayed = path_join(dir, r->share[i].name);

		sb_reset(&sb);
		sb_addf(&sb, "%s's share of %s/%s", r->channel, rp->outdir_shown, r->share[i].name);
		rc = compare_file(rp, sb.buf, &r->share[i], replayed, NULL);
		free(replayed);
		if (rc < 0)
			goto out;
	}
	sb_reset(&sb);
	sb_addf(&sb, "%s's share of %s/", r->channel, rp->outdir_shown);
	extra_files(rp, dir, sb.buf, r->share, r->nshare, 0);
	rc = 0;
out:
	runstore_only_channel(rs, NULL);
	sb_release(&sb);
	free(dir);
	return rc;
}

/* What the replay read against what the run read: not a verdict (the
 * outputs are), but the likely reason when they differ. */
static void inputs(sqlite3 *db, const char *dbname,
		   const struct manifest_run *r)
{
	struct manifest_run got;
	const struct {
		const char *what, *want, *have;
	} *p, in[] = {
		{ "statement", r->statement.sha256, got.statement.sha256 },
		{ "format file", r->format_file.sha256, got.format_file.sha256 },
		{ "rules file", r->rules_recorded ? r->rules_file.sha256 : "",
		  r->rules_recorded ? got.rules_file.sha256 : "" },
		{ "ledger extract", r->ledger.sha256, got.ledger.sha256 },
		{ "suspense extract", r->suspense.sha256, got.suspense.sha256 },
	};

	if (manifest_store_exists(db, dbname) != 1 ||
	    manifest_store_latest_run(db, dbname, r->run_id, &got) != 1)
		return;
	for (p = in; p < in + ARRAY_SIZE(in); p++)
		if (strcmp(p->want, p->have))
			warn_at(r->channel, 0, "the replay read another %s than the run did "
				"(SHA-256 %.12s..., recorded %.12s...)", p->what,
				*p->have ? p->have : "none", *p->want ? p->want : "none");
	manifest_run_release(&got);
}

int replay_compare(struct replay *rp)
{
	char *dbname = path_join(rp->scratch, "replay.db");
	struct runstore *rs = NULL;
	sqlite3 *db = NULL;
	size_t i;
	int rc = -1;

	if (sqlite3_open_v2(dbname, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		error_at(RX_INTERNAL, dbname, 0, "%s", db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	rs = runstore_open(db, dbname, 0);
	if (!rs)
		goto out;
	if (rp->all && day_files(rp) < 0)
		goto out;
	for (i = 0; i < rp->nsel; i++) {
		if (rejects_file(rp, rp->sel[i]) < 0 ||
		    (!rp->all && share_files(rp, rs, rp->sel[i]) < 0))
			goto out;
		inputs(db, dbname, rp->sel[i]);
	}
	rc = rp->differ ? 1 : 0;
out:
	runstore_close(rs);
	sqlite3_close(db);
	free(dbname);
	return rc;
}
