#ifndef RECON_DAYFILE_H
#define RECON_DAYFILE_H
/*
 * A day file: one channel's ledger items due on one statement day, in the
 * join order (kind, key), compact, written once and read from start to end
 * (src/ledger_days.c keeps them; the format is at the top of
 * src/dayfile.c). Records come back as the ledger's scans give them:
 * file NULL, channel set.
 */
#include <stdint.h>
#include "recon/record.h"
#include "recon/sha256.h"

struct dayfile_writer;
struct dayfile;

/* Create path (it must not exist) for channel's day with window [from, to).
 * NULL with errno set. */
struct dayfile_writer *dayfile_create(const char *path, const char *channel, int64_t day,
				      int64_t from, int64_t to);
/* Append r; records must come in join order. 0, or -1 with errno set. */
int dayfile_put(struct dayfile_writer *w, const struct record *r);
/* End the file, sync it to disk and free w; the row count into *rows, the
 * file's SHA-256 into hex. 0, or -1 with errno set (the file is removed). */
int dayfile_finish(struct dayfile_writer *w, uint64_t *rows, char hex[SHA256_HEXLEN + 1]);
/* Give up: remove the file and free w. NULL is fine. */
void dayfile_abort(struct dayfile_writer *w);

struct dayfile_head {
	char channel[REC_CHANNEL_MAX + 1];
	int64_t day, from, to;
};

/* Open a day file and read its head into *h. NULL with errno set (EINVAL:
 * not a day file). */
struct dayfile *dayfile_open(const char *path, struct dayfile_head *h);
/* The next record: 1, 0 at the end, -1 with errno set (EINVAL: damaged or
 * cut short). */
int dayfile_next(struct dayfile *f, struct record *r);
/* The file's marks: about evenly spaced keys of its records, in order
 * (none for a version 1 file). Owned by f. */
const struct key_mark *dayfile_marks(const struct dayfile *f, size_t *n);

void dayfile_close(struct dayfile *f);

#endif
