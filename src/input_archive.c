/*
 * input_archive.c: one entry of a zip or tar through libarchive, streamed
 * from the layers below (gzip for tar.gz), never via a temporary file.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recon/diag.h"
#include "recon/strbuf.h"
#include "recon/util.h"
#include "input_int.h"

/* Names listed in "no entry matching" messages, at most. */
#define LIST_MAX 20

struct input_ar {
	struct archive *a;
	unsigned char *buf;     /* INPUT_BLOCK bytes handed to libarchive */
	locale_t utf8;          /* (locale_t)0 when none could be made */
	uint64_t out;           /* entry bytes produced */
};

static la_ssize_t read_cb(struct archive *a, void *data, const void **buf)
{
	struct input *in = data;
	ssize_t r = input_stream_read(in, in->ar->buf, INPUT_BLOCK);

	if (r < 0) {
		archive_set_error(a, EIO, "read failed");
		return -1;
	}
	*buf = in->ar->buf;
	return r;
}

static la_int64_t seek_cb(struct archive *a, void *data, la_int64_t off, int whence)
{
	struct input *in = data;
	off_t r = lseek(in->fd, (off_t)off, whence);

	(void)a;
	/* Only a rewound file seeks, with nothing left in the head. */
	in->head_pos = in->head_len;
	in->raw_eof = 0;
	return r < 0 ? ARCHIVE_FATAL : (la_int64_t)r;
}

static la_int64_t skip_cb(struct archive *a, void *data, la_int64_t req)
{
	struct input *in = data;

	(void)a;
	if (lseek(in->fd, (off_t)req, SEEK_CUR) < 0)
		return 0;       /* libarchive then reads its way over */
	return req;
}

/*
 * libarchive converts UTF-8 names (the zip UTF-8 flag, pax headers) to the
 * locale's charset, and in the C locale a batch job runs under that fails
 * and leaves the name empty. Read headers under a UTF-8 LC_CTYPE for this
 * thread only; names without a charset still come through as raw bytes.
 */
static locale_t make_utf8_locale(void)
{
	static const char *const names[] = { "C.UTF-8", "C.utf8", "en_US.UTF-8" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		locale_t l = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);

		if (l != (locale_t)0)
			return l;
	}
	return (locale_t)0;
}

static int next_header(struct input_ar *ar, struct archive_entry **e)
{
	locale_t old = (locale_t)0;
	int r;

	if (ar->utf8 != (locale_t)0)
		old = uselocale(ar->utf8);
	r = archive_read_next_header(ar->a, e);
	if (ar->utf8 != (locale_t)0)
		uselocale(old);
	return r;
}

/* Mac OS zips carry AppleDouble shadows ("__MACOSX/._stmt.csv") of every
 * file: metadata, never a statement. */
static int is_appledouble(const char *name)
{
	return strncmp(name, "__MACOSX/", 9) == 0 || strncmp(path_basename(name), "._", 2) == 0;
}

static pcre2_code *compile_pattern(struct input *in, const char *pattern)
{
	pcre2_code *re;
	int err;
	PCRE2_SIZE off;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(err, msg, sizeof(msg));
		error_at(RX_USAGE, in->path, 0, "entry pattern '%s': %s at offset %zu",
			 pattern, (char *)msg, (size_t)off);
	}
	return re;
}

static int matches(pcre2_code *re, pcre2_match_data *md, const char *name)
{
	return pcre2_match(re, (PCRE2_SPTR)name, strlen(name), 0, 0, md, NULL) >= 0;
}

static void list_add(struct strbuf *list, int *n, const char *name)
{
	if (*n < LIST_MAX)
		sb_addf(list, "%s%s", *n ? ", " : "", name);
	else if (*n == LIST_MAX)
		sb_adds(list, ", ...");
	(*n)++;
}

/* Walk the headers to the entry wanted. Returns its UTF-8 name (caller
 * frees), or NULL after reporting. */
