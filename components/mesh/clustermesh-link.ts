import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { STACK_OUTPUTS, toPeer, type ClusterMeshPeer, type MemberNetworkOutputs, type TransitGatewayOutputs } from "../../lib/contract";
import { hubPeerings, regionHubs, type RegionHub, type Topology } from "../../lib/topology";
import { failOnProblems } from "../problems";
import { meshIngress, ownedPeerings, type LinkMember, type MeshIngress } from "./mesh-network";
import { byCodePoint } from "../../lib/order";

/** This member's own network, when it is built on AWS. */
export interface LinkNetworkArgs {
    /** Security group of the nodes; the mesh ingress rules are added to it. */
    securityGroupId: pulumi.Input<string>;
    vpcId: pulumi.Input<string>;
    routeTableId: pulumi.Input<string>;
    /** The subnets a Transit Gateway attachment uses (one per zone). Needed with `topology: transit-gateway`. */
    subnetIds?: pulumi.Input<pulumi.Input<string>[]>;
}

/** The Transit Gateway this member owns as its region's hub (see `TransitGatewayHub`). */
export interface OwnHubArgs {
    transitGatewayId: pulumi.Input<string>;
    routeTableId: pulumi.Input<string>;
}

export interface ClusterMeshLinkArgs {
    /** This member. */
    self: LinkMember;
    /** Every other member of the mesh. */
    peers: readonly LinkMember[];
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
    /**
     * How the VPCs are joined: `peering` (a VPC peering per pair, owned by the lower id) or
     * `transit-gateway` (an attachment to the region's hub; the hub owner peers hubs). Default `peering`.
     */
    topology?: Topology;
    /** With `transit-gateway`: the hub this member owns, when it is its region's lowest cluster id. */
    ownHub?: OwnHubArgs;
    /**
     * With `transit-gateway`: a CIDR covering every VPC of the mesh (`clustermesh:mesh.addressing.vpc`).
     * The VPC route table then holds one route to the hub instead of one per peer VPC. Default none.
     */
    meshSupernet?: string;
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
        failOnProblems(`ClusterMeshLink ${name}`, linkProblems(args), opts);
        super("clustermesh:mesh:ClusterMeshLink", name, {}, opts);
        const departing = new Set(args.departing ?? []);
        const staying = args.peers.filter((p) => !departing.has(p.name) && !departing.has(p.stack));
        this.pendingPeers = args.peers
            .filter((p) => !staying.includes(p) || !args.link)
            .map((p) => ({
                name: p.name,
                reason: !staying.includes(p)
                    ? "departing: removed from the link before its stack is destroyed"
                    : `clustermesh:mesh.link is false in ${args.self.file}; set it to true once ${p.stack} is up (README: Bootstrap order)`,
            }));
        const linked = args.link ? staying : [];
        this.linkedPeers = linked.map((p) => p.name);

        const references = new Map(
            linked.map((p) => [p.stack, new pulumi.StackReference(`${name}-${p.stack}-ref`, { name: `${args.stackPrefix}/${p.stack}` }, { parent: this })]),
        );
        this.peers = pulumi
            .all(linked.map((p) => references
                        .get(p.stack)!
                        .requireOutput(STACK_OUTPUTS.endpoint)
                        .apply((endpoint) => toPeer({ name: p.name, stack: p.stack, file: p.file, defaultPort: p.apiserverNodePort }, endpoint)),))
            .apply((peers) => [...peers].sort((a, b) => byCodePoint(a.name, b.name)));

        this.ingress = meshIngress(args.self, args.network ? staying : []);
        if (args.network) {
            const network = args.network;
            const awsOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.awsProvider };
            const prefixList = (role: string, sources: MeshIngress["sources"]) =>
                new aws.ec2.ManagedPrefixList(
                    `${name}-${role}`,
                    {
                        name: `${args.self.name}-mesh-${role}`,
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
            if ((args.topology ?? "peering") === "peering") {
                this.peerVpcs(name, args, network, linked, references, providerFor);
            } else if (args.link) {
                this.attachToHub(name, args, network, staying, references, providerFor);
            }
        }
        this.registerOutputs({ peers: this.peers, linkedPeers: this.linkedPeers, pendingPeers: this.pendingPeers, ingress: this.ingress });
    }

