/**
 * ClusterMeshLink with `topology: transit-gateway` under the mock engine: attachments to the
 * region's hub, hub peerings owned by the lower hub id and accepted in the peer's region,
 * static routes both ways for every VPC behind each side, and what a departing member takes
 * with it.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, settle, type MockEngine, type RecordedResource } from "../../scripts/plan/mock-engine";
import { awsLinkMember } from "../../test/link-members";
import type { LinkMember } from "./mesh-network";

const vpc = awsLinkMember;
// Two regions: west (hub: w1) and east (hub: e3); w2 and e4 attach to them.
const w1 = vpc("w1", 1, "us-west-2");
const w2 = vpc("w2", 2, "us-west-2");
const e3 = vpc("e3", 3, "us-east-1");
const e4 = vpc("e4", 4, "us-east-1");
const all = [w1, w2, e3, e4];
const hubOutputs = (owner: string, region: string) => ({ transitGateway: { id: `tgw-${owner}`, routeTableId: `tgw-rtb-${owner}`, region } });
const endpoint = (m: LinkMember) => ({ clustermeshEndpoint: { name: m.name, port: 32379, ips: [`10.${m.id * 10}.0.10`] } });

let engine: MockEngine;
let Link: typeof import("./clustermesh-link").ClusterMeshLink;

before(async () => {
    engine = await installMockEngine("w1", {
        stackOutputs: { w1: { ...endpoint(w1), ...hubOutputs("w1", "us-west-2") }, w2: endpoint(w2), e3: { ...endpoint(e3), ...hubOutputs("e3", "us-east-1") }, e4: endpoint(e4) },
    });
    Link = (await import("./clustermesh-link")).ClusterMeshLink;
});

const network = (m: LinkMember) => ({ securityGroupId: `sg-${m.name}`, vpcId: `vpc-${m.name}`, routeTableId: `rtb-${m.name}`, subnetIds: [`subnet-${m.name}`] });
const under = (link: string, type: string): RecordedResource[] => engine.resources.filter((r) => r.name.startsWith(`${link}-`) && r.type === type);
const build = (self: LinkMember, name: string, extra: Record<string, unknown> = {}) => {
    const owns = !all.some((p) => p.aws!.region === self.aws!.region && p.id < self.id);
    return new Link(name, {
        self,
        peers: all.filter((m) => m !== self),
        link: true,
        stackPrefix: "acme/clustermesh",
        network: network(self),
        topology: "transit-gateway",
        ...(owns ? { ownHub: { transitGatewayId: `tgw-${self.name}`, routeTableId: `tgw-rtb-${self.name}` } } : {}),
        ...extra,
    });
};

describe("ClusterMeshLink over Transit Gateways", () => {
    before(async () => {
        build(w1, "hub-link");
        build(w2, "spoke-link");
        build(e3, "peer-hub-link");
        await settle();
    });

    it("attaches every VPC to its own region's hub, and routes each peer VPC there", () => {
        const attach = (link: string) => under(link, "aws:ec2transitgateway/vpcAttachment:VpcAttachment").map((r) => [r.inputs.transitGatewayId, r.inputs.vpcId, r.inputs.subnetIds]);
        assert.deepEqual(attach("hub-link"), [["tgw-w1", "vpc-w1", ["subnet-w1"]]]);
        assert.deepEqual(attach("spoke-link"), [["tgw-w1", "vpc-w2", ["subnet-w2"]]], "a spoke reads its hub from the hub owner's stack");
        assert.deepEqual(attach("peer-hub-link"), [["tgw-e3", "vpc-e3", ["subnet-e3"]]]);
        const routes = under("spoke-link", "aws:ec2/route:Route").map((r) => `${r.inputs.routeTableId} ${r.inputs.destinationCidrBlock} -> ${r.inputs.transitGatewayId}`);
        assert.deepEqual(routes.sort(), ["rtb-w2 10.10.0.0/16 -> tgw-w1", "rtb-w2 10.30.0.0/16 -> tgw-w1", "rtb-w2 10.40.0.0/16 -> tgw-w1"]);
        for (const route of under("spoke-link", "aws:ec2/route:Route")) {
            assert.ok(route.dependsOn.some((d) => d.endsWith("::spoke-link-hub-attachment")), "a route waits for its attachment");
        }
        assert.equal(under("spoke-link", "aws:ec2/vpcPeeringConnection:VpcPeeringConnection").length, 0, "no VPC peering");
    });

    it("peers the two hubs once, from the lower hub id, accepted in the peer's region", () => {
        const peerings = engine.resources.filter((r) => r.type === "aws:ec2transitgateway/peeringAttachment:PeeringAttachment");
        assert.deepEqual(peerings.map((p) => [p.name, p.inputs.transitGatewayId, p.inputs.peerTransitGatewayId, p.inputs.peerRegion]), [["hub-link-hub-peering-us-east-1", "tgw-w1", "tgw-e3", "us-east-1"]]);
        const accepter = engine.resources.find((r) => r.name === "hub-link-hub-peering-us-east-1-accept")!;
        assert.equal(accepter.provider, engine.resources.find((r) => r.name === "hub-link-aws-us-east-1")!.urn);
    });

    it("writes static routes both ways for every VPC behind each hub, after the peering is accepted", () => {
        const routes = under("hub-link", "aws:ec2transitgateway/route:Route");
        assert.deepEqual(
            routes.map((r) => `${r.inputs.transitGatewayRouteTableId} ${r.inputs.destinationCidrBlock} -> ${r.inputs.transitGatewayAttachmentId}`).sort(),
            [
                "tgw-rtb-e3 10.10.0.0/16 -> hub-link-hub-peering-us-east-1-id",
                "tgw-rtb-e3 10.20.0.0/16 -> hub-link-hub-peering-us-east-1-id",
                "tgw-rtb-w1 10.30.0.0/16 -> hub-link-hub-peering-us-east-1-id",
                "tgw-rtb-w1 10.40.0.0/16 -> hub-link-hub-peering-us-east-1-id",
            ],
        );
        assert.ok(routes.every((r) => r.dependsOn.some((d) => d.endsWith("::hub-link-hub-peering-us-east-1-accept"))));
    });

    it("routes the whole mesh supernet with one route when the mesh plans its addresses", async () => {
        build(e4, "planned-link", { meshSupernet: "10.0.0.0/8" });
        await settle();
        assert.deepEqual(
            under("planned-link", "aws:ec2/route:Route").map((r) => [r.name, r.inputs.destinationCidrBlock, r.inputs.transitGatewayId]),
            [["planned-link-route-to-mesh", "10.0.0.0/8", "tgw-e3"]],
        );
    });

    it("drops a departing hub owner's region: the attachment to its hub and the hub peering go", async () => {
        build(w2, "orphan-link", { departing: ["w1"] });
        build(e3, "lonely-hub-link", { departing: ["w1", "w2"] });
        await settle();
        assert.equal(under("orphan-link", "aws:ec2transitgateway/vpcAttachment:VpcAttachment").length, 0, "attachments go before the hub's Transit Gateway");
        assert.equal(under("lonely-hub-link", "aws:ec2transitgateway/peeringAttachment:PeeringAttachment").length, 0);
        assert.equal(under("lonely-hub-link", "aws:ec2transitgateway/route:Route").length, 0);
    });

    it("refuses a hub owner without its hub, and a spoke that claims one", () => {
        assert.throws(() => build(w1, "x-link", { ownHub: undefined }), /ownHub is missing; w1 has the lowest cluster id in us-west-2/);
        assert.throws(() => build(w2, "y-link", { ownHub: { transitGatewayId: "t", routeTableId: "r" } }), /ownHub is set, but w1 owns the hub of us-west-2/);
    });
});
