#!/usr/bin/env bash
# Builds bench/flux (Flux's engine, github.com/fluxcd/pkg/ssa) into the test-environment cache, keyed by the
# ssa version and a hash of the program, so a second run finds the binary and prints its path at once.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$(awk '$1 == "github.com/fluxcd/pkg/ssa" { print $2 }' "$here/go.mod")
hash=$(cat "$here/main.go" "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-12)
CACHE=${GITOPS_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gitops-agent-testenv}
BIN="$CACHE/bin/flux-ssa-$version-$hash"
if [ -x "$BIN/flux-ssa" ]; then echo "$BIN/flux-ssa"; exit 0; fi
command -v go >/dev/null || { echo "bench/flux/build.sh: Go is required to build Flux's engine" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
start=$(date +%s)
echo "[flux-ssa build] ssa $version: compiling (cold: several minutes on 2 cores)" >&2
mkdir -p "$BIN.partial"
(cd "$here" && go build -trimpath -ldflags "-s -w" -o "$BIN.partial/flux-ssa" .)
rm -rf "$BIN"; mv "$BIN.partial" "$BIN"
echo "[flux-ssa build] done in $(( $(date +%s) - start ))s: $BIN/flux-ssa" >&2
echo "$BIN/flux-ssa"
