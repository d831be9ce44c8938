// SPDX-License-Identifier: Apache-2.0
/*
 * Per-connection folding of classified charon log lines for the doctor. What it keeps is what
 * triage needs: failure kinds since the last establishment, retransmissions of set-up requests
 * (the peer never answered: UDP 500/4500 is not reachable or the peer is down), give-ups (RFC
 * 7296 section 2.4: no answer means the peer is dead), the newest notify error and the proposal
 * lines that charon prints around a NO_PROPOSAL_CHOSEN.
 */
#include "doctor/doctor_log.h"

#include <string.h>
#include <time.h>

static bool starts_with(const struct log_span *s, const char *pre, size_t *ret_off)
{
	size_t n = strlen(pre);

	if (!s->p || s->len < n || memcmp(s->p, pre, n) != 0)
		return false;
	*ret_off = n;
	return true;
}

static void reset_window(struct doctor_log_facts *l)
{
	memset(l->fails, 0, sizeof(l->fails));
	l->last_fail = -1;
	l->last_notify = 0;
	l->requests = l->retransmits = l->setup_retransmits = l->giveups = 0;
	l->failed_last = false;
	l->retx_outstanding = false;
	l->last_error[0] = '\0';
	l->peer_deleted = false;
}

/* Lines no failure or event names, but that tell the doctor why: the peer answering, our
 * proposals and the peer's, and the peer deleting the IKE SA (an INFORMATIONAL with a DELETE
 * for the IKE SA: RFC 7296 1.4.1). */
static void note_proposals(struct doctor_log_facts *l, const struct log_span *msg, const char *line,
                           size_t len, double now)
{
	size_t off;

	if (starts_with(msg, "received DELETE for IKE_SA ", &off)) {
		l->peer_deleted = true;
		l->peer_delete_time = doctor_log_time(line, len, now);
		doctor_copy(l->peer_delete, sizeof(l->peer_delete), msg->p, msg->len);
	} else if (starts_with(msg, "parsed ", &off) &&
	           memmem(msg->p, msg->len, " response ", 10)) {
		l->retx_outstanding = false;
	} else if (starts_with(msg, "configured proposals: ", &off)) {
		const char *p = msg->p + off;
		size_t n = msg->len - off;

		if (n >= 4 && memcmp(p, "IKE:", 4) == 0)
			doctor_copy(l->ike_proposals, sizeof(l->ike_proposals), p, n);
		else
			doctor_copy(l->esp_proposals, sizeof(l->esp_proposals), p, n);
	} else if (starts_with(msg, "received proposals: ", &off)) {
		doctor_copy(l->peer_proposals, sizeof(l->peer_proposals), msg->p + off,
		            msg->len - off);
	}
}

/* @n digits at @p into *ret; false if any is not a digit. */
static bool digits(const char *p, size_t n, int *ret)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*ret = v;
	return true;
}

double doctor_log_time(const char *line, size_t len, double now)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t t_now = (time_t)now;
	struct tm tm, tn;
	int mon = -1, day, h, m, sec;
	time_t t;

	/* "Nov 23 07:40:01" or "Nov  3 07:40:01": 15 bytes */
	if (!line || len < 15 || line[3] != ' ' || line[6] != ' ' || line[9] != ':' ||
	    line[12] != ':')
		return -1;
	for (int i = 0; i < 12; i++)
		if (memcmp(line, months + 3 * i, 3) == 0)
			mon = i;
	if (mon < 0 || !digits(line + 5, 1, &day) || !digits(line + 7, 2, &h) ||
	    !digits(line + 10, 2, &m) || !digits(line + 13, 2, &sec))
		return -1;
	if (line[4] != ' ') {
		int tens;

		if (!digits(line + 4, 1, &tens))
			return -1;
		day += 10 * tens;
	}
	if (day < 1 || day > 31 || h > 23 || m > 59 || sec > 60 || !localtime_r(&t_now, &tn))
		return -1;
	tm = (struct tm){.tm_year = tn.tm_year,
	                 .tm_mon = mon,
	                 .tm_mday = day,
	                 .tm_hour = h,
	                 .tm_min = m,
	                 .tm_sec = sec,
	                 .tm_isdst = -1};
	t = mktime(&tm);
	if (t != (time_t)-1 && (double)t > now + 86400) {
		tm = (struct tm){.tm_year = tn.tm_year - 1,
		                 .tm_mon = mon,
		                 .tm_mday = day,
		                 .tm_hour = h,
		                 .tm_min = m,
		                 .tm_sec = sec,
		                 .tm_isdst = -1};
		t = mktime(&tm);
	}
	return t == (time_t)-1 ? -1 : (double)t;
}

