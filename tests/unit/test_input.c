/* test_input.c: containers sniffed by content, entries chosen, bombs and
 * damaged files refused with messages that name the file and the byte. */
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
#include "recon/input.h"
#include "recon/strbuf.h"
#include "recon/util.h"

/* The fixtures (made by tests/data/containers/make.sh) sit beside the
 * unit tests; the runner works from the top of the tree. */
static char datadir[1024];

static const char *data(const char *name)
{
	static char path[8][2048];
	static int slot;
	char *p = path[slot++ % 8];

	snprintf(p, sizeof(path[0]), "%s/%s", datadir, name);
	return p;
}

static struct strbuf stmt;      /* stmt.csv: what every container holds */

/* ---- stderr capture ---- */

static int saved_stderr = -1;
static FILE *cap;

static void capture(void)
{
	fflush(stderr);
	cap = tmpfile();
	assert_non_null(cap);
	saved_stderr = dup(2);
	dup2(fileno(cap), 2);
	diag_reset();
}

/* Stop capturing; the text written meanwhile (static, until the next call). */
static const char *captured(void)
{
	static char text[8192];
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	rewind(cap);
	n = fread(text, 1, sizeof(text) - 1, cap);
	text[n] = '\0';
	fclose(cap);
	return text;
}

/* ---- reading ---- */

/* Read everything in chunks of chunk bytes. Returns the last read's
 * result (0 at a clean end, -1 on error); *out holds what came before. */
static ssize_t read_all(struct input *in, size_t chunk, struct strbuf *out)
{
	char *buf = xmalloc(chunk);
	ssize_t r;

	while ((r = input_read(in, buf, chunk)) > 0)
		sb_add(out, buf, (size_t)r);
	free(buf);
	return r;
}

static void assert_is_stmt(const struct strbuf *sb)
{
	assert_int_equal(sb->len, stmt.len);
	assert_memory_equal(sb->buf, stmt.buf, stmt.len);
}

/* Open, read all, check the bytes, container and name, close. */
static void expect_content(const char *file, const struct input_opts *o, size_t chunk,
			   const char *container, const char *entry,
			   const void *want, size_t want_len)
{
	struct strbuf sb = STRBUF_INIT;
	struct strbuf name = STRBUF_INIT;
	const char *path = data(file);
	struct input *in;

	diag_reset();
	in = input_open(path, o);
	assert_non_null(in);
	assert_string_equal(input_container(in), container);
	sb_adds(&name, path);
	if (entry)
		sb_addf(&name, ":%s", entry);
	assert_string_equal(input_name(in), name.buf);
	assert_int_equal(read_all(in, chunk, &sb), 0);
	assert_int_equal(sb.len, want_len);
	assert_memory_equal(sb.buf, want, want_len);
	assert_int_equal(input_offset(in), want_len);
	/* The end stays the end. */
	assert_int_equal(input_read(in, sb.buf, 1), 0);
	assert_int_equal(diag_status(), RX_OK);
	input_close(in);
	sb_release(&sb);
	sb_release(&name);
}

static void expect_stmt(const char *file, const char *pattern, const char *container,
			const char *entry)
{
	struct input_opts o = { pattern, 0, 0 };

	expect_content(file, &o, 256 * 1024, container, entry, stmt.buf, stmt.len);
	/* Odd small reads cross every internal boundary (head, blocks). */
	expect_content(file, &o, 7, container, entry, stmt.buf, stmt.len);
}

/* Open must fail with exactly this message after "recon: PATH: error: ". */
static void expect_open_error(const char *path, const struct input_opts *o,
			      enum recon_exit st, const char *msg)
{
	char want[16384];
	struct input *in;

	capture();
	in = input_open(path, o);
	snprintf(want, sizeof(want), "recon: %s: error: %s\n", path, msg);
	assert_string_equal(captured(), want);
	assert_null(in);
	assert_int_equal(diag_status(), st);
}

/* Open succeeds, reading fails: returns the message after "error: " and
 * the count of bytes delivered before the failure in *got. */
