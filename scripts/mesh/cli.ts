/**
 * clustermesh mesh preview|up|destroy [--stacks a,b] [--parallel N] [--logs DIR] [--yes] [--dry-run] [--json] [--dir DIR]
 * (npm run mesh -- ... is the same)
 *
 * Drives every stack of the mesh in the right order with Pulumi's Automation API: the order is
 * decided by scripts/mesh/plan-order.ts from the stack files and each stack's outputs, and run
 * by scripts/mesh/runner.ts phase by phase, the stacks of a phase concurrently. The real run
 * needs the Pulumi CLI (and cloud credentials); without it the command says so and
 * `clustermesh plan --all` still works. `--dry-run` prints the steps (scripts/mesh/dry-run.ts).
 *
 * Exit codes: 0 done; 1 a step failed, the mesh configuration has problems, or the CLI or the
 * stacks' state could not be read; 2 usage, a refused order, a missing CLI, or destroy without --yes.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { formatProblem, inspectMesh } from "../../stacks";
import { errorDocument, EXIT, formatErrorDocument } from "../common/flags";
import { LiveView } from "../common/live-view";
import { onOutputGone } from "../common/main";
import { dryRunDocument, formatDryRunJson, formatDryRunTable, fromMeshSteps, type DryRunDocument } from "./dry-run";
import { withMeshLock, type LockResult } from "./lock";
import { byClusterId, MESH_COMMANDS, MeshPlanError, planOrder, selectStacks, stackStatus, type MeshCommand, type StackStatus } from "./plan-order";
import { describeStep, errorTail, firstErrorLine, formatSummary, MeshProgress } from "./progress";
import { removalRefusal } from "./removal-guard";
import { phasesOf, runSteps, type StepState } from "./runner";
import type { VerifyMember } from "./upgrade";
import { MissingPulumiCliError, type MeshWorkspace } from "./workspace";

export const DEFAULT_PARALLEL = 8;

export const usage = `usage: clustermesh mesh preview|up|destroy [--stacks a,b] [--parallel N] [--logs DIR] [--yes] [--dir DIR]
                        [--dry-run [--state auto|backend|new|deployed]] [--json]
       clustermesh mesh upgrade --cilium VERSION [--parallel N] [--preflight-done] [--dry-run] [--json] ...
       clustermesh mesh rotate-ca [--parallel N] [--dry-run] [--json] ...
  (npm run mesh -- ... is the same)
  preview   preview every stack (or those in --stacks) as its file says
  up        build and link the mesh: the CA owner, then new clusters unlinked, then every stack linked
  destroy   remove the stacks in --stacks (the others are updated without them first), or all of them,
            the CA owner last; needs --yes
  step      run one step of a dry-run document (clustermesh mesh step --help): what CI's wave jobs run
  upgrade   move every member to one Cilium release, wave by wave, verified after each wave
            (clustermesh mesh upgrade --help)
  rotate-ca replace the mesh CA with no pair of members distrusting the other: trust both, re-issue,
            drop the old, each wave verified (clustermesh mesh rotate-ca --help)
  --stacks a,b    only these members (and what the order needs); --stack NAME is the same
  --dir DIR       the project (default: $CLUSTERMESH_PROJECT_DIR, else the current directory)
  --parallel N    at most N stacks at once within a phase (default ${DEFAULT_PARALLEL}); phases never overlap
  --logs DIR      where each stack's Pulumi output goes, DIR/<stack>.log (default: a new temporary directory)
  --dry-run       print the steps (wave, stack, action, what changes) and run nothing; destroy needs no --yes
  --json          one JSON document on stdout, every other line on stderr: with --dry-run the steps
                  (scripts/mesh/dry-run.ts documents it), else each step's result
  --state S       with --dry-run, where the stacks' states come from: backend (through the Pulumi CLI;
                  fails without it), new (taken as never deployed; no CLI needed), deployed (taken as
                  all deployed; no CLI needed), or auto (default: the backend when the CLI is
                  installed, else new for up and preview, deployed for destroy)

examples:
  clustermesh mesh up --dry-run                       the waves of steps up would run, offline
  clustermesh mesh up --dry-run --json | jq '.waves[].steps[].stack'
  clustermesh mesh up                                 build and link every member
  clustermesh mesh up --stacks north --parallel 4     a new member, then every stack linked to it
  clustermesh mesh destroy --stacks north --yes       one member leaves; the others drop it first
  clustermesh mesh upgrade --cilium 1.20.0 --dry-run  the upgrade's waves, notes and pre-flight commands
  clustermesh mesh rotate-ca --dry-run                the CA rotation's waves, offline

exit codes: 0 done; 1 a step failed, the mesh configuration has problems, or the CLI or the
  stacks' state could not be read; 2 usage, a refused order, a missing CLI, destroy without --yes`;

export type DryRunState = "auto" | "backend" | "new" | "deployed";
const DRY_RUN_STATES: readonly DryRunState[] = ["auto", "backend", "new", "deployed"];

/** What the CLI is told about each step as it runs; `stop` is called once every step has ended. */
export interface ProgressSink {
    readonly onChange: (state: StepState, states: readonly StepState[]) => void;
    readonly stop: () => void;
}

