/**
 * The typed shape of one stack's `clustermesh:*` configuration.
 *
 * Every field carries a description: the README's config reference is generated from these
 * schemas (scripts/config-reference.ts), so a field without one is a documentation bug.
 * The schemas check shape and format only; rules that need other fields or other stacks
 * (id ranges against maxConnectedClusters, CIDR overlaps, agreement across the mesh) live in
 * `validate.ts`, where every problem is reported at once.
 */
import { z } from "zod";
import { parseCidr } from "../lib/cidr";
import { chartArchiveVersion } from "../lib/cilium-version";

import {
    DEFAULT_APISERVER_NODE_PORT,
    DEFAULT_CILIUM_VERSION,
    DEFAULT_ECHO_IMAGE,
    DEFAULT_EKS_INSTANCE_TYPE,
    DEFAULT_EKS_NODES,
    DEFAULT_EKS_VERSION,
    DEFAULT_K3S_INSTANCE_TYPE,
    DEFAULT_K3S_VERSION,
    DEFAULT_KIND_NETWORK,
    DEFAULT_KIND_NETWORK_SUBNET,
    DEFAULT_KIND_NODE_IMAGE,
} from "../lib/defaults";

export { DEFAULT_APISERVER_NODE_PORT, DEFAULT_CILIUM_VERSION, DEFAULT_EKS_VERSION, DEFAULT_K3S_VERSION };

/** A version number part as semver writes it: no leading zero (`1.019.6` is not 1.19.6 to Helm or k3s). */
const NUMBER = "(0|[1-9]\\d*)";
const SEMVER = `${NUMBER}\\.${NUMBER}\\.${NUMBER}`;

const cidr = z
    .string()
    .refine((text) => parseCidr(text) !== undefined, {
        message: "is not a CIDR block; write it as address/prefix with the host bits zero",
    });

/** An OpenSSH public key line: type, base64 body, optional comment. */
export const SSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/;

const hostAddress = z
    .string()
    .min(1)
    .describe("An IP address or DNS name.");

export const clusterKinds = ["k3s", "eks", "kind"] as const;
export type ClusterKind = (typeof clusterKinds)[number];

export const clusterSchema = z
    .strictObject({
        name: z
            .string()
            .describe(
                "Cilium `cluster.name`: unique in the mesh, at most 32 lower-case alphanumerics and '-', starting and ending alphanumeric.",
            ),
        id: z
            .number()
            .int({ message: "must be a whole number" })
            .describe(
                "Cilium `cluster.id`: unique in the mesh, 1-255 (1-511 with maxConnectedClusters 511). EKS clusters cannot use 128-255/384-511 in ENI mode (cilium #21330).",
            ),
        kind: z
            .enum(clusterKinds)
            .describe("How the cluster is built: `k3s` (on an EC2 VM or an existing host), `eks`, or `kind` (Docker containers on the machine running Pulumi)."),
        region: z
            .string()
            .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: "is not an AWS region name such as us-west-2" })
            .optional()
            .describe("AWS region the cluster is built in. Required for clusters built on AWS (EC2 k3s or EKS)."),
        podCIDR: cidr.describe("Pod CIDR (Cilium cluster-pool and k3s `cluster-cidr`). Must not overlap any other CIDR in the mesh."),
        serviceCIDR: cidr.describe("Service CIDR (k3s `service-cidr`). Must not overlap any other CIDR in the mesh."),
        vpcCIDR: cidr
            .optional()
            .describe("VPC CIDR for clusters built on AWS; required there. Must not overlap any other CIDR in the mesh."),
        operatorCIDRs: z
            .array(cidr)
            .default([])
            .describe(
                "Addresses allowed to reach the Kubernetes API (6443) and SSH (22) of AWS-built clusters: the laptop or CI runner running `pulumi up`. Required for AWS-built clusters; nothing else is opened to the internet.",
            ),
        allowWideOperatorCIDRs: z
            .boolean()
            .default(false)
            .describe(
                "Let `operatorCIDRs` together cover more than 65,536 addresses (a /16), e.g. a cloud CI provider's published ranges. Off, wider ranges are refused: `0.0.0.0/1` plus `128.0.0.0/1` would open SSH and 6443 to every address. All of IPv4 is refused even with it. Default false.",
            ),
    })
    .describe("The cluster's identity and addressing (`clustermesh:cluster`).");
