import * as aws from "@pulumi/aws";
import { offeredZones } from "../network/zones";
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { overlaps, parseAddress, parseCidr, type CidrRange } from "../../lib/cidr";
import { CLUSTER_NAME_PATTERN } from "../../lib/cilium-version";
import { DEFAULT_K3S_INSTANCE_TYPE } from "../../lib/defaults";
import {
    agentConfigYaml,
    configDigest,
    hostKeyCheckScript,
    hostKeyUserData,
    installScript,
    isArmInstanceType,
    K3S_API_PORT,
    nodeSubnetCidr,
    READ_JOIN_TOKEN,
    READ_KUBECONFIG,
    rewriteKubeconfig,
    serverConfigYaml,
} from "./k3s-config";
import type { MeshCluster } from "./mesh-cluster";
import { AwsNetwork } from "../network/aws-network";
import { failOnProblems } from "../problems";

/** A machine you already have, reached over SSH. */
export interface K3sHost {
    /**
     * Address the operator reaches over SSH and on 6443 (IP or DNS name): the SSH target, the
     * kubeconfig's server and a `tls-san` of the API certificate.
     */
    address: string;
    /**
     * IP address agents and mesh peers reach the node on: k3s `node-ip`, the API host Cilium
     * uses (`apiServerHost`) and the mesh's node address. Default: `address`, which must then
     * be an IP address.
     */
    privateAddress?: string;
    /** SSH user with passwordless sudo. Default `ubuntu`. */
    user?: string;
    /** SSH port. Default 22. */
    port?: number;
    /**
     * The host's public SSH key, pinned: `ssh-ed25519 AAAA...` (a `known_hosts` line without the
     * host name). pulumi-command checks it on every connection (`connection.hostKey`, a fixed
     * host key) and a host answering with another key fails the command before anything, the
     * join token included, is sent: `ssh: handshake failed: ssh: host key mismatch`. Before
     * the install, a local step (`${name}-host-key-<role>`, `ssh-keyscan` where Pulumi runs)
     * compares the keys first and stops with a message naming both. Default: not checked
     * (pulumi-command's default), which trusts whoever answers at `address`.
     */
    hostKey?: string;
}

/** The existing server host, with the key every host of the cluster is reached with. */
export interface K3sExistingServer extends K3sHost {
    /** SSH private key (OpenSSH or PEM) for the server and every agent host. Made secret here. */
    privateKey: pulumi.Input<string>;
}

/** A new VPC with one public subnet, the server VM and optional agent VMs (Ubuntu 24.04 amd64). */
export interface K3sEc2Args {
    /**
     * CIDR of the new VPC: IPv4, /16 to /24. The nodes live in its first /20 (the whole VPC
     * when it is smaller). Must not overlap `podCIDR`, `serviceCIDR` or any other mesh network.
     */
    vpcCidr: string;
    /** Instance type of every VM; an x86 type (the image is amd64). Default `t3.medium`. */
    instanceType?: string;
    /** Number of agent VMs beside the server, in the same subnet. Default 0 (max 50). */
    agents?: number;
    /**
     * The only sources allowed to SSH (22/tcp) and to reach the API (6443/tcp): where
     * `pulumi up` and kubectl run. IPv4 CIDRs, at least one; `/0` is refused. Mesh peers get
     * their own rules from the mesh link, added to `securityGroupId`.
     */
    operatorCidrs: string[];
    /** Availability zone of the subnet. Default: the first available zone of the provider's region. */
    availabilityZone?: string;
}

