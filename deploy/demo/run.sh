#!/usr/bin/env bash
# The redback demo on a fresh machine: installs redis-server/redis-tools when missing (apt-get, as
# root), installs the npm dependencies when missing (npm ci builds dist/), then runs the demo: a
# coordinator and three agents, each with its own redis-server, doing their real job.
#   bash deploy/demo/run.sh            the demo, then everything is stopped and removed
#   bash deploy/demo/run.sh --keep     the demo, then the fleet keeps running (Ctrl-C stops it)
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v redis-server >/dev/null || ! command -v redis-check-aof >/dev/null; then
  echo "demo: installing redis-server and redis-tools"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq redis-server redis-tools >/dev/null
fi
if [ ! -d node_modules ] || [ ! -f dist/cli/main.js ]; then
  echo "demo: npm ci"
  npm ci --no-audit --no-fund
fi
# REDBACK_DEMO_SKIP_BUILD=1: dist/ is already built (the test suite runs the demo this way).
if [ "${REDBACK_DEMO_SKIP_BUILD:-}" = 1 ]; then exec node dist/deploy/demo/demo.js "$@"; fi
exec npm run --silent demo -- "$@"
