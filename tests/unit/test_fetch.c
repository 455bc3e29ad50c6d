/* test_fetch.c: the rules of fetching (masked credentials, remote or
 * local, retry waits, not-before, the credentials file's permissions) and
 * fetch_statement end to end on local files, offline copies and a refused
 * connection on loopback. Downloads from a live server are in
 * tests/golden/fetch-*. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "recon/archive.h"
#include "recon/conf.h"
#include "recon/diag.h"
#include "recon/fetch.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_fetch.XXXXXX");
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

static char *in_dir(const char *name)
{
	return path_join(dir, name);
}

static void write_file(const char *name, const char *text, int mode)
{
	char *p = in_dir(name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, (mode_t)mode), 0);
	free(p);
}

/* Standard error of what ran since capture_start(), as a new string. */
static int saved_fd = -1;
static char errpath[96];

static void capture_start(void)
{
	int fd;

	fflush(stderr);
	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", dir);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	saved_fd = dup(2);
	dup2(fd, 2);
	close(fd);
}

static char *capture_end(void)
{
	size_t len;
	char *text;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	text = read_file(errpath, &len);
	assert_non_null(text);
	return text;
}

/* ---- the small rules ---- */

static void expect_mask(const char *url, const char *want)
{
	char *got = fetch_mask_url(url);

	assert_string_equal(got, want);
	free(got);
}

static void test_mask_url(void **state)
{
	(void)state;
	expect_mask("https://merchant:s3cret@bills.example.com/wechat/20261121.csv.gz",
		    "https://merchant:***@bills.example.com/wechat/20261121.csv.gz");
	expect_mask("sftp://deploy:pw@sftp.example.com:2222/out/x.zip",
		    "sftp://deploy:***@sftp.example.com:2222/out/x.zip");
	/* an '@' inside the password: the last '@' ends the user part */
	expect_mask("ftp://u:p@ss@h/x", "ftp://u:***@h/x");
	/* a user without a password says nothing secret */
	expect_mask("sftp://deploy@h/x", "sftp://deploy@h/x");
	/* an '@' after the host is not user information */
	expect_mask("https://h/a:b@c", "https://h/a:b@c");
	expect_mask("https://h?to=a:b@c", "https://h?to=a:b@c");
	expect_mask("https://bills.example.com/x", "https://bills.example.com/x");
	expect_mask("statements/u:p@x.csv", "statements/u:p@x.csv");
	expect_mask("https://:tok@h/x", "https://:***@h/x");
}

static void test_is_remote(void **state)
{
	(void)state;
	assert_int_equal(fetch_is_remote("http://h/x"), 1);
	assert_int_equal(fetch_is_remote("HTTPS://h/x"), 1);
	assert_int_equal(fetch_is_remote("ftp://h/x"), 1);
	assert_int_equal(fetch_is_remote("sftp://h/x"), 1);
	assert_int_equal(fetch_is_remote("gopher://h/x"), 1);
	assert_int_equal(fetch_is_remote("file:///srv/x.csv"), 0);
	assert_int_equal(fetch_is_remote("FILE://x.csv"), 0);
	assert_int_equal(fetch_is_remote("statements/20261121.csv"), 0);
	assert_int_equal(fetch_is_remote("/srv/a://b.csv"), 0);
	assert_int_equal(fetch_is_remote("://x"), 0);
}

static void test_backoff(void **state)
{
	uint64_t a = 42, b = 42, c = 43;
	int64_t w[4], v[4], u;
	int i, differs = 0;

	(void)state;
	for (i = 0; i < 4; i++) {
		w[i] = fetch_backoff_ms(5, i + 1, &a);
		v[i] = fetch_backoff_ms(5, i + 1, &b);
		u = fetch_backoff_ms(5, i + 1, &c);
		/* equal jitter: between half and all of 5 s doubled i times */
		assert_true(w[i] >= (5000LL << i) / 2);
		assert_true(w[i] <= 5000LL << i);
		/* the same seed gives the same waits */
		assert_int_equal(w[i], v[i]);
		differs |= u != w[i];
	}
	assert_true(differs);
	/* never more than an hour, however many retries */
	u = fetch_backoff_ms(3600, 20, &a);
	assert_true(u >= 1800000 && u <= 3600000);
	u = fetch_backoff_ms(1, 63, &a);
	assert_true(u >= 1800000 && u <= 3600000);
	/* no delay configured: no wait */
	assert_int_equal(fetch_backoff_ms(0, 1, &a), 0);
	assert_int_equal(fetch_backoff_ms(0, 5, &a), 0);
}

