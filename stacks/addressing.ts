/**
 * Planned addresses for a new member: the next free cluster id and the next free,
 * non-overlapping VPC, pod and service ranges, taken from the mesh's supernets
 * (`clustermesh:mesh.addressing`) or, without them, from the private ranges. Pure: the
 * add-region command writes what this decides.
 */
import { firstFreeBlock, parseAddress, parseCidr, type CidrRange } from "../lib/cidr";
import type { MeshMember } from "./load";
import { freeIds } from "./validate";

export interface NewMemberAddresses {
    readonly id: number;
    readonly vpcCIDR: string;
    readonly podCIDR: string;
    readonly serviceCIDR: string;
}

/** The mesh has no room for another member; the message says which space ran out and the fix. */
export class AddressingError extends Error {}

const PRIVATE_POOL = "10.0.0.0/8";

/** Every range the mesh uses already: VPCs, pods, services and existing hosts. */
function usedRanges(members: readonly MeshMember[]): CidrRange[] {
    return members.flatMap((m) => {
        const texts = [m.cluster.vpcCIDR, m.cluster.podCIDR, m.cluster.serviceCIDR].filter((t): t is string => t !== undefined);
        const hosts = [m.k3s.host, ...m.k3s.agentHosts].flatMap((h) => (h ? [h.privateAddress ?? h.address, h.address] : []));
        return [...texts.map((t) => parseCidr(t)), ...hosts.map((a) => parseAddress(a))].filter((r): r is CidrRange => r !== undefined);
    });
}

/**
 * Addresses for a member shaped like `template` (its range sizes), joining `members`.
 * `avoidEniIds`: the new member runs in ENI mode, where the chart refuses ids 128-255 and 384-511 (cilium #21330).
 */
export function planNewMember(members: readonly MeshMember[], template: MeshMember, avoidEniIds: boolean): NewMemberAddresses {
    const max = template.cilium.maxConnectedClusters;
    const id = freeIds(members, max, avoidEniIds)();
    if (id === undefined) {
        throw new AddressingError(
            `every cluster id the mesh allows is taken (1-${max}${avoidEniIds ? " without 128-255 and 384-511, which ENI mode refuses (cilium #21330)" : ""}; ${members.length} members)` +
                (max === 255 ? "; set clustermesh:cilium.maxConnectedClusters: 511 on every member for room up to 511" : ""),
        );
    }
    const used = usedRanges(members);
    const planned = template.mesh.addressing;
    const take = (key: "vpcCIDR" | "podCIDR" | "serviceCIDR", supernet: string | undefined, fallbackPrefix: number): string => {
        const pool = parseCidr(supernet ?? PRIVATE_POOL)!;
        const like = template.cluster[key] ? parseCidr(template.cluster[key]) : undefined;
        const prefix = like?.prefix ?? fallbackPrefix;
        const block = firstFreeBlock(pool, prefix, used);
        if (!block) {
            throw new AddressingError(
                `no free /${prefix} is left for ${key} in ${pool.text}${supernet ? " (clustermesh:mesh.addressing)" : ""}; ` +
                    (supernet ? "widen that supernet on every member, or use smaller ranges" : "set clustermesh:mesh.addressing with supernets that have room"),
            );
        }
        used.push(block);
        return block.text;
    };
    return {
        id,
        vpcCIDR: take("vpcCIDR", planned?.vpc, 16),
        podCIDR: take("podCIDR", planned?.pods, 16),
        serviceCIDR: take("serviceCIDR", planned?.services, 16),
    };
}
