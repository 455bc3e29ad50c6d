/*
 * archive.c: the content-addressed store, DIR/<aa>/<sha256>.
 *
 * An object appears only by link(2) from a complete, fsync'ed temporary
 * file, so it is whole or absent whatever happens to the writer; link also
 * refuses to replace an existing name, which is what "never overwritten"
 * needs without a check-then-act race between two writers.
 *
 * Temporary files are DIR/tmp/<pid>.<n>.part, held under flock(LOCK_EX) by
 * their writer. A file whose lock is free and whose pid is gone belongs to
 * a writer that died: archive_clean_tmp() removes it. (The pid check covers
 * the instant between creating the file and locking it.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recon/archive.h"
#include "recon/diag.h"
#include "recon/strbuf.h"
#include "recon/util.h"

#define COPY_BLOCK (256 * 1024)
/* A temporary file whose pid lives on (reused by another process) is left
 * alone until it is this old. */
#define TMP_STALE_SECONDS (24 * 60 * 60)

static int fail(const char *path, const char *what)
{
	error_at(RX_INTERNAL, path, 0, "%s: %s", what, strerror(errno));
	return -1;
}

static char *tmp_dir(const char *dir)
{
	return path_join(dir, "tmp");
}

int archive_tmp_open(const char *dir, struct archive_tmp *t)
{
	static unsigned counter;
	char *tdir = tmp_dir(dir);
	struct strbuf sb = STRBUF_INIT;
	int tries;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (mkdir_p(tdir, 0777) < 0) {
		fail(tdir, "cannot create folder");
		free(tdir);
		return -1;
	}
	for (tries = 0; tries < 100; tries++) {
		sb_reset(&sb);
		sb_addf(&sb, "%s/%ld.%u.part", tdir, (long)getpid(), counter++);
		t->fd = open(sb.buf, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (t->fd >= 0 || errno != EEXIST)
			break;
	}
	free(tdir);
	if (t->fd < 0) {
		fail(sb.buf, "cannot create temporary file");
		sb_release(&sb);
		return -1;
	}
	t->path = sb_detach(&sb, NULL);
	if (flock(t->fd, LOCK_EX) < 0) {
		fail(t->path, "cannot lock temporary file");
		archive_tmp_discard(t);
		return -1;
	}
	sha256_init(&t->sha);
	return 0;
}

int archive_tmp_write(struct archive_tmp *t, const void *p, size_t n)
{
	const char *s = p;

	sha256_update(&t->sha, p, n);
	t->size += n;
	while (n) {
		ssize_t w = write(t->fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return fail(t->path, "cannot write");
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int archive_tmp_reset(struct archive_tmp *t)
{
	if (ftruncate(t->fd, 0) < 0 || lseek(t->fd, 0, SEEK_SET) < 0)
		return fail(t->path, "cannot empty temporary file");
	sha256_init(&t->sha);
	t->size = 0;
	return 0;
}

void archive_tmp_discard(struct archive_tmp *t)
{
	if (t->path)
		unlink(t->path);
	if (t->fd >= 0)
		close(t->fd);
	free(t->path);
	t->path = NULL;
	t->fd = -1;
}

char *archive_object_path(const char *dir, const char *hex)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "%.2s/%s", hex, hex);
	if (dir && *dir) {
		char *p = path_join(dir, sb.buf);

		sb_release(&sb);
		return p;
	}
	return sb_detach(&sb, NULL);
}

/* Make a new directory entry durable. */
static int sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Put the complete file t at obj. 1 when placed, 0 when obj was there. */
static int place(struct archive_tmp *t, const char *obj)
{
	struct stat st;

	if (link(t->path, obj) == 0)
		return 1;
	if (errno == EEXIST)
		return 0;
	if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS && errno != EXDEV)
		return fail(obj, "cannot store");
	/* A file system without hard links. The window between the check and
	 * the rename can only ever see the same bytes under the same name. */
	if (lstat(obj, &st) == 0)
		return 0;
	if (rename(t->path, obj) < 0)
		return fail(obj, "cannot store");
	return 1;
}

int archive_tmp_commit(const char *dir, struct archive_tmp *t, char *hex, int *added)
{
	unsigned char digest[SHA256_LEN];
	char *obj = NULL, *sub = NULL;
	struct stat st;
	int rc = -1;

	sha256_final(&t->sha, digest);
	sha256_hex(digest, hex);
	if (fsync(t->fd) < 0) {
		fail(t->path, "cannot flush to disk");
		goto out;
	}
	/* Read-only before it gets its name: an object is never writable. */
	if (fchmod(t->fd, 0444) < 0) {
		fail(t->path, "cannot make read-only");
		goto out;
	}
	obj = archive_object_path(dir, hex);
	sub = path_dirname(obj);
	if (mkdir_p(sub, 0777) < 0) {
		fail(sub, "cannot create folder");
		goto out;
	}
	rc = place(t, obj);
	if (rc < 0)
		goto out;
	*added = rc;
	if (!rc && stat(obj, &st) < 0) {
		fail(obj, "cannot read");
		rc = -1;
		goto out;
	}
	if (!rc && (uint64_t)st.st_size != t->size) {
		/* Same name, other size: the object was damaged after it was
		 * stored. Never replace it silently; replay must see it. */
		error_at(RX_INTERNAL, obj, 0, "archived object is %lld bytes, not %llu: damaged "
			 "or tampered with; left as it is", (long long)st.st_size,
			 (unsigned long long)t->size);
		rc = -1;
		goto out;
	}
	if (*added && sync_dir(sub) < 0) {
		fail(sub, "cannot flush to disk");
		rc = -1;
		goto out;
	}
	rc = 0;
out:
	archive_tmp_discard(t);
	free(obj);
	free(sub);
	return rc;
}

int archive_put_buf(const char *dir, const void *p, size_t n, char *hex, int *added)
{
	struct archive_tmp t;

	if (archive_tmp_open(dir, &t) < 0)
		return -1;
	if (archive_tmp_write(&t, p, n) < 0) {
		archive_tmp_discard(&t);
		return -1;
	}
	return archive_tmp_commit(dir, &t, hex, added);
}

int archive_put_file(const char *dir, const char *path, char *hex, uint64_t *size,
		     int *added)
{
	struct archive_tmp t;
	char *buf;
	ssize_t r;
	int fd, rc = -1, unreadable = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_at(RX_BADINPUT, path, 0, "cannot open: %s", strerror(errno));
		return -2;
	}
	if (archive_tmp_open(dir, &t) < 0) {
		close(fd);
		return -1;
	}
	buf = xmalloc(COPY_BLOCK);
	for (;;) {
		r = read(fd, buf, COPY_BLOCK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error_at(RX_BADINPUT, path, 0, "read error at byte %llu: %s",
				 (unsigned long long)t.size, strerror(errno));
			unreadable = 1;
			break;
		}
		if (r == 0) {
			rc = 0;
			break;
		}
		if (archive_tmp_write(&t, buf, (size_t)r) < 0)
			break;
	}
	free(buf);
	close(fd);
	if (rc < 0) {
		archive_tmp_discard(&t);
		return unreadable ? -2 : -1;
	}
	if (size)
		*size = t.size;
	return archive_tmp_commit(dir, &t, hex, added);
}

