/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The repair ladder of one connection, as a pure state machine on a caller-supplied monotonic
 * clock (so that unit tests run 15 minutes in a microsecond). Each check hands in what was
 * observed; the ladder answers with at most one action:
 *
 *   confirm (the fault is seen on confirm_checks checks in a row) -> gather a bundle ->
 *   initiate the CHILD SA (skipped while it is up) -> rekey it -> terminate and initiate the
 *   IKE SA -> the configured restart command -> exhausted (nothing more until the fault clears)
 *
 * Brakes: nothing while a rekey or DPD is in flight (busy), nothing for a connection outside
 * the allowlist, exponential backoff between rungs (doubling from backoff_initial to
 * backoff_max), and at most one restart per restart_interval across all connections (the
 * restart command restarts the daemon, which is shared). When the fault clears, the ladder goes
 * back to idle and the backoff to its start.
 */
#ifndef IKEWATCH_HEAL_LADDER_H
#define IKEWATCH_HEAL_LADDER_H

#include <stdbool.h>
#include <stdint.h>

enum heal_action {
	HEAL_ACT_NONE = 0,
	HEAL_ACT_BUNDLE,
	HEAL_ACT_INITIATE, /* VICI initiate {child} */
	HEAL_ACT_REKEY,    /* VICI rekey {child} */
	HEAL_ACT_REINIT,   /* VICI terminate {ike}, then initiate {child} */
	HEAL_ACT_RESTART,  /* the configured restart command */
	HEAL_ACT_COUNT
};

enum heal_state {
	HEAL_ST_IDLE = 0,
	HEAL_ST_CONFIRMING,
	HEAL_ST_ACTING,    /* climbing: waiting for the next rung */
	HEAL_ST_EXHAUSTED, /* every rung tried, the fault persists: hands off */
	HEAL_ST_COUNT
};

/* Why no action was taken on this check (for the audit log and tests). */
enum heal_hold {
	HEAL_HOLD_NONE = 0,
	HEAL_HOLD_HEALTHY,
	HEAL_HOLD_CONFIRMING,
	HEAL_HOLD_NOT_ALLOWED,
	HEAL_HOLD_BUSY,
	HEAL_HOLD_BACKOFF,
	HEAL_HOLD_RESTART_LIMIT,
	HEAL_HOLD_EXHAUSTED,
};

struct heal_ladder_cfg {
	uint32_t confirm_checks;     /* >= 1 */
	uint64_t backoff_initial_ms; /* wait after the first rung */
	uint64_t backoff_max_ms;
	uint64_t restart_interval_ms; /* at most one restart per this (15 min by default) */
	bool has_restart;             /* a restart command is configured */
};

struct heal_obs {
	bool fault;    /* the connection is down, or an alert about it fires */
	bool busy;     /* a rekey or DPD (any IKE task) is in flight */
	bool allowed;  /* in the allowlist */
	bool child_up; /* the CHILD SA exists (then "initiate" is pointless and skipped) */
};

/* Shared by all ladders: the restart brake. */
struct heal_global {
	bool restarted;
	uint64_t last_restart_ms;
};

struct heal_ladder {
	enum heal_state state;
	uint32_t seen;         /* consecutive checks with the fault */
	enum heal_action next; /* the rung to try next while ACTING */
	uint64_t not_before_ms;
	uint64_t backoff_ms; /* the wait after the next rung */
	uint32_t actions;    /* rungs taken in this episode */
	bool recovered;      /* set by heal_ladder_check when an episode with actions ended well */
};

void heal_ladder_init(struct heal_ladder *l, const struct heal_ladder_cfg *cfg);

/* One check at @now_ms. Returns the action to take now (the caller performs it and records its
 * result), or HEAL_ACT_NONE with the reason in *ret_hold. */
enum heal_action heal_ladder_check(struct heal_ladder *l, struct heal_global *g,
                                   const struct heal_ladder_cfg *cfg, const struct heal_obs *obs,
                                   uint64_t now_ms, enum heal_hold *ret_hold);

const char *heal_action_name(enum heal_action a);
const char *heal_state_name(enum heal_state s);
const char *heal_hold_name(enum heal_hold h);

#endif
