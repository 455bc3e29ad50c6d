/*
 * input_gzip.c: gzip through zlib, streamed. Concatenated members (what
 * `cat a.gz b.gz` and some exporters produce) read as one stream, as
 * gzip -d does; NUL padding after the last member (tape blocking) is
 * skipped, anything else after it is an error rather than data lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "recon/diag.h"
#include "recon/util.h"
#include "input_int.h"

_Noreturn static void oom(void)
{
	fputs("recon: error: out of memory\n", stderr);
	exit(RX_INTERNAL);
}

struct input_gz {
	z_stream zs;
	unsigned char *buf;     /* compressed input, INPUT_BLOCK bytes */
	int between;            /* at the end of a member: more may follow */
	int done;
	uint64_t out;           /* decompressed bytes produced */
};

int input_gz_open(struct input *in)
{
	struct input_gz *g = xcalloc(1, sizeof(*g));

	/* 16 + 15: gzip wrapper only, the largest window. */
	if (inflateInit2(&g->zs, 16 + 15) != Z_OK) {
		oom();
	}
	g->buf = xmalloc(INPUT_BLOCK);
	memcpy(g->buf, in->head, in->head_len);
	g->zs.next_in = g->buf;
	g->zs.avail_in = (uInt)in->head_len;
	in->head_len = in->head_pos = 0;
	in->gz = g;
	return 0;
}

/* The compressed offset where inflate stands. */
static unsigned long long gz_pos(const struct input *in)
{
	return (unsigned long long)(in->raw_in - in->gz->zs.avail_in);
}

/* At a member boundary: skip NUL padding; return 1 if a byte other than
 * NUL waits (the next member), 0 if the input is used up. */
static int skip_padding(z_stream *zs)
{
	while (zs->avail_in && *zs->next_in == 0) {
		zs->next_in++;
		zs->avail_in--;
	}
	return zs->avail_in != 0;
}

ssize_t input_gz_read(struct input *in, void *buf, size_t n)
{
	struct input_gz *g = in->gz;
	z_stream *zs = &g->zs;
	size_t produced;

	if (g->done)
		return 0;
	/* avail_out is a uInt. */
	if (n > (1u << 30))
		n = 1u << 30;
	zs->next_out = buf;
	zs->avail_out = (uInt)n;
	while (zs->avail_out == n) {
		int ret;

		if (zs->avail_in == 0) {
			ssize_t r = input_raw_read(in, g->buf, INPUT_BLOCK);

			if (r < 0)
				return -1;
			if (r == 0) {
				if (g->between) {
					g->done = 1;
					break;
				}
				error_at(RX_BADINPUT, in->name, 0,
					 "unexpected end of gzip data at byte %llu (file truncated?)",
					 gz_pos(in));
				in->failed = 1;
				return -1;
			}
			zs->next_in = g->buf;
			zs->avail_in = (uInt)r;
		}
		if (g->between) {
			if (!skip_padding(zs))
				continue;
			if (zs->avail_in >= 2 && (zs->next_in[0] != 0x1f || zs->next_in[1] != 0x8b)) {
				error_at(RX_BADINPUT, in->name, 0,
					 "trailing garbage after gzip data at byte %llu", gz_pos(in));
				in->failed = 1;
				return -1;
			}
			/* A lone 0x1f at the block's end is checked by inflate. */
			inflateReset(zs);
			g->between = 0;
		}
		ret = inflate(zs, Z_NO_FLUSH);
		switch (ret) {
		case Z_OK:
		case Z_BUF_ERROR:
			break;
		case Z_STREAM_END:
			g->between = 1;
			break;
		case Z_MEM_ERROR:
			oom();
		default:
			/* Z_DATA_ERROR: bad header, bad deflate data, or
			 * "incorrect data check" (the CRC) or length. */
			error_at(RX_BADINPUT, in->name, 0, "corrupt gzip data at byte %llu: %s",
				 gz_pos(in), zs->msg ? zs->msg : "inflate failed");
			in->failed = 1;
			return -1;
		}
	}
	produced = n - zs->avail_out;
	g->out += produced;
	if (input_check_limits(in, g->out, in->raw_in - zs->avail_in) < 0)
		return -1;
	return (ssize_t)produced;
}

void input_gz_close(struct input *in)
{
	if (!in->gz)
		return;
	inflateEnd(&in->gz->zs);
	free(in->gz->buf);
	free(in->gz);
	in->gz = NULL;
}
