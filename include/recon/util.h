#ifndef RECON_UTIL_H
#define RECON_UTIL_H
/* Small helpers shared by every module. Allocation failure aborts: a
 * batch job that cannot get memory has nothing sensible left to do. */
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
/* Say "out of memory" and exit with status 5: what the x* allocators do
 * when the system has none; for other allocators' failures. */
__attribute__((noreturn)) void out_of_memory(void);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grow *arr (of *alloc elements of size sz) to hold at least need elements. */
void *xgrow(void *arr, size_t *alloc, size_t need, size_t sz);

/* dir + "/" + name, unless name is absolute or dir is NULL/empty.
 * Returns a new string the caller frees. */
char *path_join(const char *dir, const char *name);
/* Directory part of path as a new string ("." when none). */
char *path_dirname(const char *path);
/* Last component of path (pointer into path). */
const char *path_basename(const char *path);
/* mkdir -p; returns 0 or -1 with errno set. */
int mkdir_p(const char *path, int mode);
/* Directory holding the running executable (from /proc/self/exe), or NULL. */
const char *exe_dir(void);

/* Read a whole file. Returns a NUL-terminated buffer (caller frees) and its
 * length in *len, or NULL with errno set. */
char *read_file(const char *path, size_t *len);

/* Trim ASCII spaces and tabs in place on [*s, *s + *n). */
void trim_span(const char **s, size_t *n);

/* Parse a decimal integer in [lo, hi] spanning exactly s; 0 on success. */
int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);

#endif
