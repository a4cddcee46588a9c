/**
 * `clustermesh mesh upgrade` end to end over the simulated workspace: the real stack files are
 * edited (scripts/mesh/stack-file-edit.ts), every simulated `up` exports the version its file
 * says, and the injected verification checks, after every wave, that the mixed mesh validates
 * (inspectMesh) and that the connectivity model finds every pair connected. The connectivity
 * check uses the in-memory plans of connectivity/test-plans.ts (the ones the model's tests and
 * benchmark use, held to the real program by connectivity/model.test.ts): planning 20 members
 * with the real program under mocks after each of 20 waves would take many minutes.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { checkConnectivity } from "../../connectivity/model";
import { syntheticPlans } from "../../connectivity/test-plans";
import { inspectMesh } from "../../stacks";
import { writeProject } from "../../test/stack-files";
import { sampleMembers } from "../plan/sample-mesh";
import { meshCli, type MeshCliDeps } from "./cli";
import { acquireLock } from "./lock";
import { SimulatedWorkspace, VirtualClock } from "./simulate";
import { upgradeUsage, type VerifyMember } from "./upgrade";
import { MissingPulumiCliError } from "./workspace";

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A linked mesh r1..rN on `version` (r1 owns the CA), with a comment in r2's file that an edit must keep. */
function project(size: number, version = "1.19.6", versions: Record<string, string> = {}): string {
    const specs = sampleMembers(size, { link: true }).map((s) => ({ ...s, cilium: { ...s.cilium, version: versions[s.stack] ?? version } }));
    const dir = writeProject(specs);
    dirs.push(dir);
    const r2 = path.join(dir, "Pulumi.r2.yaml");
    fs.writeFileSync(r2, `# r2: the canary region\n${fs.readFileSync(r2, "utf8")}`);
    return dir;
}

function ciliumOf(dir: string, stack: string): { version?: string; preflight?: string } {
    const doc = parse(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, { version?: string; preflight?: string }> };
    return doc.config["clustermesh:cilium"];
}

function fileVersion(dir: string, stack: string): string {
    return ciliumOf(dir, stack).version ?? "";
}

/** What each simulated up deployed, in order: `r2 pre-flight 1.20.0` (the file sets clustermesh:cilium.preflight) or `r2 1.20.0`. */
const deployedSteps = new WeakMap<SimulatedWorkspace, string[]>();
const deploys = (ws: SimulatedWorkspace): string[] => deployedSteps.get(ws) ?? [];

/**
 * A deployed backend for the project: every stack deployed at its file's version; an up exports
 * the version its file says then, after checking that the stack files validate as one mesh (every
 * intermediate state of an upgrade, the pre-flight waves' included, is one validation accepts).
 * `fail(step)` fails the up of that step (`r3 1.20.0`): the engine ran, the outputs did not move.
 */
function backend(dir: string, deployed: Record<string, string> = {}, fail: (step: string) => boolean = () => false): SimulatedWorkspace {
    const stacks = inspectMesh(dir).members.map((m) => m.stack);
    const ws = new SimulatedWorkspace(new VirtualClock(), 1, new Map(stacks.map((s) => [s, "deployed" as const])));
    const log: string[] = [];
    deployedSteps.set(ws, log);
    ws.projectDir = dir;
    ws.upOutputs = (stack) => {
        const { version, preflight } = ciliumOf(dir, stack);
        const step = preflight !== undefined ? `${stack} pre-flight ${preflight}` : `${stack} ${version ?? ""}`;
        log.push(step);
        const { problems } = inspectMesh(dir);
        assert.deepEqual(problems.map((p) => p.message), [], `the stack files validate while ${step} is deployed`);
        if (fail(step)) {
            throw new Error(`simulated failure of ${step}`);
        }
        return { ciliumVersion: version ?? "" };
    };
    for (const s of stacks) {
        ws.values.set(s, { ciliumVersion: deployed[s] ?? fileVersion(dir, s) });
    }
    return ws;
}

