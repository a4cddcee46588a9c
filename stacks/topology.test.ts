import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { regionHubs, topologyCounts } from "../lib/topology";
import { member, type MemberSpec } from "../test/stack-files";
import { formatProblem } from "./problems";
import { meshVpcs, networkSummary, validateMesh } from "./validate";

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "sa-east-1"];

/** `n` AWS members spread over the regions, every other one EKS (with a /19 VPC of its own in 10.0.0.0/9). */
function mesh(n: number, extra: Partial<MemberSpec> = {}): ReturnType<typeof member>[] {
    return Array.from({ length: n }, (_, i) => {
        const eks = i % 2 === 1;
        const third = Math.floor(i / 2) * 32;
        return member({
            stack: `r${i + 1}`,
            id: i + 1,
            block: i + 10,
            kind: eks ? "eks" : "k3s",
            ...extra,
            cluster: { region: REGIONS[i % REGIONS.length], ...(eks ? { vpcCIDR: `10.${Math.floor(third / 256)}.${third % 256}.0/19` } : {}), ...extra.cluster },
            cilium: { maxConnectedClusters: n > 255 ? 511 : 255, ...extra.cilium },
        });
    });
}

const transit = { network: { topology: "transit-gateway" } };
const supernet = { mesh: { addressing: { vpc: "10.0.0.0/8", pods: "10.128.0.0/9", services: "10.128.0.0/9" } } };

describe("network topology and AWS quotas", () => {
    it("refuses 60 peered VPCs, naming the quota and transit-gateway", () => {
        const problems = validateMesh(mesh(60)).problems.map(formatProblem);
        assert.ok(
            problems.some((p) => /needs 59 active VPC peering connections per VPC for the mesh's 60 AWS VPCs, over this stack's quota of 50/.test(p) && /clustermesh:network\.topology: transit-gateway/.test(p)),
            problems.join("\n"),
        );
    });

    it("takes a raised peering quota when it is declared, never assumed", () => {
        const raised = { mesh: { quotas: { vpcPeerings: 125, routesPerTable: 200 } } };
        assert.deepEqual(validateMesh(mesh(60, raised)).problems, []);
        const problems = validateMesh(mesh(127, raised)).problems.map(formatProblem);
        assert.ok(problems.some((p) => /needs 126 active VPC peering connections per VPC.*over this stack's quota of 125/.test(p)), problems.join("\n"));
    });

    it("refuses a declared quota past what AWS grants", () => {
        assert.throws(() => member({ stack: "west", id: 1, mesh: { quotas: { vpcPeerings: 200 } } }), /vpcPeerings/);
    });

    for (const n of [3, 60, 126, 255]) {
        it(`plans ${n} AWS members across ${Math.min(n, REGIONS.length)} regions with transit-gateway and a mesh supernet within every quota`, () => {
            const members = mesh(n, { extra: { "clustermesh:network": transit.network, "clustermesh:mesh": supernet.mesh } });
            assert.deepEqual(validateMesh(members).problems.map(formatProblem), []);
            const counts = topologyCounts(meshVpcs(members), "transit-gateway", supernet.mesh.addressing.vpc);
            assert.equal(counts.vpcPeeringsPerVpc, 0);
            assert.equal(counts.routesPerRouteTable, 2, "the internet route and one route to the hub");
            assert.equal(counts.transitGatewayPeeringsPerHub, Math.min(n, REGIONS.length) - 1);
            assert.ok(counts.routesPerTransitGatewayRouteTable <= 10000);
        });
    }

    it("without a supernet, refuses a transit mesh whose VPC route tables would pass 50 routes, naming mesh.addressing", () => {
        const problems = validateMesh(mesh(60, { extra: { "clustermesh:network": transit.network } })).problems.map(formatProblem);
        assert.ok(problems.some((p) => /needs 60 routes per VPC route table.*over this stack's quota of 50/.test(p) && /clustermesh:mesh\.addressing/.test(p)), problems.join("\n"));
    });

    it("gives each region one hub, owned by its lowest cluster id", () => {
        const hubs = regionHubs(meshVpcs(mesh(12)));
        assert.deepEqual(
            hubs.map((h) => [h.region, h.owner.name, h.members.length]),
            [
                ["us-east-1", "r1", 3],
                ["us-west-2", "r2", 3],
                ["eu-west-1", "r3", 2],
                ["ap-southeast-2", "r4", 2],
                ["sa-east-1", "r5", 2],
            ],
        );
    });

    it("refuses members that disagree on the topology", () => {
        const members = [member({ stack: "west", id: 1 }), member({ stack: "east", id: 2, extra: { "clustermesh:network": transit.network } })];
        const problems = validateMesh(members).problems.map(formatProblem);
        assert.ok(problems.some((p) => p.includes("clustermesh:network.topology") && p.includes("differs from peering")), problems.join("\n"));
    });
});

describe("networkSummary (the plan's Network line)", () => {
    it("names the hubs, their owners and what each quota-limited count comes to, against the tightest declared quota", () => {
        const members = mesh(7, { extra: { "clustermesh:network": transit.network, "clustermesh:mesh": supernet.mesh } });
        const summary = networkSummary(members);
        assert.equal(summary.topology, "transit-gateway");
        assert.deepEqual(summary.hubs.map((h) => [h.region, h.owner, h.vpcs]), [
            ["us-east-1", "r1", 2],
            ["us-west-2", "r2", 2],
            ["eu-west-1", "r3", 1],
            ["ap-southeast-2", "r4", 1],
            ["sa-east-1", "r5", 1],
        ]);
        assert.deepEqual(summary.counts, { vpcPeeringsPerVpc: 0, routesPerRouteTable: 2, transitGatewayPeeringsPerHub: 4, routesPerTransitGatewayRouteTable: 7 });
        assert.equal(summary.limits.routesPerRouteTable, 50);
    });

    it("takes the tightest quota any AWS stack declares", () => {
        const members = [member({ stack: "a", id: 1, mesh: { quotas: { vpcPeerings: 125 } } }), member({ stack: "b", id: 2 })];
        const summary = networkSummary(members);
        assert.equal(summary.topology, "peering");
        assert.equal(summary.limits.vpcPeeringsPerVpc, 50);
        assert.equal(summary.counts.vpcPeeringsPerVpc, 1);
    });
});
