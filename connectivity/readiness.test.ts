/**
 * The install hop's readiness model on real plans: the BGP example as planned (the LB-IPAM
 * Service after its pool), the same plan put back to the old behaviour (the chart's Service made
 * a LoadBalancer, the pool after the release), and chart values that add a wait nothing can end.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { planMembers } from "../scripts/plan/plan-members";
import type { PlanDocument } from "../scripts/plan/report";
import { checkConnectivity } from "./model";
import type { MemberPlan, PlannedResource } from "./plans";
import { plannedWaits, readinessProblems } from "./readiness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
let bgp: PlanDocument[];

before(async () => {
    const runs = await planMembers(path.join(__dirname, "..", "examples", "bgp-hosts"), ["west", "east"]);
    bgp = runs.map((r) => {
        assert.ok(r.plan, r.error);
        return r.plan;
    });
});

function edited(plan: MemberPlan, edit: (resources: PlannedResource[]) => PlannedResource[]): MemberPlan {
    return { ...plan, resources: edit(structuredClone([...plan.resources])) };
}

const valuesOf = (resources: PlannedResource[]): any => resources.find((r) => r.type === RELEASE)!.inputs!.values;

describe("readiness: the BGP LoadBalancer path", () => {
    it("as planned, every wait can end: the release waits on nothing that needs an address; the Service comes after its pool", () => {
        for (const plan of bgp) {
            assert.deepEqual(readinessProblems(plan, "k3s"), [], plan.stack);
            const waits = plannedWaits(plan).map((w) => `${w.waiter.name}: ${w.object}`);
            assert.ok(waits.includes(`${plan.stack}-bgp-apiserver-lb: LoadBalancer Service clustermesh-apiserver-lb`), waits.join("\n"));
            assert.ok(waits.includes(`${plan.stack}-cilium-release: Deployment clustermesh-apiserver`));
        }
        assert.equal(checkConnectivity(bgp).summary.failed, 0);
    });

    it("old behaviour: the chart's Service as the LB-IPAM LoadBalancer, whose pool comes after the release, never gets an address", () => {
        const old = edited(bgp[0], (rs) => {
            valuesOf(rs).clustermesh.apiserver.service = { type: "LoadBalancer", loadBalancerIP: "172.16.1.10" };
            return rs.filter((r) => !r.name.endsWith("-apiserver-lb"));
        });
        const [problem, ...rest] = readinessProblems(old, "k3s");
        assert.equal(rest.length, 0);
        assert.equal(problem.hop, "install");
        assert.equal(problem.resource, "west: kubernetes:helm.sh/v3:Release west-cilium-release");
        assert.match(problem.message, /^Helm waits for LoadBalancer Service clustermesh-apiserver \(ready when status\.loadBalancer\.ingress holds an address.*helm pkg\/kube\/ready\.go.*\), which needs a load-balancer address, but kubernetes:cilium\.io\/v2:CiliumLoadBalancerIPPool west-bgp-loadbalancerippool-west-pool that provides it is created after west-cilium-release: the wait never ends$/);
        assert.match(problem.fix, /CiliumLoadBalancerIPPool holding 172\.16\.1\.10 created before the wait/);
        // Unlinked as shipped, the pairs still fail: the first deploy never finishes.
        const report = checkConnectivity([old, bgp[1]]);
        assert.deepEqual(report.pairs.map((p) => `${p.from}->${p.to} ${p.status} ${p.hop ?? ""}`), ["west->east fail install", "east->west fail install"]);
    });
});

describe("readiness: a chart value that adds a wait is caught", () => {
    it("a LoadBalancer the chart renders on k3s, where nothing hands out addresses (servicelb is off)", () => {
        const ingress = edited(bgp[0], (rs) => {
            valuesOf(rs).ingressController = { enabled: true };
            return rs;
        });
        assert.match(readinessProblems(ingress, "k3s")[0].message, /LoadBalancer Service cilium-ingress .* which needs a load-balancer address/);
    });

    it("an EKS release that waits for its pods, and a hook Job, while the node group comes after it", () => {
        const nodeGroup: PlannedResource = { type: "aws:eks/nodeGroup:NodeGroup", name: "east-nodes", dependencies: ["east-cilium-release"] };
        const release: PlannedResource = { type: RELEASE, name: "east-cilium-release", inputs: { chart: "cilium", version: "1.19.6", skipAwait: false, values: { clustermesh: { useAPIServer: true } } } };
        const plan: MemberPlan = { stack: "east", cluster: { name: "east" }, mesh: { linkedPeers: [], pendingPeers: [] }, resources: [release, nodeGroup], outputs: {} };
        const waits = readinessProblems(plan, "eks").map((p) => /waits for (.*?) \(/.exec(p.message)![1]);
        assert.deepEqual(waits, ["Deployment cilium-operator", "Deployment clustermesh-apiserver"]);
        const skipped = { ...plan, resources: [{ ...release, inputs: { ...release.inputs, skipAwait: true } }, nodeGroup] };
        assert.deepEqual(readinessProblems(skipped, "eks"), []);
        const hook = { ...plan, resources: [{ ...release, inputs: { ...release.inputs, skipAwait: true, values: { clustermesh: { useAPIServer: true, mcsapi: { enabled: true, corednsAutoConfigure: { enabled: true } } } } } }, nodeGroup] };
        assert.match(readinessProblems(hook, "eks")[0].message, /hook Job cilium-coredns-mcsapi-autoconfig/);
    });
});