/** What the fake verification saw: each call, and each distinct mesh state it checked. */
interface Verified {
    readonly calls: string[];
    /** The mesh's versions (stack=version, by cluster id) at each distinct state verified. */
    readonly states: string[];
}

/**
 * The verification the tests inject: the stack files validate as one mesh and the connectivity
 * model finds every pair connected; `fail(stack, n)` fails the n-th call from `stack` on purpose.
 */
function fakeVerify(fail: (stack: string, call: number) => boolean = () => false): { verify: VerifyMember; seen: Verified } {
    const seen: Verified = { calls: [], states: [] };
    const count = new Map<string, number>();
    const checked = new Map<string, string>();
    const verify: VerifyMember = (dir, stack) => {
        seen.calls.push(stack);
        const n = (count.get(stack) ?? 0) + 1;
        count.set(stack, n);
        // Validated and checked once per distinct set of stack files (a wave's peers see the same files).
        const files = fs
            .readdirSync(dir)
            .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
            .sort()
            .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
            .join("\0");
        let verdict = checked.get(files);
        if (verdict === undefined) {
            const { members, problems } = inspectMesh(dir);
            seen.states.push(members.map((m) => `${m.stack}=${m.cilium.version}`).join(" "));
            const report = problems.length === 0 ? checkConnectivity(syntheticPlans(members)) : undefined;
            verdict =
                problems.length > 0
                    ? `the stack files do not validate: ${problems.map((p) => p.message).join("; ")}`
                    : report!.summary.failed > 0 || report!.summary.ok !== members.length * (members.length - 1)
                      ? `connectivity: ${JSON.stringify(report!.summary)}`
                      : "";
            checked.set(files, verdict);
        }
        if (verdict !== "") {
            return Promise.resolve({ ok: false, detail: verdict });
        }
        return Promise.resolve(fail(stack, n) ? { ok: false, detail: `FAIL  mesh peers connected: simulated failure from ${stack}` } : { ok: true, detail: "ok" });
    };
    return { verify, seen };
}

interface Run {
    readonly code: number;
    readonly out: string;
    readonly err: string;
}

async function run(dir: string, argv: readonly string[], ws: SimulatedWorkspace | undefined, extra: Partial<MeshCliDeps> = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const deps: MeshCliDeps = {
        dir,
        checkCli: () => (ws ? Promise.resolve("v3.248.0") : Promise.reject(new MissingPulumiCliError())),
        workspace: () => {
            if (!ws) throw new Error("no workspace without the CLI");
            return ws;
        },
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        onStop: () => () => undefined,
        lock: () => ({ release: () => undefined }),
        ...extra,
    };
    const work = meshCli(["upgrade", ...argv], deps);
    const code = ws ? await ws.clock.run(work) : await work;
    return { code, out: out.join("\n"), err: err.join("\n") };
}

const ups = (ws: SimulatedWorkspace): string[] => ws.calls.filter((c) => c.startsWith("up "));

