#!/usr/bin/env bash
# Proxy CPU per request/response pair of a pipelined burst, counted two ways, interleaved with the Node baselines:
#   in-window: what the shared harness reports (the proxy's CPU between the burst's first send and last answer);
#   settled:   the same plus 1.5 s after the last answer, so work a proxy defers past the burst (McpGuard's audit
#              import runs every 200 ms) is counted too. A Node proxy does nothing after the burst: both are equal.
# The harness itself is not changed: a copy of its client/load.mjs gets one extra snapshot, written next to it.
#   bench/proxy/settled-cpu.sh OUT.jsonl REPS BURST "label:/path/to/mcpguard[:ENV=value ...]" ...
# HARNESS: a copy of ../shared/bench with node_modules (default /tmp/bench). Prints medians; raw lines go to OUT.
set -euo pipefail
out=$1; reps=$2; burst=$3; shift 3
harness=${HARNESS:-/tmp/bench}
settle="$harness/client/load-settled.mjs"
python3 - "$harness/client/load.mjs" "$settle" <<'EOF'
import sys
src = open(sys.argv[1]).read()
anchor = "  if (bad) throw new Error(`${bad} bad echo responses in burst`);"
if anchor not in src:
    sys.exit("load.mjs changed: the burst's end marker was not found")
extra = """  await new Promise((r) => setTimeout(r, 1500));
  const snapSettled = snapshot();
  result.burst.proxy_cpu_settled_us_per_msg = snapSettled.proxy.n ? round(((snapSettled.proxy.cpu_ms - snapB0.proxy.cpu_ms) * 1000) / done, 1) : null;
"""
open(sys.argv[2], "w").write(src.replace(anchor, extra + anchor, 1))
EOF
: > "$out"
cd "$harness"
for rep in $(seq 1 "$reps"); do
  node "$settle" --label node-json-inspect --burst "$burst" --seq 50 --blob-n 1 -- node proxies/json-inspect.mjs -- node servers/raw-echo-server.mjs >> "$out" 2>/dev/null || true
  for spec in "$@"; do
    IFS=: read -r label bin envs <<< "$spec"
    home=$(mktemp -d)
    env ${envs:-} MCPGUARD_HOME="$home" node "$settle" --label "$label" --burst "$burst" --seq 50 --blob-n 1 -- "$bin" run --sandbox none -- node servers/raw-echo-server.mjs >> "$out" 2>/dev/null || true
    rm -rf "$home"
  done
done
python3 - "$out" <<'EOF'
import json, sys, collections, statistics as st
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    b = d["burst"]
    rows[d["label"]].append((b["msgs_per_s"], b["proxy_cpu_us_per_msg"], b["proxy_cpu_settled_us_per_msg"]))
print(f"{'label':22s} {'msg/s':>8s} {'in-window':>10s} {'settled':>8s}  (µs per pair, medians of {max(map(len, rows.values()))})")
for label, v in rows.items():
    m = [st.median(x) for x in zip(*v)]
    print(f"{label:22s} {m[0]:8.0f} {m[1]:10.1f} {m[2]:8.1f}   settled per rep: {' '.join(str(x[2]) for x in v)}")
EOF
