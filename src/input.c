/* input.c: a statement's bytes from a plain file (containers to follow). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recon/diag.h"
#include "recon/input.h"
#include "recon/util.h"

struct input {
	int fd;
	char *name;
	uint64_t offset;
};

struct input *input_open(const char *path, const struct input_opts *o)
{
	struct input *in;
	struct stat st;
	int fd;

	(void)o;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_at(RX_BADINPUT, path, 0, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		error_at(RX_BADINPUT, path, 0, "is a directory");
		close(fd);
		return NULL;
	}
	in = xcalloc(1, sizeof(*in));
	in->fd = fd;
	in->name = xstrdup(path);
	return in;
}

ssize_t input_read(struct input *in, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(in->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		error_at(RX_BADINPUT, in->name, 0, "read error at byte %llu: %s",
			 (unsigned long long)in->offset, strerror(errno));
		return -1;
	}
	in->offset += (uint64_t)r;
	return r;
}

const char *input_name(const struct input *in)
{
	return in->name;
}

const char *input_container(const struct input *in)
{
	(void)in;
	return "plain";
}

uint64_t input_offset(const struct input *in)
{
	return in->offset;
}

void input_close(struct input *in)
{
	if (!in)
		return;
	close(in->fd);
	free(in->name);
	free(in);
}
