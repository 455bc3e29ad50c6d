#ifndef RECON_PAN_H
#define RECON_PAN_H
/*
 * Card numbers (PANs). A column a format declares as holding card numbers
 * is masked as soon as it is read, before its text can reach a record, a
 * message, a reject file or the database: at most the first 6 and the last
 * 4 characters stay, the rest become '*'. The length is kept, so a
 * fixed-width record keeps its byte offsets.
 */
#include <stddef.h>

/*
 * Mask s[0..n) in place: 13 characters or more keep the first 6 and the
 * last 4; 8 to 12 keep the last 4; shorter ones are all masked. Leading
 * and trailing spaces and tabs are not part of the number and stay.
 * Returns the number of characters masked.
 */
size_t pan_mask(char *s, size_t n);

/*
 * Mask every occurrence of the card number pan[0..n) (already trimmed, not
 * yet masked) in text[0..len), in place, as pan_mask() would: for the raw
 * line of a delimited row, where the number's position is not known.
 * Numbers shorter than 6 characters are left alone in text (they cannot
 * be told from other fields). Returns the number of occurrences found.
 */
size_t pan_mask_in(char *text, size_t len, const char *pan, size_t n);

/*
 * Mask, in place, every run of 13 to 19 ASCII digits in text[0..len) that
 * is not part of a longer run: for text that may hold a card number where
 * no column tells (a row that could not be split into fields). Returns the
 * number of runs masked.
 */
size_t pan_mask_runs(char *text, size_t len);

#endif
