#!/usr/bin/env bash
# Builds, once, the binaries of the test cluster (test/engine/cluster/) from Go modules and caches
# them by version:
#
#   $CACHE/cluster/kubernetes-<v>/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   $CACHE/cluster/kine-<v>/bin/kine         (etcd API over sqlite; the datastore)
#   $CACHE/cluster/kwok-<v>/bin/kwok         (simulated nodes and pod lifecycles)
#
# CACHE is $CLUSTERMESH_ENGINE_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/clustermesh-engine (the
# folder the rest of scripts/engine/ uses). A binary already in the cache is not rebuilt, so a
# warm run takes a second. Progress goes to stderr; stdout prints nothing but, with --print-env,
# the variables the harness reads (CLUSTERMESH_CLUSTER_BIN_DIR...).
#
# Versions: Kubernetes matches the kind lab's default node image (components/cluster/kind-cluster.ts,
# kindest/node:v1.33.1), kwok v0.7.0 is the release built against k8s.io/* v0.33, kine is the
# newest release (it only speaks the etcd v3 API to the apiserver, so its own k8s.io version is
# irrelevant). Override with KUBERNETES_VERSION, KWOK_VERSION, KINE_VERSION.
#
# Why a wrapper module for Kubernetes: k8s.io/kubernetes's go.mod requires its staging modules
# (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0 and replaces them with ./staging/src/..., which
# `go install mod@version` refuses. The wrapper requires k8s.io/kubernetes and replaces every
# staging module with its published twin, v0.<minor>.<patch> (the staging list is read from
# k8s.io/kubernetes's own go.mod, so a new staging module needs no edit here).
#
# Exit codes: 0 all built (or cached), 1 a module could not be downloaded or built (the message
# names it and why), 2 bad usage.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/engine/build-cluster.sh [--print-env] [--only kubernetes|kine|kwok]...

Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (k8s.io/kubernetes), kine
(github.com/k3s-io/kine, sqlite) and kwok (sigs.k8s.io/kwok) into the engine cache, once per
version. Progress on stderr.

  --print-env   print `export NAME=value` lines for the harness on stdout
  --only NAME   build only this part (repeatable)
  -h, --help    this text

Environment: CLUSTERMESH_ENGINE_CACHE (cache folder), KUBERNETES_VERSION (default v1.33.1),
KWOK_VERSION (default v0.7.0), KINE_VERSION (default v0.17.5), GOFLAGS/GOPROXY as for go.
USAGE
}

KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.33.1}"
KWOK_VERSION="${KWOK_VERSION:-v0.7.0}"
KINE_VERSION="${KINE_VERSION:-v0.17.5}"
CACHE="${CLUSTERMESH_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clustermesh-engine}"
ROOT="$CACHE/cluster"

print_env=0
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --print-env) print_env=1 ;;
    --only) [ $# -ge 2 ] || { usage >&2; exit 2; }; only+=("$2"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-cluster: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for o in "${only[@]+"${only[@]}"}"; do
  case "$o" in kubernetes|kine|kwok) ;; *) echo "build-cluster: --only takes kubernetes, kine or kwok, not '$o'" >&2; exit 2 ;; esac
