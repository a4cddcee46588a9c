// Cilium's pre-flight check (upgrade guide, "Running pre-flight check (Required)") as the program
// runs it: `clustermesh:cilium.preflight` adds a second Helm release of the target's chart with
// only the pre-flight DaemonSet and Deployment, awaited after the member's own release.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, settle, type MockEngine, type RecordedResource } from "../../scripts/plan/mock-engine";
import { member, stackConfig } from "../../test/stack-files";
import { loadStackConfigs } from "../../stacks/load";
import { validateMesh } from "../../stacks/validate";
import { formatProblem } from "../../stacks/problems";
import { MAX_CILIUM_MINOR_SKEW, SUPPORTED_CILIUM_MINORS, supportedMinorIndex } from "../../lib/cilium-version";
import { buildPreflightValues, PREFLIGHT_RELEASE_NAME } from "./values";

let engine: MockEngine;
const byName = (name: string): RecordedResource | undefined => engine.resources.find((r) => r.name === name);

before(async () => {
    engine = await installMockEngine("west");
    const { TestCluster } = await import("../../test/test-cluster");
    const { CiliumRelease } = await import("./cilium-release");
    const ca = { certPem: "c", privateKeyPem: "k" };
    const at = (name: string, cilium: Record<string, unknown>, chartArchive?: string) => {
        const m = member({ stack: name, id: 1, cilium });
        new CiliumRelease(`${name}-cilium`, { cluster: new TestCluster(name), clusterId: 1, podCIDR: m.cluster.podCIDR, cilium: m.cilium, ca, peers: [], ...(chartArchive ? { chartArchive } : {}) });
    };
    at("moving", { version: "1.19.6", preflight: "1.20.0" });
    at("archived", { version: "1.19.6", preflight: "1.20.0", chart: "/charts/cilium-1.19.6.tgz" }, "/charts/cilium-1.19.6.tgz");
    at("staying", { version: "1.19.6" });
    await settle();
});

describe("the pre-flight release", () => {
    it("installs the target's chart as cilium-preflight, awaited, after the member's own release", () => {
        const preflight = byName("moving-cilium-preflight");
        const release = byName("moving-cilium-release");
        assert.ok(preflight && release);
        assert.equal(preflight.type, "kubernetes:helm.sh/v3:Release");
        assert.equal(preflight.parent, byName("moving-cilium")?.urn);
        assert.equal(preflight.inputs.name, PREFLIGHT_RELEASE_NAME);
        assert.equal(preflight.inputs.chart, "cilium");
        assert.equal(preflight.inputs.version, "1.20.0");
        assert.equal(release.inputs.version, "1.19.6");
        assert.equal(preflight.inputs.namespace, "kube-system");
        assert.equal(preflight.inputs.skipAwait, false);
        assert.ok(preflight.dependsOn.includes(release.urn), "the pre-flight check runs on the member's nodes once its own release is up");
        assert.equal(preflight.provider, release.provider);
    });

    it("renders only the pre-flight check: no agent, no operator", () => {
        const values = byName("moving-cilium-preflight")?.inputs.values as Record<string, unknown>;
        assert.deepEqual(values.preflight, { enabled: true });
        assert.equal(values.agent, false);
        assert.deepEqual(values.operator, { enabled: false });
    });

    it("takes the target's archive beside the configured one when the chart is local", () => {
        assert.equal(byName("archived-cilium-release")?.inputs.chart, "/charts/cilium-1.19.6.tgz");
        const preflight = byName("archived-cilium-preflight");
        assert.equal(preflight?.inputs.chart, "/charts/cilium-1.20.0.tgz");
        assert.equal(preflight?.inputs.version, undefined);
        assert.equal(preflight?.inputs.repositoryOpts, undefined);
    });

    it("is absent without clustermesh:cilium.preflight", () => {
        assert.ok(byName("staying-cilium-release"));
        assert.equal(byName("staying-cilium-preflight"), undefined);
    });
});

describe("buildPreflightValues", () => {
    it("reaches the API server by address only without kube-proxy", () => {
        const withKpr = buildPreflightValues({ cilium: { kubeProxyReplacement: true }, apiServerHost: "10.0.0.5", apiServerPort: 6443 });
        assert.equal(withKpr.k8sServiceHost, "10.0.0.5");
        assert.equal(withKpr.k8sServicePort, 6443);
        const withKubeProxy = buildPreflightValues({ cilium: { kubeProxyReplacement: false }, apiServerHost: "10.0.0.5", apiServerPort: 6443 });
        assert.equal(withKubeProxy.k8sServiceHost, undefined);
        assert.deepEqual(Object.keys(withKubeProxy), ["agent", "operator", "preflight"]);
    });
});

describe("clustermesh:cilium.preflight, every pair of supported releases", () => {
    const releases = SUPPORTED_CILIUM_MINORS.map((row) => row.referenceChart);
    for (const version of releases) {
        for (const preflight of releases) {
            const distance = Math.abs(supportedMinorIndex(preflight) - supportedMinorIndex(version));
            const accepted = preflight !== version && distance <= MAX_CILIUM_MINOR_SKEW;
            it(`${version} with a pre-flight of ${preflight} is ${accepted ? "accepted" : "refused"}`, () => {
                const specs = [
                    { stack: "west", id: 1, cilium: { version, preflight } },
                    { stack: "east", id: 2, cilium: { version } },
                ];
                const loaded = loadStackConfigs(specs.map((spec, seniority) => ({ file: `Pulumi.${spec.stack}.yaml`, doc: { config: stackConfig(spec) }, seniority })));
                const problems = [...loaded.problems, ...validateMesh(loaded.members, loaded.suggestions).problems].map(formatProblem);
                if (accepted) {
                    assert.deepEqual(problems, []);
                } else {
                    assert.equal(problems.length, 1, problems.join("\n"));
                    assert.match(problems[0] ?? "", new RegExp(`^Pulumi\\.west\\.yaml: clustermesh:cilium\\.preflight ${preflight.replace(/\./g, "\\.")} .*${version.replace(/\./g, "\\.")}`));
                }
            });
        }
    }
});
