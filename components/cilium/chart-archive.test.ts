// Found by the real engine (npm run test:engine): the kubernetes provider resolves a Helm
// release's chart when it checks the release, so with no internet the repository's chart cannot
// be had at all; `clustermesh:cilium.chart` names a local archive instead. The mock engine never
// resolves a chart, so only these tests hold the rule here.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, settle, type MockEngine } from "../../scripts/plan/mock-engine";
import { ciliumSchema } from "../../stacks/schema";
import { member } from "../../test/stack-files";

let engine: MockEngine;

before(async () => {
    engine = await installMockEngine("west");
    const { TestCluster } = await import("../../test/test-cluster");
    const { CiliumRelease } = await import("./cilium-release");
    const { MeshCertificateAuthority } = await import("../mesh/certificate-authority");
    // The schema holds the archive's name to the version (below); the component takes both as given.
    const west = member({ stack: "west", id: 1, cilium: { version: "1.19.6", chart: "/charts/cilium-1.19.6.tgz" } });
    new CiliumRelease("west-cilium", {
        cluster: new TestCluster("west"),
        clusterId: 1,
        podCIDR: west.cluster.podCIDR,
        cilium: west.cilium,
        chartArchive: "/charts/cilium-1.19.6.tgz",
        ca: new MeshCertificateAuthority("mesh-ca"),
        peers: [],
    });
    await settle();
});

describe("clustermesh:cilium.chart", () => {
    it("installs the release from the archive, with no repository or version to fetch", () => {
        const helm = engine.resources.find((r) => r.name === "west-cilium-release");
        assert.ok(helm);
        assert.equal(helm.inputs.chart, "/charts/cilium-1.19.6.tgz");
        assert.equal(helm.inputs.repositoryOpts, undefined);
        assert.equal(helm.inputs.version, undefined);
    });

    it("accepts an archive of the configured version, absolute or relative", () => {
        for (const chart of ["/charts/cilium-1.19.6.tgz", "../shared/reference/cilium-1.19.6.tgz", "cilium-1.19.6.tgz"]) {
            assert.equal(ciliumSchema.safeParse({ version: "1.19.6", chart }).success, true, chart);
        }
        assert.equal(ciliumSchema.parse({ version: "1.19.6" }).chart, undefined);
    });

    it("refuses an archive of another version, naming both and the fix", () => {
        const r = ciliumSchema.safeParse({ version: "1.19.6", chart: "/charts/cilium-1.18.12.tgz" });
        assert.equal(r.success, false);
        const issue = r.error?.issues[0];
        assert.deepEqual(issue?.path, ["chart"]);
        assert.match(issue?.message ?? "", /Cilium 1\.18\.12, but version is 1\.19\.6; use cilium-1\.19\.6\.tgz or set version: 1\.18\.12/);
    });

    it("refuses what is not a chart archive", () => {
        for (const chart of ["/charts/cilium.tgz", "/charts/cilium-1.19.6.tar", "https://helm.cilium.io/cilium-1.19.6.tgz/x"]) {
            assert.equal(ciliumSchema.safeParse({ version: "1.19.6", chart }).success, false, chart);
        }
    });
});
