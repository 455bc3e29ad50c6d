/* sort_int.h: what sort.c and sort_codec.c share: the packed record and
 * the coding of runs on disk. */
#ifndef RECON_SORT_INT_H
#define RECON_SORT_INT_H
#include <stddef.h>
#include <stdint.h>
#include "recon/record.h"

/* The packed record: this head, then order_code, refund_code and
 * channel_txn_id, without NULs (the lengths say where each ends). */
struct packed {
	int64_t amount, fee, time, paid_time, line;
	int32_t time_off, paid_off;
	uint16_t file, channel;   /* indexes into the sorter's tables */
	uint8_t kind, status;
	uint8_t lorder, lrefund, ltxn;
	char currency[4];
	uint16_t group;           /* sorts before everything else */
};

#define PACKED_MAX ((sizeof(struct packed) + 3 * REC_CODE_MAX + 7) & ~(size_t)7)

static inline size_t p_size(const struct packed *p)
{
	return (sizeof(*p) + p->lorder + p->lrefund + p->ltxn + 7) & ~(size_t)7;
}

/*
 * Runs on disk hold records coded against the record before in the run:
 * sorted neighbours share most of their key and much else, so a record
 * takes a third of its packed size. A coder is that memory; one per run
 * being written or read, zeroed at its start.
 */
struct run_coder {
	struct packed prev;
	char codes[3][REC_CODE_MAX];
};

/* The longest coded record. */
#define RUN_RECORD_MAX 480

/* Code p into out (RUN_RECORD_MAX bytes of room); the bytes written. */
size_t run_encode(struct run_coder *c, const struct packed *p, unsigned char *out);

/* Decode the record at in (n bytes there) into out (PACKED_MAX bytes of
 * room, aligned as struct packed); the bytes it took, or 0 when it is cut
 * short or damaged. */
size_t run_decode(struct run_coder *c, const unsigned char *in, size_t n, struct packed *out);

#endif
