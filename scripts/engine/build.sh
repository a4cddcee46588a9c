#!/usr/bin/env bash
# Builds, once, the pieces of the real Pulumi engine the engine tests run, and caches them by
# version under one folder (CLUSTERMESH_ENGINE_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/clustermesh-engine):
#   - the Pulumi CLI at the version of @pulumi/pulumi in package-lock.json (github.com/pulumi/pulumi/pkg/v3,
#     from a generated wrapper module: pkg/v3's own go.mod has replace directives, so `go install` refuses it);
#   - a Node.js language host (scripts/engine/langhost: Pulumi's own has no version the module proxy serves);
#   - the kubernetes provider (github.com/pulumi/pulumi-kubernetes/provider/v4, the one version served);
# and prints, on stdout, the environment that runs them offline (`eval "$(scripts/engine/build.sh --env)"`).
# Progress goes to stderr. A module that cannot be had is named with the reason, and the exit is non-zero.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CACHE=${CLUSTERMESH_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clustermesh-engine}
mkdir -p "$CACHE"
say() { printf 'engine: %s\n' "$*" >&2; }
die() { printf 'engine: error: %s\n' "$*" >&2; exit 1; }
command -v go >/dev/null || die "go is not on PATH (Go 1.25 or newer builds the engine)"
command -v node >/dev/null || die "node is not on PATH"

lockver() { node -e 'const l=require("./package-lock.json");const p=l.packages["node_modules/"+process.argv[1]];if(!p){process.exit(1)}console.log(p.version)' "$1" ||
    die "package-lock.json has no $1 (run from the repository, after npm ci)"; }
PULUMI_VERSION=$(lockver @pulumi/pulumi)
# The kubernetes provider: pulumi-kubernetes tags its root, not provider/, so the module has only
# pseudo-versions; the proxy serves one, the release commit of v4.25.0 (f47bc2d6f199, tag v4.25.0).
K8S_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
K8S_PSEUDO=v4.0.0-20260115033456-f47bc2d6f199
K8S_VERSION=4.25.0

# download MODULE@VERSION → prints the module's folder; names the module and the proxy's answer on failure.
download() {
    local out
    if ! out=$(go mod download -json "$1" 2>&1); then
        local why
        why=$(printf '%s' "$out" | sed -n 's/.*"Error": "\(.*\)"/\1/p' | sed 's/\\n/ /g; s/\\t/ /g')
        die "module $1 cannot be had: ${why:-$out}"
    fi
    printf '%s' "$out" | sed -n 's/.*"Dir": "\(.*\)",/\1/p'
}

timed() { # name dir command...: runs a build, records its time
    local name=$1 dir=$2; shift 2
    local t0=$SECONDS
    say "building $name (a cold build takes tens of minutes on 2 cores; Go's build cache makes a rebuild quick)"
    ( cd "$dir" && "$@" ) >&2 || die "building $name failed (output above)"
    say "built $name in $((SECONDS - t0)) s"
    printf '%s %s s\n' "$name" "$((SECONDS - t0))" >> "$CACHE/build-times.txt"
}

# 1. The CLI.
CLI=$CACHE/pulumi-v$PULUMI_VERSION
if [ ! -x "$CLI/pulumi" ]; then
    PKG=$(download "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION")
    src=$CACHE/src/pulumi-v$PULUMI_VERSION
    rm -rf "$src" && mkdir -p "$src"
    # The wrapper requires pkg/v3 and copies its replaces, except the ones into its own repository
    # (../sdk: sdk/v3 at the same version comes from the proxy instead).
    { printf 'module clustermesh.local/engine/pulumi\n\ngo 1.25\n\nrequire github.com/pulumi/pulumi/pkg/v3 v%s\n\n' "$PULUMI_VERSION"
      (cd "$PKG" && go mod edit -json) | node -e '
        const m=JSON.parse(require("fs").readFileSync(0,"utf8"));
        for (const r of m.Replace??[]) { if (r.New.Path.startsWith(".")) continue;
          console.log(`replace ${r.Old.Path}${r.Old.Version?" "+r.Old.Version:""} => ${r.New.Path} ${r.New.Version}`); }'
    } > "$src/go.mod"
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' > "$src/tools.go"
    (cd "$src" && go mod tidy >&2) || die "resolving the CLI's modules failed (output above)"
    mkdir -p "$CLI.tmp"
    timed "pulumi CLI v$PULUMI_VERSION" "$src" go build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
        -o "$CLI.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    rm -rf "$CLI" && mv "$CLI.tmp" "$CLI"
fi

