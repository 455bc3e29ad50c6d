#ifndef RECON_RECORD_H
#define RECON_RECORD_H
/*
 * The canonical record: what every decoder, the ledger import included,
 * produces (design.md, "The canonical record"). Fixed-size so that records
 * can be sorted, spilled to disk and merged without pointer chasing.
 */
#include <stdint.h>

#define REC_CODE_MAX 64           /* longest order/refund code or channel id */
#define REC_CHANNEL_MAX 31
#define REC_NO_TIME INT64_MIN     /* time field absent */

enum rec_kind { KIND_PAY, KIND_REFUND, KIND_REVERSAL, KIND_FEE, KIND_ADJUSTMENT, KIND__COUNT };
enum rec_status { STATUS_SUCCESS, STATUS_PENDING, STATUS_CLOSED, STATUS_FAILED, STATUS__COUNT };

struct record {
	int64_t amount;     /* minor units, signed from the merchant's cash view */
	int64_t fee;        /* minor units charged to the merchant (negative: returned) */
	int64_t time;       /* UTC seconds since the epoch, or REC_NO_TIME */
	int64_t paid_time;  /* ledger: when the order was paid, or REC_NO_TIME */
	int64_t line;       /* provenance: line (or byte offset, see file) */
	const char *file;   /* provenance: interned path, not owned */
	int32_t time_off;   /* the source's UTC offset for time, seconds east */
	int32_t paid_off;   /* same for paid_time */
	uint8_t kind;       /* enum rec_kind */
	uint8_t status;     /* enum rec_status */
	char currency[4];   /* ISO 4217 */
	char channel[REC_CHANNEL_MAX + 1];
	char order_code[REC_CODE_MAX + 1];
	char refund_code[REC_CODE_MAX + 1];
	char channel_txn_id[REC_CODE_MAX + 1];
};

/* Zero r and mark its times absent. */
void record_init(struct record *r);

/* Names as they appear in files and the database: "PAY", "SUCCESS", ... */
const char *rec_kind_name(int kind);
const char *rec_status_name(int status);
/* Parse a name (exact, upper case); returns the enum value or -1. */
int rec_kind_parse(const char *s);
int rec_status_parse(const char *s);

/* The join key: refund_code for refunds, order_code otherwise. */
const char *record_key(const struct record *r);

/* A join key without its record (kind, then the key's bytes, no NUL):
 * where one range of keys ends and the next begins. */
struct key_mark {
	uint8_t kind;
	uint8_t len;
	char key[REC_CODE_MAX];
};

/* Format t (UTC seconds) shifted by off seconds as ISO 8601 with offset,
 * "2026-11-21T10:00:00+08:00" ("Z" never used, "+00:00" instead).
 * buf has room for 32 bytes. Empty string for REC_NO_TIME. */
void rec_time_format(int64_t t, int32_t off, char *buf);

#endif
