/**
 * What each range of the program is used for, and the sizes that use allows: one table, read
 * by validation (stacks/cidr-rules.ts, with the file, key and a free range of the right size)
 * and by the components as their second line. A range that parses (lib/cidr.ts) can still be
 * the wrong family or size for its use: an IPv6 pod range would land in Cilium's IPv4 pool
 * list, a /30 service range has no room for cluster-dns, a /8 VPC is refused by AWS mid-`up`.
 * Neutral: imports lib/ only.
 */
import { parseCidr, type CidrRange, type IpFamily } from "./cidr";

export interface CidrUse {
    /** The family the use takes; undefined: either. */
    readonly family?: IpFamily;
    /** The largest block allowed (smallest prefix length). */
    readonly minPrefix: number;
    /** The smallest block allowed (largest prefix length). */
    readonly maxPrefix: number;
    /** Why these bounds, with the upstream source. */
    readonly why: string;
    /** A range of a fitting size, for fixes. */
    readonly example: string;
}

export const CIDR_USES = {
    /** Cilium cluster-pool: `ipam.operator.clusterPoolIPv4PodCIDRList`, a /24 per node (`clusterPoolIPv4MaskSize: 24`, the chart's default, which values.ts sets). */
    podCIDR: {
        family: "ipv4",
        minPrefix: 8,
        maxPrefix: 24,
        why: "Cilium's cluster-pool IPAM gives each node a /24 from it (clusterPoolIPv4MaskSize 24) and the program fills the IPv4 pool list (clusterPoolIPv4PodCIDRList)",
        example: "10.31.0.0/16",
    },
    /** kube-apiserver `--service-cluster-ip-range`: at most 20 host bits for IPv4 (a /12); cluster-dns is its 10th address. */
    serviceCIDR: {
        family: "ipv4",
        minPrefix: 12,
        maxPrefix: 28,
        why: "kube-apiserver refuses an IPv4 service range larger than a /12 (--service-cluster-ip-range), and cluster-dns is its 10th address",
        example: "10.32.0.0/16",
    },
    /** EKS `kubernetesNetworkConfig.serviceIpv4Cidr`: between /12 and /24 (EKS API reference). */
    eksServiceCIDR: {
        family: "ipv4",
        minPrefix: 12,
        maxPrefix: 24,
        why: "EKS takes a service range (serviceIpv4Cidr) between /12 and /24 (EKS API reference, KubernetesNetworkConfigRequest)",
        example: "10.32.0.0/16",
    },
    /** An EC2 k3s VPC: AWS allows /16 to /28 (VPC user guide, "VPC CIDR blocks"); the nodes' subnet is its first /20, at least a /24. */
    k3sVpcCIDR: {
        family: "ipv4",
        minPrefix: 16,
        maxPrefix: 24,
        why: "AWS allows VPCs from /16 to /28 (VPC user guide: VPC CIDR blocks) and the nodes' subnet needs at least a /24",
        example: "10.30.0.0/16",
    },
    /** An EKS VPC: two /20 subnets in two zones (components/cluster/eks-config.ts, eksSubnetCidrs). */
    eksVpcCIDR: {
        family: "ipv4",
        minPrefix: 16,
        maxPrefix: 19,
        why: "AWS allows VPCs of at most a /16 (VPC user guide) and an EKS cluster's nodes get two /20 subnets in two zones",
        example: "10.30.0.0/16",
    },
    /** Security-group rules of a VPC without IPv6; the width is bounded separately (OPERATOR_RANGE). */
    operatorCIDR: {
        family: "ipv4",
        minPrefix: 0,
        maxPrefix: 32,
        why: "the VPC and its security groups are IPv4 only",
        example: "203.0.113.10/32",
    },
    /** The Docker network of kind members: IPv4 (kind's nodes), room for every node container. */
    kindNetworkSubnet: {
        family: "ipv4",
        minPrefix: 8,
        maxPrefix: 24,
        why: "kind's node containers and this program's Docker network are IPv4, and every kind member's nodes need addresses in it",
        example: "172.30.0.0/16",
    },
    /** Planned supernets of `clustermesh:mesh.addressing`: IPv4 like every range they hold. */
    supernet: {
        family: "ipv4",
        minPrefix: 8,
        maxPrefix: 24,
        why: "every pod, service and VPC range of the mesh is IPv4",
        example: "10.0.0.0/8",
    },
} as const satisfies Record<string, CidrUse>;
export type CidrUseName = keyof typeof CIDR_USES;

/**
 * The widest range of operator addresses let in to SSH and the Kubernetes API without an explicit
 * opt-in: 65,536 addresses (a /16) across every entry. A CI provider's published egress ranges or
 * an office's block fit; `0.0.0.0/1` plus `128.0.0.0/1` (the whole internet in two entries) does not.
 */
export const OPERATOR_RANGE = { maxAddresses: 65536n, widest: "/16" } as const;

/** Why `text` does not fit `use`, or undefined when it does (an unparsable text is the parser's to report). */
export function cidrUseProblem(use: CidrUseName, text: string): string | undefined {
    const range = parseCidr(text);
    if (!range) {
        return undefined;
    }
    return rangeUseProblem(CIDR_USES[use], range);
}

export function rangeUseProblem(use: CidrUse, range: CidrRange): string | undefined {
    if (use.family !== undefined && range.family !== use.family) {
        return `is an ${range.family === "ipv6" ? "IPv6" : "IPv4"} range where an ${use.family === "ipv4" ? "IPv4" : "IPv6"} one is needed: ${use.why}`;
    }
    if (range.prefix < use.minPrefix || range.prefix > use.maxPrefix) {
        return `is a /${range.prefix}, outside /${use.minPrefix} to /${use.maxPrefix}: ${use.why}`;
    }
    return undefined;
}
