/**
 * The components as a library: a team adding a region composes one from `components/` alone,
 * with plain values and no stack files, the way a consumer of this package would.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, peek, settle, type MockEngine } from "../scripts/plan/mock-engine";
import { parseCidr } from "../lib/cidr";
import { awsLinkMember } from "../test/link-members";

let engine: MockEngine;

before(async () => {
    engine = await installMockEngine("central");
});

describe("a third region built from the components alone", () => {
    it("composes cluster, link, Cilium and app with the exported Args types", async () => {
        const aws = await import("@pulumi/aws");
        const lib = await import("./index");
        const west = awsLinkMember("west", 1, "us-west-2");
        const east = awsLinkMember("east", 2, "us-east-1");
        const central = awsLinkMember("central", 3, "us-east-2");
        const cilium: import("./index").CiliumSettings = {
            version: "1.19.6",
            routingMode: "tunnel",
            tunnelProtocol: "vxlan",
            ipam: "cluster-pool",
            kubeProxyReplacement: true,
            maxConnectedClusters: 255,
            apiserverNodePort: 32379,
            mcsAPI: false,
        };
        const appSettings: import("./index").GlobalServiceAppSettings = {
            name: "echo",
            namespace: "mesh-demo",
            image: "hashicorp/http-echo:1.0.0",
            port: 8080,
            replicas: 2,
            shared: true,
            affinity: "none",
            serviceExport: false,
        };

        const provider = new aws.Provider("central-aws", { region: "us-east-2" });
        const clusterArgs: import("./index").K3sClusterArgs = {
            clusterName: "central",
            podCIDR: central.podCidr,
            serviceCIDR: "10.32.0.0/16",
            version: "v1.33.5+k3s1",
            ec2: { vpcCidr: "10.30.0.0/16", operatorCidrs: ["203.0.113.10/32"] },
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
        const ciliumArgs: import("./index").CiliumReleaseArgs = { cluster, clusterId: 3, podCIDR: central.podCidr, cilium, ca, peers: link.peers };
        const release = new lib.CiliumRelease("central-cilium", ciliumArgs);
        const app = new lib.GlobalServiceApp("central-app", { cluster, app: appSettings, dependsOn: release.ready });
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
