import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, peek, settle, type MockEngine, type RecordedResource } from "../../scripts/lib/mock-engine";

let engine: MockEngine;
let K3s: typeof import("./k3s-cluster").K3sCluster;
const get = (name: string): RecordedResource => {
    const r = engine.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}`);
    return r;
};
const base = { podCIDR: "10.11.0.0/16", serviceCIDR: "10.12.0.0/16", version: "v1.33.5+k3s1" };

before(async () => {
    engine = await installMockEngine("west");
    K3s = (await import("./k3s-cluster")).K3sCluster;
});

describe("K3sCluster on a new EC2 VM", () => {
    let cluster: InstanceType<typeof K3s>;
    before(async () => {
        cluster = new K3s("west", { ...base, clusterName: "west", ec2: { vpcCidr: "10.10.0.0/16", operatorCidrs: ["203.0.113.10/32"], agents: 1 } });
        await settle();
    });

    it("builds a VPC, subnet, routes, security group, key pair, server with an Elastic IP, and an agent, all under the component", () => {
        const component = get("west");
        assert.equal(component.type, "clustermesh:cluster:K3sCluster");
        for (const [name, type] of [
            ["west-vpc", "aws:ec2/vpc:Vpc"],
            ["west-subnet", "aws:ec2/subnet:Subnet"],
            ["west-routes", "aws:ec2/routeTable:RouteTable"],
            ["west-default-route", "aws:ec2/route:Route"],
            ["west-nodes-sg", "aws:ec2/securityGroup:SecurityGroup"],
            ["west-key-pair", "aws:ec2/keyPair:KeyPair"],
            ["west-ssh-key", "tls:index/privateKey:PrivateKey"],
            ["west-server", "aws:ec2/instance:Instance"],
            ["west-agent-1", "aws:ec2/instance:Instance"],
            ["west-server-eip", "aws:ec2/eip:Eip"],
            ["west-token", "random:index/randomPassword:RandomPassword"],
            ["west-install-server", "command:remote:Command"],
            ["west-install-agent-1", "command:remote:Command"],
            ["west-kubeconfig", "command:remote:Command"],
            ["west-provider", "pulumi:providers:kubernetes"],
        ]) {
            assert.equal(get(name).type, type, name);
            assert.equal(get(name).parent, component.urn, `${name} is parented to the cluster`);
        }
        assert.equal(get("west-vpc").inputs.cidrBlock, "10.10.0.0/16");
        assert.equal(get("west-subnet").inputs.cidrBlock, "10.10.0.0/20");
    });

    it("opens SSH and the API to the operator only, and nothing else to the internet", () => {
        const rules = engine.resources.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.name.startsWith("west-"));
        const described = rules.map((r) => [r.inputs.cidrIpv4, r.inputs.ipProtocol, r.inputs.fromPort ?? "*"].join(" ")).sort();
        assert.deepEqual(described, ["10.10.0.0/16 -1 *", "203.0.113.10/32 tcp 22", "203.0.113.10/32 tcp 6443"]);
        assert.ok(!rules.some((r) => r.inputs.cidrIpv4 === "0.0.0.0/0"));
    });

    it("lets Cilium route pod traffic and keeps the VM when a newer AMI appears", () => {
        const server = get("west-server");
        assert.equal(server.inputs.sourceDestCheck, false);
        assert.deepEqual(server.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required" });
        assert.deepEqual(server.inputs.rootBlockDevice, { encrypted: true, volumeSize: 30, volumeType: "gp3" });
        assert.match(String(get("west-key-pair").inputs.publicKey), /^ssh-ed25519 /);
    });

    it("installs over SSH with logging off and the token and key as secrets", () => {
        const install = get("west-install-server");
        assert.equal(install.inputs.logging, "none");
        assert.ok(install.secretInputs.includes("create"));
        assert.ok(install.secretInputs.includes("connection"));
        assert.match(String(install.inputs.create), /flannel-backend: none/);
        assert.match(String(install.inputs.create), /token: mock-password-west-token/);
        const agent = get("west-install-agent-1");
        assert.ok(agent.dependsOn.includes(install.urn));
        assert.ok((agent.inputs.connection as { proxy?: unknown }).proxy, "agents are reached through the server");
    });

    it("reads the kubeconfig back as a secret and builds a provider with a stable identity", async () => {
        const read = get("west-kubeconfig");
        assert.equal(read.inputs.logging, "none");
        assert.ok(read.dependsOn.includes(get("west-install-server").urn));
        assert.equal((await peek(cluster.kubeconfig)).secret, true);
        const provider = get("west-provider");
        assert.equal(provider.inputs.clusterIdentifier, "west");
        assert.ok(provider.secretInputs.includes("kubeconfig"));
    });

    it("exposes what the mesh needs: node addresses, API host, network ids, deletion anchor", async () => {
        assert.equal((await peek(cluster.nodeAddresses)).value.length, 2);
        assert.match((await peek(cluster.apiServerHost)).value, /^10\.10\.\d+\.\d+$/);
        assert.equal((await peek(cluster.apiServerPort)).value, 6443);
        assert.equal((await peek(cluster.securityGroupId!)).value, "west-nodes-sg-id");
        assert.equal((await peek(cluster.sshPrivateKey!)).secret, true);
        assert.deepEqual(cluster.attachCni(cluster), []);
    });
});

describe("K3sCluster on an existing host", () => {
    let cluster: InstanceType<typeof K3s>;
    before(async () => {
        cluster = new K3s("lab", {
            ...base,
            clusterName: "lab",
            host: { address: "198.51.100.7", privateAddress: "172.30.1.89", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----" },
            agentHosts: [{ address: "172.30.1.90" }],
        });
        await settle();
    });

    it("creates no AWS resource", () => {
        const mine = engine.resources.filter((r) => r.name.startsWith("lab"));
        assert.ok(mine.length > 0);
        assert.equal(mine.filter((r) => r.type.startsWith("aws:")).length, 0);
    });

    it("connects with the key as a secret and uses the private address for node-ip and the mesh", async () => {
        const install = get("lab-install-server");
        assert.ok(install.secretInputs.includes("connection"));
        const connection = install.inputs.connection as { host: string; user: string; port: number };
        assert.deepEqual([connection.host, connection.user, connection.port], ["198.51.100.7", "ubuntu", 22]);
        assert.match(String(install.inputs.create), /node-ip: 172\.30\.1\.89/);
        assert.deepEqual((await peek(cluster.nodeAddresses)).value, ["172.30.1.89", "172.30.1.90"]);
        assert.equal((await peek(cluster.deletionAnchor.urn)).value, get("lab-install-server").urn);
    });
});

describe("K3sCluster argument checks", () => {
    it("wants exactly one of host and ec2, valid CIDRs and a k3s version, all reported at once", () => {
        assert.throws(
            () => new K3s("bad", { clusterName: "bad", podCIDR: "10.11.0.1/16", serviceCIDR: "x", version: "1.33" }),
            /give exactly one of host .* and ec2 .*podCIDR 10\.11\.0\.1\/16 is not a CIDR block.*serviceCIDR x is not a CIDR block.*version 1\.33 is not a k3s release/,
        );
    });

    it("refuses SSH and the API open to the internet", () => {
        assert.throws(() => new K3s("open", { ...base, clusterName: "open", ec2: { vpcCidr: "10.10.0.0/16", operatorCidrs: ["0.0.0.0/0"] } }), /0\.0\.0\.0\/0 would open SSH/);
    });
});