export type ClusterConfig = z.infer<typeof clusterSchema>;

const existingHostSchema = z.strictObject({
    address: hostAddress.describe("Address the operator reaches over SSH and on 6443 (put into the kubeconfig and `tls-san`)."),
    privateAddress: hostAddress
        .optional()
        .describe("Address the other mesh members reach this node on (k3s `node-ip`). Default: `address`."),
    user: z.string().min(1).default("ubuntu").describe("SSH user with passwordless sudo. Default `ubuntu`."),
    port: z.number().int().min(1).max(65535).default(22).describe("SSH port. Default 22."),
    hostKey: z
        .string()
        .trim()
        .regex(SSH_PUBLIC_KEY, { message: "is not an SSH public key such as ssh-ed25519 AAAAC3Nza... (a known_hosts line without the host name)" })
        .optional()
        .describe(
            "The host's SSH public key, pinned: `ssh-ed25519 AAAA…` as `ssh-keyscan -t ed25519 <address>` prints it without the host name (check it out of band, e.g. on the host's console: `cat /etc/ssh/ssh_host_ed25519_key.pub`). When set, a host answering with another key stops the install before the join token is sent. Default: not checked.",
        ),
});
export type ExistingHost = z.infer<typeof existingHostSchema>;

export const k3sSchema = z
    .strictObject({
        version: z
            .string()
            .regex(new RegExp(`^v${SEMVER}\\+k3s[1-9]\\d*$`), { message: "is not a k3s release such as v1.33.5+k3s1" })
            .default(DEFAULT_K3S_VERSION)
            .describe(`k3s release (INSTALL_K3S_VERSION). Default \`${DEFAULT_K3S_VERSION}\`.`),
        host: existingHostSchema
            .optional()
            .describe(
                "An existing host to install the k3s server on over SSH; the private key is the secret `clustermesh:sshPrivateKey`. Omit to build a new EC2 VM.",
            ),
        agentHosts: z
            .array(existingHostSchema)
            .default([])
            .describe("Existing hosts joined as k3s agents (with `host`). Same fields as `host`."),
        instanceType: z.string().default(DEFAULT_K3S_INSTANCE_TYPE).describe(`EC2 instance type of new VMs. Default \`${DEFAULT_K3S_INSTANCE_TYPE}\`.`),
        agents: z.number().int().min(0).max(50).default(0).describe("Number of k3s agent VMs built beside a new EC2 server. Default 0."),
    })
    .describe("How a `k3s` cluster is built (`clustermesh:k3s`).");
export type K3sConfig = z.infer<typeof k3sSchema>;

export const eksSchema = z
    .strictObject({
        version: z
            .string()
            .regex(new RegExp(`^1\\.${NUMBER}$`), { message: "is not a Kubernetes minor version such as 1.33" })
            .default(DEFAULT_EKS_VERSION)
            .describe(`Kubernetes version of the control plane. Default \`${DEFAULT_EKS_VERSION}\`.`),
        instanceType: z.string().default(DEFAULT_EKS_INSTANCE_TYPE).describe(`Instance type of the managed node group. Default \`${DEFAULT_EKS_INSTANCE_TYPE}\`.`),
        desiredSize: z.number().int().min(1).default(DEFAULT_EKS_NODES.desired).describe(`Desired node count. Default ${DEFAULT_EKS_NODES.desired}.`),
        minSize: z.number().int().min(1).default(DEFAULT_EKS_NODES.min).describe(`Minimum node count. Default ${DEFAULT_EKS_NODES.min}.`),
        maxSize: z.number().int().min(1).default(DEFAULT_EKS_NODES.max).describe(`Maximum node count. Default ${DEFAULT_EKS_NODES.max}.`),
        encryptSecrets: z
            .boolean()
            .default(false)
            .describe(
                "Envelope-encrypt Kubernetes Secrets with a KMS key (EKS `encryptionConfig`): a new customer-managed key with rotation, or `kmsKeyArn`. Once on, EKS cannot turn it off. Default false.",
            ),
        kmsKeyArn: z
            .string()
            .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/, { message: "is not a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/…" })
            .optional()
            .describe("An existing symmetric KMS key for `encryptSecrets` instead of a new one. Needs `encryptSecrets: true`."),
        logTypes: z
            .array(z.enum(["api", "audit", "authenticator", "controllerManager", "scheduler"]))
            .default([])
            .describe("Control-plane log types sent to CloudWatch Logs (`enabledClusterLogTypes`), e.g. `[api, audit, authenticator]`. CloudWatch charges for them. Default none."),
    })
    .describe("How an `eks` cluster is built (`clustermesh:eks`).");