export interface MeshCliDeps {
    /** Project directory holding Pulumi.yaml and the stack files. */
    readonly dir: string;
    /** Resolves with the Pulumi CLI version; rejects with MissingPulumiCliError when there is none. */
    readonly checkCli: () => Promise<string>;
    /** The workspace for the project in `dir`, writing each stack's CLI output under `logDir`. */
    readonly workspace: (dir: string, logDir: string) => MeshWorkspace;
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
    /** The live view; default: MeshProgress on stderr. */
    readonly progress?: (command: MeshCommand) => ProgressSink;
    /** The clock for durations; default Date.now. */
    readonly now?: () => number;
    /** Takes the project folder's lock (default: scripts/mesh/lock.ts). */
    readonly lock?: (dir: string) => LockResult;
    /**
     * Calls `handler` when the run should stop (Ctrl-C, SIGTERM, the output went away); returns the
     * unsubscribe. Running steps finish, nothing else starts. Default: those signals and onOutputGone.
     */
    readonly onStop?: (handler: (why: string) => void) => () => void;
    /** `mesh upgrade`'s check of the deployed mesh from one member after each wave; default: `clustermesh verify --stack`. */
    readonly verify?: VerifyMember;
}

export function defaultOnStop(handler: (why: string) => void): () => void {
    const sigint = () => handler("interrupted (SIGINT)");
    const sigterm = () => handler("terminated (SIGTERM)");
    process.on("SIGINT", sigint);
    process.on("SIGTERM", sigterm);
    const gone = onOutputGone(handler);
    return () => {
        process.off("SIGINT", sigint);
        process.off("SIGTERM", sigterm);
        gone();
    };
}

