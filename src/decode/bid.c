/*
 * bid.c: how well a file fits a format (format_bid()), from its head: the
 * first BID_HEAD bytes of the entry the format would read, run through the
 * format's kind in bidding mode, which stops at the header row (csv) or
 * after a few records (fixed).
 */
#include <stdlib.h>

#include "engine.h"
#include "recon/diag.h"
#include "recon/util.h"

/* Enough for the comment lines, the markers and the header of any
 * statement seen, and for a few fixed-width records. */
#define BID_HEAD (64u << 10)

int format_bid(const struct format *f, const char *path)
{
	struct input_opts io = { NULL, 0, 0 };
	struct input *in;
	char *head;
	size_t n = 0;
	int score = 0;

	/* Errors are the expected answer for most formats: not heard. */
	diag_quiet(1);
	io.entry_pattern = f->entry;
	in = input_open(path, &io);
	if (!in) {
		diag_quiet(0);
		return 0;
	}
	head = xmalloc(BID_HEAD);
	while (n < BID_HEAD) {
		ssize_t r = input_read(in, head + n, BID_HEAD - n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	input_close(in);
	if (n)
		score = f->kind->bid(f, head, n);
	free(head);
	diag_quiet(0);
	return score;
}
