// SPDX-License-Identifier: Apache-2.0
/*
 * The ladder's transitions. The order of the brakes matters: a connection that is healthy
 * resets at once; the allowlist and a busy SA are checked before any rung, so that heal never
 * disturbs an exchange in flight (a rekey or DPD: acting then would race charon's own
 * recovery); backoff and the restart limit come last, since they only delay.
 */
#include "heal/heal_ladder.h"

#include <string.h>

void heal_ladder_init(struct heal_ladder *l, const struct heal_ladder_cfg *cfg)
{
	memset(l, 0, sizeof(*l));
	l->backoff_ms = cfg->backoff_initial_ms;
	l->next = HEAL_ACT_BUNDLE;
}

static enum heal_action hold(enum heal_hold why, enum heal_hold *ret)
{
	*ret = why;
	return HEAL_ACT_NONE;
}

enum heal_action heal_ladder_check(struct heal_ladder *l, struct heal_global *g,
                                   const struct heal_ladder_cfg *cfg, const struct heal_obs *obs,
                                   uint64_t now_ms, enum heal_hold *ret_hold)
{
	enum heal_action a;

	l->recovered = false;
	if (!obs->fault) {
		bool recovered = l->actions > 0;

		heal_ladder_init(l, cfg);
		l->recovered = recovered;
		return hold(HEAL_HOLD_HEALTHY, ret_hold);
	}
	if (l->seen < UINT32_MAX)
		l->seen++;
	if (l->state == HEAL_ST_EXHAUSTED)
		return hold(HEAL_HOLD_EXHAUSTED, ret_hold);
	if (l->state == HEAL_ST_IDLE || l->state == HEAL_ST_CONFIRMING) {
		l->state = HEAL_ST_CONFIRMING;
		if (l->seen < (cfg->confirm_checks ? cfg->confirm_checks : 1))
			return hold(HEAL_HOLD_CONFIRMING, ret_hold);
	}
	if (!obs->allowed)
		return hold(HEAL_HOLD_NOT_ALLOWED, ret_hold);
	if (obs->busy)
		return hold(HEAL_HOLD_BUSY, ret_hold);
	if (now_ms < l->not_before_ms)
		return hold(HEAL_HOLD_BACKOFF, ret_hold);
	l->state = HEAL_ST_ACTING;
	a = l->next;
	if (a == HEAL_ACT_INITIATE && obs->child_up)
		a = HEAL_ACT_REKEY;
	if (a == HEAL_ACT_RESTART) {
		if (!cfg->has_restart) {
			l->state = HEAL_ST_EXHAUSTED;
			return hold(HEAL_HOLD_EXHAUSTED, ret_hold);
		}
		if (g->restarted && now_ms - g->last_restart_ms < cfg->restart_interval_ms)
			return hold(HEAL_HOLD_RESTART_LIMIT, ret_hold);
		g->restarted = true;
		g->last_restart_ms = now_ms;
	}
	l->actions++;
	if (a == HEAL_ACT_BUNDLE) {
		/* gathering changes nothing: the first repair follows on the next check */
		l->next = HEAL_ACT_INITIATE;
		l->not_before_ms = now_ms;
	} else {
		l->next = a == HEAL_ACT_RESTART ? HEAL_ACT_COUNT : (enum heal_action)(a + 1);
		l->not_before_ms = now_ms + l->backoff_ms;
		l->backoff_ms = l->backoff_ms * 2 > cfg->backoff_max_ms ? cfg->backoff_max_ms
		                                                        : l->backoff_ms * 2;
		if (a == HEAL_ACT_RESTART)
			l->state = HEAL_ST_EXHAUSTED;
	}
	*ret_hold = HEAL_HOLD_NONE;
	return a;
}

const char *heal_action_name(enum heal_action a)
{
	static const char *const names[HEAL_ACT_COUNT] = {
	    "none", "bundle", "initiate_child", "rekey_child", "reinit_ike", "restart",
	};

	return (unsigned)a < HEAL_ACT_COUNT ? names[a] : "none";
}

const char *heal_state_name(enum heal_state s)
{
	static const char *const names[HEAL_ST_COUNT] = {"idle", "confirming", "acting",
	                                                 "exhausted"};

	return (unsigned)s < HEAL_ST_COUNT ? names[s] : "idle";
}

const char *heal_hold_name(enum heal_hold h)
{
	switch (h) {
	case HEAL_HOLD_HEALTHY:
		return "healthy";
	case HEAL_HOLD_CONFIRMING:
		return "confirming";
	case HEAL_HOLD_NOT_ALLOWED:
		return "not_allowed";
	case HEAL_HOLD_BUSY:
		return "busy";
	case HEAL_HOLD_BACKOFF:
		return "backoff";
	case HEAL_HOLD_RESTART_LIMIT:
		return "restart_limit";
	case HEAL_HOLD_EXHAUSTED:
		return "exhausted";
	default:
		return "none";
	}
}