export type EksConfig = z.infer<typeof eksSchema>;

export const kindSchema = z
    .strictObject({
        workers: z.number().int().min(0).max(10).default(1).describe("Worker nodes beside the control-plane node. Default 1."),
        nodeImage: z
            .string()
            .regex(/^[^\s:]+(:[^\s:]+)?(@sha256:[0-9a-f]{64})?$/, { message: "is not an image reference such as kindest/node:v1.33.1" })
            .default(DEFAULT_KIND_NODE_IMAGE)
            .describe(`kind node image, i.e. the Kubernetes version. Default \`${DEFAULT_KIND_NODE_IMAGE}\`.`),
        network: z
            .string()
            .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { message: "is not a Docker network name such as clustermesh" })
            .default(DEFAULT_KIND_NETWORK)
            .describe(
                `Docker network every kind member of the mesh joins (KIND_EXPERIMENTAL_DOCKER_NETWORK), created if missing: peers reach each other's node containers on it. The same on every kind member. Default \`${DEFAULT_KIND_NETWORK}\`.`,
            ),
        networkSubnet: cidr
            .default(DEFAULT_KIND_NETWORK_SUBNET)
            .describe(
                `IPv4 subnet of that Docker network. Must not overlap any pod or service range of the mesh. The same on every kind member. Default \`${DEFAULT_KIND_NETWORK_SUBNET}\`.`,
            ),
        apiServerPort: z
            .number()
            .int()
            .min(0)
            .max(65535)
            .default(0)
            .describe("Host port of the API server on 127.0.0.1 (kind `networking.apiServerPort`); 0 lets kind pick a free one. Default 0."),
    })
    .describe("How a `kind` cluster is built (`clustermesh:kind`): Kubernetes in Docker on the machine running Pulumi.");
export type KindConfig = z.infer<typeof kindSchema>;

const asn = z.number().int().min(1).max(4294967295);

export const bgpSchema = z
    .strictObject({
        enabled: z.boolean().default(false).describe("Run Cilium's BGP control plane on every node, peering with the routers below. Default false."),
        localASN: asn.optional().describe("The cluster's own autonomous system number (1-4294967295), e.g. 65001. Required with `enabled`."),
        peers: z
            .array(
                z.strictObject({
                    name: z
                        .string()
                        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "is not a DNS-1123 label such as tor-switch" })
                        .describe("Name of the peer (unique in this list), e.g. tor-switch."),
                    address: z.string().min(1).describe("IP address of the router the nodes peer with."),
                    asn: asn.describe("The router's autonomous system number."),
                    authenticated: z
                        .boolean()
                        .default(false)
                        .describe("Authenticate the session with the TCP MD5 password in the secret `clustermesh:bgpPassword`. Default false."),
                    ebgpMultihop: z
                        .number()
                        .int()
                        .min(1)
                        .max(255)
                        .optional()
                        .describe(
                            "TTL of the eBGP session (Cilium's `CiliumBGPPeerConfig` `ebgpMultihop`, 1-255): 2 or more when the router is not on the nodes' own subnet (the hand-run lab uses 2). eBGP only: not with a router in the cluster's own AS. Default: Cilium's 1 (directly connected).",
                        ),
                }),
            )
            .default([])
            .describe("The site's routers every node peers with. At least one with `enabled`."),
        advertise: z
            .strictObject({
                podCIDRs: z.boolean().default(true).describe("Advertise each node's pod range, so the router (and through it every BGP member) routes pods natively. Default true."),
                loadBalancerIPs: z.boolean().default(true).describe("Advertise the addresses LB-IPAM gives LoadBalancer services. Default true."),
            })
            .default({ podCIDRs: true, loadBalancerIPs: true })
            .describe("What the nodes advertise to the routers."),
        loadBalancerPool: cidr
            .optional()
            .describe("Range LB-IPAM hands LoadBalancer services addresses from (a `CiliumLoadBalancerIPPool`). Must not overlap any range of the mesh. Default: no pool."),
        apiserverAddress: z
            .string()
            .optional()
            .describe(
                "Publish the clustermesh-apiserver as a LoadBalancer service at this address of `loadBalancerPool` (advertised over BGP), instead of on the nodes' NodePort. Default: NodePort.",
            ),
    })
    .describe("Cilium's BGP control plane and LB-IPAM (`clustermesh:bgp`), for `k3s` on existing hosts and `kind`.");
