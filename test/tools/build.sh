#!/usr/bin/env bash
# Builds one real tool (helm, kustomize or gitea) from its Go module into a cache outside the repository,
# keyed by version, and prints the binary's path. A second run finds it and exits at once.
# Usage: build.sh helm|kustomize|gitea   (or: build.sh all, which builds the three one after another)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
source "$here/versions.sh"
CACHE=${GITOPS_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gitops-agent-testenv}
tool=${1:?usage: build.sh helm|kustomize|gitea|all}
if [ "$tool" = all ]; then
  for t in helm kustomize gitea; do "$0" "$t"; done
  exit 0
fi
case "$tool" in
  helm) version=$HELM_VERSION; module=helm.sh/helm/v3; pkg=helm.sh/helm/v3/cmd/helm ;;
  kustomize) version=$KUSTOMIZE_VERSION; module=sigs.k8s.io/kustomize/kustomize/v5; pkg=$module ;;
  gitea) version=$GITEA_VERSION; module=code.gitea.io/gitea; pkg=$module ;;
  *) echo "build.sh: unknown tool '$tool' (helm, kustomize or gitea)" >&2; exit 2 ;;
esac
BIN="$CACHE/bin/$tool-v$version"
if [ -x "$BIN/$tool" ]; then echo "$BIN/$tool"; exit 0; fi
command -v go >/dev/null || { echo "build.sh: Go is required to build $tool (see README.md, Requirements)" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
start=$(date +%s)
log() { echo "[$tool build +$(( $(date +%s) - start ))s] $*" >&2; }
w="$CACHE/src/$tool-v$version"; rm -rf "$w" "$BIN.partial"; mkdir -p "$w" "$BIN.partial"; cd "$w"
go mod init "testenv/$tool" >/dev/null 2>&1
go mod edit -require="$module@v$version"
# The wrapper module takes the tool's own replace lines: without them its dependency graph does not resolve
# (Gitea and Helm pin forks this way; go.dev/ref/mod#go-mod-file-replace applies only in the main module).
mod=$(cd /tmp && go mod download -json "$module@v$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
[ -f "$mod" ] || { echo "build.sh: could not download $module@v$version" >&2; exit 1; }
awk '/^replace \(/{inside=1; next} inside && /^\)/{inside=0; next} inside{print} /^replace [^(]/{sub(/^replace /,""); print}' "$mod" |
  awk '{ sub(/\/\/.*/, ""); n = split($0, side, "=>"); if (n != 2) next
         l = side[1]; r = side[2]; gsub(/^[ \t]+|[ \t]+$/, "", l); gsub(/^[ \t]+|[ \t]+$/, "", r)
         gsub(/[ \t]+/, "@", l); gsub(/[ \t]+/, "@", r); print l "=" r }' |
  while read -r pair; do go mod edit -replace="$pair"; done
printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" > tools.go
log "$module v$version: resolving modules"
go mod tidy >/dev/null
ld="-s -w"
tags=""
case "$tool" in
  helm) ld="$ld -X helm.sh/helm/v3/internal/version.version=v$version -X helm.sh/helm/v3/internal/version.gitTreeState=clean" ;;
  kustomize) ld="$ld -X sigs.k8s.io/kustomize/api/provenance.version=v$version" ;;
  gitea) ld="$ld -X main.Version=$version"; tags="sqlite sqlite_unlock_notify" ;;
esac
cgo=0; [ "$tool" = gitea ] && cgo=1 # Gitea's sqlite driver is cgo (mattn/go-sqlite3)
log "$module v$version: compiling (cold: gitea ~10 min, helm ~3 min, kustomize ~1 min on 2 cores)"
CGO_ENABLED=$cgo go build -p "$(nproc)" -trimpath -tags "$tags" -ldflags "$ld" -o "$BIN.partial/$tool" "$pkg"
if [ "$tool" = gitea ]; then
  # Gitea reads its templates, locales and public files from STATIC_ROOT_PATH: the module's own directory.
  dir=$(go list -m -f '{{.Dir}}' "$module")
  ln -s "$dir" "$BIN.partial/static"
fi
rm -rf "$BIN"; mv "$BIN.partial" "$BIN"
log "done in $(( $(date +%s) - start ))s: $BIN/$tool"
echo "$BIN/$tool"
