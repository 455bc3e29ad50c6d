#ifndef RECON_STRBUF_H
#define RECON_STRBUF_H
/*
 * A growable byte buffer, always NUL-terminated, in the manner of git's
 * strbuf. `buf` is never NULL: an empty strbuf points at a shared "" slot,
 * so callers may print sb.buf without checking.
 */
#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { strbuf_slopbuf, 0, 0 }

/* Initialise sb, reserving room for hint bytes (0: none). */
void sb_init(struct strbuf *sb, size_t hint);
/* Free the memory and leave sb as after sb_init(sb, 0). */
void sb_release(struct strbuf *sb);
/* Hand the buffer to the caller (who frees it); sb is reinitialised. *len
 * receives the length when len is not NULL. Never returns NULL. */
char *sb_detach(struct strbuf *sb, size_t *len);
/* Make room for extra more bytes. Aborts on out-of-memory. */
void sb_grow(struct strbuf *sb, size_t extra);
/* Empty the buffer, keeping its memory. */
void sb_reset(struct strbuf *sb);
void sb_setlen(struct strbuf *sb, size_t len);
void sb_add(struct strbuf *sb, const void *data, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, int c);
void sb_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Append s quoted for CSV when it needs quoting (separator, quote, CR, LF). */
void sb_add_csv(struct strbuf *sb, const char *s);
/* Append s as a JSON string literal, quotes included. */
void sb_add_json(struct strbuf *sb, const char *s);

#endif
