/**
 * What the connectivity model reads: the plan documents `npm run plan -- --stack X --json`
 * prints (only the fields used here), and the index built once per member from the planned
 * resources' inputs and the stack's outputs. Nothing here reads a stack file: the model checks
 * what would be built, not what was meant.
 */
import { AWS_QUOTAS } from "../lib/aws-quotas";
import { parseAddress, parseCidr, type CidrRange } from "../lib/cidr";
import { chartArchiveVersion, ciliumAtLeast } from "../lib/cilium-version";
import { certificateBlocks } from "../lib/mesh-ca";
import { CLUSTERMESH_CERTIFICATE_SECRETS, PREFLIGHT_RELEASE_NAME } from "../components/cilium/values";
import { readinessProblems } from "./readiness";

/** One planned resource, as in a plan document. */
export interface PlannedResource {
    /** Its URN, which `dependencies` name it by; hand-built plans (tests) without one use the name. */
    readonly urn?: string;
    readonly type: string;
    readonly name: string;
    readonly id?: string;
    /** URN of the parent component. */
    readonly parent?: string;
    /** URNs (or, without URNs, names) of everything it waits for, through its inputs or `dependsOn`. */
    readonly dependencies?: readonly string[];
    readonly inputs?: Readonly<Record<string, unknown>>;
}

/** The part of a plan document the model reads. */
export interface MemberPlan {
    readonly stack: string;
    readonly cluster: { readonly name: string; readonly serviceCIDR?: string; readonly kind?: string };
    readonly mesh: { readonly linkedPeers: readonly string[]; readonly pendingPeers: ReadonlyArray<{ readonly name: string; readonly reason: string }> };
    readonly resources: readonly PlannedResource[];
    readonly outputs: Readonly<Record<string, unknown>>;
}

export const TYPES = {
    release: "kubernetes:helm.sh/v3:Release",
    vpc: "aws:ec2/vpc:Vpc",
    route: "aws:ec2/route:Route",
    peering: "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
    accepter: "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    prefixList: "aws:ec2/managedPrefixList:ManagedPrefixList",
    certRequest: "tls:index/certRequest:CertRequest",
    signedCert: "tls:index/locallySignedCert:LocallySignedCert",
    eksCluster: "aws:eks/cluster:Cluster",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    addon: "aws:eks/addon:Addon",
    configMap: "kubernetes:core/v1:ConfigMap",
    clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    tgwAttachment: "aws:ec2transitgateway/vpcAttachment:VpcAttachment",
    tgwPeering: "aws:ec2transitgateway/peeringAttachment:PeeringAttachment",
    tgwPeeringAccepter: "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter",
    tgwRoute: "aws:ec2transitgateway/route:Route",
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    lbPool: "kubernetes:cilium.io/v2:CiliumLoadBalancerIPPool",
    secret: "kubernetes:core/v1:Secret",
} as const;

/**
 * The Cilium chart version a Helm release installs: its `version` from the repository, or the
 * version in a local archive's name (`cilium-1.20.0.tgz`, clustermesh:cilium.chart); undefined
 * for any other chart.
 */
export function ciliumChartVersion(inputs: Readonly<Record<string, unknown>>): string | undefined {
    const chart = typeof inputs.chart === "string" ? inputs.chart : "";
    if (chart === "cilium") {
        return typeof inputs.version === "string" ? inputs.version : undefined;
    }
    return chartArchiveVersion(chart);
}

function trustedCas(values: Record<string, unknown>, issuer: string | undefined): string[] {
    const bundle = record(record(values.tls).caBundle);
    if (bundle.enabled === true) {
        // Without content the chart creates no ConfigMap and mounts it optionally: nothing is trusted.
        return typeof bundle.content === "string" ? certificateBlocks(bundle.content) : [];
    }
    return issuer ? certificateBlocks(issuer) : [];
}

/**
 * The clustermesh-apiserver certificate Secrets the chart mounts but will not write itself, and
 * that no planned Secret provides: with `tls.auto.enabled` false, 1.20 writes none (certificates
 * as values are refused), 1.18 and 1.19 none once `enableSecrets` is false.
 */