    /** Each VPC peering this member owns: request, accept in the peer's region, route both sides. */
    private peerVpcs(name: string, args: ClusterMeshLinkArgs, network: LinkNetworkArgs, linked: readonly LinkMember[], references: References, providerFor: ProviderFor): void {
        const awsOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.awsProvider };
        for (const peer of ownedPeerings(args.self, linked)) {
            const peerNetwork = references.get(peer.stack)!.requireOutput(STACK_OUTPUTS.network) as pulumi.Output<MemberNetworkOutputs>;
            const peering = new aws.ec2.VpcPeeringConnection(
                `${name}-peering-${peer.name}`,
                {
                    vpcId: network.vpcId,
                    peerVpcId: peerNetwork.vpcId,
                    peerRegion: peerNetwork.region,
                    autoAccept: false,
                    tags: { Name: `${args.self.name}-${peer.name}`, "clustermesh/pair": `${args.self.name}-${peer.name}` },
                },
                awsOpts,
            );
            const peerProvider = providerFor(peer.aws.region);
            new aws.ec2.VpcPeeringConnectionAccepter(
                `${name}-peering-${peer.name}-accept`,
                { vpcPeeringConnectionId: peering.id, autoAccept: true, tags: { Name: `${args.self.name}-${peer.name}` } },
                { parent: this, provider: peerProvider },
            );
            new aws.ec2.Route(
                `${name}-route-to-${peer.name}`,
                { routeTableId: network.routeTableId, destinationCidrBlock: peer.aws.vpcCidr, vpcPeeringConnectionId: peering.id },
                awsOpts,
            );
            new aws.ec2.Route(
                `${name}-route-from-${peer.name}`,
                { routeTableId: peerNetwork.routeTableId, destinationCidrBlock: args.self.aws!.vpcCidr, vpcPeeringConnectionId: peering.id },
                { parent: this, provider: peerProvider },
            );
        }
    }

    /**
     * Transit: this VPC's attachment to its region's hub and its routes to the mesh; on the hub
     * owner, the peerings to the other hubs it owns (lower owner id), accepted in the peer's
     * region, with static routes both ways for every VPC behind each side. Ownership comes from
     * the static facts of every member, departing ones included: a departing hub owner takes
     * its region's attachments with it, so its Transit Gateway can go; a departing peer hub's
     * peering goes before either side.
     */
    private attachToHub(name: string, args: ClusterMeshLinkArgs, network: LinkNetworkArgs, staying: readonly LinkMember[], references: References, providerFor: ProviderFor): void {
        const awsOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.awsProvider };
        const self = args.self;
        const stays = new Set([self.name, ...staying.map((m) => m.name)]);
        const vpcs = [self, ...args.peers].flatMap((m) => (m.aws ? [{ id: m.id, name: m.name, stack: m.stack, region: m.aws.region, vpcCidr: m.aws.vpcCidr }] : []));
        const hubs = regionHubs(vpcs);
        const mine = hubs.find((h) => h.region === self.aws!.region)!;
        if (!stays.has(mine.owner.name)) {
            return;
        }
        const ownsHub = mine.owner.name === self.name;
        const hubOutputs = (hub: RegionHub<(typeof vpcs)[number]>): pulumi.Output<TransitGatewayOutputs> =>
            hub.owner.name === self.name
                ? pulumi.output({ id: args.ownHub!.transitGatewayId, routeTableId: args.ownHub!.routeTableId, region: hub.region })
                : (references.get(hub.owner.stack)!.requireOutput(STACK_OUTPUTS.transitGateway) as pulumi.Output<TransitGatewayOutputs>);
        const hub = hubOutputs(mine);
        const attachment = new aws.ec2transitgateway.VpcAttachment(
            `${name}-hub-attachment`,
            {
                transitGatewayId: hub.id,
                vpcId: network.vpcId,
                subnetIds: network.subnetIds!,
                dnsSupport: "enable",
                tags: { Name: `${self.name}-mesh-hub`, "clustermesh/cluster": self.name },
            },
            awsOpts,
        );
        const destinations = args.meshSupernet
            ? [{ role: "mesh", cidr: args.meshSupernet }]
            : vpcs.filter((v) => v.name !== self.name && stays.has(v.name)).map((v) => ({ role: v.name, cidr: v.vpcCidr }));
        for (const destination of destinations) {
            new aws.ec2.Route(
                `${name}-route-to-${destination.role}`,
                { routeTableId: network.routeTableId, destinationCidrBlock: destination.cidr, transitGatewayId: hub.id },
                { ...awsOpts, dependsOn: [attachment] },
            );
        }
        if (!ownsHub) {
            return;
        }
        for (const { peer } of hubPeerings(hubs).filter((p) => p.owner === mine && stays.has(p.peer.owner.name))) {
            const peerHub = hubOutputs(peer);
            const peerProvider = providerFor(peer.region);
            const peering = new aws.ec2transitgateway.PeeringAttachment(
                `${name}-hub-peering-${peer.region}`,
                {
                    transitGatewayId: hub.id,
                    peerTransitGatewayId: peerHub.id,
                    peerRegion: peer.region,
                    tags: { Name: `${self.name}-${peer.owner.name}-hubs`, "clustermesh/hubs": `${mine.region}-${peer.region}` },
                },
                awsOpts,
            );
            const accepted = new aws.ec2transitgateway.PeeringAttachmentAccepter(
                `${name}-hub-peering-${peer.region}-accept`,
                { transitGatewayAttachmentId: peering.id, tags: { Name: `${self.name}-${peer.owner.name}-hubs` } },
                { parent: this, provider: peerProvider },
            );
            // TGW peerings propagate nothing: every VPC behind each side gets a static route.
            for (const vpc of peer.members.filter((m) => stays.has(m.name))) {
                new aws.ec2transitgateway.Route(
                    `${name}-hub-route-to-${vpc.name}`,
                    { transitGatewayRouteTableId: hub.routeTableId, destinationCidrBlock: vpc.vpcCidr, transitGatewayAttachmentId: peering.id },
                    { ...awsOpts, dependsOn: [accepted] },
                );
            }
            for (const vpc of mine.members.filter((m) => stays.has(m.name))) {
                new aws.ec2transitgateway.Route(
                    `${name}-hub-${peer.region}-route-to-${vpc.name}`,
                    { transitGatewayRouteTableId: peerHub.routeTableId, destinationCidrBlock: vpc.vpcCidr, transitGatewayAttachmentId: peering.id },
                    { parent: this, provider: peerProvider, dependsOn: [accepted] },
                );
            }
        }
    }
}

