/* test_archive.c: the content-addressed store (objects named by SHA-256,
 * read-only, never overwritten, whole or absent; leftovers of killed
 * writers cleaned) and its index (first copy, same bytes, re-issue). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "recon/archive.h"
#include "recon/diag.h"
#include "recon/util.h"

/* sha256("hello\n") and sha256("bye\n"), as sha256sum prints them. */
#define HELLO_SHA "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define BYE_SHA "abc6fd595fc079d3114d4b71a4d84b1d1d0f79df1e70f8813212f2a65d8916df"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_archive.XXXXXX");
	assert_non_null(mkdtemp(dir));
	diag_reset();
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s && rm -rf %s", dir, dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static char *obj(const char *hex)
{
	return archive_object_path(dir, hex);
}

static int count_files(const char *sub)
{
	char *p = path_join(dir, sub);
	DIR *d = opendir(p);
	struct dirent *de;
	int n = 0;

	free(p);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void write_file(const char *path, const char *text, int mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, (mode_t)mode), 0);
}

static void test_put_buf_stores_by_content(void **state)
{
	char hex[65], *p, *text;
	struct stat st;
	size_t len;
	int added = -1;

	(void)state;
	assert_int_equal(archive_put_buf(dir, "hello\n", 6, hex, &added), 0);
	assert_string_equal(hex, HELLO_SHA);
	assert_int_equal(added, 1);
	p = obj(hex);
	assert_non_null(strstr(p, "/58/" HELLO_SHA));
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0444);
	text = read_file(p, &len);
	assert_non_null(text);
	assert_int_equal(len, 6);
	assert_memory_equal(text, "hello\n", 6);
	free(text);
	free(p);
	/* The temporary file is gone. */
	assert_int_equal(count_files("tmp"), 0);
	assert_int_equal(archive_check(dir, hex), ARCHIVE_OK);
}

static void test_same_bytes_are_a_no_op(void **state)
{
	char hex[65], *p;
	struct stat a, b;
	int added;

	(void)state;
	assert_int_equal(archive_put_buf(dir, "hello\n", 6, hex, &added), 0);
	p = obj(hex);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(archive_put_buf(dir, "hello\n", 6, hex, &added), 0);
	assert_int_equal(added, 0);
	assert_int_equal(stat(p, &b), 0);
	/* the very same file, not a replacement */
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(b.st_nlink, 1);
	assert_int_equal(count_files("tmp"), 0);
	assert_int_equal(count_files("58"), 1);
	free(p);
}

static void test_put_file(void **state)
{
	char src[96], hex[65];
	uint64_t size = 0;
	int added;

	(void)state;
	snprintf(src, sizeof(src), "%s/in.txt", dir);
	write_file(src, "bye\n", 0644);
	assert_int_equal(archive_put_file(dir, src, hex, &size, &added), 0);
	assert_int_equal(size, 4);
	assert_int_equal(added, 1);
	assert_int_equal(archive_check(dir, hex), ARCHIVE_OK);
	/* the source is copied, not moved or linked */
	assert_int_equal(access(src, F_OK), 0);
	snprintf(src, sizeof(src), "%s/missing.txt", dir);
	assert_int_equal(archive_put_file(dir, src, hex, &size, &added), -2);
	assert_int_equal(diag_status(), RX_BADINPUT);
}

/* A file's hash is remembered by its stat once it has settled, and any
 * change to it, even to the same size and times, forgets it. */
static void test_seen_remembers_settled_files(void **state)
{
	char src[96], hex[65];
	struct stat st;
	struct timespec old[2] = {{0, 0}, {0, 0}};

	(void)state;
	snprintf(src, sizeof(src), "%s/statement.csv", dir);
	write_file(src, "hello\n", 0644);
	assert_int_equal(stat(src, &st), 0);
	archive_seen_put(dir, src, &st, HELLO_SHA);
	/* just written: it could still change within the clock's step */
	assert_int_equal(archive_seen_get(dir, src, &st, hex), 0);
	sleep(3);
	archive_seen_put(dir, src, &st, HELLO_SHA);
	assert_int_equal(archive_seen_get(dir, src, &st, hex), 1);
	assert_string_equal(hex, HELLO_SHA);
	/* the same path, other bytes of the same size, the old times put back */
	old[0] = st.st_atim;
	old[1] = st.st_mtim;
	write_file(src, "HELLO\n", 0644);
	assert_int_equal(utimensat(AT_FDCWD, src, old, 0), 0);
	assert_int_equal(stat(src, &st), 0);
	assert_int_equal(archive_seen_get(dir, src, &st, hex), 0);
	/* a stat taken before a change is not remembered after it */
	write_file(src, "bye\n", 0644);
	sleep(3);
	archive_seen_put(dir, src, &st, HELLO_SHA);
	assert_int_equal(stat(src, &st), 0);
	assert_int_equal(archive_seen_get(dir, src, &st, hex), 0);
}

