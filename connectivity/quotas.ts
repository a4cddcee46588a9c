/**
 * AWS quotas that fail a deploy (DESIGN §7), counted over everything the mesh plans: inbound
 * rules per security group (a rule referencing a customer-managed prefix list counts as the
 * list's maxEntries), active VPC peerings per VPC, routes per route table. Each count is held
 * against the quota its owner declares (`clustermesh:mesh.quotas`), AWS's default otherwise.
 */
import type { MeshNetwork } from "./network";
import type { MemberIndex } from "./plans";

export interface QuotaUse {
    readonly quota: "security group rules" | "VPC peerings" | "routes per route table";
    /** The security group, VPC or route table. */
    readonly id: string;
    readonly owner: string;
    readonly used: number;
    readonly limit: number;
}

/**
 * Rules the in-tree AWS cloud provider adds to the nodes' security group for an NLB-published
 * Service (instance targets): client traffic and path-MTU ICMP per source range, and health
 * checks from the VPC (kubernetes/cloud-provider-aws, updateInstanceSecurityGroupsForNLB).
 */
export function loadBalancerRules(member: MemberIndex): number {
    if (member.published?.type !== "LoadBalancer") {
        return 0;
    }
    return 2 * Math.max(1, member.published.sourceRanges?.length ?? 1) + 1;
}

/** Every quota's use, mesh-wide; adds a `quota` problem to each member over one. */
export function checkQuotas(members: readonly MemberIndex[], net: MeshNetwork): QuotaUse[] {
    const uses: QuotaUse[] = [];
    const peeringsPerVpc = new Map<string, number>();
    for (const p of net.peerings.values()) {
        peeringsPerVpc.set(p.vpcId, (peeringsPerVpc.get(p.vpcId) ?? 0) + 1);
        peeringsPerVpc.set(p.peerVpcId, (peeringsPerVpc.get(p.peerVpcId) ?? 0) + 1);
    }
    for (const m of members) {
        if (!m.network) {
            continue;
        }
        // Every use is reported; one past its limit is also a problem of the member.
        const hold = (use: QuotaUse, resource: string, fix: string): void => {
            uses.push(use);
            if (use.used > use.limit) {
                m.problems.push({ hop: "quota", resource, message: `${use.used} ${use.quota} planned for ${use.id}, over the quota of ${use.limit}`, fix });
            }
        };
        const group = m.network.securityGroupId;
        if (group) {
            const rules = net.rules.get(group) ?? [];
            const used = rules.reduce((n, r) => n + (r.prefixListId ? (net.prefixLists.get(r.prefixListId)?.maxEntries ?? 1) : 1), 0) + loadBalancerRules(m);
            hold(
                { quota: "security group rules", id: group, owner: m.stack, used, limit: m.quotas.securityGroupRules },
                `${m.stack}: security group ${group}`,
                "ask AWS for more rules per security group and declare it in clustermesh:mesh.quotas.securityGroupRules, or put the mesh's VPCs under one covering range",
            );
        }
        hold(
            { quota: "VPC peerings", id: m.network.vpcId, owner: m.stack, used: peeringsPerVpc.get(m.network.vpcId) ?? 0, limit: m.quotas.vpcPeerings },
            `${m.stack}: VPC ${m.network.vpcId}`,
            "ask AWS for more active peerings per VPC (at most 125) and declare it in clustermesh:mesh.quotas.vpcPeerings; past 125, use a Transit Gateway",
        );
        hold(
            { quota: "routes per route table", id: m.network.routeTableId, owner: m.stack, used: net.routes.get(m.network.routeTableId)?.all.length ?? 0, limit: m.quotas.routesPerTable },
            `${m.stack}: route table ${m.network.routeTableId}`,
            "ask AWS for more routes per route table (at most 1,000) and declare it in clustermesh:mesh.quotas.routesPerTable, or use a Transit Gateway",
        );
    }
    return uses;
}
