#ifndef RECON_ARCHIVE_H
#define RECON_ARCHIVE_H
/*
 * The archive: a copy of every input recon reads, stored by content as
 * DIR/<aa>/<sha256> (aa: the first two hex digits), mode 0444, never
 * modified or overwritten. A run manifest names files by their SHA-256 and
 * replay reads them back with archive_object_path() after archive_check().
 *
 * Bytes reach the archive only through a temporary file in DIR/tmp/ that is
 * moved into place once complete (fsync, then link), so a writer that is
 * killed leaves at most a temporary file, never a partial object; the next
 * writer's archive_clean_tmp() removes it. A temporary file is locked
 * (flock) while its writer lives, so cleaning never removes one in use.
 *
 * The index (archive_index_*) says which object is which channel's
 * statement for which day; it is a table in the workspace database.
 *
 * Errors are reported ("recon: PATH: error: ...", RX_INTERNAL) before -1
 * is returned, unless said otherwise.
 */
#include <stddef.h>
#include <stdint.h>

#include "recon/sha256.h"

struct sqlite3;
struct stat;

/* ---- the store ---- */

/* A temporary file being written into the archive. */
struct archive_tmp {
	int fd;                 /* -1 when closed */
	char *path;             /* DIR/tmp/<pid>.<random>.part */
	struct sha256 sha;      /* of the bytes written so far */
	uint64_t size;
};

/*
 * Create a temporary file in dir/tmp/ (creating the folders), locked for as
 * long as it is open. Returns 0, or -1 after reporting.
 */
int archive_tmp_open(const char *dir, struct archive_tmp *t);
/* Append n bytes, hashing them. Returns 0, or -1 after reporting. */
int archive_tmp_write(struct archive_tmp *t, const void *p, size_t n);
/* Empty the file and its hash, to write it again from the start. 0 or -1. */
int archive_tmp_reset(struct archive_tmp *t);
/*
 * Make the bytes written an object: flush them to disk, store them as
 * dir/<aa>/<sha256> (0444) unless that object is there already, and remove
 * the temporary file. The hex digest goes to hex (65 bytes); *added is 1
 * when the object is new, 0 when the same bytes were there already. t is
 * closed either way. Returns 0, or -1 after reporting (the temporary file
 * is removed).
 */
int archive_tmp_commit(const char *dir, struct archive_tmp *t, char *hex, int *added);
/* Close and remove a temporary file (a failed or abandoned write); quiet. */
void archive_tmp_discard(struct archive_tmp *t);

/*
 * Copy the file at path (its bytes as stored, no decompression) into the
 * archive. hex, *size (may be NULL) and *added as archive_tmp_commit().
 * Returns 0; -1 when the archive failed (reported, RX_INTERNAL); -2 when
 * path cannot be read (reported naming path, RX_BADINPUT).
 */
int archive_put_file(const char *dir, const char *path, char *hex, uint64_t *size,
		     int *added);
/* Store n bytes of memory; as archive_tmp_commit(). Returns 0 or -1. */
int archive_put_buf(const char *dir, const void *p, size_t n, char *hex, int *added);

/*
 * What the bytes of the local file at path hash to, remembered by its stat
 * (src/archive_seen.c): archive_seen_get() fills hex (65 bytes) and
 * returns 1 when st is the stat remembered for path, else 0.
 * archive_seen_put() remembers hex for path when path's stat is still
 * before (taken before its bytes were read) and has not changed for a
 * while; quiet (a cache: a failure costs the next run a hash).
 */
int archive_seen_get(const char *dir, const char *path, const struct stat *st, char *hex);
void archive_seen_put(const char *dir, const char *path, const struct stat *before,
		      const char *hex);

/* dir/<aa>/<hex>: a new string, whether or not the object exists. */
char *archive_object_path(const char *dir, const char *hex);

enum archive_state {
	ARCHIVE_OK = 0,         /* there, and its bytes hash to its name */
	ARCHIVE_MISSING = 1,    /* no such object */
	ARCHIVE_DAMAGED = 2,    /* its bytes do not hash to its name */
};
/*
 * Check the object hex: an enum archive_state, or -1 when it cannot be read
 * (reported). Reports nothing for MISSING or DAMAGED: the caller knows what
 * the object was for.
 */
int archive_check(const char *dir, const char *hex);

/*
 * Remove the temporary files of writers that are gone (killed mid-write).
 * Returns how many were removed, or -1 after reporting. A missing dir/tmp
 * is not an error.
 */
int archive_clean_tmp(const char *dir);

/* ---- the index: which object is which day's statement ---- */

struct archive_index;   /* opaque */

/* One archived copy of a channel's statement for a day. */
struct archived {
	int64_t id;             /* increases with every copy recorded */
	char channel[32];
	char date[11];          /* YYYY-MM-DD, the statement day */
	char *source;           /* where it came from, credentials masked */
	char sha256[SHA256_HEXLEN + 1];
	uint64_t size;
	char fetched_at[32];    /* UTC, ISO 8601 */
};
void archived_release(struct archived *a);

/*
 * Attach to db (reported as name). With create, make or migrate the table
 * (in a transaction of its own unless the caller has one open); without, a
 * database without the table reads as empty. Returns NULL after reporting.
 */
struct archive_index *archive_index_open(struct sqlite3 *db, const char *name, int create);
void archive_index_close(struct archive_index *ix);

enum archive_record_result {
	ARCHIVE_FIRST = 0,      /* the day's first copy for the channel */
	ARCHIVE_SAME = 1,       /* the latest copy has the same bytes: nothing recorded */
	ARCHIVE_REISSUED = 2,   /* different bytes from the latest copy: recorded */
};
/*
 * Record a (channel, date, source, sha256, size; id and fetched_at are set
 * here) unless the latest copy of that channel's day has the same sha256.
 * The latest copy before this one, if any, goes to *prev (may be NULL; the
 * caller releases it). Atomic: in a transaction of its own unless the
 * caller has one open. Returns an enum archive_record_result or -1.
 */
int archive_index_record(struct archive_index *ix, struct archived *a, struct archived *prev);

/* The latest copy of channel's statement for date into *out: 1, 0 when
 * none was recorded, -1 on error. */
int archive_index_latest(struct archive_index *ix, const char *channel, const char *date,
			 struct archived *out);
/* Every copy of channel's statement for date, oldest first, into *out (an
 * array the caller frees with archived_free_array). Returns the count or -1. */
int archive_index_list(struct archive_index *ix, const char *channel, const char *date,
		       struct archived **out);
void archived_free_array(struct archived *a, int n);

#endif
