import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { MeshMember } from "../../stacks/load";
import type { ClusterMeshPeer } from "../cilium/values";
import { meshIngress, ownedPeerings, type MeshIngress } from "./mesh-network";

/** What a member's stack exports for its peers (read here through stack references). */
export interface MemberNetworkOutputs {
    readonly vpcId: string;
    readonly vpcCidr: string;
    readonly routeTableId: string;
    readonly region: string;
}

/** This member's own network, when it is built on AWS. */
export interface LinkNetworkArgs {
    /** Security group of the nodes; the mesh ingress rules are added to it. */
    securityGroupId: pulumi.Input<string>;
    vpcId: pulumi.Input<string>;
    routeTableId: pulumi.Input<string>;
}

export interface ClusterMeshLinkArgs {
    /** This member, as loaded from its stack file. */
    self: MeshMember;
    /** Every other member of the mesh. */
    peers: readonly MeshMember[];
    /**
     * Read peers' endpoints from their stack outputs. False while peers may not exist yet: a
     * reference to a never-deployed stack fails the run even inside try/catch (pulumi #16591).
     */
    link: boolean;
    /** Peers leaving the mesh: dropped from the link before their stacks are destroyed. Default none. */
    departing?: readonly string[];
    /** `<organization>/<project>` of the peers' stacks. */
    stackPrefix: string;
    /** This member's AWS network; omitted for clusters on existing hosts (no security groups or peerings). */
    network?: LinkNetworkArgs;
    /** Provider of this member's AWS region. Default: the ambient provider. */
    awsProvider?: aws.Provider;
}

export interface PendingPeer {
    readonly name: string;
    readonly reason: string;
}

/**
 * This cluster's view of its peers: their clustermesh endpoints (for `clustermesh.config.clusters`,
 * what `cilium clustermesh connect` does, but declarative) and, on AWS, the path to them:
 * security-group rules for ClusterMesh ports from peer ranges only, and the VPC peerings this
 * member owns (each pair's lower cluster id requests, accepts in the peer's region and routes
 * both sides).
 */
export class ClusterMeshLink extends pulumi.ComponentResource {
    /** Endpoints of the linked peers, ordered by name. */
    public readonly peers: pulumi.Output<ClusterMeshPeer[]>;
    /** Names of the peers this cluster is linked to. */
    public readonly linkedPeers: string[];
    /** Peers not linked, with the reason. */
    public readonly pendingPeers: PendingPeer[];
    /** The peer ranges and ports let into this member's security group. */
    public readonly ingress: MeshIngress;

