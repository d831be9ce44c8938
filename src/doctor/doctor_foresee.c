// SPDX-License-Identifier: Apache-2.0
/*
 * Proposal agreement for the next rekey (contract in doctor_foresee.h). Each side's list is
 * parsed into proposals, each proposal into a set of algorithm names per transform type, after
 * folding aliases; then every pair (ours, theirs) is tried as charon's proposal selection does.
 */
#include "doctor/doctor_foresee.h"

#include "doctor/doctor_facts.h"
#include "doctor/doctor_report.h"
#include "exporter/sa_foresee.h"

#include <inttypes.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FS_PROPS_MAX 16 /* proposals per side; more makes the verdict UNKNOWN */
#define FS_ALGS_MAX 16  /* algorithms per transform type in one proposal */
#define FS_NAME_MAX 32  /* one algorithm name, NUL included */

struct fs_prop {
	char alg[FORESEE_T_COUNT][FS_ALGS_MAX][FS_NAME_MAX];
	unsigned n[FORESEE_T_COUNT];
	bool aead;
};

struct fs_side {
	struct fs_prop p[FS_PROPS_MAX];
	unsigned n;
};

const char *foresee_transform_name(enum foresee_transform t)
{
	static const char *const names[FORESEE_T_COUNT] = {
	    [FORESEE_T_ENCR] = "encryption", [FORESEE_T_INTEG] = "integrity",
	    [FORESEE_T_PRF] = "PRF",         [FORESEE_T_KE] = "key exchange (PFS) group",
	    [FORESEE_T_ESN] = "ESN",
	};

	return t < FORESEE_T_COUNT ? names[t] : "";
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Fold strongSwan's aliases to one spelling (src/libstrongswan/crypto/proposal/
 * proposal_keywords_static.txt): what both ends would select as the same transform. */
static void fs_fold(char *a, size_t cap)
{
	static const char *const alias[][2] = {
	    {"sha", "sha1"},
	    {"sha2_256", "sha256"},
	    {"sha2_384", "sha384"},
	    {"sha2_512", "sha512"},
	    {"sha2_256_96", "sha256_96"},
	    {"aes", "aes128"},
	    {"x25519", "curve25519"},
	    {"x448", "curve448"},
	    {"prfsha", "prfsha1"},
	    {"prfsha2_256", "prfsha256"},
	    {"prfsha2_384", "prfsha384"},
	    {"prfsha2_512", "prfsha512"},
	    {"sha1_160", "sha1_160"},
	};
	char *mode;

	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		if (strcmp(a, alias[i][0]) == 0) {
			snprintf(a, cap, "%s", alias[i][1]);
			return;
		}
	}
	/* AEAD ICV length: aes128gcm = aes128gcm16 = aes128gcm128; 96 = 12, 64 = 8; "aesgcm16"
	 * is aes128gcm16 */
	mode = strstr(a, "gcm");
	if (!mode)
		mode = strstr(a, "ccm");
	if (mode && starts(a, "aes") && !strstr(a, "gmac")) {
		char key[8] = "", icv[8] = "16", kind[4];
		const char *tail = mode + 3;
		size_t klen = (size_t)(mode - (a + 3));

		if (klen >= sizeof(key))
			return;
		memcpy(key, a + 3, klen);
		key[klen] = '\0';
		memcpy(kind, mode, 3);
		kind[3] = '\0';
		if (strcmp(tail, "") == 0 || strcmp(tail, "16") == 0 || strcmp(tail, "128") == 0)
			snprintf(icv, sizeof(icv), "16");
		else if (strcmp(tail, "12") == 0 || strcmp(tail, "96") == 0)
			snprintf(icv, sizeof(icv), "12");
		else if (strcmp(tail, "8") == 0 || strcmp(tail, "64") == 0)
			snprintf(icv, sizeof(icv), "8");
		else
			return; /* unknown: compared by name */
		snprintf(a, cap, "aes%s%s%s", key[0] ? key : "128", kind, icv);
	}
}

