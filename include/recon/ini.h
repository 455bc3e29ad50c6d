#ifndef RECON_INI_H
#define RECON_INI_H
/*
 * A git-config-like INI reader shared by recon.conf, formats/NAME.fmt and
 * rules/NAME.rules:
 *
 *     # comment            ; comment
 *     [section]
 *     [section "sub name"]
 *         key = value      # trailing comment after whitespace
 *         key = "quoted # not a comment"
 *
 * Keys are case-sensitive and may contain any character but '=' (a key that
 * needs one is written in double quotes). Values are trimmed; a value in
 * double quotes keeps its spaces and understands \" \\ \t \n.
 */
#include <stddef.h>
#include <stdint.h>

struct ini_item {
	const char *file;
	int64_t line;
	const char *section;    /* "" before any section header */
	const char *sub;        /* subsection or NULL */
	const char *key;        /* NULL for a section header line itself */
	const char *value;      /* NULL for a section header line itself */
};

/* Called for each section header (key == NULL) and each key. Return 0 to go
 * on, non-zero to stop (that value is returned by ini_parse). The item's
 * strings live only until the callback returns: copy what you keep. */
typedef int (*ini_fn)(const struct ini_item *it, void *ctx);

/*
 * Parse text (len bytes, need not be NUL-terminated) named file for
 * diagnostics. Syntax errors are reported as "recon: FILE:LINE: error: ..."
 * with status RX_USAGE and make ini_parse return -1 after the whole text
 * was read (so every error is shown). Returns 0, -1, or the callback's
 * non-zero value.
 */
int ini_parse(const char *file, const char *text, size_t len, ini_fn fn, void *ctx);
/* Read and parse a file; a missing file is an error naming it. */
int ini_parse_file(const char *path, ini_fn fn, void *ctx);

/* Boolean values: yes/no, true/false, on/off, 1/0. Returns 0/1 or -1. */
int ini_bool(const char *v);

#endif
