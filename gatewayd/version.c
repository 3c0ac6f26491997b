/*
 * The version gatewayd and gatewayctl report. git_version.h is made at
 * every build (gatewayd/local.mk) and rewritten only when the string
 * changes, so a new commit rebuilds this file alone.
 */

#include "gatewayd.h"
#include "gatewayd/git_version.h"

const char	gatewayd_version[] = GATEWAYD_GIT_VERSION;
