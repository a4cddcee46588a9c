import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, peek, settle, type MockEngine, type RecordedResource } from "../../scripts/plan/mock-engine";

let engine: MockEngine;
let K3s: typeof import("./k3s-cluster").K3sCluster;
let config: typeof import("./k3s-config");

const get = (name: string): RecordedResource => {
    const r = engine.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}`);
    return r;
};
const under = (prefix: string) => engine.resources.filter((r) => r.name === prefix || r.name.startsWith(`${prefix}-`));

const base = { podCIDR: "10.11.0.0/16", serviceCIDR: "10.12.0.0/16", version: "v1.33.5+k3s1" };
const OPERATORS = ["203.0.113.10/32", "198.51.100.0/24"];

before(async () => {
    engine = await installMockEngine("west");
    K3s = (await import("./k3s-cluster")).K3sCluster;
    config = await import("./k3s-config");
});

describe("K3sCluster on new EC2 VMs", () => {
    let cluster: InstanceType<typeof K3s>;
    before(async () => {
        const aws = await import("@pulumi/aws");
        const provider = new aws.Provider("west-aws", { region: "us-west-2" });
        cluster = new K3s("west", { ...base, clusterName: "west", ec2: { vpcCidr: "10.10.0.0/16", operatorCidrs: OPERATORS, agents: 2 } }, { provider });
        await settle();
    });

    it("builds the network, key pair, VMs, token, install commands and provider, all under the component", () => {
        const component = get("west");
        assert.equal(component.type, "clustermesh:cluster:K3sCluster");
        const expected: Array<[string, string]> = [
            ["west-vpc", "aws:ec2/vpc:Vpc"],
            ["west-igw", "aws:ec2/internetGateway:InternetGateway"],
            ["west-subnet", "aws:ec2/subnet:Subnet"],
            ["west-routes", "aws:ec2/routeTable:RouteTable"],
            ["west-default-route", "aws:ec2/route:Route"],
            ["west-routes-association", "aws:ec2/routeTableAssociation:RouteTableAssociation"],
            ["west-nodes-sg", "aws:ec2/securityGroup:SecurityGroup"],
            ["west-ssh-from-203-0-113-10-32", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
            ["west-api-from-203-0-113-10-32", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
            ["west-ssh-from-198-51-100-0-24", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
            ["west-api-from-198-51-100-0-24", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
            ["west-intra-vpc", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
            ["west-egress", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"],
            ["west-ssh-key", "tls:index/privateKey:PrivateKey"],
            ["west-key-pair", "aws:ec2/keyPair:KeyPair"],
            ["west-server-host-key", "tls:index/privateKey:PrivateKey"],
            ["west-agent-1-host-key", "tls:index/privateKey:PrivateKey"],
            ["west-agent-2-host-key", "tls:index/privateKey:PrivateKey"],
            ["west-server", "aws:ec2/instance:Instance"],
            ["west-server-eip", "aws:ec2/eip:Eip"],
            ["west-agent-1", "aws:ec2/instance:Instance"],
            ["west-agent-2", "aws:ec2/instance:Instance"],
            ["west-token", "random:index/randomPassword:RandomPassword"],
            ["west-install-server", "command:remote:Command"],
            ["west-join-token", "command:remote:Command"],
            ["west-install-agent-1", "command:remote:Command"],
            ["west-install-agent-2", "command:remote:Command"],
            ["west-kubeconfig", "command:remote:Command"],
            ["west-provider", "pulumi:providers:kubernetes"],
        ];
        const network = engine.resources.find((r) => r.type === "clustermesh:network:AwsNetwork" && r.name === "west")!;
        assert.equal(network.parent, component.urn, "the AwsNetwork is a child of the cluster");
        const networkRoles = ["west-vpc", "west-igw", "west-subnet", "west-routes", "west-default-route", "west-routes-association"];
        for (const [name, type] of expected) {
            assert.equal(get(name).type, type, name);
            assert.equal(get(name).parent, (networkRoles.includes(name) ? network : component).urn, `${name} is parented to the cluster or its network`);
        }
        const children = engine.resources.filter((r) => r.parent === component.urn || r.parent === network.urn).map((r) => r.name);
        assert.deepEqual(children.sort(), [...expected.map(([name]) => name), "west"].sort(), "nothing else");
    });

    it("sends every AWS child through the given provider, and nothing else", () => {
        const provider = get("west-aws").urn;
        for (const r of under("west").filter((x) => x.parent === get("west").urn)) {
            assert.equal(r.provider === provider, r.type.startsWith("aws:"), `${r.name} provider`);
        }
    });

    it("carves the nodes' subnet from the VPC and routes it to the internet", () => {
        assert.equal(get("west-vpc").inputs.cidrBlock, "10.10.0.0/16");
        assert.equal(get("west-vpc").inputs.enableDnsHostnames, true);
        assert.equal(get("west-subnet").inputs.cidrBlock, "10.10.0.0/20");
        assert.equal(get("west-subnet").inputs.availabilityZone, "mock-region-1a");
        assert.equal(get("west-subnet").inputs.mapPublicIpOnLaunch, true);
        assert.deepEqual(
            [get("west-default-route").inputs.destinationCidrBlock, get("west-default-route").inputs.gatewayId, get("west-default-route").inputs.routeTableId],
            ["0.0.0.0/0", "west-igw-id", "west-routes-id"],
        );
        assert.deepEqual([get("west-routes-association").inputs.subnetId, get("west-routes-association").inputs.routeTableId], ["west-subnet-id", "west-routes-id"]);
    });

    it("opens SSH and the API to the operator CIDRs only, the VPC to itself, and nothing else to the internet", () => {
        const rules = engine.resources.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.name.startsWith("west-"));
        assert.ok(rules.every((r) => r.inputs.securityGroupId === "west-nodes-sg-id"));
        const described = rules.map((r) => [r.inputs.cidrIpv4, r.inputs.ipProtocol, r.inputs.fromPort ?? "*", r.inputs.toPort ?? "*"].join(" ")).sort();
        assert.deepEqual(described, [
            "10.10.0.0/16 -1 * *",
            "198.51.100.0/24 tcp 22 22",
            "198.51.100.0/24 tcp 6443 6443",
            "203.0.113.10/32 tcp 22 22",
            "203.0.113.10/32 tcp 6443 6443",
        ]);
        assert.ok(!rules.some((r) => r.inputs.cidrIpv4 === "0.0.0.0/0" || r.inputs.cidrIpv6 !== undefined));
        const egress = get("west-egress").inputs;
        assert.deepEqual([egress.securityGroupId, egress.ipProtocol, egress.cidrIpv4], ["west-nodes-sg-id", "-1", "0.0.0.0/0"]);
        assert.equal(get("west-nodes-sg").inputs.ingress, undefined, "no inline rules for the mesh link's rules to fight");
    });

    it("builds Ubuntu 24.04 VMs that route pod traffic, need IMDSv2 and keep their image when a newer one appears", () => {
        for (const name of ["west-server", "west-agent-1", "west-agent-2"]) {
            const vm = get(name).inputs;
            assert.equal(vm.sourceDestCheck, false, name);
            assert.equal(vm.ami, "ami-mock-ubuntu");
            assert.equal(vm.instanceType, "t3.medium");
            assert.equal(vm.subnetId, "west-subnet-id");
            assert.deepEqual(vm.vpcSecurityGroupIds, ["west-nodes-sg-id"]);
            assert.deepEqual(vm.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required" });
            assert.deepEqual(vm.rootBlockDevice, { deleteOnTermination: true, encrypted: true, volumeSize: 30, volumeType: "gp3" });
            assert.deepEqual(get(name).ignoreChanges, ["ami"], name);
        }
        assert.equal(engine.resources.filter((r) => r.type === "aws:ec2/instance:Instance" && r.name.startsWith("west-")).length, 3, "server + 2 agents");
        const ami = engine.invokes.find((i) => i.token === "aws:ec2/getAmi:getAmi");
        assert.ok(ami);
        assert.deepEqual(ami.args.owners, ["099720109477"]);
        assert.equal(ami.args.mostRecent, true);
        assert.deepEqual((ami.args.filters as Array<{ name: string; values: string[] }>).find((f) => f.name === "name")?.values, ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"]);
    });

    it("logs in with a generated ED25519 key registered as the VMs' key pair, and gives the server an Elastic IP", () => {
        assert.equal(get("west-ssh-key").inputs.algorithm, "ED25519");
        assert.equal(get("west-key-pair").inputs.publicKey, `ssh-ed25519 ${Buffer.from("mock west-ssh-key").toString("base64")} mock`);
        assert.ok(get("west-server").dependsOn.includes(get("west-key-pair").urn), "the VM takes the key pair's name");
        assert.deepEqual([get("west-server-eip").inputs.instance, get("west-server-eip").inputs.domain], ["west-server-id", "vpc"]);
        assert.ok(get("west-server-eip").dependsOn.includes(get("west-igw").urn));
    });

    it("installs the server over SSH with logging off, the token on stdin (secret), never in the script", async () => {
        const install = get("west-install-server");
        assert.equal(install.inputs.logging, "none");
        assert.equal(install.inputs.addPreviousOutputInEnv, false);
        assert.equal(install.inputs.create, config.installScript({ role: "server", version: "v1.33.5+k3s1" }));
        assert.doesNotMatch(String(install.inputs.create), /mock-password/);
        assert.deepEqual(install.secretInputs.filter((k) => ["connection", "stdin", "triggers"].includes(k)), ["connection", "stdin", "triggers"]);
        const serverIp = (await peek(cluster.apiServerHost)).value;
        const publicIp = (await peek(cluster.publicAddress)).value;
        assert.equal(
            install.inputs.stdin,
            config.serverConfigYaml({ podCIDR: "10.11.0.0/16", serviceCIDR: "10.12.0.0/16", nodeIp: serverIp, tlsSans: [publicIp], kubeProxyReplacement: true, token: "mock-password-west-token" }),
        );
        assert.deepEqual(install.inputs.triggers, [install.inputs.create, config.configDigest(String(install.inputs.stdin)), "west-server-id"]);
        const connection = install.inputs.connection as Record<string, unknown>;
        assert.deepEqual([connection.host, connection.user, connection.port], [publicIp, "ubuntu", 22]);
        assert.match(String(connection.privateKey), /OPENSSH PRIVATE KEY/);
        for (const output of ["connection", "stdin", "stdout", "stderr"]) {
            assert.ok(get("west-install-server").additionalSecretOutputs.includes(output), output);
        }
        assert.equal(get("west-token").additionalSecretOutputs.includes("result"), true);
        assert.deepEqual([get("west-token").inputs.length, get("west-token").inputs.special], [48, false]);
    });

    it("installs only once the internet route and the SSH rules exist", () => {
        const deps = get("west-install-server").dependsOn;
        for (const name of ["west-default-route", "west-routes-association", "west-egress", "west-ssh-from-203-0-113-10-32", "west-ssh-from-198-51-100-0-24"]) {
            assert.ok(deps.includes(get(name).urn), name);
        }
    });

    it("joins the agents through the server, after it, with K3S_URL on the server's private address", async () => {
        const serverIp = (await peek(cluster.apiServerHost)).value;
        const publicIp = (await peek(cluster.publicAddress)).value;
        for (const n of [1, 2]) {
            const agent = get(`west-install-agent-${n}`);
            assert.ok(agent.dependsOn.includes(get("west-install-server").urn));
            assert.equal(agent.inputs.logging, "none");
            assert.match(String(agent.inputs.create), new RegExp(`K3S_URL='https://${serverIp.replace(/\./g, "\\.")}:6443'.* sh "\\$installer" agent`));
            const joined = (await import("yaml")).parse(String(agent.inputs.stdin));
            // The full token read from the server (K10<ca-hash>::server:<secret>), never the bare secret.
            assert.deepEqual(joined, { "node-ip": (await peek(cluster.nodeAddresses)).value[n], server: `https://${serverIp}:6443`, token: "mock stdout of west-join-token" });
            assert.ok(agent.dependsOn.includes(get("west-join-token").urn));
            assert.ok(agent.secretInputs.includes("stdin") && agent.secretInputs.includes("connection"));
            const connection = agent.inputs.connection as { host: string; proxy?: { host: string; user: string } };
            assert.equal(connection.host, (await peek(cluster.nodeAddresses)).value[n]);
            assert.deepEqual([connection.proxy?.host, connection.proxy?.user], [publicIp, "ubuntu"], "agents are reached through the server");
            assert.equal((agent.inputs.triggers as unknown[])[2], `west-agent-${n}-id`);
        }
    });

    it("pins each new VM's host key: generated here, installed by user data (secret), checked by every SSH connection", async () => {
        const yaml = await import("yaml");
        // What the mock engine answers for a tls.PrivateKey's public key (scripts/plan/mock-engine.ts).
        const publicKeyOf = (name: string) => `ssh-ed25519 ${Buffer.from(`mock ${name}`).toString("base64")} mock`;
        for (const role of ["server", "agent-1", "agent-2"]) {
            const vm = get(`west-${role}`);
            const key = get(`west-${role}-host-key`);
            assert.equal(key.inputs.algorithm, "ED25519");
            assert.ok(vm.secretInputs.includes("userData"), `${role}: the user data holds the private host key`);
            const userData = String(vm.inputs.userData);
            assert.match(userData, /^#cloud-config\n/);
            const cloud = yaml.parse(userData) as { ssh_keys: { ed25519_private: string; ed25519_public: string }; ssh_genkeytypes: unknown[]; ssh_deletekeys: boolean };
            const pub = publicKeyOf(key.name);
            assert.deepEqual([cloud.ssh_keys.ed25519_public, cloud.ssh_genkeytypes, cloud.ssh_deletekeys], [pub, [], true]);
            assert.match(cloud.ssh_keys.ed25519_private, /BEGIN OPENSSH PRIVATE KEY/);
            const install = get(`west-install-${role}`).inputs.connection as { hostKey?: string; proxy?: { hostKey?: string } };
            assert.equal(install.hostKey, pub, `${role}: the install checks the VM's own key`);
            if (role !== "server") {
                assert.equal(install.proxy?.hostKey, publicKeyOf("west-server-host-key"), "the jump host is pinned too");
            }
        }
        for (const name of ["west-join-token", "west-kubeconfig"]) {
            assert.equal((get(name).inputs.connection as { hostKey?: string }).hostKey, publicKeyOf("west-server-host-key"), name);
        }
    });

    it("reads the secure join token from the server, as a secret, after every server (re)install", () => {
        const read = get("west-join-token");
        assert.equal(read.inputs.create, "sudo -n cat /var/lib/rancher/k3s/server/token");
        assert.equal(read.inputs.logging, "none");
        assert.equal(read.inputs.addPreviousOutputInEnv, false);
        assert.deepEqual(read.inputs.triggers, ["west-install-server-id"]);
        assert.ok(read.dependsOn.includes(get("west-install-server").urn));
        assert.ok(read.additionalSecretOutputs.includes("stdout"));
        assert.ok(read.secretInputs.includes("connection"));
    });

    it("reads the kubeconfig back as a secret and builds a provider with a stable identity", async () => {
        const read = get("west-kubeconfig");
        assert.equal(read.inputs.create, "sudo -n cat /etc/rancher/k3s/k3s.yaml");
        assert.equal(read.inputs.logging, "none");
        assert.equal(read.inputs.addPreviousOutputInEnv, false);
        assert.ok(read.dependsOn.includes(get("west-install-server").urn));
        assert.deepEqual(read.inputs.triggers, ["west-install-server-id"]);
        assert.ok(read.secretInputs.includes("connection"));
        assert.ok(get("west-kubeconfig").additionalSecretOutputs.includes("stdout"));
        assert.equal((await peek(cluster.kubeconfig)).secret, true);
        const provider = get("west-provider");
        assert.equal(provider.inputs.clusterIdentifier, "west");
        assert.ok(provider.secretInputs.includes("kubeconfig"));
        assert.equal(provider.inputs.kubeconfig, (await peek(cluster.kubeconfig)).value);
        assert.equal(cluster.provider.urn !== undefined, true);
    });

    it("exposes what the mesh needs: node addresses, API host and port, network ids, deletion anchor", async () => {
        const addresses = (await peek(cluster.nodeAddresses)).value;
        assert.equal(addresses.length, 3);
        assert.equal(new Set(addresses).size, 3);
        assert.ok(addresses.every((a) => /^10\.10\.0\.\d+$/.test(a)));
        assert.equal((await peek(cluster.apiServerHost)).value, addresses[0]);
        assert.equal((await peek(cluster.apiServerPort)).value, 6443);
        assert.match((await peek(cluster.publicAddress)).value, /^203\.0\.113\.\d+$/);
        assert.equal((await peek(cluster.vpcId!)).value, "west-vpc-id");
        assert.equal((await peek(cluster.vpcCidr!)).value, "10.10.0.0/16");
        assert.equal((await peek(cluster.routeTableId!)).value, "west-routes-id");
        assert.equal((await peek(cluster.securityGroupId!)).value, "west-nodes-sg-id");
        const key = await peek(cluster.sshPrivateKey!);
        assert.equal(key.secret, true);
        assert.match(key.value, /OPENSSH PRIVATE KEY/);
        assert.equal((await peek(cluster.deletionAnchor.urn)).value, get("west-server").urn);
        assert.equal(cluster.kind, "k3s");
        assert.equal(cluster.clusterName, "west");
        assert.deepEqual(cluster.attachCni(cluster), []);
    });
});

