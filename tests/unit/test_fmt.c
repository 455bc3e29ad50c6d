/* test_fmt.c: the .fmt loader: every directive, every error with file:line,
 * lookup by name through the data path, and the listing of formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "../../src/decode/fmt.h"
#include "recon/datapath.h"
#include "recon/decode.h"
#include "recon/diag.h"
#include "recon/strbuf.h"
#include "recon/tz.h"
#include "recon/util.h"


static int setup(void **state)
{
	(void)state;
	if (scratch_enter("test_fmt") < 0)
		return -1;
	setenv("RECON_FORMAT_PATH", "a:b", 1);
	datapath_set_workspace(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_leave();
}

/* Redirect stderr into a temporary file while fn runs. */
/* Load text written to path; stderr in err. */
static struct format *load_text(const char *path, const char *text, struct strbuf *err)
{
	struct format *f;
	FILE *tmp;
	int saved;

	write_file(path, text);
	diag_reset();
	capture_begin(&tmp, &saved);
	f = format_load(path);
	capture_end(tmp, saved, err);
	return f;
}

#define MINIMAL_FIELDS \
	"[field \"order_code\"]\n\tcolumn = order\n" \
	"[field \"amount\"]\n\tcolumn = amount\n" \
	"[field \"currency\"]\n\tvalue = CNY\n" \
	"[field \"time\"]\n\tcolumn = time\n"

static void test_minimal_defaults(void **state)
{
	struct strbuf err;
	struct format *f;
	const struct fmt_source *s;

	(void)state;
	f = load_text("./x.fmt", "[format]\n\tkind = csv\n" MINIMAL_FIELDS, &err);
	assert_string_equal(err.buf, "");
	assert_non_null(f);
	assert_string_equal(format_name(f), "x");
	assert_string_equal(format_description(f), "");
	assert_string_equal(format_kind(f), "csv");
	assert_string_equal(format_path(f), "./x.fmt");
	assert_int_equal(f->separator, ',');
	assert_int_equal(f->quote, '"');
	assert_int_equal(f->header, 1);
	assert_int_equal(f->skip_lines, 0);
	assert_null(f->comment);
	assert_null(f->entry);
	assert_null(f->start.code);
	assert_null(f->stop.code);
	assert_int_equal(f->encoding, ENC_UTF8);
	/* Fields not given: the engine's defaults apply (PAY, SUCCESS, 0). */
	assert_null(fmt_source_for(f, F_KIND, -1));
	assert_null(fmt_source_for(f, F_STATUS, KIND_PAY));
	assert_null(fmt_source_for(f, F_FEE, KIND_PAY));
	s = fmt_source_for(f, F_AMOUNT, KIND_REFUND);
	assert_non_null(s);
	assert_int_equal(s->ncolumns, 1);
	assert_string_equal(s->columns[0], "amount");
	assert_int_equal(s->optional, 0);
	assert_int_equal(s->sign, SIGN_AS_IS);
	assert_int_equal(s->money.decimal, '.');
	assert_int_equal(s->money.group, ',');
	assert_int_equal(s->money.round, ROUND_EXACT);
	assert_int_equal(s->money.minor, 0);
	s = fmt_source_for(f, F_TIME, KIND_PAY);
	/* iso8601 may carry an offset: the zone then comes from the text. */
	assert_null(s->pattern);
	assert_int_equal(s->zone_from_text, 1);
	assert_int_equal(s->needs_year, 0);
	assert_string_equal(fmt_source_for(f, F_CURRENCY, KIND_PAY)->value, "CNY");
	format_free(f);
	sb_release(&err);
}

