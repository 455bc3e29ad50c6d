/* test_ini.c: the INI reader shared by recon.conf, formats and rules. */
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
#include "recon/ini.h"
#include "recon/strbuf.h"
#include "recon/util.h"

/* What the callback saw, one line per item, and what went to stderr. */
struct seen {
	struct strbuf items;
	struct strbuf err;
	int stop_at;    /* return 7 at this line */
	int rc;
};

static int record(const struct ini_item *it, void *ctx)
{
	struct seen *s = ctx;

	sb_addf(&s->items, "%s:%lld [%s", it->file, (long long)it->line, it->section);
	if (it->sub)
		sb_addf(&s->items, " \"%s\"", it->sub);
	sb_adds(&s->items, "]");
	if (it->key)
		sb_addf(&s->items, " <%s>=<%s>", it->key, it->value);
	sb_addc(&s->items, '\n');
	return it->line == s->stop_at ? 7 : 0;
}

/* Run f on s with stderr sent to a temporary file, read back into s->err. */
static void capture(struct seen *s, int (*f)(struct seen *, const void *), const void *arg)
{
	FILE *tmp = tmpfile();
	int saved;
	char buf[4096];
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	s->rc = f(s, arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		sb_add(&s->err, buf, n);
	fclose(tmp);
}

static int parse_text(struct seen *s, const void *text)
{
	return ini_parse("t.ini", text, strlen(text), record, s);
}

static void parse(struct seen *s, const char *text)
{
	memset(s, 0, sizeof(*s));
	sb_init(&s->items, 0);
	sb_init(&s->err, 0);
	diag_reset();
	capture(s, parse_text, text);
}

static void done(struct seen *s)
{
	sb_release(&s->items);
	sb_release(&s->err);
}

static void test_sections_keys_comments(void **state)
{
	struct seen s;

	(void)state;
	parse(&s,
	      "# a comment\n"
	      "; another\n"
	      "\n"
	      "   \t\n"
	      "top = level\n"
	      "[ledger]\n"
	      "\tdatabase = recon.db   # trailing comment\n"
	      "  [channel \"wechat pay\"]   ; after the header\n"
	      "format=wechat-trade\n"
	      "  grace-days   =   2  \n"
	      "[channel \"\"]\n"
	      "[ spaced ]\n"
	      "    # indented comment\n"
	      "k = v\n");
	assert_int_equal(s.rc, 0);
	assert_string_equal(s.items.buf,
			    "t.ini:5 [] <top>=<level>\n"
			    "t.ini:6 [ledger]\n"
			    "t.ini:7 [ledger] <database>=<recon.db>\n"
			    "t.ini:8 [channel \"wechat pay\"]\n"
			    "t.ini:9 [channel \"wechat pay\"] <format>=<wechat-trade>\n"
			    "t.ini:10 [channel \"wechat pay\"] <grace-days>=<2>\n"
			    "t.ini:11 [channel \"\"]\n"
			    "t.ini:12 [spaced]\n"
			    "t.ini:14 [spaced] <k>=<v>\n");
	assert_string_equal(s.err.buf, "");
	assert_int_equal(diag_status(), RX_OK);
	done(&s);
}

/* A new header without a name clears the previous subsection. */
static void test_sub_does_not_leak(void **state)
{
	struct seen s;

	(void)state;
	parse(&s, "[a \"x\"]\n[b]\nk = 1\n");
	assert_string_equal(s.items.buf,
			    "t.ini:1 [a \"x\"]\n"
			    "t.ini:2 [b]\n"
			    "t.ini:3 [b] <k>=<1>\n");
	done(&s);
}

static void test_hash_needs_a_blank_to_start_a_comment(void **state)
{
	struct seen s;

	(void)state;
	parse(&s,
	      "[s]\n"
	      "url = https://example.com/a#frag\n"
	      "k1 =#x\n"
	      "k2 = a # c\n"
	      "k3 = # only a comment\n"
	      "k4 =\n"
	      "k5 = a\t#tab before\n"
	      "k6 = a;b ; not a comment\n"
	      "k7 = x=y\n");
	assert_int_equal(s.rc, 0);
	assert_string_equal(s.items.buf,
			    "t.ini:1 [s]\n"
			    "t.ini:2 [s] <url>=<https://example.com/a#frag>\n"
			    "t.ini:3 [s] <k1>=<#x>\n"
			    "t.ini:4 [s] <k2>=<a>\n"
			    "t.ini:5 [s] <k3>=<>\n"
			    "t.ini:6 [s] <k4>=<>\n"
			    "t.ini:7 [s] <k5>=<a>\n"
			    "t.ini:8 [s] <k6>=<a;b ; not a comment>\n"
			    "t.ini:9 [s] <k7>=<x=y>\n");
	done(&s);
}

static void test_quoted_values(void **state)
{
	struct seen s;

	(void)state;
	parse(&s,
	      "[s]\n"
	      "a = \"  spaced  \"\n"
	      "b = \"# not a comment\"   # a comment\n"
	      "c = \"tab\\there\\nnewline \\\"q\\\" back\\\\slash\"\n"
	      "d = \"\"\n"
	      "e = \"x\"#comment right after\n"
	      "f = say \"hi\" there\n"
	      "[sub \"a \\\"q\\\" b\\\\\"]\n");
	assert_int_equal(s.rc, 0);
	assert_string_equal(s.items.buf,
			    "t.ini:1 [s]\n"
			    "t.ini:2 [s] <a>=<  spaced  >\n"
			    "t.ini:3 [s] <b>=<# not a comment>\n"
			    "t.ini:4 [s] <c>=<tab\there\nnewline \"q\" back\\slash>\n"
			    "t.ini:5 [s] <d>=<>\n"
			    "t.ini:6 [s] <e>=<x>\n"
			    "t.ini:7 [s] <f>=<say \"hi\" there>\n"
			    "t.ini:8 [sub \"a \"q\" b\\\"]\n");
	done(&s);
}

/* Format files name CSV columns, which may be Chinese or hold '=' or '#'. */
static void test_keys_any_text(void **state)
{
	struct seen s;

	(void)state;
	parse(&s,
	      "[columns]\n"
	      "交易时间 = time\n"
	      "商户订单号=order_code\n"
	      "order code = x\n"
	      "\"a=b\" = 1\n"
	      "\"# of items\" = 2\n"
	      "\" padded \"=3\n"
	      "a#b = 4\n"
	      "\"金额(元)\" = \"amount\"\n");
	assert_int_equal(s.rc, 0);
	assert_string_equal(s.items.buf,
			    "t.ini:1 [columns]\n"
			    "t.ini:2 [columns] <交易时间>=<time>\n"
			    "t.ini:3 [columns] <商户订单号>=<order_code>\n"
			    "t.ini:4 [columns] <order code>=<x>\n"
			    "t.ini:5 [columns] <a=b>=<1>\n"
			    "t.ini:6 [columns] <# of items>=<2>\n"
			    "t.ini:7 [columns] < padded >=<3>\n"
			    "t.ini:8 [columns] <a#b>=<4>\n"
			    "t.ini:9 [columns] <金额(元)>=<amount>\n");
	done(&s);
}

static void test_crlf_bom_and_last_line(void **state)
{
	struct seen s;

	(void)state;
	parse(&s, "\xEF\xBB\xBF[s]\r\nk = v\r\n\r\nq = \"x \"\r\nlast = no newline");
	assert_int_equal(s.rc, 0);
	assert_string_equal(s.items.buf,
			    "t.ini:1 [s]\n"
			    "t.ini:2 [s] <k>=<v>\n"
			    "t.ini:4 [s] <q>=<x >\n"
			    "t.ini:5 [s] <last>=<no newline>\n");
	done(&s);
}

/* The text need not be NUL-terminated: only len bytes are read. */
static int parse_prefix(struct seen *s, const void *text)
{
	return ini_parse("t.ini", text, 12, record, s);
}

static void test_length_is_respected(void **state)
{
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	sb_init(&s.items, 0);
	sb_init(&s.err, 0);
	capture(&s, parse_prefix, "[s]\nk = abcdXYZ\nz = 1\n");
	assert_int_equal(s.rc, 0);
	assert_string_equal(s.items.buf, "t.ini:1 [s]\nt.ini:2 [s] <k>=<abcd>\n");
	done(&s);
}

static void test_every_syntax_error_reported(void **state)
{
	struct seen s;

	(void)state;
	parse(&s,
	      "[ok]\n"                          /* 1 */
	      "good = 1\n"                      /* 2 */
	      "[unterminated\n"                 /* 3 */
	      "hidden = 1\n"                    /* 4: under a broken header */
	      "no equals sign\n"                /* 5 */
	      "[ok2]\n"                         /* 6 */
	      "k = \"open\n"                    /* 7 */
	      "\"open key = 1\n"                /* 8 */
	      "= nokey\n"                       /* 9 */
	      "k2 = \"a\" b\n"                  /* 10 */
	      "k3 = \"\\q\"\n"                  /* 11 */
	      "[x] junk\n"                      /* 12 */
	      "[]\n"                            /* 13 */
	      "[a b]\n"                         /* 14 */
	      "[c \"open]\n"                    /* 15 */
	      "[d \"x\"\n"                      /* 16 */
	      "\"qk\" v\n"                      /* 17 */
	      "[\n"                             /* 18 */
	      "[end]\n"                         /* 19 */
	      "fine = yes\n");                  /* 20 */
	assert_int_equal(s.rc, -1);
	assert_int_equal(diag_status(), RX_USAGE);
	assert_string_equal(s.err.buf,
			    "recon: t.ini:3: error: unterminated section header: missing ']'\n"
			    "recon: t.ini:5: error: \"no equals sign\": missing '='\n"
			    "recon: t.ini:7: error: k: unterminated quote\n"
			    "recon: t.ini:8: error: quoted key: unterminated quote\n"
			    "recon: t.ini:9: error: missing key before '='\n"
			    "recon: t.ini:10: error: k2: text after the closing quote\n"
			    "recon: t.ini:11: error: k3: unknown escape '\\q' (known: \\\" \\\\ \\t \\n)\n"
			    "recon: t.ini:12: error: section header: text after ']'\n"
			    "recon: t.ini:13: error: section header: empty section name\n"
			    "recon: t.ini:14: error: section header: expected ']' or a quoted name after \"a\"\n"
			    "recon: t.ini:15: error: section header: unterminated quote\n"
			    "recon: t.ini:16: error: unterminated section header: missing ']'\n"
			    "recon: t.ini:17: error: \"qk\": missing '='\n"
			    "recon: t.ini:18: error: unterminated section header: missing ']'\n");
	/* Good lines are still delivered, except keys under a broken header. */
	assert_string_equal(s.items.buf,
			    "t.ini:1 [ok]\n"
			    "t.ini:2 [ok] <good>=<1>\n"
			    "t.ini:6 [ok2]\n"
			    "t.ini:19 [end]\n"
			    "t.ini:20 [end] <fine>=<yes>\n");
	done(&s);
}

static const char nul_text[] = "[s]\nk = a\0b\nj = 2\n";

static int parse_nul(struct seen *s, const void *text)
{
	return ini_parse("t.ini", text, sizeof(nul_text) - 1, record, s);
}

static void test_nul_byte(void **state)
{
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	sb_init(&s.items, 0);
	sb_init(&s.err, 0);
	diag_reset();
	capture(&s, parse_nul, nul_text);
	assert_int_equal(s.rc, -1);
	assert_string_equal(s.err.buf, "recon: t.ini:2: error: line has a NUL byte\n");
	assert_string_equal(s.items.buf, "t.ini:1 [s]\nt.ini:3 [s] <j>=<2>\n");
	done(&s);
}

/* A callback's non-zero value stops the parse and is returned as it is. */
static void test_callback_stops(void **state)
{
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	sb_init(&s.items, 0);
	sb_init(&s.err, 0);
	s.stop_at = 2;
	capture(&s, parse_text, "[s]\na = 1\nb = 2\n[broken\n");
	assert_int_equal(s.rc, 7);
	assert_string_equal(s.items.buf, "t.ini:1 [s]\nt.ini:2 [s] <a>=<1>\n");
	assert_string_equal(s.err.buf, "");
	done(&s);
}

static int parse_path(struct seen *s, const void *path)
{
	return ini_parse_file(path, record, s);
}

static void test_parse_file(void **state)
{
	char dir[] = "/tmp/test_ini.XXXXXX";
	char *path, *missing;
	FILE *f;
	struct seen s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = path_join(dir, "a.ini");
	missing = path_join(dir, "missing.ini");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[s]\nk = v\n", f);
	fclose(f);

	memset(&s, 0, sizeof(s));
	sb_init(&s.items, 0);
	sb_init(&s.err, 0);
	capture(&s, parse_path, path);
	assert_int_equal(s.rc, 0);
	sb_reset(&s.err);
	sb_addf(&s.err, "%s:1 [s]\n%s:2 [s] <k>=<v>\n", path, path);
	assert_string_equal(s.items.buf, s.err.buf);
	done(&s);

	memset(&s, 0, sizeof(s));
	sb_init(&s.items, 0);
	sb_init(&s.err, 0);
	diag_reset();
	capture(&s, parse_path, missing);
	assert_int_equal(s.rc, -1);
	assert_int_equal(diag_status(), RX_USAGE);
	assert_string_equal(s.items.buf, "");
	sb_reset(&s.items);
	sb_addf(&s.items, "recon: %s: error: cannot read: No such file or directory\n", missing);
	assert_string_equal(s.err.buf, s.items.buf);
	done(&s);

	unlink(path);
	rmdir(dir);
	free(path);
	free(missing);
}

static void test_bool(void **state)
{
	(void)state;
	assert_int_equal(ini_bool("yes"), 1);
	assert_int_equal(ini_bool("True"), 1);
	assert_int_equal(ini_bool("ON"), 1);
	assert_int_equal(ini_bool("1"), 1);
	assert_int_equal(ini_bool("no"), 0);
	assert_int_equal(ini_bool("false"), 0);
	assert_int_equal(ini_bool("Off"), 0);
	assert_int_equal(ini_bool("0"), 0);
	assert_int_equal(ini_bool(""), -1);
	assert_int_equal(ini_bool("2"), -1);
	assert_int_equal(ini_bool("yess"), -1);
	assert_int_equal(ini_bool("y"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_keys_comments),
		cmocka_unit_test(test_sub_does_not_leak),
		cmocka_unit_test(test_hash_needs_a_blank_to_start_a_comment),
		cmocka_unit_test(test_quoted_values),
		cmocka_unit_test(test_keys_any_text),
		cmocka_unit_test(test_crlf_bom_and_last_line),
		cmocka_unit_test(test_length_is_respected),
		cmocka_unit_test(test_every_syntax_error_reported),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_bool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
