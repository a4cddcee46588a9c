/**
 * Every range of every member held against its use (lib/cidr-uses.ts): the family and size the
 * program and the cloud take, the EKS service range's own rules, and the operator ranges'
 * width. What a component would refuse mid-`up` (after the CA and providers were registered)
 * is refused here, before anything, with the file, the key and a free range that fits.
 */
import { CIDR_USES, OPERATOR_RANGE, rangeUseProblem, type CidrUseName } from "../lib/cidr-uses";
import { parseCidr, type CidrRange } from "../lib/cidr";
import { isAwsBuilt } from "./build";
import type { MeshMember } from "./load";
import type { Problem } from "./problems";
import type { Suggestions } from "./suggest";

/** The key that lets a stack open SSH and 6443 to more than OPERATOR_RANGE, explicitly. */
export const WIDE_OPERATOR_KEY = "clustermesh:cluster.allowWideOperatorCIDRs";

const PRIVATE_IPV4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((r) => parseCidr(r)!);

/** Addresses covered by `ranges` together (overlaps counted once). */
function coveredAddresses(ranges: readonly CidrRange[]): bigint {
    const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let total = 0n;
    let end = -1n;
    for (const r of sorted) {
        if (r.last <= end) continue;
        const start = r.first > end ? r.first : end + 1n;
        total += r.last - start + 1n;
        end = r.last;
    }
    return total;
}

export function checkRangeUses(members: readonly MeshMember[], suggestions: Suggestions): Problem[] {
    const problems: Problem[] = [];
    for (const m of members) {
        const check = (key: string, text: string | undefined, use: CidrUseName): CidrRange | undefined => {
            const range = text === undefined ? undefined : parseCidr(text);
            if (!range) return undefined;
            const problem = rangeUseProblem(CIDR_USES[use], range);
            if (problem) {
                const example = CIDR_USES[use].example;
                const sized = range.family === "ipv4" && range.prefix >= CIDR_USES[use].minPrefix && range.prefix <= CIDR_USES[use].maxPrefix ? text! : example;
                const free = use === "operatorCIDR" ? example : (suggestions.range(sized) ?? example);
                problems.push({ file: m.file, key, value: text, message: problem, fix: `use a range that fits, e.g. ${free}${use === "operatorCIDR" ? "" : " (free in the whole mesh)"}` });
                return undefined;
            }
            return range;
        };
        check("clustermesh:cluster.podCIDR", m.cluster.podCIDR, "podCIDR");
        const service = check("clustermesh:cluster.serviceCIDR", m.cluster.serviceCIDR, m.cluster.kind === "eks" ? "eksServiceCIDR" : "serviceCIDR");
        if (service && m.cluster.kind === "eks" && !PRIVATE_IPV4.some((p) => p.first <= service.first && service.last <= p.last)) {
            problems.push({
                file: m.file,
                key: "clustermesh:cluster.serviceCIDR",
                value: m.cluster.serviceCIDR,
                message: "lies outside 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16, which EKS requires of a service range (serviceIpv4Cidr)",
                fix: `use a private range, e.g. ${suggestions.range("10.32.0.0/16") ?? "10.32.0.0/16"} (free in the whole mesh)`,
            });
        }
        if (isAwsBuilt(m)) {
            check("clustermesh:cluster.vpcCIDR", m.cluster.vpcCIDR, m.cluster.kind === "eks" ? "eksVpcCIDR" : "k3sVpcCIDR");
            const operators: CidrRange[] = [];
            const seen = new Set<string>();
            m.cluster.operatorCIDRs.forEach((text, i) => {
                const key = `clustermesh:cluster.operatorCIDRs[${i}]`;
                if (seen.has(text)) {
                    problems.push({ file: m.file, key, value: text, message: "is listed twice", fix: "list each range once" });
                    return;
                }
                seen.add(text);
                const range = check(key, text, "operatorCIDR");
                if (range) operators.push(range);
            });
            const covered = coveredAddresses(operators);
            const everything = 1n << 32n;
            if (covered >= everything) {
                problems.push({
                    file: m.file,
                    key: "clustermesh:cluster.operatorCIDRs",
                    value: operators.length === 1 ? operators[0].text : m.cluster.operatorCIDRs,
                    message: operators.length === 1 ? "opens SSH and the Kubernetes API to the whole internet" : "covers every IPv4 address together, which opens SSH and the Kubernetes API to the whole internet",
                    fix: "list only the addresses you run pulumi from, e.g. 203.0.113.10/32",
                });
            } else if (covered > OPERATOR_RANGE.maxAddresses && !m.cluster.allowWideOperatorCIDRs) {
                problems.push({
                    file: m.file,
                    key: "clustermesh:cluster.operatorCIDRs",
                    value: m.cluster.operatorCIDRs,
                    message: `opens SSH and the Kubernetes API to ${covered.toLocaleString("en-US")} addresses, more than the ${OPERATOR_RANGE.maxAddresses.toLocaleString("en-US")} (one ${OPERATOR_RANGE.widest}) allowed without saying so`,
                    fix: `list only the addresses you run pulumi from, e.g. 203.0.113.10/32; if the wide range is meant, add ${WIDE_OPERATOR_KEY.replace("clustermesh:cluster.", "")}: true under clustermesh:cluster`,
                });
            }
        }
        if (m.cluster.kind === "kind") {
            check("clustermesh:kind.networkSubnet", m.kind.networkSubnet, "kindNetworkSubnet");
        }
        if (m.mesh.addressing) {
            check("clustermesh:mesh.addressing.vpc", m.mesh.addressing.vpc, "supernet");
            check("clustermesh:mesh.addressing.pods", m.mesh.addressing.pods, "supernet");
            check("clustermesh:mesh.addressing.services", m.mesh.addressing.services, "supernet");
        }
    }
    return problems;
}