static char *choose_entry(struct input *in, const char *pattern)
{
	struct input_ar *ar = in->ar;
	struct archive_entry *e;
	pcre2_code *re = NULL;
	pcre2_match_data *md = NULL;
	struct strbuf all = STRBUF_INIT, files = STRBUF_INIT;
	int nall = 0, nfiles = 0;
	char *chosen = NULL;

	if (pattern) {
		re = compile_pattern(in, pattern);
		if (!re)
			return NULL;
		md = pcre2_match_data_create_from_pattern(re, NULL);
	}
	for (;;) {
		const char *raw;
		char *name;
		int r = next_header(ar, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			if (!in->failed)
				error_at(RX_BADINPUT, in->path, 0, "corrupt %s: %s", in->container,
					 archive_error_string(ar->a));
			goto out;
		}
		raw = archive_entry_pathname(e);
		name = input_name_utf8(raw ? raw : "");
		list_add(&all, &nall, name);
		if (archive_entry_filetype(e) == AE_IFREG && !is_appledouble(name)) {
			list_add(&files, &nfiles, name);
			if (!re || matches(re, md, name)) {
				chosen = name;
				break;
			}
		}
		free(name);
	}
	if (nall == 0)
		error_at(RX_BADINPUT, in->path, 0, "empty %s archive: no entries", in->container);
	else if (nfiles == 0)
		error_at(RX_BADINPUT, in->path, 0, "no file in %s archive (entries: %s)",
			 in->container, all.buf);
	else if (!chosen)
		error_at(RX_BADINPUT, in->path, 0, "no entry matching '%s' in %s (entries: %s)",
			 pattern, in->container, files.buf);
out:
	if (chosen && archive_entry_is_encrypted(e)) {
		error_at(RX_BADINPUT, in->path, 0,
			 "entry '%s' is encrypted (password-protected archives are not supported)",
			 chosen);
		free(chosen);
		chosen = NULL;
	}
	if (chosen && archive_entry_size_is_set(e) &&
	    (uint64_t)archive_entry_size(e) > in->max_bytes) {
		error_at(RX_BADINPUT, in->path, 0,
			 "entry '%s' is %lld bytes uncompressed, over the limit of %llu bytes",
			 chosen, (long long)archive_entry_size(e),
			 (unsigned long long)in->max_bytes);
		free(chosen);
		chosen = NULL;
	}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	sb_release(&all);
	sb_release(&files);
	return chosen;
}

int input_ar_open(struct input *in, const char *pattern)
{
	struct input_ar *ar = xcalloc(1, sizeof(*ar));
	char *entry;
	size_t len;

	in->ar = ar;
	ar->buf = xmalloc(INPUT_BLOCK);
	ar->utf8 = make_utf8_locale();
	ar->a = archive_read_new();
	if (!ar->a) {
		fputs("recon: error: out of memory\n", stderr);
		exit(RX_INTERNAL);
	}
	if (strcmp(in->container, "zip") == 0)
		archive_read_support_format_zip(ar->a);
	else
		archive_read_support_format_tar(ar->a);
	archive_read_set_callback_data(ar->a, in);
	archive_read_set_read_callback(ar->a, read_cb);
	if (in->seekable && !in->gz) {
		/* The zip reader then trusts the central directory. */
		archive_read_set_seek_callback(ar->a, seek_cb);
		archive_read_set_skip_callback(ar->a, skip_cb);
	}
	if (archive_read_open1(ar->a) != ARCHIVE_OK) {
		if (!in->failed)
			error_at(RX_BADINPUT, in->path, 0, "corrupt %s: %s", in->container,
				 archive_error_string(ar->a));
		return -1;
	}
	entry = choose_entry(in, pattern);
	if (!entry)
		return -1;
	free(in->name);
	len = strlen(in->path) + 1 + strlen(entry) + 1;
	in->name = xmalloc(len);
	snprintf(in->name, len, "%s:%s", in->path, entry);
	free(entry);
	return 0;
}

ssize_t input_ar_read(struct input *in, void *buf, size_t n)
{
	struct input_ar *ar = in->ar;
	la_ssize_t r = archive_read_data(ar->a, buf, n);
	uint64_t consumed;

	if (r < 0) {
		if (in->failed)
			return -1;
		if (in->raw_eof)
			error_at(RX_BADINPUT, in->name, 0,
				 "unexpected end of %s data at byte %llu (file truncated?): %s",
				 in->container, (unsigned long long)in->offset,
				 archive_error_string(ar->a));
		else
			error_at(RX_BADINPUT, in->name, 0, "corrupt %s data at byte %llu: %s",
				 in->container, (unsigned long long)in->offset,
				 archive_error_string(ar->a));
		in->failed = 1;
		return -1;
	}
	ar->out += (uint64_t)r;
	/* Seeking to the zip central directory and back reads some bytes
	 * twice; the file holds no more than its size. */
	consumed = in->raw_in;
	if (in->seekable && !in->gz && consumed > in->size)
		consumed = in->size;
	if (input_check_limits(in, ar->out, consumed) < 0)
		return -1;
	return (ssize_t)r;
}

void input_ar_close(struct input *in)
{
	struct input_ar *ar = in->ar;

	if (!ar)
		return;
	if (ar->a)
		archive_read_free(ar->a);
	if (ar->utf8 != (locale_t)0)
		freelocale(ar->utf8);
	free(ar->buf);
	free(ar);
	in->ar = NULL;
}