export interface K3sClusterArgs {
    /** Cilium `cluster.name`; also names the kubeconfig's cluster, user and context, and the provider's `clusterIdentifier`. */
    clusterName: string;
    /** Pod CIDR (k3s `cluster-cidr`, Cilium's cluster-pool). Must not overlap any other range. */
    podCIDR: string;
    /** Service CIDR (k3s `service-cidr`); `cluster-dns` is its 10th address. */
    serviceCIDR: string;
    /** k3s release installed (`INSTALL_K3S_VERSION`), e.g. `v1.33.5+k3s1`. Changing it reinstalls in place. */
    version: string;
    /** Cilium replaces kube-proxy: k3s runs with `disable-kube-proxy: true`. Default true. */
    kubeProxyReplacement?: boolean;
    /** Install on a machine you already have. Exactly one of `host` and `ec2`. */
    host?: K3sExistingServer;
    /** Existing machines joined as agents (only with `host`), reached with `host.privateKey`. Default none. */
    agentHosts?: K3sHost[];
    /** Build the server (and agents) on new EC2 VMs. Exactly one of `host` and `ec2`. */
    ec2?: K3sEc2Args;
}

/** How a node is reached over SSH and addressed inside the cluster. */
interface Node {
    readonly host: pulumi.Input<string>;
    readonly user: string;
    readonly port: number;
    readonly privateKey: pulumi.Output<string>;
    /** The host's public key, pinned: given for existing hosts, generated for new VMs. */
    readonly hostKey?: pulumi.Input<string>;
    /** Fresh VMs refuse SSH until cloud-init installed the key: allow more dial attempts. */
    readonly dialErrorLimit?: number;
    /** Jump host (agents of new VMs are reached through the server). */
    readonly proxy?: Node;
    readonly privateIp: pulumi.Output<string>;
    /** The VM, when this component built it: a new VM gets a fresh install even at the same address. */
    readonly instance?: aws.ec2.Instance;
    /** Existing host with a pinned key: the step that checks it, with a clear message, before anything is sent. */
    readonly hostKeyCheck?: command.local.Command;
}

interface Ec2Build {
    readonly server: Node;
    readonly agents: Node[];
    readonly serverInstance: aws.ec2.Instance;
    readonly publicAddress: pulumi.Output<string>;
    readonly sshPrivateKey: pulumi.Output<string>;
    /** What SSH and the installer's download need: the internet route and the security-group rules. */
    readonly prerequisites: pulumi.Resource[];
    readonly vpcId: pulumi.Output<string>;
    readonly routeTableId: pulumi.Output<string>;
    readonly subnetIds: pulumi.Output<string[]>;
    readonly securityGroupId: pulumi.Output<string>;
}

const UBUNTU_OWNER = "099720109477"; // Canonical
const UBUNTU_NOBLE_AMD64 = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*";
const UBUNTU_USER = "ubuntu";
/** pulumi-command's default is 10 dial errors; a booting VM can refuse SSH for a few minutes. */
const NEW_VM_DIAL_ERROR_LIMIT = 40;
const MAX_AGENTS = 50;
const K3S_VERSION = /^v\d+\.\d+\.\d+\+k3s\d+$/;
/** An OpenSSH public key line: type, base64 body, optional comment. */
const SSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/;

/**
 * A k3s cluster for the mesh: flannel off, no k3s network policy, no kube-proxy when Cilium
 * replaces it, no traefik or servicelb, with the member's pod and service CIDRs. Built either on
 * new EC2 VMs (`ec2`: VPC, public subnet, internet route, security group, ED25519 key pair,
 * Ubuntu 24.04, an Elastic IP for the server) or on machines you already have (`host`,
 * `agentHosts`). Both paths install over SSH with `@pulumi/command` (logging off, secrets on
 * standard input), wait for the API's `/readyz` (nodes stay NotReady until Cilium runs), and
 * read the kubeconfig back as a secret for a `k8s.Provider` with a stable `clusterIdentifier`.
 *
 * AWS provider: as with pulumi-eks's `Cluster` and awsx's components, pass a region's
 * `aws.Provider` as `provider` (or in `providers`) in the resource options; every AWS child and
 * data source inherits it through `parent`. Without one, the default provider (the stack's
 * `aws:region`) is used. The existing-host path creates no AWS resource.
 *
 * Removing the component deletes the VMs it built, but leaves k3s installed on existing hosts
 * (run `k3s-uninstall.sh` there): an uninstall `delete` command would also run when the install
 * command is replaced, after the new install, and wipe the cluster it just reconfigured.
 */
