/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pluto's part of a support bundle (`ikewatch diag` on a Libreswan gateway), in place of
 * charon's VICI items: whack --status, --trafficstatus and --globalstatus as libreswan/NAME.txt,
 * and the configuration pluto says it read (--status: configfile=, ipsecdir=) as config/: the
 * ipsec.conf and the *.conf files of ipsec.d. Secrets files are never read: only names ending
 * in ".conf" are taken, and every text still passes the bundle's redactor. Lives above diag
 * (scripts/checksrc's layers); the command wires it through struct diag_daemon.
 */
#ifndef IKEWATCH_LSW_DIAG_H
#define IKEWATCH_LSW_DIAG_H

#include "diag/diag_gather.h"
#include "libreswan/lsw_source.h"

/* Files of ipsec.d taken at most; the rest are listed as skipped. */
#define LSW_DIAG_CONF_MAX 64

/* @ret reads through @l, and its doctor through @doctor (lsw_doctor_source()); both must
 * outlive it. */
void lsw_diag_daemon(struct lsw_source *l, const struct doctor_daemon_source *doctor,
                     struct diag_daemon *ret);

/* Is @name one of ipsec.d's connection files the bundle takes ("*.conf", no "secret")? Pure,
 * for the unit tests. */
bool lsw_diag_conf_name(const char *name);

#endif
