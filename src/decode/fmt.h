#ifndef RECON_DECODE_FMT_H
#define RECON_DECODE_FMT_H
/*
 * fmt.h: a loaded .fmt file (private to the format engine and its
 * commands). The language is documented in man/recon-format.5; fmt.c turns
 * it into this struct, once, so that decoding never looks at text again.
 */
#include <stddef.h>
#include <stdint.h>

#include "recon/decode.h"
#include "recon/money.h"
#include "recon/record.h"

struct kind_ops;
struct tz;

/* The canonical fields a format can fill, in [field "NAME"] order. */
enum fmt_field {
	F_CHANNEL, F_KIND, F_ORDER_CODE, F_REFUND_CODE, F_CHANNEL_TXN_ID,
	F_AMOUNT, F_CURRENCY, F_FEE, F_STATUS, F_TIME, F_PAID_TIME, F__COUNT
};

/* How a money field's sign is read (key "sign"). */
enum fmt_sign {
	SIGN_AS_IS,          /* the text's own sign */
	SIGN_NEGATE,         /* the opposite of the text's sign */
	SIGN_NEGATE_REFUND,  /* negated on rows whose kind is REFUND */
	SIGN_CD,             /* leading C: plus (credit), D: minus (debit) */
	SIGN_DC              /* leading D: plus, C: minus (a fee debited) */
};

struct fmt_map_entry {
	char *from;
	char *to;
};

/* A compiled PCRE2 pattern and where it was written. */
struct fmt_re {
	void *code;          /* pcre2_code_8 *, NULL when absent */
	char *text;
	int64_t line;
};

/* One [field "NAME"] or [field "NAME for KIND"] section with its map. */
struct fmt_source {
	int field;           /* enum fmt_field */
	int for_kind;        /* -1: every kind, else the enum rec_kind it overrides */
	char *sub;           /* the subsection text, for messages */
	int64_t line;        /* the section header's line */
	int declared;        /* a [field] section exists (a [map] alone does not) */
	unsigned seen;       /* keys given, one bit each, for duplicate checks */

	char **columns;      /* header names, first present wins */
	size_t ncolumns, acolumns;
	int index;           /* 1-based column number; 0: none */
	char *value;         /* constant value; NULL: none */
	int optional;
	char *defval;        /* "default": empty or unmapped values become this */
	char *strip;         /* characters stripped at both ends; NULL: [format]'s */

	struct fmt_map_entry *map;
	size_t nmap, amap;
	int has_map;
	int64_t map_line;

	struct money_opts money;
	enum fmt_sign sign;

	char *pattern;       /* time_parse pattern; "iso8601" by default */
	const struct tz *zone;
	int zone_from_text;  /* zone = from-text */
	int needs_year;      /* the pattern has no year: civil_infer_year */

	/* Columns read besides the main one, by header name: a money field's
	 * add and subtract, a time field's join and zone-column. */
	char **adds, **subtracts, **joins;
	size_t nadds, aadds, nsubtracts, asubtracts, njoins, ajoins;
	char *zone_column;   /* the zone's name, looked up in [zones] */
	int symbol;          /* currency: the code of the text's [symbols] mark */
};

/* [skip] COLUMN = PATTERN: a row whose column matches is skipped. */
struct fmt_skip {
	char *column;
	int index;           /* 1-based when the format has no header */
	struct fmt_re re;
};

/* [total "NAME"]: a control total read from a line of the file. */
struct fmt_total {
	char *name;
	int64_t line;
	unsigned seen;
	struct fmt_re re;    /* named groups count, amount, fee */
	int kind;            /* -1: every record, else the kind summed */
	int negate;          /* the file states the total with the other sign */
	int optional;        /* no error when no line matches */
	struct money_opts money;
	int g_count, g_amount, g_fee;   /* group numbers, 0: absent */
};

/* [symbols] MARK = CODE: a currency mark written next to amounts. */
struct fmt_symbol {
	char *mark;
	size_t len;
	char code[4];
};

/* [zones] NAME = ZONE: a zone name as a file writes it. */
struct fmt_zone {
	char *name;
	const struct tz *zone;
};

/* [layout "NAME"] header = PATTERN: a known header row. */
struct fmt_layout {
	char *name;
	int64_t line;
	struct fmt_re header;
};

/* The text encoding of a file; gbk is read as GB18030, its superset. */
enum fmt_encoding { ENC_UTF8, ENC_GB18030 };

/* [columns] NAME = OFFSET LENGTH: a byte range of a fixed-width record. */
struct fmt_column {
	char *name;
	size_t offset;       /* 0-based, in bytes of the file's encoding */
	size_t length;
	int pan;             /* named by [format] pan: masked before use */
	int64_t line;
};

struct format {
	char *name;
	char *description;
	char *kindname;
	char *path;
	const struct kind_ops *kind;
	unsigned seen;

	enum fmt_encoding encoding;
	char separator;
	char quote;          /* 0: no quoting */
	int header;
	int64_t skip_lines;
	char *comment;       /* line prefix; NULL: none */
	char *entry;         /* archive entry-name pattern; NULL: the first file */
	char *strip;         /* default for every field and header name */
	struct fmt_re start, stop;
	struct fmt_re *skip_line;
	size_t nskip_line, askip_line;
	struct fmt_skip *skips;
	size_t nskips, askips;
	struct fmt_total *totals;
	size_t ntotals, atotals;
	struct fmt_column *cols;        /* kind fixed: [columns], the byte ranges */
	size_t ncols, acols;
	int64_t record_length;          /* kind fixed: bytes per record; 0: any */
	char **pan;                     /* [format] pan: columns holding card numbers */
	size_t npan, apan;
	int64_t pan_line;
	int64_t columns_line;           /* the [columns] section; 0: none */

	struct fmt_symbol *symbols;     /* [symbols], longest first */
	size_t nsymbols, asymbols;
	struct fmt_zone *zones;         /* [zones] */
	size_t nzones, azones;
	struct fmt_layout *layouts;     /* [layout "NAME"] */
	size_t nlayouts, alayouts;

	/* src[field][0] for every kind, src[field][1 + kind] for one kind. */
	struct fmt_source *src[F__COUNT][KIND__COUNT + 1];
};

/* "channel", "amount", ... */
const char *fmt_field_name(int field);

/* The source of field for a row of kind k: the override, else the default,
 * else NULL (the format does not give the field). */
const struct fmt_source *fmt_source_for(const struct format *f, int field, int k);

/* Whether field is money, a time, or text-like. */
int fmt_field_is_money(int field);
int fmt_field_is_time(int field);

/* Load a .fmt file by path; errors name the file and line (RX_USAGE).
 * Returns NULL after reporting every error found. */
struct format *fmt_load_path(const char *path);

/*
 * Call fn for every format file of the data path, once per name (first
 * folder wins), sorted by name. f is the loaded format, or NULL when the
 * file did not load (its errors were reported). Returns the count.
 */
typedef void (*fmt_scan_fn)(const char *name, const char *path,
			    const struct format *f, void *ctx);
int fmt_scan(fmt_scan_fn fn, void *ctx);

#endif
