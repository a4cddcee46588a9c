/**
 * What the mesh needs from the network, derived from the mesh's static facts: the security
 * group rules that let peers in (only peer ranges, only ClusterMesh ports, DESIGN §5) and which
 * member owns the VPC peering of each pair. Pure, so the rules are tested without mocks.
 */
import type { MeshMember } from "../../stacks/load";
import { isAwsBuilt } from "../../stacks/validate";

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
export function peerSources(peer: MeshMember): string[] {
    if (isAwsBuilt(peer) && peer.cluster.vpcCIDR) {
        return [peer.cluster.vpcCIDR];
    }
    const hosts = [peer.k3s.host, ...peer.k3s.agentHosts].flatMap((h) => (h ? [h.privateAddress ?? h.address] : []));
    return [...new Set(hosts.filter((a) => /^[\d.]+$/.test(a)).map((a) => `${a}/32`))].sort();
}

/** The ports a member must open to its peers, following its own Cilium settings. */
export function meshPorts(self: MeshMember): PortRule[] {
    const ports: PortRule[] = [
        {
            label: "clustermesh",
            description: "clustermesh-apiserver NodePort",
            protocol: "tcp",
            fromPort: self.cilium.apiserverNodePort,
            toPort: self.cilium.apiserverNodePort,
        },
        { label: "etcd", description: "clustermesh-apiserver etcd", protocol: "tcp", fromPort: 2379, toPort: 2379 },
        { label: "health", description: "Cilium health checks", protocol: "tcp", fromPort: 4240, toPort: 4240 },
        { label: "icmp", description: "Cilium health ICMP echo", protocol: "icmp", fromPort: 8, toPort: 0 },
        { label: "hubble", description: "Hubble peer service", protocol: "tcp", fromPort: 4244, toPort: 4244 },
    ];
    if (self.cilium.routingMode === "tunnel") {
        const port = self.cilium.tunnelProtocol === "geneve" ? 6081 : 8472;
        ports.push({ label: self.cilium.tunnelProtocol, description: `${self.cilium.tunnelProtocol.toUpperCase()} overlay`, protocol: "udp", fromPort: port, toPort: port });
    }
    return ports;
}

/** Every range and port `self` must let in from `peers`, in a stable order. */
export function meshIngress(self: MeshMember, peers: readonly MeshMember[]): MeshIngress {
    const ordered = [...peers].sort((a, b) => a.cluster.id - b.cluster.id);
    const nativePods = self.cilium.routingMode === "native" && self.cilium.ipam !== "eni";
    return {
        sources: ordered.flatMap((peer) => peerSources(peer).map((cidr) => ({ cidr, description: `${peer.cluster.name} nodes` }))),
        // Native routing puts pod addresses on the wire between nodes.
        podSources: nativePods ? ordered.map((peer) => ({ cidr: peer.cluster.podCIDR, description: `${peer.cluster.name} pods` })) : [],
        ports: peers.length > 0 ? meshPorts(self) : [],
    };
}

/**
 * The peers whose VPC peering `self` owns: each AWS pair is owned by its lower cluster id, which
 * requests the peering, accepts it in the peer's region and routes both sides.
 */
export function ownedPeerings(self: MeshMember, peers: readonly MeshMember[]): MeshMember[] {
    if (!isAwsBuilt(self)) {
        return [];
    }
    return peers.filter((p) => isAwsBuilt(p) && p.cluster.id > self.cluster.id).sort((a, b) => a.cluster.id - b.cluster.id);
}
