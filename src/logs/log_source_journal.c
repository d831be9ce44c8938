// SPDX-License-Identifier: Apache-2.0
/*
 * The journal log source (see log_source_journal.h). Field values from sd_journal_get_data()
 * come as "NAME=value" byte spans that may hold any bytes; they are passed on as spans and the
 * classifier bounds everything it reads. The saved cursor points at the last entry delivered; on
 * restart we seek to it and skip it if it is still there (sd_journal_test_cursor), or else start
 * at the entry after the place it was.
 */
#include "logs/log_source_journal.h"

#include "common/clock.h"
#include "common/limits.h"
#include "common/log.h"
#include "logs/journal_lib.h"
#include "logs/log_state.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

struct log_journal_source {
	const struct journal_lib *sd; /* libsystemd, loaded */
	sd_journal *j;
	char *state_path;
	unsigned poll_ms, save_ms;
	struct log_sink sink;
	char *cursor;      /* of the last entry delivered (sd-journal allocated) */
	bool cursor_saved; /* the state file holds ->cursor */
	uint64_t last_save_ms;
	struct log_journal_stats st;
};

static int add_matches(struct log_journal_source *s)
{
	const struct journal_lib *sd = s->sd;
	sd_journal *j = s->j;

	/* charon-systemd logs with sd_journal_send (structured fields); charon under a syslog
	 * daemon or a unit's stdout shows up with its syslog identifier */
	int r = sd->add_match(j, "_COMM=charon-systemd", 0);

	if (r >= 0)
		r = sd->add_disjunction(j);
	if (r >= 0)
		r = sd->add_match(j, "SYSLOG_IDENTIFIER=charon-systemd", 0);
	if (r >= 0)
		r = sd->add_disjunction(j);
	if (r >= 0)
		r = sd->add_match(j, "SYSLOG_IDENTIFIER=charon", 0);
	/* Libreswan's pluto (log_classify_pluto.h) */
	if (r >= 0)
		r = sd->add_disjunction(j);
	if (r >= 0)
		r = sd->add_match(j, "SYSLOG_IDENTIFIER=pluto", 0);
	return r;
}

/* Position the journal: after the saved cursor, at the head, or at the tail. */
static int seek_start(struct log_journal_source *s, bool from_start)
{
	struct log_state saved;
	int r = s->state_path ? log_state_load(s->state_path, &saved) : -ENOENT;

	if (r < 0 && r != -ENOENT) {
		s->st.state_errors++;
		log_warn("log state %s unreadable (%s), reading only new journal entries",
		         s->state_path, strerror(-r));
	}
	if (r == 0 && saved.has_cursor && s->sd->seek_cursor(s->j, saved.cursor) >= 0) {
		/* seek_cursor lands on the entry or, if it is gone, near where it was */
		if (s->sd->next(s->j) > 0 && s->sd->test_cursor(s->j, saved.cursor) <= 0)
			s->sd->previous(s->j); /* not the saved entry: deliver it too */
		s->cursor = strdup(saved.cursor);
		s->cursor_saved = true;
		return 0;
	}
	if (from_start && r == -ENOENT)
		return s->sd->seek_head(s->j);
	r = s->sd->seek_tail(s->j);
	if (r >= 0)
		s->sd->previous(s->j); /* so that next() returns only entries added from now */
	return r;
}

struct log_journal_source *log_journal_source_new(const struct log_journal_opts *o,
                                                  const struct log_sink *sink, int *ret_err)
{
	struct log_journal_source *s;
	char err[256];
	int r = -EINVAL;

	if (!o || !sink || !sink->on_line)
		goto out_err;
	s = calloc(1, sizeof(*s));
	r = -ENOMEM;
	if (!s)
		goto out_err;
	s->sink = *sink;
	s->poll_ms = o->poll_ms ? o->poll_ms : 250;
	s->save_ms = o->save_ms ? o->save_ms : 1000;
	if (o->state_path && !(s->state_path = strdup(o->state_path)))
		goto out_free;
	if (!(s->sd = journal_lib(err, sizeof(err)))) {
		log_err("journal log source: %s", err);
		r = -ENOENT;
		goto out_free;
	}
	if (o->files)
		r = s->sd->open_files(&s->j, (const char **)o->files, 0);
	else if (o->directory)
		r = s->sd->open_directory(&s->j, o->directory, 0);
	else
		r = s->sd->open(&s->j, SD_JOURNAL_LOCAL_ONLY);
	if (r < 0)
		goto out_free;
	s->sd->set_data_threshold(s->j, LOGLINE_MAX + 64);
	r = add_matches(s);
	if (r < 0)
		goto out_free;
	r = seek_start(s, o->from_start);
	if (r < 0)
		goto out_free;
	return s;

out_free:
	log_journal_source_free(s);
out_err:
	if (ret_err)
		*ret_err = r;
	return NULL;
}

