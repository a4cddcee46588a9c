/**
 * The fuzz suite: generated mutations of the stack files (fixed seed), each classified. Targets:
 * no case accepted although certainly wrong, no crash, every refusal good (file, key, fix, one
 * line, no secret). Validation runs for every case; the program (mock engine, every stack) for a
 * sample of the accepted ones here, for all of them in `npm run fuzz`. A property test proves
 * the layer's promise: any mesh validation accepts runs the program for every stack.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { loadStackConfigs } from "../../stacks/load";
import { stackConfig, type MemberSpec } from "../../stacks/sample-stacks";
import { validateMesh } from "../../stacks/validate";
import { classify, refusalFlaw, rightMutation, SECRET_PASSWORD } from "./mutations";
import { formatReport, fuzz, FUZZ_SEED, programError } from "./run";

describe("fuzzing the stack files", () => {
    it("240 mutations: 0 accepted but wrong, 0 crashes, every refusal names file, key and fix without secrets", async () => {
        const report = await fuzz(240, 6);
        assert.equal(report.cases.length, 240);
        assert.equal(report.counts["accepted but wrong"], 0, formatReport(report));
        assert.equal(report.counts.crash, 0, formatReport(report));
        assert.equal(report.counts["refused poorly"], 0, formatReport(report));
        // The generator reaches every kind of case: not a suite that cannot fail.
        assert.ok(report.counts["refused well"] > 100, formatReport(report));
        assert.ok(report.counts.accepted > 20, formatReport(report));
        assert.ok(report.ran > 0);
    });

    it("the classifier catches a bad refusal (a secret, a newline, no file) and an accepted wrong case", () => {
        const base = { file: "Pulumi.west.yaml", key: "clustermesh:cluster.name", message: "is wrong", fix: "use west" };
        assert.equal(refusalFlaw(base, ["Pulumi.west.yaml"]), undefined);
        assert.match(refusalFlaw({ ...base, message: `is ${SECRET_PASSWORD}` }, ["Pulumi.west.yaml"]) ?? "", /prints a secret/);
        assert.match(refusalFlaw({ ...base, file: "Pulumi.mars.yaml" }, ["Pulumi.west.yaml"]) ?? "", /names no file/);
        assert.match(refusalFlaw({ ...base, message: "is not a known key", value: "x".repeat(40) }, ["Pulumi.west.yaml"]) ?? "", /40 characters of an unknown key's value/);
        const wrongButHarmless = classify({ label: "nothing changed, said to be wrong", wrong: true, apply: (f) => f });
        assert.equal(wrongButHarmless.outcome, "accepted but wrong");
    });
});

describe("one layer owns every rule (property)", () => {
    it("any mesh validation accepts runs the program for every stack without throwing", async () => {
        await fc.assert(
            fc.asyncProperty(fc.array(rightMutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
                const verdict = classify({ label: mutations.map((m) => m.label).join("; "), wrong: false, apply: (f) => mutations.reduce((acc, m) => m.apply(acc), f) });
                fc.pre(verdict.outcome === "accepted" && verdict.inspection !== undefined);
                const error = await programError(verdict.inspection);
                assert.equal(error, undefined, `accepted, then the program threw: ${error}`);
            }),
            { seed: FUZZ_SEED, numRuns: 8, endOnFailure: true },
        );
    });
});

describe("accepted meshes the generator does not reach", () => {
    it("kind members with high ids on a small Docker subnet plan (stand-in node addresses stay inside it)", async () => {
        const specs: MemberSpec[] = [
            { stack: "west", id: 200, kind: "kind", kindNodes: { networkSubnet: "172.30.0.0/24" } },
            { stack: "east", id: 201, kind: "kind", kindNodes: { networkSubnet: "172.30.0.0/24" }, cilium: { apiserverNodePort: 32380 } },
        ];
        const loaded = loadStackConfigs(specs.map((s) => ({ file: `Pulumi.${s.stack}.yaml`, doc: { config: stackConfig(s) } })));
        const validation = validateMesh(loaded.members, loaded.suggestions);
        assert.deepEqual([...loaded.problems, ...validation.problems], []);
        assert.equal(await programError({ members: loaded.members, problems: [], notes: validation.notes, others: [] }), undefined);
    });
});
