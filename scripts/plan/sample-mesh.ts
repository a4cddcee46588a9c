/**
 * node --import tsx scripts/plan/sample-mesh.ts [SIZE]
 *
 * Writes a sample mesh's stack files (stacks/sample-stacks.ts) into a new temporary directory
 * and prints its path. Without SIZE: a linked k3s + EKS (MCS-API) + k3s mesh, which
 * scripts/check-chart.sh plans so linked peers, the EKS load balancer and MCS-API values are
 * checked against the real chart too, not only the shipped stacks. With SIZE: that many k3s
 * members r1..rN, as the benchmark generates them.
 */
import { writeProject, type MemberSpec } from "../../stacks/sample-stacks";

/** `size` k3s members r1..rN with addressing that never overlaps; 511 clusters allowed past 255. */
export function sampleMembers(size: number, options: { link?: boolean } = {}): MemberSpec[] {
    const max = size > 255 ? 511 : 255;
    return Array.from({ length: size }, (_, i) => ({
        stack: `r${i + 1}`,
        id: i + 1,
        block: i + 10,
        cilium: { maxConnectedClusters: max },
        ...(options.link ? { mesh: { link: true } } : {}),
    }));
}

/** The linked three-member mesh scripts/check-chart.sh plans. */
export const LINKED_SAMPLE: readonly MemberSpec[] = [
    { stack: "west", id: 1, mesh: { link: true } },
    { stack: "east", id: 2, kind: "eks", mesh: { link: true }, cilium: { mcsAPI: true }, app: { serviceExport: true } },
    { stack: "north", id: 3, mesh: { link: true } },
];

if (require.main === module) {
    const size = process.argv[2];
    process.stdout.write(writeProject(size === undefined ? LINKED_SAMPLE : sampleMembers(Number(size))));
}