static int64_t at_utc(const char *iso)
{
	struct civil_time t;
	const char *why;

	assert_int_equal(time_parse(iso, strlen(iso), "iso8601", &t, &why), 0);
	return civil_to_local(&t) - t.offset;
}

static int64_t day(const char *s)
{
	int64_t d;

	assert_int_equal(date_parse(s, &d), 0);
	return d;
}

static void test_not_before(void **state)
{
	struct channel_conf cc;
	int64_t at = 0;

	(void)state;
	memset(&cc, 0, sizeof(cc));
	cc.name = "wechat";
	cc.timezone = "UTC";
	cc.not_before = -1;
	assert_int_equal(fetch_not_before(&cc, day("2026-11-21"), &at), 1);

	/* the morning after the day */
	cc.not_before = 10 * 60;
	assert_int_equal(fetch_not_before(&cc, day("2026-11-21"), &at), 0);
	assert_int_equal(at, at_utc("2026-11-22T10:00:00Z"));
	/* in the channel's time zone */
	cc.timezone = "+08:00";
	assert_int_equal(fetch_not_before(&cc, day("2026-11-21"), &at), 0);
	assert_int_equal(at, at_utc("2026-11-22T02:00:00Z"));
	/* A 21:00 cut-off ends day D at 21:00 on D (window.h): out at 10:00
	 * the morning after. */
	cc.timezone = "UTC";
	cc.cutoff = 21 * 60;
	assert_int_equal(fetch_not_before(&cc, day("2026-11-21"), &at), 0);
	assert_int_equal(at, at_utc("2026-11-22T10:00:00Z"));
	/* A 02:00 cut-off ends D at 02:00 on D+1: a 01:00 publication is the
	 * one of D+2, not the hour before the day ends. */
	cc.cutoff = 2 * 60;
	cc.not_before = 60;
	assert_int_equal(fetch_not_before(&cc, day("2026-11-21"), &at), 0);
	assert_int_equal(at, at_utc("2026-11-23T01:00:00Z"));
	cc.not_before = 10 * 60;
	assert_int_equal(fetch_not_before(&cc, day("2026-11-21"), &at), 0);
	assert_int_equal(at, at_utc("2026-11-22T10:00:00Z"));
	/* at the very end of the day is "at or after" */
	cc.cutoff = 0;
	cc.not_before = 0;
	assert_int_equal(fetch_not_before(&cc, day("2026-11-21"), &at), 0);
	assert_int_equal(at, at_utc("2026-11-22T00:00:00Z"));
	/* 02:30 does not exist on the night clocks spring forward: 03:30 PDT */
	cc.timezone = "America/Los_Angeles";
	cc.not_before = 2 * 60 + 30;
	assert_int_equal(fetch_not_before(&cc, day("2026-03-07"), &at), 0);
	assert_int_equal(at, at_utc("2026-03-08T03:30:00-07:00"));
}

static void test_credentials_permissions(void **state)
{
	char *p = in_dir("netrc"), *err;

	(void)state;
	write_file("netrc", "machine h login u password p\n", 0600);
	assert_int_equal(fetch_check_credentials(p), 0);
	assert_int_equal(diag_status(), RX_OK);

	chmod(p, 0640);
	capture_start();
	assert_int_equal(fetch_check_credentials(p), RX_USAGE);
	err = capture_end();
	assert_non_null(strstr(err, ": error: readable by others; chmod 600 "));
	assert_non_null(strstr(err, p));
	free(err);

	chmod(p, 0604);
	assert_int_equal(fetch_check_credentials(p), RX_USAGE);
	chmod(p, 0620);
	capture_start();
	assert_int_equal(fetch_check_credentials(p), RX_USAGE);
	err = capture_end();
	assert_non_null(strstr(err, "writable by others; chmod 600"));
	free(err);
	chmod(p, 0400);
	assert_int_equal(fetch_check_credentials(p), 0);
	assert_int_equal(fetch_check_credentials(dir), RX_USAGE);
	unlink(p);
	assert_int_equal(fetch_check_credentials(p), RX_USAGE);
	assert_int_equal(diag_status(), RX_USAGE);
	free(p);
}

