// SPDX-License-Identifier: Apache-2.0
/*
 * Fixture loading for unit tests (see fixture.h). Plain file I/O on files this repository
 * ships; the packets themselves are checked by the code under test, not here.
 */
#include "fixture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fixture_load(const char *name, uint8_t **ret, size_t *ret_len)
{
	char path[4096];
	struct stat st;
	uint8_t *data;
	size_t got = 0;
	int fd, err;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", FIXTURE_VICI_DIR, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out_close;
	}
	/* one extra byte so that an empty file still gets a distinct allocation */
	data = malloc((size_t)st.st_size ? (size_t)st.st_size : 1);
	if (!data) {
		err = -ENOMEM;
		goto out_close;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			free(data);
			goto out_close;
		}
		got += (size_t)n;
	}
	close(fd);
	*ret = data;
	*ret_len = got;
	return 0;

out_close:
	close(fd);
	return err;
}

int fixture_packet(const char *name, uint8_t **ret, size_t *ret_len)
{
	uint8_t *file, *pkt;
	size_t len;
	uint32_t framed;
	int err;

	if ((err = fixture_load(name, &file, &len)) < 0)
		return err;
	if (len < 4) {
		free(file);
		return -EBADMSG;
	}
	framed = (uint32_t)file[0] << 24 | (uint32_t)file[1] << 16 | (uint32_t)file[2] << 8 |
	         (uint32_t)file[3];
	if (framed != len - 4) {
		free(file);
		return -EBADMSG;
	}
	pkt = malloc(len - 4 ? len - 4 : 1);
	if (!pkt) {
		free(file);
		return -ENOMEM;
	}
	memcpy(pkt, file + 4, len - 4);
	free(file);
	*ret = pkt;
	*ret_len = len - 4;
	return 0;
}

int fixture_decode(const char *name, struct vici_msg *msg, uint8_t **ret_pkt)
{
	uint8_t *pkt;
	size_t len;
	int err;

	if ((err = fixture_packet(name, &pkt, &len)) < 0)
		return err;
	if ((err = vici_msg_decode(msg, pkt, len)) < 0) {
		free(pkt);
		return err;
	}
	*ret_pkt = pkt;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fixture_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int fixture_names(const char *suffix, char ***ret, size_t *ret_n)
{
	size_t slen = strlen(suffix), n = 0, cap = 0;
	char **names = NULL;
	struct dirent *de;
	DIR *d;

	d = opendir(FIXTURE_VICI_DIR);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < slen || strcmp(de->d_name + len - slen, suffix) != 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **nn = reallocarray(names, ncap, sizeof(*nn));

			if (!nn)
				goto out_nomem;
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto out_nomem;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*ret = names;
	*ret_n = n;
	return 0;

out_nomem:
	closedir(d);
	fixture_names_free(names, n);
	return -ENOMEM;
}