    constructor(name: string, args: ClusterMeshLinkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clustermesh:mesh:ClusterMeshLink", name, {}, opts);
        if (!/^[^/]+\/[^/]+$/.test(args.stackPrefix)) {
            throw new Error(`ClusterMeshLink ${name}: stackPrefix ${args.stackPrefix} is not <organization>/<project>`);
        }
        const departing = new Set(args.departing ?? []);
        const unknown = [...departing].filter((d) => !args.peers.some((p) => p.cluster.name === d || p.stack === d));
        if (unknown.length > 0) {
            throw new Error(`ClusterMeshLink ${name}: departing ${unknown.join(", ")} is not a peer; peers are ${args.peers.map((p) => p.cluster.name).join(", ") || "none"}`);
        }
        const staying = args.peers.filter((p) => !departing.has(p.cluster.name) && !departing.has(p.stack));
        this.pendingPeers = args.peers
            .filter((p) => !staying.includes(p) || !args.link)
            .map((p) => ({
                name: p.cluster.name,
                reason: !staying.includes(p)
                    ? "departing: removed from the link before its stack is destroyed"
                    : `clustermesh:mesh.link is false in ${args.self.file}; set it to true once ${p.stack} is up (README: Bootstrap order)`,
            }));
        const linked = args.link ? staying : [];
        this.linkedPeers = linked.map((p) => p.cluster.name);

        const references = new Map(
            linked.map((p) => [p.stack, new pulumi.StackReference(`${name}-${p.stack}-ref`, { name: `${args.stackPrefix}/${p.stack}` }, { parent: this })]),
        );
        this.peers = pulumi
            .all(linked.map((p) => references.get(p.stack)!.requireOutput("clustermeshEndpoint").apply((endpoint) => toPeer(p, endpoint))))
            .apply((peers) => [...peers].sort((a, b) => a.name.localeCompare(b.name)));

        this.ingress = meshIngress(args.self, args.network ? staying : []);
        if (args.network) {
            const network = args.network;
            const awsOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.awsProvider };
            const prefixList = (role: string, sources: MeshIngress["sources"]) =>
                new aws.ec2.ManagedPrefixList(
                    `${name}-${role}`,
                    {
                        name: `${args.self.cluster.name}-mesh-${role}`,
                        addressFamily: "IPv4",
                        maxEntries: sources.length,
                        entries: sources.map((s) => ({ cidr: s.cidr, description: s.description })),
                    },
                    awsOpts,
                );
            if (this.ingress.sources.length > 0) {
                const peersList = prefixList("peers", this.ingress.sources);
                for (const port of this.ingress.ports) {
                    new aws.vpc.SecurityGroupIngressRule(
                        `${name}-from-peers-${port.label}`,
                        {
                            securityGroupId: network.securityGroupId,
                            description: `${port.description} from mesh peers`,
                            ipProtocol: port.protocol,
                            ...(port.protocol === "-1" ? {} : { fromPort: port.fromPort, toPort: port.toPort }),
                            prefixListId: peersList.id,
                        },
                        awsOpts,
                    );
                }
            }
            const peerProviders = new Map<string, aws.Provider>();
            const providerFor = (region: string): aws.Provider => {
                if (!peerProviders.has(region)) {
                    peerProviders.set(region, new aws.Provider(`${name}-aws-${region}`, { region: region as aws.Region }, { parent: this }));
                }
                return peerProviders.get(region)!;
            };
            for (const peer of ownedPeerings(args.self, linked)) {
                const peerNetwork = references.get(peer.stack)!.requireOutput("network") as pulumi.Output<MemberNetworkOutputs>;
                const peering = new aws.ec2.VpcPeeringConnection(
                    `${name}-peering-${peer.cluster.name}`,
                    {
                        vpcId: network.vpcId,
                        peerVpcId: peerNetwork.vpcId,
                        peerRegion: peerNetwork.region,
                        autoAccept: false,
                        tags: { Name: `${args.self.cluster.name}-${peer.cluster.name}`, "clustermesh/pair": `${args.self.cluster.name}-${peer.cluster.name}` },
                    },
                    awsOpts,
                );
                const peerProvider = providerFor(peer.cluster.region!);
                new aws.ec2.VpcPeeringConnectionAccepter(
                    `${name}-peering-${peer.cluster.name}-accept`,
                    { vpcPeeringConnectionId: peering.id, autoAccept: true, tags: { Name: `${args.self.cluster.name}-${peer.cluster.name}` } },
                    { parent: this, provider: peerProvider },
                );
                new aws.ec2.Route(
                    `${name}-route-to-${peer.cluster.name}`,
                    { routeTableId: network.routeTableId, destinationCidrBlock: peer.cluster.vpcCIDR!, vpcPeeringConnectionId: peering.id },
                    awsOpts,
                );
                new aws.ec2.Route(
                    `${name}-route-from-${peer.cluster.name}`,
                    { routeTableId: peerNetwork.routeTableId, destinationCidrBlock: args.self.cluster.vpcCIDR!, vpcPeeringConnectionId: peering.id },
                    { parent: this, provider: peerProvider },
                );
            }
        }
        this.registerOutputs({ peers: this.peers, linkedPeers: this.linkedPeers, pendingPeers: this.pendingPeers, ingress: this.ingress });
    }
}

/** Checks a peer's exported endpoint and turns it into a peer entry (port always set, DESIGN §4). */
export function toPeer(peer: MeshMember, endpoint: unknown): ClusterMeshPeer {
    const e = (endpoint ?? {}) as Partial<ClusterMeshPeer>;
    const ips = Array.isArray(e.ips) ? e.ips.filter((ip): ip is string => typeof ip === "string" && ip.length > 0) : [];
    const port = typeof e.port === "number" ? e.port : peer.cilium.apiserverNodePort;
    if (ips.length === 0 && !e.address) {
        throw new Error(
            `${peer.file}: the stack ${peer.stack} exports no clustermesh endpoint address yet; run pulumi up -s ${peer.stack} first, or set clustermesh:mesh.link false until it is up`,
        );
    }
    return { name: peer.cluster.name, port, ...(e.address ? { address: e.address } : {}), ...(ips.length > 0 ? { ips } : {}) };
}