static void test_format_directives(void **state)
{
	struct strbuf err;
	struct format *f;

	(void)state;
	f = load_text("./alipay.fmt",
		      "# a comment\n"
		      "[format]\n"
		      "\tname = alipay\n"
		      "\tdescription = \"Alipay trade bill  (details)\"\n"
		      "\tkind = csv\n"
		      "\tencoding = utf-8\n"
		      "\tseparator = \"\\t\"\n"
		      "\tquote = '\n"
		      "\theader = yes\n"
		      "\tskip-lines = 4\n"
		      "\tcomment = \"#\"\n"
		      "\tentry = 业务明细\\.csv$\n"
		      "\tstart = 业务明细列表-\n"
		      "\tstop = 业务明细列表结束\n"
		      "\tstrip = `\n"
		      "\tskip-line = ^合计\n"
		      "\tskip-line = ^小计\n"
		      MINIMAL_FIELDS, &err);
	assert_string_equal(err.buf, "");
	assert_non_null(f);
	assert_string_equal(format_name(f), "alipay");
	assert_string_equal(format_description(f), "Alipay trade bill  (details)");
	assert_int_equal(f->separator, '\t');
	assert_int_equal(f->quote, '\'');
	assert_int_equal(f->skip_lines, 4);
	assert_string_equal(f->comment, "#");
	assert_string_equal(f->entry, "业务明细\\.csv$");
	assert_non_null(f->start.code);
	assert_string_equal(f->start.text, "业务明细列表-");
	assert_int_equal(f->start.line, 13);
	assert_non_null(f->stop.code);
	assert_string_equal(f->strip, "`");
	assert_int_equal(f->nskip_line, 2);
	assert_string_equal(f->skip_line[1].text, "^小计");
	format_free(f);
	sb_release(&err);

	/* "tab", "none", header = no with indexes. */
	f = load_text("./t.fmt",
		      "[format]\n\tkind = csv\n\tseparator = tab\n\tquote = none\n"
		      "\theader = no\n"
		      "[field \"order_code\"]\n\tindex = 2\n"
		      "[field \"amount\"]\n\tindex = 3\n"
		      "[field \"currency\"]\n\tvalue = USD\n"
		      "[field \"time\"]\n\tindex = 1\n"
		      "[skip]\n\t4 = ^x$\n", &err);
	assert_string_equal(err.buf, "");
	assert_non_null(f);
	assert_int_equal(f->separator, '\t');
	assert_int_equal(f->quote, 0);
	assert_int_equal(f->header, 0);
	assert_int_equal(fmt_source_for(f, F_ORDER_CODE, -1)->index, 2);
	assert_int_equal(f->nskips, 1);
	assert_int_equal(f->skips[0].index, 4);
	format_free(f);
	sb_release(&err);
}

