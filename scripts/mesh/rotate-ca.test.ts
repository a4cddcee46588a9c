/**
 * `clustermesh mesh rotate-ca` over the simulated workspace, and its states through the real
 * program: after every wave the stack files validate (validation refuses any CA state in which a
 * pair distrusts the other) and the connectivity model finds every pair connected, its trust
 * read from each member's tls.caBundle and its issuers from the certificates. A failed wave
 * stops, and a rerun resumes; a second run of a finished rotation (--generation) is a no-op.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { checkConnectivity } from "../../connectivity/model";
import { syntheticPlans } from "../../connectivity/test-plans";
import { FIRST_CA_STATE, type MeshCaState } from "../../lib/mesh-ca";
import { formatProblem, inspectMesh } from "../../stacks";
import { writeProject, type MemberSpec } from "../../test/stack-files";
import { planMembers } from "../plan/plan-members";
import { sampleMembers } from "../plan/sample-mesh";
import { meshCli, type MeshCliDeps } from "./cli";
import { rotationPlan, statesAfter, type RotationMember } from "./rotate-ca-path";
import { SimulatedWorkspace, VirtualClock } from "./simulate";
import type { VerifyMember } from "./upgrade";

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function specs(size: number, ca: (stack: string) => MeshCaState = () => FIRST_CA_STATE): MemberSpec[] {
    return sampleMembers(size, { link: true }).map((s) => ({ ...s, mesh: { ...s.mesh, ca: ca(s.stack) } }));
}

function project(size: number, ca?: (stack: string) => MeshCaState): string {
    const dir = writeProject(specs(size, ca));
    dirs.push(dir);
    return dir;
}

function fileCa(dir: string, stack: string): MeshCaState {
    const doc = parse(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, { ca?: MeshCaState }> };
    return { ...FIRST_CA_STATE, ...doc.config["clustermesh:mesh"].ca };
}

/** The mesh as the files say: its problems, else its connectivity verdict ("" when every pair connects). */
function meshVerdict(dir: string): string {
    const { members, problems } = inspectMesh(dir);
    if (problems.length > 0) return `does not validate: ${problems.map(formatProblem).join("; ")}`;
    const report = checkConnectivity(syntheticPlans(members));
    return report.summary.ok === members.length * (members.length - 1) ? "" : `connectivity: ${JSON.stringify(report.pairs.filter((p) => p.status !== "ok").slice(0, 2))}`;
}

function backend(dir: string): SimulatedWorkspace {
    const stacks = inspectMesh(dir).members.map((m) => m.stack);
    const ws = new SimulatedWorkspace(new VirtualClock(), 1, new Map(stacks.map((s) => [s, "deployed" as const])));
    ws.projectDir = dir;
    ws.upOutputs = (stack) => ({ meshCa: fileCa(dir, stack) });
    for (const s of stacks) ws.values.set(s, { meshCa: fileCa(dir, s) });
    return ws;
}

function fakeVerify(fail: (stack: string, call: number) => boolean = () => false): { verify: VerifyMember; states: string[] } {
    const states: string[] = [];
    let calls = 0;
    const verify: VerifyMember = (dir, stack) => {
        calls++;
        const verdict = meshVerdict(dir);
        const state = inspectMesh(dir)
            .members.map((m) => `${m.stack}:${m.mesh.ca.generation}${m.mesh.ca.trustPrevious ? "+" : ""}${m.mesh.ca.issuer === "previous" ? "p" : ""}`)
            .join(" ");
        if (states[states.length - 1] !== state) states.push(state);
        if (verdict !== "") return Promise.resolve({ ok: false, detail: verdict });
        return Promise.resolve(fail(stack, calls) ? { ok: false, detail: `FAIL simulated from ${stack}` } : { ok: true, detail: "ok" });
    };
    return { verify, states };
}

async function run(dir: string, argv: readonly string[], ws: SimulatedWorkspace, verify: VerifyMember): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const deps: MeshCliDeps = {
        dir,
        checkCli: () => Promise.resolve("v3.248.0"),
        workspace: () => ws,
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        onStop: () => () => undefined,
        lock: () => ({ release: () => undefined }),
        verify,
    };
    const code = await ws.clock.run(meshCli(["rotate-ca", ...argv], deps));
    return { code, out: out.join("\n"), err: err.join("\n") };
}

const ups = (ws: SimulatedWorkspace): string[] => ws.calls.filter((c) => c.startsWith("up "));

