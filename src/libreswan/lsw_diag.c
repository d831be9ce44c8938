// SPDX-License-Identifier: Apache-2.0
/*
 * pluto's items of the diag bundle (see lsw_diag.h).
 */
#include "libreswan/lsw_diag.h"

#include "common/buf.h"
#include "common/file_read.h"
#include "common/limits.h"
#include "diag/diag_exec.h"
#include "libreswan/lsw_parse.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool lsw_diag_conf_name(const char *name)
{
	size_t n = strlen(name);

	/* "x.secrets", "x.secrets.conf", ".conf": never */
	return n > 5 && name[0] != '.' && strcmp(name + n - 5, ".conf") == 0 &&
	       !strstr(name, "secret");
}

/* One whack answer as libreswan/@what.txt; with --status, its text stays in @ret_status (may
 * be NULL) for the configuration paths. */
static void whack_item(struct lsw_source *l, struct diag_bundle *b, const char *what,
                       struct buf *ret_status)
{
	struct diag_exec_result r;
	char path[64], desc[96], why[192];
	struct buf out;

	snprintf(path, sizeof(path), "libreswan/%s.txt", what);
	snprintf(desc, sizeof(desc), "whack --%s", what);
	snprintf(why, sizeof(why), "--%s", what);
	if (lsw_source_whack(l, why, &r, why, sizeof(why)) < 0) {
		diag_bundle_missing(b, path, desc, DIAG_FAILED, why);
		return;
	}
	buf_init(&out, DIAG_ITEM_MAX + 256);
	buf_printf(&out, "$ whack --ctlsocket %s --%s\n", lsw_source_ctl(l), what);
	if (r.out.len)
		buf_append(&out, r.out.data, r.out.len);
	diag_bundle_add_text(b, path, desc, out.data ? out.data : "", out.len, NULL);
	if (ret_status && r.out.len)
		buf_append(ret_status, r.out.data, r.out.len);
	buf_done(&out);
	diag_exec_result_done(&r);
}

/* A configuration file as @path in the bundle. */
static void conf_item(struct diag_bundle *b, const char *src, const char *path)
{
	char what[PATH_MAX + 32], why[PATH_MAX + 64], *text;
	size_t len;
	int err;

	snprintf(what, sizeof(what), "pluto's configuration %s", src);
	if ((err = file_read_all(src, DIAG_ITEM_MAX, &text, &len)) < 0) {
		snprintf(why, sizeof(why), "%s: %s", src, strerror(-err));
		diag_bundle_missing(b, path, what, DIAG_FAILED, why);
		return;
	}
	diag_bundle_add_text(b, path, what, text, len, NULL);
	free(text);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.conf files of ipsec.d (sorted, so that bundles compare), without the main file when it
 * lives there too (the lab keeps both in one directory). */
static void conf_dir(struct diag_bundle *b, const char *dir, const struct stat *main_st)
{
	char *names[LSW_DIAG_CONF_MAX], src[PATH_MAX], path[PATH_MAX], why[PATH_MAX + 64];
	size_t n = 0, more = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d) {
		snprintf(why, sizeof(why), "%s: %s", dir, strerror(errno));
		diag_bundle_missing(b, "config/ipsec.d", "pluto's ipsec.d (*.conf)", DIAG_SKIPPED,
		                    why);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (!lsw_diag_conf_name(e->d_name) ||
		    snprintf(src, sizeof(src), "%s/%s", dir, e->d_name) >= (int)sizeof(src) ||
		    stat(src, &st) < 0 || !S_ISREG(st.st_mode) ||
		    (main_st && st.st_dev == main_st->st_dev && st.st_ino == main_st->st_ino))
			continue;
		if (n == LSW_DIAG_CONF_MAX || !(names[n] = strdup(e->d_name))) {
			more++;
			continue;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n; i++) {
		snprintf(src, sizeof(src), "%s/%s", dir, names[i]);
		snprintf(path, sizeof(path), "config/ipsec.d/%s", names[i]);
		conf_item(b, src, path);
		free(names[i]);
	}
	if (more) {
		snprintf(why, sizeof(why), "%zu more *.conf files in %s than the %u taken", more,
		         dir, LSW_DIAG_CONF_MAX);
		diag_bundle_missing(b, "config/ipsec.d", "pluto's ipsec.d (*.conf)", DIAG_SKIPPED,
		                    why);
	}
}

static void items(void *ctx, const struct diag_options *o, struct diag_bundle *b)
{
	struct lsw_source *l = ctx;
	struct sa_snapshot s;
	struct lsw_info info = {0};
	struct stat main_st;
	struct buf status;
	bool have_main;

	(void)o;
	buf_init(&status, LSW_OUTPUT_MAX);
	whack_item(l, b, "status", &status);
	whack_item(l, b, "trafficstatus", NULL);
	whack_item(l, b, "globalstatus", NULL);
	/* where pluto read its configuration: it says so itself */
	sa_snapshot_init(&s);
	if (status.len)
		lsw_parse_status(&s, (const char *)status.data, status.len, &info);
	sa_snapshot_done(&s);
	buf_done(&status);
	if (!info.configfile[0]) {
		diag_bundle_missing(b, "config/ipsec.conf", "pluto's ipsec.conf", DIAG_FAILED,
		                    "whack --status did not name pluto's configfile");
		return;
	}
	conf_item(b, info.configfile, "config/ipsec.conf");
	have_main = stat(info.configfile, &main_st) == 0;
	if (info.ipsecdir[0])
		conf_dir(b, info.ipsecdir, have_main ? &main_st : NULL);
	else
		diag_bundle_missing(b, "config/ipsec.d", "pluto's ipsec.d (*.conf)", DIAG_SKIPPED,
		                    "whack --status did not name pluto's ipsecdir");
}

void lsw_diag_daemon(struct lsw_source *l, const struct doctor_daemon_source *doctor,
                     struct diag_daemon *ret)
{
	*ret = (struct diag_daemon){.name = "pluto", .items = items, .ctx = l, .doctor = doctor};
}
