/*
 * cmd_ledger.c: recon ledger import [--format NAME] [--allow-rejects]
 *                                   [--rejects FILE] FILE...
 *
 * Every FILE is decoded and loaded in one transaction: an import is all
 * or nothing, unless --allow-rejects lets the good rows of files with bad
 * rows in. A file that cannot be read at all (missing, empty, no header)
 * always means nothing is imported.
 *
 * On top of what the format checks, the ledger has rules of its own that a
 * format cannot say (design.md, "Ledger"); rows breaking them are rejected
 * here, in the decoder's words and into the same reject file.
 *
 * Decoding and writing overlap: this thread decodes (and so prints every
 * row's message, in file order) while a writer thread feeds the rows to
 * SQLite, in batches through a small ring. On two cores that hides most of
 * the decoding behind the database work.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recon/cmd.h"
#include "recon/conf.h"
#include "recon/decode.h"
#include "recon/diag.h"
#include "recon/input.h"
#include "recon/ledger.h"
#include "recon/progress.h"
#include "recon/strbuf.h"
#include "recon/util.h"

/* How long an import waits for another recon's write to finish. */
#define IMPORT_BUSY_MS 5000
/* The ring between the decoder and the writer: big enough batches that
 * the handover costs nothing, few enough that memory stays small. */
#define BATCH 1024
#define NSLOTS 4
/* Messages per file for rows the ledger's rules refuse, as the decoder's. */
#define MAX_MESSAGES 20

struct batch {
	struct record r[BATCH];
	size_t n;
};

struct writer {
	struct ledger *l;
	pthread_t thread;
	int threaded;
	pthread_mutex_t mx;
	pthread_cond_t cv;
	struct batch *slot[NSLOTS];
	size_t fill, take;    /* next slot to fill (decoder), to take (writer) */
	size_t full;          /* published, not yet taken back */
	int eof;              /* the decoder is done */
	int failed;           /* the writer hit a database error and stopped */
	uint64_t counts[3];   /* by enum ledger_put_result; the writer's */
};

/* Rows refused by the ledger's rules in the file being decoded. */
struct refusal {
	const char *file;     /* the decoder's name for it */
	int64_t line;
	const char *column, *why;
};

struct import {
	struct writer w;
	int allow_rejects;
	int discard;          /* nothing will be committed: stop writing */
	int stop;             /* the writer failed: stop decoding */
	struct refusal *refused;
	size_t nrefused, alloc;
};

/* Put a batch; 0, or -1 after a database error (reported by ledger.c). */
static int put_batch(struct writer *w, const struct batch *b)
{
	size_t i;
	int res;

	for (i = 0; i < b->n; i++) {
		res = ledger_put(w->l, &b->r[i]);
		if (res < 0)
			return -1;
		w->counts[res]++;
	}
	return 0;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct batch *b;

	pthread_mutex_lock(&w->mx);
	for (;;) {
		while (!w->full && !w->eof)
			pthread_cond_wait(&w->cv, &w->mx);
		if (!w->full)
			break;
		b = w->slot[w->take];
		pthread_mutex_unlock(&w->mx);
		if (put_batch(w, b) < 0) {
			pthread_mutex_lock(&w->mx);
			w->failed = 1;
			pthread_cond_signal(&w->cv);
			break;
		}
		pthread_mutex_lock(&w->mx);
		w->take = (w->take + 1) % NSLOTS;
		w->full--;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mx);
	return NULL;
}

