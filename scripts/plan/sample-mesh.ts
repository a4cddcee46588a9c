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

/** Past this many AWS VPCs, a peered mesh exceeds AWS's default quotas (50 peerings per VPC, 50 routes per table). */
const PEERING_LIMIT = 50;

/**
 * `size` k3s members r1..rN on EC2 with addressing that never overlaps; 511 clusters allowed past
 * 255. Past 50 members they are joined by Transit Gateways with a mesh supernet, as the
 * validation asks of a mesh that large (README: Choosing a topology).
 */
export function sampleMembers(size: number, options: { link?: boolean } = {}): MemberSpec[] {
    const max = size > 255 ? 511 : 255;
    const transit = size > PEERING_LIMIT;
    return Array.from({ length: size }, (_, i) => ({
        stack: `r${i + 1}`,
        id: i + 1,
        block: i + 10,
        cilium: { maxConnectedClusters: max },
        ...(options.link || transit
            ? { mesh: { ...(options.link ? { link: true } : {}), ...(transit ? { addressing: { vpc: "10.0.0.0/8", pods: "10.128.0.0/9", services: "10.128.0.0/9" } } : {}) } }
            : {}),
        ...(transit ? { extra: { "clustermesh:network": { topology: "transit-gateway" } } } : {}),
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
