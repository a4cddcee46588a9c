/**
 * Planned addresses for a new member: the next free cluster id and the next free,
 * non-overlapping VPC, pod and service ranges, taken from the mesh's supernets
 * (`clustermesh:mesh.addressing`) or, without them, from the private ranges. Pure: the
 * add-region command writes what this decides.
 */
import { parseCidr } from "../lib/cidr";
import type { MeshMember } from "./load";
import { Suggestions } from "./suggest";
import { factsOfMember } from "./validate";

export interface NewMemberAddresses {
    readonly id: number;
    readonly vpcCIDR: string;
    readonly podCIDR: string;
    readonly serviceCIDR: string;
}

/** The mesh has no room for another member; the message says which space ran out and the fix. */
export class AddressingError extends Error {}

const PRIVATE_POOL = "10.0.0.0/8";

/**
 * Addresses for a member shaped like `template` (its range sizes), joining `members`.
 * `avoidEniIds`: the new member runs in ENI mode, where the chart refuses ids 128-255 and 384-511 (cilium #21330).
 */
export function planNewMember(members: readonly MeshMember[], template: MeshMember, avoidEniIds: boolean): NewMemberAddresses {
    const max = template.cilium.maxConnectedClusters;
    // What every member occupies: ids, VPC, pod and service ranges, existing hosts.
    const taken = new Suggestions(members.map(factsOfMember));
    const id = taken.id(max, avoidEniIds);
    if (id === undefined) {
        throw new AddressingError(
            `every cluster id the mesh allows is taken (1-${max}${avoidEniIds ? " without 128-255 and 384-511, which ENI mode refuses (cilium #21330)" : ""}; ${members.length} members)` +
                (max === 255 ? "; set clustermesh:cilium.maxConnectedClusters: 511 on every member for room up to 511" : ""),
        );
    }
    const planned = template.mesh.addressing;
    const take = (key: "vpcCIDR" | "podCIDR" | "serviceCIDR", supernet: string | undefined, fallbackPrefix: number): string => {
        const pool = parseCidr(supernet ?? PRIVATE_POOL)!;
        const like = template.cluster[key] ? parseCidr(template.cluster[key]) : undefined;
        const prefix = like?.prefix ?? fallbackPrefix;
        const block = taken.block(pool, prefix);
        if (!block) {
            throw new AddressingError(
                `no free /${prefix} is left for ${key} in ${pool.text}${supernet ? " (clustermesh:mesh.addressing)" : ""}; ` +
                    (supernet ? "widen that supernet on every member, or use smaller ranges" : "set clustermesh:mesh.addressing with supernets that have room"),
            );
        }
        return block;
    };
    return {
        id,
        vpcCIDR: take("vpcCIDR", planned?.vpc, 16),
        podCIDR: take("podCIDR", planned?.pods, 16),
        serviceCIDR: take("serviceCIDR", planned?.services, 16),
    };
}
