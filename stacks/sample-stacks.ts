/**
 * Stack files of generated meshes, for the benchmark, the chart check's sample mesh and the
 * tests: a member as its stack file would declare it, with only the fields that matter
 * overridden, and addressing that never overlaps between members.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { parseStackConfig, type MeshMember } from "./load";

export type RawConfig = Record<string, unknown>;

export interface MemberSpec {
    stack: string;
    id: number;
    /** Second octet base: pods 10.<n>1/16, services 10.<n>2/16, VPC 10.<n>0/16 (n = id by default). */
    block?: number;
    kind?: "k3s" | "eks" | "kind";
    cluster?: RawConfig;
    k3s?: RawConfig;
    eks?: RawConfig;
    /** `clustermesh:kind` (kind members) and `clustermesh:bgp`. */
    kindNodes?: RawConfig;
    bgp?: RawConfig;
    cilium?: RawConfig;
    mesh?: RawConfig;
    app?: RawConfig;
    extra?: RawConfig;
}

/** Addressing for the n-th member that never overlaps another n: 10.x.y.0/22 blocks up to 1024 members. */
export function addressing(n: number): { vpcCIDR: string; podCIDR: string; serviceCIDR: string } {
    // Members 1..9 follow the hand-run layout (10.n0/16, 10.n1/16, 10.n2/16); beyond that
    // each member gets three /20s carved from 10.128.0.0/9.
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

/** The `config:` map of a stack file for `spec`. */
export function stackConfig(spec: MemberSpec): RawConfig {
    const n = spec.block ?? spec.id;
    // A kind member lives in Docker on the operator's machine: no region, VPC or operator ranges.
    const { vpcCIDR, ...ranges } = addressing(n);
    const placement = spec.kind === "kind" ? {} : { region: spec.kind === "eks" ? "us-east-2" : "us-west-2", vpcCIDR, operatorCIDRs: ["203.0.113.10/32"] };
    const config: RawConfig = {
        "clustermesh:cluster": {
            name: spec.stack,
            id: spec.id,
            kind: spec.kind ?? "k3s",
            ...ranges,
            ...placement,
            ...spec.cluster,
        },
        ...(spec.k3s ? { "clustermesh:k3s": spec.k3s } : {}),
        ...(spec.eks ? { "clustermesh:eks": spec.eks } : {}),
        ...(spec.kindNodes ? { "clustermesh:kind": spec.kindNodes } : {}),
        ...(spec.bgp ? { "clustermesh:bgp": spec.bgp } : {}),
        ...(spec.cilium ? { "clustermesh:cilium": spec.cilium } : {}),
        ...(spec.mesh ? { "clustermesh:mesh": spec.mesh } : {}),
        ...(spec.app ? { "clustermesh:app": spec.app } : {}),
        ...spec.extra,
    };
    return config;
}

/** A parsed member; throws if the spec itself has shape problems. */
export function member(spec: MemberSpec): MeshMember {
    const file = `Pulumi.${spec.stack}.yaml`;
    const result = parseStackConfig(file, stackConfig(spec));
    if (!result.member) {
        throw new Error(`fixture ${file} does not parse: ${JSON.stringify(result.problems)}`);
    }
    return result.member;
}

/** Writes stack files for `specs` into a new temporary project directory and returns it. */
export function writeProject(specs: readonly MemberSpec[], dir = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-"))): string {
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: clustermesh\nruntime: nodejs\n");
    for (const spec of specs) {
        fs.writeFileSync(path.join(dir, `Pulumi.${spec.stack}.yaml`), stringify({ config: stackConfig(spec) }));
    }
    return dir;
}

