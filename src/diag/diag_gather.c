// SPDX-License-Identifier: Apache-2.0
/*
 * What goes into a support bundle and where it comes from (see diag_gather.h). Each source is
 * one small function that adds its file(s) or records why it could not; all text passes the
 * redactor in diag_bundle_add_text(), so a source never has to think about secrets itself.
 */
#include "diag/diag_gather.h"

#include "common/file_read.h"
#include "common/limits.h"
#include "diag/diag_exec.h"
#include "diag/diag_http.h"
#include "diag/diag_vici_text.h"
#include "doctor/doctor_checks.h"
#include "doctor/doctor_gather.h"
#include "vici/vici_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD_TIMEOUT_DEFAULT_MS 10000
#define HTTP_TIMEOUT_MS 5000

/* ---- VICI ---- */

static int on_event(void *ctx, const struct vici_msg *msg)
{
	struct buf *out = ctx;

	diag_vici_print(msg, out);
	buf_putc(out, '\n');
	return out->err == -ENOMEM ? -ENOMEM : 0;
}

static void vici_item(struct diag_bundle *b, struct vici_conn *vc, const char *cmd,
                      const char *stream, const struct diag_options *o, bool narrow, bool noblock)
{
	struct vici_msg resp = {0};
	struct vici_builder vb;
	char path[64], what[96], note[160];
	struct buf out;
	uint8_t *req = NULL;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "vici/%s.txt", cmd);
	snprintf(what, sizeof(what), "VICI %s%s%s", cmd, narrow && o->conn ? " ike=" : "",
	         narrow && o->conn ? o->conn : "");
	buf_init(&out, DIAG_ITEM_MAX);
	vici_build_init(&vb, VICI_PKT_CMD_REQUEST, cmd);
	if (noblock)
		vici_build_kv_str(&vb, "noblock", "yes");
	if (narrow && o->conn)
		vici_build_kv_str(&vb, "ike", o->conn);
	if ((err = vici_build_finish(&vb, &req, &len)) == 0)
		err =
		    vici_conn_command(vc, req, len, stream, stream ? on_event : NULL, &out, &resp);
	free(req);
	if (err == 0) {
		if (resp.n_elems > 1) {
			if (stream)
				buf_puts(&out, "# command response\n");
			diag_vici_print(&resp, &out);
		}
		if (out.err == -E2BIG)
			snprintf(note, sizeof(note), "cut at DIAG_ITEM_MAX (%u bytes)",
			         DIAG_ITEM_MAX);
		diag_bundle_add_text(b, path, what, out.data ? out.data : "", out.len,
		                     out.err == -E2BIG ? note : NULL);
	} else {
		snprintf(note, sizeof(note), "%s (%s)", strerror(-err), vici_conn_last_error(vc));
		if (out.len)
			diag_bundle_add_text(b, path, what, out.data, out.len, note);
		else
			diag_bundle_missing(b, path, what, DIAG_FAILED, note);
	}
	vici_msg_done(&resp);
	buf_done(&out);
}

static void gather_vici(const struct diag_options *o, struct diag_bundle *b)
{
	static const char *const items[] = {"version",  "stats",         "list-conns",
	                                    "list-sas", "list-policies", "list-certs"};
	struct vici_conn *vc = vici_conn_new(o->vici_socket, o->vici_timeout_ms);
	char why[192];
	int err;

	if (!vc || (err = vici_conn_connect(vc)) < 0) {
		snprintf(why, sizeof(why), "charon not reachable at %s: %s", o->vici_socket,
		         vc ? vici_conn_last_error(vc) : "out of memory");
		for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
			char path[64];

			snprintf(path, sizeof(path), "vici/%s.txt", items[i]);
			diag_bundle_missing(b, path, "VICI", DIAG_FAILED, why);
		}
		vici_conn_free(vc);
		return;
	}
	vici_item(b, vc, "version", NULL, o, false, false);
	vici_item(b, vc, "stats", NULL, o, false, false);
	vici_item(b, vc, "list-conns", "list-conn", o, true, false);
	/* noblock: a busy IKE SA must not stall the bundle (anchors.md) */
	vici_item(b, vc, "list-sas", "list-sa", o, true, true);
	vici_item(b, vc, "list-policies", "list-policy", o, false, false);
	vici_item(b, vc, "list-certs", "list-cert", o, false, false);
	vici_conn_free(vc);
}

