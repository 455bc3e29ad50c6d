/*
 * pan.c: masking card numbers (include/recon/pan.h). The rule is PCI
 * DSS's display limit: never more than the first 6 and the last 4.
 */
#include <string.h>

#include "recon/pan.h"

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Mask the trimmed number s[0..n): 6 + 4 kept from 13 characters on. */
static size_t mask_trimmed(char *s, size_t n)
{
	size_t first = n >= 13 ? 6 : 0, last = n >= 8 ? 4 : 0, i, k = 0;

	for (i = first; i + last < n; i++) {
		if (s[i] != '*')
			k++;
		s[i] = '*';
	}
	return k;
}

size_t pan_mask(char *s, size_t n)
{
	while (n && blank(*s)) {
		s++;
		n--;
	}
	while (n && blank(s[n - 1]))
		n--;
	return mask_trimmed(s, n);
}

size_t pan_mask_in(char *text, size_t len, const char *pan, size_t n)
{
	char *p = text, *end = text + len;
	size_t count = 0;

	if (n < 6)
		return 0;
	/* Each occurrence is the number itself: mask it where it stands. */
	while ((size_t)(end - p) >= n &&
	       (p = memchr(p, pan[0], (size_t)(end - p) - n + 1))) {
		if (memcmp(p, pan, n)) {
			p++;
			continue;
		}
		mask_trimmed(p, n);
		p += n;
		count++;
	}
	return count;
}

size_t pan_mask_runs(char *text, size_t len)
{
	size_t i = 0, count = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && text[j] >= '0' && text[j] <= '9')
			j++;
		if (j - i >= 13 && j - i <= 19) {
			mask_trimmed(text + i, j - i);
			count++;
		}
		i = j == i ? i + 1 : j;
	}
	return count;
}
