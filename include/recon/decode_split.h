#ifndef RECON_DECODE_SPLIT_H
#define RECON_DECODE_SPLIT_H
/*
 * Decoding a big statement on two threads: the file is cut at a line near
 * its middle and each half is decoded (decode_stream()) on a thread of its
 * own, the second after a copy of the header line, so each half reads as a
 * whole file of its own. For plain files of formats format_splittable()
 * accepts. Each half's records go to its own callback, at the same time.
 *
 * Both halves decode quietly: any reject, error, or a cut that fell inside
 * a quoted field (the first half then ends on an unclosed quote) gives up,
 * and the caller decodes the file again the usual way, which reports what
 * there is to report.
 */
#include <stdint.h>
#include "recon/decode.h"

struct progress;

struct decode_half {
	decode_fn fn;
	void *ctx;
	/* Called on the half's thread after its last record (or NULL). */
	void (*done)(void *ctx);
};

/* Below this, decoding in halves does not pay for its threads (the
 * callers' choice: decode_split() takes any size). */
#define DECODE_SPLIT_MIN ((uint64_t)32 << 20)

/*
 * Decode path in format f (o as for decode_file(); its reject_path and
 * progress are not used) in two halves. Returns 0 when both halves were
 * decoded: *st holds their stats together, and *line_offset is what to add
 * to the line of every record of the second half (its lines are counted
 * from its copy of the header). Returns 1 when the file was not decoded
 * in halves: not plain (compressed, an archive), not splittable, or one
 * half failed or
 * rejected rows; the callbacks may have had records, which the caller
 * drops before decoding the file again. prog (may be NULL) is told of the
 * bytes read.
 */
int decode_split(const struct format *f, const char *path, const struct decode_opts *o,
		 struct decode_half half[2], struct decode_stats *st, int64_t *line_offset,
		 struct progress *prog);

#endif
