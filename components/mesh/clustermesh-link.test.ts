import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, peek, settle, type MockEngine } from "../../scripts/lib/mock-engine";
import { linkMember } from "../../stack-args";
import { member as memberOf, type MemberSpec } from "../../test/stack-files";

const member = (spec: MemberSpec) => linkMember(memberOf(spec));

const west = member({ stack: "west", id: 1 });
const east = member({ stack: "east", id: 2 });
const north = member({ stack: "north", id: 3 });
const endpointOf = (m: typeof west, address: string) => ({
    clustermeshEndpoint: { name: m.name, port: 32379, ips: [address] },
    network: { vpcId: `vpc-${m.stack}`, vpcCidr: m.aws?.vpcCidr, routeTableId: `rtb-${m.stack}`, region: m.aws?.region },
});

let engine: MockEngine;
let Link: typeof import("./clustermesh-link").ClusterMeshLink;
const network = { securityGroupId: "sg-west", vpcId: "vpc-west", routeTableId: "rtb-west" };

before(async () => {
    engine = await installMockEngine("west", { stackOutputs: { east: endpointOf(east, "10.20.0.10"), north: endpointOf(north, "10.30.0.10") } });
    Link = (await import("./clustermesh-link")).ClusterMeshLink;
});

describe("ClusterMeshLink, linked", () => {
    let link: InstanceType<typeof Link>;
    before(async () => {
        link = new Link("west-link", { self: west, peers: [east, north], link: true, stackPrefix: "acme/clustermesh", network });
        await settle();
    });

    it("lists every other member with its endpoint from the peer's stack outputs, never itself", async () => {
        const { value } = await peek(link.peers);
        assert.deepEqual(value, [
            { name: "east", port: 32379, ips: ["10.20.0.10"] },
            { name: "north", port: 32379, ips: ["10.30.0.10"] },
        ]);
        assert.deepEqual(link.linkedPeers, ["east", "north"]);
        assert.deepEqual(link.pendingPeers, []);
    });

    it("reads each peer through a stack reference under the link", () => {
        const refs = engine.resources.filter((r) => r.type === "pulumi:pulumi:StackReference" && r.name.startsWith("west-link-"));
        assert.deepEqual(refs.map((r) => r.inputs.name).sort(), ["acme/clustermesh/east", "acme/clustermesh/north"]);
        const parent = engine.resources.find((r) => r.name === "west-link")!.urn;
        assert.ok(refs.every((r) => r.parent === parent));
    });

    it("lets only peer VPCs in, on only ClusterMesh ports, through one prefix list", () => {
        const lists = engine.resources.filter((r) => r.type === "aws:ec2/managedPrefixList:ManagedPrefixList" && r.name.startsWith("west-link-"));
        assert.equal(lists.length, 1);
        // 10.20.0.0/16 and 10.30.0.0/16 under one entry: the rule count does not grow with the mesh.
        assert.deepEqual(lists[0].inputs.entries, [{ cidr: "10.16.0.0/12", description: "mesh peers east, north" }]);
        assert.equal(lists[0].inputs.maxEntries, 1);
        const rules = engine.resources.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.name.startsWith("west-link-"));
        assert.ok(rules.every((r) => r.inputs.securityGroupId === "sg-west" && r.inputs.prefixListId === "west-link-peers-id" && r.inputs.cidrIpv4 === undefined));
        assert.deepEqual(rules.map((r) => `${r.inputs.ipProtocol}/${r.inputs.fromPort}-${r.inputs.toPort}`).sort(), ["icmp/8-0", "tcp/32379-32379", "tcp/4240-4240", "tcp/4244-4244", "udp/8472-8472"]);
    });

    it("owns the peerings to higher ids: request, accept in the peer's region, routes both ways", () => {
        const peerings = engine.resources.filter((r) => r.type === "aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
        assert.deepEqual(peerings.map((p) => [p.name, p.inputs.peerVpcId, p.inputs.peerRegion]), [
            ["west-link-peering-east", "vpc-east", "us-west-2"],
            ["west-link-peering-north", "vpc-north", "us-west-2"],
        ]);
        const accepter = engine.resources.find((r) => r.name === "west-link-peering-east-accept")!;
        assert.equal(accepter.inputs.autoAccept, true);
        assert.equal(accepter.provider, engine.resources.find((r) => r.name === "west-link-aws-us-west-2")!.urn);
        const routes = engine.resources.filter((r) => r.type === "aws:ec2/route:Route").map((r) => `${r.inputs.routeTableId} -> ${r.inputs.destinationCidrBlock}`);
        assert.deepEqual(routes.sort(), ["rtb-east -> 10.10.0.0/16", "rtb-north -> 10.10.0.0/16", "rtb-west -> 10.20.0.0/16", "rtb-west -> 10.30.0.0/16"]);
    });
});

describe("ClusterMeshLink, gated and departing", () => {
    it("creates no stack reference while link is false, and says why for each peer", async () => {
        const before = engine.resources.filter((r) => r.type === "pulumi:pulumi:StackReference").length;
        const link = new Link("gated-link", { self: west, peers: [east], link: false, stackPrefix: "acme/clustermesh", network });
        await settle();
        assert.equal(engine.resources.filter((r) => r.type === "pulumi:pulumi:StackReference").length, before);
        assert.deepEqual((await peek(link.peers)).value, []);
        assert.deepEqual(link.pendingPeers, [
            { name: "east", reason: "clustermesh:mesh.link is false in Pulumi.west.yaml; set it to true once east is up (README: Bootstrap order)" },
        ]);
        // Security group rules come from static facts, so they exist before linking.
        assert.ok(engine.resources.some((r) => r.name === "gated-link-from-peers-clustermesh"));
    });

    it("drops a departing peer from the peers, the rules and the peerings", async () => {
        const link = new Link("leaving-link", { self: west, peers: [east, north], link: true, departing: ["north"], stackPrefix: "acme/clustermesh", network });
        await settle();
        assert.deepEqual((await peek(link.peers)).value.map((p) => p.name), ["east"]);
        assert.ok(!engine.resources.some((r) => r.name.startsWith("leaving-link-") && r.name.includes("north") && r.type !== "pulumi:pulumi:StackReference"));
        const list = engine.resources.find((r) => r.name === "leaving-link-peers")!;
        assert.deepEqual(list.inputs.entries, [{ cidr: "10.20.0.0/16", description: "mesh peers east" }]);
        assert.equal(link.pendingPeers[0].reason, "departing: removed from the link before its stack is destroyed");
    });

    it("refuses a departing name that is not a peer and a malformed stack prefix", () => {
        assert.throws(() => new Link("x-link", { self: west, peers: [east], link: true, departing: ["mars"], stackPrefix: "a/b" }), /departing mars is not a peer; peers are east/);
        assert.throws(() => new Link("y-link", { self: west, peers: [east], link: true, stackPrefix: "clustermesh" }), /stackPrefix clustermesh is not <organization>\/<project>/);
    });
});
