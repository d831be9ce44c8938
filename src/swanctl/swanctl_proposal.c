// SPDX-License-Identifier: Apache-2.0
/*
 * Proposal lists into per-transform algorithm sets (contract in swanctl_proposal.h). The
 * keywords and aliases are strongSwan's (src/libstrongswan/crypto/proposal/
 * proposal_keywords_static.txt); an algorithm we do not know is kept by its name, so two ends
 * naming it the same way still match.
 */
#include "swanctl/swanctl_proposal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *proposal_transform_name(enum proposal_transform t)
{
	static const char *const names[PROPOSAL_T_COUNT] = {
	    [PROPOSAL_T_ENCR] = "encryption algorithm",
	    [PROPOSAL_T_INTEG] = "integrity algorithm",
	    [PROPOSAL_T_PRF] = "PRF",
	    [PROPOSAL_T_KE] = "key-exchange group",
	    [PROPOSAL_T_ESN] = "ESN mode",
	};

	return t < PROPOSAL_T_COUNT ? names[t] : "";
}

const char *proposal_transform_key(enum proposal_transform t)
{
	static const char *const keys[PROPOSAL_T_COUNT] = {
	    [PROPOSAL_T_ENCR] = "encr", [PROPOSAL_T_INTEG] = "integ", [PROPOSAL_T_PRF] = "prf",
	    [PROPOSAL_T_KE] = "ke",     [PROPOSAL_T_ESN] = "esn",
	};

	return t < PROPOSAL_T_COUNT ? keys[t] : "";
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

static enum proposal_transform fs_classify(const char *a, bool *aead)
{
	static const char *const integ[] = {
	    "md5",    "md5_128", "sha1",    "sha1_160", "sha256",          "sha256_96",
	    "sha384", "sha512",  "aesxcbc", "aescmac",  "camellia192xcbc",
	};
	static const char *const ke_prefix[] = {"modp",      "ecp",   "curve",
	                                        "brainpool", "mlkem", "ntru"};

	if (strcmp(a, "esn") == 0 || strcmp(a, "noesn") == 0)
		return PROPOSAL_T_ESN;
	if (strcmp(a, "none") == 0)
		return PROPOSAL_T_KE;
	for (size_t i = 0; i < sizeof(ke_prefix) / sizeof(ke_prefix[0]); i++)
		if (starts(a, ke_prefix[i]))
			return PROPOSAL_T_KE;
	if (starts(a, "prf"))
		return PROPOSAL_T_PRF;
	for (size_t i = 0; i < sizeof(integ) / sizeof(integ[0]); i++)
		if (strcmp(a, integ[i]) == 0)
			return PROPOSAL_T_INTEG;
	if (strstr(a, "gcm") || strstr(a, "ccm") || strstr(a, "poly1305") || strstr(a, "gmac"))
		*aead = true;
	return PROPOSAL_T_ENCR;
}

static bool fs_add(struct proposal *p, enum proposal_transform t, const char *a)
{
	for (unsigned i = 0; i < p->n[t]; i++)
		if (strcmp(p->alg[t][i], a) == 0)
			return true;
	if (p->n[t] >= PROPOSAL_ALGS_MAX)
		return false;
	snprintf(p->alg[t][p->n[t]++], PROPOSAL_NAME_MAX, "%s", a);
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
static bool fs_complete(enum proposal_kind k, struct proposal *p)
{
	if (p->n[PROPOSAL_T_ENCR] == 0)
		return false;
	if (p->n[PROPOSAL_T_INTEG] == 0 && !fs_add(p, PROPOSAL_T_INTEG, "none"))
		return false;
	if (k == PROPOSAL_CHILD) {
		p->n[PROPOSAL_T_PRF] = 0; /* ESP has no PRF */
		if (p->n[PROPOSAL_T_KE] == 0)
			fs_add(p, PROPOSAL_T_KE, "none"); /* no group: no PFS */
		if (p->n[PROPOSAL_T_ESN] == 0)
			fs_add(p, PROPOSAL_T_ESN, "noesn");
		return true;
	}
	p->n[PROPOSAL_T_ESN] = 0;
	if (p->n[PROPOSAL_T_KE] == 0)
		return false; /* an IKE proposal needs a group */
	if (p->n[PROPOSAL_T_PRF] == 0) {
		for (unsigned i = 0; i < p->n[PROPOSAL_T_INTEG]; i++) {
			const char *prf = fs_prf_of(p->alg[PROPOSAL_T_INTEG][i]);

			if (prf && !fs_add(p, PROPOSAL_T_PRF, prf))
				return false;
		}
		if (p->n[PROPOSAL_T_PRF] == 0)
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
	char tail[PROPOSAL_NAME_MAX];

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
			char out[PROPOSAL_NAME_MAX];
			int w = snprintf(out, sizeof(out), "%s%s%s", patterns[i].before, tail,
			                 patterns[i].after);

			if (w > 0 && (size_t)w < sizeof(out))
				snprintf(a, cap, "%s", out);
		}
		return;
	}
}

int proposal_list_parse(enum proposal_kind k, const char *s, struct proposal_list *side,
                        const char *who, char *why, size_t why_len)
{
	const char *at = s;
	size_t skip;
	char sep;

	side->n = 0;
	if (!s || !*s) {
		snprintf(why, why_len, "%s configured proposals are not known", who);
		return -ENODATA;
	}
	while (*at) {
		const char *end = strchr(at, ',');
		size_t len = end ? (size_t)(end - at) : strlen(at);
		struct proposal *p;
		size_t i = 0;

		if (side->n >= PROPOSALS_MAX) {
			snprintf(why, why_len, "%s list has more than %d proposals", who,
			         PROPOSALS_MAX);
			return -E2BIG;
		}
		p = &side->p[side->n++];
		memset(p, 0, sizeof(*p));
		/* blanks around a proposal are trimmed, as swanctl does (and charon's notation
		 * in its log is ", " apart) */
		while (len > 0 && (at[len - 1] == ' ' || at[len - 1] == '\t'))
			len--;
		if (len > 0 && at[len - 1] == '!')
			len--; /* strict flag: no effect on what can match */
		while (i < len && (at[i] == ' ' || at[i] == '\t'))
			i++;
		sep = '-';
		if (fs_charon_prefix(at + i, len - i, &skip)) {
			sep = '/';
			i += skip;
		}
		while (i < len) {
			char a[PROPOSAL_NAME_MAX];
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
				return -ENODATA;
			}
			if (sep == '/')
				fs_from_charon(a, sizeof(a));
			fs_fold(a, sizeof(a));
			{
				bool aead = false;
				enum proposal_transform t = fs_classify(a, &aead);

				p->aead |= aead;
				if (!fs_add(p, t, a))
					goto bad;
			}
		}
		if (!fs_complete(k, p))
			goto bad;
		at = end ? end + 1 : at + len + strlen(at + len);
		continue;
	bad:
		snprintf(why, why_len, "%s proposal \"%.*s\" cannot be read", who,
		         (int)(len > 64 ? 64 : len), at);
		return -EINVAL;
	}
	if (side->n == 0) {
		snprintf(why, why_len, "%s configured proposals are empty", who);
		return -ENODATA;
	}
	return 0;
}

