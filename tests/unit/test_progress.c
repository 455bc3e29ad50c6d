/* test_progress.c: the progress line: when it shows, what it says, that it
 * leaves nothing behind, and that it stays away from files and -q. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "recon/diag.h"
#include "recon/progress.h"

/* What was written to f since the last call. */
static char *taken(FILE *f)
{
	static char buf[4096];
	long end;
	size_t n;

	fflush(f);
	end = ftell(f);
	rewind(f);
	n = fread(buf, 1, (size_t)end, f);
	buf[n] = '\0';
	/* start again empty */
	assert_int_equal(ftruncate(fileno(f), 0), 0);
	rewind(f);
	return buf;
}

static void test_line(void **state)
{
	FILE *f = tmpfile();
	struct progress *p;

	(void)state;
	assert_non_null(f);
	p = progress_new(f, "wechat: reading x.csv", 1000000000);
	/* the first call sets the clock's origin; a second is quiet */
	progress_at(p, 0, 0, 5000);
	progress_at(p, 100000, 10000000, 5999);
	assert_string_equal(taken(f), "");
	progress_at(p, 1200000, 95000000, 6000);
	assert_string_equal(taken(f), "\rrecon: wechat: reading x.csv: 1.2M rows, 95 MB of 1.0 GB,"
			    " 1.2M rows/s, 95 MB/s\033[K");
	/* four times a second at most */
	progress_at(p, 1300000, 96000000, 6249);
	assert_string_equal(taken(f), "");
	progress_at(p, 2500000, 2000000000, 6500);
	/* past an unknown or wrong total: no "of" */
	assert_string_equal(taken(f), "\rrecon: wechat: reading x.csv: 2.5M rows, 2.0 GB,"
			    " 1.7M rows/s, 1333 MB/s\033[K");
	progress_end(p);
	assert_string_equal(taken(f), "\r\033[K");
	fclose(f);
}

/* A step of no bytes (matching) counts rows only; a short one leaves no
 * trace at all. */
static void test_rows_only_and_short(void **state)
{
	FILE *f = tmpfile();
	struct progress *p;

	(void)state;
	p = progress_new(f, "wechat: matching", 0);
	progress_at(p, 0, 0, 0);
	progress_at(p, 15000, 0, 2000);
	assert_string_equal(taken(f), "\rrecon: wechat: matching: 15k rows, 7500 rows/s\033[K");
	progress_end(p);
	assert_string_equal(taken(f), "\r\033[K");
	p = progress_new(f, "quick", 0);
	progress_at(p, 0, 0, 0);
	progress_at(p, 10, 0, 999);
	progress_end(p);
	assert_string_equal(taken(f), "");
	fclose(f);
}

/* A message while the line is shown erases it first, so that the message
 * has a line of its own; the line comes back at the next update. */
static void test_message_erases(void **state)
{
	FILE *f = tmpfile();
	struct progress *p;
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	(void)state;
	p = progress_new(f, "import", 0);
	progress_at(p, 0, 0, 0);
	progress_at(p, 5000, 0, 1000);
	assert_string_equal(taken(f), "\rrecon: import: 5000 rows, 5000 rows/s\033[K");
	dup2(null, 2);
	warn_at("x.csv", 3, "odd row");
	dup2(saved, 2);
	assert_string_equal(taken(f), "\r\033[K");
	progress_at(p, 6000, 0, 1100);
	assert_string_equal(taken(f), "");
	progress_at(p, 8000, 0, 2000);
	assert_string_equal(taken(f), "\rrecon: import: 8000 rows, 4000 rows/s\033[K");
	progress_end(p);
	assert_string_equal(taken(f), "\r\033[K");
	/* gone: messages no longer touch it */
	dup2(null, 2);
	warn_at("x.csv", 4, "odd row");
	dup2(saved, 2);
	assert_string_equal(taken(f), "");
	close(saved);
	close(null);
	fclose(f);
	diag_reset();
}

/* Not a terminal, or -q: nothing, and NULL is fine everywhere. */
static void test_off(void **state)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	(void)state;
	dup2(null, 2);
	assert_null(progress_start("x", 0));
	diag_set_verbosity(-1);
	assert_null(progress_start("x", 0));
	diag_set_verbosity(0);
	dup2(saved, 2);
	close(saved);
	close(null);
	progress_update(NULL, 1, 1);
	progress_at(NULL, 1, 1, 1);
	progress_end(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_rows_only_and_short),
		cmocka_unit_test(test_message_erases),
		cmocka_unit_test(test_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