static void test_field_directives(void **state)
{
	struct strbuf err;
	struct format *f;
	const struct fmt_source *s;

	(void)state;
	f = load_text("./u.fmt",
		      "[format]\n\tkind = csv\n"
		      "[field \"kind\"]\n\tcolumn = 交易代码\n\tdefault = PAY\n"
		      "[map \"kind\"]\n\tS22 = PAY\n\tS30 = REFUND\n\t\"a=b\" = FEE\n"
		      "[field \"order_code\"]\n\tcolumn = 商户订单号\n\tcolumn = orderId\n"
		      "\tstrip = \"` \"\n"
		      "[field \"order_code for REFUND\"]\n\tcolumn = 原始交易订单号\n"
		      "[field \"refund_code for REFUND\"]\n\tcolumn = 商户订单号\n"
		      "[field \"amount\"]\n\tcolumn = 交易金额\n\tunit = minor\n\tsign = cd\n"
		      "[field \"fee\"]\n\tcolumn = 手续费\n\toptional = yes\n\tsign = dc\n"
		      "\tdecimal = ,\n\tgroup = .\n\tround = half-even\n"
		      "[field \"currency\"]\n\tcolumn = 币种\n"
		      "[map \"currency\"]\n\t人民币 = CNY\n"
		      "[field \"status\"]\n\tvalue = SUCCESS\n"
		      "[field \"status for REFUND\"]\n\tcolumn = 退款状态\n"
		      "[map \"status for REFUND\"]\n\t成功 = SUCCESS\n\t处理中 = PENDING\n"
		      "[field \"time\"]\n\tcolumn = 交易传输时间\n\tpattern = %m%d%H%M%S\n"
		      "\tzone = Asia/Shanghai\n"
		      "[field \"paid_time\"]\n\tcolumn = paid\n\toptional = true\n"
		      "\tpattern = %Y-%m-%dT%H:%M:%S%z\n\tzone = from-text\n"
		      "[field \"channel\"]\n\tvalue = unionpay\n"
		      "[field \"channel_txn_id\"]\n\tcolumn = queryId\n"
		      "[skip]\n\t交易代码 = ^S9\n\t交易代码 = ^X\n",
		      &err);
	assert_string_equal(err.buf, "");
	assert_non_null(f);

	s = fmt_source_for(f, F_KIND, -1);
	assert_string_equal(s->defval, "PAY");
	assert_int_equal(s->has_map, 1);
	assert_int_equal(s->nmap, 3);
	assert_string_equal(s->map[1].from, "S30");
	assert_string_equal(s->map[1].to, "REFUND");
	assert_string_equal(s->map[2].from, "a=b");

	/* Aliases in order; the per-kind source replaces the default one. */
	s = fmt_source_for(f, F_ORDER_CODE, KIND_PAY);
	assert_int_equal(s->ncolumns, 2);
	assert_string_equal(s->columns[1], "orderId");
	assert_string_equal(s->strip, "` ");
	assert_int_equal(s->for_kind, -1);
	s = fmt_source_for(f, F_ORDER_CODE, KIND_REFUND);
	assert_string_equal(s->columns[0], "原始交易订单号");
	assert_int_equal(s->for_kind, KIND_REFUND);
	assert_null(fmt_source_for(f, F_REFUND_CODE, KIND_PAY));
	assert_non_null(fmt_source_for(f, F_REFUND_CODE, KIND_REFUND));

	s = fmt_source_for(f, F_AMOUNT, KIND_PAY);
	assert_int_equal(s->money.minor, 1);
	assert_int_equal(s->sign, SIGN_CD);
	s = fmt_source_for(f, F_FEE, KIND_PAY);
	assert_int_equal(s->optional, 1);
	assert_int_equal(s->sign, SIGN_DC);
	assert_int_equal(s->money.decimal, ',');
	assert_int_equal(s->money.group, '.');
	assert_int_equal(s->money.round, ROUND_HALF_EVEN);

	s = fmt_source_for(f, F_STATUS, KIND_PAY);
	assert_string_equal(s->value, "SUCCESS");
	s = fmt_source_for(f, F_STATUS, KIND_REFUND);
	assert_int_equal(s->nmap, 2);
	assert_string_equal(s->map[1].to, "PENDING");

	s = fmt_source_for(f, F_TIME, KIND_PAY);
	assert_string_equal(s->pattern, "%m%d%H%M%S");
	assert_int_equal(s->needs_year, 1);
	assert_ptr_equal(s->zone, tz_get("Asia/Shanghai", NULL));
	assert_int_equal(s->zone_from_text, 0);
	s = fmt_source_for(f, F_PAID_TIME, KIND_PAY);
	assert_int_equal(s->zone_from_text, 1);
	assert_int_equal(s->needs_year, 0);
	assert_int_equal(s->optional, 1);

	assert_int_equal(f->nskips, 2);
	assert_string_equal(f->skips[1].column, "交易代码");
	format_free(f);
	sb_release(&err);
}

static void test_totals(void **state)
{
	struct strbuf err;
	struct format *f;

	(void)state;
	f = load_text("./w.fmt",
		      "[format]\n\tkind = csv\n" MINIMAL_FIELDS
		      "[total \"all\"]\n"
		      "\tline = ^`(?<count>\\d+),`(?<amount>[\\d.]+),`(?<refund>[\\d.]+),`(?<fee>[\\d.]+)\n"
		      "[total \"refund\"]\n"
		      "\tline = ^#退款合计：(?<count>\\d+)笔，商家实收退款共(?<amount>-?[\\d.]+)元\n"
		      "\tkind = REFUND\n\tsign = negate\n\toptional = yes\n"
		      "\tdecimal = ,\n\tgroup = none\n\tunit = major\n", &err);
	assert_string_equal(err.buf, "");
	assert_non_null(f);
	assert_int_equal(f->ntotals, 2);
	assert_string_equal(f->totals[0].name, "all");
	assert_int_equal(f->totals[0].kind, -1);
	assert_true(f->totals[0].g_count > 0);
	assert_true(f->totals[0].g_amount > 0);
	assert_true(f->totals[0].g_fee > 0);
	assert_int_equal(f->totals[1].kind, KIND_REFUND);
	assert_int_equal(f->totals[1].negate, 1);
	assert_int_equal(f->totals[1].optional, 1);
	assert_int_equal(f->totals[1].g_fee, 0);
	assert_int_equal(f->totals[1].money.decimal, ',');
	assert_int_equal(f->totals[1].money.group, 0);
	format_free(f);
	sb_release(&err);
}