describe("K3sCluster on existing hosts", () => {
    let cluster: InstanceType<typeof K3s>;
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nlab\n-----END OPENSSH PRIVATE KEY-----\n";
    before(async () => {
        cluster = new K3s("lab", {
            ...base,
            clusterName: "lab",
            kubeProxyReplacement: false,
            host: { address: "198.51.100.7", privateAddress: "172.30.1.89", user: "admin", port: 2222, hostKey: "ssh-ed25519 AAAAlab", privateKey: key },
            agentHosts: [{ address: "172.30.1.90" }, { address: "172.30.1.91", hostKey: "ssh-ed25519 AAAAagent2 root@agent2" }],
        });
        await settle();
    });

    it("creates no AWS resource: only the token, install commands, kubeconfig read and provider", () => {
        const mine = under("lab");
        assert.deepEqual(mine.map((r) => r.name).sort(), [
            "lab",
            "lab-host-key-agent-2",
            "lab-host-key-server",
            "lab-install-agent-1",
            "lab-install-agent-2",
            "lab-install-server",
            "lab-join-token",
            "lab-kubeconfig",
            "lab-provider",
            "lab-token",
        ]);
        assert.equal(mine.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("tls:")).length, 0);
    });

    it("connects with the key as a secret, to the given user and port, checking the host key when given", () => {
        const install = get("lab-install-server");
        assert.ok(install.secretInputs.includes("connection"));
        const connection = install.inputs.connection as Record<string, unknown>;
        assert.deepEqual(
            [connection.host, connection.user, connection.port, connection.privateKey, connection.hostKey, connection.proxy],
            ["198.51.100.7", "admin", 2222, key, "ssh-ed25519 AAAAlab", undefined],
        );
        const agent = get("lab-install-agent-1").inputs.connection as Record<string, unknown>;
        assert.deepEqual([agent.host, agent.user, agent.port, agent.privateKey, agent.hostKey, agent.proxy], ["172.30.1.90", "ubuntu", 22, key, undefined, undefined]);
        assert.ok(get("lab-install-agent-1").secretInputs.includes("connection"));
    });

    it("pins each host's own key on every command that reaches it: install, join token, kubeconfig", () => {
        for (const name of ["lab-install-server", "lab-join-token", "lab-kubeconfig"]) {
            assert.equal((get(name).inputs.connection as Record<string, unknown>).hostKey, "ssh-ed25519 AAAAlab", name);
        }
        assert.equal((get("lab-install-agent-2").inputs.connection as Record<string, unknown>).hostKey, "ssh-ed25519 AAAAagent2 root@agent2");
    });

    it("checks each pinned key where Pulumi runs, with a clear message, before its install", () => {
        const server = get("lab-host-key-server");
        assert.equal(server.type, "command:local:Command");
        assert.equal(server.inputs.create, config.hostKeyCheckScript({ field: "host.hostKey", address: "198.51.100.7", port: 2222, hostKey: "ssh-ed25519 AAAAlab" }));
        assert.ok(get("lab-install-server").dependsOn.includes(server.urn));
        assert.ok(get("lab-install-agent-2").dependsOn.includes(get("lab-host-key-agent-2").urn));
        assert.match(String(get("lab-host-key-agent-2").inputs.create), /agentHosts\[1\]\.hostKey: /);
        assert.ok(!engine.resources.some((r) => r.name === "lab-host-key-agent-1"), "an unpinned host has no check");
    });

    it("uses the private address for node-ip, the API host and the mesh, the public one for tls-san and the kubeconfig", async () => {
        const install = get("lab-install-server");
        const server = (await import("yaml")).parse(String(install.inputs.stdin));
        assert.equal(server["node-ip"], "172.30.1.89");
        assert.deepEqual(server["tls-san"], ["172.30.1.89", "198.51.100.7"]);
        assert.equal(server["disable-kube-proxy"], false);
        assert.deepEqual((install.inputs.triggers as unknown[]).length, 2, "no VM to trigger on");
        assert.match(String(get("lab-install-agent-1").inputs.stdin), /server: https:\/\/172\.30\.1\.89:6443/);
        assert.deepEqual((await peek(cluster.nodeAddresses)).value, ["172.30.1.89", "172.30.1.90", "172.30.1.91"]);
        assert.equal((await peek(cluster.apiServerHost)).value, "172.30.1.89");
        assert.equal((await peek(cluster.publicAddress)).value, "198.51.100.7");
        assert.equal((await peek(cluster.kubeconfig)).secret, true);
    });

    it("anchors deletion on the install command and has no EC2 outputs", async () => {
        assert.equal((await peek(cluster.deletionAnchor.urn)).value, get("lab-install-server").urn);
        assert.deepEqual([cluster.sshPrivateKey, cluster.vpcId, cluster.vpcCidr, cluster.routeTableId, cluster.securityGroupId], [undefined, undefined, undefined, undefined, undefined]);
    });
});

