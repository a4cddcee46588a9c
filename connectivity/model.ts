/**
 * The connectivity model of a whole mesh: given the plan of every member (resources with their
 * inputs, stack outputs), decides for every ordered pair A -> B whether A's Cilium can reach
 * B's and their nodes can carry the data plane, naming the first hop that fails. Pure: plans
 * in, a report out. Indexing is once per member and once for the mesh's network; each pair is
 * then a handful of map lookups, so 255 members (64,770 pairs) take well under a second.
 */
import { overlaps } from "../lib/cidr";
import { checkPair, type DataPlaneCache, type PairResult } from "./hops";
import { indexNetwork } from "./network";
import { indexMember, type MemberIndex, type MemberPlan } from "./plans";
import { checkQuotas, type QuotaUse } from "./quotas";

export interface ConnectivityReport {
    /** Members by stack name, in the order given. */
    readonly members: string[];
    /** Every ordered pair, row by row (from the first member to every other, ...). */
    readonly pairs: PairResult[];
    readonly quotas: QuotaUse[];
    readonly summary: { readonly ok: number; readonly notLinked: number; readonly failed: number };
}

/** `ipv4NativeRoutingCIDR` must cover pod ranges only, or VPC/service traffic is not masqueraded (DESIGN §7). */
function nativeCidrProblems(members: readonly MemberIndex[]): void {
    const nonPod = members.flatMap((m) => m.nonPodRanges.map((range) => ({ range, owner: m.name })));
    for (const m of members) {
        const cidr = m.routing.nativeCidr;
        if (m.routing.mode !== "native" || !cidr) {
            continue;
        }
        const hit = nonPod.find((n) => overlaps(cidr, n.range));
        if (hit) {
            m.problems.push({
                hop: "native-cidr",
                resource: m.published?.resource ?? m.stack,
                message: `ipv4NativeRoutingCIDR ${cidr.text} also covers ${hit.range.text} of ${hit.owner} (a VPC or service range): traffic there is not masqueraded`,
                fix: "use a native-routing range covering the members' pod CIDRs only, or routingMode tunnel",
            });
        }
    }
}

export function checkConnectivity(plans: readonly MemberPlan[]): ConnectivityReport {
    const members = plans.map(indexMember);
    const net = indexNetwork(plans);
    nativeCidrProblems(members);
    const quotas = checkQuotas(members, net);
    const pairs: PairResult[] = [];
    const cache: DataPlaneCache = new Map();
    for (const a of members) {
        for (const b of members) {
            if (a !== b) {
                pairs.push(checkPair(net, a, b, cache));
            }
        }
    }
    const count = (status: PairResult["status"]) => pairs.filter((p) => p.status === status).length;
    return { members: members.map((m) => m.stack), pairs, quotas, summary: { ok: count("ok"), notLinked: count("not linked"), failed: count("fail") } };
}

/** Only the pairs `stack` is part of (`npm run plan -- --stack X`). */
export function pairsOf(report: ConnectivityReport, stack: string): PairResult[] {
    return report.pairs.filter((p) => p.from === stack || p.to === stack);
}
