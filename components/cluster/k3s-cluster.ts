import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { parseCidr } from "../../stacks/cidr";
import { agentConfigYaml, installScript, nodeSubnetCidr, READ_KUBECONFIG, rewriteKubeconfig, serverConfigYaml } from "./k3s-config";
import type { MeshCluster } from "./mesh-cluster";

/** A machine reached over SSH. */
export interface K3sHost {
    /** Address the operator reaches over SSH and on 6443; goes into the kubeconfig and `tls-san`. */
    address: string;
    /** Address mesh peers and agents reach the node on (`node-ip`). Default: `address`. */
    privateAddress?: string;
    /** SSH user with passwordless sudo. Default `ubuntu`. */
    user?: string;
    /** SSH port. Default 22. */
    port?: number;
}

/** Where to build a new VM (EC2) for the server and its agents. */
export interface K3sEc2Args {
    /** VPC CIDR; the nodes live in its first /20. */
    vpcCidr: string;
    /** Instance type of every VM. Default `t3.medium`. */
    instanceType?: string;
    /** Number of agent VMs beside the server. Default 0. */
    agents?: number;
    /** The only sources allowed to SSH (22) and reach the API (6443): where `pulumi up` runs. */
    operatorCidrs: string[];
}

export interface K3sClusterArgs {
    /** Cilium `cluster.name`; also names the kubeconfig's cluster, user and context. */
    clusterName: string;
    /** Pod CIDR (k3s `cluster-cidr`). */
    podCIDR: string;
    /** Service CIDR (k3s `service-cidr`); `cluster-dns` is its 10th address. */
    serviceCIDR: string;
    /** k3s release installed (INSTALL_K3S_VERSION), e.g. `v1.33.5+k3s1`. */
    version: string;
    /** Cilium replaces kube-proxy: k3s runs with `disable-kube-proxy`. Default true. */
    kubeProxyReplacement?: boolean;
    /**
     * An existing server host, with the SSH private key (a secret). Exactly one of `host` and
     * `ec2` is given.
     */
    host?: K3sHost & { privateKey: pulumi.Input<string> };
    /** Existing agent hosts (with `host`), reached with the same key. Default none. */
    agentHosts?: K3sHost[];
    /** Build the server (and agents) on new EC2 VMs in a new VPC. AWS resources use the component's `aws` provider. */
    ec2?: K3sEc2Args;
}

interface SshTarget {
    host: pulumi.Input<string>;
    user: string;
    port: number;
    privateKey: pulumi.Input<string>;
}

const UBUNTU_OWNER = "099720109477"; // Canonical

/**
 * A k3s cluster for the mesh: flannel-less, no kube-proxy, no traefik/servicelb, with the
 * member's CIDRs, either on a new EC2 VM (VPC, subnet, security group, key pair, Elastic IP) or
 * on a host you already have. Both paths install over SSH with `@pulumi/command` and read the
 * kubeconfig back as a secret. Pass a region's `aws.Provider` as `provider` in the options (as
 * pulumi-eks and awsx do); it reaches every AWS child.
 */
export class K3sCluster extends pulumi.ComponentResource implements MeshCluster {
    public readonly clusterName: string;
    public readonly kind = "k3s" as const;
    public readonly provider: k8s.Provider;
    /** Kubeconfig pointing at the operator-reachable address. Secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly apiServerHost: pulumi.Output<string>;
    public readonly apiServerPort: pulumi.Output<number>;
    public readonly nodeAddresses: pulumi.Output<string[]>;
    public readonly deletionAnchor: pulumi.Resource;
    /** Address the operator reaches the server on (Elastic IP on EC2). */
    public readonly publicAddress: pulumi.Output<string>;
    /** SSH key generated for new VMs. Secret. Undefined on existing hosts. */
    public readonly sshPrivateKey?: pulumi.Output<string>;
    /** EC2 only: the VPC, its route table and the nodes' security group, for the mesh link. */
    public readonly vpcId?: pulumi.Output<string>;
    public readonly routeTableId?: pulumi.Output<string>;
    public readonly securityGroupId?: pulumi.Output<string>;

    constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clustermesh:cluster:K3sCluster", name, {}, opts);
        validateArgs(name, args);
        this.clusterName = args.clusterName;
        const kubeProxyReplacement = args.kubeProxyReplacement ?? true;

        let server: SshTarget & { privateIp: pulumi.Output<string> };
        let agents: Array<SshTarget & { privateIp: pulumi.Output<string>; proxy?: SshTarget }>;
        let anchor: pulumi.Resource | undefined;
        if (args.ec2) {
            const built = this.buildEc2(name, args.ec2);
            server = built.server;
            agents = built.agents;
            anchor = built.instance;
            this.vpcId = built.vpcId;
            this.routeTableId = built.routeTableId;
            this.securityGroupId = built.securityGroupId;
            this.sshPrivateKey = pulumi.secret(built.server.privateKey);
        } else {
            const host = args.host!;
            const key = pulumi.secret(host.privateKey);
            const target = (h: K3sHost) => ({ host: h.address, user: h.user ?? "ubuntu", port: h.port ?? 22, privateKey: key, privateIp: pulumi.output(h.privateAddress ?? h.address) });
            server = target(host);
            agents = (args.agentHosts ?? []).map(target);
        }
        this.publicAddress = pulumi.output(server.host);

