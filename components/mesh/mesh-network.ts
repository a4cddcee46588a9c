/**
 * What the mesh needs from the network, derived from the mesh's static facts: the security
 * group rules that let peers in (only peer ranges, only ClusterMesh ports, DESIGN §5) and which
 * member owns the VPC peering of each pair. Pure, so the rules are tested without mocks.
 */

/** How a member's datapath runs: decides the ports its nodes need from peers. */
export interface DatapathSettings {
    /** `tunnel` (overlay) or `native`. */
    readonly routingMode: "tunnel" | "native";
    /** Overlay protocol with `routingMode: tunnel`. */
    readonly tunnelProtocol: "vxlan" | "geneve";
    /** `cluster-pool` (pods from the member's pod CIDR) or `eni` (pods take VPC addresses). */
    readonly ipam: "cluster-pool" | "eni";
}

/** A mesh member as the link sees it: identity, addressing and how its nodes send. */
export interface LinkMember {
    /** Cilium `cluster.name`. */
    readonly name: string;
    /** Cilium `cluster.id`; the lower id of an AWS pair owns its VPC peering. */
    readonly id: number;
    /** The member's stack: peers read its outputs through a stack reference to it. */
    readonly stack: string;
    /** The member's stack file, named in messages. */
    readonly file: string;
    /** The member's pod CIDR. */
    readonly podCidr: string;
    /** NodePort of the member's clustermesh-apiserver: the port opened to peers, and assumed for its endpoint. */
    readonly apiserverNodePort: number;
    /** The member's datapath. */
    readonly datapath: DatapathSettings;
    /** Where the member is built on AWS (region and VPC CIDR); undefined for existing hosts. */
    readonly aws?: { readonly region: string; readonly vpcCidr: string };
    /** Addresses the nodes of a member on existing hosts send from (IPs; names are skipped). Empty on AWS. */
    readonly hostAddresses: readonly string[];
}

/** A range peers send from, as an entry of the member's peer prefix list. */
export interface PeerSource {
    readonly cidr: string;
    /** Which peer it belongs to. */
    readonly description: string;
}

/**
 * What a member lets in from its peers: one managed prefix list of peer ranges and one
 * security-group rule per port referencing it, so the rule count stays the same however large
 * the mesh grows (a rule per peer and port would pass the default 60-rule quota at 11 peers).
 */
export interface MeshIngress {
    /** Peer node ranges (VPCs, or host addresses), ordered by peer id. */
    readonly sources: PeerSource[];
    /** Peer pod ranges, let in on every protocol with native routing only; else empty. */
    readonly podSources: PeerSource[];
    readonly ports: PortRule[];
}

export interface PortRule {
    readonly label: string;
    readonly description: string;
    readonly protocol: "tcp" | "udp" | "icmp";
    readonly fromPort: number;
    readonly toPort: number;
}

/** Addresses a peer's nodes send from: its VPC, or its hosts when it runs on existing machines. */
export function peerSources(peer: LinkMember): string[] {
    if (peer.aws) {
        return [peer.aws.vpcCidr];
    }
    return [...new Set(peer.hostAddresses.filter((a) => /^[\d.]+$/.test(a)).map((a) => `${a}/32`))].sort();
}

/** The ports a member must open to its peers, following its own Cilium settings. */
export function meshPorts(self: Pick<LinkMember, "apiserverNodePort" | "datapath">): PortRule[] {
    const ports: PortRule[] = [
        {
            label: "clustermesh",
            description: "clustermesh-apiserver NodePort",
            protocol: "tcp",
            fromPort: self.apiserverNodePort,
            toPort: self.apiserverNodePort,
        },
        { label: "etcd", description: "clustermesh-apiserver etcd", protocol: "tcp", fromPort: 2379, toPort: 2379 },
        { label: "health", description: "Cilium health checks", protocol: "tcp", fromPort: 4240, toPort: 4240 },
        { label: "icmp", description: "Cilium health ICMP echo", protocol: "icmp", fromPort: 8, toPort: 0 },
        { label: "hubble", description: "Hubble peer service", protocol: "tcp", fromPort: 4244, toPort: 4244 },
    ];
    const { routingMode, tunnelProtocol } = self.datapath;
    if (routingMode === "tunnel") {
        const port = tunnelProtocol === "geneve" ? 6081 : 8472;
        ports.push({ label: tunnelProtocol, description: `${tunnelProtocol.toUpperCase()} overlay`, protocol: "udp", fromPort: port, toPort: port });
    }
    return ports;
}

/** Every range and port `self` must let in from `peers`, in a stable order. */
export function meshIngress(self: LinkMember, peers: readonly LinkMember[]): MeshIngress {
    const ordered = [...peers].sort((a, b) => a.id - b.id);
    const nativePods = self.datapath.routingMode === "native" && self.datapath.ipam !== "eni";
    return {
        sources: ordered.flatMap((peer) => peerSources(peer).map((cidr) => ({ cidr, description: `${peer.name} nodes` }))),
        // Native routing puts pod addresses on the wire between nodes.
        podSources: nativePods ? ordered.map((peer) => ({ cidr: peer.podCidr, description: `${peer.name} pods` })) : [],
        ports: peers.length > 0 ? meshPorts(self) : [],
    };
}

/**
 * The peers whose VPC peering `self` owns: each AWS pair is owned by its lower cluster id, which
 * requests the peering, accepts it in the peer's region and routes both sides.
 */
export function ownedPeerings<T extends LinkMember>(self: LinkMember, peers: readonly T[]): Array<T & { aws: NonNullable<LinkMember["aws"]> }> {
    if (!self.aws) {
        return [];
    }
    return peers
        .filter((p): p is T & { aws: NonNullable<LinkMember["aws"]> } => p.aws !== undefined && p.id > self.id)
        .sort((a, b) => a.id - b.id);
}
