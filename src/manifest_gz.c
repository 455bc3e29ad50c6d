/*
 * manifest_gz.c: gzip copies in the archive, written and read a block or a
 * line at a time, so a day of a million ledger rows never sits in memory.
 *
 * deflate at level 1 with a bare gzip header (no name, time 0): the same
 * text gives the same bytes, hence the same object, with a given zlib.
 * The manifest names the text by its own SHA-256 too, so nothing depends
 * on two zlibs compressing alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recon/diag.h"
#include "recon/util.h"
#include "manifest_int.h"

#define GZ_BLOCK (128 * 1024)
#define LINE_MAX_BYTES (64 * 1024)

static int zfail(struct gzsink *g, const char *what)
{
	error_at(RX_INTERNAL, g->t.path, 0, "%s: %s", what, g->z.msg ? g->z.msg : "zlib error");
	g->failed = 1;
	return -1;
}

int gzsink_open(struct gzsink *g, const char *dir)
{
	memset(g, 0, sizeof(*g));
	g->t.fd = -1;
	if (archive_tmp_open(dir, &g->t) < 0) {
		g->failed = 1;
		return -1;
	}
	if (deflateInit2(&g->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		archive_tmp_discard(&g->t);
		error_at(RX_INTERNAL, NULL, 0, "cannot start zlib");
		g->failed = 1;
		return -1;
	}
	g->out = xmalloc(GZ_BLOCK);
	sha256_init(&g->plain);
	g->open = 1;
	return 0;
}

static int pump(struct gzsink *g, int flush)
{
	int rc;

	do {
		g->z.next_out = g->out;
		g->z.avail_out = GZ_BLOCK;
		rc = deflate(&g->z, flush);
		if (rc == Z_STREAM_ERROR)
			return zfail(g, "compress");
		if (archive_tmp_write(&g->t, g->out, GZ_BLOCK - g->z.avail_out) < 0) {
			g->failed = 1;
			return -1;
		}
	} while (g->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	return 0;
}

int gzsink_write(struct gzsink *g, const void *p, size_t n)
{
	const unsigned char *s = p;

	if (!g->open || g->failed)
		return -1;
	sha256_update(&g->plain, p, n);
	g->size += n;
	while (n) {
		uInt chunk = n > GZ_BLOCK ? GZ_BLOCK : (uInt)n;

		g->z.next_in = (unsigned char *)(uintptr_t)s;
		g->z.avail_in = chunk;
		if (pump(g, Z_NO_FLUSH) < 0)
			return -1;
		s += chunk;
		n -= chunk;
	}
	return 0;
}

void gzsink_discard(struct gzsink *g)
{
	if (g->open) {
		deflateEnd(&g->z);
		archive_tmp_discard(&g->t);
	}
	free(g->out);
	g->out = NULL;
	g->open = 0;
}

int gzsink_close(struct gzsink *g, const char *dir, struct manifest_file *f)
{
	unsigned char digest[SHA256_LEN];
	int added;

	if (!g->open || g->failed) {
		gzsink_discard(g);
		return -1;
	}
	g->z.next_in = NULL;
	g->z.avail_in = 0;
	if (pump(g, Z_FINISH) < 0) {
		gzsink_discard(g);
		return -1;
	}
	deflateEnd(&g->z);
	g->open = 0;
	free(g->out);
	g->out = NULL;
	sha256_final(&g->plain, digest);
	sha256_hex(digest, f->sha256);
	f->size = g->size;
	return archive_tmp_commit(dir, &g->t, f->object, &added);
}

int gz_archive_file(const char *dir, const char *path, struct manifest_file *f)
{
	struct gzsink g;
	char *buf;
	ssize_t r;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_at(RX_INTERNAL, path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (gzsink_open(&g, dir) < 0) {
		close(fd);
		return -1;
	}
	buf = xmalloc(GZ_BLOCK);
	for (;;) {
		r = read(fd, buf, GZ_BLOCK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error_at(RX_INTERNAL, path, 0, "cannot read: %s", strerror(errno));
			break;
		}
		if (r == 0) {
			rc = 0;
			break;
		}
		if (gzsink_write(&g, buf, (size_t)r) < 0)
			break;
	}
	free(buf);
	close(fd);
	if (rc < 0) {
		gzsink_discard(&g);
		return -1;
	}
	return gzsink_close(&g, dir, f);
}

int gz_each_line(const char *path, const char *shown, gz_line_fn fn, void *ctx)
{
	gzFile gz;
	struct strbuf line = STRBUF_INIT;
	char *buf;
	int n, rc = 0, err;

	gz = gzopen(path, "rb");
	if (!gz) {
		error_at(RX_BADINPUT, shown, 0, "cannot open: %s", strerror(errno ? errno : ENOMEM));
		return -1;
	}
	buf = xmalloc(GZ_BLOCK);
	while (!rc && (n = gzread(gz, buf, GZ_BLOCK)) > 0) {
		const char *p = buf, *end = buf + n;

		while (p < end && !rc) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			if (!nl) {
				sb_add(&line, p, (size_t)(end - p));
				break;
			}
			sb_add(&line, p, (size_t)(nl - p));
			rc = fn(line.buf, line.len, ctx);
			sb_reset(&line);
			p = nl + 1;
		}
		if (line.len > LINE_MAX_BYTES) {
			error_at(RX_BADINPUT, shown, 0, "line longer than %d bytes", LINE_MAX_BYTES);
			rc = -1;
		}
	}
	if (!rc) {
		gzerror(gz, &err);
		if (err != Z_OK) {
			error_at(RX_BADINPUT, shown, 0, "cannot read: %s", gzerror(gz, &err));
			rc = -1;
		} else if (line.len) {
			rc = fn(line.buf, line.len, ctx);
		}
	}
	gzclose(gz);
	free(buf);
	sb_release(&line);
	return rc;
}