/* One broken line at a time: the message names the file and the line. */
static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "[format]\n\tkind = csv\n\tcolour = red\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: colour: unknown key in [format]\n" },
		{ "[format]\n\tkind = csv\n\tkind = csv\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: kind: given twice\n" },
		{ "[format]\n\tkind = fixed-ish\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:2: error: kind: 'fixed-ish' is not a known kind (csv, fixed)\n" },
		{ "[format]\n\tkind = csv\n[columns]\n\tcode = 0 3\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: [columns]: only for kind fixed\n" },
		{ "[format]\n\tkind = csv\n\tencoding = latin1\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: encoding: 'latin1' is not a known encoding (utf-8, gbk, gb18030)\n" },
		{ "[format]\n\tkind = csv\n\tseparator = ;;\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: separator: ';;' is not one character\n" },
		{ "[format]\n\tkind = csv\n\tquote = \"\"\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: quote: '' is not one character or none\n" },
		{ "[format]\n\tkind = csv\n\tseparator = |\n\tquote = |\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:1: error: [format]: quote and separator are the same character\n" },
		{ "[format]\n\tkind = csv\n\theader = maybe\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: header: 'maybe' is not yes or no\n" },
		{ "[format]\n\tkind = csv\n\tskip-lines = -1\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: skip-lines: '-1' is not a number of lines\n" },
		{ "[format]\n\tkind = csv\n\tcomment = #\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: comment: empty prefix (write \"#\" in quotes)\n" },
		{ "[format]\n\tkind = csv\n\tstart = (unclosed\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: start: bad pattern at offset 9: missing closing parenthesis\n" },
		{ "[format]\n\tkind = csv\n\tname = other\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:1: error: name: 'other' differs from the file name 'e'\n" },
		{ "[format]\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:1: error: [format]: no kind (csv, fixed)\n" },
		{ MINIMAL_FIELDS,
		  "recon: ./e.fmt: error: no [format] section\n" },
		{ "kind = csv\n[format]\n\tkind = csv\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:1: error: kind: key outside a section (begin with [format])\n" },
		{ "[format]\n\tkind = csv\n[formats]\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: [formats]: unknown section (format, field, map, skip, total, symbols, zones, layout, columns)\n" },
		{ "[format]\n\tkind = csv\n[format]\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: [format] given twice\n" },
		{ "[format]\n\tkind = csv\n[field \"amonut\"]\n\tcolumn = x\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: [field \"amonut\"]: unknown field (channel, kind, "
		  "order_code, refund_code, channel_txn_id, amount, currency, fee, status, time, "
		  "paid_time)\n" },
		{ "[format]\n\tkind = csv\n[field]\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: [field] needs a field name: [field \"amount\"]\n" },
		{ "[format]\n\tkind = csv\n[field \"fee for REFUNDS\"]\n\tvalue = 0\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: [field \"fee for REFUNDS\"]: 'REFUNDS' is not a kind "
		  "(PAY, REFUND, REVERSAL, FEE, ADJUSTMENT)\n" },
		{ "[format]\n\tkind = csv\n[field \"kind for REFUND\"]\n\tvalue = PAY\n" MINIMAL_FIELDS,
		  "recon: ./e.fmt:3: error: [field \"kind for REFUND\"]: the kind cannot depend on "
		  "the kind\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"amount\"]\n\tcolumn = y\n",
		  "recon: ./e.fmt:11: error: [field \"amount\"] given twice\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\toptional = yes\n",
		  "recon: ./e.fmt:11: error: [field \"fee\"]: no column, index or value\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn = a\n\tvalue = 0\n",
		  "recon: ./e.fmt:11: error: [field \"fee\"]: give one of column, index or value\n" },
		{ "[format]\n\tkind = csv\n\theader = no\n"
		  "[field \"order_code\"]\n\tcolumn = order\n"
		  "[field \"amount\"]\n\tindex = 1\n"
		  "[field \"currency\"]\n\tvalue = CNY\n"
		  "[field \"time\"]\n\tindex = 2\n",
		  "recon: ./e.fmt:4: error: [field \"order_code\"]: column needs header = yes; "
		  "use index\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn = f\n\tcolour = red\n",
		  "recon: ./e.fmt:13: error: colour: unknown key in [field \"fee\"]\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn = f\n"
		  "\toptional = yes\n\toptional = no\n",
		  "recon: ./e.fmt:14: error: optional: given twice\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn = f\n"
		  "\toptional = perhaps\n",
		  "recon: ./e.fmt:13: error: optional: 'perhaps' is not yes or no\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tindex = 0\n",
		  "recon: ./e.fmt:12: error: index: '0' is not a column number (1, 2, ...)\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn =\n",
		  "recon: ./e.fmt:12: error: column: empty name\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"channel\"]\n\tcolumn = c\n"
		  "\tunit = major\n",
		  "recon: ./e.fmt:13: error: unit: only for money fields (amount, fee)\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn = f\n"
		  "\tpattern = %Y\n",
		  "recon: ./e.fmt:13: error: pattern: only for time fields (time, paid_time)\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn = f\n"
		  "\tunit = cents\n",
		  "recon: ./e.fmt:13: error: unit: 'cents' is not major or minor\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn = f\n"
		  "\tdecimal = 5\n",
		  "recon: ./e.fmt:13: error: decimal: '5' is not one character\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn = f\n"
		  "\tgroup = ab\n",
		  "recon: ./e.fmt:13: error: group: 'ab' is not one character or none\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn = f\n"
		  "\tdecimal = ,\n",
		  "recon: ./e.fmt:11: error: [field \"fee\"]: decimal and group are the same "
		  "character\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn = f\n"
		  "\tround = nearest\n",
		  "recon: ./e.fmt:13: error: round: 'nearest' is not exact, half-up, half-even or "
		  "down\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee\"]\n\tcolumn = f\n"
		  "\tsign = flip\n",
		  "recon: ./e.fmt:13: error: sign: 'flip' is not as-is, negate, negate-refund, cd "
		  "or dc\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"fee for REFUND\"]\n\tcolumn = f\n"
		  "\tsign = negate-refund\n",
		  "recon: ./e.fmt:13: error: sign: negate-refund in a per-kind section; use negate "
		  "or as-is\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"paid_time\"]\n\tcolumn = p\n"
		  "\tpattern = %Y-%m-%d %q\n\tzone = UTC\n",
		  "recon: ./e.fmt:13: error: pattern: unknown conversion '%q'\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"paid_time\"]\n\tcolumn = p\n"
		  "\tzone = Mars/Olympus\n",
		  NULL /* the reason is tz.c's */ },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"paid_time\"]\n\tcolumn = p\n"
		  "\tpattern = %Y-%m-%d %H:%M\n",
		  "recon: ./e.fmt:11: error: [field \"paid_time\"]: no zone, and the pattern has "
		  "no %z\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"paid_time\"]\n\tcolumn = p\n"
		  "\tpattern = %Y-%m-%d %H:%M\n\tzone = from-text\n",
		  "recon: ./e.fmt:11: error: [field \"paid_time\"]: zone = from-text, but the "
		  "pattern has no %z\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"kind\"]\n\tcolumn = k\n"
		  "[map \"kind\"]\n\t交易 = PAYMENT\n",
		  "recon: ./e.fmt:14: error: 交易: 'PAYMENT' is not a kind (PAY, REFUND, REVERSAL, "
		  "FEE, ADJUSTMENT)\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"kind\"]\n\tcolumn = k\n"
		  "[map \"kind\"]\n\t交易 = PAY\n\t交易 = REFUND\n",
		  "recon: ./e.fmt:15: error: 交易: mapped twice\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"kind\"]\n\tcolumn = k\n"
		  "[map \"kind\"]\n\ta = PAY\n[map \"kind\"]\n",
		  "recon: ./e.fmt:15: error: [map \"kind\"] given twice\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[map \"status\"]\n\tOK = SUCCESS\n",
		  "recon: ./e.fmt:11: error: [map \"status\"] without a [field \"status\"] section\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"status\"]\n\tcolumn = s\n"
		  "\tdefault = DONE\n",
		  "recon: ./e.fmt:13: error: default: 'DONE' is not a status (SUCCESS, PENDING, "
		  "CLOSED, FAILED)\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[field \"currency for FEE\"]\n"
		  "\tvalue = RMB\n[map \"currency for FEE\"]\n\tx = YUAN\n",
		  "recon: ./e.fmt:14: error: x: 'YUAN' is not an ISO 4217 currency code\n" },
		{ "[format]\n\tkind = csv\n"
		  "[field \"order_code\"]\n\tcolumn = order\n"
		  "[field \"currency\"]\n\tvalue = CNY\n"
		  "[field \"time\"]\n\tcolumn = time\n",
		  "recon: ./e.fmt: error: no [field \"amount\"] section\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[total]\n",
		  "recon: ./e.fmt:11: error: [total] needs a name: [total \"pay\"]\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[total \"t\"]\n\tkind = PAY\n",
		  "recon: ./e.fmt:11: error: [total \"t\"]: no line pattern\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[total \"t\"]\n\tline = ^total (\\d+)\n",
		  "recon: ./e.fmt:12: error: line: the pattern names no group (?<count>...), "
		  "(?<amount>...) or (?<fee>...)\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[total \"t\"]\n"
		  "\tline = ^(?<count>\\d+)\n\tkind = ALL\n",
		  "recon: ./e.fmt:13: error: kind: 'ALL' is not a kind (PAY, REFUND, REVERSAL, "
		  "FEE, ADJUSTMENT)\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[total \"t\"]\n"
		  "\tline = ^(?<count>\\d+)\n\tsign = negate-refund\n",
		  "recon: ./e.fmt:13: error: sign: 'negate-refund' is not as-is or negate\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[total \"t\"]\n"
		  "\tline = ^(?<count>\\d+)\n\tround = down\n",
		  "recon: ./e.fmt:13: error: round: unknown key in [total \"t\"]\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[total \"t\"]\n"
		  "\tline = ^(?<count>\\d+)\n[total \"t\"]\n",
		  "recon: ./e.fmt:13: error: [total \"t\"] given twice\n" },
		{ "[format]\n\tkind = csv\n\theader = no\n"
		  "[field \"order_code\"]\n\tindex = 1\n"
		  "[field \"amount\"]\n\tindex = 2\n"
		  "[field \"currency\"]\n\tvalue = CNY\n"
		  "[field \"time\"]\n\tindex = 3\n"
		  "[skip]\n\tType = ^x\n",
		  "recon: ./e.fmt:13: error: Type: with header = no, [skip] keys are column "
		  "numbers\n" },
		{ "[format]\n\tkind = csv\n" MINIMAL_FIELDS "[skip]\n\tType = [x\n",
		  "recon: ./e.fmt:12: error: Type: bad pattern at offset 2: missing terminating ] "
		  "for character class\n" },
	};
	static const char zone_prefix[] = "recon: ./e.fmt:13: error: zone: 'Mars/Olympus': ";
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err;
		struct format *f = load_text("./e.fmt", cases[i].text, &err);

		if (f)
			fail_msg("case %zu loaded: %s", i, cases[i].text);
		if (cases[i].message && strcmp(err.buf, cases[i].message))
			fail_msg("case %zu:\n got: %s want: %s", i, err.buf, cases[i].message);
		if (!cases[i].message && strncmp(err.buf, zone_prefix, strlen(zone_prefix)))
			fail_msg("case %zu: got: %s", i, err.buf);
		assert_int_equal(diag_status(), RX_USAGE);
		sb_release(&err);
	}
}