function missingCertificateSecrets(values: Record<string, unknown>, version: string | undefined, secrets: readonly PlannedResource[]): string[] {
    const tls = record(record(record(values.clustermesh).apiserver).tls);
    if (record(values.clustermesh).useAPIServer !== true || record(tls.auto).enabled !== false) {
        return [];
    }
    const chartWrites = version !== undefined && !ciliumAtLeast(version, 1, 20) && tls.enableSecrets !== false;
    if (chartWrites) {
        return [];
    }
    const planned = new Set(
        secrets.filter((r) => (record(r.inputs?.metadata).namespace ?? "default") === "kube-system").map((r) => record(r.inputs?.metadata).name),
    );
    return Object.values(CLUSTERMESH_CERTIFICATE_SECRETS).filter((name) => !planned.has(name));
}

/** AWS quotas that fail a deploy, as a member declares them (stack output `meshQuotas`). */
export interface AwsQuotas {
    /** Inbound rules per security group; a rule referencing a prefix list counts as its maxEntries. */
    readonly securityGroupRules: number;
    /** Active VPC peering connections per VPC. */
    readonly vpcPeerings: number;
    /** Routes per route table. */
    readonly routesPerTable: number;
}

/** AWS's defaults (DESIGN §7); raised values are declared in `clustermesh:mesh.quotas`, never assumed. */
export const DEFAULT_QUOTAS: AwsQuotas = {
    securityGroupRules: AWS_QUOTAS.securityGroupRules.default,
    vpcPeerings: AWS_QUOTAS.vpcPeeringsPerVpc.default,
    routesPerTable: AWS_QUOTAS.routesPerRouteTable.default,
};

/** A problem of one member alone; every pair it is part of fails on it. */
export interface MemberProblem {
    readonly hop: Hop;
    readonly resource: string;
    readonly message: string;
    readonly fix: string;
}

export type Hop =
    | "endpoint"
    | "certificate"
    | "port"
    | "route"
    | "admission"
    | "tunnel"
    | "health"
    | "pod-route"
    | "native-cidr"
    | "install"
    | "dns"
    | "quota";

export interface PeerEntry {
    readonly port?: number;
    readonly ips?: readonly string[];
    readonly address?: string;
}

/** How a member's clustermesh-apiserver is published, read from its Helm values. */
export interface Published {
    readonly type: "NodePort" | "LoadBalancer";
    /** NodePort, or the load balancer's port (the Service port, 2379). */
    readonly port: number;
    /** `loadBalancerSourceRanges`; undefined when not set (the load balancer admits everything). */
    readonly sourceRanges?: readonly CidrRange[];
    /** The Helm release that renders the Service. */
    readonly resource: string;
}

export interface MemberIndex {
    readonly stack: string;
    readonly name: string;
    /** How the cluster is built: decides where CoreDNS takes extra zones. */
    readonly kind: "eks" | "k3s" | "kind";
    readonly linkedPeers: ReadonlySet<string>;
    readonly pending: ReadonlyMap<string, string>;
    /** `clustermesh.config.clusters` by peer name. */
    readonly entries: ReadonlyMap<string, PeerEntry>;
    /** `clustermesh.config.domain` (the chart's default `mesh.cilium.io`). */
    readonly meshDomain: string;
    readonly published?: Published;
    /** The endpoint this member's own plan exports (`clustermeshEndpoint`): what its peers must dial. */
    readonly exported?: PeerEntry;
    /** The server certificate's names and the CA that signed it. */
    readonly server?: { readonly resource: string; readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[]; readonly caCertPem?: string };
    /** The CA that issued the client certificate this member presents to its peers (the remote certificate). */
    readonly clientCaCertPem?: string;
    /**
     * The CA certificates this member validates its peers against: `tls.caBundle` when it is on
     * (it overrides every certificate's `ca.crt`), else the `ca.crt` of its certificates, their issuer.
     */
    readonly trustedCaCertPems: readonly string[];
    /** Where the chart reads the clustermesh-apiserver certificates from, and the ones that are not planned there. */
    readonly certificateSources: { readonly missingSecrets: readonly string[]; readonly resource: string };
    readonly network?: { readonly vpcId: string; readonly vpcCidr: CidrRange; readonly routeTableId: string; readonly securityGroupId?: string };
    /** Where this member's nodes send from: its VPC, or its hosts' addresses. */
    readonly nodeRanges: readonly CidrRange[];
    /** Its pod ranges (cluster-pool list; the VPC in ENI mode). */
    readonly podRanges: readonly CidrRange[];
    readonly routing: { readonly mode: string; readonly tunnelProtocol: string; readonly nativeCidr?: CidrRange; readonly eni: boolean };
    /** Ranges routed outside the program (VPN, Direct Connect, a LAN), declared in `clustermesh:mesh.externalRoutes`. */
    readonly externalRoutes: readonly CidrRange[];
    readonly quotas: AwsQuotas;
    /** VPC and service ranges: what `ipv4NativeRoutingCIDR` must not cover. */
    readonly nonPodRanges: readonly CidrRange[];
    readonly problems: MemberProblem[];
}