describe("mesh upgrade", () => {
    it("moves a 3-member mesh 1.19.6 -> 1.20.0 one member a wave, the CA owner last, verified after each wave; a second run is a no-op", async () => {
        const dir = project(3);
        const ws = backend(dir);
        const { verify, seen } = fakeVerify();
        const first = await run(dir, ["--cilium", "1.20.0"], ws, { verify });
        assert.equal(first.code, 0, first.err);
        // Each member: its pre-flight check, then its move (which removes the pre-flight release).
        assert.deepEqual(deploys(ws), ["r2 pre-flight 1.20.0", "r2 1.20.0", "r3 pre-flight 1.20.0", "r3 1.20.0", "r1 pre-flight 1.20.0", "r1 1.20.0"]);
        assert.deepEqual(["r1", "r2", "r3"].map((s) => ciliumOf(dir, s).preflight), [undefined, undefined, undefined], "no pre-flight key is left");
        // Each wave verifies from its member first, then from every peer.
        assert.deepEqual(seen.calls, ["r2", "r1", "r3", "r3", "r1", "r2", "r1", "r2", "r3"]);
        assert.deepEqual(seen.states, ["r1=1.19.6 r2=1.20.0 r3=1.19.6", "r1=1.19.6 r2=1.20.0 r3=1.20.0", "r1=1.20.0 r2=1.20.0 r3=1.20.0"]);
        assert.ok(fs.readFileSync(path.join(dir, "Pulumi.r2.yaml"), "utf8").startsWith("# r2: the canary region\n"), "the edit keeps the file's comments");
        assert.match(first.out, /upgrade done: every member is on 1\.20\.0/);
        assert.match(first.out, /wave 1\/6: r2 pre-flight check of 1\.20\.0\n/);
        assert.match(first.out, /wave 1\/6 done: the pre-flight check of 1\.20\.0 is ready on r2\n/);

        const again = await run(dir, ["--cilium", "1.20.0"], ws, { verify });
        assert.equal(again.code, 0, again.err);
        assert.match(again.out, /nothing to upgrade: every member \(r1, r2, r3\) is on 1\.20\.0/);
        assert.equal(ups(ws).length, 6, "no up on the second run");
    });

    for (const [parallel, waves, preflightDone] of [
        [1, 20, false],
        [5, 4, false],
        [50, 2, true],
    ] as const) {
        it(`moves a 20-member mesh with --parallel ${parallel} in ${waves} moves${preflightDone ? " (--preflight-done)" : ", each after its pre-flight check"}, each mixed mesh valid and connected`, async () => {
            const dir = project(20);
            const ws = backend(dir);
            const { verify, seen } = fakeVerify();
            const result = await run(dir, ["--cilium", "1.20.0", ...(preflightDone ? ["--preflight-done"] : []), "--parallel", String(parallel)], ws, { verify });
            assert.equal(result.code, 0, result.err);
            assert.equal(seen.states.length, waves, "one verified state per wave");
            const cap = Math.min(parallel, 19);
            let before = 0;
            for (const state of seen.states) {
                const moved = state.split(" ").filter((s) => s.endsWith("=1.20.0")).length;
                assert.ok(moved - before <= cap, `a wave moved ${moved - before} members, more than ${cap}`);
                before = moved;
            }
            assert.equal(before, 20);
            // The CA owner moves in the last wave.
            assert.ok(seen.states.slice(0, -1).every((s) => s.split(" ")[0] === "r1=1.19.6"));
            assert.equal(ups(ws).at(-1), "up r1");
            assert.equal(seen.calls.length, waves * 20);
            assert.equal(ups(ws).length, preflightDone ? 20 : 40);
            assert.equal(deploys(ws).filter((d) => d.includes("pre-flight")).length, preflightDone ? 0 : 20);
        });
    }

    it("stops at a failed pre-flight check with the member unmoved; a rerun checks it again and goes on", async () => {
        const dir = project(3);
        let broken = true;
        const ws = backend(dir, {}, (step) => broken && step === "r3 pre-flight 1.20.0");
        const { verify } = fakeVerify();
        const failed = await run(dir, ["--cilium", "1.20.0"], ws, { verify });
        assert.equal(failed.code, 1);
        assert.match(failed.err, /upgrade stopped at wave 3 of 6: the pre-flight check of 1\.20\.0 on r3 did not become ready; no later wave ran and its Cilium did not move/);
        assert.match(failed.err, /kubectl -n kube-system describe daemonset\/cilium-pre-flight-check/);
        assert.match(failed.err, /run npm run mesh -- upgrade --cilium 1\.20\.0 again: it runs the pre-flight check of r3 again/);
        assert.deepEqual(ciliumOf(dir, "r3"), { ...ciliumOf(dir, "r3"), version: "1.19.6", preflight: "1.20.0" }, "r3's file keeps its release and the pre-flight key");
        assert.equal(fileVersion(dir, "r1"), "1.19.6", "no later wave ran");

        broken = false;
        const resumed = await run(dir, ["--cilium", "1.20.0"], ws, { verify });
        assert.equal(resumed.code, 0, resumed.err);
        assert.match(resumed.out, /r2 is on 1\.20\.0 already \(file and deployed stack\): skipped/);
        assert.deepEqual(deploys(ws), ["r2 pre-flight 1.20.0", "r2 1.20.0", "r3 pre-flight 1.20.0", "r3 pre-flight 1.20.0", "r3 1.20.0", "r1 pre-flight 1.20.0", "r1 1.20.0"]);
    });

    it("stops at a failed move, says how to resume, and a rerun moves that member again without a second pre-flight check", async () => {
        const dir = project(3);
        let broken = true;
        const ws = backend(dir, {}, (step) => broken && step === "r3 1.20.0");
        const { verify } = fakeVerify();
        const failed = await run(dir, ["--cilium", "1.20.0"], ws, { verify });
        assert.equal(failed.code, 1);
        assert.match(failed.err, /upgrade stopped at wave 4 of 6: the up of r3 failed; no later wave ran/);
        assert.match(failed.err, /run npm run mesh -- upgrade --cilium 1\.20\.0 again: it resumes at r3 without a second pre-flight check/);
        assert.deepEqual(deploys(ws), ["r2 pre-flight 1.20.0", "r2 1.20.0", "r3 pre-flight 1.20.0", "r3 1.20.0"]);
        assert.equal(fileVersion(dir, "r3"), "1.20.0", "the file keeps the target");
        assert.equal(ciliumOf(dir, "r3").preflight, undefined, "the move removed the pre-flight key");
        assert.equal(fileVersion(dir, "r1"), "1.19.6", "no later wave ran");

        broken = false;
        const resumed = await run(dir, ["--cilium", "1.20.0"], ws, { verify });
        assert.equal(resumed.code, 0, resumed.err);
        assert.match(resumed.out, /r2 is on 1\.20\.0 already \(file and deployed stack\): skipped/);
        assert.deepEqual(deploys(ws).slice(4), ["r3 1.20.0", "r1 pre-flight 1.20.0", "r1 1.20.0"]);
        const again = await run(dir, ["--cilium", "1.20.0"], ws, { verify });
        assert.match(again.out, /nothing to upgrade/);
        assert.equal(deploys(ws).length, 7, "a third run is a no-op");
    });

    it("stops when a verification fails, naming the member verified from; a rerun goes on from the next member", async () => {
        const dir = project(3);
        const ws = backend(dir);
        const { verify } = fakeVerify((stack, n) => stack === "r3" && n === 1);
        const failed = await run(dir, ["--cilium", "1.20.0"], ws, { verify });
        assert.equal(failed.code, 1);
        assert.match(failed.err, /wave 2: verify from r3 failed after r2 moved to 1\.20\.0:\nFAIL {2}mesh peers connected: simulated failure from r3/);
        assert.match(failed.err, /to go back instead, run npm run mesh -- upgrade --cilium 1\.19\.6\.$/);
        assert.deepEqual(deploys(ws), ["r2 pre-flight 1.20.0", "r2 1.20.0"]);
        const resumed = await run(dir, ["--cilium", "1.20.0"], ws, { verify });
        assert.equal(resumed.code, 0, resumed.err);
        assert.deepEqual(deploys(ws).slice(2), ["r3 pre-flight 1.20.0", "r3 1.20.0", "r1 pre-flight 1.20.0", "r1 1.20.0"]);
    });

    it("a stop (Ctrl-C) lets the running wave finish and starts no other", async () => {
        const dir = project(3);
        const ws = backend(dir);
        let stop: (why: string) => void = () => undefined;
        const { verify } = fakeVerify();
        const stopping: VerifyMember = (d, stack) => {
            stop("interrupted (SIGINT)");
            return verify(d, stack);
        };
        const result = await run(dir, ["--cilium", "1.20.0"], ws, {
            verify: stopping,
            onStop: (handler) => {
                stop = handler;
                return () => undefined;
            },
        });
        assert.equal(result.code, 1);
        assert.match(result.err, /upgrade stopped \(interrupted \(SIGINT\)\) while wave 2 of 6 was verified: r2 is deployed on the new version/);
        assert.deepEqual(deploys(ws), ["r2 pre-flight 1.20.0", "r2 1.20.0"]);
    });

    it("moves a member behind the latest patch to it first, as its own wave", async () => {
        const dir = project(3, "1.19.6", { r3: "1.19.3" });
        const ws = backend(dir);
        const { verify, seen } = fakeVerify();
        const result = await run(dir, ["--cilium", "1.20.0"], ws, { verify });
        assert.equal(result.code, 0, result.err);
        assert.deepEqual(deploys(ws).slice(0, 2), ["r3 pre-flight 1.19.6", "r3 1.19.6"], "the patch move has its own pre-flight check");
        assert.deepEqual(seen.states, [
            "r1=1.19.6 r2=1.19.6 r3=1.19.6",
            "r1=1.19.6 r2=1.20.0 r3=1.19.6",
            "r1=1.19.6 r2=1.20.0 r3=1.20.0",
            "r1=1.20.0 r2=1.20.0 r3=1.20.0",
        ]);
    });

    it("refuses: an unsupported target, two minors at once, a member not deployed, a held lock", async () => {
        const dir = project(3);
        const unsupported = await run(dir, ["--cilium", "1.21.0", "--preflight-done"], backend(dir));
        assert.equal(unsupported.code, 2);
        assert.match(unsupported.err, /mesh upgrade --cilium 1\.21\.0 is refused; nothing was run:\n {2}- --cilium 1\.21\.0 is of Cilium 1\.21/);

        const old = project(2, "1.18.12");
        const skip = await run(old, ["--cilium", "1.20.0", "--preflight-done"], backend(old));
        assert.equal(skip.code, 2);
        assert.match(skip.err, /r1 \(Pulumi\.r1\.yaml\) is on 1\.18\.12, 2 minors below 1\.20\.0/);

        const ws = backend(dir);
        ws.values.clear();
        const fresh = new SimulatedWorkspace(new VirtualClock(), 1, new Map([["r1", "deployed"]]));
        const absent = await run(dir, ["--cilium", "1.20.0", "--preflight-done"], fresh);
        assert.equal(absent.code, 2);
        assert.match(absent.err, /r2 \(missing\), r3 \(missing\) have not been deployed; nothing was run/);

        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-lock-"));
        dirs.push(tmp);
        const held = acquireLock(dir, tmp);
        try {
            const locked = backend(dir);
            const busy = await run(dir, ["--cilium", "1.20.0"], locked, { lock: (d) => acquireLock(d, tmp) });
            assert.equal(busy.code, 2);
            assert.match(busy.err, new RegExp(`another npm run mesh is running .*pid ${process.pid}`));
            assert.deepEqual(ups(locked), []);
        } finally {
            if ("release" in held) held.release();
        }
    });

    it("--dry-run --json needs no Pulumi CLI, runs nothing, and is byte-stable", async () => {
        const a = project(3);
        const b = project(3);
        const first = await run(a, ["--cilium", "1.20.0", "--dry-run", "--json"], undefined);
        const second = await run(a, ["--cilium", "1.20.0", "--dry-run", "--json"], undefined);
        const other = await run(b, ["--cilium", "1.20.0", "--dry-run", "--json"], undefined);
        assert.equal(first.code, 0, first.err);
        assert.equal(first.out, second.out);
        assert.equal(first.out, other.out, "the document does not depend on where the project is");
        const doc = JSON.parse(first.out) as { format: string; command: string; state: string; waves: Array<{ wave: number; steps: Array<{ stack: string; action: string; changes: string; config: Record<string, string | null> }> }> };
        assert.equal(doc.format, "clustermesh-dry-run/v1");
        assert.equal(doc.command, "upgrade --cilium 1.20.0");
        assert.equal(doc.state, "assumed-deployed");
        assert.deepEqual(
            doc.waves.map((w) => [w.wave, w.steps.map((s) => `${s.action} ${s.stack}: ${s.changes.split(":")[0]}`)]),
            [
                [1, ["up r2: pre-flight check of cilium 1.20.0"]],
                [2, ["up r2: cilium 1.19.6 → 1.20.0"]],
                [3, ["up r3: pre-flight check of cilium 1.20.0"]],
                [4, ["up r3: cilium 1.19.6 → 1.20.0"]],
                [5, ["up r1: pre-flight check of cilium 1.20.0"]],
                [6, ["up r1: cilium 1.19.6 → 1.20.0"]],
            ],
        );
        assert.deepEqual(doc.waves[0].steps[0].config, { "clustermesh:cilium.preflight": "1.20.0" });
        assert.deepEqual(doc.waves[1].steps[0].config, { "clustermesh:cilium.preflight": null, "clustermesh:cilium.version": "1.20.0" }, "the move removes the pre-flight key");
        assert.equal(fileVersion(a, "r2"), "1.19.6", "a dry run edits nothing");

        const table = await run(a, ["--cilium", "1.20.0", "--dry-run", "--parallel", "2"], undefined);
        assert.equal(table.code, 0, table.err);
        assert.match(table.out, /^upgrade --cilium 1\.20\.0 --dry-run: 6 steps in 4 waves; nothing was run/);
        assert.match(table.out, /\n1 +r2 +up +pre-flight check of cilium 1\.20\.0: sets clustermesh:cilium\.preflight=1\.20\.0 in Pulumi\.r2\.yaml, then pulumi up \(the cilium-preflight release; up waits until its DaemonSet and Deployment are ready on every node\)/);
        assert.match(table.out, /\n2 +r2 +up +cilium 1\.19\.6 → 1\.20\.0: sets clustermesh:cilium\.version=1\.20\.0, removes clustermesh:cilium\.preflight in Pulumi\.r2\.yaml, then pulumi up \(the cilium-preflight release is deleted\), then verify/);
        assert.match(table.out, /\n2 +r3 +up +cilium 1\.19\.6 → 1\.20\.0/);
        const done = await run(a, ["--cilium", "1.20.0", "--dry-run", "--preflight-done"], undefined);
        assert.match(done.out, /^upgrade --cilium 1\.20\.0 --dry-run: 3 steps in 3 waves; nothing was run/);
        assert.match(done.out, /note: --preflight-done: Cilium's pre-flight check .* was run by hand on r1, r2, r3; no pre-flight wave runs/);
        assert.doesNotMatch(done.out, /removes clustermesh:cilium\.preflight/);
        assert.match(table.out, /note: upgrade notes of Cilium 1\.20 \(read them before the run\): https:\/\/docs\.cilium\.io\/en\/v1\.20\/operations\/upgrade\/#upgrade-notes: clustermesh-apiserver certificates only as pre-created Secrets/);
    });

    it("the injected check can fail: a mesh two minors apart does not validate, an unlinked one is not connected", async () => {
        const skewed = project(3, "1.19.6", { r1: "1.18.12", r2: "1.20.0" });
        const { verify } = fakeVerify();
        const bad = await verify(skewed, "r1");
        assert.equal(bad.ok, false);
        assert.match(bad.detail, /the stack files do not validate: is 2 minors from 1\.18\.12/);
        const unlinked = writeProject(sampleMembers(3));
        dirs.push(unlinked);
        const apart = await fakeVerify().verify(unlinked, "r1");
        assert.equal(apart.ok, false);
        assert.match(apart.detail, /^connectivity: /);
    });

    it("--help lists the examples and exit codes; usage errors exit 2", async () => {
        const dir = project(2);
        const help = await run(dir, ["--help"], undefined);
        assert.equal(help.code, 0);
        assert.equal(help.out, upgradeUsage);
        assert.match(help.out, /examples:\n {2}clustermesh mesh upgrade --cilium 1\.20\.0 --dry-run/);
        assert.match(help.out, /exit codes: 0 done, or nothing to upgrade; 1 /);
        assert.equal((await run(dir, [], undefined)).code, 2);
        assert.equal((await run(dir, ["--cilium", "1.20.0", "--parallel", "0"], undefined)).code, 2);
        const mesh = await meshCli(["--help"], { dir, checkCli: () => Promise.resolve(""), workspace: () => backend(dir), out: (l) => assert.match(l, /upgrade {3}move every member to one Cilium release/), err: () => undefined });
        assert.equal(mesh, 0);
    });
});