static const char *expect_read_error(const char *path, const struct input_opts *o,
				     const char *name, struct strbuf *got)
{
	static char msg[16384];
	char prefix[8192];
	struct input *in;
	const char *text;
	char byte;

	diag_reset();
	in = input_open(path, o);
	assert_non_null(in);
	capture();
	assert_int_equal(read_all(in, 64 * 1024, got), -1);
	/* A failed input stays failed, without a second message. */
	assert_int_equal(input_read(in, &byte, 1), -1);
	text = captured();
	assert_int_equal(diag_status(), RX_BADINPUT);
	snprintf(prefix, sizeof(prefix), "recon: %s: error: ", name ? name : path);
	if (strncmp(text, prefix, strlen(prefix)) != 0)
		fail_msg("message \"%s\" does not start \"%s\"", text, prefix);
	/* One line only. */
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
	snprintf(msg, sizeof(msg), "%s", text + strlen(prefix));
	msg[strlen(msg) - 1] = '\0';
	assert_int_equal(input_offset(in), got->len);
	input_close(in);
	return msg;
}

/* ---- plain ---- */

static void test_plain(void **state)
{
	(void)state;
	expect_stmt("stmt.csv", NULL, "plain", NULL);
}

static void test_plain_empty(void **state)
{
	(void)state;
	/* Zero bytes, no error: the format engine says "empty file". */
	expect_content("empty", NULL, 4096, "plain", NULL, "", 0);
}

static void test_pattern_ignored_for_plain(void **state)
{
	(void)state;
	expect_stmt("stmt.csv", "nothing matches this", "plain", NULL);
}

static void test_missing_file(void **state)
{
	(void)state;
	expect_open_error(data("no-such-file.csv"), NULL, RX_BADINPUT,
			  "cannot open: No such file or directory");
}

static void test_directory(void **state)
{
	(void)state;
	expect_open_error(datadir, NULL, RX_BADINPUT, "is a directory, not a statement file");
}

/* ---- gzip ---- */

static void test_gzip(void **state)
{
	(void)state;
	expect_stmt("stmt.csv.gz", NULL, "gzip", NULL);
}

static void test_gzip_concatenated_members(void **state)
{
	(void)state;
	/* Two members, each half the statement: one stream, as gzip -d. */
	expect_stmt("concat.gz", NULL, "gzip", NULL);
}

static void test_gzip_zero_padding(void **state)
{
	(void)state;
	expect_stmt("zeropad.gz", NULL, "gzip", NULL);
}

static void test_gzip_empty_content(void **state)
{
	(void)state;
	expect_content("empty.gz", NULL, 4096, "gzip", NULL, "", 0);
}

static void test_gzip_truncated(void **state)
{
	struct strbuf got = STRBUF_INIT;
	const char *msg;

	(void)state;
	/* 2718 bytes: half of the 5436-byte stmt.csv.gz. */
	msg = expect_read_error(data("truncated.gz"), NULL, NULL, &got);
	assert_string_equal(msg, "unexpected end of gzip data at byte 2718 (file truncated?)");
	/* What came before is the true start of the statement. */
	assert_true(got.len > 0 && got.len < stmt.len);
	assert_memory_equal(got.buf, stmt.buf, got.len);
	sb_release(&got);
}

static void test_gzip_truncated_trailer(void **state)
{
	struct strbuf got = STRBUF_INIT;
	const char *msg;

	(void)state;
	/* All the data, but the CRC and length cut short: still an error. */
	msg = expect_read_error(data("truncated-trailer.gz"), NULL, NULL, &got);
	assert_string_equal(msg, "unexpected end of gzip data at byte 5433 (file truncated?)");
	sb_release(&got);
}

static void test_gzip_bad_crc(void **state)
{
	struct strbuf got = STRBUF_INIT;
	const char *msg;

	(void)state;
	msg = expect_read_error(data("badcrc.gz"), NULL, NULL, &got);
	assert_string_equal(msg, "corrupt gzip data at byte 5432: incorrect data check");
	sb_release(&got);
}

static void test_gzip_trailing_garbage(void **state)
{
	struct strbuf got = STRBUF_INIT;
	const char *msg;

	(void)state;
	msg = expect_read_error(data("garbage.gz"), NULL, NULL, &got);
	assert_string_equal(msg, "trailing garbage after gzip data at byte 5436");
	sb_release(&got);
}

static void test_gzip_too_short(void **state)
{
	char dir[] = "/tmp/test_input.XXXXXX";
	char *path;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = path_join(dir, "two-bytes");
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite("\x1f\x8b", 1, 2, f);
	fclose(f);
	/* Sniffing reads the start, so the error comes from open. */
	expect_open_error(path, NULL, RX_BADINPUT,
			  "unexpected end of gzip data at byte 2 (file truncated?)");
	unlink(path);
	rmdir(dir);
	free(path);
}

/* ---- limits ---- */