/* Every mistake is shown, not only the first. */
static void test_every_error_reported(void **state)
{
	struct strbuf err;
	struct format *f;

	(void)state;
	f = load_text("./e.fmt",
		      "[format]\n\tkind = csv\n\tquote = ab\n"
		      "[field \"amount\"]\n\tcolumn = a\n\tunit = cents\n"
		      "[field \"time\"]\n\tcolumn = t\n\tpattern = %d/%m\n",
		      &err);
	assert_null(f);
	assert_string_equal(err.buf,
		"recon: ./e.fmt:3: error: quote: 'ab' is not one character or none\n"
		"recon: ./e.fmt:6: error: unit: 'cents' is not major or minor\n"
		"recon: ./e.fmt: error: no [field \"order_code\"] section\n"
		"recon: ./e.fmt: error: no [field \"currency\"] section\n"
		"recon: ./e.fmt:7: error: [field \"time\"]: no zone, and the pattern has no %z\n");
	sb_release(&err);

	/* INI syntax errors come from ini.c, with the same file:line. */
	f = load_text("./e.fmt", "[format\n\tkind = csv\n" MINIMAL_FIELDS, &err);
	assert_null(f);
	assert_true(!strncmp(err.buf, "recon: ./e.fmt:1: error: ", 25));
	sb_release(&err);
}

