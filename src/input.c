/*
 * input.c: open a statement, sniff its container from the first bytes and
 * stack the layers that undo it. Limits apply to decompressed bytes only:
 * a plain file is as big as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recon/diag.h"
#include "recon/util.h"
#include "input_int.h"

#define DEFAULT_MAX_BYTES ((uint64_t)4 << 30)
#define DEFAULT_MAX_RATIO 1000
/* Small inputs may legitimately compress far better than any sane ratio
 * (a column of zeros); only judge the ratio past this much output. */
#define RATIO_FLOOR ((uint64_t)1 << 20)

ssize_t input_raw_read(struct input *in, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(in->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		error_at(RX_BADINPUT, in->path, 0, "read error at byte %llu: %s",
			 (unsigned long long)in->raw_in, strerror(errno));
		in->failed = 1;
		return -1;
	}
	in->raw_in += (uint64_t)r;
	if (r == 0)
		in->raw_eof = 1;
	return r;
}

ssize_t input_stream_read(struct input *in, void *buf, size_t n)
{
	if (in->head_pos < in->head_len) {
		size_t k = in->head_len - in->head_pos;

		if (k > n)
			k = n;
		memcpy(buf, in->head + in->head_pos, k);
		in->head_pos += k;
		return (ssize_t)k;
	}
	return in->gz ? input_gz_read(in, buf, n) : input_raw_read(in, buf, n);
}

int input_check_limits(struct input *in, uint64_t produced, uint64_t consumed)
{
	if (produced > in->max_bytes) {
		error_at(RX_BADINPUT, in->name, 0,
			 "uncompressed data exceeds the limit of %llu bytes (archive bomb?)",
			 (unsigned long long)in->max_bytes);
	} else if (produced > RATIO_FLOOR &&
		   produced / (consumed ? consumed : 1) > in->max_ratio) {
		error_at(RX_BADINPUT, in->name, 0,
			 "compression ratio exceeds the limit of %llu:1 "
			 "(%llu bytes from %llu, archive bomb?)",
			 (unsigned long long)in->max_ratio,
			 (unsigned long long)produced, (unsigned long long)consumed);
	} else {
		return 0;
	}
	in->failed = 1;
	return -1;
}

/* Fill the head from the stream layer, as far as it goes. */
static int fill_head(struct input *in)
{
	in->head_len = in->head_pos = 0;
	while (in->head_len < INPUT_HEAD) {
		ssize_t r = in->gz
			? input_gz_read(in, in->head + in->head_len, INPUT_HEAD - in->head_len)
			: input_raw_read(in, in->head + in->head_len, INPUT_HEAD - in->head_len);

		if (r < 0)
			return -1;
		if (r == 0)
			break;
		in->head_len += (size_t)r;
	}
	return 0;
}

static int is_tar(const unsigned char *h, size_t n)
{
	/* POSIX "ustar\0" and GNU "ustar  \0" both start so. */
	return n >= 262 && memcmp(h + 257, "ustar", 5) == 0;
}

static int is_zip(const unsigned char *h, size_t n)
{
	/* A local file header, or the end record of an empty archive. */
	return n >= 4 && h[0] == 'P' && h[1] == 'K' &&
	       ((h[2] == 3 && h[3] == 4) || (h[2] == 5 && h[3] == 6));
}

/* A regular file need not be served from the head: rewind it, so
 * libarchive may seek (the zip central directory) and plain reads go
 * straight into the caller's buffer. */
static int rewind_raw(struct input *in)
{
	if (!in->seekable)
		return 0;
	if (lseek(in->fd, 0, SEEK_SET) < 0) {
		error_at(RX_BADINPUT, in->path, 0, "cannot rewind: %s", strerror(errno));
		return -1;
	}
	in->head_len = in->head_pos = 0;
	in->raw_in = 0;
	return 0;
}

static int sniff(struct input *in, const char *pattern)
{
	if (fill_head(in) < 0)
		return -1;
	if (in->head_len >= 2 && in->head[0] == 0x1f && in->head[1] == 0x8b) {
		input_gz_open(in);
		if (fill_head(in) < 0)
			return -1;
		if (!is_tar(in->head, in->head_len)) {
			in->container = "gzip";
			return 0;
		}
		in->container = "tar.gz";
		return input_ar_open(in, pattern);
	}
	if (is_zip(in->head, in->head_len))
		in->container = "zip";
	else if (is_tar(in->head, in->head_len))
		in->container = "tar";
	else
		in->container = "plain";
	if (rewind_raw(in) < 0)
		return -1;
	if (in->container[0] == 'p')
		return 0;
	return input_ar_open(in, pattern);
}

struct input *input_open(const char *path, const struct input_opts *o)
{
	return input_open_named(path, path, o);
}

struct input *input_open_named(const char *path, const char *name,
			       const struct input_opts *o)
{
	struct input *in;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_at(RX_BADINPUT, name, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		error_at(RX_BADINPUT, name, 0, "cannot open: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		error_at(RX_BADINPUT, name, 0, "is a directory, not a statement file");
		close(fd);
		return NULL;
	}
	in = xcalloc(1, sizeof(*in));
	in->fd = fd;
	in->seekable = S_ISREG(st.st_mode);
	in->size = (uint64_t)st.st_size;
	in->path = xstrdup(name);
	in->name = xstrdup(name);
	in->container = "plain";
	in->max_bytes = o && o->max_bytes ? o->max_bytes : DEFAULT_MAX_BYTES;
	in->max_ratio = o && o->max_ratio ? o->max_ratio : DEFAULT_MAX_RATIO;
	if (sniff(in, o ? o->entry_pattern : NULL) < 0) {
		input_close(in);
		return NULL;
	}
	return in;
}

ssize_t input_read(struct input *in, void *buf, size_t n)
{
	ssize_t r;

	if (in->failed)
		return -1;
	if (n == 0)
		return 0;
	if (in->ar)
		r = input_ar_read(in, buf, n);
	else
		r = input_stream_read(in, buf, n);
	if (r < 0) {
		in->failed = 1;
		return -1;
	}
	in->offset += (uint64_t)r;
	return r;
}

const char *input_name(const struct input *in)
{
	return in->name;
}

const char *input_container(const struct input *in)
{
	return in->container;
}

uint64_t input_offset(const struct input *in)
{
	return in->offset;
}

void input_close(struct input *in)
{
	if (!in)
		return;
	input_ar_close(in);
	input_gz_close(in);
	close(in->fd);
	free(in->path);
	free(in->name);
	free(in);
}
