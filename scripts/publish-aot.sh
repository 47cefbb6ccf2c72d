#!/usr/bin/env bash
# Publishes the mcpguard CLI as a Native AOT executable (one self-contained file, no .NET runtime needed, ~50 ms
# start instead of ~400 ms with the JIT: what `mcpguard run` in a client config should point at).
#   scripts/publish-aot.sh [OUTPUT_DIR] [RID]      defaults: artifacts/aot/<rid>, linux-x64
# Needs a C toolchain for the native link: clang (Debian: apt-get install clang-14 zlib1g-dev) or gcc. The ILCompiler
# package restores from NuGet. The publish must stay free of trim/AOT warnings (they are errors here, like every
# warning): a warning means some code path would fail only in the published binary.
set -euo pipefail
cd "$(dirname "$0")/.."

rid=${2:-linux-x64}
out=${1:-artifacts/aot/$rid}
linker=()
if [ -z "${CppCompilerAndLinker:-}" ]; then
  for cc in clang clang-14 clang-15 clang-16 gcc; do
    if command -v "$cc" >/dev/null 2>&1; then linker=(-p:CppCompilerAndLinker="$cc"); break; fi
  done
fi

dotnet publish src/McpGuard.Cli -c Release -r "$rid" -p:PublishAot=true "${linker[@]}" -o "$out"
echo "published: $out/mcpguard ($(du -h "$out/mcpguard" | cut -f1))"
