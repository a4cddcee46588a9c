import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateMesh } from "../stacks/validate";
import { member } from "../test/stack-files";
import { DEFAULT_EKS_VERSION, DEFAULT_K3S_VERSION, DEFAULT_KIND_NODE_IMAGE } from "./defaults";
import { COREDNS_MULTICLUSTER, corednsOfKindImage, EKS_COREDNS_ADDON, k3sShipsMulticluster, versionAtLeast } from "./version-gates";

const problems = (...specs: Parameters<typeof member>[0][]) => validateMesh(specs.map(member)).problems.map((p) => `${p.file}: ${p.key} ${String(p.value)} ${p.message}; ${p.fix}`);
const kindLab = (id: number, nodeImage?: string) => ({ stack: id === 1 ? "west" : "east", id, kind: "kind" as const, cilium: { mcsAPI: true }, kindNodes: nodeImage ? { nodeImage } : {} });

describe("version gates: CoreDNS for MCS-API's multicluster plugin", () => {
    it("the defaults are combinations that work", () => {
        assert.ok(versionAtLeast(corednsOfKindImage(DEFAULT_KIND_NODE_IMAGE)!.coredns, COREDNS_MULTICLUSTER.minimum), DEFAULT_KIND_NODE_IMAGE);
        assert.equal(k3sShipsMulticluster(DEFAULT_K3S_VERSION)?.ok, true, DEFAULT_K3S_VERSION);
        assert.ok(versionAtLeast(EKS_COREDNS_ADDON[DEFAULT_EKS_VERSION].coredns, COREDNS_MULTICLUSTER.minimum), DEFAULT_EKS_VERSION);
        assert.deepEqual(problems(kindLab(1), kindLab(2)), [], "the kind lab with MCS-API on its default node image");
    });

    it("old behaviour: the kind lab's former default node image (Kubernetes 1.33, CoreDNS 1.12.0) is refused with MCS-API, naming both versions and one that works", () => {
        const found = problems(kindLab(1, "kindest/node:v1.33.1"), kindLab(2));
        assert.equal(found.length, 1);
        assert.match(found[0], /^Pulumi\.west\.yaml: clustermesh:kind\.nodeImage kindest\/node:v1\.33\.1 ships CoreDNS 1\.12\.0 .*but clustermesh:cilium\.mcsAPI needs CoreDNS 1\.12\.2 or later .*coredns #7266.*; use kindest\/node:v1\.35\.0, or turn MCS-API off$/);
    });

    it("refuses k3s releases before the CoreDNS 1.12.3 bump and EKS versions whose add-on predates 1.12.2", () => {
        assert.equal(k3sShipsMulticluster("v1.33.3+k3s1")?.ok, false);
        assert.equal(k3sShipsMulticluster("v1.32.8+k3s1")?.ok, true);
        assert.equal(k3sShipsMulticluster("v1.34.1+k3s1")?.ok, true);
        const found = problems({ stack: "west", id: 1, k3s: { version: "v1.33.3+k3s1" }, cilium: { mcsAPI: true } }, { stack: "east", id: 2, kind: "eks", eks: { version: "1.32" }, cilium: { mcsAPI: true } });
        assert.equal(found.length, 2, found.join("\n"));
        assert.match(found[0], /clustermesh:k3s\.version v1\.33\.3\+k3s1 ships CoreDNS older than 1\.12\.2 .*; use v1\.33\.5\+k3s1/);
        assert.match(found[1], /clustermesh:eks\.version 1\.32 runs the CoreDNS add-on v1\.11\.4-eksbuild\.24 \(CoreDNS 1\.11\.4.*; use EKS 1\.33 \(add-on v1\.12\.4-eksbuild\.1\)/);
    });

    it("refuses an EKS version with no pinned CoreDNS add-on", () => {
        assert.match(problems({ stack: "west", id: 1, kind: "eks", eks: { version: "1.40" } }).join("\n"), /clustermesh:eks\.version 1\.40 has no pinned CoreDNS add-on version/);
    });
});