void doctor_log_feed(struct doctor_facts *f, const char *line, size_t len)
{
	struct log_class lc;
	struct doctor_conn_facts *c;
	struct doctor_log_facts *l;

	if (log_classify_line(line, len, &lc) < 0)
		return;
	f->log_lines++;
	if (!lc.conn.p || lc.conn.len == 0) {
		l = &f->anon;
	} else {
		c = doctor_facts_conn(f, lc.conn.p, lc.conn.len);
		if (!c)
			return;
		l = &c->log;
	}
	switch (lc.cat) {
	case LOG_CAT_NONE:
	case LOG_CAT_RESPONSE: /* "parsed ... response": note_proposals() clears retx_outstanding */
		note_proposals(l, &lc.msg, line, len, f->now);
		break;
	case LOG_CAT_REQUEST:
		if (!lc.inbound) {
			l->requests++;
			l->last_req_exchange = lc.exchange;
			l->last_req_msgid = lc.msgid;
			l->has_req = true;
			l->last_req_time = doctor_log_time(line, len, f->now);
			l->last_req_liveness = lc.liveness;
		}
		break;
	case LOG_CAT_RETRANSMIT:
		l->retransmits++;
		l->retx_outstanding = true;
		l->retx_count = lc.count;
		l->retx_msgid = lc.has_msgid ? lc.msgid : 0;
		l->retx_exchange = LOG_EXCH_UNKNOWN;
		l->retx_liveness = false;
		l->retx_silent_s = -1;
		if (l->has_req && lc.has_msgid && lc.msgid == l->last_req_msgid) {
			l->retx_exchange = l->last_req_exchange;
			l->retx_liveness = l->last_req_liveness;
			if (l->last_req_time >= 0 && f->now >= l->last_req_time)
				l->retx_silent_s = f->now - l->last_req_time;
		}
		/* pluto logs no message ID but names the exchange by its state
		 * ("STATE_V2_PARENT_I1: retransmission") */
		if (!lc.has_msgid && lc.exchange != LOG_EXCH_UNKNOWN)
			l->retx_exchange = lc.exchange;
		if ((l->has_req && lc.has_msgid && lc.msgid == l->last_req_msgid &&
		     (l->last_req_exchange == LOG_EXCH_IKE_SA_INIT ||
		      l->last_req_exchange == LOG_EXCH_IKE_AUTH)) ||
		    (!lc.has_msgid &&
		     (lc.exchange == LOG_EXCH_IKE_SA_INIT || lc.exchange == LOG_EXCH_IKE_AUTH)))
			l->setup_retransmits++;
		break;
	case LOG_CAT_FAILURE: {
		enum log_failure k = lc.failure < LOG_FAIL_COUNT ? lc.failure : LOG_FAIL_OTHER;

		/* pluto's give-up is its timeout line ("6 second timeout exceeded after 4
		 * retransmits"), already named dpd_timeout or peer_unreachable by its state */
		if (lc.giveup ||
		    (lc.count && (k == LOG_FAIL_DPD_TIMEOUT || k == LOG_FAIL_PEER_UNREACHABLE))) {
			l->giveups++;
			l->retx_outstanding = false;
			/* the same rule as the event counters: a set-up that was never answered
			 * means the peer was not reached at all */
			if (l->setup_retransmits)
				k = LOG_FAIL_PEER_UNREACHABLE;
		} else if (k == LOG_FAIL_OTHER && lc.notify) {
			k = log_failure_from_notify(lc.notify);
		}
		l->fails[k]++;
		l->last_fail = (int)k;
		if (lc.notify)
			l->last_notify = lc.notify;
		l->failed_last = true;
		doctor_copy(l->last_error, sizeof(l->last_error), lc.msg.p, lc.msg.len);
		break;
	}
	case LOG_CAT_IKE_EVENT:
		if (lc.event == LOG_EV_IKE_ESTABLISHED) {
			reset_window(l);
			l->established++;
		}
		break;
	case LOG_CAT_CHILD_EVENT:
		if (lc.event == LOG_EV_CHILD_INSTALLED)
			l->failed_last = false;
		break;
	}
}

void doctor_log_feed_text(struct doctor_facts *f, const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - pos;

		if (n && text[end - 1] == '\r')
			n--;
		doctor_log_feed(f, text + pos, n);
		pos = nl ? end + 1 : len;
	}
}