export type BgpConfig = z.infer<typeof bgpSchema>;

export const ciliumSchema = z
    .strictObject({
        version: z
            .string()
            .regex(new RegExp(`^${SEMVER}$`), { message: "is not a Cilium release such as 1.20.0" })
            .default(DEFAULT_CILIUM_VERSION)
            .describe(`Cilium Helm chart version. Members at most one minor apart (a rolling upgrade); 1.18.0 is refused (cilium #40848). Default \`${DEFAULT_CILIUM_VERSION}\`.`),
        routingMode: z
            .enum(["tunnel", "native"])
            .default("tunnel")
            .describe("Datapath routing: `tunnel` (overlay) or `native`. Same on every member. Default `tunnel`."),
        tunnelProtocol: z
            .enum(["vxlan", "geneve"])
            .default("vxlan")
            .describe("Overlay protocol with `routingMode: tunnel`. Same on every member. Default `vxlan`."),
        ipam: z
            .enum(["cluster-pool", "eni"])
            .default("cluster-pool")
            .describe(
                "IPAM mode: `cluster-pool` (pods from `podCIDR`, works everywhere) or `eni` (EKS only, native routing, pods from the VPC). Same on every member; a mesh with k3s members uses `cluster-pool`. Default `cluster-pool`.",
            ),
        kubeProxyReplacement: z
            .boolean()
            .default(true)
            .describe("Cilium replaces kube-proxy (k3s runs with `disable-kube-proxy`). Default true."),
        maxConnectedClusters: z
            .union([z.literal(255), z.literal(511)])
            .default(255)
            .describe("Mesh size limit, 255 or 511. Same on every member. Default 255."),
        apiserverNodePort: z
            .number()
            .int()
            .min(30000)
            .max(32767)
            .default(DEFAULT_APISERVER_NODE_PORT)
            .describe(
                `NodePort of the clustermesh-apiserver, the port peers connect to. Distinct per cluster with kube-proxy replacement before 1.18.2 (cilium #24692). Default ${DEFAULT_APISERVER_NODE_PORT}.`,
            ),
        mcsAPI: z
            .boolean()
            .default(false)
            .describe("Enable the Multi-Cluster Services API (ServiceExport, `clusterset.local`). Default false."),
        chart: z
            .string()
            .regex(new RegExp(`(^|/)cilium-${SEMVER}\\.tgz$`), { message: "is not a Cilium chart archive such as /charts/cilium-1.20.0.tgz (the file `helm pull cilium/cilium --version 1.20.0` writes)" })
            .optional()
            .describe(
                "Install the chart from this local archive instead of the Helm repository, for machines without internet (the engine tests use `../shared/reference/cilium-<version>.tgz`). Its file name must carry `version`. An absolute path, or relative to the repository root. Default: the Helm repository.",
            ),
        preflight: z
            .string()
            .regex(new RegExp(`^${SEMVER}$`), { message: "is not a Cilium release such as 1.20.0" })
            .optional()
            .describe(
                "Run Cilium's pre-flight check for the release this member moves to next (upgrade guide, \"Running pre-flight check (Required)\"): a second Helm release, `cilium-preflight`, of that release's chart with only the pre-flight DaemonSet and Deployment, which pull its images on every node and validate the network policies; `pulumi up` waits until they are ready. `clustermesh mesh upgrade` sets it before it moves `version` and removes it in the same step that does. The latest patch of `version`'s minor, or a release one minor up or down. With `chart`, the archive `cilium-<preflight>.tgz` beside it. Default: no pre-flight release.",
            ),
    })
    .superRefine((cilium, ctx) => {
        const archived = cilium.chart === undefined ? undefined : chartArchiveVersion(cilium.chart);
        if (archived !== undefined && archived !== cilium.version) {
            ctx.addIssue({ code: "custom", path: ["chart"], message: `is the chart of Cilium ${archived}, but version is ${cilium.version}; use cilium-${cilium.version}.tgz or set version: ${archived}` });
        }
    })
    .describe("The Cilium release of the cluster (`clustermesh:cilium`).");