static enum foresee_transform fs_classify(const char *a, bool *aead)
{
	static const char *const integ[] = {
	    "md5",    "md5_128", "sha1",    "sha1_160", "sha256",          "sha256_96",
	    "sha384", "sha512",  "aesxcbc", "aescmac",  "camellia192xcbc",
	};
	static const char *const ke_prefix[] = {"modp",      "ecp",   "curve",
	                                        "brainpool", "mlkem", "ntru"};

	if (strcmp(a, "esn") == 0 || strcmp(a, "noesn") == 0)
		return FORESEE_T_ESN;
	if (strcmp(a, "none") == 0)
		return FORESEE_T_KE;
	for (size_t i = 0; i < sizeof(ke_prefix) / sizeof(ke_prefix[0]); i++)
		if (starts(a, ke_prefix[i]))
			return FORESEE_T_KE;
	if (starts(a, "prf"))
		return FORESEE_T_PRF;
	for (size_t i = 0; i < sizeof(integ) / sizeof(integ[0]); i++)
		if (strcmp(a, integ[i]) == 0)
			return FORESEE_T_INTEG;
	if (strstr(a, "gcm") || strstr(a, "ccm") || strstr(a, "poly1305") || strstr(a, "gmac"))
		*aead = true;
	return FORESEE_T_ENCR;
}

static bool fs_add(struct fs_prop *p, enum foresee_transform t, const char *a)
{
	for (unsigned i = 0; i < p->n[t]; i++)
		if (strcmp(p->alg[t][i], a) == 0)
			return true;
	if (p->n[t] >= FS_ALGS_MAX)
		return false;
	snprintf(p->alg[t][p->n[t]++], FS_NAME_MAX, "%s", a);
	return true;
}