static void test_check_finds_damage(void **state)
{
	char hex[65], *p;
	int added;

	(void)state;
	assert_int_equal(archive_check(dir, HELLO_SHA), ARCHIVE_MISSING);
	assert_int_equal(archive_put_buf(dir, "hello\n", 6, hex, &added), 0);
	p = obj(hex);
	chmod(p, 0644);
	write_file(p, "hellO\n", 0444);
	assert_int_equal(archive_check(dir, hex), ARCHIVE_DAMAGED);
	free(p);
}

static void test_damaged_object_is_never_replaced(void **state)
{
	char hex[65], *p, *text;
	size_t len;
	int added;

	(void)state;
	assert_int_equal(archive_put_buf(dir, "hello\n", 6, hex, &added), 0);
	p = obj(hex);
	chmod(p, 0644);
	write_file(p, "tampered with\n", 0444);
	/* Storing the true bytes again must not paper over the damage. */
	assert_int_equal(archive_put_buf(dir, "hello\n", 6, hex, &added), -1);
	assert_int_equal(diag_status(), RX_INTERNAL);
	text = read_file(p, &len);
	assert_string_equal(text, "tampered with\n");
	free(text);
	free(p);
	assert_int_equal(count_files("tmp"), 0);
}

static void test_tmp_reset_starts_over(void **state)
{
	struct archive_tmp t;
	char hex[65];
	int added;

	(void)state;
	assert_int_equal(archive_tmp_open(dir, &t), 0);
	assert_int_equal(archive_tmp_write(&t, "partial garbage", 15), 0);
	assert_int_equal(archive_tmp_reset(&t), 0);
	assert_int_equal(archive_tmp_write(&t, "hel", 3), 0);
	assert_int_equal(archive_tmp_write(&t, "lo\n", 3), 0);
	assert_int_equal(t.size, 6);
	assert_int_equal(archive_tmp_commit(dir, &t, hex, &added), 0);
	assert_string_equal(hex, HELLO_SHA);
	assert_int_equal(archive_check(dir, hex), ARCHIVE_OK);
	assert_int_equal(t.fd, -1);
}

static void test_discard_leaves_nothing(void **state)
{
	struct archive_tmp t;

	(void)state;
	assert_int_equal(archive_tmp_open(dir, &t), 0);
	assert_int_equal(archive_tmp_write(&t, "half a statem", 13), 0);
	assert_int_equal(count_files("tmp"), 1);
	archive_tmp_discard(&t);
	assert_int_equal(count_files("tmp"), 0);
	/* only tmp/ was ever made: no object */
	assert_int_equal(count_files(""), 1);
}

static void test_clean_tmp(void **state)
{
	struct archive_tmp live;
	char p[128];
	struct timeval old[2];

	(void)state;
	/* No tmp/ at all: nothing to do. */
	assert_int_equal(archive_clean_tmp(dir), 0);
	/* A writer at work (locked, alive) is left alone. */
	assert_int_equal(archive_tmp_open(dir, &live), 0);
	assert_int_equal(archive_tmp_write(&live, "abc", 3), 0);
	/* A killed writer's file: its pid is no process (above pid_max). */
	snprintf(p, sizeof(p), "%s/tmp/2147483646.0.part", dir);
	write_file(p, "half", 0600);
	/* Not locked but its pid lives (ours, as if reused): left, while new. */
	snprintf(p, sizeof(p), "%s/tmp/%ld.99.part", dir, (long)getpid());
	write_file(p, "half", 0600);
	assert_int_equal(archive_clean_tmp(dir), 1);
	assert_int_equal(count_files("tmp"), 2);
	/* ... and removed once older than a day. */
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 2 * 24 * 3600;
	old[0].tv_usec = old[1].tv_usec = 0;
	assert_int_equal(utimes(p, old), 0);
	assert_int_equal(archive_clean_tmp(dir), 1);
	assert_int_equal(count_files("tmp"), 1);
	assert_int_equal(access(live.path, F_OK), 0);
	archive_tmp_discard(&live);
}

/* ---- the index ---- */

static sqlite3 *db;
static struct archive_index *ix;

static int setup_index(void **state)
{
	(void)state;
	diag_reset();
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	ix = archive_index_open(db, "test.db", 1);
	assert_non_null(ix);
	return 0;
}

static int teardown_index(void **state)
{
	(void)state;
	archive_index_close(ix);
	sqlite3_close(db);
	return 0;
}

static int record(const char *channel, const char *date, const char *sha, uint64_t size,
		  struct archived *prev)
{
	struct archived a;

	memset(&a, 0, sizeof(a));
	snprintf(a.channel, sizeof(a.channel), "%s", channel);
	snprintf(a.date, sizeof(a.date), "%s", date);
	a.source = "https://u:***@bills.example.com/x.csv";
	snprintf(a.sha256, sizeof(a.sha256), "%s", sha);
	a.size = size;
	return archive_index_record(ix, &a, prev);
}

