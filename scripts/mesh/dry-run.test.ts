import { departingMark } from "../../lib/contract";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { projectLikeEast } from "../../test/stack-files";
import { meshCli, type MeshCliDeps } from "./cli";
import { DRY_RUN_FORMAT, formatDryRunTable, groupWaves, type DryRunDocument, type PhasedStep } from "./dry-run";
import type { StackStatus } from "./plan-order";
import { MissingPulumiCliError, type MeshWorkspace } from "./workspace";

const threeDir = projectLikeEast([
    { stack: "west", id: 1 },
    { stack: "east", id: 2 },
    { stack: "north", id: 3 },
]);

/** A backend holding `status`; records what runs, as `wave-free` lines in the order they happen. */
class Backend implements MeshWorkspace {
    readonly ran: string[] = [];
    private readonly outs = new Map<string, string[]>();
    constructor(status: Record<string, StackStatus>) {
        for (const [stack, s] of Object.entries(status)) {
            if (s !== "missing") {
                this.outs.set(stack, s === "deployed" ? ["clustermeshEndpoint"] : []);
            }
        }
    }
    outputs(stack: string) {
        return Promise.resolve(this.outs.get(stack));
    }
    selectStack() {
        return Promise.resolve();
    }
    setConfig(stack: string, key: string, value: string | boolean) {
        this.ran.push(`set ${stack} ${key}=${String(value)}`);
        return Promise.resolve();
    }
    up(stack: string, env: Readonly<Record<string, string>>) {
        this.ran.push(`up ${stack} ${JSON.stringify(env)}`);
        this.outs.set(stack, ["clustermeshEndpoint"]);
        return Promise.resolve();
    }
    preview(stack: string, env: Readonly<Record<string, string>>) {
        this.ran.push(`preview ${stack} ${JSON.stringify(env)}`);
        return Promise.resolve();
    }
    destroy(stack: string) {
        this.ran.push(`destroy ${stack}`);
        this.outs.set(stack, []);
        return Promise.resolve();
    }
}

function deps(workspace: MeshWorkspace | undefined, out: string[], err: string[]): MeshCliDeps {
    return {
        dir: threeDir,
        checkCli: () => (workspace ? Promise.resolve("v3.248.0") : Promise.reject(new MissingPulumiCliError())),
        workspace: () => {
            if (!workspace) {
                throw new Error("a dry run without the CLI must not open a workspace");
            }
            return workspace;
        },
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        progress: () => ({ onChange: () => undefined, stop: () => undefined }),
        now: () => 0,
    };
}

async function dryRun(argv: string[], workspace?: MeshWorkspace): Promise<{ code: number; doc?: DryRunDocument; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await meshCli([...argv, "--dry-run", "--json"], deps(workspace, out, err));
    return { code, doc: code === 0 ? (JSON.parse(out.join("\n")) as DryRunDocument) : undefined, out, err };
}

/** What a step of the document would make the workspace record, in Backend's notation. */
function expectedCalls(doc: DryRunDocument): string[] {
    // A wave's stack files are all written before any of its programs runs (runner.ts writePhaseConfig).
    return doc.waves.flatMap((w) => [
        ...w.steps.flatMap((s) =>
            Object.keys(s.config)
                .sort()
                .map((k) => `set ${s.stack} ${k}=${String(s.config[k])}`),
        ),
        ...w.steps.map((s) => (s.action === "destroy" ? `destroy ${s.stack}` : `${s.action} ${s.stack} ${JSON.stringify(s.env)}`)),
    ]);
}

describe("groupWaves", () => {
    const step = (phase: number, stack: string): PhasedStep => ({ phase, stack, action: "up", changes: "c", config: {}, env: {}, reason: "r" });
    it("numbers the waves 1..n in phase order with no gaps, keeping the order within a wave", () => {
        const waves = groupWaves([step(4, "a"), step(2, "b"), step(2, "c"), step(3, "d")]);
        assert.deepEqual(
            waves.map((w) => [w.wave, w.steps.map((s) => s.stack)]),
            [
                [1, ["b", "c"]],
                [2, ["d"]],
                [3, ["a"]],
            ],
        );
        assert.equal("phase" in waves[0].steps[0], false);
    });
});