static void writer_start(struct writer *w, struct ledger *l)
{
	size_t i;

	w->l = l;
	for (i = 0; i < NSLOTS; i++) {
		w->slot[i] = xmalloc(sizeof(*w->slot[i]));
		w->slot[i]->n = 0;
	}
	pthread_mutex_init(&w->mx, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* Without a thread the rows are written here, batch by batch. */
	w->threaded = pthread_create(&w->thread, NULL, writer_main, w) == 0;
}

/* Hand the filling batch over (or write it, unthreaded); -1 when the writer
 * has failed. */
static int writer_publish(struct writer *w)
{
	struct batch *b = w->slot[w->fill];
	int failed;

	if (!w->threaded) {
		if (b->n && !w->failed)
			w->failed = put_batch(w, b) < 0;
		b->n = 0;
		return w->failed ? -1 : 0;
	}
	pthread_mutex_lock(&w->mx);
	if (b->n && !w->failed) {
		w->full++;
		pthread_cond_signal(&w->cv);
		/* The next slot is free once fewer than all are published. */
		while (w->full == NSLOTS && !w->failed)
			pthread_cond_wait(&w->cv, &w->mx);
		w->fill = (w->fill + 1) % NSLOTS;
	}
	failed = w->failed;
	pthread_mutex_unlock(&w->mx);
	w->slot[w->fill]->n = 0;
	return failed ? -1 : 0;
}

static int writer_add(struct writer *w, const struct record *r)
{
	struct batch *b = w->slot[w->fill];

	b->r[b->n++] = *r;
	return b->n == BATCH ? writer_publish(w) : 0;
}

/* Flush, wait for the writer to finish and free the ring; 0, or -1 when
 * the writer failed. After this the ledger is this thread's again. */
static int writer_finish(struct writer *w)
{
	size_t i;

	writer_publish(w);
	if (w->threaded) {
		pthread_mutex_lock(&w->mx);
		w->eof = 1;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mx);
		pthread_join(w->thread, NULL);
	}
	pthread_mutex_destroy(&w->mx);
	pthread_cond_destroy(&w->cv);
	for (i = 0; i < NSLOTS; i++)
		free(w->slot[i]);
	return w->failed ? -1 : 0;
}

/* The ledger's own rules; a message for a row that breaks one, or NULL. */
static const char *check_row(const struct record *r, const char **column)
{
	int paid = r->paid_time != REC_NO_TIME;

	*column = "kind";
	if (r->kind != KIND_PAY && r->kind != KIND_REFUND)
		return "the ledger holds PAY and REFUND rows only";
	*column = "refund_code";
	if (r->kind == KIND_REFUND && !*r->refund_code)
		return "empty on a REFUND row";
	*column = "order_code";
	if (!*r->order_code)
		return "empty";
	*column = "channel";
	if (!*r->channel)
		return "empty";
	/* The merchant's cash view: a refund with the payment's sign would
	 * turn every refund into an amount discrepancy. */
	*column = "amount";
	if (r->kind == KIND_PAY && r->amount < 0)
		return "negative on a PAY row (payments are positive)";
	if (r->kind == KIND_REFUND && r->amount > 0)
		return "positive on a REFUND row (refunds are negative)";
	*column = "status";
	if (r->status != STATUS_SUCCESS && r->status != STATUS_PENDING &&
	    r->status != STATUS_CLOSED)
		return "the ledger takes SUCCESS, PENDING or CLOSED";
	/* A paid item without a paid time would never fall due, so no run
	 * would ever notice a statement without it. */
	*column = "paid_at";
	if (r->status == STATUS_SUCCESS && !paid)
		return "empty on a SUCCESS row";
	if (r->status == STATUS_PENDING && paid)
		return "set on a PENDING row";
	if (r->status == STATUS_CLOSED && paid)
		return "set on a CLOSED row";
	return NULL;
}

static int on_record(const struct record *r, void *ctx)
{
	struct import *im = ctx;
	const char *column, *why = check_row(r, &column);

	if (why) {
		if (im->nrefused < MAX_MESSAGES)
			error_at(RX_BADINPUT, r->file, r->line, "%s: %s", column, why);
		else
			diag_raise(RX_BADINPUT);
		im->refused = xgrow(im->refused, &im->alloc, im->nrefused + 1,
				    sizeof(*im->refused));
		im->refused[im->nrefused].file = r->file;
		im->refused[im->nrefused].line = r->line;
		im->refused[im->nrefused].column = column;
		im->refused[im->nrefused].why = why;
		im->nrefused++;
		if (!im->allow_rejects)
			im->discard = 1;
		return 0;
	}
	if (im->discard)
		return 0;
	ledger_note_row(im->w.l, r);
	if (writer_add(&im->w, r) < 0) {
		im->stop = 1;
		return 1;
	}
	return 0;
}

/* One reject file line for refusal i (file,line,column,error,raw). */
static void refusal_csv(struct strbuf *out, const struct refusal *rf, struct strbuf *raw)
{
	if (raw->len && raw->buf[raw->len - 1] == '\r')
		sb_setlen(raw, raw->len - 1);
	sb_add_csv(out, rf->file);
	sb_addf(out, ",%lld,", (long long)rf->line);
	sb_add_csv(out, rf->column);
	sb_addc(out, ',');
	sb_add_csv(out, rf->why);
	sb_addc(out, ',');
	sb_add_csv(out, raw->buf);
	sb_addc(out, '\n');
}

