/*
 * input_names.c: archive entry names as UTF-8. Alipay and UnionPay zips
 * are made on Chinese Windows and store GBK names without the UTF-8 flag;
 * GB18030 is GBK's superset, so decoding as GB18030 covers both.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "recon/strbuf.h"
#include "recon/util.h"
#include "input_int.h"

/* Length of the valid UTF-8 sequence at s (shortest form, no surrogates,
 * at most U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
		       (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		/* A NUL ends the string, so a short sequence fails on it. */
		size_t k = utf8_seq(p);

		if (!k)
			return 0;
		p += k;
	}
	return 1;
}

char *input_name_utf8(const char *raw)
{
	struct strbuf out = STRBUF_INIT;
	iconv_t cd;
	char *in;
	size_t inleft;

	if (valid_utf8(raw))
		return xstrdup(raw);
	cd = iconv_open("UTF-8", "GB18030");
	in = (char *)raw;
	inleft = strlen(raw);
	while (inleft) {
		char *o;
		size_t oleft;

		sb_grow(&out, inleft * 4 + 4);
		o = out.buf + out.len;
		oleft = out.alloc - out.len - 1;
		if (cd == (iconv_t)-1) {
			errno = EILSEQ;
		} else if (iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1) {
			sb_setlen(&out, (size_t)(o - out.buf));
			break;
		}
		sb_setlen(&out, (size_t)(o - out.buf));
		if (errno == E2BIG)
			continue;
		/* Neither UTF-8 nor GB18030: keep the name readable. */
		sb_addc(&out, '?');
		in++;
		inleft--;
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	return sb_detach(&out, NULL);
}
