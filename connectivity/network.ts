/**
 * The mesh's AWS network as planned, across every member's plan: routes by route table,
 * peering connections, prefix lists and security-group rules by group. A pair's owner (the
 * lower id) plans routes into the other member's table, so these are indexed mesh-wide, once.
 */
import type { CidrRange } from "../lib/cidr";
import { parseRange, record, TYPES, where, type MemberPlan } from "./plans";

export interface PlannedRoute {
    readonly destination: CidrRange;
    readonly peeringId?: string;
    readonly gatewayId?: string;
    /** A Transit Gateway: followed through its route table to the peer's VPC (`transitPath`). */
    readonly transitGatewayId?: string;
    /** Anything else (NAT, network interface): routed, not checked further. */
    readonly other: boolean;
    readonly resource: string;
}

export interface PlannedPeering {
    readonly vpcId: string;
    readonly peerVpcId: string;
    readonly accepted: boolean;
    readonly resource: string;
}

export interface PlannedRule {
    readonly protocol: string;
    readonly fromPort: number;
    readonly toPort: number;
    readonly cidr?: CidrRange;
    readonly prefixListId?: string;
    readonly resource: string;
}

export interface PlannedPrefixList {
    readonly entries: readonly CidrRange[];
    /** Entry texts, for the common exact match. */
    readonly texts: ReadonlySet<string>;
    readonly maxEntries: number;
    readonly resource: string;
}

/** A Transit Gateway static route: a destination sent to an attachment (here, a hub peering). */
export interface PlannedTransitRoute {
    readonly destination: CidrRange;
    readonly attachmentId: string;
    readonly resource: string;
}

/** A peering between two Transit Gateways (hubs of two regions). */
export interface PlannedHubPeering {
    readonly transitGatewayId: string;
    readonly peerTransitGatewayId: string;
    readonly accepted: boolean;
    readonly resource: string;
}

/** What a transit mesh plans: attachments, hub route tables, static routes and hub peerings. */
export interface TransitNetwork {
    /** The Transit Gateway each VPC is attached to, by VPC id. */
    readonly attachments: ReadonlyMap<string, { readonly transitGatewayId: string; readonly resource: string }>;
    /** Each Transit Gateway's (default) route table, from its hub owner's `transitGateway` output. */
    readonly routeTables: ReadonlyMap<string, string>;
    /** Static routes by Transit Gateway route table. */
    readonly routes: ReadonlyMap<string, readonly PlannedTransitRoute[]>;
    /** Hub peerings by attachment id. */
    readonly peerings: ReadonlyMap<string, PlannedHubPeering>;
}

