/**
 * Inputs that were accepted and planned although wrong, or crashed a component after the CA and
 * providers had been registered: each is refused by validation now, naming the file and key.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadStackConfigs } from "./load";
import { formatProblem } from "./problems";
import { stackConfig, type MemberSpec } from "./sample-stacks";
import { validateMesh } from "./validate";

const west: MemberSpec = { stack: "west", id: 1 };
const east: MemberSpec = { stack: "east", id: 2 };

/** Every problem (shape and mesh) of a mesh of `specs`, as printed. */
export function problemsOf(specs: readonly MemberSpec[], extra: ReadonlyArray<{ file: string; doc: unknown }> = []): string[] {
    const loaded = loadStackConfigs([...specs.map((s) => ({ file: `Pulumi.${s.stack}.yaml`, doc: { config: stackConfig(s) } })), ...extra]);
    return [...loaded.problems, ...validateMesh(loaded.members, loaded.suggestions).problems].map(formatProblem);
}

/** Asserts a problem at `file: key` matching `pattern`. */
function refused(specs: readonly MemberSpec[], file: string, key: string, pattern: RegExp): void {
    const problems = problemsOf(specs);
    const hit = problems.find((p) => p.startsWith(`${file}: ${key}`) && pattern.test(p));
    assert.ok(hit, `expected a problem at ${file}: ${key} matching ${String(pattern)}; got ${JSON.stringify(problems)}`);
}

describe("strict CIDRs (one parser, lib/cidr.ts)", () => {
    it("accepts the shipped shape", () => {
        assert.deepEqual(problemsOf([west, east]), []);
    });
    for (const [value, why] of [
        ["10.021.0.0/16", "a leading zero (read as octal 17 by some tools)"],
        ["10.21.0/16", "three parts"],
        ["10.21.0.0/016", "a prefix with a leading zero"],
        ["010.21.0.0/16", "a leading zero in the first part"],
    ]) {
        it(`refuses podCIDR ${value}: ${why}`, () => {
            refused([west, { ...east, cluster: { podCIDR: value } }], "Pulumi.east.yaml", "clustermesh:cluster.podCIDR", /is not a CIDR block; write it as address\/prefix/);
        });
    }
    it("refuses an IPv6 pod range (it would land in Cilium's IPv4 pool list)", () => {
        refused([west, { ...east, cluster: { podCIDR: "fd00:21::/48" } }], "Pulumi.east.yaml", "clustermesh:cluster.podCIDR", /IPv6 range where an IPv4 one is needed/);
    });
    it("refuses a /30 service range (no room for cluster-dns)", () => {
        refused([west, { ...east, cluster: { serviceCIDR: "10.22.0.0/30" } }], "Pulumi.east.yaml", "clustermesh:cluster.serviceCIDR", /outside \/12 to \/28/);
    });
    for (const vpc of ["10.0.0.0/8", "10.20.0.0/28", "fd00:20::/56"]) {
        it(`refuses vpcCIDR ${vpc} on an EC2 k3s member`, () => {
            refused([west, { ...east, cluster: { vpcCIDR: vpc } }], "Pulumi.east.yaml", "clustermesh:cluster.vpcCIDR", /range that fits, e\.g\. 10\.\d+\.0\.0\/16/);
        });
    }
    it("refuses operator ranges that together open SSH and 6443 to every address", () => {
        refused([{ ...west, cluster: { operatorCIDRs: ["0.0.0.0/1", "128.0.0.0/1"] } }, east], "Pulumi.west.yaml", "clustermesh:cluster.operatorCIDRs", /covers every IPv4 address together/);
        // Even with the explicit opt-in.
        refused([{ ...west, cluster: { operatorCIDRs: ["0.0.0.0/1", "128.0.0.0/1"], allowWideOperatorCIDRs: true } }, east], "Pulumi.west.yaml", "clustermesh:cluster.operatorCIDRs", /covers every IPv4 address/);
    });
    it("refuses operator ranges wider than a /16 unless the file opts in", () => {
        refused([{ ...west, cluster: { operatorCIDRs: ["198.18.0.0/15"] } }, east], "Pulumi.west.yaml", "clustermesh:cluster.operatorCIDRs", /131,072 addresses.*allowWideOperatorCIDRs: true/);
        assert.deepEqual(problemsOf([{ ...west, cluster: { operatorCIDRs: ["198.18.0.0/15"], allowWideOperatorCIDRs: true } }, east]), []);
    });
});