type References = ReadonlyMap<string, pulumi.StackReference>;
type ProviderFor = (region: string) => aws.Provider;

function linkProblems(args: ClusterMeshLinkArgs): string[] {
    const problems: string[] = [];
    if (!/^[^/]+\/[^/]+$/.test(args.stackPrefix)) {
        problems.push(`stackPrefix ${args.stackPrefix} is not <organization>/<project>`);
    }
    const unknown = (args.departing ?? []).filter((d) => !args.peers.some((p) => p.name === d || p.stack === d));
    if (unknown.length > 0) {
        problems.push(`departing ${unknown.join(", ")} is not a peer; peers are ${args.peers.map((p) => p.name).join(", ") || "none"}`);
    }
    if (args.network && !args.self.aws) {
        problems.push("network is set but self.aws is not: a member with a VPC needs its region and VPC CIDR");
    }
    if (args.topology === "transit-gateway" && args.network) {
        if (args.network.subnetIds === undefined) {
            problems.push("network.subnetIds is missing; a Transit Gateway attachment needs the VPC's subnets");
        }
        const region = args.self.aws?.region;
        const regionMates = args.peers.filter((p) => p.aws?.region === region && p.id < args.self.id);
        if (regionMates.length === 0 && args.ownHub === undefined) {
            problems.push(`ownHub is missing; ${args.self.name} has the lowest cluster id in ${region} and so owns its Transit Gateway (TransitGatewayHub)`);
        }
        if (regionMates.length > 0 && args.ownHub !== undefined) {
            problems.push(`ownHub is set, but ${regionMates[0].name} owns the hub of ${region} (lower cluster id)`);
        }
    }
    return problems;
}
