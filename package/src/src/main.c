// SPDX-License-Identifier: Apache-2.0
/*
 * ikewatch: proactive monitoring of IKEv2/IPsec tunnels. main() only dispatches; the commands
 * and their table live in src/cmd/.
 */
#include "cmd/cmd.h"

int main(int argc, char **argv)
{
	return cmd_main(argc, argv);
}
