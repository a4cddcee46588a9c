/**
 * What the mesh needs from the network, derived from the mesh's static facts: the security
 * group rules that let peers in (only peer ranges, only ClusterMesh ports, DESIGN §5) and which
 * member owns the VPC peering of each pair. Pure, so the rules are tested without mocks.
 */
import { coveringCidr, overlaps, parseCidr } from "../../lib/cidr";

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
    /**
     * The clustermesh-apiserver is published through a load balancer (EKS) rather than a
     * NodePort: the Service's node port is then random and the cloud provider opens it to the
     * load balancer's source ranges itself, so no NodePort rule is added. Default false.
     */
    readonly loadBalancer?: boolean;
}

/** A range peers send from, as an entry of the member's peer prefix list. */
export interface PeerSource {
    readonly cidr: string;
    /** Which peer it belongs to. */
    readonly description: string;
}

/**
 * What a member lets in from its peers: one managed prefix list of peer ranges, referenced by
 * one security-group rule per port. AWS counts a rule that references a customer-managed
 * prefix list as the list's maxEntries (DESIGN §7), so a list of every peer's range would make
 * ports x (N-1) rules and pass the default 60 at 11 members. The list instead holds the
 * smallest range covering the peers in each private block (10/8, 172.16/12, 192.168/16) plus
 * any public host address: at most three entries for an AWS mesh however many members it has.
 *
 * Least privilege still holds where it matters: a private source can only reach this VPC
 * through a route into it, and the only ones are the mesh's own (VPC peerings or the Transit
 * Gateway, and routes declared outside the program), so the covering range admits the same
 * senders as the exact list. Only the ClusterMesh ports are opened, nothing wider (DESIGN §5).
 */
export interface MeshIngress {
    /** Prefix-list entries: the covering range of the peers in each private block, then public host addresses. */
    readonly sources: PeerSource[];
    readonly ports: PortRule[];
}

export interface PortRule {
    readonly label: string;
    readonly description: string;
    /** `-1` for all protocols (native routing: pod traffic on any port). */
    readonly protocol: "tcp" | "udp" | "icmp" | "-1";
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

const PRIVATE_BLOCKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((b) => parseCidr(b)!);

/**
 * The prefix-list entries for `peers`: per private block, the smallest range covering every
 * peer range in it; public addresses as they are. The count depends on the blocks used, not
 * on the number of peers.
 */
export function coveringSources(peers: readonly LinkMember[]): PeerSource[] {
    const groups = new Map<string, { ranges: string[]; names: string[] }>();
    const publicSources: PeerSource[] = [];
    for (const peer of [...peers].sort((a, b) => a.id - b.id)) {
        for (const cidr of peerSources(peer)) {
            const range = parseCidr(cidr);
            const block = range ? PRIVATE_BLOCKS.find((b) => overlaps(b, range) && b.prefix <= range.prefix) : undefined;
            if (!block) {
                publicSources.push({ cidr, description: `${peer.name} nodes` });
                continue;
            }
            const group = groups.get(block.text) ?? { ranges: [], names: [] };
            group.ranges.push(cidr);
            group.names.push(peer.name);
            groups.set(block.text, group);
        }
    }
    const covering = [...groups.values()].map((g) => {
        const names = [...new Set(g.names)];
        // A prefix-list entry's description is at most 255 characters.
        const description = `mesh peers ${names.join(", ")}`;
        return { cidr: coveringCidr(g.ranges), description: description.length <= 255 ? description : `${names.length} mesh peers (${names[0]} … ${names[names.length - 1]})` };
    });
    return [...covering, ...publicSources];
}

/** The ports a member must open to its peers, following its own Cilium settings. */
export function meshPorts(self: Pick<LinkMember, "apiserverNodePort" | "datapath" | "loadBalancer">): PortRule[] {
    const { routingMode, tunnelProtocol } = self.datapath;
    if (routingMode === "native") {
        // Pods talk to pods directly (ENI: pods hold VPC addresses): every protocol from the
        // peers' ranges, which covers the clustermesh-apiserver, health and Hubble ports too.
        return [{ label: "native", description: "pod and node traffic (native routing)", protocol: "-1", fromPort: -1, toPort: -1 }];
    }
    const ports: PortRule[] = [];
    if (!self.loadBalancer) {
        // Behind a load balancer the node port is random and opened by the cloud provider (DESIGN §7).
        ports.push({ label: "clustermesh", description: "clustermesh-apiserver NodePort", protocol: "tcp", fromPort: self.apiserverNodePort, toPort: self.apiserverNodePort });
    }
    ports.push(
        { label: "health", description: "Cilium health checks", protocol: "tcp", fromPort: 4240, toPort: 4240 },
        { label: "icmp", description: "Cilium health ICMP echo", protocol: "icmp", fromPort: 8, toPort: 0 },
        { label: "hubble", description: "Hubble peer service", protocol: "tcp", fromPort: 4244, toPort: 4244 },
    );
    const port = tunnelProtocol === "geneve" ? 6081 : 8472;
    ports.push({ label: tunnelProtocol, description: `${tunnelProtocol.toUpperCase()} overlay`, protocol: "udp", fromPort: port, toPort: port });
    return ports;
}

/** Every range and port `self` must let in from `peers`, in a stable order. */
export function meshIngress(self: LinkMember, peers: readonly LinkMember[]): MeshIngress {
    return {
        sources: coveringSources(peers),
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
