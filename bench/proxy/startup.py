#!/usr/bin/env python3
"""Start-up of `mcpguard run`: spawn -> first `initialize` answer, direct vs through mcpguard (AOT and JIT), interleaved.

usage: MCPGUARD_HOME=$(mktemp -d) python3 bench/proxy/startup.py BENCH_DIR AOT_BINARY MCPGUARD_DLL [RUNS]
BENCH_DIR is a copy of ../shared/bench (its servers/raw-echo-server.mjs is the upstream).
"""
import json, statistics, subprocess, sys, time

bench, aot, dll = sys.argv[1:4]
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 9
init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "startup", "version": "1"}}}) + "\n"
server = ["node", f"{bench}/servers/raw-echo-server.mjs"]
configs = {
    "direct": server,
    "mcpguard-aot": [aot, "run", "--sandbox", "none", "--"] + server,
    "mcpguard-jit": ["dotnet", dll, "run", "--sandbox", "none", "--"] + server,
}
times = {name: [] for name in configs}
for _ in range(runs):
    for name, command in configs.items():
        start = time.perf_counter()
        p = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdin.write(init.encode())
        p.stdin.flush()
        line = p.stdout.readline()
        times[name].append((time.perf_counter() - start) * 1000)
        assert b'"result"' in line, line
        p.stdin.close()
        p.wait()
for name, values in times.items():
    print(f"{name}: median {statistics.median(values):.0f} ms, min {min(values):.0f} ms, n={len(values)}")
