/**
 * The plan's stand-ins for what only a deploy knows (node addresses, a load balancer's
 * interfaces), as one function of the stack files: the mock engine assigns them to the
 * resources a stack's own program creates, and `standInEndpoint` computes the same ones for the
 * stack references of every other stack. What a stack dials for a peer is therefore exactly what
 * that peer's own plan exports (the endpoint hop compares them).
 */
import { eksSubnetCidrs } from "../../components/cluster/eks-config";
import { nodeSubnetCidr } from "../../components/cluster/k3s-config";
import { CLUSTERMESH_LOAD_BALANCER_PORT, loadBalancerEndpoint, nodePortEndpoint, type ClusterMeshPeer } from "../../lib/contract";
import { nthAddress, parseCidr, type MeshMember } from "../../stacks";

/** An EC2 instance's private address in its subnet: the server the 10th address, agent N the (10+N)th. */
export function instancePrivateIp(subnetCidr: string, resourceName: string): string {
    const subnet = parseCidr(subnetCidr);
    const agent = /-agent-(\d+)$/.exec(resourceName);
    return subnet ? nthAddress(subnet, 10 + (agent ? Number(agent[1]) : 0)) : "10.0.0.10";
}

/** The address of a load balancer's network interface in a subnet (one per subnet). */
export function loadBalancerInterfaceIp(subnetCidr: string): string {
    const subnet = parseCidr(subnetCidr);
    return subnet ? nthAddress(subnet, 100) : "10.0.0.100";
}

/**
 * Stand-ins for a kind member's node containers on the shared Docker network: Docker hands
 * addresses out from the subnet's start, so they are shown as addresses near it, per member.
 */
export function kindStandInAddresses(m: MeshMember): string[] {
    const subnet = parseCidr(m.kind.networkSubnet);
    if (!subnet) return [];
    // Wrapped inside the subnet (past its network address and gateway), so a high cluster id in a
    // small subnet still gets stand-ins instead of a crash of the plan.
    const room = Number(subnet.last - subnet.first) - 2;
    return Array.from({ length: 1 + m.kind.workers }, (_, i) => nthAddress(subnet, 2 + ((m.cluster.id * 16 + i) % Math.max(room, 1))));
}

/** What `m`'s own plan exports as `clustermeshEndpoint`, computed from its stack file alone. */
export function standInEndpoint(m: MeshMember): ClusterMeshPeer {
    const name = m.cluster.name;
    if (m.cluster.kind === "eks") {
        // The internal NLB's interfaces, one in each of the cluster's two subnets, sorted as EksCluster sorts them.
        return loadBalancerEndpoint(name, m.cluster.vpcCIDR ? eksSubnetCidrs(m.cluster.vpcCIDR).map(loadBalancerInterfaceIp).sort() : []);
    }
    if (m.bgp.enabled && m.bgp.apiserverAddress !== undefined) {
        return nodePortEndpoint(name, [m.bgp.apiserverAddress], CLUSTERMESH_LOAD_BALANCER_PORT);
    }
    if (m.cluster.kind === "kind") {
        return nodePortEndpoint(name, kindStandInAddresses(m), m.cilium.apiserverNodePort);
    }
    if (m.k3s.host) {
        const hosts = [m.k3s.host, ...m.k3s.agentHosts];
        return nodePortEndpoint(name, hosts.map((h) => h.privateAddress ?? h.address), m.cilium.apiserverNodePort);
    }
    const subnet = m.cluster.vpcCIDR ? nodeSubnetCidr(m.cluster.vpcCIDR) : "10.0.0.0/24";
    const vms = [`${name}-server`, ...Array.from({ length: m.k3s.agents }, (_, i) => `${name}-agent-${i + 1}`)];
    return nodePortEndpoint(name, vms.map((vm) => instancePrivateIp(subnet, vm)), m.cilium.apiserverNodePort);
}