# 2. The language host: ours, keyed by its source (it is rebuilt when it changes).
LH_KEY=$(cat scripts/engine/langhost/go.mod scripts/engine/langhost/go.sum scripts/engine/langhost/*.go | sha256sum | cut -c1-16)
LH=$CACHE/langhost-$LH_KEY
if [ ! -x "$LH/pulumi-language-nodejs" ]; then
    # Pulumi's own host, for the record: say why it is not the one built.
    say "note: github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 has no tags and the module proxy serves none of its pseudo-versions; building scripts/engine/langhost instead"
    mkdir -p "$LH.tmp"
    timed "language host (scripts/engine/langhost)" "$ROOT/scripts/engine/langhost" go build -trimpath \
        -ldflags "-s -w -X main.version=$PULUMI_VERSION" -o "$LH.tmp/pulumi-language-nodejs" .
    rm -rf "$LH" && mv "$LH.tmp" "$LH"
fi

# 3. The kubernetes provider.
K8S=$CACHE/kubernetes-v$K8S_VERSION
if [ ! -x "$K8S/pulumi-resource-kubernetes" ]; then
    MOD=$(download "$K8S_MODULE@$K8S_PSEUDO")
    src=$CACHE/src/kubernetes-v$K8S_VERSION
    rm -rf "$src" && mkdir -p "$(dirname "$src")" && cp -r "$MOD" "$src" && chmod -R u+w "$src"
    # Its replace of sdk/v4 points into its own repository: take the matching release instead.
    (cd "$src" && go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 \
        && go get "github.com/pulumi/pulumi-kubernetes/sdk/v4@v$K8S_VERSION" >&2) || die "resolving the kubernetes provider's modules failed"
    # cmd/pulumi-resource-kubernetes embeds schema-embed.json and terraform-mapping-embed.json, which
    # its go:generate (generate.go) writes from the committed schema.json; they are not in the zip.
    (cd "$src/cmd/pulumi-resource-kubernetes" && VERSION=$K8S_VERSION node -e '
        const fs=require("fs"); const s=JSON.parse(fs.readFileSync("schema.json","utf8")); s.version=process.env.VERSION;
        fs.writeFileSync("schema-embed.json", JSON.stringify(s));
        fs.writeFileSync("terraform-mapping-embed.json", JSON.stringify(JSON.parse(fs.readFileSync("terraform-mapping.json","utf8"))));')
    mkdir -p "$K8S.tmp"
    timed "kubernetes provider v$K8S_VERSION" "$src" go build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_VERSION" \
        -o "$K8S.tmp/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
    rm -rf "$K8S" && mv "$K8S.tmp" "$K8S"
fi

# 4. The providers that cannot be built here, probed once per version: said, and stood in for.
for pkg in command:github.com/pulumi/pulumi-command/provider tls:github.com/pulumi/pulumi-tls/provider/v5 random:github.com/pulumi/pulumi-random/provider/v4; do
    name=${pkg%%:*}; module=${pkg#*:}; ver=$(lockver "@pulumi/$name")
    marker=$CACHE/probe-$name-v$ver
    if [ ! -f "$marker" ]; then
        if go mod download -json "$module@v$ver" > "$marker.out" 2>&1; then
            echo "served, but no build recipe here yet" > "$marker"
        elif grep -q '403 Forbidden' "$marker.out"; then
            echo "the module proxy refuses it (403: not available)" > "$marker"
        elif grep -q '404 Not Found\|410 Gone' "$marker.out"; then
            echo "the module proxy has no such version (404)" > "$marker"
        else
            echo "could not be downloaded" > "$marker"
        fi
        rm -f "$marker.out"
    fi
    say "note: $module@v$ver: $(cat "$marker" | head -c 300) -> the $name plugin is the engine-test stand-in (test/engine/providers)"
done

# The plugin home and the PATH the tests use: the CLI, the host and kubernetes as ambient plugins
# (pulumi finds pulumi-language-* and pulumi-resource-* on PATH before its plugin cache).
BIN=$CACHE/bin
mkdir -p "$BIN" "$CACHE/home"
ln -sf "$CLI/pulumi" "$BIN/pulumi"
ln -sf "$LH/pulumi-language-nodejs" "$BIN/pulumi-language-nodejs"
ln -sf "$K8S/pulumi-resource-kubernetes" "$BIN/pulumi-resource-kubernetes"
PULUMI_HOME=$CACHE/home "$BIN/pulumi" plugin install resource kubernetes "$K8S_VERSION" --file "$K8S/pulumi-resource-kubernetes" >/dev/null 2>&1 || true
say "ready: $("$BIN/pulumi" version) in $CACHE"

if [ "${1:-}" = "--env" ]; then
    printf 'export CLUSTERMESH_ENGINE_BIN=%q\n' "$BIN"
    printf 'export PULUMI_HOME=%q\n' "$CACHE/home"
fi
