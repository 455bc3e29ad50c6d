/*
 * ini.c: the git-config-like reader behind recon.conf, formats/NAME.fmt and
 * rules/NAME.rules (syntax in ini.h).
 *
 * One pass over the text, one line at a time, no allocation per line: the
 * section, subsection, key and value live in four reused buffers. A syntax
 * error is reported and the pass goes on, so a file with three mistakes
 * shows three messages; keys under a broken section header are checked but
 * not delivered, because the caller cannot know which section they were
 * meant for and would only add misleading errors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recon/diag.h"
#include "recon/ini.h"
#include "recon/strbuf.h"
#include "recon/util.h"

struct parser {
	const char *file;
	int64_t line;
	int errors;
	int bad_section;        /* the last section header was broken */
	int has_section;        /* a header was seen: sub is meaningful */
	int has_sub;
	struct strbuf section, sub, key, value;
	struct strbuf msg;      /* scratch for messages */
};

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *s, const char *end)
{
	while (s < end && is_blank(*s))
		s++;
	return s;
}

static void syntax(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void syntax(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	sb_reset(&p->msg);
	va_start(ap, fmt);
	sb_vaddf(&p->msg, fmt, ap);
	va_end(ap);
	error_at(RX_USAGE, p->file, p->line, "%s", p->msg.buf);
	p->errors++;
}

/*
 * Read a double-quoted string whose opening quote is at s[-1], appending the
 * unescaped bytes to out. Returns the position after the closing quote, or
 * NULL after reporting; what names the string in the message.
 */
static const char *unquote(struct parser *p, const char *s, const char *end,
			   struct strbuf *out, const char *what)
{
	while (s < end) {
		const char *q = s;

		while (q < end && *q != '"' && *q != '\\')
			q++;
		sb_add(out, s, (size_t)(q - s));
		if (q == end)
			break;
		if (*q == '"')
			return q + 1;
		if (q + 1 == end)
			break;
		switch (q[1]) {
		case '"':
		case '\\':
			sb_addc(out, q[1]);
			break;
		case 't':
			sb_addc(out, '\t');
			break;
		case 'n':
			sb_addc(out, '\n');
			break;
		default:
			syntax(p, "%s: unknown escape '\\%c' (known: \\\" \\\\ \\t \\n)",
			       what, q[1]);
			return NULL;
		}
		s = q + 2;
	}
	syntax(p, "%s: unterminated quote", what);
	return NULL;
}

/* "[name]" or "[name "sub"]", s just after '['. */
static int parse_header(struct parser *p, const char *s, const char *end)
{
	const char *name;

	p->bad_section = 1;
	s = skip_blanks(s, end);
	name = s;
	while (s < end && !is_blank(*s) && *s != ']' && *s != '"')
		s++;
	if (s == name) {
		if (s == end)
			syntax(p, "unterminated section header: missing ']'");
		else
			syntax(p, "section header: empty section name");
		return -1;
	}
	sb_reset(&p->section);
	sb_add(&p->section, name, (size_t)(s - name));
	sb_reset(&p->sub);
	p->has_sub = 0;
	s = skip_blanks(s, end);
	if (s < end && *s == '"') {
		s = unquote(p, s + 1, end, &p->sub, "section header");
		if (!s)
			return -1;
		p->has_sub = 1;
		s = skip_blanks(s, end);
	}
	if (s == end) {
		syntax(p, "unterminated section header: missing ']'");
		return -1;
	}
	if (*s != ']') {
		syntax(p, "section header: expected ']' or a quoted name after \"%s\"",
		       p->section.buf);
		return -1;
	}
	s = skip_blanks(s + 1, end);
	if (s < end && *s != '#' && *s != ';') {
		syntax(p, "section header: text after ']'");
		return -1;
	}
	p->bad_section = 0;
	p->has_section = 1;
	return 0;
}

/* "key = value", s at the first non-blank, end after the last non-blank. */
static int parse_pair(struct parser *p, const char *s, const char *end)
{
	const char *v;

	sb_reset(&p->key);
	sb_reset(&p->value);
	if (*s == '"') {
		s = unquote(p, s + 1, end, &p->key, "quoted key");
		if (!s)
			return -1;
		s = skip_blanks(s, end);
		if (s == end || *s != '=') {
			syntax(p, "\"%s\": missing '='", p->key.buf);
			return -1;
		}
		v = s + 1;
	} else {
		const char *eq = memchr(s, '=', (size_t)(end - s));
		const char *k = s;
		size_t kn;

		if (!eq) {
			syntax(p, "\"%.*s\": missing '='", (int)(end - s), s);
			return -1;
		}
		kn = (size_t)(eq - s);
		trim_span(&k, &kn);
		if (!kn) {
			syntax(p, "missing key before '='");
			return -1;
		}
		sb_add(&p->key, k, kn);
		v = eq + 1;
	}

	v = skip_blanks(v, end);
	if (v < end && *v == '"') {
		v = unquote(p, v + 1, end, &p->value, p->key.buf);
		if (!v)
			return -1;
		v = skip_blanks(v, end);
		if (v < end && *v != '#') {
			syntax(p, "%s: text after the closing quote", p->key.buf);
			return -1;
		}
	} else {
		/* A '#' starts a comment only after a blank, so that URLs with
		 * fragments and values like "a#b" survive unquoted; q[-1] is at
		 * worst the '='. */
		const char *q = v;
		size_t n;

		while ((q = memchr(q, '#', (size_t)(end - q))) && !is_blank(q[-1]))
			q++;
		if (!q)
			q = end;
		n = (size_t)(q - v);
		trim_span(&v, &n);
		sb_add(&p->value, v, n);
	}
	return 0;
}

static int parse_line(struct parser *p, const char *s, const char *end,
		      ini_fn fn, void *ctx)
{
	struct ini_item it;

	if (end > s && end[-1] == '\r')
		end--;
	s = skip_blanks(s, end);
	while (end > s && is_blank(end[-1]))
		end--;
	if (s == end || *s == '#' || *s == ';')
		return 0;
	if (memchr(s, '\0', (size_t)(end - s))) {
		syntax(p, "line has a NUL byte");
		return 0;
	}
	it.file = p->file;
	it.line = p->line;
	if (*s == '[') {
		if (parse_header(p, s + 1, end) < 0)
			return 0;
		it.key = it.value = NULL;
	} else {
		if (parse_pair(p, s, end) < 0 || p->bad_section)
			return 0;
		it.key = p->key.buf;
		it.value = p->value.buf;
	}
	it.section = p->has_section ? p->section.buf : "";
	it.sub = p->has_sub ? p->sub.buf : NULL;
	return fn(&it, ctx);
}

int ini_parse(const char *file, const char *text, size_t len, ini_fn fn, void *ctx)
{
	struct parser p;
	const char *s = text, *end = text + len;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.file = file;
	sb_init(&p.section, 0);
	sb_init(&p.sub, 0);
	sb_init(&p.key, 0);
	sb_init(&p.value, 0);
	sb_init(&p.msg, 0);
	/* A byte order mark, as Windows editors write. */
	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;

		p.line++;
		rc = parse_line(&p, s, eol, fn, ctx);
		if (rc)
			break;
		s = nl ? nl + 1 : end;
	}
	sb_release(&p.section);
	sb_release(&p.sub);
	sb_release(&p.key);
	sb_release(&p.value);
	sb_release(&p.msg);
	if (rc)
		return rc;
	return p.errors ? -1 : 0;
}

int ini_parse_file(const char *path, ini_fn fn, void *ctx)
{
	size_t len;
	char *text = read_file(path, &len);
	int rc;

	if (!text) {
		error_at(RX_USAGE, path, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	rc = ini_parse(path, text, len, fn, ctx);
	free(text);
	return rc;
}

int ini_bool(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return -1;
}
