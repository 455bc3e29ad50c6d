/* manifest_int.h: what manifest.c and replay*.c share; not a public
 * interface. */
#ifndef RECON_MANIFEST_INT_H
#define RECON_MANIFEST_INT_H
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "recon/archive.h"
#include "recon/manifest.h"
#include "recon/sha256.h"
#include "recon/strbuf.h"

/*
 * The suspense extract, one item a line, tab-separated, sorted (bytewise)
 * after the first line:
 *   recon suspense 1
 *   due-day-ran        DATE yes|no
 *   no-statement-before KIND KEY yes|no
 *   pending            KIND KEY PAID_DAY EXPIRES_DAY
 *   previous-run       DATE
 *   settled            KIND KEY
 *   settled-before     KIND KEY PAID_TIME yes|no
 *   carried            SEQ EXPIRES_DAY FILE RECORD   (rules' waiting rows)
 * Keys are escaped as the ledger extract's text fields.
 * The ledger extract: "recon ledger 1", then "due\t" or "lookup\t" and a
 * record line (manifest_record_line) per row.
 */
#define SUSPENSE_MAGIC "recon suspense 1"
#define LEDGER_MAGIC "recon ledger 1"

/* Bytes streamed through gzip (deflate, level 1, no name, no time: the same
 * text always gives the same object) into the archive. */
struct gzsink {
	struct archive_tmp t;
	z_stream z;
	struct sha256 plain;      /* of the text before compression */
	uint64_t size;            /* its length */
	int open, failed;
	unsigned char *out;
};
int gzsink_open(struct gzsink *g, const char *dir);
int gzsink_write(struct gzsink *g, const void *p, size_t n);
/* Finish: f->sha256 (of the text), f->object, f->size; 0 or -1 (reported). */
int gzsink_close(struct gzsink *g, const char *dir, struct manifest_file *f);
void gzsink_discard(struct gzsink *g);
/* Archive a gzip copy of the file at path; 0 or -1 (reported). */
int gz_archive_file(const char *dir, const char *path, struct manifest_file *f);

/* Read the gzip object at path line by line (without the newline): fn
 * returns non-zero to stop (returned). 0 at the end, -1 when it cannot be
 * read (reported, naming shown). */
typedef int (*gz_line_fn)(const char *line, size_t len, void *ctx);
int gz_each_line(const char *path, const char *shown, gz_line_fn fn, void *ctx);

/* Escaped text field (see manifest_codec.c). */
void manifest_add_text(struct strbuf *sb, const char *s);
int manifest_get_text(const char *s, size_t n, char *dst, size_t size);

/* ---- folders (manifest_fs.c) ---- */

/* A new private folder $TMPDIR/recon-TAG.XXXXXX (or /tmp): a new string,
 * or NULL after reporting. */
char *manifest_mkdtemp(const char *tag);
/* Remove path and everything under it; quiet. */
void manifest_rmtree(const char *path);
/* The names of the regular files in dir not starting with '.', sorted
 * (bytewise). Returns the count (the caller frees each and *names), or -1
 * after reporting. */
int manifest_list_files(const char *dir, char ***names);
/* Write n bytes to path through a temporary name in its folder, renamed
 * into place. 0, or -1 after reporting. */
int manifest_write_file(const char *path, const void *p, size_t n);
/* UTC now, ISO 8601 (32 bytes). */
void manifest_now(char *buf);

#endif
