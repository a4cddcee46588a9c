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
    /** Anything else (transit gateway, NAT, network interface): routed, not checked further. */
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

export interface MeshNetwork {
    readonly routes: ReadonlyMap<string, { readonly exact: ReadonlyMap<string, PlannedRoute>; readonly all: readonly PlannedRoute[] }>;
    readonly peerings: ReadonlyMap<string, PlannedPeering>;
    readonly prefixLists: ReadonlyMap<string, PlannedPrefixList>;
    readonly rules: ReadonlyMap<string, readonly PlannedRule[]>;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

export function indexNetwork(plans: readonly MemberPlan[]): MeshNetwork {
    const routes = new Map<string, { exact: Map<string, PlannedRoute>; all: PlannedRoute[] }>();
    const peerings = new Map<string, { -readonly [K in keyof PlannedPeering]: PlannedPeering[K] }>();
    const accepted = new Set<string>();
    const prefixLists = new Map<string, PlannedPrefixList>();
    const rules = new Map<string, PlannedRule[]>();
    for (const plan of plans) {
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
                        other: !str(inputs.vpcPeeringConnectionId) && !str(inputs.gatewayId),
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
                default:
                    break;
            }
        }
    }
    for (const id of accepted) {
        const p = peerings.get(id);
        if (p) {
            p.accepted = true;
        }
    }
    return { routes, peerings, prefixLists, rules };
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
