/**
 * How the VPCs of a mesh are joined, decided from static facts alone so that validation
 * (stacks/) and the components agree on who owns what:
 *
 * - `peering`: every pair of VPCs is peered; the lower cluster id of the pair owns it.
 * - `transit-gateway`: one Transit Gateway per region, owned by the region's lowest cluster id
 *   (its hub); hubs are peered pairwise, each pair owned by the lower hub id, which accepts in
 *   the peer's region and writes the static routes on both sides (TGW peerings carry no
 *   propagated routes). Every VPC attaches to its region's hub; routes inside a region propagate.
 *
 * Neutral: imports nothing of the project but lib/.
 */
import { AWS_QUOTAS } from "./aws-quotas";

export type Topology = "peering" | "transit-gateway";

/** A VPC of the mesh, as the topology sees it. */
export interface MeshVpc {
    readonly id: number;
    readonly name: string;
    readonly region: string;
    readonly vpcCidr: string;
}

/** One region's Transit Gateway and the VPCs attached to it. */
export interface RegionHub<T extends MeshVpc> {
    readonly region: string;
    /** The member that owns the Transit Gateway: the region's lowest cluster id. */
    readonly owner: T;
    /** Every VPC of the region, the owner's included, by id. */
    readonly members: readonly T[];
}

/** A peering between two hubs, owned by the one with the lower owner id. */
export interface HubPeering<T extends MeshVpc> {
    readonly owner: RegionHub<T>;
    readonly peer: RegionHub<T>;
}

/** The hubs of a transit mesh, ordered by owner id. */
export function regionHubs<T extends MeshVpc>(vpcs: readonly T[]): RegionHub<T>[] {
    const byRegion = new Map<string, T[]>();
    for (const vpc of [...vpcs].sort((a, b) => a.id - b.id)) {
        byRegion.set(vpc.region, [...(byRegion.get(vpc.region) ?? []), vpc]);
    }
    return [...byRegion.entries()].map(([region, members]) => ({ region, owner: members[0], members })).sort((a, b) => a.owner.id - b.owner.id);
}

/** Every pair of hubs, each once, owned by the lower owner id; ordered by owner then peer. */
export function hubPeerings<T extends MeshVpc>(hubs: readonly RegionHub<T>[]): HubPeering<T>[] {
    const pairs: HubPeering<T>[] = [];
    hubs.forEach((owner, i) => hubs.slice(i + 1).forEach((peer) => pairs.push({ owner, peer })));
    return pairs;
}

/** What each quota-limited thing counts to in the worst case of a mesh, per topology. */
export interface TopologyCounts {
    /** Active VPC peerings of the busiest VPC. */
    readonly vpcPeeringsPerVpc: number;
    /** Routes (non-propagated, the internet route included) in the busiest VPC route table. */
    readonly routesPerRouteTable: number;
    /** Peering attachments of the busiest Transit Gateway. */
    readonly transitGatewayPeeringsPerHub: number;
    /** Routes in the busiest Transit Gateway route table. */
    readonly routesPerTransitGatewayRouteTable: number;
}

/**
 * The counts for `vpcs` joined by `topology`. `meshSupernet`: a CIDR covering every VPC of the
 * mesh (`clustermesh:mesh.addressing.vpc`); with it a transit VPC needs one route to the hub,
 * without it one per other VPC.
 */
export function topologyCounts(vpcs: readonly MeshVpc[], topology: Topology, meshSupernet?: string): TopologyCounts {
    const others = Math.max(vpcs.length - 1, 0);
    if (topology === "peering") {
        return { vpcPeeringsPerVpc: others, routesPerRouteTable: 1 + others, transitGatewayPeeringsPerHub: 0, routesPerTransitGatewayRouteTable: 0 };
    }
    const hubs = regionHubs(vpcs);
    return {
        vpcPeeringsPerVpc: 0,
        routesPerRouteTable: 1 + (others === 0 ? 0 : meshSupernet ? 1 : others),
        transitGatewayPeeringsPerHub: Math.max(hubs.length - 1, 0),
        // Local VPCs propagate, remote ones are static: every VPC of the mesh once.
        routesPerTransitGatewayRouteTable: vpcs.length,
    };
}

/** A count past its quota, with the numbers. */
export interface QuotaExcess {
    readonly quota: keyof TopologyCounts;
    readonly count: number;
    readonly limit: number;
    readonly what: string;
}

/** The quotas `counts` would pass, given the declared (or default) limits. */
export function quotaExcesses(counts: TopologyCounts, limits: Readonly<Record<keyof TopologyCounts, number>>): QuotaExcess[] {
    return (Object.keys(counts) as Array<keyof TopologyCounts>)
        .filter((quota) => counts[quota] > limits[quota])
        .map((quota) => ({ quota, count: counts[quota], limit: limits[quota], what: AWS_QUOTAS[quota].what }));
}

/**
 * The Amazon-side ASN of the Transit Gateway a hub owner builds: a private 32-bit ASN
 * (4200000000-4294967294, RFC 6996) derived from the owner's cluster id, so every hub of the mesh
 * has its own (AWS recommends a unique ASN per peered Transit Gateway, Transit Gateway Guide,
 * "Transit gateway peering attachments") and a hub keeps its ASN as regions are added: ids never
 * change, and changing a Transit Gateway's ASN would replace it.
 */
export const TRANSIT_GATEWAY_ASN_BASE = 4200000000;

export function transitGatewayAsn(ownerClusterId: number): number {
    return TRANSIT_GATEWAY_ASN_BASE + ownerClusterId;
}
