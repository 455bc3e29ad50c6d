/*
 * archive_seen.c: what a local file's bytes hash to, remembered by its
 * stat, so that a re-run over the same statement need not read a gigabyte
 * again to learn that it has not changed (git's index does the same for a
 * work tree).
 *
 * DIR/seen/<the first 32 hex digits of the SHA-256 of the path> holds one
 * line: device, inode, size, modification and change times (seconds and
 * nanoseconds) and the SHA-256 of the bytes. Any write to a file moves its
 * change time, which no user can set back; but a write within the clock's
 * resolution of the stat could leave it unchanged, so only a file that has
 * not changed for SETTLED seconds is remembered (git's "racily clean"
 * entries). A file that changed while it was being hashed is not either.
 * The entries are a cache: losing them costs a hash, nothing more.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recon/archive.h"
#include "recon/strbuf.h"
#include "recon/util.h"

#define SETTLED 2

static char *entry_path(const char *dir, const char *path)
{
	char hex[SHA256_HEXLEN + 1], name[64];
	char *seen, *p;

	sha256_hex_of(path, strlen(path), hex);
	snprintf(name, sizeof(name), "%.32s", hex);
	seen = path_join(dir, "seen");
	p = path_join(seen, name);
	free(seen);
	return p;
}

static void signature(const struct stat *st, struct strbuf *sb)
{
	sb_addf(sb, "%ju %ju %jd %jd %ld %jd %ld", (uintmax_t)st->st_dev, (uintmax_t)st->st_ino,
		(intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec,
		(intmax_t)st->st_ctim.tv_sec, (long)st->st_ctim.tv_nsec);
}

int archive_seen_get(const char *dir, const char *path, const struct stat *st, char *hex)
{
	char *e = entry_path(dir, path);
	struct strbuf want = STRBUF_INIT;
	char line[512];
	size_t n;
	FILE *fp;
	int known = 0;

	fp = fopen(e, "r");
	free(e);
	if (!fp)
		return 0;
	signature(st, &want);
	sb_add(&want, " ", 1);
	if (fgets(line, sizeof(line), fp) && !strncmp(line, want.buf, want.len)) {
		n = strlen(line + want.len);
		if (n == SHA256_HEXLEN + 1 && line[want.len + SHA256_HEXLEN] == '\n') {
			memcpy(hex, line + want.len, SHA256_HEXLEN);
			hex[SHA256_HEXLEN] = '\0';
			known = 1;
		}
	}
	fclose(fp);
	sb_release(&want);
	return known;
}

static int same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

void archive_seen_put(const char *dir, const char *path, const struct stat *before,
		      const char *hex)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat now;
	char *e, *seen, *tmp;
	time_t t = time(NULL);
	int fd, ok;

	if (stat(path, &now) < 0 || !same_stat(before, &now) ||
	    now.st_ctim.tv_sec > t - SETTLED || now.st_mtim.tv_sec > t - SETTLED)
		return;
	seen = path_join(dir, "seen");
	if (mkdir_p(seen, 0777) < 0) {
		free(seen);
		return;
	}
	e = entry_path(dir, path);
	sb_addf(&sb, "%s.%ld.tmp", e, (long)getpid());
	tmp = sb_detach(&sb, NULL);
	signature(&now, &sb);
	sb_addf(&sb, " %s\n", hex);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	ok = fd >= 0 && write(fd, sb.buf, sb.len) == (ssize_t)sb.len;
	if (fd >= 0 && close(fd) < 0)
		ok = 0;
	if (!ok || rename(tmp, e) < 0)
		unlink(tmp);
	sb_release(&sb);
	free(tmp);
	free(e);
	free(seen);
}
