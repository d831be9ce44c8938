// SPDX-License-Identifier: Apache-2.0
/*
 * pluto's algorithm names into charon's notation (see lsw_proposals.h). Each algorithm is put
 * in its place by its name, not by its position in the proposal: pluto leaves out what a
 * proposal does not have (an ESP proposal without PFS, an IKE integrity algorithm implied by
 * the PRF), so positions do not say what a name is.
 */
#include "libreswan/lsw_proposals.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_ 32 /* PROPOSAL_NAME_MAX: longer is no algorithm name */

/* pluto's IKE PRF names: charon's PRF, and the integrity algorithm of the same hash that
 * pluto negotiates with it when the cipher is not AEAD. */
static const struct {
	const char *pluto, *prf, *integ;
} prfs[] = {
    {"HMAC_MD5", "PRF_HMAC_MD5", "HMAC_MD5_96"},
    {"HMAC_SHA1", "PRF_HMAC_SHA1", "HMAC_SHA1_96"},
    {"HMAC_SHA2_256", "PRF_HMAC_SHA2_256", "HMAC_SHA2_256_128"},
    {"HMAC_SHA2_384", "PRF_HMAC_SHA2_384", "HMAC_SHA2_384_192"},
    {"HMAC_SHA2_512", "PRF_HMAC_SHA2_512", "HMAC_SHA2_512_256"},
    {"AES_XCBC", "PRF_AES128_XCBC", "AES_XCBC_96"},
};

/* pluto's DH names that are not charon's. */
static const struct {
	const char *pluto, *charon;
} groups[] = {
    {"DH19", "ECP_256"},     {"DH20", "ECP_384"},   {"DH21", "ECP_521"},
    {"DH31", "CURVE_25519"}, {"DH32", "CURVE_448"},
};

enum kind { K_ENCR, K_INTEG, K_PRF, K_DH, K_NONE };

struct alg {
	enum kind kind;
	char name[NAME_MAX_];
	const char *derived_integ; /* for an IKE PRF */
};

static bool is_name(const char *p, size_t n)
{
	if (n == 0 || n >= NAME_MAX_)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
			return false;
	return true;
}

static bool digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* What one name of pluto's is, in charon's spelling. -EINVAL when it is no name. */
static int classify(bool ike, const char *p, size_t n, struct alg *ret)
{
	char a[NAME_MAX_];

	if (!is_name(p, n))
		return -EINVAL;
	memcpy(a, p, n);
	a[n] = '\0';
	memset(ret, 0, sizeof(*ret));
	ret->kind = K_ENCR;
	if (strcmp(a, "NONE") == 0) {
		ret->kind = K_NONE;
		return 0;
	}
	for (size_t i = 0; ike && i < sizeof(prfs) / sizeof(prfs[0]); i++)
		if (strcmp(a, prfs[i].pluto) == 0) {
			ret->kind = K_PRF;
			snprintf(ret->name, sizeof(ret->name), "%s", prfs[i].prf);
			ret->derived_integ = prfs[i].integ;
			return 0;
		}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(a, groups[i].pluto) == 0) {
			ret->kind = K_DH;
			snprintf(ret->name, sizeof(ret->name), "%s", groups[i].charon);
			return 0;
		}
	if (strncmp(a, "MODP", 4) == 0 && digits(a + 4)) {
		ret->kind = K_DH;
		/* a name may be one byte longer than pluto's: one digit fewer fits */
		if (strlen(a + 4) > sizeof(ret->name) - 6)
			return -EINVAL;
		memcpy(ret->name, "MODP_", 5);
		memcpy(ret->name + 5, a + 4, strlen(a + 4) + 1);
		return 0;
	}
	if (strncmp(a, "ECP_", 4) == 0 || strncmp(a, "CURVE_", 6) == 0 ||
	    strncmp(a, "MODP_", 5) == 0)
		ret->kind = K_DH;
	else if (strncmp(a, "HMAC_", 5) == 0 || strcmp(a, "AES_XCBC_96") == 0 ||
	         strcmp(a, "AES_CMAC_96") == 0)
		ret->kind = K_INTEG;
	snprintf(ret->name, sizeof(ret->name), "%s", strcmp(a, "3DES") == 0 ? "3DES_CBC" : a);
	return 0;
}

static bool aead(const char *encr)
{
	return strstr(encr, "GCM") || strstr(encr, "CCM") || strstr(encr, "POLY1305");
}

