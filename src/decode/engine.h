#ifndef RECON_DECODE_ENGINE_H
#define RECON_DECODE_ENGINE_H
/*
 * engine.h: how decoder kinds (csv.c, later fixed.c) plug into the engine
 * (decode.c). A kind splits the file into rows of fields; the engine turns
 * rows into records. Physical lines, comments, markers and control-total
 * lines are handled once, in lines.c, for every line-based kind.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "recon/decode.h"
#include "recon/input.h"
#include "recon/strbuf.h"
#include "fmt.h"

/* Longest row (all its physical lines): beyond it a file is broken (an
 * unclosed quote swallowing the rest of the file) rather than big. */
#define DECODE_ROW_MAX (1u << 20)

/* One row as a kind delivers it: fields after the kind's own unquoting,
 * before any trimming. Valid during the call only. */
struct row {
	size_t n;
	const char *const *v;   /* NUL-terminated field texts */
	const size_t *len;
	int64_t line;           /* physical line where the row begins */
	const char *raw;        /* the row's physical lines, for the reject file */
	size_t rawlen;
};

struct total_state;
struct field_state;

/* Decoding one file. Kinds read it through lines_next() and hand rows to
 * decode_header() / decode_row(). */
struct dctx {
	const struct format *f;
	const struct decode_opts *o;
	struct decode_stats *st;
	struct input *in;
	decode_read_fn rd;      /* or bytes from here (decode_stream()) */
	void *rd_ctx;
	const char *name;       /* interned display name */
	decode_fn fn;
	void *ctx;
	unsigned max_messages;
	int stopped;            /* the callback asked to stop */
	int failed;             /* a fatal error was reported */
	int have_header;

	/* column of each source: col[field][0 or 1 + kind]; -1 absent */
	int col[F__COUNT][KIND__COUNT + 1];
	const char *colname[F__COUNT][KIND__COUNT + 1];
	char idxname[F__COUNT][KIND__COUNT + 1][24];   /* "column 3" */
	int *skipcol;
	char **header;          /* header names as read, for messages */
	size_t nheader;
	struct field_state *fs; /* decode.c: the further columns of each source
				 * (add, subtract, join, zone-column), scratch */

	int bidding;            /* decode_bid(): silent, stop at the header */
	int score;              /* decode_bid()'s result */

	/* lines.c: the window of bytes not yet split into lines comes from
	 * in (into chunk) or, for decode_bid(), from mem */
	const char *mem;
	size_t memlen;
	char *chunk;
	struct readahead *ra;   /* lines.c: in is read on a thread of its own */
	const char *buf;
	size_t bufpos, buflen;
	int eof;
	struct strbuf line;     /* a line that had to be put together */
	const char *lp;         /* the current line: in buf, or line.buf */
	size_t ll;
	int64_t lineno;
	int in_region;          /* past the start marker, before the stop marker */
	int started, ended;     /* markers seen */
	void *md;               /* pcre2_match_data_8 * */
	int raw_lines;          /* the kind wants lines in the file's encoding */
	uint64_t consumed;      /* bytes split into lines so far */
	uint64_t line_start;    /* byte offset of the current line */
	struct enc *enc;        /* the format's encoding to UTF-8 */

	/* rejects */
	FILE *rejects;
	uint64_t unshown;
	struct strbuf msg, scratch;

	struct total_state *totals;
};

struct kind_ops {
	const char *name;
	/* How well the first n bytes of a file fit f: 0 not at all, 100 a
	 * perfect fit. */
	int (*bid)(const struct format *f, const char *head, size_t n);
	/* Read the whole input; 0, or -1 after a fatal error was reported. */
	int (*read)(struct dctx *d);
};

/* The kinds, one file each. */
extern const struct kind_ops kind_csv;
extern const struct kind_ops kind_fixed;

/* registry.c: the kind named name, or NULL. names gets "csv, ..." for
 * messages. */
const struct kind_ops *kind_find(const char *name);
const char *kind_names(void);

/*
 * lines.c: the next physical line for the kind, '\n' included when there
 * is one. in_record: the kind is inside a record (a quoted field spans
 * lines), so no line may be taken as a comment or a marker. Lines outside
 * the region of rows, comments and skip-line matches are not returned:
 * they go to the control totals. *line gets the line number. Returns 1, 0
 * at the end, or -1 after a fatal error was reported (bytes not valid in
 * the format's encoding among them). The line is UTF-8, or, when the kind
 * set d->raw_lines, the bytes as they are in the file (the kind converts
 * and validates them); d->line_start is its offset in the file.
 */
