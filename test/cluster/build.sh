#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, etcd and kwok from Go modules
# into a cache outside the repository, keyed by version. A second run finds them and exits at once.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
source "$here/versions.sh"
CACHE=${GITOPS_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gitops-agent-testenv}
BIN="$CACHE/bin/k8s-v$K8S_VERSION-etcd-v$ETCD_VERSION-kwok-v$KWOK_VERSION"
need=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok)
missing=0
for b in "${need[@]}"; do [ -x "$BIN/$b" ] || missing=1; done
if [ "$missing" = 0 ]; then echo "$BIN"; exit 0; fi

command -v go >/dev/null || { echo "build.sh: Go is required to build the local control plane (apt-get install golang or see go.dev)" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
start=$(date +%s)
log() { echo "[control-plane build +$(( $(date +%s) - start ))s] $*" >&2; }
work="$CACHE/src"; mkdir -p "$work" "$BIN.partial"

# --- kube-apiserver, kube-controller-manager, kube-scheduler -------------------------------
if [ ! -x "$BIN.partial/kube-apiserver" ] || [ ! -x "$BIN.partial/kube-controller-manager" ] || [ ! -x "$BIN.partial/kube-scheduler" ]; then
  log "kubernetes v$K8S_VERSION: resolving modules (cold: several minutes)"
  # The .mod is read outside any module: inside one, its unresolvable v0.0.0 requires break loading.
  mod=$(cd /tmp && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [ -f "$mod" ] || { echo "build.sh: could not download k8s.io/kubernetes@v$K8S_VERSION" >&2; exit 1; }
  w="$work/k8s-v$K8S_VERSION"; rm -rf "$w"; mkdir -p "$w"; cd "$w"
  go mod init testenv/k8sbins >/dev/null 2>&1
  go mod edit -go=1.23.0 -require="k8s.io/kubernetes@v$K8S_VERSION"
  # Staging modules are required at v0.0.0 and replaced by paths upstream; point each at its
  # published v0.MINOR.PATCH instead (kubernetes/kubernetes#79384).
  for m in $(awk '$1 ~ /^k8s\.io\// && $2=="v0.0.0"{print $1}' "$mod" | sort -u); do
    go mod edit -replace="$m=$m@v0.${K8S_VERSION#1.}"
  done
  printf 'godebug default=go1.23\n' >> go.mod
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler"\n)\n' > tools.go
  go mod tidy >/dev/null
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  log "kubernetes v$K8S_VERSION: compiling kube-apiserver, kube-controller-manager, kube-scheduler (cold: 10-25 min on 2 cores)"
  go build -p "$(nproc)" -trimpath -ldflags "$ld" -o "$BIN.partial/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do sleep 30; kill -0 "$pid" 2>/dev/null && log "still compiling kubernetes…"; done
  wait "$pid"
fi

# --- etcd ----------------------------------------------------------------------------------
if [ ! -x "$BIN.partial/etcd" ]; then
  log "etcd v$ETCD_VERSION: building"
  w="$work/etcd-v$ETCD_VERSION"; rm -rf "$w"; mkdir -p "$w"; cd "$w"
  go mod init testenv/etcd >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >/dev/null 2>&1
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
  go mod tidy >/dev/null
  go build -trimpath -ldflags "-s -w" -o "$BIN.partial/etcd" go.etcd.io/etcd/server/v3
fi

# --- kwok ----------------------------------------------------------------------------------
if [ ! -x "$BIN.partial/kwok" ]; then
  log "kwok v$KWOK_VERSION: building"
  cd /tmp
  GOFLAGS= GOBIN="$BIN.partial" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
fi

rm -rf "$BIN"; mv "$BIN.partial" "$BIN"
log "done in $(( $(date +%s) - start ))s: $BIN"
echo "$BIN"