done
wanted() { [ ${#only[@]} -eq 0 ] && return 0; local o; for o in "${only[@]}"; do [ "$o" = "$1" ] && return 0; done; return 1; }

log() { printf '[build-cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

command -v go >/dev/null || fail "go is not on PATH (Go 1.24 or newer builds these modules)"

# fetch MODULE@VERSION: download it (and only it) from the module proxy, or say why not.
fetch() {
  local out
  if ! out="$(cd "$1" && go mod download -json "$2" 2>&1)"; then
    fail "module $2 cannot be had: $(printf '%s' "$out" | grep -m1 -E '"Error"|error|not found|404|410' || printf '%s' "$out" | tail -n 3)"
  fi
  if printf '%s' "$out" | grep -q '"Error"'; then
    fail "module $2 cannot be had: $(printf '%s' "$out" | grep -m1 '"Error"')"
  fi
}

# gobuild DIR LOG what...: run `go build` in DIR, the log kept beside it; on failure name the
# module and show the log's tail.
gobuild() {
  local dir="$1" logf="$2" what="$3"; shift 3
  if ! (cd "$dir" && "$@") >"$logf" 2>&1; then
    log "go build of $what failed; last lines of $logf:"
    tail -n 25 "$logf" >&2
    fail "$what could not be built (see above)"
  fi
}

build_kubernetes() {
  local v="$KUBERNETES_VERSION" dest="$ROOT/kubernetes-$KUBERNETES_VERSION"
  local bins=() b
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do [ -x "$dest/bin/$b" ] || bins+=("$b"); done
  if [ ${#bins[@]} -eq 0 ]; then log "kubernetes $v: cached in $dest/bin"; return; fi
  local minor="${v#v1.}"                     # 33.1
  local staging="v0.$minor"                  # v0.33.1
  local work="$dest/src"
  rm -rf "$work"; mkdir -p "$work" "$dest/bin"
  log "kubernetes $v: to build: ${bins[*]}"
  log "kubernetes $v: writing wrapper module in $work (staging modules at $staging)"
  cat >"$work/go.mod" <<GOMOD
module clustermesh.test/kubernetes-wrapper

go 1.24

require k8s.io/kubernetes $v
GOMOD
  cat >"$work/tools.go" <<'GO'
//go:build tools

// Package tools pins the commands this wrapper module builds.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  log "kubernetes $v: downloading k8s.io/kubernetes@$v go.mod"
  fetch "$work" "k8s.io/kubernetes@$v"
  local gomod
  gomod="$(cd "$work" && go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$gomod" ] || fail "k8s.io/kubernetes@$v: its go.mod was not found after download"
  # Every `k8s.io/x => ./staging/src/k8s.io/x` in kubernetes's go.mod becomes `k8s.io/x => k8s.io/x $staging`.
  local mods
  mods="$(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/src/.*#\1#p' "$gomod" | sort -u)"
  [ -n "$mods" ] || fail "k8s.io/kubernetes@$v: no staging replaces found in its go.mod (layout changed?)"
  local m
  for m in $mods; do
    printf 'replace %s => %s %s\n' "$m" "$m" "$staging" >>"$work/go.mod"
  done
  log "kubernetes $v: $(printf '%s\n' "$mods" | wc -l) staging modules replaced; resolving requirements (go mod tidy)"
  gobuild "$work" "$dest/tidy.log" "the wrapper of k8s.io/kubernetes@$v (go mod tidy; a staging module at $staging may be missing)" go mod tidy
  local major="${v#v}"; major="${major%%.*}"; local mnr="${minor%%.*}"
  local ld="-s -w"
  local pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$mnr -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  log "kubernetes $v: building ${bins[*]} (cold: tens of minutes on 2 cores; log $dest/build.log)"
  local t0=$SECONDS
  local pkgs=()
  for b in "${bins[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  gobuild "$work" "$dest/build.log" "k8s.io/kubernetes@$v ${pkgs[*]}" \
    env CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$dest/bin/" "${pkgs[@]}"
  log "kubernetes $v: built in $((SECONDS - t0)) s"
}

# build_plain NAME MODULE VERSION PKG CGO: a module without replaces, built by `go install`.
build_plain() {
  local name="$1" mod="$2" v="$3" pkg="$4" cgo="$5"
  local dest="$ROOT/$name-$v"
  if [ -x "$dest/bin/$name" ]; then log "$name $v: cached in $dest/bin"; return; fi
  mkdir -p "$dest/bin"
  log "$name $v: downloading $mod@$v"
  local tmp; tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' RETURN
  fetch "$tmp" "$mod@$v"
  log "$name $v: building $pkg (log $dest/build.log)"
  local t0=$SECONDS
  gobuild "$tmp" "$dest/build.log" "$mod@$v ($pkg)" \
    env GOBIN="$dest/bin" CGO_ENABLED="$cgo" go install -trimpath -ldflags "-s -w" "$pkg@$v"
  [ -x "$dest/bin/$name" ] || fail "$mod@$v built but $dest/bin/$name is missing"
  log "$name $v: built in $((SECONDS - t0)) s"
}

t_all=$SECONDS
mkdir -p "$ROOT"
if wanted kine; then
  command -v gcc >/dev/null || fail "kine's sqlite driver (github.com/mattn/go-sqlite3) needs cgo and gcc; install gcc (apt-get install gcc)"
  build_plain kine github.com/k3s-io/kine "$KINE_VERSION" github.com/k3s-io/kine 1
fi
wanted kwok && build_plain kwok sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok 0
wanted kubernetes && build_kubernetes
log "done in $((SECONDS - t_all)) s"

if [ $print_env -eq 1 ]; then
  printf 'export CLUSTERMESH_KUBERNETES_BIN_DIR=%q\n' "$ROOT/kubernetes-$KUBERNETES_VERSION/bin"
  printf 'export CLUSTERMESH_KINE_BIN=%q\n' "$ROOT/kine-$KINE_VERSION/bin/kine"
  printf 'export CLUSTERMESH_KWOK_BIN=%q\n' "$ROOT/kwok-$KWOK_VERSION/bin/kwok"
fi