export class K3sCluster extends pulumi.ComponentResource implements MeshCluster {
    public readonly clusterName: string;
    public readonly kind = "k3s" as const;
    /** Kubernetes provider for in-cluster objects; its `clusterIdentifier` is the cluster name. */
    public readonly provider: k8s.Provider;
    /** Kubeconfig pointing at `publicAddress`, cluster/user/context named after the cluster. Secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The server's private address: where nodes (and Cilium's `k8sServiceHost`) reach the API. */
    public readonly apiServerHost: pulumi.Output<string>;
    /** Always 6443. */
    public readonly apiServerPort: pulumi.Output<number>;
    /** Private addresses of the server, then each agent in order. */
    public readonly nodeAddresses: pulumi.Output<string[]>;
    /** The server VM (EC2) or the server's install command (existing host). */
    public readonly deletionAnchor: pulumi.Resource;
    /** Address the operator reaches the API and SSH on: the Elastic IP (EC2) or `host.address`. */
    public readonly publicAddress: pulumi.Output<string>;
    /** EC2 only: the generated SSH key (OpenSSH) of every VM, user `ubuntu`. Secret. */
    public readonly sshPrivateKey?: pulumi.Output<string>;
    /** EC2 only: the new VPC, for peering. */
    public readonly vpcId?: pulumi.Output<string>;
    /** EC2 only: the VPC's CIDR (`ec2.vpcCidr`), for peers' routes and rules. */
    public readonly vpcCidr?: pulumi.Output<string>;
    /** EC2 only: the nodes' subnet, for a Transit Gateway attachment. */
    public readonly subnetIds?: pulumi.Output<string[]>;
    /** EC2 only: the subnet's route table, where routes to peered VPCs go. */
    public readonly routeTableId?: pulumi.Output<string>;
    /**
     * EC2 only: the nodes' security group. It admits 22 and 6443 from `operatorCidrs`, all
     * traffic from the VPC, nothing else; the mesh link adds the peers' rules to it.
     */
    public readonly securityGroupId?: pulumi.Output<string>;

    constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before registering anything, so a bad argument leaves no half-built component behind.
        failOnProblems(`K3sCluster ${name}`, k3sProblems(args), opts);
        super("clustermesh:cluster:K3sCluster", name, {}, opts);
        this.clusterName = args.clusterName;
        const kubeProxyReplacement = args.kubeProxyReplacement ?? true;

        let server: Node;
        let agents: Node[];
        let prerequisites: pulumi.Resource[] = [];
        let serverInstance: aws.ec2.Instance | undefined;
        if (args.ec2) {
            const built = this.buildEc2(name, args.ec2);
            ({ server, agents, prerequisites, serverInstance } = built);
            this.publicAddress = built.publicAddress;
            this.sshPrivateKey = built.sshPrivateKey;
            this.vpcId = built.vpcId;
            this.vpcCidr = pulumi.output(args.ec2.vpcCidr);
            this.routeTableId = built.routeTableId;
            this.subnetIds = built.subnetIds;
            this.securityGroupId = built.securityGroupId;
        } else {
            const host = args.host!;
            const privateKey = pulumi.secret(host.privateKey);
            const node = (h: K3sHost, field: string, role: string): Node => ({
                host: h.address,
                user: h.user ?? UBUNTU_USER,
                port: h.port ?? 22,
                privateKey,
                ...(h.hostKey === undefined
                    ? {}
                    : {
                          hostKey: h.hostKey.trim(),
                          hostKeyCheck: new command.local.Command(
                              `${name}-host-key-${role}`,
                              {
                                  create: hostKeyCheckScript({ field, address: h.address, port: h.port ?? 22, hostKey: h.hostKey }),
                                  triggers: [h.address, h.port ?? 22, h.hostKey.trim()],
                              },
                              { parent: this },
                          ),
                      }),
                privateIp: pulumi.output(h.privateAddress ?? h.address),
            });
            server = node(host, "host.hostKey", "server");
            agents = (args.agentHosts ?? []).map((h, i) => node(h, `agentHosts[${i}].hostKey`, `agent-${i + 1}`));
            this.publicAddress = pulumi.output(host.address);
        }