/* ---- outside commands ---- */

struct cmd_spec {
	const char *path, *what;
	const char *argv[3][12]; /* up to three commands into one file */
	bool optional_tool;      /* not installed: skipped, not failed */
};

static void argv_line(struct buf *out, const char *const *argv)
{
	buf_puts(out, "$");
	for (size_t i = 0; argv[i]; i++) {
		buf_putc(out, ' ');
		buf_puts(out, argv[i]);
	}
	buf_putc(out, '\n');
}

static void run_spec(const struct diag_options *o, struct diag_bundle *b, const struct cmd_spec *s)
{
	unsigned timeout = o->cmd_timeout_ms ? o->cmd_timeout_ms : CMD_TIMEOUT_DEFAULT_MS;
	char note[192] = "";
	struct buf out;
	bool any = false;

	buf_init(&out, DIAG_ITEM_MAX + DIAG_EXEC_STDERR_MAX + 4096);
	for (size_t c = 0; c < 3 && s->argv[c][0]; c++) {
		struct diag_exec_result r;
		int err = diag_exec((char *const *)s->argv[c], timeout, DIAG_ITEM_MAX, &r);

		if (err == -ENOENT) {
			snprintf(note, sizeof(note), "%s is not installed", s->argv[c][0]);
			continue;
		}
		if (err < 0) {
			snprintf(note, sizeof(note), "%s: %s", s->argv[c][0], strerror(-err));
			continue;
		}
		any = true;
		argv_line(&out, s->argv[c]);
		if (r.out.len)
			buf_append(&out, r.out.data, r.out.len);
		if (r.err.len) {
			buf_puts(&out, "# stderr:\n");
			buf_append(&out, r.err.data, r.err.len);
		}
		if (r.timed_out)
			snprintf(note, sizeof(note), "%s timed out after %u ms", s->argv[c][0],
			         timeout);
		else if (r.truncated)
			snprintf(note, sizeof(note), "%s output cut at DIAG_ITEM_MAX",
			         s->argv[c][0]);
		else if (r.status != 0)
			snprintf(note, sizeof(note), "%s exited with %d", s->argv[c][0], r.status);
		if (r.status != 0 || r.timed_out)
			buf_printf(&out, "# exit status %d%s\n", r.status,
			           r.timed_out ? " (timed out)" : "");
		buf_putc(&out, '\n');
		diag_exec_result_done(&r);
	}
	if (any)
		diag_bundle_add_text(b, s->path, s->what, out.data ? out.data : "", out.len,
		                     note[0] ? note : NULL);
	else
		diag_bundle_missing(b, s->path, s->what,
		                    s->optional_tool ? DIAG_SKIPPED : DIAG_FAILED, note);
	buf_done(&out);
}

static const struct cmd_spec kernel_cmds[] = {
    /* -d -s: replay windows, lifetimes, counters; the keys this prints are redacted */
    {"kernel/xfrm-state.txt",
     "ip -d -s xfrm state (keys redacted)",
     {{"ip", "-d", "-s", "xfrm", "state", NULL}},
     false},
    {"kernel/xfrm-policy.txt",
     "ip -d -s xfrm policy",
     {{"ip", "-d", "-s", "xfrm", "policy", NULL}},
     false},
    {"kernel/routes.txt",
     "ip route show table all (IPv4, IPv6)",
     {{"ip", "-4", "route", "show", "table", "all", NULL},
      {"ip", "-6", "route", "show", "table", "all", NULL}},
     false},
    {"kernel/rules.txt",
     "ip rule (IPv4, IPv6)",
     {{"ip", "-4", "rule", NULL}, {"ip", "-6", "rule", NULL}},
     false},
    {"kernel/links.txt",
     "ip -s -d link (interface statistics)",
     {{"ip", "-s", "-d", "link", NULL}},
     false},
    {"kernel/addresses.txt", "ip address", {{"ip", "address", NULL}}, false},
    {"kernel/sockets.txt",
     "ss -uanp, UDP ports 500 and 4500",
     {{"ss", "-uanp", "sport", "=", ":500", "or", "sport", "=", ":4500", NULL}},
     false},
    {"kernel/conntrack-500.txt",
     "conntrack -L -p udp --dport 500",
     {{"conntrack", "-L", "-p", "udp", "--dport", "500", NULL}},
     true},
    {"kernel/conntrack-4500.txt",
     "conntrack -L -p udp --dport 4500",
     {{"conntrack", "-L", "-p", "udp", "--dport", "4500", NULL}},
     true},
};

