/*
 * encoding.c: a statement's text into UTF-8, the only encoding the engine
 * works in. UTF-8 files are validated, not copied; GBK files are read as
 * GB18030 (its superset, so every GBK file is one) through iconv. Lines
 * that are plain ASCII, the bulk of most statements, skip both.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "recon/util.h"

struct enc {
	enum fmt_encoding e;
	iconv_t cd;
	struct strbuf buf;
};

struct enc *enc_open(enum fmt_encoding e)
{
	struct enc *x = xcalloc(1, sizeof(*x));

	x->e = e;
	x->cd = (iconv_t)-1;
	if (e == ENC_GB18030) {
		x->cd = iconv_open("UTF-8", "GB18030");
		if (x->cd == (iconv_t)-1) {
			free(x);
			return NULL;
		}
	}
	sb_init(&x->buf, 256);
	return x;
}

void enc_close(struct enc *x)
{
	if (!x)
		return;
	if (x->cd != (iconv_t)-1)
		iconv_close(x->cd);
	sb_release(&x->buf);
	free(x);
}

const char *enc_name(enum fmt_encoding e)
{
	return e == ENC_GB18030 ? "GB18030" : "UTF-8";
}

/* Length of the leading ASCII run of s[0..n). */
static size_t ascii_prefix(const char *s, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			break;
	}
	while (i < n && !((unsigned char)s[i] & 0x80))
		i++;
	return i;
}

/* Offset of the first byte of s[0..n) that is not valid UTF-8, or n. */
static size_t utf8_check(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = ascii_prefix(s, n);

	while (i < n) {
		unsigned c = p[i], lo = 0x80, hi = 0xbf;
		size_t len, k;

		if (c < 0x80) {
			i += 1 + ascii_prefix(s + i + 1, n - i - 1);
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			if (c == 0xe0)
				lo = 0xa0;          /* overlong */
			else if (c == 0xed)
				hi = 0x9f;          /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;          /* beyond U+10FFFF */
		} else {
			return i;
		}
		if (n - i < len || p[i + 1] < lo || p[i + 1] > hi)
			return i;
		for (k = 2; k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return i;
		i += len;
	}
	return n;
}

/* Append s[0..n) converted to sb; -1 with *bad set when it is not valid. */
static int gb_append(struct enc *x, const char *s, size_t n, struct strbuf *sb, size_t *bad)
{
	char *in = (char *)s;
	size_t inleft = n;

	iconv(x->cd, NULL, NULL, NULL, NULL);
	while (inleft) {
		char *out;
		size_t outleft, r;

		/* GB18030 takes at most 4 bytes for a character that UTF-8
		 * writes in 4, so 2n + 8 is room for most lines at once. */
		sb_grow(sb, inleft * 2 + 8);
		out = sb->buf + sb->len;
		outleft = sb->alloc - sb->len - 1;
		r = iconv(x->cd, &in, &inleft, &out, &outleft);
		sb_setlen(sb, (size_t)(out - sb->buf));
		if (r != (size_t)-1)
			break;
		if (errno != E2BIG) {
			*bad = (size_t)(in - s);
			return -1;
		}
	}
	return 0;
}

int enc_append(struct enc *x, const char *s, size_t n, struct strbuf *sb, size_t *bad)
{
	size_t a = ascii_prefix(s, n);

	if (a == n || x->e == ENC_UTF8) {
		size_t ok = a == n ? n : utf8_check(s, n);

		if (ok < n) {
			*bad = ok;
			return -1;
		}
		sb_add(sb, s, n);
		return 0;
	}
	sb_add(sb, s, a);
	if (gb_append(x, s + a, n - a, sb, bad)) {
		*bad += a;
		return -1;
	}
	return 0;
}

int enc_text(struct enc *x, const char *s, size_t n, const char **out, size_t *outlen,
	     size_t *bad)
{
	size_t a = ascii_prefix(s, n);

	if (a == n || x->e == ENC_UTF8) {
		size_t ok = a == n ? n : utf8_check(s, n);

		if (ok < n) {
			*bad = ok;
			return -1;
		}
		*out = s;
		*outlen = n;
		return 0;
	}
	sb_reset(&x->buf);
	if (enc_append(x, s, n, &x->buf, bad))
		return -1;
	*out = x->buf.buf;
	*outlen = x->buf.len;
	return 0;
}

void enc_fatal(struct dctx *d, int64_t line, uint64_t off)
{
	if (d->f->encoding == ENC_UTF8)
		decode_fatal(d, line, "not valid UTF-8 at byte %llu (is the file GBK? set "
			     "encoding = gbk)", (unsigned long long)off);
	else
		decode_fatal(d, line, "not valid %s at byte %llu", enc_name(d->f->encoding),
			     (unsigned long long)off);
}