        // The join token: 48 alphanumerics (special characters would need quoting in config.yaml).
        const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: this, additionalSecretOutputs: ["result"] });
        const tokenValue = pulumi.secret(token.result);

        const serverScript = installScript({ role: "server", version: args.version });
        const serverConfig = pulumi.secret(
            pulumi.all([server.privateIp, this.publicAddress, tokenValue]).apply(([nodeIp, publicAddress, secret]) =>
                serverConfigYaml({ podCIDR: args.podCIDR, serviceCIDR: args.serviceCIDR, nodeIp, tlsSans: [publicAddress], kubeProxyReplacement, token: secret }),
            ),
        );
        const install = this.installCommand(`${name}-install-server`, server, serverScript, serverConfig, prerequisites);
        // Agents join with the server's full token, `K10<ca-hash>::server:<secret>`: the CA hash
        // makes them check the server's CA, where the bare secret would trust whatever answers.
        const joinToken =
            agents.length === 0
                ? undefined
                : new command.remote.Command(
                      `${name}-join-token`,
                      {
                          connection: connection(server),
                          create: READ_JOIN_TOKEN,
                          logging: command.types.enums.remote.Logging.None,
                          addPreviousOutputInEnv: false,
                          // A reinstall (a new server, a new CA) re-reads it.
                          triggers: [install.id],
                      },
                      { parent: this, dependsOn: [install], additionalSecretOutputs: ["stdout", "stderr"] },
                  );
        const secureToken = joinToken ? pulumi.secret(joinToken.stdout.apply((text) => text.trim())) : undefined;
        agents.forEach((agent, i) => {
            const config = pulumi.secret(
                pulumi.all([server.privateIp, agent.privateIp, secureToken!]).apply(([serverIp, nodeIp, secret]) => agentConfigYaml({ serverIp, nodeIp, token: secret })),
            );
            const script = server.privateIp.apply((serverIp) => installScript({ role: "agent", version: args.version, serverIp }));
            this.installCommand(`${name}-install-agent-${i + 1}`, agent, script, config, [install, joinToken!, ...prerequisites]);
        });

        const read = new command.remote.Command(
            `${name}-kubeconfig`,
            {
                connection: connection(server),
                create: READ_KUBECONFIG,
                logging: command.types.enums.remote.Logging.None,
                // Else an update would send the previous kubeconfig back to the host as an
                // environment variable, which stock sshd refuses (pulumi-command #430, #451).
                addPreviousOutputInEnv: false,
                // A reinstall (the install command is replaced on any change) re-reads it.
                triggers: [install.id],
            },
            { parent: this, dependsOn: [install], additionalSecretOutputs: ["stdout", "stderr"] },
        );
        this.kubeconfig = pulumi.secret(pulumi.all([read.stdout, this.publicAddress]).apply(([text, address]) => rewriteKubeconfig(text, address, args.clusterName)));
        this.provider = new k8s.Provider(
            `${name}-provider`,
            // The cluster name, not the kubeconfig, identifies the cluster: a re-read or rotated
            // kubeconfig must not replace every object in it.
            { kubeconfig: this.kubeconfig, clusterIdentifier: args.clusterName },
            { parent: this },
        );
        this.apiServerHost = server.privateIp;
        this.apiServerPort = pulumi.output(K3S_API_PORT);
        this.nodeAddresses = pulumi.all([server.privateIp, ...agents.map((a) => a.privateIp)]);
        this.deletionAnchor = serverInstance ?? install;
        this.registerOutputs({
            kubeconfig: this.kubeconfig,
            apiServerHost: this.apiServerHost,
            apiServerPort: this.apiServerPort,
            nodeAddresses: this.nodeAddresses,
            publicAddress: this.publicAddress,
            sshPrivateKey: this.sshPrivateKey,
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            routeTableId: this.routeTableId,
            securityGroupId: this.securityGroupId,
        });
    }

    /**
     * k3s needs nothing after the CNI: its control plane runs outside pods, and CoreDNS, the
     * metrics server and the local-path provisioner it deploys itself wait (Pending) until
     * Cilium gives the nodes a network. Unlike EKS there is no node group to hold back.
     */
    attachCni(_cni: pulumi.Resource): pulumi.Resource[] {
        return [];
    }

    /**
     * Runs an install script with the node's config.yaml on standard input. `triggers` holds
     * the script, the config's digest and the VM: any change replaces the command, i.e. runs
     * the (idempotent) script again and re-reads the kubeconfig after a server reinstall.
     */
    private installCommand(
        resourceName: string,
        node: Node,
        script: pulumi.Input<string>,
        config: pulumi.Output<string>,
        dependsOn: pulumi.Resource[],
    ): command.remote.Command {
        return new command.remote.Command(
            resourceName,
            {
                connection: connection(node),
                create: script,
                stdin: config,
                logging: command.types.enums.remote.Logging.None,
                // As for the kubeconfig read: stock sshd refuses the variables (pulumi-command #430).
                addPreviousOutputInEnv: false,
                triggers: [script, config.apply(configDigest), ...(node.instance ? [node.instance.id] : [])],
            },
            { parent: this, dependsOn: [...dependsOn, ...(node.hostKeyCheck ? [node.hostKeyCheck] : [])], additionalSecretOutputs: ["stdin", "stdout", "stderr"] },
        );
    }

    private buildEc2(name: string, ec2: K3sEc2Args): Ec2Build {
        const child: pulumi.CustomResourceOptions = { parent: this };
        const invoke: pulumi.InvokeOutputOptions = { parent: this };
        const tags = (role: string): Record<string, string> => ({ Name: `${this.clusterName}-${role}`, "clustermesh/cluster": this.clusterName });

        // The first zone offering the instance type of every VM (server and agents share one).
        const availabilityZone = ec2.availabilityZone ?? offeredZones([ec2.instanceType ?? DEFAULT_K3S_INSTANCE_TYPE], 1, invoke).apply((zones) => zones[0]);
        const network = new AwsNetwork(
            name,
            {
                clusterName: this.clusterName,
                vpcCidr: ec2.vpcCidr,
                // The security group lets in only the operator, the VPC and (later) mesh peers.
                subnets: [{ role: "subnet", associationRole: "routes-association", cidrBlock: nodeSubnetCidr(ec2.vpcCidr), availabilityZone, nameTag: "nodes" }],
                formerParent: this,
            },
            { parent: this },
        );
        const vpc = { id: network.vpcId };
        const subnet = { id: network.subnetIds[0] };

        // No inline rules either (inline and separate rules fight): the mesh link adds its own.
        const group = new aws.ec2.SecurityGroup(`${name}-nodes-sg`, { vpcId: vpc.id, description: `k3s nodes of ${this.clusterName}`, tags: tags("nodes") }, child);
        const ingress = (role: string, description: string, rule: { ipProtocol: string; port?: number; cidrIpv4: string }) =>
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-${role}`,
                {
                    securityGroupId: group.id,
                    description,
                    ipProtocol: rule.ipProtocol,
                    ...(rule.port === undefined ? {} : { fromPort: rule.port, toPort: rule.port }),
                    cidrIpv4: rule.cidrIpv4,
                    tags: tags(role),
                },
                child,
            );
        const operatorRules = ec2.operatorCidrs.flatMap((cidr) => {
            // Named after the CIDR, not its position: reordering the list changes nothing.
            const slug = cidr.replace(/[./]/g, "-");
            return [
                ingress(`ssh-from-${slug}`, "SSH from the operator", { ipProtocol: "tcp", port: 22, cidrIpv4: cidr }),
                ingress(`api-from-${slug}`, "Kubernetes API from the operator", { ipProtocol: "tcp", port: K3S_API_PORT, cidrIpv4: cidr }),
            ];
        });
        // Server and agents: API, kubelet, VXLAN, health checks, and SSH through the server.
        const intraVpc = ingress("intra-vpc", "all traffic between the cluster's nodes", { ipProtocol: "-1", cidrIpv4: ec2.vpcCidr });
        // The AWS provider removes the default allow-all egress of a new group; add it back.
        const egress = new aws.vpc.SecurityGroupEgressRule(
            `${name}-egress`,
            { securityGroupId: group.id, description: "all egress (k3s download, images)", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", tags: tags("egress") },
            child,
        );

        const key = new tls.PrivateKey(`${name}-ssh-key`, { algorithm: "ED25519" }, { parent: this, additionalSecretOutputs: ["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"] });
        const keyPair = new aws.ec2.KeyPair(`${name}-key-pair`, { publicKey: key.publicKeyOpenssh, tags: tags("ssh") }, child);
        const ami = aws.ec2.getAmiOutput(
            {
                owners: [UBUNTU_OWNER],
                mostRecent: true,
                filters: [
                    { name: "name", values: [UBUNTU_NOBLE_AMD64] },
                    { name: "architecture", values: ["x86_64"] },
                    { name: "virtualization-type", values: ["hvm"] },
                ],
            },
            invoke,
        );
        // Each VM's SSH host key is generated here and installed through user data (cloud-init
        // `ssh_keys`), so every SSH connection pins it (`connection.hostKey`): the k3s config
        // with the join token goes only to the VM this program built, never to whoever answers
        // at its address first. The user data holds the private host key: secret.
        const hostKeys = new Map<string, tls.PrivateKey>();
        const vm = (role: string) => {
            const hostKey = new tls.PrivateKey(`${name}-${role}-host-key`, { algorithm: "ED25519" }, { parent: this, additionalSecretOutputs: ["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"] });
            hostKeys.set(role, hostKey);
            return new aws.ec2.Instance(
                `${name}-${role}`,
                {
                    ami: ami.id,
                    userData: pulumi.secret(pulumi.all([hostKey.privateKeyOpenssh, hostKey.publicKeyOpenssh]).apply(([priv, pub]) => hostKeyUserData(priv, pub))),
                    instanceType: ec2.instanceType ?? DEFAULT_K3S_INSTANCE_TYPE,
                    subnetId: subnet.id,
                    vpcSecurityGroupIds: [group.id],
                    keyName: keyPair.keyName,
                    // Cilium routes pod traffic through the node's interface with pod source and
                    // destination addresses, which EC2 drops unless the check is off.
                    sourceDestCheck: false,
                    rootBlockDevice: { volumeSize: 30, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
                    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required" },
                    tags: tags(role),
                },
                // `mostRecent` resolves to a new image whenever Canonical publishes one (every few
                // weeks); a changed `ami` replaces the instance, i.e. wipes the node and its
                // cluster. Existing nodes keep their image (patch them in place); new VMs get the
                // latest.
                { parent: this, ignoreChanges: ["ami"] },
            );
        };
        const pinned = (role: string): pulumi.Output<string> => hostKeys.get(role)!.publicKeyOpenssh.apply((k) => k.trim());
        const serverInstance = vm("server");
        // The association needs the internet gateway in place (AWS: "EIP may require IGW to exist").
        const eip = new aws.ec2.Eip(`${name}-server-eip`, { instance: serverInstance.id, domain: "vpc", tags: tags("server") }, { parent: this, dependsOn: [network.internetGateway] });
        const privateKey = pulumi.secret(key.privateKeyOpenssh);
        const server: Node = {
            host: eip.publicIp,
            user: UBUNTU_USER,
            port: 22,
            privateKey,
            hostKey: pinned("server"),
            dialErrorLimit: NEW_VM_DIAL_ERROR_LIMIT,
            privateIp: serverInstance.privateIp,
            instance: serverInstance,
        };
        const agents = Array.from({ length: ec2.agents ?? 0 }, (_, i): Node => {
            const instance = vm(`agent-${i + 1}`);
            // Agents have no SSH from the internet: they are reached through the server.
            return { host: instance.privateIp, user: UBUNTU_USER, port: 22, privateKey, hostKey: pinned(`agent-${i + 1}`), dialErrorLimit: NEW_VM_DIAL_ERROR_LIMIT, proxy: server, privateIp: instance.privateIp, instance };
        });
        return {
            server,
            agents,
            serverInstance,
            publicAddress: eip.publicIp,
            sshPrivateKey: privateKey,
            prerequisites: [...network.ready, egress, intraVpc, ...operatorRules],
            vpcId: network.vpcId,
            routeTableId: network.routeTableId,
            subnetIds: pulumi.all(network.subnetIds),
            securityGroupId: group.id,
        };
    }
}

/** The SSH connection of a node, secret as a whole (it holds the private key). */
function connection(node: Node): pulumi.Output<command.types.input.remote.ConnectionArgs> {
    const target = (n: Node) => ({
        host: n.host,
        user: n.user,
        port: n.port,
        privateKey: n.privateKey,
        ...(n.hostKey === undefined ? {} : { hostKey: n.hostKey }),
        ...(n.dialErrorLimit === undefined ? {} : { dialErrorLimit: n.dialErrorLimit }),
    });
    return pulumi.secret({ ...target(node), ...(node.proxy ? { proxy: target(node.proxy) } : {}) });
}

function k3sProblems(args: K3sClusterArgs): string[] {
    const problems: string[] = [];
    if (!CLUSTER_NAME_PATTERN.test(args.clusterName ?? "")) {
        problems.push(
            `clusterName ${JSON.stringify(args.clusterName)} is not a Cilium cluster name; use at most 32 lower-case letters, digits and '-', starting and ending with a letter or digit, e.g. west`,
        );
    }
    if (args.host && args.ec2) {
        problems.push("host and ec2 are both set; give exactly one: host (an existing machine reached over SSH) or ec2 (new EC2 VMs)");
    } else if (!args.host && !args.ec2) {
        problems.push("neither host nor ec2 is set; give exactly one: host (an existing machine reached over SSH) or ec2 (new EC2 VMs)");
    }

    const ranges: Array<{ field: string; range: CidrRange }> = [];
    const cidr = (field: string, value: string, example: string): CidrRange | undefined => {
        const range = parseCidr(value);
        if (!range) {
            problems.push(`${field} ${JSON.stringify(value)} is not a CIDR block (address/prefix, no host bits set); write e.g. ${example}`);
        } else {
            ranges.push({ field, range });
        }
        return range;
    };
    cidr("podCIDR", args.podCIDR, "10.11.0.0/16");
    const service = cidr("serviceCIDR", args.serviceCIDR, "10.12.0.0/16");
    if (service && service.last - service.first < 10n) {
        problems.push(`serviceCIDR ${args.serviceCIDR} is too small to hold cluster-dns (its 10th address); use e.g. a /16 such as 10.12.0.0/16`);
    }
    if (args.ec2) {
        const vpc = cidr("ec2.vpcCidr", args.ec2.vpcCidr, "10.10.0.0/16");
        if (vpc && (vpc.family !== "ipv4" || vpc.prefix < 16 || vpc.prefix > 24)) {
            problems.push(`ec2.vpcCidr ${args.ec2.vpcCidr} must be an IPv4 block from /16 to /24; use e.g. 10.10.0.0/16`);
        }
    }
    for (let i = 0; i < ranges.length; i++) {
        for (let j = i + 1; j < ranges.length; j++) {
            if (overlaps(ranges[i].range, ranges[j].range)) {
                problems.push(`${ranges[i].field} ${ranges[i].range.text} overlaps ${ranges[j].field} ${ranges[j].range.text}; give each a separate range`);
            }
        }
    }
    if (!K3S_VERSION.test(args.version ?? "")) {
        problems.push(`version ${JSON.stringify(args.version)} is not a k3s release; write e.g. v1.33.5+k3s1`);
    }

    if (args.host) {
        const nodeIps = new Map<string, string>();
        const hosts: Array<[string, K3sHost]> = [["host", args.host], ...(args.agentHosts ?? []).map((h, i): [string, K3sHost] => [`agentHosts[${i}]`, h])];
        for (const [field, host] of hosts) {
            if (!host.address) {
                problems.push(`${field}.address is empty; give the address you SSH to`);
                continue;
            }
            const ipField = host.privateAddress === undefined ? `${field}.address` : `${field}.privateAddress`;
            const nodeIp = host.privateAddress ?? host.address;
            const address = parseAddress(nodeIp);
            if (!address) {
                problems.push(`${ipField} ${nodeIp} is not an IP address; k3s node-ip and the mesh's node addresses need one: set ${field}.privateAddress to the node's IP`);
            } else {
                const inside = ranges.find((r) => r.range.first <= address.first && address.last <= r.range.last);
                if (inside) {
                    problems.push(`${ipField} ${nodeIp} lies inside ${inside.field} ${inside.range.text}, so node traffic would be routed as pod or service traffic; move ${inside.field}`);
                }
                const other = nodeIps.get(nodeIp);
                if (other) {
                    problems.push(`${ipField} ${nodeIp} is also the node address of ${other}; each node needs its own`);
                }
                nodeIps.set(nodeIp, field);
            }
            if (host.port !== undefined && (!Number.isInteger(host.port) || host.port < 1 || host.port > 65535)) {
                problems.push(`${field}.port ${host.port} is not a TCP port; use 1-65535 (default 22)`);
            }
            if (host.hostKey !== undefined && !SSH_PUBLIC_KEY.test(host.hostKey.trim())) {
                problems.push(`${field}.hostKey is not an SSH public key; write the host's key as ssh-keyscan prints it, without the host name, e.g. ssh-ed25519 AAAAC3Nza...`);
            }
            if (host.user !== undefined && host.user.trim() === "") {
                problems.push(`${field}.user is empty; give an SSH user with passwordless sudo (default ubuntu)`);
            }
        }
    } else if (args.agentHosts?.length) {
        problems.push("agentHosts is set without host; existing agents join an existing server (host); for new VMs use ec2.agents");
    }

    if (args.ec2) {
        const { operatorCidrs, agents, instanceType } = args.ec2;
        if (!operatorCidrs?.length) {
            problems.push("ec2.operatorCidrs is empty; give the address you run pulumi from, e.g. 203.0.113.10/32");
        }
        const seen = new Set<string>();
        for (const text of operatorCidrs ?? []) {
            const range = parseCidr(text);
            if (!range || range.family !== "ipv4") {
                problems.push(`ec2.operatorCidrs entry ${JSON.stringify(text)} is not an IPv4 CIDR block (the VPC has no IPv6); write e.g. 203.0.113.10/32`);
            } else if (range.prefix === 0) {
                problems.push(`ec2.operatorCidrs entry ${text} would open SSH and the Kubernetes API to the whole internet; list only the addresses you run pulumi from, e.g. 203.0.113.10/32`);
            } else if (seen.has(text)) {
                problems.push(`ec2.operatorCidrs lists ${text} twice; list it once`);
            }
            seen.add(text);
        }
        if (agents !== undefined && (!Number.isInteger(agents) || agents < 0 || agents > MAX_AGENTS)) {
            problems.push(`ec2.agents ${agents} is not a whole number from 0 to ${MAX_AGENTS}`);
        }
        if (instanceType !== undefined && (instanceType.trim() === "" || isArmInstanceType(instanceType))) {
            problems.push(`ec2.instanceType ${JSON.stringify(instanceType)} is not an x86 instance type; the node image is Ubuntu 24.04 amd64, use e.g. t3.medium`);
        }
    }

    return problems;
}