size_t proposal_list_union(const struct proposal_list *l, enum proposal_transform t,
                           const char **ret, size_t cap)
{
	size_t n = 0;

	if (t >= PROPOSAL_T_COUNT)
		return 0;
	for (unsigned i = 0; i < l->n; i++) {
		for (unsigned k = 0; k < l->p[i].n[t]; k++) {
			const char *a = l->p[i].alg[t][k];
			bool dup = false;

			for (unsigned j = 0; j <= i && !dup; j++)
				for (unsigned m = 0; m < (j < i ? l->p[j].n[t] : k) && !dup; m++)
					dup = strcmp(l->p[j].alg[t][m], a) == 0;
			if (dup)
				continue;
			if (n < cap)
				ret[n] = a;
			n++;
		}
	}
	return n;
}

void proposal_list_join(const struct proposal_list *l, enum proposal_transform t, char *out,
                        size_t cap)
{
	const char *algs[PROPOSALS_MAX * PROPOSAL_ALGS_MAX];
	size_t n = proposal_list_union(l, t, algs, sizeof(algs) / sizeof(algs[0])), off = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < n && i < sizeof(algs) / sizeof(algs[0]) && off < cap; i++) {
		const char *a = algs[i];
		int w;

		if (t == PROPOSAL_T_KE && strcmp(a, "none") == 0)
			a = "none (no PFS)";
		w = snprintf(out + off, cap - off, "%s%s", off ? "/" : "", a);
		off = w < 0 ? cap : off + (size_t)w;
	}
}
