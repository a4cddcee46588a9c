import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { DEPARTING_ENV, DEPARTING_MARK_ENV, departingMark } from "../../lib/contract";
import { inspectMesh } from "../../stacks";
import { projectLikeEast } from "../../test/stack-files";
import { DEFAULT_PARALLEL, meshCli, type MeshCliDeps } from "./cli";
import { planOrder, type StackStatus } from "./plan-order";
import { errorTail, transitionLine } from "./progress";
import { runSteps, type StepState } from "./runner";
import { simulate, simulatedMembers, SimulatedWorkspace, VirtualClock } from "./simulate";
import { AutomationWorkspace, MissingPulumiCliError, pulumiCliVersion, type ExecFileFn, type MeshWorkspace, type OperationHooks } from "./workspace";

const project = projectLikeEast;

const twoDir = project([
    { stack: "west", id: 1 },
    { stack: "east", id: 2 },
]);
const threeDir = project([
    { stack: "west", id: 1, link: true },
    { stack: "east", id: 2, link: true },
    { stack: "north", id: 3, link: true },
]);

/** Records every call; `up` gives the stack its outputs, as a real first update would. */
class FakeWorkspace implements MeshWorkspace {
    readonly calls: string[] = [];
    readonly reads: string[] = [];
    private readonly state = new Map<string, string[]>();

    constructor(
        status: Record<string, StackStatus> = {},
        private readonly failOn?: string,
        private readonly failure: Error = new Error("boom"),
    ) {
        for (const [stack, s] of Object.entries(status)) {
            if (s !== "missing") {
                this.state.set(stack, s === "deployed" ? ["clusterName", "clustermeshEndpoint"] : []);
            }
        }
    }

    private record(call: string): Promise<void> {
        this.calls.push(call);
        return call === this.failOn ? Promise.reject(this.failure) : Promise.resolve();
    }

    outputs(stack: string) {
        this.reads.push(stack);
        return Promise.resolve(this.state.get(stack));
    }
    selectStack(stack: string) {
        this.state.set(stack, this.state.get(stack) ?? []);
        return this.record(`select ${stack}`);
    }
    setConfig(stack: string, key: string, value: string | boolean) {
        return this.record(`set ${stack} ${key}=${String(value)}`);
    }
    async up(stack: string, env: Readonly<Record<string, string>>, _hooks?: OperationHooks) {
        await this.record(`up ${stack} ${JSON.stringify(withoutMark(env))}`);
        this.state.set(stack, ["clusterName", "clustermeshEndpoint"]);
    }
    preview(stack: string, env: Readonly<Record<string, string>>) {
        return this.record(`preview ${stack} ${JSON.stringify(withoutMark(env))}`);
    }
    destroy(stack: string) {
        this.state.set(stack, []);
        return this.record(`destroy ${stack}`);
    }

    /** The calls that change something, compactly: `up west`, `set west mesh.link=true`, `up west without=north`. */
    get actions(): string[] {
        return this.calls
            .filter((c) => !c.startsWith("select "))
            .map((c) =>
                c
                    .replace(/ \{"CLUSTERMESH_DEPARTING":""\}$/, "")
                    .replace(/ \{"CLUSTERMESH_DEPARTING":"([^"]+)"\}$/, " without=$1")
                    .replace("clustermesh:", ""),
            );
    }
}

/** The step's environment without the departing marker, after checking the marker matches (the program honours nothing else). */
function withoutMark(env: Readonly<Record<string, string>>): Record<string, string> {
    const { [DEPARTING_MARK_ENV]: mark, ...rest } = env;
    assert.equal(mark, departingMark(rest[DEPARTING_ENV] ?? ""), "the runner sets the marker of CLUSTERMESH_DEPARTING");
    return rest;
}