describe("K3sCluster argument checks", () => {
    const ec2 = { vpcCidr: "10.10.0.0/16", operatorCidrs: ["203.0.113.10/32"] };
    const host = { address: "198.51.100.7", privateKey: "k" };
    const fails = (args: Record<string, unknown>, pattern: RegExp) => assert.throws(() => new K3s("bad", { ...base, clusterName: "bad", ...args }), pattern);

    it("wants exactly one of host and ec2", () => {
        fails({}, /K3sCluster bad: neither host nor ec2 is set; give exactly one/);
        fails({ host, ec2 }, /host and ec2 are both set; give exactly one/);
        fails({ ec2, agentHosts: [{ address: "10.0.0.9" }] }, /agentHosts is set without host/);
    });

    it("wants valid, separate CIDRs, a k3s version and a Cilium cluster name, all reported at once", () => {
        assert.throws(
            () => new K3s("bad", { clusterName: "Bad_Name", podCIDR: "10.11.0.1/16", serviceCIDR: "x", version: "1.33", ec2: { ...ec2, vpcCidr: "10.16.0.0/12" } }),
            (err: Error) => {
                for (const part of [
                    /clusterName "Bad_Name" is not a Cilium cluster name/,
                    /podCIDR "10\.11\.0\.1\/16" is not a CIDR block .*write e\.g\. 10\.11\.0\.0\/16/,
                    /serviceCIDR "x" is not a CIDR block/,
                    /ec2\.vpcCidr 10\.16\.0\.0\/12 must be an IPv4 block from \/16 to \/24/,
                    /version "1\.33" is not a k3s release; write e\.g\. v1\.33\.5\+k3s1/,
                ]) {
                    assert.match(err.message, part);
                }
                return true;
            },
        );
        fails({ ec2, serviceCIDR: "10.11.128.0/20" }, /podCIDR 10\.11\.0\.0\/16 overlaps serviceCIDR 10\.11\.128\.0\/20/);
        fails({ ec2: { ...ec2, vpcCidr: "10.12.0.0/16" } }, /serviceCIDR 10\.12\.0\.0\/16 overlaps ec2\.vpcCidr 10\.12\.0\.0\/16/);
        fails({ ec2, serviceCIDR: "10.12.0.0/29" }, /serviceCIDR 10\.12\.0\.0\/29 is too small to hold cluster-dns/);
    });

    it("refuses SSH and the API open to the internet, and operator ranges the VPC cannot use", () => {
        fails({ ec2: { ...ec2, operatorCidrs: ["0.0.0.0/0"] } }, /0\.0\.0\.0\/0 would open SSH and the Kubernetes API to the whole internet/);
        fails({ ec2: { ...ec2, operatorCidrs: [] } }, /ec2\.operatorCidrs is empty/);
        fails({ ec2: { ...ec2, operatorCidrs: ["2001:db8::/64"] } }, /"2001:db8::\/64" is not an IPv4 CIDR block/);
        fails({ ec2: { ...ec2, operatorCidrs: ["203.0.113.10/32", "203.0.113.10/32"] } }, /lists 203\.0\.113\.10\/32 twice/);
    });

    it("refuses a pinned host key that is not an SSH public key", () => {
        fails({ host: { ...host, hostKey: "AAAAC3NzaC1lZDI1NTE5" } }, /host\.hostKey is not an SSH public key; write the host's key as ssh-keyscan prints it/);
        fails({ host, agentHosts: [{ address: "198.51.100.8", hostKey: "198.51.100.8 ssh-ed25519 AAAA" }] }, /agentHosts\[0\]\.hostKey is not an SSH public key/);
    });

    it("refuses VMs it cannot build", () => {
        fails({ ec2: { ...ec2, instanceType: "t4g.medium" } }, /ec2\.instanceType "t4g\.medium" is not an x86 instance type/);
        fails({ ec2: { ...ec2, agents: -1 } }, /ec2\.agents -1 is not a whole number from 0 to 50/);
        fails({ ec2: { ...ec2, agents: 1.5 } }, /ec2\.agents 1\.5/);
    });

    it("wants an IP for every existing node, outside the pod and service ranges, and a real SSH port", () => {
        fails({ host: { address: "k3s.example.com", privateKey: "k" } }, /host\.address k3s\.example\.com is not an IP address; .*set host\.privateAddress to the node's IP/);
        fails({ host: { ...host, privateAddress: "10.11.0.5" } }, /host\.privateAddress 10\.11\.0\.5 lies inside podCIDR 10\.11\.0\.0\/16/);
        fails({ host, agentHosts: [{ address: "198.51.100.7" }] }, /agentHosts\[0\]\.address 198\.51\.100\.7 is also the node address of host/);
        fails({ host: { ...host, port: 70000 } }, /host\.port 70000 is not a TCP port/);
    });

    it("registers nothing when the arguments are wrong", async () => {
        await settle();
        assert.equal(engine.resources.filter((r) => r.name === "bad" || r.name.startsWith("bad-")).length, 0);
    });
});
