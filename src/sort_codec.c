/*
 * sort_codec.c: the coding of sorted runs (sort_int.h).
 *
 * A record: a flags byte (a time, a paid time, the offsets, file, channel
 * and currency of the record before, a group other than its); the group's
 * increase; kind and status; each code as the bytes it shares with the
 * same code of the record before, the length of the rest and the rest;
 * then zigzag varints: amount, fee, line, the time, the paid time less the
 * time, and what is not the record before's: offsets, file, channel,
 * currency (4 bytes).
 */
#include <string.h>

#include "sort_int.h"

enum {
	F_TIME = 1, F_PAID = 2, F_SAME_OFF = 4, F_SAME_FILE = 8, F_SAME_CHAN = 16,
	F_SAME_CUR = 32, F_GROUP = 64
};

static uint64_t zig(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzig(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static unsigned char *put(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

/* How many leading bytes a and b (max bytes each) share: eight at a time
 * where the order of a word's bytes allows. */
static size_t shared(const char *a, const char *b, size_t max)
{
	size_t k = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; k + 8 <= max; k += 8) {
		uint64_t x, y;

		memcpy(&x, a + k, 8);
		memcpy(&y, b + k, 8);
		if (x != y)
			return k + (size_t)__builtin_ctzll(x ^ y) / 8;
	}
#endif
	while (k < max && a[k] == b[k])
		k++;
	return k;
}

static unsigned char *put_code(unsigned char *p, char *prev, uint8_t *plen, const char *s,
			       size_t n)
{
	size_t k = shared(prev, s, n < *plen ? n : *plen);

	*p++ = (unsigned char)k;
	*p++ = (unsigned char)(n - k);
	memcpy(p, s + k, n - k);
	memcpy(prev + k, s + k, n - k);
	*plen = (uint8_t)n;
	return p + n - k;
}

size_t run_encode(struct run_coder *c, const struct packed *p, unsigned char *out)
{
	struct packed *q = &c->prev;
	const char *d = (const char *)(p + 1);
	unsigned char *o = out + 1;
	int has_time = p->time != REC_NO_TIME, has_paid = p->paid_time != REC_NO_TIME;
	unsigned flags = 0;

	flags |= has_time ? F_TIME : 0;
	flags |= has_paid ? F_PAID : 0;
	if (p->time_off == q->time_off && p->paid_off == q->paid_off)
		flags |= F_SAME_OFF;
	if (p->file == q->file)
		flags |= F_SAME_FILE;
	if (p->channel == q->channel)
		flags |= F_SAME_CHAN;
	if (!memcmp(p->currency, q->currency, 4))
		flags |= F_SAME_CUR;
	if (p->group != q->group) {
		flags |= F_GROUP;
		o = put(o, p->group);
	}
	*out = (unsigned char)flags;
	*o++ = p->kind;
	*o++ = p->status;
	o = put_code(o, c->codes[0], &q->lorder, d, p->lorder);
	o = put_code(o, c->codes[1], &q->lrefund, d + p->lorder, p->lrefund);
	o = put_code(o, c->codes[2], &q->ltxn, d + p->lorder + p->lrefund, p->ltxn);
	o = put(o, zig(p->amount));
	o = put(o, zig(p->fee));
	o = put(o, zig(p->line));
	if (has_time)
		o = put(o, zig(p->time));
	if (has_paid)
		o = put(o, zig(has_time ? (int64_t)((uint64_t)p->paid_time - (uint64_t)p->time)
				 : p->paid_time));
	if (!(flags & F_SAME_OFF)) {
		o = put(o, zig(p->time_off));
		o = put(o, zig(p->paid_off));
	}
	if (!(flags & F_SAME_FILE))
		o = put(o, p->file);
	if (!(flags & F_SAME_CHAN))
		o = put(o, p->channel);
	if (!(flags & F_SAME_CUR)) {
		memcpy(o, p->currency, 4);
		o += 4;
	}
	q->time_off = p->time_off;
	q->paid_off = p->paid_off;
	q->file = p->file;
	q->channel = p->channel;
	q->group = p->group;
	memcpy(q->currency, p->currency, 4);
	return (size_t)(o - out);
}

static int get(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t x = 0;
	int shift;

	for (shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char b = *(*p)++;

		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

static int get_s(const unsigned char **p, const unsigned char *end, int64_t *v)
{
	uint64_t u;

	if (get(p, end, &u) < 0)
		return -1;
	*v = unzig(u);
	return 0;
}

static int get_code(const unsigned char **p, const unsigned char *end, char *prev, uint8_t *plen,
		    char **dst, uint8_t *len)
{
	size_t k, n;

	if (end - *p < 2)
		return -1;
	k = (*p)[0];
	n = (*p)[1];
	*p += 2;
	if (k > *plen || k + n > REC_CODE_MAX || (size_t)(end - *p) < n)
		return -1;
	/* apiece: read back whole from prev just after writing its end, the
	 * code would wait for those stores to land */
	memcpy(*dst, prev, k);
	memcpy(*dst + k, *p, n);
	memcpy(prev + k, *p, n);
	*p += n;
	*plen = (uint8_t)(k + n);
	*dst += k + n;
	*len = (uint8_t)(k + n);
	return 0;
}

size_t run_decode(struct run_coder *c, const unsigned char *in, size_t n, struct packed *out)
{
	struct packed *q = &c->prev;
	const unsigned char *p = in, *end = in + n;
	char *d = (char *)(out + 1);
	unsigned flags;
	uint64_t u;
	int64_t v;

	if (!n)
		return 0;
	flags = *p++;
	memset(out, 0, sizeof(*out));
	if (flags & F_GROUP) {
		if (get(&p, end, &u) < 0 || u > UINT16_MAX)
			return 0;
		q->group = (uint16_t)u;
	}
	if (end - p < 2)
		return 0;
	out->kind = *p++;
	out->status = *p++;
	if (get_code(&p, end, c->codes[0], &q->lorder, &d, &out->lorder) < 0 ||
	    get_code(&p, end, c->codes[1], &q->lrefund, &d, &out->lrefund) < 0 ||
	    get_code(&p, end, c->codes[2], &q->ltxn, &d, &out->ltxn) < 0 ||
	    get_s(&p, end, &out->amount) < 0 || get_s(&p, end, &out->fee) < 0 ||
	    get_s(&p, end, &out->line) < 0)
		return 0;
	out->time = REC_NO_TIME;
	out->paid_time = REC_NO_TIME;
	if (flags & F_TIME && get_s(&p, end, &out->time) < 0)
		return 0;
	if (flags & F_PAID) {
		if (get_s(&p, end, &v) < 0)
			return 0;
		out->paid_time = flags & F_TIME ? (int64_t)((uint64_t)out->time + (uint64_t)v) : v;
	}
	if (!(flags & F_SAME_OFF)) {
		if (get_s(&p, end, &v) < 0)
			return 0;
		q->time_off = (int32_t)v;
		if (get_s(&p, end, &v) < 0)
			return 0;
		q->paid_off = (int32_t)v;
	}
	if (!(flags & F_SAME_FILE)) {
		if (get(&p, end, &u) < 0 || u > UINT16_MAX)
			return 0;
		q->file = (uint16_t)u;
	}
	if (!(flags & F_SAME_CHAN)) {
		if (get(&p, end, &u) < 0 || u > UINT16_MAX)
			return 0;
		q->channel = (uint16_t)u;
	}
	if (!(flags & F_SAME_CUR)) {
		if (end - p < 4)
			return 0;
		memcpy(q->currency, p, 4);
		p += 4;
	}
	out->time_off = q->time_off;
	out->paid_off = q->paid_off;
	out->file = q->file;
	out->channel = q->channel;
	out->group = q->group;
	memcpy(out->currency, q->currency, 4);
	return (size_t)(p - in);
}
