/* manifest_fs.c: scratch folders and whole files for manifests and replay. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recon/diag.h"
#include "recon/record.h"
#include "recon/strbuf.h"
#include "recon/util.h"
#include "manifest_int.h"

char *manifest_mkdtemp(const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "%s/recon-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
	if (!mkdtemp(sb.buf)) {
		error_at(RX_INTERNAL, sb.buf, 0, "cannot create folder: %s", strerror(errno));
		sb_release(&sb);
		return NULL;
	}
	return sb_detach(&sb, NULL);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void manifest_rmtree(const char *path)
{
	if (path)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int manifest_list_files(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0, alloc = 0;

	*names = NULL;
	if (!d) {
		error_at(RX_INTERNAL, dir, 0, "cannot read folder: %s", strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat st;
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = path_join(dir, e->d_name);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			*names = xgrow(*names, &alloc, n + 1, sizeof(**names));
			(*names)[n++] = xstrdup(e->d_name);
		}
		free(p);
	}
	closedir(d);
	if (n > 1)
		qsort(*names, n, sizeof(**names), name_cmp);
	return (int)n;
}

int manifest_write_file(const char *path, const void *p, size_t n)
{
	struct strbuf tmp = STRBUF_INIT;
	FILE *f;
	int bad;

	sb_addf(&tmp, "%s.tmp%ld", path, (long)getpid());
	f = fopen(tmp.buf, "w");
	if (!f) {
		error_at(RX_INTERNAL, tmp.buf, 0, "cannot write: %s", strerror(errno));
		sb_release(&tmp);
		return -1;
	}
	bad = fwrite(p, 1, n, f) != n;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp.buf, path) < 0) {
		error_at(RX_INTERNAL, path, 0, "cannot write: %s", strerror(errno));
		unlink(tmp.buf);
		sb_release(&tmp);
		return -1;
	}
	sb_release(&tmp);
	return 0;
}

void manifest_now(char *buf)
{
	rec_time_format((int64_t)time(NULL), 0, buf);
}