function cli(dir: string, ws: FakeWorkspace, checkCli: () => Promise<string> = () => Promise.resolve("v3.248.0")) {
    const out: string[] = [];
    const err: string[] = [];
    const progress: string[] = [];
    let built = 0;
    let clock = 0;
    const deps: MeshCliDeps = {
        dir,
        checkCli,
        workspace: () => {
            built++;
            return ws;
        },
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        progress: () => ({
            onChange: (state) => {
                const line = transitionLine(state, clock);
                if (line) {
                    progress.push(line);
                }
            },
            stop: () => undefined,
        }),
        now: () => clock++,
    };
    return { out, err, progress, deps, built: () => built };
}

/** `npm run mesh -- <argv> --parallel 1`: one stack at a time, so the calls come in the plan's order. */
function oneByOne(argv: string[], deps: MeshCliDeps): Promise<number> {
    return meshCli([...argv, "--parallel", "1"], deps);
}

describe("runSteps", () => {
    const members = inspectMesh(twoDir).members;
    const steps = planOrder({ members, command: "up", status: new Map() }).steps;

    it("writes a phase's config first, then selects each stack and runs the action with CLUSTERMESH_DEPARTING always set", async () => {
        const ws = new FakeWorkspace();
        const result = await runSteps(steps, ws, { parallel: 1 });
        assert.equal(result.ok, true);
        assert.deepEqual(
            result.states.map((s) => s.status),
            ["done", "done", "done", "done"],
        );
        // The files of a phase are written before any of its programs runs (issue 19).
        assert.deepEqual(ws.calls, [
            "select west",
            'up west {"CLUSTERMESH_DEPARTING":""}',
            "select east",
            'up east {"CLUSTERMESH_DEPARTING":""}',
            "set west clustermesh:mesh.link=true",
            "set east clustermesh:mesh.link=true",
            "select west",
            'up west {"CLUSTERMESH_DEPARTING":""}',
            "select east",
            'up east {"CLUSTERMESH_DEPARTING":""}',
        ]);
    });

    it("a failure leaves the rest of its phase running and starts no later phase", async () => {
        const ws = new FakeWorkspace({}, 'up east {"CLUSTERMESH_DEPARTING":""}');
        const three = planOrder({ members: inspectMesh(threeDir).members, command: "up", status: new Map() }).steps;
        const result = await runSteps(three, ws, { parallel: 8 });
        assert.equal(result.ok, false);
        assert.deepEqual(ws.actions, ["set west mesh.link=false", "up west", "set east mesh.link=false", "set north mesh.link=false", "up east", "up north"]);
        assert.deepEqual(
            result.states.map((s) => `${s.step.phase} ${s.step.stack} ${s.status}`),
            ["1 west done", "2 east failed", "2 north done", "3 west not started", "3 east not started", "3 north not started"],
        );
        assert.equal(result.states[1].error, "boom");
    });

    it("keeps the tail of a long CLI error; the whole is in the stack's log", () => {
        const long = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join("\n");
        assert.equal(errorTail(long), `…\n${Array.from({ length: 12 }, (_, i) => `line ${i + 29}`).join("\n")}`);
    });
});