static void test_bomb_default_ratio(void **state)
{
	struct strbuf got = STRBUF_INIT;
	const char *msg;

	(void)state;
	/* 4 MiB of zeros in 4098 bytes: 1023:1, over the default 1000:1.
	 * The ratio is judged only past 1 MiB of output. */
	msg = expect_read_error(data("bomb.gz"), NULL, NULL, &got);
	assert_true(strncmp(msg, "compression ratio exceeds the limit of 1000:1 (", 47) == 0);
	assert_true(got.len >= (1u << 20) - 64 * 1024);
	assert_true(got.len < (4u << 20));
	sb_release(&got);
}

static void test_bomb_max_bytes(void **state)
{
	struct input_opts o = { NULL, 100000, 0 };
	struct strbuf got = STRBUF_INIT;
	const char *msg;

	(void)state;
	msg = expect_read_error(data("bomb.gz"), &o, NULL, &got);
	assert_string_equal(msg, "uncompressed data exceeds the limit of 100000 bytes (archive bomb?)");
	assert_true(got.len <= 100000);
	sb_release(&got);
}

static void test_bomb_ratio_option(void **state)
{
	struct input_opts o = { NULL, 0, 100 };
	struct strbuf got = STRBUF_INIT;
	const char *msg;

	(void)state;
	msg = expect_read_error(data("bomb.gz"), &o, NULL, &got);
	assert_true(strncmp(msg, "compression ratio exceeds the limit of 100:1 (", 46) == 0);
	sb_release(&got);
}

static void test_limits_spare_normal_files(void **state)
{
	struct input_opts o = { NULL, 16678, 2 };

	(void)state;
	/* Exactly max_bytes is allowed; a 3:1 ratio under 1 MiB is never
	 * judged. */
	expect_content("stmt.csv.gz", &o, 4096, "gzip", NULL, stmt.buf, stmt.len);
	/* A plain file is not decompressed: no limit applies. */
	o.max_bytes = 10;
	expect_content("stmt.csv", &o, 4096, "plain", NULL, stmt.buf, stmt.len);
}

static void test_bomb_zip_ratio(void **state)
{
	struct input_opts o = { NULL, 0, 100 };
	struct strbuf got = STRBUF_INIT;
	const char *path = data("bomb.zip");
	char name[4096];
	const char *msg;

	(void)state;
	snprintf(name, sizeof(name), "%s:zeros.csv", path);
	msg = expect_read_error(path, &o, name, &got);
	/* Measured against the file's 4196 bytes, however libarchive seeks. */
	assert_true(strncmp(msg, "compression ratio exceeds the limit of 100:1 (", 46) == 0);
	assert_non_null(strstr(msg, " bytes from 4196, archive bomb?)"));
	sb_release(&got);
}

static void test_bomb_zip_declared_size(void **state)
{
	struct input_opts o = { NULL, 1000000, 0 };

	(void)state;
	expect_open_error(data("bomb.zip"), &o, RX_BADINPUT,
			  "entry 'zeros.csv' is 4194304 bytes uncompressed, "
			  "over the limit of 1000000 bytes");
}

/* ---- zip ---- */

static void test_zip(void **state)
{
	(void)state;
	expect_stmt("stmt.zip", NULL, "zip", "stmt.csv");
}

static void test_zip_first_file(void **state)
{
	(void)state;
	/* The directory entry is skipped; the first file wins. */
	expect_content("multi.zip", NULL, 4096, "zip", "docs/readme.txt", "read me\n", 8);
}

static void test_zip_pattern(void **state)
{
	struct input_opts o = { "\\.csv$", 0, 0 };

	(void)state;
	/* The first match, unanchored unless the pattern anchors. */
	expect_content("multi.zip", &o, 4096, "zip", "a.csv", "a,1\n", 4);
	expect_stmt("multi.zip", "^b", "zip", "b.csv");
}

static void test_zip_gbk_names(void **state)
{
	(void)state;
	/* Entry names stored as GBK bytes without the UTF-8 flag, as
	 * Alipay's exports are: matched and reported as UTF-8. */
	expect_stmt("gbk.zip", "^支付宝账单\\d{8}\\.csv$", "zip", "支付宝账单20261001.csv");
	expect_content("gbk.zip", NULL, 4096, "zip", "说明.txt", "notes\n", 6);
}

static void test_zip_utf8_flag_names(void **state)
{
	(void)state;
	/* The process runs in the C locale; the name must survive. */
	expect_stmt("utf8.zip", "账单", "zip", "账单.csv");
}

