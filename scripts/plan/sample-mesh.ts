/**
 * Sample meshes for the plan's own checks and the benchmark: stack files generated for any
 * number of members, with addressing that never overlaps. Shipped code (the benchmark,
 * scripts/check-chart.sh) uses these rather than the tests' fixtures.
 *
 * node --import tsx scripts/plan/sample-mesh.ts [SIZE]
 *   writes a mesh into a new temporary directory and prints its path: without SIZE, a linked
 *   k3s + EKS (MCS-API) + k3s mesh, so scripts/check-chart.sh checks linked peers, the EKS load
 *   balancer and MCS-API values against the real chart; with SIZE, that many k3s members.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";

type Section = Record<string, unknown>;

export interface SampleMember {
    readonly stack: string;
    readonly id: number;
    /** Which address block to use (default: the id); members with distinct blocks never overlap. */
    readonly block?: number;
    readonly kind?: "k3s" | "eks";
    readonly cilium?: Section;
    readonly mesh?: Section;
    readonly app?: Section;
}

/**
 * VPC, pod and service CIDRs for the n-th block: 10.<n>0/16, 10.<n>1/16, 10.<n>2/16 for 1..9
 * (the shipped stacks' layout), then three /20s from 10.128.0.0/9, up to 1024 blocks.
 */
export function sampleAddressing(n: number): { vpcCIDR: string; podCIDR: string; serviceCIDR: string } {
    if (n >= 1 && n <= 9) {
        return { vpcCIDR: `10.${n * 10}.0.0/16`, podCIDR: `10.${n * 10 + 1}.0.0/16`, serviceCIDR: `10.${n * 10 + 2}.0.0/16` };
    }
    const base = 128 * 256 + n * 3 * 16;
    const block = (k: number) => {
        const third = base + k * 16;
        return `10.${Math.floor(third / 256)}.${third % 256}.0/20`;
    };
    return { vpcCIDR: block(0), podCIDR: block(1), serviceCIDR: block(2) };
}

/** The `config:` map of the member's stack file. */
export function sampleStackConfig(member: SampleMember): Section {
    return {
        "clustermesh:cluster": {
            name: member.stack,
            id: member.id,
            kind: member.kind ?? "k3s",
            region: member.kind === "eks" ? "us-east-2" : "us-west-2",
            ...sampleAddressing(member.block ?? member.id),
            operatorCIDRs: ["203.0.113.10/32"],
        },
        ...(member.cilium ? { "clustermesh:cilium": member.cilium } : {}),
        ...(member.mesh ? { "clustermesh:mesh": member.mesh } : {}),
        ...(member.app ? { "clustermesh:app": member.app } : {}),
    };
}

/** Writes Pulumi.yaml and one stack file per member into `dir` (default: a new temporary directory); returns it. */
export function writeSampleMesh(members: readonly SampleMember[], dir = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-sample-"))): string {
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: clustermesh\nruntime: nodejs\n");
    for (const member of members) {
        fs.writeFileSync(path.join(dir, `Pulumi.${member.stack}.yaml`), stringify({ config: sampleStackConfig(member) }));
    }
    return dir;
}

/** `size` k3s members r1..rN (blocks from 10, so all use the /20 layout); 511 clusters allowed past 255. */
export function sampleMembers(size: number, options: { link?: boolean } = {}): SampleMember[] {
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
export const LINKED_SAMPLE: readonly SampleMember[] = [
    { stack: "west", id: 1, mesh: { link: true } },
    { stack: "east", id: 2, kind: "eks", mesh: { link: true }, cilium: { mcsAPI: true }, app: { serviceExport: true } },
    { stack: "north", id: 3, mesh: { link: true } },
];

if (require.main === module) {
    const size = process.argv[2];
    process.stdout.write(writeSampleMesh(size === undefined ? LINKED_SAMPLE : sampleMembers(Number(size))));
}
