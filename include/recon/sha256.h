#ifndef RECON_SHA256_H
#define RECON_SHA256_H
/*
 * SHA-256 (FIPS 180-4), for statement file fingerprints and the idempotency
 * keys of correction orders. Small and dependency-free on purpose: the
 * digests are part of recorded outputs, so they must never depend on which
 * crypto library a machine happens to have.
 */
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEXLEN 64

struct sha256 {
	uint32_t h[8];
	uint64_t len;          /* bytes hashed so far */
	unsigned char buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
/* Finish and store the 32-byte digest; c must be re-initialised to reuse. */
void sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);

/* Lowercase hex of digest into hex (SHA256_HEXLEN + 1 bytes, NUL-terminated). */
void sha256_hex(const unsigned char digest[SHA256_LEN], char *hex);

/* Hex digest of data[0..n) into hex (65 bytes). */
void sha256_hex_of(const void *data, size_t n, char *hex);

/*
 * Hex digest of the bytes of the file at path into hex (65 bytes), read as
 * stored (no decompression). Returns 0, or -1 with errno set (the caller
 * reports).
 */
int sha256_file(const char *path, char *hex);

#endif
