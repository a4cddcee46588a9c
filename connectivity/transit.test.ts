/**
 * The connectivity model follows Transit Gateways: a transit mesh planned by the real program
 * is all ok through the hubs, both ways; the same plans without the hub peering's static
 * routes, its accepter, or a member's attachment fail on the named pair and the route hop.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { before, describe, it } from "node:test";
import { planMembers } from "../scripts/plan/plan-members";
import type { PlanDocument } from "../scripts/plan/report";
import { member, writeProject, type MemberSpec } from "../test/stack-files";
import { checkConnectivity } from "./model";
import type { MemberPlan, PlannedResource } from "./plans";
import { syntheticPlans } from "./test-plans";

const transit = { "clustermesh:network": { topology: "transit-gateway" } };
const mesh = { link: true, addressing: { vpc: "10.0.0.0/8", pods: "10.0.0.0/8", services: "10.0.0.0/8" } };
const specs: MemberSpec[] = [
    { stack: "west", id: 1, mesh, extra: transit },
    { stack: "west2", id: 2, mesh, extra: transit },
    { stack: "east", id: 3, kind: "eks", cluster: { region: "us-east-1" }, mesh, extra: transit },
    { stack: "east2", id: 4, cluster: { region: "us-east-1" }, mesh, extra: transit },
];

let plans: PlanDocument[];

before(async () => {
    const dir = writeProject(specs);
    try {
        const runs = await planMembers(dir, specs.map((s) => s.stack));
        plans = runs.map((r) => {
            assert.ok(r.plan, `plan of ${r.stack} failed: ${r.error}`);
            return r.plan;
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

function edited(stack: string, edit: (resources: PlannedResource[]) => PlannedResource[]): MemberPlan[] {
    return plans.map((p) => (p.stack === stack ? { ...p, resources: edit(structuredClone([...p.resources])) } : p));
}
const failing = (report: ReturnType<typeof checkConnectivity>) => report.pairs.filter((p) => p.status === "fail");

describe("connectivity through Transit Gateways", () => {
    it("is all ok across two regions, through one hub within a region and two hubs across", () => {
        const report = checkConnectivity(plans);
        assert.deepEqual(failing(report), []);
        assert.equal(report.pairs.filter((p) => p.status === "ok").length, 12);
    });

    it("fails across regions when the hub peering's static routes are missing, and not within a region", () => {
        const report = checkConnectivity(edited("west", (rs) => rs.filter((r) => r.type !== "aws:ec2transitgateway/route:Route")));
        const bad = failing(report);
        assert.ok(bad.length > 0);
        for (const pair of bad) {
            assert.equal(pair.hop, "route");
            assert.ok(pair.from.startsWith("west") !== pair.to.startsWith("west"), `${pair.from} -> ${pair.to} is across regions`);
            assert.match(pair.message!, /no static route to .* \(Transit Gateway peerings propagate nothing\)/);
        }
    });

    it("fails when the hub peering is never accepted", () => {
        const report = checkConnectivity(edited("west", (rs) => rs.filter((r) => r.type !== "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter")));
        assert.ok(failing(report).some((p) => p.hop === "route" && /hub peering is never accepted/.test(p.message!)));
    });

    it("fails for a member whose VPC is not attached to its hub", () => {
        const report = checkConnectivity(edited("east2", (rs) => rs.filter((r) => r.type !== "aws:ec2transitgateway/vpcAttachment:VpcAttachment")));
        const bad = failing(report);
        assert.ok(bad.length > 0);
        assert.ok(bad.every((p) => p.from === "east2" || p.to === "east2"), bad.map((p) => `${p.from}->${p.to}`).join(", "));
        assert.ok(bad.some((p) => /attached to no Transit Gateway|not attached to it/.test(p.message!)));
    });
});

describe("the in-memory transit plans of the benchmark (test-plans.ts)", () => {
    it("build the same attachments, routes and hub peerings, and the same verdicts, as the real program", () => {
        const synthetic = syntheticPlans(specs.map(member));
        const transitResources = (ps: readonly MemberPlan[]) =>
            ps
                .flatMap((p) => p.resources)
                .filter((r) => r.type.startsWith("aws:ec2transitgateway/") || r.type === "aws:ec2/route:Route")
                .map((r) => {
                    const i = r.inputs ?? {};
                    return `${r.type} ${r.name} ${JSON.stringify([i.routeTableId, i.destinationCidrBlock, i.transitGatewayId, i.vpcId, i.peerTransitGatewayId, i.peerRegion, i.transitGatewayAttachmentId, i.transitGatewayRouteTableId])}`;
                })
                .sort();
        assert.ok(transitResources(plans).length > 15);
        assert.deepEqual(transitResources(synthetic), transitResources(plans));
        const verdicts = (ps: readonly MemberPlan[]) => checkConnectivity(ps).pairs.map((p) => `${p.from}->${p.to} ${p.status} ${p.hop ?? ""}`);
        assert.deepEqual(verdicts(synthetic), verdicts(plans));
    });
});

describe("adding a region to a transit mesh", () => {
    it("adds attachments, a hub peering and routes, and changes no existing network resource", async () => {
        const grown: MemberSpec[] = [...specs, { stack: "south", id: 5, cluster: { region: "sa-east-1" }, mesh, extra: transit }];
        const dir = writeProject(grown);
        let after: PlanDocument[];
        try {
            const runs = await planMembers(dir, ["west", "east"]);
            after = runs.map((r) => {
                assert.ok(r.plan, `plan of ${r.stack} failed: ${r.error}`);
                return r.plan;
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const network = (r: PlannedResource) => r.type.startsWith("aws:ec2transitgateway/") || r.type.startsWith("aws:ec2/");
        for (const plan of after) {
            const before = plans.find((p) => p.stack === plan.stack)!;
            const now = new Map(plan.resources.map((r) => [r.name, r]));
            for (const r of before.resources.filter(network)) {
                assert.ok(now.has(r.name), `${plan.stack}: ${r.name} is kept`);
                if (r.type === "aws:ec2/managedPrefixList:ManagedPrefixList") {
                    continue; // the peers' ranges: entries and maxEntries are updated in place
                }
                assert.deepEqual(now.get(r.name)?.inputs, r.inputs, `${plan.stack}: ${r.name} is kept as it was`);
            }
            const added = plan.resources.filter((r) => network(r) && !before.resources.some((b) => b.name === r.name)).map((r) => r.name);
            assert.ok(added.length > 0 && added.every((name) => name.includes("sa-east-1") || name.includes("south")), `${plan.stack} adds only the new region's pieces: ${added.join(", ")}`);
        }
    });
});