/* The PRF strongSwan derives from an integrity algorithm when a proposal names none. */
static const char *fs_prf_of(const char *integ)
{
	static const char *const map[][2] = {
	    {"md5", "prfmd5"},          {"sha1", "prfsha1"},       {"sha256", "prfsha256"},
	    {"sha256_96", "prfsha256"}, {"sha384", "prfsha384"},   {"sha512", "prfsha512"},
	    {"aesxcbc", "prfaesxcbc"},  {"aescmac", "prfaescmac"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(integ, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* Defaults and consistency for the exchange; false when the proposal cannot be used. */
static bool fs_complete(enum foresee_exchange x, struct fs_prop *p)
{
	if (p->n[FORESEE_T_ENCR] == 0)
		return false;
	if (p->n[FORESEE_T_INTEG] == 0 && !fs_add(p, FORESEE_T_INTEG, "none"))
		return false;
	if (x == FORESEE_CHILD_REKEY) {
		p->n[FORESEE_T_PRF] = 0; /* ESP has no PRF */
		if (p->n[FORESEE_T_KE] == 0)
			fs_add(p, FORESEE_T_KE, "none"); /* no group: no PFS */
		if (p->n[FORESEE_T_ESN] == 0)
			fs_add(p, FORESEE_T_ESN, "noesn");
		return true;
	}
	p->n[FORESEE_T_ESN] = 0;
	if (p->n[FORESEE_T_KE] == 0)
		return false; /* an IKE proposal needs a group */
	if (p->n[FORESEE_T_PRF] == 0) {
		for (unsigned i = 0; i < p->n[FORESEE_T_INTEG]; i++) {
			const char *prf = fs_prf_of(p->alg[FORESEE_T_INTEG][i]);

			if (prf && !fs_add(p, FORESEE_T_PRF, prf))
				return false;
		}
		if (p->n[FORESEE_T_PRF] == 0)
			return false; /* AEAD without a PRF */
	}
	return true;
}

/* "IKE:" / "ESP:" / "AH:" starts a proposal in charon's notation (its log's "configured
 * proposals: ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ"). */
static bool fs_charon_prefix(const char *p, size_t len, size_t *ret_skip)
{
	static const char *const prefixes[] = {"IKE:", "ESP:", "AH:"};

	for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++) {
		size_t n = strlen(prefixes[k]);

		if (len >= n && memcmp(p, prefixes[k], n) == 0) {
			*ret_skip = n;
			return true;
		}
	}
	return false;
}

/* A charon algorithm name (already lower case: "aes_gcm_16_256", "hmac_sha2_256_128",
 * "prf_hmac_sha2_384", "ecp_256_bp", "no_ext_seq") to swanctl's keyword, in place. */
static void fs_from_charon(char *a, size_t cap)
{
	static const char *const fixed[][2] = {
	    {"hmac_md5_96", "md5"},
	    {"hmac_md5_128", "md5_128"},
	    {"hmac_sha1_96", "sha1"},
	    {"hmac_sha1_160", "sha1_160"},
	    {"hmac_sha2_256_96", "sha256_96"},
	    {"hmac_sha2_256_128", "sha256"},
	    {"hmac_sha2_384_192", "sha384"},
	    {"hmac_sha2_512_256", "sha512"},
	    {"aes_xcbc_96", "aesxcbc"},
	    {"aes_cmac_96", "aescmac"},
	    {"prf_hmac_md5", "prfmd5"},
	    {"prf_hmac_sha1", "prfsha1"},
	    {"prf_hmac_sha2_256", "prfsha256"},
	    {"prf_hmac_sha2_384", "prfsha384"},
	    {"prf_hmac_sha2_512", "prfsha512"},
	    {"prf_aes128_xcbc", "prfaesxcbc"},
	    {"prf_aes128_cmac", "prfaescmac"},
	    {"no_ext_seq", "noesn"},
	    {"ext_seq", "esn"},
	    {"curve_25519", "curve25519"},
	    {"curve_448", "curve448"},
	    {"3des_cbc", "3des"},
	    {"chacha20_poly1305", "chacha20poly1305"},
	    {"chacha20_poly1305_256", "chacha20poly1305"},
	};
	static const struct {
		const char *prefix, *before, *after; /* keyword = before + digits + after */
	} patterns[] = {
	    {"aes_cbc_", "aes", ""},
	    {"aes_ctr_", "aes", "ctr"},
	    {"aes_gcm_16_", "aes", "gcm16"},
	    {"aes_gcm_12_", "aes", "gcm12"},
	    {"aes_gcm_8_", "aes", "gcm8"},
	    {"aes_ccm_16_", "aes", "ccm16"},
	    {"aes_ccm_12_", "aes", "ccm12"},
	    {"aes_ccm_8_", "aes", "ccm8"},
	    {"camellia_cbc_", "camellia", ""},
	    {"modp_", "modp", ""},
	    {"ecp_", "ecp", ""},
	};
	char tail[FS_NAME_MAX];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (strcmp(a, fixed[i][0]) == 0) {
			snprintf(a, cap, "%s", fixed[i][1]);
			return;
		}
	}
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		size_t n = strlen(patterns[i].prefix);

		if (strncmp(a, patterns[i].prefix, n) != 0)
			continue;
		snprintf(tail, sizeof(tail), "%s", a + n);
		/* "ecp_256_bp" -> "ecp256bp" */
		if (strlen(tail) > 3 && strcmp(tail + strlen(tail) - 3, "_bp") == 0)
			memmove(tail + strlen(tail) - 3, "bp", 3);
		{
			char out[FS_NAME_MAX];
			int w = snprintf(out, sizeof(out), "%s%s%s", patterns[i].before, tail,
			                 patterns[i].after);

			if (w > 0 && (size_t)w < sizeof(out))
				snprintf(a, cap, "%s", out);
		}
		return;
	}
}

/* Parse one side; a message in @why when it cannot be used. */
static bool fs_parse(enum foresee_exchange x, const char *s, struct fs_side *side, const char *who,
                     char *why, size_t why_len)
{
	const char *at = s;
	size_t skip;
	char sep;

	side->n = 0;
	if (!s || !*s) {
		snprintf(why, why_len, "%s configured proposals are not known", who);
		return false;
	}
	while (*at) {
		const char *end = strchr(at, ',');
		size_t len = end ? (size_t)(end - at) : strlen(at);
		struct fs_prop *p;
		size_t i = 0;

		if (side->n >= FS_PROPS_MAX) {
			snprintf(why, why_len, "%s list has more than %d proposals", who,
			         FS_PROPS_MAX);
			return false;
		}
		p = &side->p[side->n++];
		memset(p, 0, sizeof(*p));
		if (len > 0 && at[len - 1] == '!')
			len--; /* strict flag: no effect on what can match */
		/* charon's own notation, as its log prints "configured proposals": ", " apart */
		while (i < len && at[i] == ' ')
			i++;
		sep = '-';
		if (fs_charon_prefix(at + i, len - i, &skip)) {
			sep = '/';
			i += skip;
		}
		while (i < len) {
			char a[FS_NAME_MAX];
			size_t n = 0;

			while (i < len && at[i] != sep) {
				char c = at[i++];

				if (c >= 'A' && c <= 'Z')
					c = (char)(c - 'A' + 'a');
				if (n + 1 >= sizeof(a) || c == ' ' || c == '\t')
					goto bad;
				a[n++] = c;
			}
			a[n] = '\0';
			i++; /* the '-' */
			if (n == 0)
				goto bad;
			if (strcmp(a, "default") == 0) {
				snprintf(why, why_len,
				         "%s proposals are charon's built-in default list, which "
				         "depends on its plugins",
				         who);
				return false;
			}
			if (sep == '/')
				fs_from_charon(a, sizeof(a));
			fs_fold(a, sizeof(a));
			{
				bool aead = false;
				enum foresee_transform t = fs_classify(a, &aead);

				p->aead |= aead;
				if (!fs_add(p, t, a))
					goto bad;
			}
		}
		if (!fs_complete(x, p))
			goto bad;
		at = end ? end + 1 : at + len + strlen(at + len);
		continue;
	bad:
		snprintf(why, why_len, "%s proposal \"%.*s\" cannot be read", who,
		         (int)(len > 64 ? 64 : len), at);
		return false;
	}
	if (side->n == 0) {
		snprintf(why, why_len, "%s configured proposals are empty", who);
		return false;
	}
	return true;
}

static bool fs_meet(const struct fs_prop *a, const struct fs_prop *b, enum foresee_transform t)
{
	if (a->n[t] == 0 && b->n[t] == 0)
		return true; /* not part of this exchange */
	for (unsigned i = 0; i < a->n[t]; i++)
		for (unsigned j = 0; j < b->n[t]; j++)
			if (strcmp(a->alg[t][i], b->alg[t][j]) == 0)
				return true;
	return false;
}

/* Every algorithm of type @t over a side, "/"-joined ("none" read as "none (no PFS)"). */
static void fs_union(const struct fs_side *s, enum foresee_transform t, char *out, size_t cap)
{
	size_t off = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < s->n; i++) {
		for (unsigned k = 0; k < s->p[i].n[t]; k++) {
			const char *a = s->p[i].alg[t][k];
			bool dup = false;

			for (unsigned j = 0; j < i && !dup; j++)
				for (unsigned l = 0; l < s->p[j].n[t] && !dup; l++)
					dup = strcmp(s->p[j].alg[t][l], a) == 0;
			if (dup)
				continue;
			if (t == FORESEE_T_KE && strcmp(a, "none") == 0)
				a = "none (no PFS)";
			if (off < cap) {
				int w = snprintf(out + off, cap - off, "%s%s", off ? "/" : "", a);

				off = w < 0 ? cap : off + (size_t)w;
			}
		}
	}
}