describe("the schedule, on a simulated workspace where every operation takes T", () => {
    const members = simulatedMembers(64);

    it("brings up 64 members with --parallel 64 in 3T: the CA owner, the members, the link", async () => {
        const run = await simulate(members, "up", 64);
        assert.equal(run.makespan, 3);
        assert.deepEqual(run.phases, [
            { phase: 1, steps: 1, waves: 1 },
            { phase: 2, steps: 63, waves: 1 },
            { phase: 3, steps: 64, waves: 1 },
        ]);
        assert.ok(run.result.ok);
    });

    for (const parallel of [1, 7, 8, 16, 32]) {
        it(`with --parallel ${parallel}: (1 + ceil(63/P) + ceil(64/P)) T, never more than P at once`, async () => {
            const run = await simulate(members, "up", parallel);
            assert.equal(run.makespan, 1 + Math.ceil(63 / parallel) + Math.ceil(64 / parallel));
            if (63 % parallel !== 0) {
                assert.equal(run.makespan, 1 + 2 * Math.ceil(63 / parallel), "the issue's 1 + 2*ceil(63/P)");
            }
            const ops = run.workspace.operations;
            for (const op of ops) {
                const concurrent = ops.filter((o) => o.start <= op.start && o.end > op.start).length;
                assert.ok(concurrent <= parallel, `${concurrent} at once at ${op.start}`);
            }
            // Phases never overlap: every linked update starts after every unlinked one ended.
            const lastUnlinked = Math.max(...run.result.states.filter((s) => s.step.phase < 3).map((s) => s.endedAt!));
            assert.ok(run.result.states.filter((s) => s.step.phase === 3).every((s) => s.startedAt! >= lastUnlinked));
        });
    }

    it("a member failing in phase 2 lets the other 62 finish, starts no link, and a re-run resumes from the state", async () => {
        const clock = new VirtualClock();
        const ws = new SimulatedWorkspace(clock, 1, new Map(), new Set(["up r17"]));
        const first = await simulate(members, "up", 16, ws);
        assert.equal(first.result.ok, false);
        const byStatus = (status: StepState["status"]) => first.result.states.filter((s) => s.status === status).length;
        assert.deepEqual([byStatus("done"), byStatus("failed"), byStatus("not started")], [63, 1, 64]);
        assert.equal(first.makespan, 1 + 4);

        ws.failOn.clear();
        const calls = ws.calls.length;
        const second = await simulate(members, "up", 16, ws);
        assert.ok(second.result.ok);
        // Only the failed member is built unlinked again; then every member links.
        assert.deepEqual(second.phases, [
            { phase: 2, steps: 1, waves: 1 },
            { phase: 3, steps: 64, waves: 4 },
        ]);
        assert.ok(ws.calls.slice(calls).includes("up r17"));
        assert.equal(second.makespan, 1 + 4);
    });

    it("destroys every member but the CA owner together, then the owner (its hub's attachments before its Transit Gateway)", async () => {
        const clock = new VirtualClock();
        const deployed = new Map<string, StackStatus>(members.map((m) => [m.stack, "deployed"]));
        const run = await simulate(members, "destroy", 64, new SimulatedWorkspace(clock, 1, deployed));
        assert.equal(run.makespan, 2);
        assert.deepEqual(run.phases, [
            { phase: 2, steps: 63, waves: 1 },
            { phase: 4, steps: 1, waves: 1 },
        ]);
        assert.equal(run.workspace.operations.at(-1)?.call, "destroy r1");
    });
});