/* A small kernel file (procfs reports size 0, so read until EOF, not by size). */
static void gather_file(struct diag_bundle *b, const char *src, const char *path, const char *what)
{
	char why[160];
	struct buf out;
	int fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		snprintf(why, sizeof(why), "%s: %s", src, strerror(errno));
		diag_bundle_missing(b, path, what, DIAG_SKIPPED, why);
		return;
	}
	buf_init(&out, DIAG_ITEM_MAX);
	for (;;) {
		char chunk[4096];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || buf_append(&out, chunk, (size_t)n) < 0)
			break;
	}
	close(fd);
	diag_bundle_add_text(b, path, what, out.data ? out.data : "", out.len,
	                     out.err ? "cut" : NULL);
	buf_done(&out);
}

/* ---- charon's log ---- */

static void gather_log(const struct diag_options *o, struct diag_bundle *b)
{
	const char *daemon = o->daemon ? o->daemon->name : "charon";
	char what[64], path[64], why[320], *text;
	size_t len;
	int err;

	snprintf(what, sizeof(what), "%s log, newest lines", daemon);
	snprintf(path, sizeof(path), "logs/%s.log", daemon);
	if (!o->log_file) {
		diag_bundle_missing(b, path, what, DIAG_SKIPPED,
		                    "no --log-file (nor events.log_file in --config)");
		return;
	}
	/* the newest o->log_lines lines; a first line cut by the byte window is dropped */
	err = file_read_tail_lines(o->log_file, DOCTOR_LOG_TAIL_BYTES, o->log_lines, &text, &len);
	if (err < 0) {
		snprintf(why, sizeof(why), "%s: %s", o->log_file, strerror(-err));
		diag_bundle_missing(b, path, what, DIAG_FAILED, why);
		return;
	}
	snprintf(why, sizeof(why), "%s log %s, newest %u lines", daemon, o->log_file, o->log_lines);
	diag_bundle_add_text(b, path, why, text, len, NULL);
	free(text);
}

/* ---- exporter ---- */

static void gather_exporter(const struct diag_options *o, struct diag_bundle *b)
{
	const char *what = "exporter /metrics: SA state, counters, probe results";
	char why[320];
	struct buf out;
	int err;

	if (!o->exporter_url) {
		diag_bundle_missing(b, "exporter/metrics.txt", what, DIAG_SKIPPED, "no --exporter");
		return;
	}
	buf_init(&out, DIAG_ITEM_MAX + 1);
	err = diag_http_get(o->exporter_url, HTTP_TIMEOUT_MS, DIAG_ITEM_MAX, &out);
	if (err == 0) {
		diag_bundle_add_text(b, "exporter/metrics.txt", what, out.data ? out.data : "",
		                     out.len, NULL);
	} else {
		snprintf(why, sizeof(why), "GET %s: %s", o->exporter_url,
		         err == -EPERM ? "only loopback URLs are fetched" : strerror(-err));
		diag_bundle_missing(b, "exporter/metrics.txt", what, DIAG_FAILED, why);
	}
	buf_done(&out);
}

/* ---- doctor ---- */