        const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: this, additionalSecretOutputs: ["result"] });
        const serverScript = pulumi.secret(
            pulumi.all([server.privateIp, this.publicAddress, token.result]).apply(([nodeIp, publicIp, secret]) =>
                installScript("server", args.version, serverConfigYaml({ podCIDR: args.podCIDR, serviceCIDR: args.serviceCIDR, nodeIp, tlsSans: [publicIp], kubeProxyReplacement, token: secret })),
            ),
        );
        const connection = (t: SshTarget, proxy?: SshTarget) => pulumi.secret({ host: t.host, user: t.user, port: t.port, privateKey: t.privateKey, ...(proxy ? { proxy } : {}) });
        const install = new command.remote.Command(
            `${name}-install-server`,
            { connection: connection(server), create: serverScript, logging: command.types.enums.remote.Logging.None },
            { parent: this, dependsOn: anchor ? [anchor] : [], additionalSecretOutputs: ["stdout", "stderr"] },
        );
        agents.forEach((agent, index) => {
            const script = pulumi.secret(
                pulumi.all([server.privateIp, agent.privateIp, token.result]).apply(([serverIp, nodeIp, secret]) => installScript("agent", args.version, agentConfigYaml({ serverIp, nodeIp, token: secret }))),
            );
            new command.remote.Command(
                `${name}-install-agent-${index + 1}`,
                { connection: connection(agent, agent.proxy), create: script, logging: command.types.enums.remote.Logging.None },
                { parent: this, dependsOn: [install], additionalSecretOutputs: ["stdout", "stderr"] },
            );
        });

        const read = new command.remote.Command(
            `${name}-kubeconfig`,
            { connection: connection(server), create: READ_KUBECONFIG, logging: command.types.enums.remote.Logging.None, triggers: [install.id] },
            { parent: this, dependsOn: [install], additionalSecretOutputs: ["stdout"] },
        );
        this.kubeconfig = pulumi.secret(pulumi.all([read.stdout, this.publicAddress]).apply(([text, address]) => rewriteKubeconfig(text, address, args.clusterName)));
        this.provider = new k8s.Provider(
            `${name}-provider`,
            // The cluster name, not the kubeconfig, identifies the cluster: a rotated
            // kubeconfig must not replace every object in it.
            { kubeconfig: this.kubeconfig, clusterIdentifier: args.clusterName },
            { parent: this },
        );
        this.apiServerHost = server.privateIp;
        this.apiServerPort = pulumi.output(6443);
        this.nodeAddresses = pulumi.all([server.privateIp, ...agents.map((a) => a.privateIp)]);
        this.deletionAnchor = anchor ?? install;
        this.registerOutputs({
            kubeconfig: this.kubeconfig,
            publicAddress: this.publicAddress,
            nodeAddresses: this.nodeAddresses,
            vpcId: this.vpcId,
            securityGroupId: this.securityGroupId,
        });
    }

    /** k3s needs nothing after the CNI: its single server node and CoreDNS are already there, waiting for Cilium. */
    attachCni(_cni: pulumi.Resource): pulumi.Resource[] {
        return [];
    }

    private buildEc2(name: string, ec2: K3sEc2Args) {
        const opts: pulumi.CustomResourceOptions = { parent: this };
        const tags = (role: string) => ({ Name: `${this.clusterName}-${role}`, "clustermesh/cluster": this.clusterName });
        const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: ec2.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags("vpc") }, opts);
        const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags("igw") }, opts);
        const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this });
        const subnet = new aws.ec2.Subnet(
            `${name}-subnet`,
            // Public addresses give agents egress to download k3s without a NAT gateway; only
            // the operator's CIDRs and mesh peers are let in.
            { vpcId: vpc.id, cidrBlock: nodeSubnetCidr(ec2.vpcCidr), availabilityZone: zones.names[0], mapPublicIpOnLaunch: true, tags: tags("nodes") },
            opts,
        );
        // No inline routes: the mesh link adds peering routes as separate resources.
        const routes = new aws.ec2.RouteTable(`${name}-routes`, { vpcId: vpc.id, tags: tags("routes") }, opts);
        new aws.ec2.Route(`${name}-default-route`, { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: gateway.id }, opts);
        new aws.ec2.RouteTableAssociation(`${name}-routes-association`, { routeTableId: routes.id, subnetId: subnet.id }, opts);

        // No inline rules either: the mesh link adds its rules to this group.
        const group = new aws.ec2.SecurityGroup(`${name}-nodes-sg`, { vpcId: vpc.id, description: `k3s nodes of ${this.clusterName}`, tags: tags("nodes") }, opts);
        const ingress = (role: string, args: Omit<aws.vpc.SecurityGroupIngressRuleArgs, "securityGroupId">) =>
            new aws.vpc.SecurityGroupIngressRule(`${name}-${role}`, { securityGroupId: group.id, ...args }, opts);
        ec2.operatorCidrs.forEach((cidr, i) => {
            ingress(`operator-ssh-${i + 1}`, { description: "SSH from the operator", ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: cidr });
            ingress(`operator-api-${i + 1}`, { description: "Kubernetes API from the operator", ipProtocol: "tcp", fromPort: 6443, toPort: 6443, cidrIpv4: cidr });
        });
        ingress("intra-vpc", { description: "node to node within the cluster", ipProtocol: "-1", cidrIpv4: ec2.vpcCidr });
        new aws.vpc.SecurityGroupEgressRule(`${name}-egress`, { securityGroupId: group.id, description: "all egress", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }, opts);

        const key = new tls.PrivateKey(`${name}-ssh-key`, { algorithm: "ED25519" }, { parent: this, additionalSecretOutputs: ["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"] });
        const keyPair = new aws.ec2.KeyPair(`${name}-key-pair`, { publicKey: key.publicKeyOpenssh, tags: tags("ssh") }, opts);
        const ami = aws.ec2.getAmiOutput(
            { owners: [UBUNTU_OWNER], mostRecent: true, filters: [{ name: "name", values: ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"] }] },
            { parent: this },
        );
        const vm = (role: string) =>
            new aws.ec2.Instance(
                `${name}-${role}`,
                {
                    ami: ami.id,
                    instanceType: ec2.instanceType ?? "t3.medium",
                    subnetId: subnet.id,
                    vpcSecurityGroupIds: [group.id],
                    keyName: keyPair.keyName,
                    // Cilium forwards pod traffic from the node's interface.
                    sourceDestCheck: false,
                    rootBlockDevice: { volumeSize: 30, volumeType: "gp3", encrypted: true },
                    metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
                    tags: tags(role),
                },
                // A newer Ubuntu image must not replace a running node on the next `up`.
                { parent: this, ignoreChanges: ["ami"] },
            );
        const instance = vm("server");
        const eip = new aws.ec2.Eip(`${name}-server-eip`, { instance: instance.id, domain: "vpc", tags: tags("server") }, opts);
        const privateKey = pulumi.secret(key.privateKeyOpenssh);
        const server = { host: eip.publicIp, user: "ubuntu", port: 22, privateKey, privateIp: instance.privateIp };
        const agents = Array.from({ length: ec2.agents ?? 0 }, (_, i) => {
            const agent = vm(`agent-${i + 1}`);
            // Agents are reached through the server, the only host open to the operator on 22.
            return { host: agent.privateIp, user: "ubuntu", port: 22, privateKey, privateIp: agent.privateIp, proxy: { host: eip.publicIp, user: "ubuntu", port: 22, privateKey } };
        });
        return { server, agents, instance, vpcId: vpc.id, routeTableId: routes.id, securityGroupId: group.id };
    }
}

function validateArgs(name: string, args: K3sClusterArgs): void {
    const problems: string[] = [];
    if (!!args.host === !!args.ec2) {
        problems.push("give exactly one of host (an existing machine) and ec2 (a new VM)");
    }
    for (const [field, value] of [
        ["podCIDR", args.podCIDR],
        ["serviceCIDR", args.serviceCIDR],
        ...(args.ec2 ? [["ec2.vpcCidr", args.ec2.vpcCidr]] : []),
    ] as Array<[string, string]>) {
        if (!parseCidr(value)) {
            problems.push(`${field} ${value} is not a CIDR block; write e.g. 10.11.0.0/16`);
        }
    }
    if (!/^v\d+\.\d+\.\d+\+k3s\d+$/.test(args.version)) {
        problems.push(`version ${args.version} is not a k3s release such as v1.33.5+k3s1`);
    }
    if (args.ec2 && args.ec2.operatorCidrs.length === 0) {
        problems.push("ec2.operatorCidrs is empty; give the address you run pulumi from, e.g. 203.0.113.10/32");
    }
    if (args.ec2?.operatorCidrs.some((c) => c === "0.0.0.0/0")) {
        problems.push("ec2.operatorCidrs 0.0.0.0/0 would open SSH and the API to the internet; list only your own addresses");
    }
    if (args.agentHosts?.length && !args.host) {
        problems.push("agentHosts needs host (existing machines); for new VMs use ec2.agents");
    }
    if (problems.length > 0) {
        throw new Error(`K3sCluster ${name}: ${problems.join("; ")}`);
    }
}
