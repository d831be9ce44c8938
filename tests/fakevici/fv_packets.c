// SPDX-License-Identifier: Apache-2.0
/*
 * Prepared answers of the fake VICI server (see fv_packets.h). Synthetic SAs are made with
 * ikewatch's own codec: the recorded event is decoded by vici_msg_decode() and written again by
 * the vici_build_* builder, element by element in document order, replacing only the values
 * that must differ between SAs. Everything else (key order, names, states, algorithms, empty
 * lists) stays exactly as charon wrote it, which is what makes the fake a fair stand-in for
 * the benchmark and for swanctl.
 */
#include "fv_packets.h"

#include "common/buf.h"
#include "common/rd.h"
#include "vici/vici_msg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A whole synthetic stream may be far larger than one VICI message; each packet in it is not. */
#define FV_STREAM_MAX (1024u * 1024u * 1024u)
/* Addresses in 198.18.0.0/15 that we hand out (.0 and the broadcast are left out). */
#define FV_HOSTS_MAX ((1u << 17) - 2)

int fv_load_packet(const char *dir, const char *file, uint8_t **ret, size_t *ret_len)
{
	char path[4096];
	struct stat st;
	uint8_t *p;
	uint32_t len;
	ssize_t n;
	size_t got = 0;
	int fd, err;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out_close;
	}
	/* exactly one packet: the prefix plus what it announces */
	if (st.st_size < 5 || (uint64_t)st.st_size > VICI_MSG_MAX + 4u) {
		err = -EBADMSG;
		goto out_close;
	}
	p = malloc((size_t)st.st_size);
	if (!p) {
		err = -ENOMEM;
		goto out_close;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, p + got, (size_t)st.st_size - got);
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto out_free;
		}
		got += (size_t)n;
	}
	if ((err = vici_frame_len(p, &len)) < 0)
		goto out_free;
	if ((size_t)len + 4 != got) {
		err = -EBADMSG;
		goto out_free;
	}
	close(fd);
	*ret = p;
	*ret_len = got;
	return 0;

out_free:
	free(p);
out_close:
	close(fd);
	return err;
}

static int fv_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool fv_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* The stream's bytes are appended here, then stolen into ->data. */
static int fv_stream_take(struct fv_stream *s, struct buf *b)
{
	if (b->err)
		return b->err;
	s->data = (uint8_t *)buf_steal(b, &s->len);
	if (!s->data) {
		s->data = calloc(1, 1);
		if (!s->data)
			return -ENOMEM;
	}
	return 0;
}

int fv_load_stream(const char *dir, const char *rec, struct fv_stream *ret)
{
	struct fv_stream s = {0};
	char **names = NULL, *resp = NULL;
	size_t n_names = 0, prefix_len = strlen(rec);
	struct dirent *de;
	struct buf b;
	DIR *d;
	int err = 0;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		bool event = fv_has_suffix(nm, ".rx-event.bin");
		char *copy;

		if (strncmp(nm, rec, prefix_len) != 0 || nm[prefix_len] != '.')
			continue;
		if (!event && !fv_has_suffix(nm, ".rx-cmd-response.bin"))
			continue;
		copy = strdup(nm);
		if (!copy) {
			err = -ENOMEM;
			goto out;
		}
		if (!event) {
			free(resp);
			resp = copy;
			continue;
		}
		char **nn = reallocarray(names, n_names + 1, sizeof(*names));

		if (!nn) {
			free(copy);
			err = -ENOMEM;
			goto out;
		}
		names = nn;
		names[n_names++] = copy;
	}
	if (!resp) {
		err = -ENOENT;
		goto out;
	}
	/* NNNN is zero-padded, so name order is wire order */
	if (n_names)
		qsort(names, n_names, sizeof(*names), fv_cmp_names);
	buf_init(&b, FV_STREAM_MAX);
	for (size_t i = 0; i <= n_names && !err; i++) {
		uint8_t *p;
		size_t len;

		err = fv_load_packet(dir, i < n_names ? names[i] : resp, &p, &len);
		if (err)
			break;
		if (i == n_names)
			s.resp_off = b.len;
		buf_append(&b, p, len);
		free(p);
	}
	s.n_events = (uint32_t)n_names;
	if (!err)
		err = fv_stream_take(&s, &b);
	buf_done(&b);
	if (!err)
		*ret = s;
	else
		fv_stream_done(&s);
