#ifndef RECON_INPUT_INT_H
#define RECON_INPUT_INT_H
/*
 * Inside struct input: the layers under input_read. Bytes come from the
 * file descriptor (raw), then optionally through zlib (gzip), then
 * optionally through libarchive (one zip or tar entry). Private to
 * src/input*.c.
 */
#include <stdint.h>
#include <sys/types.h>

#include "recon/input.h"

/* Compressed and archive data are read in blocks this big. */
#define INPUT_BLOCK (256 * 1024)
/* Enough of the start of a stream to see the tar magic at 257. */
#define INPUT_HEAD 512

struct input_gz;
struct input_ar;

struct input {
	char *path;             /* as given, for messages before an entry is chosen */
	char *name;             /* path, or path:entry once an entry is chosen */
	const char *container;  /* see input_container() */
	int fd;
	int seekable;           /* a regular file: lseek works */
	int raw_eof;            /* fd read returned 0 */
	int failed;             /* an error was reported; reads return -1 */
	uint64_t raw_in;        /* bytes read from fd */
	uint64_t size;          /* of a regular file */
	uint64_t offset;        /* bytes delivered by input_read */
	uint64_t max_bytes;
	uint64_t max_ratio;
	/* The first bytes of the stream layer, read to sniff the container
	 * and served again before anything else (pipes cannot rewind). */
	unsigned char head[INPUT_HEAD];
	size_t head_len, head_pos;
	struct input_gz *gz;    /* NULL unless the file is gzip */
	struct input_ar *ar;    /* NULL unless zip or tar */
};

/* Read from the file descriptor, counting into raw_in. Returns the count,
 * 0 at the end of the file, or -1 after reporting the error. */
ssize_t input_raw_read(struct input *in, void *buf, size_t n);

/* The stream under any archive: the head first, then gzip or raw bytes.
 * Same returns as input_raw_read. */
ssize_t input_stream_read(struct input *in, void *buf, size_t n);

/* Check produced (decompressed) bytes against max_bytes, and against
 * max_ratio times consumed (compressed) bytes once produced passes 1 MiB.
 * Returns 0, or -1 after reporting the broken limit and marking in failed. */
int input_check_limits(struct input *in, uint64_t produced, uint64_t consumed);

/* gzip (input_gzip.c). input_gz_open takes the head bytes as the first
 * compressed input and empties the head; returns 0 (it cannot fail short
 * of memory, which aborts). input_gz_read has input_raw_read's returns and
 * reports truncated or corrupt data naming the compressed byte offset. */
int input_gz_open(struct input *in);
ssize_t input_gz_read(struct input *in, void *buf, size_t n);
void input_gz_close(struct input *in);

/* zip or tar (input_archive.c). input_ar_open opens the archive on the
 * stream, chooses the entry (pattern: PCRE2 over UTF-8 names, NULL for the
 * first file) and renames in to "path:entry". Returns 0, or -1 after
 * reporting. input_ar_read returns the entry's bytes as input_raw_read. */
int input_ar_open(struct input *in, const char *pattern);
ssize_t input_ar_read(struct input *in, void *buf, size_t n);
void input_ar_close(struct input *in);

/* The UTF-8 form of an entry name: itself when valid UTF-8, else decoded
 * as GB18030 (what Chinese Windows zips use without the UTF-8 flag), with
 * '?' for bytes that are neither. Returns a new string the caller frees. */
char *input_name_utf8(const char *raw);

#endif
