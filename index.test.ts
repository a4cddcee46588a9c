/**
 * The whole program per stack under the mock engine: west and east as shipped (k3s on EC2), an
 * EKS member and a k3s member on an existing host, recorded in turn in one process beside this one.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { before, describe, it } from "node:test";
import { finder, record, type Recording } from "./test/record-program";
import { writeProject } from "./test/stack-files";




// Every recording starts at once; each describe awaits its own.
const westRun = record(__dirname, "west");
const eastRun = record(__dirname, "east");

describe("stack west (k3s on EC2, CA owner)", () => {
    let rec: Recording;
    let get: ReturnType<typeof finder>;
    before(async () => {
        rec = await westRun;
        get = finder(rec);
    });

    it("builds the cluster, the link, Cilium and the app as components of their own", () => {
        assert.equal(get("west").type, "clustermesh:cluster:K3sCluster");
        assert.equal(get("west-link").type, "clustermesh:mesh:ClusterMeshLink");
        assert.equal(get("west-cilium").type, "clustermesh:cilium:CiliumRelease");
        assert.equal(get("west-app").type, "clustermesh:app:GlobalServiceApp");
        assert.equal(get("mesh-ca").type, "clustermesh:mesh:MeshCertificateAuthority");
    });

    it("puts AWS resources in the member's region through an explicit provider", () => {
        const provider = get("west-aws");
        assert.equal(provider.inputs.region, "us-west-2");
        const awsResources = rec.resources.filter((r) => r.type.startsWith("aws:") && r.custom);
        assert.ok(awsResources.length > 5);
        for (const r of awsResources.filter((x) => !x.name.includes("-aws-"))) {
            assert.ok(r.provider?.endsWith("::west-aws") || r.provider?.includes("::west-link-aws-"), `${r.name} uses ${r.provider}`);
        }
    });

    it("installs Cilium with west's identity and the mesh CA on the cluster's own provider", () => {
        const release = get("west-cilium-release");
        const values = release.inputs.values as Record<string, any>;
        assert.deepEqual(values.cluster, { id: 1, name: "west" });
        assert.deepEqual(values.ipam.operator.clusterPoolIPv4PodCIDRList, ["10.11.0.0/16"]);
        assert.ok(release.secretInputs.includes("values"));
        assert.equal(release.provider, get("west-provider").urn);
        assert.ok(release.deletedWith, "the release is deleted with its cluster");
        const caCert = Buffer.from(values.tls.ca.cert as string, "base64").toString();
        assert.match(caCert, /BEGIN CERTIFICATE/);
    });

    it("deploys the app on the same provider, after Cilium", () => {
        const deployment = rec.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
        assert.equal(deployment.provider, get("west-provider").urn);
        assert.ok(deployment.deletedWith);
    });

    it("exports the promised outputs, with the kubeconfig and CA key secret", () => {
        assert.equal(rec.outputs.clusterName.value, "west");
        assert.equal(rec.outputs.clusterId.value, 1);
        assert.equal(rec.outputs.kubeconfig.secret, true);
        assert.equal(rec.outputs.meshCaKeyPem.secret, true);
        assert.equal(rec.outputs.sshPrivateKey.secret, true);
        assert.equal(rec.outputs.meshCaCertPem.secret, false);
        assert.equal(rec.outputs.appServiceName.value, "echo");
        const endpoint = rec.outputs.clustermeshEndpoint.value as { name: string; port: number; ips: string[] };
        assert.equal(endpoint.name, "west");
        assert.equal(endpoint.port, 32379);
        assert.ok(endpoint.ips.length >= 1);
    });

    it("never opens anything but the operator's address to the internet", () => {
        for (const r of rec.resources) {
            const text = JSON.stringify(r.inputs);
            if (r.type.includes("ecurityGroup")) {
                assert.doesNotMatch(text, /0\.0\.0\.0\/0"(?![^}]*egress)/, `${r.name}: ${text}`);
            }
        }
    });
});

describe("stack east (k3s on EC2, reads the CA)", () => {
    let rec: Recording;
    let get: ReturnType<typeof finder>;
    before(async () => {
        rec = await eastRun;
        get = finder(rec);
    });

    it("reads the mesh CA from west's stack instead of making its own", () => {
        assert.equal(get("east-ca-ref").inputs.name, "organization/clustermesh/west");
        assert.ok(!rec.resources.some((r) => r.type === "clustermesh:mesh:MeshCertificateAuthority"));
        const values = get("east-cilium-release").inputs.values as Record<string, any>;
        assert.equal(Buffer.from(values.tls.ca.cert as string, "base64").toString(), "-----BEGIN CERTIFICATE-----\nbW9jayBDRVJUSUZJQ0FURSBmb3IgbWVzaC1jYS1jZXJ0\n-----END CERTIFICATE-----\n");
        assert.deepEqual(values.cluster, { id: 2, name: "east" });
    });

    it("is not linked while clustermesh:mesh.link is false, and says so", () => {
        assert.deepEqual(rec.outputs.linkedPeers.value, []);
        assert.deepEqual((rec.outputs.pendingPeers.value as Array<{ name: string }>).map((p) => p.name), ["west"]);
        const values = get("east-cilium-release").inputs.values as Record<string, any>;
        assert.deepEqual(values.clustermesh.config.clusters, []);
    });
});

describe("a linked mesh of three", () => {
    const linked = [
        { stack: "west", id: 1, mesh: { link: true } },
        { stack: "east", id: 2, mesh: { link: true } },
        { stack: "north", id: 3, mesh: { link: true } },
    ];
    let recordings: Record<string, Recording>;
    let again: Recording;
    before(async () => {
        const dir = writeProject(linked);
        const dir2 = writeProject(linked);
        const runs = await Promise.all([...["west", "east", "north"].map((s) => record(dir, s)), record(dir2, "east")]);
        recordings = { west: runs[0], east: runs[1], north: runs[2] };
        again = runs[3];
        fs.rmSync(dir, { recursive: true });
        fs.rmSync(dir2, { recursive: true });
    });

    it("gives each cluster every other member as a peer, never itself", () => {
        for (const [stack, rec] of Object.entries(recordings)) {
            const values = finder(rec)(`${stack}-cilium-release`).inputs.values as Record<string, any>;
            const names = (values.clustermesh.config.clusters as Array<{ name: string; port: number }>).map((c) => c.name);
            assert.deepEqual(names, ["east", "north", "west"].filter((n) => n !== stack));
            assert.ok((values.clustermesh.config.clusters as Array<{ port: number }>).every((c) => c.port === 32379));
        }
    });

    it("gives every cluster the same CA material", () => {
        const cas = Object.entries(recordings).map(([stack, rec]) => {
            const values = finder(rec)(`${stack}-cilium-release`).inputs.values as Record<string, any>;
            return values.tls.ca.cert as string;
        });
        // west makes the CA (its own resource); east and north read west's export of it.
        assert.equal(new Set(cas).size, 1);
        assert.match(Buffer.from(cas[0], "base64").toString(), /BEGIN CERTIFICATE/);
        const keys = Object.entries(recordings).map(([stack, rec]) => (finder(rec)(`${stack}-cilium-release`).inputs.values as Record<string, any>).tls.ca.key as string);
        assert.equal(new Set(keys).size, 1);
    });

    it("is deterministic: a second run records identical values", () => {
        assert.deepEqual(finder(again)("east-cilium-release").inputs.values, finder(recordings.east)("east-cilium-release").inputs.values);
    });
});

describe("an EKS member", () => {
    let rec: Recording;
    let get: ReturnType<typeof finder>;
    before(async () => {
        const dir = writeProject([
            { stack: "west", id: 1 },
            { stack: "east", id: 2, kind: "eks", mesh: { link: true } },
        ]);
        rec = await record(dir, "east");
        fs.rmSync(dir, { recursive: true });
        get = finder(rec);
    });

    it("builds EKS and installs Cilium before the node group joins", () => {
        assert.equal(get("east").type, "clustermesh:cluster:EksCluster");
        const release = get("east-cilium-release");
        assert.equal(release.inputs.skipAwait, true);
        const nodes = rec.resources.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup")!;
        assert.ok(nodes.dependsOn.includes(release.urn), "node group waits for Cilium");
        const coredns = rec.resources.find((r) => r.type === "aws:eks/addon:Addon")!;
        assert.ok(coredns.dependsOn.includes(nodes.urn), "CoreDNS after the nodes");
    });

    it("publishes its clustermesh-apiserver through a load balancer and uses the EKS API host", () => {
        const values = get("east-cilium-release").inputs.values as Record<string, any>;
        assert.equal(values.clustermesh.apiserver.service.type, "LoadBalancer");
        assert.deepEqual(values.clustermesh.apiserver.service.loadBalancerSourceRanges, ["10.10.0.0/16"]);
        assert.match(values.k8sServiceHost as string, /\.eks\.amazonaws\.com$/);
        assert.doesNotMatch(values.k8sServiceHost as string, /^https:/);
        // The NLB's addresses as ips (dialled as east.mesh.cilium.io, which the certificate names), not its host name.
        const endpoint = rec.outputs.clustermeshEndpoint.value as { address?: string; ips: string[]; port: number };
        assert.equal(endpoint.port, 2379);
        assert.equal(endpoint.address, undefined);
        assert.ok(endpoint.ips.length === 2 && endpoint.ips.every((ip) => ip.startsWith("10.20.")), `${endpoint.ips.join(", ")} in east's VPC`);
    });

    it("links to west by its NodePort endpoint", () => {
        const values = get("east-cilium-release").inputs.values as Record<string, any>;
        assert.deepEqual(values.clustermesh.config.clusters, [{ ips: ["10.10.0.10"], name: "west", port: 32379 }]);
    });
});

describe("a k3s member on an existing host", () => {
    let rec: Recording;
    before(async () => {
        const dir = writeProject([
            { stack: "west", id: 1 },
            {
                stack: "lab",
                id: 2,
                cluster: { region: undefined, vpcCIDR: undefined, operatorCIDRs: [] },
                k3s: { host: { address: "198.51.100.7", privateAddress: "172.30.1.89", user: "ubuntu" } },
                extra: { "clustermesh:sshPrivateKey": { secure: "v1:AAAA" } },
            },
        ]);
        rec = await record(dir, "lab");
        fs.rmSync(dir, { recursive: true });
    });

    it("creates no AWS resource and installs over SSH with the key as a secret", () => {
        assert.equal(rec.resources.filter((r) => r.type.startsWith("aws:")).length, 0);
        const commands = rec.resources.filter((r) => r.type === "command:remote:Command");
        assert.ok(commands.length >= 2);
        assert.ok(commands.every((c) => c.secretInputs.includes("connection")));
    });

    it("advertises the host's private address as its clustermesh endpoint", () => {
        assert.deepEqual(rec.outputs.clustermeshEndpoint.value, { name: "lab", port: 32379, ips: ["172.30.1.89"] });
    });
});

describe("a transit-gateway mesh across two regions", () => {
    const transit = { "clustermesh:network": { topology: "transit-gateway" } };
    const specs = [
        { stack: "west", id: 1, mesh: { link: true }, extra: transit },
        { stack: "west2", id: 2, mesh: { link: true }, extra: transit },
        { stack: "east", id: 3, kind: "eks" as const, cluster: { region: "us-east-1" }, mesh: { link: true }, extra: transit },
        { stack: "east2", id: 4, cluster: { region: "us-east-1" }, mesh: { link: true }, extra: transit },
    ];
    let hub: Recording;
    let spoke: Recording;
    let eastHub: Recording;
    let hubWithNewRegion: Recording;
    before(async () => {
        const dir = writeProject(specs);
        const grown = writeProject([...specs, { stack: "north", id: 5, cluster: { region: "eu-west-1" }, extra: transit }]);
        [hub, spoke, eastHub, hubWithNewRegion] = await Promise.all([record(dir, "west"), record(dir, "west2"), record(dir, "east"), record(grown, "west")]);
        fs.rmSync(dir, { recursive: true });
        fs.rmSync(grown, { recursive: true });
    });

    it("gives every hub its own private Amazon-side ASN, kept as regions are added", () => {
        const asn = (rec: Recording) => rec.resources.find((r) => r.type === "aws:ec2transitgateway/transitGateway:TransitGateway")!.inputs.amazonSideAsn;
        assert.equal(asn(hub), 4200000001);
        assert.equal(asn(eastHub), 4200000003);
        assert.equal(asn(hubWithNewRegion), asn(hub), "a new region changes no existing hub (a new ASN would replace its Transit Gateway)");
    });

    it("sizes Cilium to the Transit Gateway's 8500-byte MTU on every member", () => {
        for (const rec of [hub, spoke, eastHub]) {
            const values = rec.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs.values as { MTU?: number };
            assert.equal(values.MTU, 8500);
        }
    });

    it("gives the region's lowest id a Transit Gateway and exports it for the region's other members", () => {
        const tgw = hub.resources.find((r) => r.type === "aws:ec2transitgateway/transitGateway:TransitGateway")!;
        assert.equal(tgw.inputs.defaultRouteTablePropagation, "enable");
        assert.deepEqual(hub.outputs.transitGateway.value, { id: "west-hub-tgw-id", routeTableId: "tgw-rtb-west-hub-tgw", region: "us-west-2" });
        assert.equal(spoke.resources.filter((r) => r.type === "aws:ec2transitgateway/transitGateway:TransitGateway").length, 0);
        assert.equal(spoke.outputs.transitGateway, undefined);
    });

    it("attaches the spoke to its hub's gateway, with no VPC peering anywhere", () => {
        const attachment = spoke.resources.find((r) => r.type === "aws:ec2transitgateway/vpcAttachment:VpcAttachment")!;
        assert.equal(attachment.inputs.transitGatewayId, "west-hub-tgw-id");
        assert.deepEqual(attachment.inputs.subnetIds, ["west2-subnet-id"]);
        for (const rec of [hub, spoke]) {
            assert.equal(rec.resources.filter((r) => r.type === "aws:ec2/vpcPeeringConnection:VpcPeeringConnection").length, 0);
        }
        const peerings = hub.resources.filter((r) => r.type === "aws:ec2transitgateway/peeringAttachment:PeeringAttachment");
        assert.deepEqual(peerings.map((p) => [p.inputs.peerTransitGatewayId, p.inputs.peerRegion]), [["east-hub-tgw-id", "us-east-1"]]);
    });
});