describe("npm run mesh", () => {
    it("up on a new 2-cluster mesh: CA owner first, the other unlinked, then both linked", async () => {
        const ws = new FakeWorkspace();
        const c = cli(twoDir, ws);
        assert.equal(await oneByOne(["up"], c.deps), 0, c.err.join("\n"));
        assert.deepEqual(ws.reads, ["west", "east"]);
        assert.deepEqual(ws.actions, ["up west", "up east", "set west mesh.link=true", "set east mesh.link=true", "up west", "up east"]);
        assert.equal(c.out[0], "Pulumi CLI v3.248.0");
        assert.equal(c.out[1], "mesh: west (id 1, missing), east (id 2, missing)");
        assert.ok(c.out.includes("up done: 4 steps"));
        assert.match(c.out.at(-1)!, /^next: Pulumi wrote clustermesh:mesh\.link: true into Pulumi\.west\.yaml, Pulumi\.east\.yaml; commit them/);
    });

    it("up on a new 3-cluster mesh whose files already say link: true unlinks them for the first build", async () => {
        const ws = new FakeWorkspace();
        assert.equal(await oneByOne(["up"], cli(threeDir, ws).deps), 0);
        assert.deepEqual(ws.actions, [
            "set west mesh.link=false",
            "up west",
            "set east mesh.link=false",
            "set north mesh.link=false",
            "up east",
            "up north",
            "set west mesh.link=true",
            "set east mesh.link=true",
            "set north mesh.link=true",
            "up west",
            "up east",
            "up north",
        ]);
    });

    it("up --stacks with a new region: it is built unlinked, then every member is relinked", async () => {
        const ws = new FakeWorkspace({ west: "deployed", east: "deployed" });
        const c = cli(threeDir, ws);
        assert.equal(await oneByOne(["up", "--stacks", "north"], c.deps), 0, c.err.join("\n"));
        assert.deepEqual(ws.actions, ["set north mesh.link=false", "up north", "set north mesh.link=true", "up west", "up east", "up north"]);
    });

    it("up again on a deployed mesh never unlinks it", async () => {
        const ws = new FakeWorkspace({ west: "deployed", east: "deployed", north: "deployed" });
        const c = cli(threeDir, ws);
        assert.equal(await oneByOne(["up"], c.deps), 0);
        assert.deepEqual(ws.actions, ["up west", "up east", "up north"]);
        assert.ok(c.out.includes("note: west, east, north are deployed already: no unlinked build, so the mesh stays linked; one linked update each"));
    });

    it("preview runs one preview per stack by cluster id and sets nothing", async () => {
        const ws = new FakeWorkspace({ west: "deployed", east: "deployed", north: "deployed" });
        assert.equal(await oneByOne(["preview"], cli(threeDir, ws).deps), 0);
        assert.deepEqual(ws.actions, ["preview west", "preview east", "preview north"]);
    });

    it("destroy of one region wants --yes, then updates the others without it before destroying it", async () => {
        const ws = new FakeWorkspace({ west: "deployed", east: "deployed", north: "deployed" });
        const first = cli(threeDir, ws);
        assert.equal(await oneByOne(["destroy", "--stacks", "north"], first.deps), 2);
        assert.deepEqual(ws.actions, []);
        assert.deepEqual(first.out.slice(2), [
            "[1/3] up west [without north]: drop north from this cluster's link (peer entry, prefix-list ranges, peering) while it still exists",
            "[2/3] up east [without north]: drop north from this cluster's link (peer entry, prefix-list ranges, peering) while it still exists",
            "[3/3] destroy north: leaves the mesh; no remaining member references it any more",
        ]);
        assert.deepEqual(first.err, ["destroy removes every resource of north for good; nothing was run. Run again with --yes to do the steps above."]);

        const second = cli(threeDir, ws);
        assert.equal(await oneByOne(["destroy", "--stacks", "north", "--yes"], second.deps), 0);
        assert.deepEqual(ws.actions, ["up west without=north", "up east without=north", "destroy north"]);
        assert.match(second.out.at(-1)!, /^next: Delete Pulumi\.north\.yaml/);
    });

    it("destroy of everything goes in reverse id order, the CA owner last", async () => {
        const ws = new FakeWorkspace({ west: "deployed", east: "deployed", north: "deployed" });
        assert.equal(await oneByOne(["destroy", "--yes"], cli(threeDir, ws).deps), 0);
        assert.deepEqual(ws.actions, ["destroy north", "destroy east", "destroy west"]);
    });

    it("refuses to destroy the CA owner alone, running nothing", async () => {
        const ws = new FakeWorkspace({ west: "deployed", east: "deployed" });
        const c = cli(twoDir, ws);
        assert.equal(await oneByOne(["destroy", "--stacks", "west", "--yes"], c.deps), 2);
        assert.deepEqual(c.err, ["west holds the mesh CA that east uses; destroy it last, together with every other member (npm run mesh -- destroy), or destroy the others first"]);
        assert.deepEqual(ws.calls, []);
    });

    it("a failing stack: the others of its phase finish, later phases wait, a summary table and exit code 1", async () => {
        const ws = new FakeWorkspace({}, 'up east {"CLUSTERMESH_DEPARTING":""}');
        const c = cli(threeDir, ws);
        assert.equal(await meshCli(["up"], c.deps), 1);
        assert.deepEqual(ws.actions, ["set west mesh.link=false", "up west", "set east mesh.link=false", "set north mesh.link=false", "up east", "up north"]);
        const summary = c.out.find((l) => l.includes("stack  action"))!;
        assert.deepEqual(
            summary.trim().split("\n").map((l) => l.split(/ {2,}/)),
            [
                ["stack", "action", "phase", "result", "duration", "error"],
                ["-----", "------", "-----", "-----------", "--------", "-----"],
                ["west", "up", "1", "ok", "0s"],
                ["east", "up", "2", "failed", "0s", "boom"],
                ["north", "up", "2", "ok", "0s"],
                ["west", "up", "3", "not started", "-"],
                ["east", "up", "3", "not started", "-"],
                ["north", "up", "3", "not started", "-"],
            ],
        );
        assert.ok(!c.out.some((l) => l.startsWith("up done")));
        assert.match(c.err[0], /^up east failed \(the whole output: .*east\.log\):\nboom$/);
        assert.match(c.err[1], /^up stopped: 1 step failed, 2 finished, 3 not started .* run npm run mesh -- up again: it reads each stack's state afresh/);
        assert.ok(c.progress.includes("up east FAILED after 0s: boom"));
        assert.ok(c.progress.includes("up west not started: an earlier phase failed"));
    });

    it("runs a phase's stacks at once, --parallel 8 by default, and says so", async () => {
        const ws = new FakeWorkspace();
        const c = cli(threeDir, ws);
        assert.equal(await meshCli(["up"], c.deps), 0);
        assert.equal(DEFAULT_PARALLEL, 8);
        // Both phase-2 files were written, then both stacks selected, before either was brought up.
        assert.deepEqual(ws.calls.filter((l) => / (east|north)/.test(l)).slice(0, 4), ["set east clustermesh:mesh.link=false", "set north clustermesh:mesh.link=false", "select east", "select north"]);
        assert.match(c.out.find((l) => l.startsWith("up: "))!, /^up: 6 steps in 3 phases, at most 8 at once; each stack's Pulumi output goes to .*\/<stack>\.log$/);
        for (const bad of ["0", "two", "1.5"]) {
            const b = cli(threeDir, new FakeWorkspace());
            assert.equal(await meshCli(["up", "--parallel", bad], b.deps), 2);
            assert.match(b.err[0], new RegExp(`^--parallel ${bad} is not a whole number of at least 1`));
        }
    });

    it("says the real run needs the Pulumi CLI when it is missing, and touches no stack", async () => {
        const ws = new FakeWorkspace();
        const c = cli(twoDir, ws, () => Promise.reject(new MissingPulumiCliError()));
        assert.equal(await oneByOne(["up"], c.deps), 2);
        assert.match(c.err.join("\n"), /needs the Pulumi CLI, but `pulumi` is not on PATH\.\nInstall it \(curl -fsSL https:\/\/get\.pulumi\.com \| sh/);
        assert.match(c.err.join("\n"), /`npm run plan -- --all` shows what every stack would build, offline\.$/);
        assert.equal(c.built(), 0);
        assert.deepEqual([...ws.reads, ...ws.calls], []);
    });

    it("stops with exit code 1 when the stacks' state cannot be read", async () => {
        const ws = new FakeWorkspace();
        ws.outputs = () => Promise.reject(new Error("error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions"));
        const c = cli(twoDir, ws);
        assert.equal(await oneByOne(["up"], c.deps), 1);
        assert.match(c.err[0], /^Could not read the stacks' state from the Pulumi backend; nothing was run\. Are you logged in \(pulumi login\)\?\nerror: PULUMI_ACCESS_TOKEN/);
        assert.deepEqual(ws.calls, []);
    });

    it("explains its usage and refuses unknown stacks before looking for the CLI", async () => {
        const noCli = () => Promise.reject(new Error("the CLI must not be asked"));
        for (const argv of [[], ["launch"], ["up", "down"], ["up", "--force"], ["up", "--stacks", " , "]]) {
            const c = cli(twoDir, new FakeWorkspace(), noCli);
            assert.equal(await meshCli(argv, c.deps), 2, argv.join(" "));
            assert.match(c.err.join("\n"), /usage: clustermesh mesh preview\|up\|destroy \[--stacks a,b\] \[--parallel N\] \[--logs DIR\] \[--yes\]/);
        }
        const c = cli(twoDir, new FakeWorkspace(), noCli);
        assert.equal(await oneByOne(["up", "--stacks", "west,mars"], c.deps), 2);
        assert.deepEqual(c.err, ["--stacks names mars, which is not in the mesh; members: west, east"]);
        const help = cli(twoDir, new FakeWorkspace(), noCli);
        assert.equal(await oneByOne(["--help"], help.deps), 0);
        assert.match(help.out[0], /^usage: /);
    });

    it("runs nothing when the mesh configuration has problems", async () => {
        const clash = project([
            { stack: "west", id: 1 },
            { stack: "east", id: 2, podCIDR: "10.11.0.0/16" },
        ]);
        const ws = new FakeWorkspace();
        const c = cli(clash, ws, () => Promise.reject(new Error("the CLI must not be asked")));
        assert.equal(await oneByOne(["up"], c.deps), 1);
        assert.match(c.err[0], /^The mesh configuration has problems; nothing was run:\n {2}- Pulumi\.east\.yaml: clustermesh:cluster\.podCIDR 10\.11\.0\.0\/16/);
        assert.deepEqual(ws.calls, []);
    });
});

describe("Pulumi CLI detection", () => {
    it("turns a binary that is not on PATH into MissingPulumiCliError", async () => {
        await assert.rejects(pulumiCliVersion("pulumi-not-installed-here"), (e: Error) => e instanceof MissingPulumiCliError && /`pulumi-not-installed-here` is not on PATH/.test(e.message));
    });

    it("returns the version, and passes on a CLI that is there but fails", async () => {
        const present: ExecFileFn = (_file, _args, _options, callback) => callback(null, "v3.248.0\n");
        assert.equal(await pulumiCliVersion("pulumi", present), "v3.248.0");
        const broken: ExecFileFn = (_file, _args, _options, callback) => callback(Object.assign(new Error("exit status 1"), { code: 1 }), "");
        await assert.rejects(pulumiCliVersion("pulumi", broken), /^Error: `pulumi version` failed: exit status 1$/);
    });
});

describe("AutomationWorkspace against a stand-in pulumi binary", () => {
    // A shell script answering like the CLI, so the real Automation API calls are checked:
    // the arguments it passes and the environment the program would see.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-fake-pulumi-"));
    const log = path.join(bin, "calls.log");
    const logDir = path.join(bin, "logs");
    fs.writeFileSync(
        path.join(bin, "pulumi"),
        `#!/bin/sh
echo "$* | CLUSTERMESH_DEPARTING=\${CLUSTERMESH_DEPARTING-unset}" >> "${log}"
case "$1 $2" in
  "version "*) echo v3.248.0 ;;
  "stack ls") echo '[{"name":"west","current":false},{"name":"acme/clustermesh/east","current":false}]' ;;
  "stack output") echo '{"clustermeshEndpoint":{"name":"x"},"clusterName":"x"}' ;;
  "stack history") echo '[{"version":1,"kind":"update","startTime":"2026-01-01T00:00:00.000Z","message":"","environment":{},"config":{},"result":"succeeded"}]' ;;
esac
`,
        { mode: 0o755 },
    );

    it("reads outputs, writes path config into the file itself, and scopes CLUSTERMESH_DEPARTING to each operation", async () => {
        const ownDir = projectLikeEast([{ stack: "west", id: 1 }, { stack: "east", id: 2 }]);
        const saved = { PATH: process.env.PATH, CLUSTERMESH_DEPARTING: process.env.CLUSTERMESH_DEPARTING };
        process.env.PATH = `${bin}${path.delimiter}${process.env.PATH ?? ""}`;
        process.env.CLUSTERMESH_DEPARTING = "left-in-the-shell";
        try {
            const ws = new AutomationWorkspace(ownDir, logDir);
            assert.deepEqual(await ws.outputs("west"), ["clusterName", "clustermeshEndpoint"]);
            assert.deepEqual(await ws.outputs("east"), ["clusterName", "clustermeshEndpoint"]);
            assert.equal(await ws.outputs("north"), undefined);
            await ws.selectStack("west");
            await ws.setConfig("west", "clustermesh:mesh.link", true);
            await ws.up("west", { CLUSTERMESH_DEPARTING: "" });
            await ws.preview("west", { CLUSTERMESH_DEPARTING: "north" });
            await ws.destroy("west");
        } finally {
            process.env.PATH = saved.PATH;
            if (saved.CLUSTERMESH_DEPARTING === undefined) {
                delete process.env.CLUSTERMESH_DEPARTING;
            } else {
                process.env.CLUSTERMESH_DEPARTING = saved.CLUSTERMESH_DEPARTING;
            }
        }
        assert.match(fs.readFileSync(path.join(logDir, "west.log"), "utf8"), /=== \S+ pulumi up --stack west\n[^]*=== \S+ pulumi preview --stack west\n[^]*=== \S+ pulumi destroy --stack west\n/);
        const calls = fs.readFileSync(log, "utf8").split("\n");
        const find = (prefix: string) => calls.find((c) => c.startsWith(prefix));
        assert.ok(find("stack output --json --stack acme/clustermesh/east "), "a fully qualified listing is matched by its last part");
        // Not `pulumi config set`, which rewrites the file in place (issue 19): an atomic edit of the file.
        assert.equal(find("config set "), undefined);
        assert.match(fs.readFileSync(path.join(ownDir, "Pulumi.west.yaml"), "utf8"), /clustermesh:mesh:\n {4}link: true/);
        assert.match(find("up ")!, /--stack west .*\| CLUSTERMESH_DEPARTING=$/);
        assert.match(find("preview ")!, /--stack west .*\| CLUSTERMESH_DEPARTING=north$/);
        assert.match(find("destroy ")!, /^destroy --yes .*--stack west /);
    });
});

describe("a peer's state read while the peer's update rewrites it (the real engine's file backend)", () => {
    /** Fails `up west` `times` times with `error`, then succeeds. */
    class FlakyWorkspace extends SimulatedWorkspace {
        ups = 0;
        constructor(
            private readonly times: number,
            private readonly error: string,
        ) {
            super(new VirtualClock(), 1);
        }
        override async up(stack: string, env: Readonly<Record<string, string>>, hooks?: OperationHooks): Promise<void> {
            this.ups++;
            if (this.ups <= this.times) throw new Error(`  stderr: ${this.error}`);
            await super.up(stack, env, hooks);
        }
    }
    const step = { phase: 1, stack: "west", action: "up" as const, config: {}, departing: [], reason: "test" };

    it("runs the step again after 'failed to load checkpoint: EOF', and reports it done", async () => {
        const ws = new FlakyWorkspace(1, "error: failed to load checkpoint: EOF");
        const result = await ws.clock.run(runSteps([step], ws, { parallel: 1 }));
        assert.equal(result.ok, true);
        assert.equal(ws.ups, 2);
    });

    it("gives up after two more tries, and never retries another failure", async () => {
        const stuck = new FlakyWorkspace(5, "error: failed to load checkpoint: EOF");
        assert.equal((await stuck.clock.run(runSteps([step], stuck, { parallel: 1 }))).ok, false);
        assert.equal(stuck.ups, 3);
        const other = new FlakyWorkspace(1, "error: resource west-vpc failed: quota exceeded");
        assert.equal((await other.clock.run(runSteps([step], other, { parallel: 1 }))).ok, false);
        assert.equal(other.ups, 1);
    });
});