enum foresee_verdict foresee_proposals(enum foresee_exchange x, const char *ours,
                                       const char *theirs, struct foresee_result *ret)
{
	struct fs_side *us = calloc(2, sizeof(*us)), *them;
	bool met[FORESEE_T_COUNT] = {false};

	memset(ret, 0, sizeof(*ret));
	ret->transform = FORESEE_NONE;
	ret->verdict = FORESEE_UNKNOWN;
	if (!us) {
		snprintf(ret->reason, sizeof(ret->reason), "out of memory");
		return ret->verdict;
	}
	them = us + 1;
	if (!fs_parse(x, ours, us, "our", ret->reason, sizeof(ret->reason)) ||
	    !fs_parse(x, theirs, them, "the peer's", ret->reason, sizeof(ret->reason)))
		goto out;
	for (unsigned i = 0; i < us->n; i++) {
		for (unsigned j = 0; j < them->n; j++) {
			bool all = true;

			for (int t = 0; t < FORESEE_T_COUNT; t++) {
				bool m = fs_meet(&us->p[i], &them->p[j], (enum foresee_transform)t);

				met[t] |= m;
				all &= m;
			}
			if (all) {
				ret->verdict = FORESEE_AGREE;
				snprintf(ret->reason, sizeof(ret->reason),
				         "our proposal %u and the peer's proposal %u agree", i + 1,
				         j + 1);
				goto out;
			}
		}
	}
	ret->verdict = FORESEE_FAIL;
	for (int t = 0; t < FORESEE_T_COUNT; t++) {
		char a[128], b[128];

		if (met[t])
			continue;
		ret->transform = (enum foresee_transform)t;
		fs_union(us, ret->transform, a, sizeof(a));
		fs_union(them, ret->transform, b, sizeof(b));
		snprintf(ret->reason, sizeof(ret->reason), "no common %s: ours %s, the peer's %s",
		         foresee_transform_name(ret->transform), a, b);
		goto out;
	}
	snprintf(ret->reason, sizeof(ret->reason),
	         "each transform type has an algorithm in common, but no proposal of ours matches "
	         "one of the peer's on all of them");
out:
	free(us);
	return ret->verdict;
}