/*
 * Append the rows the ledger's rules refused in path to the reject file,
 * in the decoder's columns. The raw text is the row's first physical line,
 * read again from the file (through its container): the decoder has let
 * go of it by now. Refusals come in line order.
 */
static void keep_refused(struct import *im, const char *path, const char *rejects)
{
	struct input *in;
	struct strbuf out = STRBUF_INIT, line = STRBUF_INIT;
	char buf[65536];
	ssize_t n;
	int64_t lineno = 1;
	size_t i = 0, k, more = im->nrefused > MAX_MESSAGES ? im->nrefused - MAX_MESSAGES : 0;
	FILE *f;

	if (more)
		error_at(RX_BADINPUT, im->refused[0].file, 0, "%zu more rejected row%s not shown",
			 more, more == 1 ? "" : "s");
	in = input_open(path, NULL);
	while (in && i < im->nrefused && (n = input_read(in, buf, sizeof(buf))) > 0) {
		for (k = 0; k < (size_t)n && i < im->nrefused; k++) {
			if (buf[k] != '\n') {
				if (lineno == im->refused[i].line)
					sb_addc(&line, buf[k]);
				continue;
			}
			while (i < im->nrefused && im->refused[i].line == lineno)
				refusal_csv(&out, &im->refused[i++], &line);
			sb_reset(&line);
			lineno++;
		}
	}
	if (in)
		input_close(in);
	/* The last line without its newline, or a file gone since. */
	for (; i < im->nrefused; i++) {
		if (im->refused[i].line != lineno)
			sb_reset(&line);
		refusal_csv(&out, &im->refused[i], &line);
	}
	f = fopen(rejects, "a");
	if (!f) {
		error_at(RX_INTERNAL, rejects, 0, "%s", strerror(errno));
	} else {
		if (fwrite(out.buf, 1, out.len, f) != out.len)
			error_at(RX_INTERNAL, rejects, 0, "%s", strerror(errno));
		if (fclose(f))
			error_at(RX_INTERNAL, rejects, 0, "%s", strerror(errno));
	}
	sb_release(&out);
	sb_release(&line);
	im->nrefused = 0;
}

/* out/rejects/ledger-import-NAME.csv, NAME the first file's base name
 * without its .csv, .txt, .gz, .zip, .tar or .tgz endings. */
static char *default_rejects(const struct conf *c, const char *first)
{
	static const char *const exts[] = { ".gz", ".tgz", ".zip", ".tar", ".csv", ".txt" };
	const char *base = path_basename(first);
	size_t n = strlen(base), i = 0, e;
	char *name, *dir, *path;
	struct strbuf sb = STRBUF_INIT;

	/* Again from the start after each hit: "x.csv.gz" loses both. */
	while (i < ARRAY_SIZE(exts)) {
		e = strlen(exts[i]);
		if (n > e && !memcmp(base + n - e, exts[i], e)) {
			n -= e;
			i = 0;
		} else {
			i++;
		}
	}
	sb_addf(&sb, "rejects/ledger-import-%.*s.csv", (int)n, base);
	name = sb_detach(&sb, NULL);
	dir = conf_path(c, c->output_dir);
	path = path_join(dir, name);
	free(dir);
	free(name);
	return path;
}

/* Make the reject file's folder and remove an old one: it tells about this
 * import only. 0 or -1 after reporting. */
static int prepare_rejects(const char *rejects)
{
	char *dir = path_dirname(rejects);
	int rc = 0;

	if (mkdir_p(dir, 0777) < 0) {
		error_at(RX_INTERNAL, dir, 0, "cannot create folder: %s", strerror(errno));
		rc = -1;
	} else if (unlink(rejects) < 0 && errno != ENOENT) {
		error_at(RX_INTERNAL, rejects, 0, "cannot remove: %s", strerror(errno));
		rc = -1;
	}
	free(dir);
	return rc;
}

static const char *rows_word(uint64_t n)
{
	return n == 1 ? "row" : "rows";
}