static int rows(void)
{
	sqlite3_stmt *st;
	int n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM statements", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_index_first_same_reissued(void **state)
{
	struct archived prev, latest, *all;
	int n;

	(void)state;
	assert_int_equal(archive_index_latest(ix, "wechat", "2026-11-21", &latest), 0);
	assert_int_equal(record("wechat", "2026-11-21", HELLO_SHA, 6, &prev), ARCHIVE_FIRST);
	assert_null(prev.source);
	assert_int_equal(record("wechat", "2026-11-21", HELLO_SHA, 6, &prev), ARCHIVE_SAME);
	assert_int_equal(rows(), 1);
	assert_int_equal(record("wechat", "2026-11-21", BYE_SHA, 4, &prev), ARCHIVE_REISSUED);
	assert_string_equal(prev.sha256, HELLO_SHA);
	assert_int_equal(prev.size, 6);
	archived_release(&prev);
	assert_int_equal(rows(), 2);

	assert_int_equal(archive_index_latest(ix, "wechat", "2026-11-21", &latest), 1);
	assert_string_equal(latest.sha256, BYE_SHA);
	assert_string_equal(latest.source, "https://u:***@bills.example.com/x.csv");
	assert_string_equal(latest.channel, "wechat");
	assert_string_equal(latest.date, "2026-11-21");
	assert_int_equal(strlen(latest.fetched_at), 25);
	archived_release(&latest);

	n = archive_index_list(ix, "wechat", "2026-11-21", &all);
	assert_int_equal(n, 2);
	assert_string_equal(all[0].sha256, HELLO_SHA);
	assert_string_equal(all[1].sha256, BYE_SHA);
	assert_true(all[0].id < all[1].id);
	archived_free_array(all, n);

	/* Back to the first bytes: a re-issue again, recorded as the latest. */
	assert_int_equal(record("wechat", "2026-11-21", HELLO_SHA, 6, &prev), ARCHIVE_REISSUED);
	assert_string_equal(prev.sha256, BYE_SHA);
	archived_release(&prev);
	assert_int_equal(archive_index_latest(ix, "wechat", "2026-11-21", &latest), 1);
	assert_string_equal(latest.sha256, HELLO_SHA);
	archived_release(&latest);
}

static void test_index_keys_are_channel_and_day(void **state)
{
	struct archived latest;

	(void)state;
	assert_int_equal(record("wechat", "2026-11-21", HELLO_SHA, 6, NULL), ARCHIVE_FIRST);
	/* the same bytes are another channel's or another day's first copy */
	assert_int_equal(record("alipay", "2026-11-21", HELLO_SHA, 6, NULL), ARCHIVE_FIRST);
	assert_int_equal(record("wechat", "2026-11-22", HELLO_SHA, 6, NULL), ARCHIVE_FIRST);
	assert_int_equal(archive_index_latest(ix, "alipay", "2026-11-22", &latest), 0);
	assert_int_equal(rows(), 3);
}

static void test_index_in_callers_transaction(void **state)
{
	struct archived latest;

	(void)state;
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(record("wechat", "2026-11-21", HELLO_SHA, 6, NULL), ARCHIVE_FIRST);
	/* joined, not committed on its own */
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(archive_index_latest(ix, "wechat", "2026-11-21", &latest), 0);
}

static void test_index_open_without_create(void **state)
{
	struct archive_index *ro, *again;
	struct archived latest, *all;
	sqlite3 *fresh;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &fresh), SQLITE_OK);
	ro = archive_index_open(fresh, "fresh.db", 0);
	assert_non_null(ro);
	assert_int_equal(archive_index_latest(ro, "wechat", "2026-11-21", &latest), 0);
	assert_int_equal(archive_index_list(ro, "wechat", "2026-11-21", &all), 0);
	assert_int_equal(archive_index_record(ro, &latest, NULL), -1);
	archive_index_close(ro);
	sqlite3_close(fresh);
	/* Opening again with create migrates nothing twice. */
	assert_int_equal(record("wechat", "2026-11-21", HELLO_SHA, 6, NULL), ARCHIVE_FIRST);
	again = archive_index_open(db, "test.db", 1);
	assert_non_null(again);
	assert_int_equal(archive_index_latest(again, "wechat", "2026-11-21", &latest), 1);
	archived_release(&latest);
	archive_index_close(again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_buf_stores_by_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_bytes_are_a_no_op, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seen_remembers_settled_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_finds_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_object_is_never_replaced, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tmp_reset_starts_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_tmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_first_same_reissued, setup_index,
						teardown_index),
		cmocka_unit_test_setup_teardown(test_index_keys_are_channel_and_day, setup_index,
						teardown_index),
		cmocka_unit_test_setup_teardown(test_index_in_callers_transaction, setup_index,
						teardown_index),
		cmocka_unit_test_setup_teardown(test_index_open_without_create, setup_index,
						teardown_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
