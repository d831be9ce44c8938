// SPDX-License-Identifier: Apache-2.0
/*
 * Choosing the daemon (see daemon_source.h).
 */
#include "cmd/daemon_source.h"

#include "common/log.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

const struct opt daemon_opts[] = {
    {OPT_LIBRESWAN_CTL, 0, "libreswan.ctl", OPT_T_PATH, "PATH",
     "read Libreswan's pluto through this control socket instead of charon (default: "
     "pluto's " LSW_DEFAULT_CTL " when charon's VICI socket is absent)"},
    {OPT_LIBRESWAN_WHACK, 0, "libreswan.whack", OPT_T_PATH, "PATH",
     "the whack program that reads pluto (default " LSW_DEFAULT_WHACK ")"},
    {OPT_END},
};

static bool is_socket(const char *path)
{
	struct stat st;

	if (strncmp(path, "unix://", 7) == 0)
		path += 7;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

int daemon_source_open(const struct cmd *c, const struct charon_flags *f, const struct config *cfg,
                       const struct collector_source **ret_src, struct lsw_source **ret_lsw)
{
	const char *ctl = f->libreswan_ctl;

	*ret_src = NULL;
	*ret_lsw = NULL;
	/* charon wins when both run: its socket is what the user configured for */
	if (!ctl && !f->vici_socket && !is_socket(cfg->vici_socket) && is_socket(LSW_DEFAULT_CTL))
		ctl = LSW_DEFAULT_CTL;
	if (!ctl)
		return 0;
	*ret_lsw = lsw_source_new(ctl, f->libreswan_whack, cfg->vici_timeout_ms);
	if (!*ret_lsw) {
		fprintf(stderr, "ikewatch %s: out of memory\n", c->name);
		return 1;
	}
	*ret_src = lsw_source_collector(*ret_lsw);
	return 0;
}

void daemon_source_events(const struct collector_source *src, struct events_config *ec)
{
	if (!src)
		return;
	ec->stream = false;
	if (ec->log_source == EVENTS_LOG_VICI) {
		ec->log_source = EVENTS_LOG_NONE;
		log_warn(
		    "events: pluto has no VICI log; set events.log_source to file or journal to "
		    "count its failures and rekeys (docs/libreswan.md)");
	}
}