out:
	closedir(d);
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	free(resp);
	return err;
}

int fv_stream_from_response(const uint8_t *resp, size_t len, struct fv_stream *ret)
{
	struct fv_stream s = {0};

	s.data = malloc(len);
	if (!s.data)
		return -ENOMEM;
	memcpy(s.data, resp, len);
	s.len = len;
	*ret = s;
	return 0;
}

void fv_bench_host(uint32_t i, char *out, size_t cap)
{
	uint32_t a = (198u << 24 | 18u << 16) + 1 + i % FV_HOSTS_MAX;

	snprintf(out, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Spread SA numbers over the SPI space (splitmix64 finaliser), so SPIs look random but are
 * reproducible between runs. */
static uint64_t fv_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t fv_counter_value(uint32_t sa, unsigned kind, uint64_t gen)
{
	/* per request: about one full-size packet each way */
	static const uint64_t step[] = {1500, 1, 1400, 1};
	const uint64_t base = 1000000000ull, span = 9000000000ull; /* stays 10 digits */

	return base + ((uint64_t)sa * 1000u + gen * step[kind]) % span;
}

static void fv_put_digits(uint8_t *p, uint64_t v)
{
	for (int k = FV_COUNTER_DIGITS - 1; k >= 0; k--) {
		p[k] = (uint8_t)('0' + v % 10);
		v /= 10;
	}
}

struct fv_synth {
	struct vici_builder b;
	uint32_t sa;   /* 0-based SA number */
	uint64_t seed; /* set apart the SPIs of fakevicis with different seeds (a fleet) */
	bool one_conn, conns;
	char host[16];
	/* counters of this packet, offsets from its first byte */
	uint32_t rel[8];
	uint8_t kind[8];
	unsigned n_rel;
};

static void fv_name(const char *p, size_t len, char out[256])
{
	memcpy(out, p, len);
	out[len] = '\0';
}

/* How a synthetic number is written: decimal, or hex of an SPI's width (8 or 16 digits). */
enum fv_fmt { FV_DEC, FV_HEX8, FV_HEX16 };

static void fv_kv_u64(struct fv_synth *s, const char *name, uint64_t v, enum fv_fmt f)
{
	char tmp[32];
	int n;

	if (f == FV_HEX16)
		n = snprintf(tmp, sizeof(tmp), "%016" PRIx64, v);
	else if (f == FV_HEX8)
		n = snprintf(tmp, sizeof(tmp), "%08" PRIx64, v & 0xffffffffu);
	else
		n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

	vici_build_kv(&s->b, name, tmp, (size_t)n);
}

static bool fv_counter_kind(const char *name, unsigned *ret)
{
	static const char *const names[] = {"bytes-in", "packets-in", "bytes-out", "packets-out"};

	for (unsigned k = 0; k < 4; k++) {
		if (strcmp(name, names[k]) == 0) {
			*ret = k;
			return true;
		}
	}
	return false;
}

/* A key/value of a list-sa event: depth 2 is the IKE SA, depth 4 a CHILD SA. */
static void fv_sa_value(struct fv_synth *s, unsigned depth, const char *name,
                        const struct vici_elem *e)
{
	uint32_t id = s->sa + 1;
	uint64_t spi = (s->seed << 32) + 4ull * id; /* 4 SPIs per SA */
	unsigned kind;

	if (depth == 2 && strcmp(name, "uniqueid") == 0) {
		fv_kv_u64(s, name, id, FV_DEC);
	} else if (depth == 2 && strcmp(name, "initiator-spi") == 0) {
		fv_kv_u64(s, name, fv_mix(spi), FV_HEX16);
	} else if (depth == 2 && strcmp(name, "responder-spi") == 0) {
		fv_kv_u64(s, name, fv_mix(spi + 1), FV_HEX16);
	} else if (depth == 2 && strcmp(name, "remote-host") == 0) {
		vici_build_kv_str(&s->b, name, s->host);
	} else if (depth == 4 && (strcmp(name, "uniqueid") == 0 || strcmp(name, "reqid") == 0)) {
		fv_kv_u64(s, name, id, FV_DEC);
	} else if (depth == 4 && strcmp(name, "spi-in") == 0) {
		fv_kv_u64(s, name, (uint32_t)fv_mix(spi + 2) | 0xc0000000u, FV_HEX8);
	} else if (depth == 4 && strcmp(name, "spi-out") == 0) {
		fv_kv_u64(s, name, (uint32_t)fv_mix(spi + 3) | 0xc0000000u, FV_HEX8);
	} else if (depth == 4 && fv_counter_kind(name, &kind) && s->n_rel < 8) {
		fv_kv_u64(s, name, fv_counter_value(s->sa, kind, 0), FV_DEC);
		s->rel[s->n_rel] = (uint32_t)(s->b.out.len - FV_COUNTER_DIGITS);
		s->kind[s->n_rel++] = (uint8_t)kind;
	} else {
		vici_build_kv(&s->b, name, e->value, e->value_len);
	}
}

static void fv_emit(struct fv_synth *s, const struct vici_msg *m, uint32_t idx, unsigned depth)
{
	const struct vici_elem *e = &m->elems[idx];
	char name[256], renamed[300];

	fv_name(e->name, e->name_len, name);
	switch (e->type) {
	case VICI_ELEM_SECTION_START:
		if (depth == 1 && !s->one_conn) {
			snprintf(renamed, sizeof(renamed), "%s-%" PRIu32, name, s->sa + 1);
		} else if (depth == 3 && !s->conns) {
			/* CHILD SA sections are "<child name>-<unique id>" */
			char *dash = strrchr(name, '-');

			if (dash)
				*dash = '\0';
			snprintf(renamed, sizeof(renamed), "%s-%" PRIu32, name, s->sa + 1);
		} else {
			snprintf(renamed, sizeof(renamed), "%s", name);
		}
		vici_build_section_start(&s->b, renamed);
		vici_foreach_child(m, idx, c) fv_emit(s, m, c, depth + 1);
		vici_build_section_end(&s->b);
		break;
	case VICI_ELEM_LIST_START: {
		bool addrs = s->conns && depth == 2 && strcmp(name, "remote_addrs") == 0;

		vici_build_list_start(&s->b, name);
		if (addrs) {
			vici_build_list_item(&s->b, s->one_conn ? "198.18.0.0/15" : s->host,
			                     strlen(s->one_conn ? "198.18.0.0/15" : s->host));
		} else {
			vici_foreach_child(m, idx, c)
			    vici_build_list_item(&s->b, m->elems[c].value, m->elems[c].value_len);
		}
		vici_build_list_end(&s->b);
		break;
	}
	case VICI_ELEM_KEY_VALUE:
		if (s->conns)
			vici_build_kv(&s->b, name, e->value, e->value_len);
		else
			fv_sa_value(s, depth, name, e);
		break;
	default:
		break;
	}
}

static int fv_patch_push(struct fv_stream *st, uint32_t off, uint32_t sa, uint8_t kind, size_t *cap)
{
	if (st->n_patch == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		uint32_t *o = reallocarray(st->patch_off, ncap, sizeof(*o));

		if (!o)
			return -ENOMEM;
		st->patch_off = o;
		uint32_t *a = reallocarray(st->patch_sa, ncap, sizeof(*a));

		if (!a)
			return -ENOMEM;
		st->patch_sa = a;
		uint8_t *k = reallocarray(st->patch_kind, ncap, sizeof(*k));

		if (!k)
			return -ENOMEM;
		st->patch_kind = k;
		*cap = ncap;
	}
	st->patch_off[st->n_patch] = off;
	st->patch_sa[st->n_patch] = sa;
	st->patch_kind[st->n_patch++] = kind;
	return 0;
}

static int fv_synth(const uint8_t *event, size_t event_len, const uint8_t *resp, size_t resp_len,
                    uint32_t n, bool one_conn, bool conns, uint64_t seed, struct fv_stream *ret)
{
	struct fv_stream st = {0};
	struct vici_msg m = {0};
	size_t patch_cap = 0;
	uint32_t n_packets = conns && one_conn ? 1 : n;
	struct buf out;
	int err;

	if (event_len < 4 || n > FV_HOSTS_MAX)
		return -EINVAL;
	if ((err = vici_msg_decode(&m, event + 4, event_len - 4)) < 0)
		return err;
	if (m.type != VICI_PKT_EVENT) {
		vici_msg_done(&m);
		return -EBADMSG;
	}
	char ev_name[256];

	fv_name(m.name, m.name_len, ev_name);
	buf_init(&out, FV_STREAM_MAX);
	for (uint32_t i = 0; i < n_packets && !err; i++) {
		struct fv_synth s = {.sa = i, .seed = seed, .one_conn = one_conn, .conns = conns};
		uint8_t *pkt;
		size_t len, at = out.len;

		fv_bench_host(i, s.host, sizeof(s.host));
		vici_build_init(&s.b, VICI_PKT_EVENT, ev_name);
		vici_foreach_child(&m, 0, c) fv_emit(&s, &m, c, 1);
		if ((err = vici_build_finish(&s.b, &pkt, &len)) < 0)
			break;
		buf_append(&out, pkt, len);
		free(pkt);
		for (unsigned k = 0; k < s.n_rel && !err; k++)
			err =
			    fv_patch_push(&st, (uint32_t)(at + s.rel[k]), i, s.kind[k], &patch_cap);
	}
	st.n_events = n_packets;
	st.resp_off = out.len;
	buf_append(&out, resp, resp_len);
	if (!err && out.len > UINT32_MAX)
		err = -E2BIG;
	if (!err)
		err = fv_stream_take(&st, &out);
	buf_done(&out);
	vici_msg_done(&m);
	if (err) {
		fv_stream_done(&st);
		return err;
	}
	*ret = st;
	return 0;
}

int fv_synth_sas(const uint8_t *event, size_t event_len, const uint8_t *resp, size_t resp_len,
                 uint32_t n, bool one_conn, uint64_t seed, struct fv_stream *ret)
{
	return fv_synth(event, event_len, resp, resp_len, n, one_conn, false, seed, ret);
}

int fv_synth_conns(const uint8_t *event, size_t event_len, const uint8_t *resp, size_t resp_len,
                   uint32_t n, bool one_conn, struct fv_stream *ret)
{
	return fv_synth(event, event_len, resp, resp_len, n, one_conn, true, 0, ret);
}

void fv_stream_advance(const struct fv_stream *s, uint8_t *data, uint64_t gen)
{
	for (size_t i = 0; i < s->n_patch; i++)
		fv_put_digits(data + s->patch_off[i],
		              fv_counter_value(s->patch_sa[i], s->patch_kind[i], gen));
}

int fv_stream_malform(struct fv_stream *s)
{
	struct rd r;
	uint32_t len;

	if (s->n_events == 0)
		return -ENOENT;
	rd_init(&r, s->data, s->len);
	if (rd_u32(&r, &len) < 0 || len < 1 || rd_left(&r) < len)
		return -EBADMSG;
	s->data[4 + len - 1] = 9;
	return 0;
}

void fv_stream_done(struct fv_stream *s)
{
	free(s->data);
	free(s->patch_off);
	free(s->patch_sa);
	free(s->patch_kind);
	memset(s, 0, sizeof(*s));
}