int lines_next(struct dctx *d, int in_record, const char **s, size_t *n, int64_t *line);
/* Check the markers at the end; -1 after reporting one never seen. */
int lines_finish(struct dctx *d);
/* Stop reading ahead (before in is closed); what the reading thread had
 * to say is said. Safe to call when nothing was read ahead. */
void lines_end(struct dctx *d);
/* d's converter for the format's encoding, opened on first use (and closed
 * with d); NULL after a fatal error was reported. */
struct enc *lines_encoding(struct dctx *d);

/*
 * encoding.c: text in the format's encoding into UTF-8. enc_open() returns
 * NULL when iconv cannot convert from e (errno set).
 */
struct enc;
struct enc *enc_open(enum fmt_encoding e);
void enc_close(struct enc *x);
/* "UTF-8", "GB18030". */
const char *enc_name(enum fmt_encoding e);
/* Append s[0..n) as UTF-8 to sb. Returns 0, or -1 with *bad the offset in s
 * of the first byte that is not valid in the encoding (sb then holds a part
 * of the text). */
int enc_append(struct enc *x, const char *s, size_t n, struct strbuf *sb, size_t *bad);
/* s[0..n) as UTF-8: *out is s itself when it needs no conversion, else x's
 * buffer, valid until the next call. 0, or -1 with *bad set. */
int enc_text(struct enc *x, const char *s, size_t n, const char **out, size_t *outlen,
	     size_t *bad);
/* The file is not in its encoding: a fatal error naming the line and the
 * file offset off of the bad byte. */
void enc_fatal(struct dctx *d, int64_t line, uint64_t off);

/* decode.c: the header row (names mapped once); -1 after a fatal error. */
int decode_header(struct dctx *d, const struct row *r);
/* A data row: a record, a skip or a reject. */
void decode_row(struct dctx *d, const struct row *r);
/* Reject the row beginning at line: message, count, reject file. column
 * may be NULL. */
void decode_reject(struct dctx *d, int64_t line, const char *column,
		   const char *raw, size_t rawlen, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* A fatal error for the file (line <= 0: none): message, d->failed. */
void decode_fatal(struct dctx *d, int64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Score how well head fits f by running the kind over it until the header
 * row (decode_header() scores it): 0..100. For kinds' bid functions. */
int decode_bid_lines(const struct format *f, const char *head, size_t n);

/* Whether c is trimmed at a field's ends: a space, a tab or one of the
 * field's strip characters (strip may be NULL). */
static inline int decode_strippable(const char *strip, char c)
{
	return c == ' ' || c == '\t' || (c && strip && strchr(strip, c));
}

/* decode_strip() of a field with something to trim at an end. */
void decode_strip_ends(const char *strip, const char **s, size_t *n);

/* Trim spaces, tabs and the field's strip characters at both ends. Most
 * fields have nothing to trim: that is seen here, inline, without a call
 * (a decode strips some ten fields a row). */
static inline void decode_strip(const char *strip, const char **s, size_t *n)
{
	if (*n && (decode_strippable(strip, (*s)[0]) || decode_strippable(strip, (*s)[*n - 1])))
		decode_strip_ends(strip, s, n);
}

/* Whether pattern re matches s[0..n) (using d's match data). */
int decode_match(struct dctx *d, const struct fmt_re *re, const char *s, size_t n);

/* totals.c */
void totals_begin(struct dctx *d);
/* A line outside the rows: does it state a total? */
void totals_line(struct dctx *d, const char *s, size_t n, int64_t line);
/* resid: what rounding took off r's amount and fee ([0], [1]), in
 * 10^-TOTALS_RESID_DIGITS minor units: totals stated with more decimals than
 * the currency are compared before rounding. */
#define TOTALS_RESID_DIGITS 9
void totals_add(struct dctx *d, const struct record *r, const int64_t resid[2]);
/* Compare at the end: 0, or -1 after reporting a difference. */
int totals_check(struct dctx *d);
void totals_end(struct dctx *d);

#endif