export interface MeshNetwork {
    readonly routes: ReadonlyMap<string, { readonly exact: ReadonlyMap<string, PlannedRoute>; readonly all: readonly PlannedRoute[] }>;
    readonly peerings: ReadonlyMap<string, PlannedPeering>;
    readonly prefixLists: ReadonlyMap<string, PlannedPrefixList>;
    readonly rules: ReadonlyMap<string, readonly PlannedRule[]>;
    readonly transit: TransitNetwork;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

export function indexNetwork(plans: readonly MemberPlan[]): MeshNetwork {
    const routes = new Map<string, { exact: Map<string, PlannedRoute>; all: PlannedRoute[] }>();
    const peerings = new Map<string, { -readonly [K in keyof PlannedPeering]: PlannedPeering[K] }>();
    const accepted = new Set<string>();
    const prefixLists = new Map<string, PlannedPrefixList>();
    const rules = new Map<string, PlannedRule[]>();
    const transit = { attachments: new Map<string, { transitGatewayId: string; resource: string }>(), routeTables: new Map<string, string>(), routes: new Map<string, PlannedTransitRoute[]>(), peerings: new Map<string, { -readonly [K in keyof PlannedHubPeering]: PlannedHubPeering[K] }>() };
    const acceptedHubPeerings = new Set<string>();
    for (const plan of plans) {
        const hub = record(plan.outputs.transitGateway);
        if (str(hub.id) && str(hub.routeTableId)) {
            transit.routeTables.set(hub.id as string, hub.routeTableId as string);
        }
        for (const r of plan.resources) {
            const inputs = r.inputs ?? {};
            switch (r.type) {
                case TYPES.route: {
                    const table = str(inputs.routeTableId);
                    const destination = str(inputs.destinationCidrBlock) ? parseRange(inputs.destinationCidrBlock as string) : undefined;
                    if (!table || !destination) {
                        break;
                    }
                    const route: PlannedRoute = {
                        destination,
                        peeringId: str(inputs.vpcPeeringConnectionId),
                        gatewayId: str(inputs.gatewayId),
                        transitGatewayId: str(inputs.transitGatewayId),
                        other: !str(inputs.vpcPeeringConnectionId) && !str(inputs.gatewayId) && !str(inputs.transitGatewayId),
                        // Named only in a failure message: not built for each of a big mesh's routes.
                        get resource() {
                            return where(plan.stack, r);
                        },
                    };
                    const entry = routes.get(table) ?? { exact: new Map<string, PlannedRoute>(), all: [] };
                    entry.exact.set(destination.text, route);
                    entry.all.push(route);
                    routes.set(table, entry);
                    break;
                }
                case TYPES.peering:
                    if (r.id && str(inputs.vpcId) && str(inputs.peerVpcId)) {
                        peerings.set(r.id, {
                            vpcId: inputs.vpcId as string,
                            peerVpcId: inputs.peerVpcId as string,
                            accepted: inputs.autoAccept === true && inputs.peerRegion === undefined,
                            get resource() {
                                return where(plan.stack, r);
                            },
                        });
                    }
                    break;
                case TYPES.accepter:
                    if (str(inputs.vpcPeeringConnectionId) && inputs.autoAccept === true) {
                        accepted.add(inputs.vpcPeeringConnectionId as string);
                    }
                    break;
                case TYPES.prefixList: {
                    const entries = (Array.isArray(inputs.entries) ? inputs.entries : [])
                        .map((e) => str(record(e).cidr))
                        .flatMap((c) => (c ? [parseRange(c)] : []))
                        .filter((c): c is CidrRange => c !== undefined);
                    if (r.id) {
                        prefixLists.set(r.id, {
                            entries,
                            texts: new Set(entries.map((e) => e.text)),
                            maxEntries: typeof inputs.maxEntries === "number" ? inputs.maxEntries : entries.length,
                            resource: where(plan.stack, r),
                        });
                    }
                    break;
                }
                case TYPES.ingressRule: {
                    const group = str(inputs.securityGroupId);
                    if (!group) {
                        break;
                    }
                    const protocol = typeof inputs.ipProtocol === "string" ? inputs.ipProtocol : "-1";
                    const rule: PlannedRule = {
                        protocol: protocol === "all" ? "-1" : protocol,
                        fromPort: typeof inputs.fromPort === "number" ? inputs.fromPort : -1,
                        toPort: typeof inputs.toPort === "number" ? inputs.toPort : -1,
                        cidr: str(inputs.cidrIpv4) ? parseRange(inputs.cidrIpv4 as string) : undefined,
                        prefixListId: str(inputs.prefixListId),
                        resource: where(plan.stack, r),
                    };
                    const list = rules.get(group);
                    if (list) {
                        list.push(rule);
                    } else {
                        rules.set(group, [rule]);
                    }
                    break;
                }
                case TYPES.tgwAttachment:
                    if (str(inputs.vpcId) && str(inputs.transitGatewayId)) {
                        transit.attachments.set(inputs.vpcId as string, { transitGatewayId: inputs.transitGatewayId as string, resource: where(plan.stack, r) });
                    }
                    break;
                case TYPES.tgwRoute: {
                    const table = str(inputs.transitGatewayRouteTableId);
                    const destination = str(inputs.destinationCidrBlock) ? parseRange(inputs.destinationCidrBlock as string) : undefined;
                    const attachmentId = str(inputs.transitGatewayAttachmentId);
                    if (table && destination && attachmentId) {
                        transit.routes.set(table, [...(transit.routes.get(table) ?? []), { destination, attachmentId, resource: where(plan.stack, r) }]);
                    }
                    break;
                }
                case TYPES.tgwPeering:
                    if (r.id && str(inputs.transitGatewayId) && str(inputs.peerTransitGatewayId)) {
                        transit.peerings.set(r.id, {
                            transitGatewayId: inputs.transitGatewayId as string,
                            peerTransitGatewayId: inputs.peerTransitGatewayId as string,
                            accepted: false,
                            resource: where(plan.stack, r),
                        });
                    }
                    break;
                case TYPES.tgwPeeringAccepter:
                    if (str(inputs.transitGatewayAttachmentId)) {
                        acceptedHubPeerings.add(inputs.transitGatewayAttachmentId as string);
                    }
                    break;
                default:
                    break;
            }
        }
    }
    for (const id of acceptedHubPeerings) {
        const p = transit.peerings.get(id);
        if (p) {
            p.accepted = true;
        }
    }
    for (const id of accepted) {
        const p = peerings.get(id);
        if (p) {
            p.accepted = true;
        }
    }
    return { routes, peerings, prefixLists, rules, transit };
}

/**
 * Why traffic from `fromVpc` to `destination` (inside `toVpc`) handed to Transit Gateway
 * `transitGatewayId` would not arrive, or undefined when it does: the source VPC must be
 * attached to that gateway, the destination VPC to a gateway too; within one gateway the
 * attachments' routes propagate, across two a static route in the first gateway's table must
 * send the destination to an accepted peering of the two.
 */
export function transitProblem(net: MeshNetwork, transitGatewayId: string, fromVpc: string, toVpc: string, destination: CidrRange): { resource: string; message: string; fix: string } | undefined {
    const t = net.transit;
    const source = t.attachments.get(fromVpc);
    if (!source || source.transitGatewayId !== transitGatewayId) {
        return {
            resource: `transit gateway ${transitGatewayId}`,
            message: `the VPC ${fromVpc} routes to ${transitGatewayId} but is ${source ? `attached to ${source.transitGatewayId}` : "not attached to it"}`,
            fix: "link the member (clustermesh:mesh.link true) so it attaches its VPC to its region's hub",
        };
    }
    const target = t.attachments.get(toVpc);
    if (!target) {
        return {
            resource: `transit gateway ${transitGatewayId}`,
            message: `the peer VPC ${toVpc} is attached to no Transit Gateway`,
            fix: "link the peer (clustermesh:mesh.link true) so it attaches its VPC to its region's hub",
        };
    }
    if (target.transitGatewayId === transitGatewayId) {
        return undefined; // one hub: the attachments propagate into its default route table
    }
    const table = t.routeTables.get(transitGatewayId);
    const candidates = (table ? t.routes.get(table) : undefined) ?? [];
    let best: PlannedTransitRoute | undefined;
    for (const route of candidates) {
        if (contains(route.destination, destination) && (!best || route.destination.prefix > best.destination.prefix)) {
            best = route;
        }
    }
    if (!best) {
        return {
            resource: `transit gateway ${transitGatewayId}${table ? ` route table ${table}` : ""}`,
            message: `no static route to ${destination.text}, which sits behind ${target.transitGatewayId} (Transit Gateway peerings propagate nothing)`,
            fix: "link both hub owners so the lower one plans the hub peering and the static routes both ways",
        };
    }
    const peering = t.peerings.get(best.attachmentId);
    const joins =
        peering &&
        ((peering.transitGatewayId === transitGatewayId && peering.peerTransitGatewayId === target.transitGatewayId) ||
            (peering.peerTransitGatewayId === transitGatewayId && peering.transitGatewayId === target.transitGatewayId));
    if (!peering || !joins) {
        return {
            resource: best.resource,
            message: `sends ${destination.text} to ${best.attachmentId}, which is not a peering of ${transitGatewayId} and ${target.transitGatewayId}`,
            fix: "route each remote region's VPCs through the peering of the two hubs",
        };
    }
    if (!peering.accepted) {
        return { resource: peering.resource, message: "the hub peering is never accepted, so it never becomes available", fix: "add a PeeringAttachmentAccepter in the peer hub's region" };
    }
    return undefined;
}

export function contains(outer: CidrRange, inner: CidrRange): boolean {
    return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

/** The most specific route of `table` covering `destination`, as AWS picks it. */
export function routeFor(net: MeshNetwork, table: string, destination: CidrRange): PlannedRoute | undefined {
    const entry = net.routes.get(table);
    if (!entry) {
        return undefined;
    }
    const exact = entry.exact.get(destination.text);
    if (exact) {
        return exact;
    }
    let best: PlannedRoute | undefined;
    for (const r of entry.all) {
        if (contains(r.destination, destination) && (!best || r.destination.prefix > best.destination.prefix)) {
            best = r;
        }
    }
    return best;
}

export function covers(outer: readonly CidrRange[], inner: CidrRange): boolean {
    // A plain loop: this runs several times per pair, and a closure per call shows at 255 members.
    for (const o of outer) {
        if (contains(o, inner)) {
            return true;
        }
    }
    return false;
}

/** Whether a rule of `group` lets `source` in on `protocol`/`port` (ICMP: any echo rule). */
export function admits(net: MeshNetwork, group: string, source: CidrRange, protocol: string, port: number): PlannedRule | undefined {
    for (const rule of net.rules.get(group) ?? []) {
        const protocolOk = rule.protocol === "-1" || rule.protocol === protocol;
        const portOk = rule.protocol === "-1" || protocol === "icmp" || (rule.fromPort <= port && port <= rule.toPort);
        if (!protocolOk || !portOk) {
            continue;
        }
        if (rule.cidr && contains(rule.cidr, source)) {
            return rule;
        }
        if (rule.prefixListId) {
            const list = net.prefixLists.get(rule.prefixListId);
            if (list && (list.texts.has(source.text) || covers(list.entries, source))) {
                return rule;
            }
        }
    }
    return undefined;
}

const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"].map((p) => parseRange(p)!);

/** Whether a range is private (RFC 1918, shared address space, IPv6 ULA): no internet gateway carries it. */
export function isPrivate(range: CidrRange): boolean {
    return covers(PRIVATE, range);
}
