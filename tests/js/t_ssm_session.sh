#!/bin/sh
# Independent check of gatewayd's agent message encoder: the npm package
# ssm-session, pinned in tests/js/package.json and package-lock.json,
# decodes the messages tests/js/ssm_msg_samples prints. Fails (never
# skips) when node, npm or the package is missing, and says so.
. "$top_srcdir/tests/lib.sh"

src="$top_srcdir/tests/js"
work="$top_builddir/tests/js"
command -v node >/dev/null 2>&1 ||
    fail "node is not installed (Debian: nodejs), needed for ssm-session"

# Use modules installed next to the sources (CI: npm ci in tests/js),
# else install the pinned package into the build tree.
if [ -d "$src/node_modules/ssm-session" ]; then
	modules="$src/node_modules"
else
	command -v npm >/dev/null 2>&1 ||
	    fail "npm is not installed (Debian: npm), needed for ssm-session"
	mkdir -p "$work" || fail "cannot make $work"
	if [ ! -d "$work/node_modules/ssm-session" ] ||
	    ! cmp -s "$src/package-lock.json" "$work/package-lock.json"; then
		# In a build in the source tree, work is src: nothing to copy.
		if [ "$(cd "$src" && pwd -P)" != "$(cd "$work" && pwd -P)" ]
		then
			cp "$src/package.json" "$src/package-lock.json" \
			    "$work/" || fail "cannot copy package.json to $work"
		fi
		(cd "$work" && npm ci --no-audit --no-fund --ignore-scripts) \
		    >"$work/npm-ci.log" 2>&1 || {
			cat "$work/npm-ci.log"
			fail "npm ci could not install the pinned ssm-session"
		}
	fi
	modules="$work/node_modules"
fi

samples=$T/ssm_samples
"$top_builddir/tests/js/ssm_msg_samples" >"$samples" ||
    fail "ssm_msg_samples failed"
NODE_PATH="$modules" node "$src/check-ssm-session.js" "$samples" ||
    fail "ssm-session disagrees with gatewayd's encoder"