/* ---- fetch_statement ---- */

static struct conf *C;
static sqlite3 *db;
static struct fetcher *F;

static void open_workspace(const char *conf_text)
{
	char *p = in_dir("recon.conf");

	write_file("recon.conf", conf_text, 0644);
	C = conf_load_file(p);
	assert_non_null(C);
	free(p);
	p = in_dir("recon.db");
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	F = fetcher_new(C, db, p, 0);
	assert_non_null(F);
	free(p);
}

static void close_workspace(void)
{
	fetcher_free(F);
	sqlite3_close(db);
	conf_free(C);
}

static void expect_file(const char *path, const char *text)
{
	size_t len;
	char *got = read_file(path, &len);

	assert_non_null(got);
	assert_string_equal(got, text);
	free(got);
}

static int has_table(const char *name)
{
	sqlite3_stmt *st;
	int rc;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE name = ?1",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

/* fetch_statement, then fetch_record as recon fetch does. */
static int fetch(const struct channel_conf *cc, const char *date, int offline,
		 struct fetched *fd)
{
	int rc = fetch_statement(F, cc, day(date), offline, fd);

	return rc == RX_OK ? fetch_record(F, cc, day(date), fd) : rc;
}

static void test_local_source(void **state)
{
	struct fetched fd;
	char *stmts = in_dir("statements"), *err;
	const struct channel_conf *cc;

	(void)state;
	open_workspace("[channel \"wechat\"]\n\tformat = canonical-csv\n"
		       "\tsource = statements/{yyyymmdd}.csv\n");
	cc = conf_channel(C, "wechat");
	assert_int_equal(mkdir(stmts, 0755), 0);
	write_file("statements/20261121.csv", "hello\n", 0644);

	/* archived, but nothing written to the database until recorded */
	assert_int_equal(fetch_statement(F, cc, day("2026-11-21"), 0, &fd), RX_OK);
	assert_int_equal(fd.outcome, FETCH_STORED);
	assert_false(has_table("statements"));
	assert_int_equal(fetch_record(F, cc, day("2026-11-21"), &fd), RX_OK);
	assert_true(has_table("statements"));
	assert_int_equal(fd.outcome, FETCH_NEW);
	assert_string_equal(fd.name, "statements/20261121.csv");
	assert_string_equal(fd.sha256,
			    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
	assert_int_equal(fd.size, 6);
	/* the archived copy, not the live file */
	assert_non_null(strstr(fd.path, "/archive/58/5891b5b5"));
	expect_file(fd.path, "hello\n");
	fetched_release(&fd);

	/* offline makes no difference to a local file: it needs no network */
	assert_int_equal(fetch(cc, "2026-11-21", 1, &fd), RX_OK);
	assert_int_equal(fd.outcome, FETCH_UNCHANGED);
	fetched_release(&fd);

	write_file("statements/20261121.csv", "bye\n", 0644);
	capture_start();
	assert_int_equal(fetch(cc, "2026-11-21", 0, &fd), RX_OK);
	err = capture_end();
	assert_string_equal(err, "recon: wechat: warning: 2026-11-21: the channel re-issued its "
			    "statement (5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03, "
			    "abc6fd595fc079d3114d4b71a4d84b1d1d0f79df1e70f8813212f2a65d8916df)\n");
	free(err);
	assert_int_equal(fd.outcome, FETCH_REISSUED);
	assert_string_equal(fd.prev_sha256,
			    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
	expect_file(fd.path, "bye\n");
	fetched_release(&fd);

	capture_start();
	assert_int_equal(fetch_statement(F, cc, day("2026-11-22"), 0, &fd), RX_FETCH);
	fetched_release(&fd);
	free(capture_end());
	close_workspace();
	free(stmts);
}

static void test_offline_remote(void **state)
{
	struct fetched fd;
	struct archive_index *ix;
	struct archived a;
	char *arch = in_dir("archive"), *err;
	char hex[65];
	int added;
	const struct channel_conf *cc;

	(void)state;
	open_workspace("[channel \"wechat\"]\n\tformat = canonical-csv\n"
		       "\tsource = https://u:pw@bills.example.com/{date}.csv\n");
	cc = conf_channel(C, "wechat");
	/* nothing archived yet: offline cannot help */
	capture_start();
	assert_int_equal(fetch_statement(F, cc, day("2026-11-21"), 1, &fd), RX_FETCH);
	err = capture_end();
	assert_string_equal(err, "recon: wechat: error: statement for 2026-11-21 was never "
			    "fetched (offline): https://u:***@bills.example.com/2026-11-21.csv\n");
	free(err);
	fetched_release(&fd);

	/* as if fetched earlier */
	assert_int_equal(archive_put_buf(arch, "hello\n", 6, hex, &added), 0);
	ix = archive_index_open(db, "recon.db", 1);
	memset(&a, 0, sizeof(a));
	strcpy(a.channel, "wechat");
	strcpy(a.date, "2026-11-21");
	a.source = "https://u:***@bills.example.com/2026-11-21.csv";
	strcpy(a.sha256, hex);
	a.size = 6;
	assert_int_equal(archive_index_record(ix, &a, NULL), ARCHIVE_FIRST);
	archive_index_close(ix);

	assert_int_equal(fetch(cc, "2026-11-21", 1, &fd), RX_OK);
	assert_int_equal(fd.outcome, FETCH_ARCHIVED);
	assert_string_equal(fd.sha256, hex);
	expect_file(fd.path, "hello\n");

	/* tampered with since: refused */
	chmod(fd.path, 0644);
	write_file(strstr(fd.path, "archive/"), "hellO\n", 0444);
	fetched_release(&fd);
	capture_start();
	assert_int_equal(fetch_statement(F, cc, day("2026-11-21"), 1, &fd), RX_BADINPUT);
	err = capture_end();
	assert_non_null(strstr(err, "does not match its SHA-256"));
	free(err);
	fetched_release(&fd);
	close_workspace();
	free(arch);
}

/* How many entries the folder dir/sub has (-1: none such). */
static int entries(const char *sub)
{
	char *p = in_dir(sub);
	DIR *d = opendir(p);
	struct dirent *de;
	int n = 0;

	free(p);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A loopback port nobody listens on. */
static int closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(s >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(s);
	return port;
}

static void test_remote_refused_and_not_before(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct fetched fd;
	char *err, want[160];
	struct channel_conf *cc;
	int port = closed_port();

	(void)state;
	setenv("no_proxy", "127.0.0.1", 1);
	sb_addf(&sb, "[channel \"wechat\"]\n\tformat = canonical-csv\n\ttimezone = UTC\n"
		"\tsource = http://merchant:pw@127.0.0.1:%d/{date}.csv\n"
		"\tretries = 1\n\tretry-delay = 0\n", port);
	open_workspace(sb.buf);
	sb_release(&sb);
	cc = &C->channels[0];

	capture_start();
	assert_int_equal(fetch_statement(F, cc, day("2026-11-21"), 0, &fd), RX_FETCH);
	err = capture_end();
	snprintf(want, sizeof(want), "recon: wechat: error: statement for 2026-11-21: "
		 "http://merchant:***@127.0.0.1:%d/2026-11-21.csv: cannot connect: "
		 "Connection refused (2 attempts)\n", port);
	assert_non_null(strstr(err, want));
	assert_null(strstr(err, ":pw@"));
	free(err);
	fetched_release(&fd);
	/* nothing archived, no temporary file left */
	assert_int_equal(entries("archive"), 1);
	assert_int_equal(entries("archive/tmp"), 0);

	/* A day whose statement is out only in 2100: the server is not even
	 * asked (else this would say "cannot connect"). */
	cc->not_before = 10 * 60;
	capture_start();
	assert_int_equal(fetch_statement(F, cc, day("2099-12-31"), 0, &fd), RX_FETCH);
	err = capture_end();
	assert_string_equal(err, "recon: wechat: error: statement for 2099-12-31 not "
			    "published before 2100-01-01 10:00 UTC\n");
	free(err);
	fetched_release(&fd);
	close_workspace();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_url),
		cmocka_unit_test(test_is_remote),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_not_before),
		cmocka_unit_test_setup_teardown(test_credentials_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline_remote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_refused_and_not_before, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