describe("the rotation's waves (pure)", () => {
    const members = (n: number): RotationMember[] => Array.from({ length: n }, (_, i) => ({ stack: `r${i + 1}`, clusterId: i + 1, ca: FIRST_CA_STATE }));

    it("every intermediate state of a 20-member rotation validates and connects every pair", () => {
        const all = members(20);
        const plan = rotationPlan(all, 8);
        assert.ok(!("refused" in plan));
        assert.equal(plan.generation, 2);
        assert.deepEqual(plan.waves[0].map((m) => m.stack), ["r1"], "the CA owner creates the new CA alone, first");
        assert.deepEqual(plan.waves[plan.waves.length - 1].map((m) => m.stack), ["r1"], "and drops the old one alone, last");
        assert.ok(plan.waves.every((w) => w.length <= 8));
        const base = specs(20);
        for (let done = 0; done <= plan.waves.length; done++) {
            const states = statesAfter(all, plan, done);
            const dir = writeProject(base.map((s) => ({ ...s, mesh: { ...s.mesh, ca: states.get(s.stack) } })));
            try {
                assert.equal(meshVerdict(dir), "", `after wave ${done}`);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }
    });

    it("validation refuses the states a wrong order would pass through, naming the pair", () => {
        // A member issued by the new CA while a peer trusts only the old one.
        const early = project(3, (s) => (s === "r3" ? { generation: 2, trustPrevious: true, issuer: "current" } : s === "r1" ? { generation: 2, trustPrevious: true, issuer: "previous" } : FIRST_CA_STATE));
        assert.match(meshVerdict(early), /Pulumi\.r2\.yaml: clustermesh:mesh\.ca .* does not trust generation 2, which issues the certificates of r3/);
        // A member trusting a CA the owner does not hold yet.
        const ahead = project(3, (s) => (s === "r2" ? { generation: 2, trustPrevious: true, issuer: "previous" } : FIRST_CA_STATE));
        assert.match(meshVerdict(ahead), /Pulumi\.r2\.yaml: clustermesh:mesh\.ca .* needs the CA of generation 2, which the CA owner r1 \(Pulumi\.r1\.yaml\) does not hold/);
    });
});

describe("mesh rotate-ca", () => {
    it("rotates a 3-member mesh in verified waves; with --generation a second run is a no-op", async () => {
        const dir = project(3);
        const ws = backend(dir);
        const { verify, states } = fakeVerify();
        const first = await run(dir, ["--generation", "2"], ws, verify);
        assert.equal(first.code, 0, first.err);
        assert.deepEqual(ups(ws), ["up r1", "up r2", "up r3", "up r1", "up r2", "up r3", "up r2", "up r3", "up r1"]);
        assert.deepEqual(states, [
            "r1:2+p r2:1 r3:1",
            "r1:2+p r2:2+p r3:2+p",
            "r1:2+ r2:2+ r3:2+",
            "r1:2+ r2:2 r3:2",
            "r1:2 r2:2 r3:2",
        ]);
        assert.match(first.out, /rotate-ca done: every member trusts and is issued by CA generation 2 only/);
        const again = await run(dir, ["--generation", "2"], ws, verify);
        assert.equal(again.code, 0, again.err);
        assert.equal(ups(ws).length, 9, "no up on the second run");
    });

    it("stops at a failed verification, leaves a mesh that validates, and resumes from there", async () => {
        const dir = project(3);
        const ws = backend(dir);
        // The third verification (wave 2, from r2) fails once.
        const failing = fakeVerify((_, call) => call === 5);
        const first = await run(dir, [], ws, failing.verify);
        assert.equal(first.code, 1);
        assert.match(first.err, /rotate-ca stopped at wave 2 of 5/);
        assert.equal(meshVerdict(dir), "", "the mesh left behind validates and connects");
        const resumed = await run(dir, ["--generation", "2"], ws, fakeVerify().verify);
        assert.equal(resumed.code, 0, resumed.err);
        assert.match(resumed.out, /resumes the rotation to CA generation 2/);
        assert.deepEqual(ups(ws), ["up r1", "up r2", "up r3", "up r1", "up r2", "up r3", "up r2", "up r3", "up r1"], "wave 2 is not run again");
    });

    it("brings a member whose up failed to its file first, and refuses a --generation that skips one", async () => {
        const dir = project(2);
        const ws = backend(dir);
        ws.failOn.add("up r2");
        const failed = await run(dir, [], ws, fakeVerify().verify);
        assert.equal(failed.code, 1);
        assert.match(failed.err, /the up of|up r2 failed/);
        ws.failOn.delete("up r2");
        const resumed = await run(dir, ["--dry-run", "--json"], ws, fakeVerify().verify);
        const doc = JSON.parse(resumed.out) as { waves: Array<{ steps: Array<{ stack: string; changes: string }> }> };
        assert.match(doc.waves[0].steps[0].changes, /^converge: /);
        assert.equal(doc.waves[0].steps[0].stack, "r2");
        const skip = await run(dir, ["--generation", "3"], ws, fakeVerify().verify);
        assert.equal(skip.code, 2);
        assert.match(skip.err, /a rotation to CA generation 2 is under way/);
    });
});

describe("a rotation through the real program (mock engine)", () => {
    it("every state of a 2-member rotation plans, and the plans' connectivity is ok", async () => {
        const two: RotationMember[] = [
            { stack: "r1", clusterId: 1, ca: FIRST_CA_STATE },
            { stack: "r2", clusterId: 2, ca: FIRST_CA_STATE },
        ];
        const plan = rotationPlan(two, 8);
        assert.ok(!("refused" in plan));
        const base = specs(2);
        const verdicts = await Promise.all(
            Array.from({ length: plan.waves.length + 1 }, async (_, done) => {
                const states = statesAfter(two, plan, done);
                const dir = writeProject(base.map((s) => ({ ...s, mesh: { ...s.mesh, ca: states.get(s.stack) } })));
                dirs.push(dir);
                const runs = await planMembers(dir, ["r1", "r2"]);
                const plans = runs.map((r) => {
                    assert.ok(r.plan, `after wave ${done}, ${r.stack}: ${r.error}`);
                    return r.plan;
                });
                return checkConnectivity(plans).pairs.map((p) => `${p.from}->${p.to} ${p.status}${p.message ? `: ${p.message}` : ""}`);
            }),
        );
        verdicts.forEach((pairs, done) => assert.deepEqual(pairs, ["r1->r2 ok", "r2->r1 ok"], `after wave ${done}`));
    });
});
