#ifndef RECON_DECODE_H
#define RECON_DECODE_H
/*
 * The format engine. A format (formats/NAME.fmt, man/recon-format.5) tells a
 * decoder kind ("csv", later "fixed", ...) how to turn a statement file into
 * canonical records. Kinds are registered in one table (src/decode/registry.c),
 * one module each, in the manner of libarchive's format readers.
 */
#include <stdint.h>
#include <sys/types.h>
#include "recon/record.h"

struct format;   /* opaque: a loaded .fmt file */
struct progress; /* progress.h */

/* Load a format by name through the data path ("canonical-csv") or by path
 * ("./my.fmt"). Errors in the file name file and line (status RX_USAGE).
 * Returns NULL after reporting. */
struct format *format_load(const char *name);
void format_free(struct format *f);
const char *format_name(const struct format *f);
const char *format_description(const struct format *f);
const char *format_kind(const struct format *f);
const char *format_path(const struct format *f);

/* List every format found in the data path, once per name (the first found
 * wins), sorted by name. fn gets the name, the path and the description (or
 * NULL when the file does not load). Returns the count. */
typedef void (*format_list_fn)(const char *name, const char *path,
			       const char *description, void *ctx);
int format_list(format_list_fn fn, void *ctx);

struct decode_opts {
	const char *channel;     /* put on records whose format has no channel field */
	const char *name;        /* the file's name in messages, provenance and rejects
				  * (e.g. relative to the workspace, so a replay from the
				  * archive reads the same); NULL: the path */
	const char *reject_path; /* keep rejected rows here (CSV); NULL: do not keep */
	int64_t statement_day;   /* days since epoch of the statement, for year-less times; INT64_MIN: unknown */
	unsigned max_messages;   /* per-file error messages before going quiet; 0: 20 */
	struct progress *progress; /* told of rows and bytes as they are read (progress.h); NULL: none */
};

#define DECODE_MAX_CURRENCIES 16
struct currency_sum {
	char currency[4];
	uint64_t count;
	int64_t amount;
	int64_t fee;
};

struct decode_stats {
	uint64_t rows;       /* records delivered */
	uint64_t rejects;    /* rows that could not be decoded */
	uint64_t skipped;    /* rows the format says to skip (not errors) */
	uint64_t bytes;      /* uncompressed bytes read */
	struct currency_sum sums[DECODE_MAX_CURRENCIES];
	size_t nsums;
	int totals_declared; /* the format declares control totals */
	int totals_ok;       /* they matched (meaningful when declared) */
};

/* Called for each decoded record; return non-zero to stop decoding. */
typedef int (*decode_fn)(const struct record *r, void *ctx);

/*
 * Decode path with format f. Each good row goes to fn; each bad row is
 * reported as "recon: FILE:LINE: error: COLUMN: what" (status RX_BADINPUT),
 * counted in st->rejects and written to o->reject_path.
 * Returns 0 when the file was read to its end, or -1 when it could not be
 * (missing, empty, no header, broken container, control totals that do not
 * add up): then the caller must discard the records it received.
 */
int decode_file(const struct format *f, const char *path,
		const struct decode_opts *o, decode_fn fn, void *ctx,
		struct decode_stats *st);

/* Bytes for decode_stream(): up to n into buf; the count, 0 at the end,
 * or -1 after reporting an error. */
typedef ssize_t (*decode_read_fn)(void *ctx, void *buf, size_t n);

/* decode_file() of the bytes rd reads instead of a file's (no container:
 * they are the text); name is the file's name in messages and provenance. */
int decode_stream(const struct format *f, const char *name, decode_read_fn rd, void *rctx,
		  const struct decode_opts *o, decode_fn fn, void *ctx,
		  struct decode_stats *st);

/* Whether a plain file in format f may be decoded in pieces, each the
 * header line then whole lines (decode_split.h): a csv kind with its
 * header on the first line and nothing that reads the file's lines as a
 * whole (start or stop markers, control totals, lines skipped at the top). */
int format_splittable(const struct format *f);

/*
 * How well the file at path fits format f, from 0 (not at all) to 100 (a
 * perfect fit): the archive entry the format names, the text in its
 * encoding, and its header row (csv) or records (fixed) as the format
 * describes them. Reads the head of the file only and reports nothing,
 * whatever is wrong with the file. For picking a format (recon decode
 * without --format): a file no format fits scores 0 with every one.
 */
int format_bid(const struct format *f, const char *path);

/* Add r to the per-currency sums of st (r->currency: NUL-padded to its
 * four bytes, as record_init() leaves it). Returns -1 on sum overflow or
 * when st has DECODE_MAX_CURRENCIES already. */
int decode_stats_add(struct decode_stats *st, const struct record *r);

#endif
