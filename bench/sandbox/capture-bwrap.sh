#!/bin/bash
# Stand-in for bwrap that records the launcher's real argument vector and environment into
# /tmp/mcpguard-bwrap-capture (fixed: the launcher hands bwrap only the sandbox's own environment), then runs the
# real bwrap. Copy it as "bwrap" into a folder put first on PATH while running SandboxStartBenchmarks once, move the
# captures into a folder per build, and replay them interleaved with interleaved.py (see bench/README.md, Sandbox).
dir=/tmp/mcpguard-bwrap-capture
mkdir -p "$dir"
n=$(date +%s%N)
printf '%s\0' "$@" > "$dir/$n.args"
env -0 > "$dir/$n.env"
exec /usr/bin/bwrap "$@"
