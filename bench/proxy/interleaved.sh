#!/usr/bin/env bash
# Interleaved before/after run of two mcpguard binaries with the Node baselines, both upstreams, in the shared
# harness (a copy of ../shared/bench with node_modules, default /tmp/bench). One JSON line per run, labelled
# "<upstream>:<config>"; each mcpguard run gets its own temporary MCPGUARD_HOME (the audit store goes there).
#   BEFORE=/tmp/aot-main/mcpguard AFTER=/tmp/aot-branch/mcpguard bench/proxy/interleaved.sh OUT.jsonl [REPS] [load.mjs options...]
set -euo pipefail
out=$1; reps=${2:-3}; shift $(( $# >= 2 ? 2 : 1 ))
harness=${HARNESS:-/tmp/bench}
: > "$out"
cd "$harness"
for rep in $(seq 1 "$reps"); do
  for up in raw sdk; do
    srv=servers/raw-echo-server.mjs; [ "$up" = sdk ] && srv=servers/echo-server.mjs
    node client/load.mjs --label "$up:node-passthrough" "$@" -- node proxies/passthrough.mjs -- node $srv >> "$out" 2>/dev/null || true
    node client/load.mjs --label "$up:node-json-inspect" "$@" -- node proxies/json-inspect.mjs -- node $srv >> "$out" 2>/dev/null || true
    for which in before after; do
      bin=$BEFORE; [ "$which" = after ] && bin=$AFTER
      home=$(mktemp -d)
      MCPGUARD_HOME=$home node client/load.mjs --label "$up:mcpguard-$which" "$@" -- "$bin" run --sandbox none -- node $srv >> "$out" 2>/dev/null || true
      rm -rf "$home"
    done
  done
done