static void test_zip_no_match(void **state)
{
	struct input_opts o = { "x\\.csv", 0, 0 };

	(void)state;
	expect_open_error(data("multi.zip"), &o, RX_BADINPUT,
			  "no entry matching 'x\\.csv' in zip "
			  "(entries: docs/readme.txt, a.csv, b.csv)");
	o.entry_pattern = "^微信";
	expect_open_error(data("gbk.zip"), &o, RX_BADINPUT,
			  "no entry matching '^微信' in zip "
			  "(entries: 说明.txt, 支付宝账单20261001.csv)");
}

static void test_zip_bad_pattern(void **state)
{
	struct input_opts o = { "(", 0, 0 };

	(void)state;
	expect_open_error(data("multi.zip"), &o, RX_USAGE,
			  "entry pattern '(': missing closing parenthesis at offset 1");
}

static void test_zip_empty(void **state)
{
	(void)state;
	expect_open_error(data("empty.zip"), NULL, RX_BADINPUT, "empty zip archive: no entries");
	expect_open_error(data("dironly.zip"), NULL, RX_BADINPUT,
			  "no file in zip archive (entries: only/)");
}

static void test_zip_corrupt(void **state)
{
	struct strbuf got = STRBUF_INIT;
	const char *path = data("corrupt.zip");
	char name[4096];
	const char *msg;

	(void)state;
	snprintf(name, sizeof(name), "%s:stmt.csv", path);
	msg = expect_read_error(path, NULL, name, &got);
	assert_true(strncmp(msg, "corrupt zip data at byte 0: ", 28) == 0);
	sb_release(&got);
}

static void test_zip_truncated(void **state)
{
	struct strbuf got = STRBUF_INIT;
	const char *path = data("truncated.zip");
	char name[4096];
	const char *msg;

	(void)state;
	snprintf(name, sizeof(name), "%s:stmt.csv", path);
	msg = expect_read_error(path, NULL, name, &got);
	assert_true(strncmp(msg, "unexpected end of zip data at byte ", 35) == 0);
	assert_non_null(strstr(msg, "(file truncated?)"));
	assert_true(got.len < stmt.len);
	assert_memory_equal(got.buf, stmt.buf, got.len);
	sb_release(&got);
}

static void test_zip_encrypted(void **state)
{
	(void)state;
	expect_open_error(data("encrypted.zip"), NULL, RX_BADINPUT,
			  "entry 'stmt.csv' is encrypted "
			  "(password-protected archives are not supported)");
}

/* ---- tar ---- */

static void test_tar(void **state)
{
	(void)state;
	expect_stmt("stmt.tar", "stmt", "tar", "dir/stmt.csv");
	expect_content("stmt.tar", NULL, 4096, "tar", "dir/notes.txt", "notes\n", 6);
	expect_stmt("pax.tar", NULL, "tar", "账单.csv");
}

static void test_tar_gz(void **state)
{
	(void)state;
	expect_stmt("stmt.tar.gz", "\\.csv$", "tar.gz", "dir/stmt.csv");
	expect_content("stmt.tar.gz", NULL, 4096, "tar.gz", "dir/notes.txt", "notes\n", 6);
}

static void test_tar_no_match(void **state)
{
	struct input_opts o = { "\\.xls$", 0, 0 };

	(void)state;
	expect_open_error(data("stmt.tar.gz"), &o, RX_BADINPUT,
			  "no entry matching '\\.xls$' in tar.gz "
			  "(entries: dir/notes.txt, dir/stmt.csv)");
}

/* ---- content, not names ---- */

static char *copy_to(const char *dir, const char *from, const char *to)
{
	size_t len;
	char *bytes = read_file(data(from), &len);
	char *path = path_join(dir, to);
	FILE *f = fopen(path, "wb");

	assert_non_null(bytes);
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
	free(bytes);
	return path;
}

static void test_sniff_ignores_names(void **state)
{
	char dir[] = "/tmp/test_input.XXXXXX";
	const char *kinds[][3] = {
		{ "stmt.csv.gz", "statement.csv", "gzip" },
		{ "stmt.csv", "statement.zip", "plain" },
		{ "stmt.zip", "statement.gz", "zip" },
		{ "stmt.tar.gz", "statement", "tar.gz" },
	};
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		char *path = copy_to(dir, kinds[i][0], kinds[i][1]);
		struct input_opts o = { "stmt", 0, 0 };
		struct strbuf sb = STRBUF_INIT;
		struct input *in = input_open(path, &o);

		assert_non_null(in);
		assert_string_equal(input_container(in), kinds[i][2]);
		assert_int_equal(read_all(in, 4096, &sb), 0);
		assert_is_stmt(&sb);
		input_close(in);
		sb_release(&sb);
		unlink(path);
		free(path);
	}
	rmdir(dir);
}