static void test_load_by_name(void **state)
{
	struct strbuf err;
	struct format *f;
	FILE *tmp;
	int saved;

	(void)state;
	write_file("a/one.fmt", "[format]\n\tkind = csv\n\tdescription = from a\n" MINIMAL_FIELDS);
	write_file("b/one.fmt", "[format]\n\tkind = csv\n\tdescription = from b\n" MINIMAL_FIELDS);
	write_file("b/two.fmt", "[format]\n\tkind = csv\n\tdescription = from b\n" MINIMAL_FIELDS);
	f = format_load("one");
	assert_non_null(f);
	assert_string_equal(format_description(f), "from a");
	assert_string_equal(format_path(f), "a/one.fmt");
	format_free(f);
	f = format_load("two");
	assert_non_null(f);
	assert_string_equal(format_path(f), "b/two.fmt");
	format_free(f);

	diag_reset();
	capture_begin(&tmp, &saved);
	f = format_load("three");
	capture_end(tmp, saved, &err);
	assert_null(f);
	assert_string_equal(err.buf,
		"recon: error: no format named 'three' (recon formats lists them)\n");
	assert_int_equal(diag_status(), RX_USAGE);
	sb_release(&err);

	diag_reset();
	capture_begin(&tmp, &saved);
	f = format_load("./nowhere.fmt");
	capture_end(tmp, saved, &err);
	assert_null(f);
	assert_string_equal(err.buf,
		"recon: ./nowhere.fmt: error: cannot read: No such file or directory\n");
	sb_release(&err);
}