void doctor_foresee_findings(struct doctor_report *r, const struct doctor_facts *f,
                             const struct doctor_conn_facts *c)
{
	struct sa_snapshot now = {.now = f->now};

	if (!f->charon_up || !c->up)
		return;
	for (uint32_t i = 0; i < c->n_children; i++) {
		const struct doctor_child_facts *ch = &c->children[i];
		struct snap_child sc = {.name = ch->name,
		                        .state = ch->state,
		                        .rekey_time = ch->rekey_time,
		                        .life_time = ch->life_time};
		struct sa_forecast fc;
		struct doctor_finding *d;

		if (!ch->up || !sa_foresee_child(&now, &sc, &fc) ||
		    fc.reason != SA_FORESEE_LIFETIME)
			continue;
		if (ch->rekey_time != SNAP_NONE)
			d = doctor_add(r, "rekey_will_fail", c->name, DOCTOR_SEV_WARN, 60,
			               "the next CHILD rekey of %s/%s in %" PRId64
			               " s will fail: the SA expires first, in %" PRId64 " s",
			               c->name, ch->name, ch->rekey_time, ch->life_time);
		else
			d = doctor_add(r, "rekey_will_fail", c->name, DOCTOR_SEV_WARN, 60,
			               "CHILD SA %s/%s expires in %" PRId64
			               " s and is never rekeyed: it will go down",
			               c->name, ch->name, ch->life_time);
		if (ch->rekey_time != SNAP_NONE)
			doctor_evidence(d,
			                "list-sas: rekey due in %" PRId64
			                " s, hard lifetime ends in %" PRId64 " s",
			                ch->rekey_time, ch->life_time);
		else
			doctor_evidence(
			    d, "list-sas: no rekey scheduled, hard lifetime ends in %" PRId64 " s",
			    ch->life_time);
		if (ch->cfg_rekey_time != SNAP_NONE)
			doctor_evidence(
			    d,
			    "configured rekey_time %" PRId64
			    " s: life_time must be above it (default rekey_time + 10 %%)",
			    ch->cfg_rekey_time);
		doctor_next(d,
		            "swanctl --list-conns   # then raise life_time of %s above rekey_time",
		            ch->name);
	}
}
