/* testutil.c: scratch folders, files and captured stderr for unit tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "recon/diag.h"
#include "recon/util.h"
#include "testutil.h"

static char scratch[64];
static char *oldcwd;

int scratch_enter(const char *name)
{
	oldcwd = getcwd(NULL, 0);
	snprintf(scratch, sizeof(scratch), "/tmp/%s.XXXXXX", name);
	if (!oldcwd || !mkdtemp(scratch) || chdir(scratch) < 0)
		return -1;
	diag_reset();
	return 0;
}

const char *scratch_origin(void)
{
	return oldcwd;
}

int scratch_leave(void)
{
	char cmd[96];
	int rc = chdir(oldcwd);

	free(oldcwd);
	oldcwd = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return rc < 0 ? -1 : system(cmd);
}

void write_bytes(const char *path, const void *data, size_t n)
{
	char *dir = path_dirname(path);
	FILE *f;

	assert_int_equal(mkdir_p(dir, 0777), 0);
	free(dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

void write_file(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

char *slurp(const char *path)
{
	char *s = read_file(path, NULL);

	assert_non_null(s);
	return s;
}

void capture_begin(FILE **tmp, int *saved)
{
	*tmp = tmpfile();
	assert_non_null(*tmp);
	diag_reset();
	fflush(stderr);
	*saved = dup(2);
	assert_true(*saved >= 0);
	assert_true(dup2(fileno(*tmp), 2) >= 0);
}

void capture_end(FILE *tmp, int saved, struct strbuf *out)
{
	char buf[4096];
	size_t n;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	sb_init(out, 0);
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		sb_add(out, buf, n);
	fclose(tmp);
}
