/**
 * What the mesh needs from the network, derived from the mesh's static facts: the security
 * group rules that let peers in (only peer ranges, only ClusterMesh ports, DESIGN §5) and which
 * member owns the VPC peering of each pair. Pure, so the rules are tested without mocks.
 */
import type { MeshMember } from "../../stacks/load";
import { isAwsBuilt } from "../../stacks/validate";

export interface IngressRule {
    /** Stable role used in the resource name, e.g. `east-vxlan`. */
    readonly role: string;
    readonly description: string;
    readonly protocol: "tcp" | "udp" | "icmp" | "-1";
    /** Port range (for ICMP: type and code). */
    readonly fromPort: number;
    readonly toPort: number;
    /** Source range: a peer's VPC, or a peer host's address. */
    readonly cidr: string;
}

interface PortRule {
    readonly label: string;
    readonly description: string;
    readonly protocol: IngressRule["protocol"];
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

/** Every ingress rule `self` needs from `peers`, in a stable order. */
export function meshIngressRules(self: MeshMember, peers: readonly MeshMember[]): IngressRule[] {
    const rules: IngressRule[] = [];
    for (const peer of [...peers].sort((a, b) => a.cluster.id - b.cluster.id)) {
        const sources = peerSources(peer);
        sources.forEach((cidr, index) => {
            const suffix = sources.length > 1 ? `-${index + 1}` : "";
            for (const port of meshPorts(self)) {
                rules.push({
                    role: `${peer.cluster.name}${suffix}-${port.label}`,
                    description: `${port.description} from ${peer.cluster.name}`,
                    protocol: port.protocol,
                    fromPort: port.fromPort,
                    toPort: port.toPort,
                    cidr,
                });
            }
            if (self.cilium.routingMode === "native" && self.cilium.ipam !== "eni") {
                // Native routing puts pod addresses on the wire between nodes.
                rules.push({ role: `${peer.cluster.name}${suffix}-pods`, description: `pod traffic from ${peer.cluster.name}`, protocol: "-1", fromPort: 0, toPort: 0, cidr: peer.cluster.podCIDR });
            }
        });
    }
    return rules;
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