export type CiliumConfig = z.infer<typeof ciliumSchema>;

export const meshSchema = z
    .strictObject({
        link: z
            .boolean()
            .default(false)
            .describe(
                "Link this cluster to its peers (read their endpoints from their stack outputs). Leave false until every member is up: a reference to a stack that was never deployed fails the run (pulumi #16591). Default false.",
            ),
        stackPrefix: z
            .string()
            .regex(/^[^/]+\/[^/]+$/, { message: "is not of the form <organization>/<project>" })
            .optional()
            .describe("`<organization>/<project>` of the peer stacks for stack references. Default: this stack's organization and project."),
        addressing: z
            .strictObject({
                vpc: cidr.describe("Supernet the VPC (or host network) ranges of members are taken from."),
                pods: cidr.describe("Supernet the pod ranges of members are taken from."),
                services: cidr.describe("Supernet the service ranges of members are taken from."),
            })
            .optional()
            .describe(
                "Planned addresses: mesh-wide supernets every member's ranges lie in, and that `npm run add-region` takes the next free ranges from. The same on every member. Default: none (add-region searches the private ranges).",
            ),
        quotas: z
            .strictObject({
                securityGroupRules: z
                    .number()
                    .int()
                    .min(60)
                    .max(1000)
                    .default(60)
                    .describe("Inbound rules per security group in this stack's account and region (a rule referencing a prefix list counts as its maxEntries). Default 60, AWS's default."),
                vpcPeerings: z
                    .number()
                    .int()
                    .min(50)
                    .max(125)
                    .default(50)
                    .describe("Active VPC peering connections per VPC. Default 50, AWS's default; at most 125."),
                routesPerTable: z
                    .number()
                    .int()
                    .min(50)
                    .max(1000)
                    .default(50)
                    .describe("Routes per route table. Default 50, AWS's default; at most 1,000."),
            })
            .default({ securityGroupRules: 60, vpcPeerings: 50, routesPerTable: 50 })
            .describe(
                "AWS quotas raised for this stack's account and region, as granted by AWS (Service Quotas). The connectivity check of `npm run plan` holds the planned rules, peerings and routes against them; a raise is declared here, never assumed.",
            ),
        ca: z
            .strictObject({
                generation: z
                    .number()
                    .int()
                    .min(1)
                    .max(1000)
                    .default(1)
                    .describe("The newest mesh CA this member knows, numbered from 1; the CA owner holds this one (and the one before while any member trusts it). Raised by `clustermesh mesh rotate-ca`. Default 1."),
                trustPrevious: z
                    .boolean()
                    .default(false)
                    .describe("Also trust the CA of the generation before (`tls.caBundle`): true while a rotation is under way. Default false."),
                issuer: z
                    .enum(["current", "previous"])
                    .default("current")
                    .describe("Which CA issues this member's clustermesh certificates: `current` (the generation's) or `previous` (the one before, until every member trusts the new one). Default `current`."),
            })
            .default({ generation: 1, trustPrevious: false, issuer: "current" })
            .describe(
                "The mesh CA generations this member trusts and is issued by (`clustermesh mesh rotate-ca` edits it in three waves: trust both, issue from the new, drop the old). Validation refuses any state in which two members would not trust each other. Default: generation 1 only.",
            ),
        externalRoutes: z
            .array(cidr)
            .default([])
            .describe(
                "Ranges this cluster's nodes reach through routes the program does not build (VPN, Direct Connect, a LAN), e.g. an existing-host peer's network. The connectivity check trusts them as declared. Default none.",
            ),
    })
    .describe("How this stack joins the mesh (`clustermesh:mesh`).");
export type MeshConfig = z.infer<typeof meshSchema>;

export const networkTopologies = ["peering", "transit-gateway"] as const;
export type NetworkTopology = (typeof networkTopologies)[number];