/* A pipe cannot rewind or seek: the sniffed head must be replayed, and
 * the zip read from its local headers. Files under 64 KiB fit the pipe,
 * so no writer process is needed. */
static void test_pipes(void **state)
{
	const char *files[][3] = {
		{ "stmt.csv", "plain", NULL },
		{ "concat.gz", "gzip", NULL },
		{ "stmt.zip", "zip", "stmt.csv" },
		{ "multi.zip", "zip", "b.csv" },
		{ "stmt.tar", "tar", "dir/stmt.csv" },
		{ "stmt.tar.gz", "tar.gz", "dir/stmt.csv" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		struct input_opts o = { "stmt|b\\.csv", 0, 0 };
		struct strbuf sb = STRBUF_INIT;
		char path[64], name[128];
		size_t len;
		char *bytes = read_file(data(files[i][0]), &len);
		int p[2];
		struct input *in;

		assert_non_null(bytes);
		assert_int_equal(pipe(p), 0);
		assert_int_equal(write(p[1], bytes, len), (ssize_t)len);
		close(p[1]);
		snprintf(path, sizeof(path), "/dev/fd/%d", p[0]);
		in = input_open(path, &o);
		assert_non_null(in);
		assert_string_equal(input_container(in), files[i][1]);
		snprintf(name, sizeof(name), "%s%s%s", path, files[i][2] ? ":" : "",
			 files[i][2] ? files[i][2] : "");
		assert_string_equal(input_name(in), name);
		assert_int_equal(read_all(in, 1000, &sb), 0);
		assert_is_stmt(&sb);
		input_close(in);
		close(p[0]);
		sb_release(&sb);
		free(bytes);
	}
}

static int setup(void **state)
{
	const char *here = __FILE__;
	char *dir = path_dirname(here);
	size_t len;
	char *bytes;

	(void)state;
	snprintf(datadir, sizeof(datadir), "%s/../data/containers", dir);
	free(dir);
	bytes = read_file(data("stmt.csv"), &len);
	if (!bytes) {
		fprintf(stderr, "test_input: cannot read %s (run from the top of the tree)\n",
			data("stmt.csv"));
		return -1;
	}
	sb_add(&stmt, bytes, len);
	free(bytes);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sb_release(&stmt);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_plain_empty),
		cmocka_unit_test(test_pattern_ignored_for_plain),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_gzip_concatenated_members),
		cmocka_unit_test(test_gzip_zero_padding),
		cmocka_unit_test(test_gzip_empty_content),
		cmocka_unit_test(test_gzip_truncated),
		cmocka_unit_test(test_gzip_truncated_trailer),
		cmocka_unit_test(test_gzip_bad_crc),
		cmocka_unit_test(test_gzip_trailing_garbage),
		cmocka_unit_test(test_gzip_too_short),
		cmocka_unit_test(test_bomb_default_ratio),
		cmocka_unit_test(test_bomb_max_bytes),
		cmocka_unit_test(test_bomb_ratio_option),
		cmocka_unit_test(test_limits_spare_normal_files),
		cmocka_unit_test(test_bomb_zip_ratio),
		cmocka_unit_test(test_bomb_zip_declared_size),
		cmocka_unit_test(test_zip),
		cmocka_unit_test(test_zip_first_file),
		cmocka_unit_test(test_zip_pattern),
		cmocka_unit_test(test_zip_gbk_names),
		cmocka_unit_test(test_zip_utf8_flag_names),
		cmocka_unit_test(test_zip_no_match),
		cmocka_unit_test(test_zip_bad_pattern),
		cmocka_unit_test(test_zip_empty),
		cmocka_unit_test(test_zip_corrupt),
		cmocka_unit_test(test_zip_truncated),
		cmocka_unit_test(test_zip_encrypted),
		cmocka_unit_test(test_tar),
		cmocka_unit_test(test_tar_gz),
		cmocka_unit_test(test_tar_no_match),
		cmocka_unit_test(test_sniff_ignores_names),
		cmocka_unit_test(test_pipes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