struct seen {
	struct strbuf sb;
};

static void on_format(const char *name, const char *path, const char *description, void *ctx)
{
	struct seen *s = ctx;

	sb_addf(&s->sb, "%s %s %s\n", name, path, description ? description : "(null)");
}

static void test_list(void **state)
{
	struct seen s = { STRBUF_INIT };
	FILE *tmp;
	struct strbuf err;
	int saved, n;

	(void)state;
	write_file("a/zeta.fmt", "[format]\n\tkind = csv\n\tdescription = z\n" MINIMAL_FIELDS);
	write_file("a/one.fmt", "[format]\n\tkind = csv\n\tdescription = from a\n" MINIMAL_FIELDS);
	write_file("a/notes.txt", "not a format\n");
	write_file("b/one.fmt", "[format]\n\tkind = csv\n\tdescription = from b\n" MINIMAL_FIELDS);
	write_file("b/broken.fmt", "[format]\n\tkind = tsv\n" MINIMAL_FIELDS);
	write_file("b/.hidden.fmt", "[format]\n\tkind = csv\n" MINIMAL_FIELDS);
	diag_reset();
	capture_begin(&tmp, &saved);
	n = format_list(on_format, &s);
	capture_end(tmp, saved, &err);
	assert_int_equal(n, 3);
	assert_string_equal(s.sb.buf,
			    "broken b/broken.fmt (null)\n"
			    "one a/one.fmt from a\n"
			    "zeta a/zeta.fmt z\n");
	assert_string_equal(err.buf,
		"recon: b/broken.fmt:2: error: kind: 'tsv' is not a known kind (csv, fixed)\n");
	sb_release(&s.sb);
	sb_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_minimal_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_directives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_directives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_error_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