export const networkSchema = z
    .strictObject({
        topology: z
            .enum(networkTopologies)
            .default("peering")
            .describe(
                "How the VPCs of AWS-built members reach each other: `peering` (a VPC peering per pair; up to the peering quota) or `transit-gateway` (a Transit Gateway per region, peered between regions; billed per attachment and per GB). The same on every member. Default `peering`.",
            ),
    })
    .describe("How the mesh's networks are joined on AWS (`clustermesh:network`).");
export type NetworkConfig = z.infer<typeof networkSchema>;

export const appSchema = z
    .strictObject({
        enabled: z.boolean().default(true).describe("Deploy the global-service app. Default true."),
        name: z
            .string()
            .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, { message: "is not a DNS-1035 label such as echo" })
            .default("echo")
            .describe("Deployment and Service name. Same in every cluster, or the service is not global. Default `echo`."),
        namespace: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "is not a DNS-1123 label such as mesh-demo" })
            .default("mesh-demo")
            .describe("Namespace of the app. Same in every cluster. Default `mesh-demo`."),
        image: z
            .string()
            .min(1)
            .default(DEFAULT_ECHO_IMAGE)
            .describe(`Container image. The default echoes the answering cluster's name. Default \`${DEFAULT_ECHO_IMAGE}\`.`),
        args: z
            .array(z.string())
            .optional()
            .describe(
                "Container arguments; `$(CLUSTER_NAME)` and `$(PORT)` expand. Default for the echo image: `-listen=:$(PORT)` `-text=$(CLUSTER_NAME)`.",
            ),
        port: z.number().int().min(1).max(65535).default(8080).describe("Container port; the Service listens on 80. Default 8080."),
        replicas: z.number().int().min(0).default(2).describe("Replicas in this cluster. Default 2."),
        shared: z
            .boolean()
            .default(true)
            .describe("`service.cilium.io/shared`: share this cluster's endpoints with the mesh. Default true."),
        affinity: z
            .enum(["none", "local", "remote"])
            .default("none")
            .describe("`service.cilium.io/affinity`: prefer `local` or `remote` endpoints; `none` omits the annotation (cilium #46623). Default `none`."),
        serviceExport: z
            .boolean()
            .default(false)
            .describe("Also create an MCS-API `ServiceExport` (needs `clustermesh:cilium.mcsAPI`). Default false."),
    })
    .describe("The global-service app deployed to the cluster (`clustermesh:app`).");
export type AppConfig = z.infer<typeof appSchema>;

/** The `clustermesh:*` keys a stack file may hold, with their schemas. */
export const stackConfigSchemas = {
    cluster: clusterSchema,
    k3s: k3sSchema,
    eks: eksSchema,
    kind: kindSchema,
    bgp: bgpSchema,
    cilium: ciliumSchema,
    mesh: meshSchema,
    network: networkSchema,
    app: appSchema,
} as const;
export type StackConfigKey = keyof typeof stackConfigSchemas;

/** The key that marks a stack file deliberately outside the mesh (`clustermesh:member: false`). */
export const MEMBER_KEY = "member";

/** Keys that are not sections, with their descriptions (rendered into the config reference). */
export const markerConfigKeys = {
    [MEMBER_KEY]:
        "`false` in a stack file that is deliberately not a mesh member (and holds no `clustermesh:cluster`). Any other stack file without `clustermesh:cluster`, empty ones included, stops every stack's plan, preview and up: removing a member is only ever deliberate (`npm run mesh -- destroy --stacks NAME`).",
} as const;

/** Secret keys, read with `pulumi.Config.requireSecret`, never from the mesh files' plain text. */
export const secretConfigKeys = {
    sshPrivateKey: "Private key (OpenSSH PEM) for `clustermesh:k3s.host`; set with `pulumi config set --secret clustermesh:sshPrivateKey < key`.",
    bgpPassword:
        "TCP MD5 password of the BGP sessions with `authenticated` peers (`clustermesh:bgp.peers[].authenticated`); set with `pulumi config set --secret clustermesh:bgpPassword`.",
} as const;

/** One stack's configuration, defaults applied. */
export interface StackConfig {
    cluster: ClusterConfig;
    k3s: K3sConfig;
    eks: EksConfig;
    kind: KindConfig;
    bgp: BgpConfig;
    cilium: CiliumConfig;
    mesh: MeshConfig;
    network: NetworkConfig;
    app: AppConfig;
}
