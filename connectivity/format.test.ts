import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatConnectivity, MATRIX_LIMIT } from "./format";
import type { PairResult } from "./hops";
import type { ConnectivityReport } from "./model";

function report(members: string[], fail: (a: string, b: string) => PairResult | undefined): ConnectivityReport {
    const pairs = members.flatMap((a) => members.filter((b) => b !== a).map((b) => fail(a, b) ?? { from: a, to: b, status: "ok" as const }));
    const count = (s: PairResult["status"]) => pairs.filter((p) => p.status === s).length;
    return { members, pairs, quotas: [], summary: { ok: count("ok"), notLinked: count("not linked"), failed: count("fail") } };
}

const broken = (a: string, b: string): PairResult | undefined =>
    a === "m1" && b === "m2" ? { from: a, to: b, status: "fail", hop: "admission", resource: "m2: security group sg-2", message: "does not let m1's 10.10.0.0/16 in", fix: "let it in" } : undefined;

describe("formatConnectivity", () => {
    it("prints the matrix for a small mesh and one line per failing pair with both stacks, hop, resource and fix", () => {
        const text = formatConnectivity(report(["m1", "m2", "m3"], broken));
        assert.match(text, /^Connectivity \(3 members; row dials column\):\nfrom \\ to +m1 +m2 +m3\nm1 +- +admission +ok\nm2 +ok +- +ok\nm3 +ok +ok +-\n5 ok, 0 not linked yet, 1 failing\n/);
        assert.match(text, /  - m1 -> m2: admission: does not let m1's 10\.10\.0\.0\/16 in \[m2: security group sg-2\]; fix: let it in\n$/);
    });

    it("prints the failing pairs only, not the matrix, past the matrix limit, and one stack's pairs for --stack", () => {
        const members = Array.from({ length: MATRIX_LIMIT + 1 }, (_, i) => `m${i + 1}`);
        const text = formatConnectivity(report(members, broken));
        assert.doesNotMatch(text, /from \\ to/);
        assert.match(text, /^Connectivity \(17 members, 272 pairs\):\n271 ok, 0 not linked yet, 1 failing\n  - m1 -> m2: admission/);
        assert.match(formatConnectivity(report(members, broken), "m3"), /^Connectivity of m3 \(17 members, 32 pairs\):\n32 ok, 0 not linked yet, 0 failing\n$/);
    });
});
