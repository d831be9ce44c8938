// SPDX-License-Identifier: Apache-2.0
/*
 * foresee_compare child|ike OURS THEIRS: runs the pure proposal comparison of
 * src/doctor/doctor_foresee.h on two proposal lists and prints "agree|fail|unknown
 * TRANSFORM: reason" (TRANSFORM is "-" unless the verdict is fail). For the lab test
 * (tests/integration/test_foresee.sh), which feeds it both gateways' configured proposals.
 * Exit status 0 whatever the verdict, 2 on a usage error.
 */
#include "doctor/doctor_foresee.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	static const char *const verdicts[] = {"agree", "fail", "unknown"};
	static const char *const transforms[] = {"encr", "integ", "prf", "ke", "esn", "-"};
	struct foresee_result r;
	enum foresee_exchange x;

	if (argc != 4 || (strcmp(argv[1], "child") != 0 && strcmp(argv[1], "ike") != 0)) {
		fprintf(stderr, "usage: foresee_compare child|ike OURS THEIRS\n");
		return 2;
	}
	x = strcmp(argv[1], "child") == 0 ? FORESEE_CHILD_REKEY : FORESEE_IKE_REKEY;
	foresee_proposals(x, argv[2], argv[3], &r);
	printf("%s %s: %s\n", verdicts[r.verdict], transforms[r.transform], r.reason);
	return 0;
}
