/* test_conf.c: recon.conf loading, defaults, errors, paths, lookup order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "recon/conf.h"
#include "recon/datapath.h"
#include "recon/diag.h"
#include "recon/strbuf.h"
#include "recon/util.h"

/* Each test runs in a fresh scratch folder, so messages name relative paths. */

static int setup(void **state)
{
	(void)state;
	if (scratch_enter("test_conf") < 0)
		return -1;
	unsetenv("RECON_CONFIG");
	unsetenv("RECON_FORMAT_PATH");
	unsetenv("RECON_RULES_PATH");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_leave();
}

/* conf_load(explicit) with stderr captured into err. */
static struct conf *load(const char *explicit, struct strbuf *err)
{
	FILE *tmp = tmpfile();
	struct conf *c;
	char buf[4096];
	size_t n;
	int saved;

	assert_non_null(tmp);
	diag_reset();
	sb_init(err, 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	c = conf_load(explicit);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		sb_add(err, buf, n);
	fclose(tmp);
	return c;
}

static void test_defaults(void **state)
{
	struct strbuf err;
	struct conf *c;
	const struct channel_conf *ch;

	(void)state;
	write_file("ws/recon.conf",
		   "[channel \"wechat\"]\n"
		   "\tformat = wechat-trade\n"
		   "\tsource = statements/wechat/{yyyymmdd}.csv.gz\n");
	c = load("ws/recon.conf", &err);
	assert_string_equal(err.buf, "");
	assert_non_null(c);
	assert_string_equal(c->path, "ws/recon.conf");
	assert_string_equal(c->dir, "ws");
	assert_string_equal(c->database, "recon.db");
	assert_string_equal(c->archive_dir, "archive");
	assert_string_equal(c->output_dir, "out");
	assert_int_equal(c->memory, (size_t)256 << 20);
	assert_int_equal(c->nchannels, 1);
	ch = &c->channels[0];
	assert_string_equal(ch->name, "wechat");
	assert_string_equal(ch->format, "wechat-trade");
	assert_string_equal(ch->source, "statements/wechat/{yyyymmdd}.csv.gz");
	assert_string_equal(ch->timezone, "+08:00");
	assert_int_equal(ch->cutoff, 0);
	assert_int_equal(ch->grace_days, 1);
	assert_string_equal(ch->rules, "default");
	assert_string_equal(ch->file, "ws/recon.conf");
	assert_int_equal(ch->line, 1);
	assert_int_equal(diag_status(), RX_OK);
	conf_free(c);
	sb_release(&err);
}

/* [run] memory: a size with K, M or G (powers of 1024), at least 1M. */
static void test_memory(void **state)
{
	static const struct { const char *v; size_t want; } good[] = {
		{ "1G", (size_t)1 << 30 }, { "1536m", (size_t)1536 << 20 },
		{ "1048576", (size_t)1 << 20 }, { "2048K", (size_t)2 << 20 },
	};
	static const char *const bad[] = {
		"1023K", "0", "-1G", "1.5G", "1 G", "1T", "M", "",
		"99999999999999999999G",
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		struct strbuf text = STRBUF_INIT, err;
		struct conf *c;

		sb_addf(&text, "[run]\n\tmemory = %s\n", good[i].v);
		write_file("recon.conf", text.buf);
		c = load(NULL, &err);
		assert_non_null(c);
		assert_int_equal(c->memory, good[i].want);
		conf_free(c);
		sb_release(&text);
		sb_release(&err);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct strbuf text = STRBUF_INIT, err;
		struct conf *c;

		sb_addf(&text, "[run]\n\tmemory = %s\n", bad[i]);
		write_file("recon.conf", text.buf);
		c = load(NULL, &err);
		if (c)
			fail_msg("accepted: %s", bad[i]);
		if (!strstr(err.buf, "recon: recon.conf:2: error: [run] memory: "))
			fail_msg("%s: %s", bad[i], err.buf);
		sb_release(&text);
		sb_release(&err);
	}
	assert_int_equal(conf_parse_size("64K", 0, &n), 0);
	assert_int_equal(n, 65536);
	assert_int_equal(conf_parse_size("64K", 65537, &n), -1);
}

/* A workspace may have no channel yet (just after init, say). */
static void test_empty_file(void **state)
{
	struct strbuf err;
	struct conf *c;

	(void)state;
	write_file("recon.conf", "# nothing yet\n");
	c = load(NULL, &err);
	assert_string_equal(err.buf, "");
	assert_non_null(c);
	assert_int_equal(c->nchannels, 0);
	assert_string_equal(c->database, "recon.db");
	conf_free(c);
	sb_release(&err);
}

static void test_every_key(void **state)
{
	struct strbuf err;
	struct conf *c;
	const struct channel_conf *a, *b;

	(void)state;
	write_file("recon.conf",
		   "[ledger]\n"
		   "\tdatabase = /var/lib/recon/ledger.db\n"
		   "[archive]\n"
		   "\tdir = \"raw files\"\n"
		   "[output]\n"
		   "\tdir = reports   # where report.txt goes\n"
		   "[channel \"alipay\"]\n"
		   "\tformat = alipay-trade\n"
		   "\tsource = https://example.com/bill?date={date}#x\n"
		   "\ttimezone = America/Los_Angeles\n"
		   "\tcutoff = 23:30\n"
		   "\tgrace-days = 0\n"
		   "\trules = strict\n"
		   "[channel \"union_pay.cn\"]\n"
		   "\tsource = sftp://bank/{yyyy}/{mm}/{dd}.txt\n"
		   "\tformat = unionpay-fixed\n"
		   "\ttimezone = -05:00\n"
		   "\tcutoff = 04:05\n"
		   "\tgrace-days = 365\n");
	c = load(NULL, &err);
	assert_string_equal(err.buf, "");
	assert_non_null(c);
	assert_string_equal(c->path, "recon.conf");
	assert_string_equal(c->database, "/var/lib/recon/ledger.db");
	assert_string_equal(c->archive_dir, "raw files");
	assert_string_equal(c->output_dir, "reports");
	assert_int_equal(c->nchannels, 2);
	a = conf_channel(c, "alipay");
	b = conf_channel(c, "union_pay.cn");
	assert_ptr_equal(a, &c->channels[0]);
	assert_ptr_equal(b, &c->channels[1]);
	assert_null(conf_channel(c, "wechat"));
	assert_null(conf_channel(c, "ALIPAY"));
	assert_string_equal(a->format, "alipay-trade");
	assert_string_equal(a->source, "https://example.com/bill?date={date}#x");
	assert_string_equal(a->timezone, "America/Los_Angeles");
	assert_int_equal(a->cutoff, 23 * 60 + 30);
	assert_int_equal(a->grace_days, 0);
	assert_string_equal(a->rules, "strict");
	assert_int_equal(a->line, 7);
	assert_string_equal(b->format, "unionpay-fixed");
	assert_string_equal(b->source, "sftp://bank/{yyyy}/{mm}/{dd}.txt");
	assert_string_equal(b->timezone, "-05:00");
	assert_int_equal(b->cutoff, 4 * 60 + 5);
	assert_int_equal(b->grace_days, 365);
	assert_string_equal(b->rules, "default");
	assert_int_equal(b->line, 14);
	conf_free(c);
	sb_release(&err);
}

static void test_every_error_reported(void **state)
{
	struct strbuf err;
	struct conf *c;
	const char *tz;

	(void)state;
	write_file("bad/recon.conf",
		   "stray = 1\n"                         /* 1 */
		   "[ledger]\n"                          /* 2 */
		   "\tdatabase = a.db\n"                 /* 3 */
		   "\tdatabase = b.db\n"                 /* 4 */
		   "\tpath = x\n"                        /* 5 */
		   "[ledgers]\n"                         /* 6 */
		   "\tignored = 1\n"                     /* 7 */
		   "[output \"x\"]\n"                    /* 8 */
		   "\tdir = y\n"                         /* 9 */
		   "[channel]\n"                         /* 10 */
		   "\tformat = z\n"                      /* 11 */
		   "[channel \"wechat\"]\n"              /* 12 */
		   "\tformat = wechat-trade\n"           /* 13 */
		   "\tcutoff = 25:00\n"                  /* 14 */
		   "\tgrace-days = -1\n"                 /* 15 */
		   "\ttimezone = Mars/Olympus_Mons\n"    /* 16 */
		   "\trules =\n"                         /* 17 */
		   "[channel \"wechat\"]\n"              /* 18 */
		   "\tformat = x\n"                      /* 19 */
		   "\tsource = y\n"                      /* 20 */
		   "\tcutoff = 7:00\n"                   /* 21 */
		   "\tgrace-days = 1.5\n"                /* 22 */
		   "[channel \"we chat\"]\n"             /* 23 */
		   "\tformat = x\n"                      /* 24 */
		   "\tsource = y\n"                      /* 25 */
		   "\tbad line\n"                        /* 26 */
		   "[archive]\n"                         /* 27 */
		   "\tdir = \"\"\n"                      /* 28 */
		   "\tgrace-days = 2\n");                /* 29 */
	c = load("bad/recon.conf", &err);
	assert_null(c);
	assert_int_equal(diag_status(), RX_USAGE);
	/* The zone module words its own reason; ours is the part around it. */
	tz = strstr(err.buf, "recon: bad/recon.conf:16: error: [channel \"wechat\"] timezone: "
			     "\"Mars/Olympus_Mons\": ");
	assert_non_null(tz);
	tz = strstr(tz, "; write an offset like +08:00 or a zone name like Asia/Shanghai\n"
			"recon: bad/recon.conf:17: ");
	assert_non_null(tz);
	assert_string_equal(strstr(err.buf, "recon: bad/recon.conf:17: "),
		"recon: bad/recon.conf:17: error: [channel \"wechat\"] rules: empty value\n"
		"recon: bad/recon.conf:18: error: [channel \"wechat\"]: channel already declared at line 12\n"
		"recon: bad/recon.conf:21: error: [channel \"wechat\"] cutoff: \"7:00\" is not a time of day HH:MM from 00:00 to 23:59\n"
		"recon: bad/recon.conf:22: error: [channel \"wechat\"] grace-days: \"1.5\" is not a whole number from 0 to 365\n"
		"recon: bad/recon.conf:23: error: [channel \"we chat\"]: channel name may only have letters, digits, '-', '_' and '.'\n"
		"recon: bad/recon.conf:26: error: \"bad line\": missing '='\n"
		"recon: bad/recon.conf:28: error: [archive] dir: empty value\n"
		"recon: bad/recon.conf:29: error: [archive] grace-days: unknown key\n"
		"recon: bad/recon.conf:12: error: [channel \"wechat\"]: source is required\n");
	*strstr(err.buf, "recon: bad/recon.conf:16: ") = '\0';
	assert_string_equal(err.buf,
		"recon: bad/recon.conf:1: error: stray: key outside any section; put it under [ledger], [archive], [output], [run] or [channel \"NAME\"]\n"
		"recon: bad/recon.conf:4: error: [ledger] database: set twice (first at line 3)\n"
		"recon: bad/recon.conf:5: error: [ledger] path: unknown key\n"
		"recon: bad/recon.conf:6: error: [ledgers]: unknown section (known: [ledger], [archive], [output], [run], [channel \"NAME\"])\n"
		"recon: bad/recon.conf:8: error: [output \"x\"]: [output] takes no name\n"
		"recon: bad/recon.conf:10: error: [channel]: a channel needs a name: [channel \"NAME\"]\n"
		"recon: bad/recon.conf:14: error: [channel \"wechat\"] cutoff: \"25:00\" is not a time of day HH:MM from 00:00 to 23:59\n"
		"recon: bad/recon.conf:15: error: [channel \"wechat\"] grace-days: \"-1\" is not a whole number from 0 to 365\n");
	sb_release(&err);
}

static void test_missing_format_and_source(void **state)
{
	struct strbuf err;
	struct conf *c;

	(void)state;
	write_file("recon.conf",
		   "[channel \"a\"]\n"
		   "\tsource = x\n"
		   "\n"
		   "[channel \"b\"]\n"
		   "\ttimezone = UTC\n");
	c = load(NULL, &err);
	assert_null(c);
	assert_string_equal(err.buf,
		"recon: recon.conf:1: error: [channel \"a\"]: format is required\n"
		"recon: recon.conf:4: error: [channel \"b\"]: format is required\n"
		"recon: recon.conf:4: error: [channel \"b\"]: source is required\n");
	assert_int_equal(diag_status(), RX_USAGE);
	sb_release(&err);
}

static void test_channel_names(void **state)
{
	struct strbuf err;
	struct conf *c;

	(void)state;
	write_file("recon.conf",
		   "[channel \"\"]\nformat = f\nsource = s\n"
		   "[channel \".hidden\"]\nformat = f\nsource = s\n"
		   "[channel \"abcdefghijklmnopqrstuvwxyz012345\"]\nformat = f\nsource = s\n"
		   "[channel \"abcdefghijklmnopqrstuvwxyz01234\"]\nformat = f\nsource = s\n"
		   "[channel \"微信\"]\nformat = f\nsource = s\n");
	c = load(NULL, &err);
	assert_null(c);
	assert_string_equal(err.buf,
		"recon: recon.conf:1: error: [channel \"\"]: empty channel name\n"
		"recon: recon.conf:4: error: [channel \".hidden\"]: channel name starts with '.' or '-'\n"
		"recon: recon.conf:7: error: [channel \"abcdefghijklmnopqrstuvwxyz012345\"]: channel name longer than 31 bytes\n"
		"recon: recon.conf:13: error: [channel \"微信\"]: channel name may only have letters, digits, '-', '_' and '.'\n");
	sb_release(&err);
}

static void test_values_checked_exactly(void **state)
{
	static const char *const bad[] = {
		"cutoff = 24:00", "cutoff = 12:60", "cutoff = 1200", "cutoff = 12:5",
		"cutoff = \" 12:00\"", "cutoff = 12:00:00", "cutoff = -1:00",
		"grace-days = 366", "grace-days = +1", "grace-days = \" 1\"",
		"grace-days = 1d", "grace-days = ", "timezone = +25:00",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct strbuf text = STRBUF_INIT, err;
		struct conf *c;

		sb_addf(&text, "[channel \"a\"]\nformat = f\nsource = s\n%s\n", bad[i]);
		write_file("recon.conf", text.buf);
		c = load(NULL, &err);
		if (c)
			fail_msg("accepted: %s", bad[i]);
		if (!strstr(err.buf, "recon: recon.conf:4: error: [channel \"a\"] "))
			fail_msg("%s: %s", bad[i], err.buf);
		sb_release(&text);
		sb_release(&err);
	}
}

static void test_relative_paths(void **state)
{
	struct strbuf err;
	struct conf *c;
	const char *const *dirs;
	size_t n, i;
	char *p;
	int found = 0;

	(void)state;
	write_file("shops/north/recon.conf", "[output]\ndir = ../shared-out\n");
	c = load("shops/north/recon.conf", &err);
	assert_non_null(c);
	p = conf_path(c, c->database);
	assert_string_equal(p, "shops/north/recon.db");
	free(p);
	p = conf_path(c, c->output_dir);
	assert_string_equal(p, "shops/north/../shared-out");
	free(p);
	p = conf_path(c, "/abs/file");
	assert_string_equal(p, "/abs/file");
	free(p);
	/* formats/ and rules/ of the workspace are searched. */
	n = datapath_dirs("formats", &dirs);
	for (i = 0; i < n; i++)
		found |= !strcmp(dirs[i], "shops/north/formats");
	assert_true(found);
	conf_free(c);
	sb_release(&err);

	write_file("recon.conf", "");
	c = load(NULL, &err);
	assert_non_null(c);
	p = conf_path(c, c->archive_dir);
	assert_string_equal(p, "archive");
	free(p);
	conf_free(c);
	sb_release(&err);
}

/* --config FILE, then $RECON_CONFIG, then ./recon.conf. */
static void test_lookup_order(void **state)
{
	struct strbuf err;
	struct conf *c;

	(void)state;
	c = load(NULL, &err);
	assert_null(c);
	assert_string_equal(err.buf,
		"recon: error: no recon.conf here; give --config FILE or run 'recon init DIR'\n");
	assert_int_equal(diag_status(), RX_USAGE);
	sb_release(&err);

	write_file("recon.conf", "[ledger]\ndatabase = here.db\n");
	write_file("env/recon.conf", "[ledger]\ndatabase = env.db\n");
	write_file("explicit.conf", "[ledger]\ndatabase = explicit.db\n");

	c = load(NULL, &err);
	assert_string_equal(c->database, "here.db");
	conf_free(c);
	sb_release(&err);

	setenv("RECON_CONFIG", "", 1);
	c = load(NULL, &err);
	assert_string_equal(c->database, "here.db");
	conf_free(c);
	sb_release(&err);

	setenv("RECON_CONFIG", "env/recon.conf", 1);
	c = load(NULL, &err);
	assert_string_equal(c->database, "env.db");
	assert_string_equal(c->dir, "env");
	conf_free(c);
	sb_release(&err);

	c = load("explicit.conf", &err);
	assert_string_equal(c->database, "explicit.db");
	assert_string_equal(c->dir, ".");
	conf_free(c);
	sb_release(&err);

	/* A named file that is missing is an error, not a fallback. */
	c = load("nope.conf", &err);
	assert_null(c);
	assert_string_equal(err.buf,
		"recon: nope.conf: error: cannot read: No such file or directory\n");
	sb_release(&err);
	setenv("RECON_CONFIG", "env/nope.conf", 1);
	c = load(NULL, &err);
	assert_null(c);
	assert_string_equal(err.buf,
		"recon: env/nope.conf: error: cannot read: No such file or directory\n");
	assert_int_equal(diag_status(), RX_USAGE);
	sb_release(&err);
	unsetenv("RECON_CONFIG");
}

/* What `recon init` writes must load, and explain every key it knows. */
static void test_template(void **state)
{
	static const char *const keys[] = {
		"[ledger]", "database = ", "[archive]", "[output]", "dir = ",
		"[channel \"example\"]", "format = canonical-csv", "source = ",
		"timezone = ", "cutoff = ", "grace-days = ", "rules = ",
		"{date}", "{yyyymmdd}", "{yymmdd}", "{yyyy}", "{mm}", "{dd}",
	};
	struct strbuf err;
	struct conf *c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strstr(conf_template(), keys[i]))
			fail_msg("template lacks %s", keys[i]);
	write_file("recon.conf", conf_template());
	c = load(NULL, &err);
	assert_string_equal(err.buf, "");
	assert_non_null(c);
	assert_string_equal(c->database, "recon.db");
	assert_string_equal(c->archive_dir, "archive");
	assert_string_equal(c->output_dir, "out");
	assert_int_equal(c->nchannels, 1);
	assert_string_equal(c->channels[0].name, "example");
	assert_string_equal(c->channels[0].format, "canonical-csv");
	assert_string_equal(c->channels[0].source, "statements/example/{yyyymmdd}.csv");
	assert_string_equal(c->channels[0].timezone, "+08:00");
	assert_int_equal(c->channels[0].cutoff, 0);
	assert_int_equal(c->channels[0].grace_days, 1);
	assert_string_equal(c->channels[0].rules, "default");
	conf_free(c);
	sb_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_error_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_format_and_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values_checked_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
