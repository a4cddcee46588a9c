/**
 * The components as a library: a team adding a region composes one from `components/` alone,
 * without touching index.ts, the way a consumer of this package would.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, peek, settle, type MockEngine } from "../scripts/lib/mock-engine";
import { parseCidr } from "../stacks/cidr";
import { member } from "../stacks/test-fixtures";

let engine: MockEngine;

before(async () => {
    engine = await installMockEngine("central");
});

describe("a third region built from the components alone", () => {
    it("composes cluster, link, Cilium and app with the exported Args types", async () => {
        const aws = await import("@pulumi/aws");
        const lib = await import("./index");
        const west = member({ stack: "west", id: 1 });
        const east = member({ stack: "east", id: 2 });
        const central = member({ stack: "central", id: 3 });

        const provider = new aws.Provider("central-aws", { region: "us-east-2" });
        const clusterArgs: import("./index").K3sClusterArgs = {
            clusterName: "central",
            podCIDR: central.cluster.podCIDR,
            serviceCIDR: central.cluster.serviceCIDR,
            version: central.k3s.version,
            ec2: { vpcCidr: central.cluster.vpcCIDR!, operatorCidrs: ["203.0.113.10/32"] },
        };
        const cluster = new lib.K3sCluster("central", clusterArgs, { provider });
        const ca = new lib.MeshCertificateAuthority("central-ca");
        const link = new lib.ClusterMeshLink("central-link", {
            self: central,
            peers: [west, east],
            link: false,
            stackPrefix: "acme/clustermesh",
            network: { securityGroupId: cluster.securityGroupId!, vpcId: cluster.vpcId!, routeTableId: cluster.routeTableId! },
            awsProvider: provider,
        });
        const ciliumArgs: import("./index").CiliumReleaseArgs = { cluster, clusterId: 3, podCIDR: central.cluster.podCIDR, cilium: central.cilium, ca, peers: link.peers };
        const cilium = new lib.CiliumRelease("central-cilium", ciliumArgs);
        const app = new lib.GlobalServiceApp("central-app", { cluster, app: central.app, dependsOn: cilium.ready });
        await settle();

        const values = engine.resources.find((r) => r.name === "central-cilium-release")!.inputs.values as any;
        assert.deepEqual(values.cluster, { id: 3, name: "central" });
        assert.equal(engine.resources.find((r) => r.name === "central-vpc")!.provider, engine.resources.find((r) => r.name === "central-aws")!.urn);
        // One entry covering both peers' VPCs (10.10.0.0/16 and 10.20.0.0/16), however many peers there are.
        const entries = (engine.resources.find((r) => r.name === "central-link-peers")!.inputs.entries as Array<{ cidr: string }>).map((e) => e.cidr);
        assert.equal(entries.length, 1);
        const covering = parseCidr(entries[0])!;
        for (const peer of [parseCidr("10.10.0.0/16")!, parseCidr("10.20.0.0/16")!]) {
            assert.ok(covering.first <= peer.first && peer.last <= covering.last && covering.prefix >= 8);
        }
        assert.equal((await peek(app.serviceName)).value, "echo");
        assert.deepEqual(link.pendingPeers.map((p) => p.name), ["west", "east"]);
    });
});
