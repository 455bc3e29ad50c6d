#ifndef RECON_INPUT_H
#define RECON_INPUT_H
/*
 * A statement's bytes, whatever the container. The container is detected by
 * content (magic bytes), never by the file name: plain, gzip (zlib), and zip
 * or tar (libarchive, streamed, no temporary files).
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct input;   /* opaque */

struct input_opts {
	const char *entry_pattern;   /* PCRE2 on archive entry names (UTF-8); NULL: the first file entry */
	uint64_t max_bytes;          /* limit on uncompressed bytes (0: 4 GiB) */
	uint64_t max_ratio;          /* limit on uncompressed/compressed (0: 1000) */
};

/*
 * Open path for reading. Errors (missing file, unreadable, corrupt archive,
 * no entry matching the pattern) are reported as "recon: PATH: error: ..."
 * with status RX_BADINPUT and NULL is returned. o may be NULL.
 */
struct input *input_open(const char *path, const struct input_opts *o);
/* The same, naming the file name instead of path in every message (a
 * download in a temporary file is known by its address). */
struct input *input_open_named(const char *path, const char *name,
			       const struct input_opts *o);

/* Read up to n bytes. Returns the count, 0 at the end, or -1 after reporting
 * an error (truncated gzip, archive bomb limit, I/O error) naming the file
 * and byte offset. */
ssize_t input_read(struct input *in, void *buf, size_t n);

/* The name for messages: "path" or "path:entry-name". */
const char *input_name(const struct input *in);
/* The container detected: "plain", "gzip", "zip", "tar", or "tar.gz" (a
 * gzip whose content is a tar). A static string. */
const char *input_container(const struct input *in);
/* Uncompressed bytes delivered so far. */
uint64_t input_offset(const struct input *in);

void input_close(struct input *in);

#endif