describe("mesh --dry-run", () => {
    it("without the Pulumi CLI: up takes every stack as new, opens no workspace, and says so", async () => {
        const { code, doc, err } = await dryRun(["up"]);
        assert.equal(code, 0, err.join("\n"));
        assert.ok(doc);
        assert.equal(doc.format, DRY_RUN_FORMAT);
        assert.equal(doc.state, "assumed-new");
        assert.deepEqual(
            doc.waves.map((w) => w.steps.map((s) => `${s.action} ${s.stack}`)),
            [["up west"], ["up east", "up north"], ["up west", "up east", "up north"]],
        );
        assert.deepEqual(doc.waves[2].steps[0].config, { "clustermesh:mesh.link": true });
        assert.match(doc.notes[0], /not read/);
    });

    it("destroy without the CLI takes every stack as deployed and needs no --yes", async () => {
        const { code, doc } = await dryRun(["destroy", "--stacks", "north"]);
        assert.equal(code, 0);
        assert.ok(doc);
        assert.equal(doc.state, "assumed-deployed");
        assert.deepEqual(
            doc.waves.map((w) => w.steps.map((s) => `${s.action} ${s.stack} ${s.env.CLUSTERMESH_DEPARTING ?? "-"} ${s.env.CLUSTERMESH_DEPARTING_MARK === departingMark("north") ? "marked" : "unmarked"}`)),
            [["up west north marked", "up east north marked"], ["destroy north - unmarked"]],
        );
    });

    it("--state backend without the CLI refuses (exit 2) rather than guess", async () => {
        const { code, err } = await dryRun(["up", "--state", "backend"]);
        assert.equal(code, 2);
        assert.match(err.join("\n"), /Pulumi CLI/);
    });

    it("--state only goes with --dry-run; an unknown --state is a usage error", async () => {
        const out: string[] = [];
        const err: string[] = [];
        assert.equal(await meshCli(["up", "--state", "new"], deps(undefined, out, err)), 2);
        assert.equal(await meshCli(["up", "--dry-run", "--state", "maybe"], deps(undefined, out, err)), 2);
        assert.match(err.join("\n"), /--state goes with --dry-run/);
        assert.match(err.join("\n"), /--state maybe is not one of/);
    });

    // The dry run must be the runner's order: for each state of the backend, the document's steps,
    // wave by wave, are exactly the calls the real run makes (one at a time) against that backend.
    const states: Array<Record<string, StackStatus>> = [
        {},
        { west: "deployed" },
        { west: "deployed", east: "deployed" },
        { west: "deployed", east: "created", north: "deployed" },
        { west: "deployed", east: "deployed", north: "deployed" },
    ];
    for (const command of ["up", "preview", "destroy"]) {
        for (const status of states) {
            it(`${command} with ${JSON.stringify(status)}: the dry run lists exactly what the run does`, async () => {
                const dry = new Backend(status);
                const { code, doc, err } = await dryRun([command, "--state", "backend"], dry);
                assert.equal(code, 0, err.join("\n"));
                assert.ok(doc);
                assert.equal(doc.state, "backend");
                assert.deepEqual(dry.ran, [], "a dry run runs nothing");
                const real = new Backend(status);
                const out: string[] = [];
                const realErr: string[] = [];
                const realCode = await meshCli([command, "--parallel", "1", "--yes"], { ...deps(real, out, realErr) });
                assert.equal(realCode, 0, realErr.join("\n"));
                assert.deepEqual(real.ran, expectedCalls(doc));
                assert.deepEqual(
                    doc.members.map((m) => [m.stack, m.status]),
                    ["west", "east", "north"].map((s) => [s, status[s] ?? "missing"]),
                );
            });
        }
    }

    it("the table has a row per step with its wave, and the JSON goes alone to stdout", async () => {
        const { doc, out, err } = await dryRun(["up"]);
        assert.ok(doc);
        assert.doesNotThrow(() => JSON.parse(out.join("\n")));
        assert.equal(
            err.some((l) => l.startsWith("{")),
            false,
        );
        const text = formatDryRunTable(doc);
        const rows = text.split("\n").filter((l) => /^\d+\s+\S+\s+(up|preview|destroy)\s/.test(l));
        assert.deepEqual(
            rows.map((r) => r.split(/\s+/).slice(0, 3).join(" ")),
            ["1 west up", "2 east up", "2 north up", "3 west up", "3 east up", "3 north up"],
        );
    });
});