void log_journal_source_free(struct log_journal_source *s)
{
	if (!s)
		return;
	if (s->j)
		s->sd->close(s->j);
	free(s->cursor);
	free(s->state_path);
	free(s);
}

/* One field's value as a span, or NULL. */
static const char *field(struct log_journal_source *s, const char *name, size_t *ret_len)
{
	const void *d;
	size_t len, n = strlen(name);

	if (s->sd->get_data(s->j, name, &d, &len) < 0 || len <= n || ((const char *)d)[n] != '=')
		return NULL;
	*ret_len = len - n - 1;
	return (const char *)d + n + 1;
}

static void deliver(struct log_journal_source *s)
{
	const char *msg, *group, *conn;
	size_t msg_len, group_len = 0, conn_len = 0;

	msg = field(s, "MESSAGE", &msg_len);
	if (!msg)
		return;
	group = field(s, "GROUP", &group_len);
	conn = field(s, "IKE_SA_NAME", &conn_len);
	s->st.entries++;
	if (group && s->sink.on_msg)
		s->sink.on_msg(s->sink.ctx, group, group_len, msg, msg_len, conn,
		               conn ? conn_len : 0);
	else
		s->sink.on_line(s->sink.ctx, msg, msg_len);
}

int log_journal_source_poll(struct log_journal_source *s)
{
	int r;

	while ((r = s->sd->next(s->j)) > 0) {
		char *c = NULL;

		deliver(s);
		if (s->sd->get_cursor(s->j, &c) >= 0) {
			free(s->cursor);
			s->cursor = c;
			s->cursor_saved = false;
		}
	}
	return r < 0 ? r : 0;
}

int log_journal_source_save(struct log_journal_source *s)
{
	struct log_state st = {0};
	size_t n;
	int r;

	if (!s->state_path || !s->cursor || s->cursor_saved)
		return 0;
	n = strlen(s->cursor);
	if (n > LOG_CURSOR_MAX)
		return -E2BIG;
	memcpy(st.cursor, s->cursor, n + 1);
	st.has_cursor = true;
	r = log_state_save(s->state_path, &st);
	if (r < 0) {
		s->st.state_errors++;
		return r;
	}
	s->cursor_saved = true;
	return 0;
}

/* Milliseconds to wait for the journal from @now: until its own timeout (sd_journal_get_timeout:
 * none with inotify, a recheck on network file systems) or until the cursor is due to be saved,
 * whichever comes first; -1 for no timeout. */
static int wait_ms(struct log_journal_source *s, uint64_t now)
{
	uint64_t due = UINT64_MAX, t_us;

	if (s->sd->get_timeout(s->j, &t_us) >= 0 && t_us != UINT64_MAX)
		due = (t_us + 999) / 1000; /* CLOCK_MONOTONIC, as clock_mono_ms() */
	if (s->state_path && s->cursor && !s->cursor_saved && s->last_save_ms + s->save_ms < due)
		due = s->last_save_ms + s->save_ms;
	return clock_poll_ms(due, now);
}

void log_journal_source_run(struct log_journal_source *s, const struct stopper *stop)
{
	int jfd = s->sd->get_fd(s->j);

	while (!stopper_stopped(stop)) {
		int r = log_journal_source_poll(s);
		uint64_t now = clock_mono_ms();

		if (r < 0)
			log_warn("journal: %s", strerror(-r));
		if (now - s->last_save_ms >= s->save_ms) {
			log_journal_source_save(s);
			s->last_save_ms = now;
		}
		if (jfd < 0) {
			/* no fd to wait on (cannot watch the journal): look again after poll_ms */
			stopper_nap(stop, (int)s->poll_ms);
			continue;
		}
		r = s->sd->get_events(s->j);
		/* no timeout while nothing is due: an idle journal source does not wake */
		if (stopper_wait(stop, jfd, (short)(r > 0 ? r : POLLIN), wait_ms(s, now)) > 0)
			s->sd->process(s->j); /* take in what inotify reported */
	}
	log_journal_source_save(s);
}

void log_journal_source_stats(const struct log_journal_source *s, struct log_journal_stats *ret)
{
	*ret = s->st;
}