export function record(value: unknown): Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function strings(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

const parsed = new Map<string, CidrRange | undefined>();

/**
 * A CIDR block or a bare address (as a /32 or /128). Remembered: a mesh names the same few
 * hundred ranges tens of thousands of times (every route, every pair).
 */
export function parseRange(text: string): CidrRange | undefined {
    if (!parsed.has(text)) {
        parsed.set(text, parseCidr(text) ?? parseAddress(text));
    }
    return parsed.get(text);
}

function ranges(texts: readonly string[]): CidrRange[] {
    return texts.map(parseRange).filter((r): r is CidrRange => r !== undefined);
}

/** `stack/name` of a planned resource, as messages name it. */
export function where(stack: string, r: PlannedResource | string): string {
    return `${stack}: ${typeof r === "string" ? r : `${r.type} ${r.name}`}`;
}

function quotasOf(value: unknown): AwsQuotas {
    const q = record(value);
    const n = (key: keyof AwsQuotas): number => {
        const v = q[key];
        return typeof v === "number" ? v : DEFAULT_QUOTAS[key];
    };
    return { securityGroupRules: n("securityGroupRules"), vpcPeerings: n("vpcPeerings"), routesPerTable: n("routesPerTable") };
}

/** Indexes one member's plan: everything a pair check needs, read once. */
export function indexMember(plan: MemberPlan): MemberIndex {
    const byType = new Map<string, PlannedResource[]>();
    for (const r of plan.resources) {
        const list = byType.get(r.type);
        if (list) {
            list.push(r);
        } else {
            byType.set(r.type, [r]);
        }
    }
    const of = (type: string): PlannedResource[] => byType.get(type) ?? [];
    // The member's own release, not the pre-flight check beside it during an upgrade.
    const release = of(TYPES.release).find((r) => r.inputs?.name !== PREFLIGHT_RELEASE_NAME);
    const values = record(release?.inputs?.values);
    const clustermesh = record(values.clustermesh);
    const config = record(clustermesh.config);
    const entries = new Map<string, PeerEntry>();
    for (const raw of Array.isArray(config.clusters) ? config.clusters : []) {
        const e = record(raw);
        if (typeof e.name === "string") {
            entries.set(e.name, {
                port: typeof e.port === "number" ? e.port : undefined,
                ips: Array.isArray(e.ips) ? strings(e.ips) : undefined,
                address: typeof e.address === "string" ? e.address : undefined,
            });
        }
    }
    const service = record(record(clustermesh.apiserver).service);
    const releaseName = release ? where(plan.stack, release) : where(plan.stack, "the Cilium Helm release");
    // A LoadBalancer Service of the program's own in front of the clustermesh-apiserver (the
    // LB-IPAM path, created after its pool) publishes it instead of the chart's NodePort.
    const ownService = of(TYPES.service).find(
        (r) => record(r.inputs?.spec).type === "LoadBalancer" && record(record(r.inputs?.spec).selector)["k8s-app"] === "clustermesh-apiserver",
    );
    const ownPorts = Array.isArray(record(ownService?.inputs?.spec).ports) ? (record(ownService?.inputs?.spec).ports as unknown[]) : [];
    const published: Published | undefined = ownService
        ? { type: "LoadBalancer", port: typeof record(ownPorts[0]).port === "number" ? (record(ownPorts[0]).port as number) : 2379, resource: where(plan.stack, ownService) }
        : release
        ? service.type === "LoadBalancer"
            ? {
                  type: "LoadBalancer",
                  // The chart's Service port; the node port behind it is random (DESIGN §7).
                  port: typeof service.port === "number" ? service.port : 2379,
                  sourceRanges: Array.isArray(service.loadBalancerSourceRanges) ? ranges(strings(service.loadBalancerSourceRanges)) : undefined,
                  resource: releaseName,
              }
            : { type: "NodePort", port: typeof service.nodePort === "number" ? service.nodePort : 32379, resource: releaseName }
        : undefined;

    // The clustermesh-apiserver's certificates: the CSR with the server names, and the CA of the signed certificates.
    const signed = of(TYPES.signedCert);
    const csrs = of(TYPES.certRequest);
    const serverCsr = csrs.find((r) => r.name.endsWith("-server-csr"));
    const caOf = (suffix: string): string | undefined => {
        const cert = signed.find((r) => r.name.endsWith(suffix));
        // One block, as the trust bundle is read: the CA is compared by its certificate.
        return typeof cert?.inputs?.caCertPem === "string" ? certificateBlocks(cert.inputs.caCertPem)[0] : undefined;
    };
    const server = serverCsr
        ? {
              resource: where(plan.stack, serverCsr),
              dnsNames: strings(serverCsr.inputs?.dnsNames),
              ipAddresses: strings(serverCsr.inputs?.ipAddresses),
              caCertPem: caOf("-server-cert"),
          }
        : undefined;

    const networkOut = record(plan.outputs.network);
    const vpcCidr = typeof networkOut.vpcCidr === "string" ? parseCidr(networkOut.vpcCidr) : undefined;
    const network =
        vpcCidr && typeof networkOut.vpcId === "string" && typeof networkOut.routeTableId === "string"
            ? {
                  vpcId: networkOut.vpcId,
                  vpcCidr,
                  routeTableId: networkOut.routeTableId,
                  securityGroupId: typeof networkOut.securityGroupId === "string" ? networkOut.securityGroupId : undefined,
              }
            : undefined;
    const endpoint = record(plan.outputs.clustermeshEndpoint);
    const nodeRanges = network ? [network.vpcCidr] : ranges(strings(endpoint.ips));

    const ipam = record(values.ipam);
    const eni = ipam.mode === "eni";
    const podRanges = eni && network ? [network.vpcCidr] : ranges(strings(record(ipam.operator).clusterPoolIPv4PodCIDRList));
    const nativeCidr = typeof values.ipv4NativeRoutingCIDR === "string" ? parseCidr(values.ipv4NativeRoutingCIDR) : undefined;
    const eksCluster = of(TYPES.eksCluster)[0];
    const serviceCidr = typeof record(eksCluster?.inputs?.kubernetesNetworkConfig).serviceIpv4Cidr === "string"
        ? (record(eksCluster?.inputs?.kubernetesNetworkConfig).serviceIpv4Cidr as string)
        : plan.cluster.serviceCIDR;
    const nonPodRanges = [...(network ? [network.vpcCidr] : []), ...(serviceCidr ? ranges([serviceCidr]) : [])];

    const member: MemberIndex = {
        stack: plan.stack,
        name: plan.cluster.name,
        kind: eksCluster ? "eks" : plan.cluster.kind === "kind" ? "kind" : "k3s",
        linkedPeers: new Set(plan.mesh.linkedPeers),
        pending: new Map(plan.mesh.pendingPeers.map((p) => [p.name, p.reason])),
        entries,
        meshDomain: typeof config.domain === "string" ? config.domain : "mesh.cilium.io",
        published,
        exported: Object.keys(endpoint).length > 0
            ? {
                  port: typeof endpoint.port === "number" ? endpoint.port : undefined,
                  ips: Array.isArray(endpoint.ips) ? strings(endpoint.ips) : undefined,
                  address: typeof endpoint.address === "string" ? endpoint.address : undefined,
              }
            : undefined,
        server,
        clientCaCertPem: caOf("-remote-cert"),
        trustedCaCertPems: trustedCas(values, caOf("-server-cert")),
        certificateSources: { missingSecrets: missingCertificateSecrets(values, ciliumChartVersion(release?.inputs ?? {}), of(TYPES.secret)), resource: releaseName },
        network,
        nodeRanges,
        podRanges,
        routing: {
            mode: typeof values.routingMode === "string" ? values.routingMode : "tunnel",
            tunnelProtocol: typeof values.tunnelProtocol === "string" ? values.tunnelProtocol : "vxlan",
            nativeCidr,
            eni,
        },
        externalRoutes: ranges(strings(plan.outputs.externalRoutes)),
        quotas: quotasOf(plan.outputs.meshQuotas),
        nonPodRanges,
        problems: [],
    };
    member.problems.push(...readinessProblems(plan, member.kind), ...dnsProblems(plan, member.kind, values, of));
    return member;
}

function mcsEnabled(values: Record<string, unknown>): boolean {
    const clustermesh = record(values.clustermesh);
    return clustermesh.enableMCSAPISupport === true || record(clustermesh.mcsapi).enabled === true;
}

function corednsAutoConfigure(values: Record<string, unknown>): boolean {
    return mcsEnabled(values) && record(record(record(values.clustermesh).mcsapi).corednsAutoConfigure).enabled === true;
}

/**
 * MCS-API DNS: `clusterset.local` must be served. The chart's auto-configure edits the
 * `coredns` ConfigMap, which k3s rewrites on every start (k3s #4397); k3s reads extra zones
 * from `coredns-custom`, EKS's CoreDNS add-on from its `corefile` configuration value. kind
 * runs kubeadm's CoreDNS, whose `coredns` ConfigMap stays as edited: the auto-configure serves.
 */
function dnsProblems(plan: MemberPlan, kind: "eks" | "k3s" | "kind", values: Record<string, unknown>, of: (type: string) => PlannedResource[]): MemberProblem[] {
    if (!mcsEnabled(values)) {
        return [];
    }
    const mentions = (value: unknown): boolean => JSON.stringify(value ?? null).includes("clusterset.local");
    const custom = of(TYPES.configMap).find((c) => record(c.inputs?.metadata).name === "coredns-custom" && mentions(c.inputs?.data));
    const addon = of(TYPES.addon).find((a) => a.inputs?.addonName === "coredns" && mentions(a.inputs?.configurationValues));
    const auto = corednsAutoConfigure(values);
    const served = kind === "k3s" ? custom !== undefined : kind === "kind" ? auto : addon !== undefined || auto;
    const rbac = auto || of(TYPES.clusterRole).some((r) => JSON.stringify(r.inputs?.rules ?? []).includes("serviceimports"));
    if (served && rbac) {
        return [];
    }
    const resource = where(plan.stack, kind === "k3s" ? "ConfigMap kube-system/coredns-custom" : kind === "kind" ? "ConfigMap kube-system/coredns" : "the CoreDNS add-on");
    return [
        {
            hop: "dns",
            resource,
            message: !served
                ? kind === "k3s"
                    ? `MCS-API is on but nothing adds the clusterset.local zone to CoreDNS where k3s keeps it${auto ? " (the chart's auto-configure edits the coredns ConfigMap, which k3s rewrites on every start, k3s #4397)" : ""}`
                    : "MCS-API is on but nothing adds the clusterset.local zone to CoreDNS"
                : "CoreDNS is not allowed to list and watch ServiceImports",
            fix: !served
                ? kind === "k3s"
                    ? "serve clusterset.local from the coredns-custom ConfigMap (a clusterset.server entry)"
                    : kind === "kind"
                      ? "turn on the chart's CoreDNS auto-configure (clustermesh.mcsapi.corednsAutoConfigure, Cilium 1.19+)"
                      : "give the CoreDNS add-on a corefile that serves clusterset.local"
                : "bind a ClusterRole allowing list/watch on serviceimports.multicluster.x-k8s.io to CoreDNS",
        },
    ];
}
