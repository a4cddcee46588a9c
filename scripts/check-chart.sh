#!/usr/bin/env bash
# Checks every stack's (and every example mesh's) planned Cilium values against the real Cilium chart with
# ../shared/tools/cilium-check (unknown keys, the chart's schema, a real helm template),
# including each stack with MCS-API on and the pre-flight check's values for every reference chart. Helm itself accepts typos.
set -euo pipefail
cd "$(dirname "$0")/.."
check=${CILIUM_CHECK:-../shared/tools/cilium-check}
if [ ! -x "$check" ]; then
  echo "check-chart: $check not found; skipping the chart check" >&2
  exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
files=()
# The same stack discovery the pull-request workflow uses (scripts/list-stacks.ts).
for stack in $(node --import tsx scripts/list-stacks.ts | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).join(" "))'); do
  npm run --silent plan -- --stack "$stack" --json > "$out/$stack.json"
  files+=("$out/$stack.json")
done
# The example meshes (projects of their own: kind lab, BGP-routed existing hosts), each from its folder.
for example in examples/*/; do
  name=$(basename "$example")
  for stack in $(node --import tsx scripts/list-stacks.ts "$example" | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).join(" "))'); do
    npm run --silent plan -- --stack "$stack" --json --dir "$example" > "$out/$name-$stack.json"
    files+=("$out/$name-$stack.json")
  done
done
# A linked sample mesh with an EKS member: peer entries, the load-balanced apiserver, MCS-API.
sample=$(node --import tsx scripts/plan/sample-mesh.ts)
for stack in west east north; do
  npm run --silent plan -- --stack "$stack" --json --dir "$sample" --no-connectivity > "$out/sample-$stack.json"
  files+=("$out/sample-$stack.json")
done
rm -rf "$sample"
# Every stack and example again at the newest two reference charts (lib/cilium-version.ts): the
# release it upgrades to and the one it rolls back to, one minor at a time (the certificates
# moved to Secrets in 1.20). Older minors are not tested on the Kubernetes the labs run.
versions=$(node --import tsx -e 'const { SUPPORTED_CILIUM_MINORS } = require("./lib/cilium-version"); console.log(SUPPORTED_CILIUM_MINORS.map((r) => r.referenceChart).join(" "))')
upgrade_versions=$(printf '%s\n' $versions | tail -2 | tr '\n' ' ')
for version in $upgrade_versions; do
  for project in . examples/*/; do
    name=$(basename "$(cd "$project" && pwd)")
    copy=$(node --import tsx scripts/plan/at-version.ts "$project" "$version")
    for stack in $(node --import tsx scripts/list-stacks.ts "$copy" | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).join(" "))'); do
      npm run --silent plan -- --stack "$stack" --json --dir "$copy" --no-connectivity > "$out/$name-$stack-at-$version.json"
      files+=("$out/$name-$stack-at-$version.json")
    done
    rm -rf "$copy"
  done
done
"$check" --quiet "${files[@]}"
# MCS-API values differ per chart (1.18: enableMCSAPISupport, 1.19 on: mcsapi.*): check each.
for version in $versions; do
  node --import tsx scripts/plan/mcs-values.ts "$version" > "$out/mcs-$version.json"
  "$check" --quiet --chart-version "$version" "$out/mcs-$version.json"
  # The pre-flight check (clustermesh:cilium.preflight) is a release of the chart a member moves to.
  for mode in kpr kube-proxy; do
    node --import tsx scripts/plan/preflight-values.ts "$mode" > "$out/preflight-$mode-$version.json"
    "$check" --quiet --chart-version "$version" "$out/preflight-$mode-$version.json"
  done
done
# The readiness model's table of what the chart renders that Helm waits on, against real renders
# (cilium-check has just cached helm): a chart value that adds a wait fails here.
CLUSTERMESH_REQUIRE_HELM=1 node scripts/run-tests.mjs lib/readiness.test.ts
echo "check-chart: every stack's Cilium values pass the real chart"
