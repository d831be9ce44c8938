// SPDX-License-Identifier: Apache-2.0
/*
 * VICI commands for heal. initiate and terminate stream "control-log" events while they run and
 * answer {success, errmsg}; rekey answers {success, matches}. A timeout is passed to charon so
 * that it answers even when the peer does not (the command then reports failure, which is an
 * honest result for a rung).
 */
#include "heal/heal_actions.h"

#include "common/clock.h"
#include "vici/vici_conn.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define HEAL_VICI_ACTION_TIMEOUT "10000"

static int ignore_log(void *ctx, const struct vici_msg *m)
{
	(void)ctx;
	(void)m;
	return 0;
}

static int run(struct vici_conn *vc, struct vici_builder *b, bool stream, char *why, size_t whylen)
{
	struct vici_msg resp = {0};
	uint8_t *req;
	size_t len;
	const char *v;
	size_t vlen;
	int r;

	r = vici_build_finish(b, &req, &len);
	if (r < 0) {
		snprintf(why, whylen, "request: %s", strerror(-r));
		return r;
	}
	r = vici_conn_command(vc, req, len, stream ? "control-log" : NULL,
	                      stream ? ignore_log : NULL, NULL, &resp);
	free(req);
	if (r < 0) {
		snprintf(why, whylen, "vici: %s", vici_conn_last_error(vc));
		goto out;
	}
	if (vici_get_str(&resp, 0, "success", &v, &vlen) == 0 && vlen == 3 &&
	    memcmp(v, "yes", 3) == 0) {
		snprintf(why, whylen, "ok");
		goto out;
	}
	r = -EIO;
	if (vici_get_str(&resp, 0, "errmsg", &v, &vlen) == 0)
		snprintf(why, whylen, "charon: %.*s", (int)(vlen > 200 ? 200 : vlen), v);
	else
		snprintf(why, whylen, "charon: failed");
out:
	vici_msg_done(&resp);
	return r;
}

int heal_vici_initiate(struct vici_conn *vc, const char *conn, const char *child, char *why,
                       size_t whylen)
{
	struct vici_builder b;

	vici_build_init(&b, VICI_PKT_CMD_REQUEST, "initiate");
	vici_build_kv_str(&b, "child", child);
	vici_build_kv_str(&b, "ike", conn);
	vici_build_kv_str(&b, "timeout", HEAL_VICI_ACTION_TIMEOUT);
	vici_build_kv_str(&b, "init-limits", "yes");
	return run(vc, &b, true, why, whylen);
}

int heal_vici_rekey(struct vici_conn *vc, const char *conn, const char *child, char *why,
                    size_t whylen)
{
	struct vici_builder b;

	vici_build_init(&b, VICI_PKT_CMD_REQUEST, "rekey");
	vici_build_kv_str(&b, "child", child);
	vici_build_kv_str(&b, "ike", conn);
	return run(vc, &b, false, why, whylen);
}

int heal_vici_reinit(struct vici_conn *vc, const char *conn, const char *child, char *why,
                     size_t whylen)
{
	struct vici_builder b;
	int r;

	vici_build_init(&b, VICI_PKT_CMD_REQUEST, "terminate");
	vici_build_kv_str(&b, "ike", conn);
	vici_build_kv_str(&b, "timeout", "3000");
	vici_build_kv_str(&b, "force", "yes");
	r = run(vc, &b, true, why, whylen);
	/* "no matching SAs" is fine: the point is a fresh IKE SA */
	(void)r;
	return heal_vici_initiate(vc, conn, child, why, whylen);
}

int heal_run_command(char *const argv[], unsigned timeout_ms, char *why, size_t whylen)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	pid_t pid;
	int r, status;

	if (!argv || !argv[0] || argv[0][0] != '/') {
		snprintf(why, whylen, "no restart command configured");
		return -EINVAL;
	}
	r = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	if (r != 0) {
		snprintf(why, whylen, "spawn %s: %s", argv[0], strerror(r));
		return -r;
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			snprintf(why, whylen, "waitpid: %s", strerror(errno));
			return -errno;
		}
		if (clock_mono_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(why, whylen, "%s: killed after %u ms", argv[0], timeout_ms);
			return -ETIMEDOUT;
		}
		nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		snprintf(why, whylen, "ok");
		return 0;
	}
	snprintf(why, whylen, "%s: exit %d", argv[0],
	         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return -EIO;
}