int archive_check(const char *dir, const char *hex)
{
	char *obj = archive_object_path(dir, hex);
	char got[SHA256_HEXLEN + 1];
	int rc;

	if (sha256_file(obj, got) < 0) {
		if (errno == ENOENT) {
			rc = ARCHIVE_MISSING;
		} else {
			error_at(RX_INTERNAL, obj, 0, "cannot read: %s", strerror(errno));
			rc = -1;
		}
	} else {
		rc = strcmp(got, hex) ? ARCHIVE_DAMAGED : ARCHIVE_OK;
	}
	free(obj);
	return rc;
}

/* The writer of a temporary file named "<pid>.<n>.part" is gone: 1 yes. */
static int writer_gone(const char *name, const struct stat *st)
{
	char *end;
	long pid = strtol(name, &end, 10);

	if (end == name || *end != '.' || pid <= 0)
		return 1;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 1;
	/* The pid lives, perhaps reused: only age tells. */
	return time(NULL) - st->st_mtime > TMP_STALE_SECONDS;
}

int archive_clean_tmp(const char *dir)
{
	char *tdir = tmp_dir(dir);
	struct dirent *de;
	DIR *d;
	int removed = 0;

	d = opendir(tdir);
	if (!d) {
		int rc = errno == ENOENT ? 0 : fail(tdir, "cannot read folder");

		free(tdir);
		return rc;
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *p;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		p = path_join(tdir, de->d_name);
		fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 &&
			    writer_gone(de->d_name, &st) && unlink(p) == 0)
				removed++;
			close(fd);
		}
		free(p);
	}
	closedir(d);
	free(tdir);
	return removed;
}