async function readStatus(workspace: MeshWorkspace, stacks: readonly string[]): Promise<Map<string, StackStatus>> {
    const status = new Map<string, StackStatus>();
    for (const stack of stacks) {
        status.set(stack, stackStatus(await workspace.outputs(stack)));
    }
    return status;
}

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export async function meshCli(argv: readonly string[], deps: MeshCliDeps): Promise<number> {
    if (argv[0] === "step") {
        // One step of a dry-run document, as each job of .github/workflows/mesh.yml runs it.
        return (await import("./step")).meshStepCli(argv.slice(1), deps);
    }
    if (argv[0] === "upgrade") {
        // Every member to one Cilium release, wave by wave, verified after each (scripts/mesh/upgrade.ts).
        return (await import("./upgrade")).meshUpgradeCli(argv.slice(1), deps);
    }
    if (argv[0] === "rotate-ca") {
        // A new mesh CA in waves that never leave a pair distrusting each other (scripts/mesh/rotate-ca.ts).
        return (await import("./rotate-ca")).meshRotateCaCli(argv.slice(1), deps);
    }
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            allowPositionals: true,
            options: {
                stacks: { type: "string" },
                stack: { type: "string", multiple: true },
                dir: { type: "string" },
                parallel: { type: "string" },
                logs: { type: "string" },
                yes: { type: "boolean" },
                "dry-run": { type: "boolean" },
                json: { type: "boolean" },
                state: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (e) {
        deps.err(`${(e as Error).message}\n${usage}`);
        return 2;
    }
    if (parsed.values.help) {
        deps.out(usage);
        return 0;
    }
    const [command, ...extra] = parsed.positionals;
    if (!MESH_COMMANDS.includes(command as MeshCommand) || extra.length > 0) {
        deps.err(command === undefined ? usage : `unknown command ${[command, ...extra].join(" ")}\n${usage}`);
        return 2;
    }
    const meshCommand = command as MeshCommand;
    // --stack a (repeatable) and --stacks a,b name the same thing, as in every other subcommand.
    const named = [parsed.values.stacks, ...(parsed.values.stack ?? [])].filter((v): v is string => v !== undefined);
    const stacks =
        named.length === 0
            ? undefined
            : named
                  .join(",")
                  .split(",")
                  .map((s) => s.trim())
                  .filter((s) => s.length > 0);
    if (named.length > 0 && stacks?.length === 0) {
        deps.err(`--stacks names no stack\n${usage}`);
        return 2;
    }
    const parallel = parsed.values.parallel === undefined ? DEFAULT_PARALLEL : Number(parsed.values.parallel);
    if (!Number.isInteger(parallel) || parallel < 1) {
        deps.err(`--parallel ${parsed.values.parallel} is not a whole number of at least 1\n${usage}`);
        return 2;
    }

    const dryRun = parsed.values["dry-run"] === true;
    if (!dryRun && parsed.values.state !== undefined) {
        deps.err(`--state goes with --dry-run\n${usage}`);
        return 2;
    }
    if (parsed.values.dir !== undefined) {
        deps = { ...deps, dir: path.resolve(parsed.values.dir) };
    }
    const state = (parsed.values.state ?? "auto") as DryRunState;
    if (!DRY_RUN_STATES.includes(state)) {
        deps.err(`--state ${parsed.values.state} is not one of ${DRY_RUN_STATES.join(", ")}\n${usage}`);
        return 2;
    }
    if (dryRun) {
        return meshDryRun(meshCommand, stacks, state, parsed.values.json === true, deps);
    }

    return withMeshLock(deps.dir, deps.lock, deps.err, () => meshLocked(meshCommand, stacks, parallel, parsed.values, parsed.values.json === true, deps));
}

async function meshLocked(
    meshCommand: MeshCommand,
    stacks: string[] | undefined,
    parallel: number,
    values: { logs?: string; yes?: boolean },
    json: boolean,
    deps: MeshCliDeps,
): Promise<number> {
    const parsed = { values };
    // With --json, stdout carries the one document; every line for people goes to stderr.
    const info = json ? deps.err : deps.out;
    const { members, problems } = inspectMesh(deps.dir);
    if (problems.length > 0) {
        const message = `The mesh configuration has problems; nothing was run:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`;
        deps.err(message);
        if (json) {
            deps.out(formatErrorDocument(errorDocument(`mesh ${meshCommand}`, EXIT.failed, "config", message, problems)).trimEnd());
        }
        return 1;
    }
    try {
        selectStacks(members, stacks);
    } catch (e) {
        if (e instanceof MeshPlanError) {
            deps.err(e.message);
            return 2;
        }
        throw e;
    }

    try {
        info(`Pulumi CLI ${await deps.checkCli()}`);
    } catch (e) {
        if (e instanceof MissingPulumiCliError) {
            deps.err(e.message);
            return 2;
        }
        deps.err(`The Pulumi CLI is there but did not answer; nothing was run.\n${errorTail((e as Error).message)}`);
        return 1;
    }

    // A new folder only this user can read (mkdtemp: 0700); the logs in it are 0600.
    const logDir = path.resolve(parsed.values.logs ?? fs.mkdtempSync(path.join(os.tmpdir(), `clustermesh-mesh-${meshCommand}-${new Date().toISOString().replace(/[:.]/g, "-")}-`)));
    const workspace = deps.workspace(deps.dir, logDir);
    let status: Map<string, StackStatus>;
    try {
        status = await readStatus(
            workspace,
            members.map((m) => m.stack),
        );
    } catch (e) {
        deps.err(`Could not read the stacks' state from the Pulumi backend; nothing was run. Are you logged in (pulumi login)?\n${errorTail((e as Error).message)}`);
        return 1;
    }

    const refusal = await removalRefusal(meshCommand, members, workspace);
    if (refusal) {
        deps.err(refusal);
        return 2;
    }
    let plan;
    try {
        plan = planOrder({ members, command: meshCommand, stacks, status });
    } catch (e) {
        if (e instanceof MeshPlanError) {
            deps.err(e.message);
            return 2;
        }
        throw e;
    }
    info(`mesh: ${members.map((m) => `${m.stack} (id ${m.cluster.id}, ${status.get(m.stack) ?? "missing"})`).join(", ")}`);
    for (const note of plan.notes) {
        info(`note: ${note}`);
    }
    if (plan.steps.length === 0) {
        info(`${meshCommand}: nothing to do`);
        if (json) {
            deps.out(JSON.stringify(runDocument(meshCommand, undefined, []), null, 2));
        }
        return 0;
    }
    const steps = plan.steps;
    if (meshCommand === "destroy" && !parsed.values.yes) {
        steps.forEach((step, i) => info(describeStep(step, i, steps.length)));
        const doomed = steps.filter((s) => s.action === "destroy").map((s) => s.stack);
        deps.err(`destroy removes every resource of ${doomed.join(", ")} for good; nothing was run. Run again with --yes to do the steps above.`);
        return 2;
    }

    const phases = phasesOf(steps);
    info(`${meshCommand}: ${plural(steps.length, "step")} in ${plural(phases.length, "phase")}, at most ${parallel} at once; each stack's Pulumi output goes to ${logDir}/<stack>.log`);
    steps.forEach((step, i) => info(describeStep(step, i, steps.length)));
    const progress = (deps.progress ?? ((c: MeshCommand) => new MeshProgress(new LiveView(), c, deps.now)))(meshCommand);
    let stopped: string | undefined;
    const unsubscribe = (deps.onStop ?? defaultOnStop)((why) => {
        if (stopped === undefined) {
            stopped = why;
            deps.err(`${why}: letting the running steps finish, starting no other (an update cut off mid-way leaves its stack locked)`);
        }
    });
    let result;
    try {
        result = await runSteps(steps, workspace, { parallel, now: deps.now, onChange: progress.onChange, shouldStop: () => stopped !== undefined });
    } finally {
        progress.stop();
        unsubscribe();
    }

    info(`\n${formatSummary(result.states)}`);
    if (json) {
        deps.out(JSON.stringify(runDocument(meshCommand, logDir, result.states), null, 2));
    }
    const failed = result.states.filter((s) => s.status === "failed");
    if (failed.length > 0) {
        for (const s of failed) {
            deps.err(`${s.step.action} ${s.step.stack} failed (the whole output: ${path.join(logDir, `${s.step.stack}.log`)}):\n${errorTail(s.error ?? "")}`);
        }
        const finished = result.states.filter((s) => s.status === "done").length;
        const notStarted = result.states.filter((s) => s.status === "not started").length;
        deps.err(
            `${meshCommand} stopped: ${plural(failed.length, "step")} failed, ${finished} finished, ${notStarted} not started (later phases wait for every stack of the one before). ` +
                `Fix the cause and run npm run mesh -- ${meshCommand} again: it reads each stack's state afresh, so finished stacks are not rebuilt unlinked and finished updates are no-ops.`,
        );
        return 1;
    }
    if (stopped !== undefined) {
        const notStarted = result.states.filter((s) => s.status === "not started").length;
        deps.err(`${meshCommand} stopped (${stopped}): ${notStarted} step${notStarted === 1 ? "" : "s"} not started. Run npm run mesh -- ${meshCommand} again to finish: it reads each stack's state afresh.`);
        return 1;
    }
    info(`${meshCommand} done: ${plural(steps.length, "step")}`);
    for (const line of plan.next) {
        info(`next: ${line}`);
    }
    return 0;
}

/** What `--json` prints after a real run: each step's result, wave by wave. */
export interface MeshRunDocument {
    readonly format: "clustermesh-mesh-run/v1";
    readonly command: string;
    readonly ok: boolean;
    /** Where each stack's Pulumi output is, <logDir>/<stack>.log; absent when nothing ran. */
    readonly logDir?: string;
    readonly waves: ReadonlyArray<{
        readonly wave: number;
        readonly steps: ReadonlyArray<{ readonly stack: string; readonly action: string; readonly status: StepState["status"]; readonly seconds?: number; readonly error?: string }>;
    }>;
}

export function runDocument(command: string, logDir: string | undefined, states: readonly StepState[]): MeshRunDocument {
    const phases = [...new Set(states.map((s) => s.step.phase))].sort((a, b) => a - b);
    return {
        format: "clustermesh-mesh-run/v1",
        command,
        ok: states.every((s) => s.status === "done"),
        ...(logDir !== undefined ? { logDir } : {}),
        waves: phases.map((phase, i) => ({
            wave: i + 1,
            steps: states
                .filter((s) => s.step.phase === phase)
                .map((s) => ({
                    stack: s.step.stack,
                    action: s.step.action,
                    status: s.status,
                    ...(s.startedAt !== undefined && s.endedAt !== undefined ? { seconds: Math.round((s.endedAt - s.startedAt) / 100) / 10 } : {}),
                    ...(s.error !== undefined ? { error: firstErrorLine(s.error, 300) } : {}),
                })),
        })),
    };
}

/**
 * `--dry-run`: the steps the run would take, from the same planOrder, with nothing run. The
 * states come from the backend when the Pulumi CLI is there (or `--state backend` demands it),
 * else every stack is taken as not deployed yet (`--state assumed`), which the output says.
 * With `--json` only the document goes to stdout; everything else to stderr.
 */
const ASSUMED_NOTE: Record<Exclude<DryRunDocument["state"], "backend">, string> = {
    "assumed-new": "the stacks' states were not read (no Pulumi CLI, or --state new): every stack is taken as never deployed; with the CLI they come from the backend",
    "assumed-deployed": "the stacks' states were not read (no Pulumi CLI, or --state deployed): every stack is taken as deployed; with the CLI they come from the backend",
};

async function meshDryRun(command: MeshCommand, stacks: readonly string[] | undefined, state: DryRunState, json: boolean, deps: MeshCliDeps): Promise<number> {
    const info = json ? deps.err : deps.out;
    const { members, problems } = inspectMesh(deps.dir);
    if (problems.length > 0) {
        const message = `The mesh configuration has problems; nothing was planned:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`;
        deps.err(message);
        if (json) {
            deps.out(formatErrorDocument(errorDocument(`mesh ${command} --dry-run`, EXIT.failed, "config", message, problems)).trimEnd());
        }
        return 1;
    }
    try {
        selectStacks(members, stacks);
    } catch (e) {
        if (e instanceof MeshPlanError) {
            deps.err(e.message);
            return 2;
        }
        throw e;
    }
    const assumed: DryRunDocument["state"] =
        state === "deployed" || (state === "auto" && command === "destroy") ? "assumed-deployed" : "assumed-new";
    let source: DryRunDocument["state"] = assumed;
    const status = new Map<string, StackStatus>();
    if (state === "auto" || state === "backend") {
        try {
            info(`Pulumi CLI ${await deps.checkCli()}`);
            source = "backend";
        } catch (e) {
            if (!(e instanceof MissingPulumiCliError)) {
                deps.err(`The Pulumi CLI is there but did not answer; nothing was planned.\n${errorTail((e as Error).message)}`);
                return 1;
            }
            if (state === "backend") {
                deps.err(e.message);
                return 2;
            }
        }
    }
    if (source === "backend") {
        const workspace = deps.workspace(deps.dir, path.join(os.tmpdir(), "clustermesh-mesh-dry-run"));
        try {
            for (const [stack, s] of await readStatus(workspace, members.map((m) => m.stack))) {
                status.set(stack, s);
            }
        } catch (e) {
            deps.err(`Could not read the stacks' state from the Pulumi backend; nothing was planned. Are you logged in (pulumi login)?\n${errorTail((e as Error).message)}`);
            return 1;
        }
        const refusal = await removalRefusal(command, members, workspace);
        if (refusal) {
            deps.err(refusal);
            return 2;
        }
    } else if (source === "assumed-deployed") {
        for (const m of members) {
            status.set(m.stack, "deployed");
        }
    }
    let plan;
    try {
        plan = planOrder({ members, command, stacks, status });
    } catch (e) {
        if (e instanceof MeshPlanError) {
            deps.err(e.message);
            return 2;
        }
        throw e;
    }
    const doc = dryRunDocument({
        command,
        state: source,
        members: byClusterId(members).map((m) => ({ stack: m.stack, clusterId: m.cluster.id, status: status.get(m.stack) ?? "missing" })),
        steps: fromMeshSteps(plan.steps),
        notes: source === "backend" ? plan.notes : [ASSUMED_NOTE[source], ...plan.notes],
        next: plan.next,
    });
    const text = json ? formatDryRunJson(doc) : formatDryRunTable(doc);
    deps.out(text.endsWith("\n") ? text.slice(0, -1) : text);
    return 0;
}
