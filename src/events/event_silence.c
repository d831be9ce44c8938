// SPDX-License-Identifier: Apache-2.0
/*
 * The event stream as the exporter's source of unanswered IKE requests (contract in
 * event_silence.h).
 */
#include "events/event_silence.h"

#include "common/log.h"
#include "events/events_service.h"
#include "exporter/charon_retx.h"
#include "exporter/collector.h"

#include <string.h>

static bool lookup(void *ctx, const char *conn, struct sa_silence *ret)
{
	struct event_retx r;

	if (!event_counters_retx(events_service_counters(ctx), conn, strlen(conn), &r))
		return false;
	*ret = (struct sa_silence){r.ike_id, r.first_sent, r.count, r.next_by};
	return true;
}

void event_silence_attach(struct collector *col, struct events_service *es,
                          const char *strongswan_conf, bool pluto)
{
	struct sa_silence_source src = {lookup, es, SA_RETX_TIMING_DEFAULT};
	char why[300], timing[120];

	if (pluto) {
		/* pluto's schedule is per connection (whack --status, each scrape: snap_conn.retx);
		 * this is for a connection whose line is missing */
		src.timing = SA_RETX_TIMING_PLUTO;
		charon_retx_describe(&src.timing, timing, sizeof(timing));
		log_info("peer_silent forecasts assume each connection's retransmit-interval and "
		         "retransmit-timeout of whack --status, else %s",
		         timing);
	} else {
		if (charon_retx_load(strongswan_conf, &src.timing, why, sizeof(why)) < 0)
			log_info(
			    "charon's retransmit settings not read (%s): assuming its defaults",
			    why);
		charon_retx_describe(&src.timing, timing, sizeof(timing));
		log_info("peer_silent forecasts assume %s", timing);
	}
	collector_on_silence(col, &src);
}