static void gather_doctor(const struct diag_options *o, struct diag_bundle *b)
{
	const char *what = "ikewatch doctor findings (JSON), no probe run";
	struct doctor_options d = {
	    .vici_socket = o->vici_socket,
	    .vici_timeout_ms = o->vici_timeout_ms,
	    .log_file = o->log_file,
	    .conn = o->conn,
	    .daemon = o->daemon ? o->daemon->doctor : NULL,
	};
	struct doctor_facts *f = calloc(1, sizeof(*f));
	struct doctor_report r;
	struct buf out;

	if (!f) {
		diag_bundle_missing(b, "doctor.json", what, DIAG_FAILED, "out of memory");
		return;
	}
	doctor_facts_init(f);
	doctor_report_init(&r);
	buf_init(&out, DIAG_ITEM_MAX);
	if (doctor_gather(&d, f) < 0) {
		diag_bundle_missing(b, "doctor.json", what, DIAG_FAILED, "out of memory");
		goto out;
	}
	doctor_diagnose(f, o->conn, &r);
	doctor_render_json(&r, &out);
	if (out.err)
		diag_bundle_missing(b, "doctor.json", what, DIAG_FAILED, "rendering failed");
	else
		diag_bundle_add_text(b, "doctor.json", what, out.data ? out.data : "", out.len,
		                     NULL);
out:
	buf_done(&out);
	doctor_report_done(&r);
	doctor_facts_done(f);
	free(f);
}

/* ---- capture ---- */

static void gather_capture(const struct diag_options *o, struct diag_bundle *b)
{
	const char *path = "capture/ike-esp.pcap";
	char what[96], note[160];
	char *argv[] = {"tcpdump", "-i", "any", "-n",   "-U",   "-w", "-",   "udp", "port",
	                "500",     "or", "udp", "port", "4500", "or", "esp", NULL};
	struct diag_exec_result r;
	int err;

	snprintf(what, sizeof(what), "tcpdump of IKE and ESP for %u s (not redacted)",
	         o->capture_s);
	if (!o->capture_s) {
		diag_bundle_missing(b, path, "tcpdump of IKE and ESP", DIAG_SKIPPED,
		                    "no --capture");
		return;
	}
	/* the deadline is the capture's length: being stopped there is its normal end */
	err = diag_exec(argv, o->capture_s * 1000u, DIAG_ITEM_MAX, &r);
	if (err == -ENOENT) {
		diag_bundle_missing(b, path, what, DIAG_SKIPPED, "tcpdump is not installed");
		return;
	}
	if (err < 0) {
		diag_bundle_missing(b, path, what, DIAG_FAILED, strerror(-err));
		return;
	}
	if (r.out.len == 0) {
		snprintf(note, sizeof(note), "tcpdump wrote nothing (exit %d): %.100s", r.status,
		         r.err.data ? r.err.data : "");
		diag_bundle_missing(b, path, what, DIAG_FAILED, note);
	} else {
		diag_bundle_add_binary(b, path, what, r.out.data, r.out.len,
		                       r.truncated ? "cut at DIAG_ITEM_MAX" : NULL);
	}
	if (r.err.len)
		diag_bundle_add_text(b, "capture/tcpdump.stderr.txt", "tcpdump's messages",
		                     r.err.data, r.err.len, NULL);
	diag_exec_result_done(&r);
}

int diag_gather(const struct diag_options *o, struct diag_bundle *b)
{
	if (o->daemon)
		o->daemon->items(o->daemon->ctx, o, b);
	else
		gather_vici(o, b);
	for (size_t i = 0; i < sizeof(kernel_cmds) / sizeof(kernel_cmds[0]); i++)
		run_spec(o, b, &kernel_cmds[i]);
	gather_file(b, "/proc/net/xfrm_stat", "kernel/xfrm-stat.txt",
	            "/proc/net/xfrm_stat (XFRM error counters)");
	gather_log(o, b);
	gather_exporter(o, b);
	gather_doctor(o, b);
	gather_capture(o, b);
	return b->manifest.err == -ENOMEM ? -ENOMEM : 0;
}