static int import(int argc, char **argv, const struct globals *g)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "allow-rejects", no_argument, NULL, 'a' },
		{ "rejects", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *format_name = "ledger-csv", *rejects_opt = NULL;
	struct import im;
	struct decode_opts o;
	struct decode_stats st;
	struct conf *c = NULL;
	struct format *f = NULL;
	struct ledger *l = NULL;
	char *db = NULL, *rejects = NULL;
	uint64_t rows = 0, rejected = 0;
	int ch, i, unreadable = 0, rc = RX_OK;

	memset(&im, 0, sizeof(im));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			format_name = optarg;
			break;
		case 'a':
			im.allow_rejects = 1;
			break;
		case 'r':
			rejects_opt = optarg;
			break;
		default:
			return option_error("ledger", ch, argv);
		}
	}
	if (optind >= argc)
		return usage_of("ledger");

	c = conf_load(g->config);
	if (!c)
		return RX_USAGE;
	f = format_load(format_name);
	if (!f) {
		rc = RX_USAGE;
		goto out;
	}
	rejects = rejects_opt ? xstrdup(rejects_opt) : default_rejects(c, argv[optind]);
	if (prepare_rejects(rejects) < 0) {
		rc = RX_INTERNAL;
		goto out;
	}
	db = conf_path(c, c->database);
	l = ledger_open(db, 1);
	if (!l || ledger_begin(l, IMPORT_BUSY_MS) < 0) {
		rc = RX_INTERNAL;
		goto out;
	}
	/* The days the new rows fall on get their day files at commit. */
	ledger_keep_days(l, c, c->memory);
	writer_start(&im.w, l);
	memset(&o, 0, sizeof(o));
	o.reject_path = rejects;
	o.statement_day = INT64_MIN;
	/* Every file is read even after one failed, so one run shows every
	 * problem; rows are only written while they can still be committed. */
	for (i = optind; i < argc && !im.stop; i++) {
		struct strbuf what = STRBUF_INIT;
		struct stat stb;

		sb_addf(&what, "importing %s", argv[i]);
		o.progress = progress_start(what.buf, stat(argv[i], &stb) == 0 ?
					    (uint64_t)stb.st_size : 0);
		sb_release(&what);
		if (decode_file(f, argv[i], &o, on_record, &im, &st) < 0 && !im.stop) {
			unreadable = 1;
			im.discard = 1;
		}
		progress_end(o.progress);
		o.progress = NULL;
		rows += st.rows + st.rejects;
		rejected += st.rejects + im.nrefused;
		if (st.rejects && !im.allow_rejects)
			im.discard = 1;
		if (im.nrefused)
			keep_refused(&im, argv[i], rejects);
	}
	if (writer_finish(&im.w) < 0) {
		ledger_rollback(l);
		rc = RX_INTERNAL;
		goto out;
	}
	if (unreadable) {
		ledger_rollback(l);
		error_at(RX_BADINPUT, NULL, 0, "ledger import: nothing imported");
		rc = RX_BADINPUT;
		goto out;
	}
	if (rejected && !im.allow_rejects) {
		ledger_rollback(l);
		error_at(RX_BADINPUT, NULL, 0,
			 "ledger import: %llu %s rejected, nothing imported (see %s;"
			 " --allow-rejects imports the good rows)",
			 (unsigned long long)rejected, rows_word(rejected), rejects);
		rc = RX_BADINPUT;
		goto out;
	}
	if (ledger_commit(l) < 0) {
		rc = RX_INTERNAL;
		goto out;
	}
	if (g->verbosity >= 0)
		printf("ledger import: %llu %s: %llu inserted, %llu updated, %llu unchanged,"
		       " %llu rejected\n", (unsigned long long)rows, rows_word(rows),
		       (unsigned long long)im.w.counts[LEDGER_INSERTED],
		       (unsigned long long)im.w.counts[LEDGER_UPDATED],
		       (unsigned long long)im.w.counts[LEDGER_UNCHANGED],
		       (unsigned long long)rejected);
	if (rejected) {
		error_at(RX_BADINPUT, NULL, 0, "ledger import: %llu %s rejected (see %s)",
			 (unsigned long long)rejected, rows_word(rejected), rejects);
		rc = RX_BADINPUT;
	}
out:
	/* A default reject file with only its header is clutter. */
	if (rejects && !rejects_opt && !rejected)
		unlink(rejects);
	ledger_close(l);
	format_free(f);
	conf_free(c);
	free(im.refused);
	free(db);
	free(rejects);
	return rc;
}

int cmd_ledger(int argc, char **argv, const struct globals *g)
{
	if (argc < 2)
		return usage_of("ledger");
	if (!strcmp(argv[1], "import"))
		return import(argc - 1, argv + 1, g);
	fprintf(stderr, "recon: error: ledger %s: no such command\n", argv[1]);
	return usage_of("ledger");
}