/* Append "%s" with @sep before it unless @out is empty; -ENOBUFS when it does not fit. */
static int put(char *out, size_t cap, size_t *len, const char *sep, const char *s)
{
	int w = snprintf(out + *len, cap - *len, "%s%s", *len ? sep : "", s);

	if (w < 0 || (size_t)w >= cap - *len)
		return -ENOBUFS;
	*len += (size_t)w;
	return 0;
}

/* One proposal ("A+B-C-D") of @n bytes, appended to @out as "IKE:A/B/C/D". */
static int one(bool ike, const char *p, size_t n, const char *pfs_groups, char *out, size_t cap,
               size_t *len)
{
	struct alg algs[64];
	size_t na = 0, i = 0, start;
	bool has_integ = false, has_dh = false, is_aead = false;
	char buf[64 * NAME_MAX_];
	size_t bl = 0;
	int err;

	while (i <= n) {
		start = i;
		while (i < n && p[i] != '-' && p[i] != '+')
			i++;
		if (na == sizeof(algs) / sizeof(algs[0]))
			return -EINVAL;
		if ((err = classify(ike, p + start, i - start, &algs[na])) < 0)
			return err;
		has_integ |= algs[na].kind == K_INTEG;
		has_dh |= algs[na].kind == K_DH;
		is_aead |= algs[na].kind == K_ENCR && aead(algs[na].name);
		na++;
		i++;
	}
	buf[0] = '\0';
	for (size_t k = 0; k < na; k++) {
		if (algs[k].kind == K_NONE)
			continue;
		if ((err = put(buf, sizeof(buf), &bl, "/", algs[k].name)) < 0)
			return err;
		/* pluto negotiates the PRF's hash as integrity when none is named */
		if (algs[k].kind == K_PRF && !has_integ && !is_aead &&
		    (err = put(buf, sizeof(buf), &bl, "/", algs[k].derived_integ)) < 0)
			return err;
	}
	if (!ike && !has_dh && pfs_groups && *pfs_groups &&
	    (err = put(buf, sizeof(buf), &bl, "/", pfs_groups)) < 0)
		return err;
	if (!bl)
		return -EINVAL;
	if ((err = put(out, cap, len, ", ", ike ? "IKE:" : "ESP:")) < 0)
		return err;
	/* the prefix went in with its separator: the proposal follows it directly */
	if (*len + bl >= cap)
		return -ENOBUFS;
	memcpy(out + *len, buf, bl + 1);
	*len += bl;
	return 0;
}

int lsw_proposals_to_charon(bool ike, const char *list, size_t len, const char *pfs_groups,
                            char *out, size_t cap)
{
	size_t i = 0, ol = 0;
	int err;

	if (!cap)
		return -ENOBUFS;
	out[0] = '\0';
	if (!list || !len)
		return -EINVAL;
	while (i < len) {
		size_t start, end;

		while (i < len && list[i] == ' ')
			i++;
		start = i;
		while (i < len && list[i] != ',')
			i++;
		end = i;
		while (end > start && list[end - 1] == ' ')
			end--;
		if (end == start ||
		    (err = one(ike, list + start, end - start, pfs_groups, out, cap, &ol)) < 0) {
			out[0] = '\0';
			return end == start ? -EINVAL : err;
		}
		i++; /* the ',' */
	}
	return 0;
}

int lsw_proposals_groups(const char *ike_list, size_t len, char *out, size_t cap)
{
	size_t i = 0, ol = 0;

	if (!cap)
		return -ENOBUFS;
	out[0] = '\0';
	while (ike_list && i < len) {
		size_t start;
		struct alg a;

		while (i < len && (ike_list[i] == ' ' || ike_list[i] == ',' || ike_list[i] == '-' ||
		                   ike_list[i] == '+'))
			i++;
		start = i;
		while (i < len && ike_list[i] != '-' && ike_list[i] != '+' && ike_list[i] != ',' &&
		       ike_list[i] != ' ')
			i++;
		if (i == start || classify(true, ike_list + start, i - start, &a) < 0 ||
		    a.kind != K_DH)
			continue;
		/* each once, "/" apart */
		{
			const char *q = out;
			size_t n = strlen(a.name);
			bool dup = false;

			while (*q && !dup) {
				const char *e = strchr(q, '/');
				size_t l = e ? (size_t)(e - q) : strlen(q);

				dup = l == n && memcmp(q, a.name, n) == 0;
				q += l + (e ? 1 : 0);
			}
			if (!dup && put(out, cap, &ol, "/", a.name) < 0)
				return -ENOBUFS;
		}
	}
	return 0;
}
