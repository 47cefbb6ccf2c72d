#!/usr/bin/env bash
# Generates a synthetic home with 50 configured MCP servers across six clients and a 50-entry npx cache
# (package.json files only), the same shape as ScanBenchmarks. Usage: bench/scan/make-home.sh DIR
set -euo pipefail
home=${1:?usage: make-home.sh DIR}
files=(".cursor/mcp.json" ".config/Claude/claude_desktop_config.json" ".claude.json" ".codeium/windsurf/mcp_config.json" ".gemini/settings.json" ".kiro/settings/mcp.json")
declare -A body
for i in $(seq 0 49); do
  f=${files[$((i % 6))]}
  case $((i % 5)) in
    0) e="\"s$i\": { \"command\": \"npx\", \"args\": [\"-y\", \"pkg-$i\"], \"env\": { \"API_TOKEN\": \"plain-$i\", \"REF\": \"\${env:X}\" } }" ;;
    1) e="\"s$i\": { \"command\": \"npx\", \"args\": [\"-y\", \"@scope/pkg-$i@1.2.$i\"] }" ;;
    2) e="\"s$i\": { \"command\": \"uvx\", \"args\": [\"py-$i==0.$i.0\"] }" ;;
    3) e="\"s$i\": { \"command\": \"docker\", \"args\": [\"run\", \"-i\", \"--rm\", \"img/$i:latest\"] }" ;;
    *) e="\"s$i\": { \"url\": \"https://remote-$i.example.com/mcp\", \"headers\": { \"Authorization\": \"Bearer \${input:t}\" } }" ;;
  esac
  body[$f]="${body[$f]:+${body[$f]},
}  $e"
  d="$home/.npm/_npx/h$(printf %08x "$i")/node_modules/pkg-$i"
  mkdir -p "$d"
  printf '{ "name": "pkg-%s", "version": "1.0.%s" }\n' "$i" "$i" > "$d/package.json"
done
for f in "${files[@]}"; do
  mkdir -p "$(dirname "$home/$f")"
  printf '{ "mcpServers": {\n%s\n} }\n' "${body[$f]}" > "$home/$f"
done
