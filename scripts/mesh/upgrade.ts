/**
 * clustermesh mesh upgrade --cilium VERSION [--parallel N] [--preflight-done] [--logs DIR] [--dir DIR] [--dry-run] [--json]
 * (npm run mesh -- upgrade ... is the same)
 *
 * Moves every member of a deployed mesh to one Cilium release: the path and the moves come from
 * scripts/mesh/upgrade-path.ts (one minor at a time, the latest patch first, the CA owner last,
 * never every member at once). Each move is two waves, edited into its members' stack files
 * (scripts/mesh/stack-file-edit.ts, comments kept) and deployed with `up` through the mesh
 * workspace (scripts/mesh/runner.ts):
 *   1. the pre-flight check (Cilium upgrade guide, "Running pre-flight check (Required)"): sets
 *      `clustermesh:cilium.preflight` to the target, so the up installs the `cilium-preflight`
 *      release of the target's chart and waits until its DaemonSet has pulled the new agent image
 *      on every node and its Deployment has validated the network policies against the target;
 *   2. the move: sets `clustermesh:cilium.version` (and a local chart archive's name) and removes
 *      `clustermesh:cilium.preflight` in the same edit, so the up upgrades the member's release and
 *      deletes the pre-flight release; then `clustermesh verify` (scripts/verify/) from the moved
 *      members and every peer before the next wave starts.
 * The first failure stops the run; running the same command again resumes, since a member whose
 * file and deployed stack (its `ciliumVersion` output) are both on the target is skipped, and a
 * member whose file already says the target (its move's up failed) skips the pre-flight check it
 * passed; a second run after success is a no-op. `--preflight-done` skips the pre-flight waves
 * for a mesh whose pre-flight check was run by hand.
 *
 * Exit codes: 0 done, or nothing to upgrade; 1 a wave's up or verification failed, the mesh
 * configuration has problems, or the stacks' state could not be read; 2 usage, a refused path, a
 * member not deployed, a missing Pulumi CLI, a run already holding the lock.
 */
import * as path from "path";
import { parseArgs } from "util";
import { chartArchiveAt, SUPPORTED_CILIUM_MINORS, supportedMinorIndex } from "../../lib/cilium-version";
import { PREFLIGHT_RELEASE_NAME } from "../../components/cilium/values";
import type { MeshMember } from "../../stacks";
import { table } from "../common/table";
import type { MeshCliDeps } from "./cli";
import { readDeployedMesh } from "./deployed-mesh";
import { dryRunDocument, formatDryRunJson, formatDryRunTable, fromMeshSteps } from "./dry-run";
import { withMeshLock } from "./lock";
import { byClusterId, type MeshStep } from "./plan-order";
import { errorTail, firstErrorLine } from "./progress";
import { runSteps, type StepState } from "./runner";
import { atTarget, upgradePath, upgradeWaves, type UpgradeMember, type UpgradeMove } from "./upgrade-path";
import type { MeshWorkspace } from "./workspace";
import type { StackFileValue } from "./stack-file-edit";

/** The stack-file key a wave sets. */
export const CILIUM_VERSION_KEY = "clustermesh:cilium.version";
/** The key of a local chart archive, whose file name carries the version (stacks/schema.ts). */
export const CILIUM_CHART_KEY = "clustermesh:cilium.chart";
/** The key of the pre-flight check's release (stacks/schema.ts). */
export const CILIUM_PREFLIGHT_KEY = "clustermesh:cilium.preflight";
/** The output index.ts exports the deployed release's version under. */
export const CILIUM_VERSION_OUTPUT = "ciliumVersion";

/** What a verification of one member says. */
export interface VerifyOutcome {
    readonly ok: boolean;
    /** One line or a few: the failed checks, or the tally. */
    readonly detail: string;
}

/** Verifies the deployed mesh from one member's cluster (default: `clustermesh verify --stack STACK --dir DIR`). */
export type VerifyMember = (dir: string, stack: string) => Promise<VerifyOutcome>;

export const upgradeUsage = `usage: clustermesh mesh upgrade --cilium VERSION [--parallel N] [--preflight-done] [--logs DIR] [--dir DIR]
                             [--dry-run] [--json]
  (npm run mesh -- upgrade ... is the same)
  moves every member to Cilium VERSION: one minor at a time, a member behind the latest patch of
  its minor to that patch first, the CA owner (lowest cluster id) last. Each move is two waves:
  the pre-flight check (sets clustermesh:cilium.preflight, pulumi up waits until the target's
  image is on every node and the network policies validate), then the move (sets
  clustermesh:cilium.version, removes clustermesh:cilium.preflight, pulumi up, then clustermesh
  verify from its members and every peer). The first failure stops the run.
  --cilium VERSION  the target release, e.g. ${SUPPORTED_CILIUM_MINORS[SUPPORTED_CILIUM_MINORS.length - 1].referenceChart} (a supported minor: ${SUPPORTED_CILIUM_MINORS.map((r) => r.minor).join(", ")})
  --parallel N      at most N members a wave (default 1); never every member of the mesh at once
  --preflight-done  the pre-flight check was run by hand on every member that moves: skip its waves
  --logs DIR        where each stack's Pulumi output goes, DIR/<stack>.log (default: a new temporary directory)
  --dir DIR         the project (default: $CLUSTERMESH_PROJECT_DIR, else the current directory)
  --dry-run         print the waves (wave, stack, action, what changes) and the upgrade notes; run
                    nothing. Needs no Pulumi CLI (without it the files' versions are taken as deployed)
  --json            one JSON document on stdout, every other line on stderr: with --dry-run the
                    waves (scripts/mesh/dry-run.ts), else each step's result

examples:
  clustermesh mesh upgrade --cilium 1.20.0 --dry-run     the waves and the notes
  clustermesh mesh upgrade --cilium 1.20.0               one member at a time: pre-flight, move, verify
  clustermesh mesh upgrade --cilium 1.20.0 --parallel 4
  clustermesh mesh upgrade --cilium 1.19.6               a rollback, one minor down

after a failure, fix the cause and run the same command again: members already on VERSION (file
and deployed stack) are skipped and a member whose move failed is not pre-flighted again, so it
resumes at the step that failed; after success it is a no-op.

exit codes: 0 done, or nothing to upgrade; 1 a wave's up or verification failed, the mesh
  configuration has problems, or the stacks' state could not be read; 2 usage, a refused path, a
  member not deployed, a missing Pulumi CLI, a run holding the lock`;

/** The member as the path sees it, with what its stack deployed when that is known. */
function upgradeMember(m: MeshMember, deployed: string | undefined): UpgradeMember {
    return { stack: m.stack, file: m.file, clusterId: m.cluster.id, version: m.cilium.version, ...(deployed !== undefined ? { deployed } : {}) };
}

/**
 * The stack-file values one move sets: the version, a local chart archive's name with the new
 * version in it (the schema refuses an archive of another version), and the pre-flight key
 * removed when the file may hold it (the pre-flight release goes with the move).
 */
export function moveConfig(m: MeshMember, move: UpgradeMove, preflighted: boolean): Record<string, StackFileValue> {
    const config: Record<string, StackFileValue> = { [CILIUM_VERSION_KEY]: move.to };
    if (m.cilium.chart !== undefined) {
        config[CILIUM_CHART_KEY] = chartArchiveAt(m.cilium.chart, move.to);
    }
    if (preflighted || m.cilium.preflight !== undefined) {
        config[CILIUM_PREFLIGHT_KEY] = null;
    }
    return config;
}

/** One wave of an upgrade: the pre-flight check of its moves, or the moves themselves. */
export interface UpgradeWave {
    /** 1, 2, 3...: as the dry run and the run number them. */
    readonly wave: number;
    readonly stage: "preflight" | "move";
    readonly moves: readonly UpgradeMove[];
    readonly steps: readonly MeshStep[];
}

/**
 * The waves of the moves: per group of moves, a pre-flight wave (unless `preflightDone`) for the
 * members whose file is not on the move's target yet (a member whose file is has passed its
 * pre-flight check in an earlier run, and validation refuses a pre-flight of the release a file
 * says), then the move wave. Step phases are the wave numbers.
 */
export function upgradeWavesOf(members: readonly MeshMember[], groups: readonly UpgradeMove[][], preflightDone: boolean): UpgradeWave[] {
    const byStack = new Map(members.map((m) => [m.stack, m]));
    const waves: UpgradeWave[] = [];
    const add = (stage: UpgradeWave["stage"], moves: readonly UpgradeMove[], step: (move: UpgradeMove) => Pick<MeshStep, "config" | "reason">): void => {
        const wave = waves.length + 1;
        waves.push({ wave, stage, moves, steps: moves.map((move) => ({ phase: wave, stack: move.stack, action: "up", departing: [], ...step(move) })) });
    };
    for (const group of groups) {
        const preflight = preflightDone ? [] : group.filter((move) => byStack.get(move.stack)!.cilium.version !== move.to);
        if (preflight.length > 0) {
            add("preflight", preflight, (move) => ({
                config: { [CILIUM_PREFLIGHT_KEY]: move.to },
                reason: `Cilium's pre-flight check of ${move.to} before ${move.stack} moves (upgrade guide, "Running pre-flight check (Required)"): its image on every node, the network policies validated`,
            }));
        }
        add("move", group, (move) => ({
            config: moveConfig(byStack.get(move.stack)!, move, preflight.includes(move)),
            reason: `cilium ${move.from} → ${move.to}: ${move.reason}; then verified from ${move.stack} and every peer before the next wave`,
        }));
    }
    return waves;
}

/** What a step changes, for the dry run's CHANGES column. */
function stepChanges(wave: UpgradeWave, step: MeshStep): string {
    const move = wave.moves.find((m) => m.stack === step.stack)!;
    const file = `Pulumi.${step.stack}.yaml`;
    if (wave.stage === "preflight") {
        return (
            `pre-flight check of cilium ${move.to}: sets ${CILIUM_PREFLIGHT_KEY}=${move.to} in ${file}, then pulumi up ` +
            `(the ${PREFLIGHT_RELEASE_NAME} release; up waits until its DaemonSet and Deployment are ready on every node)`
        );
    }
    const chart = step.config[CILIUM_CHART_KEY];
    const removes = CILIUM_PREFLIGHT_KEY in step.config ? `, removes ${CILIUM_PREFLIGHT_KEY}` : "";
    return (
        `cilium ${move.from} → ${move.to}: sets ${CILIUM_VERSION_KEY}=${move.to}${chart !== undefined && chart !== null ? ` and ${CILIUM_CHART_KEY}=${String(chart)}` : ""}${removes} in ${file}, ` +
        `then pulumi up${removes ? ` (the ${PREFLIGHT_RELEASE_NAME} release is deleted)` : ""}, then verify`
    );
}

/** The notes printed before the waves: the target's upgrade notes, how the pre-flight check runs, local chart archives. */
export function upgradeNotes(members: readonly MeshMember[], waves: readonly UpgradeWave[], target: string, preflightDone: boolean): string[] {
    const row = SUPPORTED_CILIUM_MINORS[supportedMinorIndex(target)];
    const moves = waves.filter((w) => w.stage === "move").flatMap((w) => w.moves);
    const notes = [`upgrade notes of Cilium ${row.minor} (read them before the run): ${row.upgradeNotes.url}: ${row.upgradeNotes.summary}`];
    if (moves.some((m) => m.kind === "rollback")) {
        notes.push("a rollback: read the upgrade notes of the minor you leave as well; what it changed is undone");
    }
    const moving = byClusterId(members).filter((m) => moves.some((move) => move.stack === m.stack));
    const preflighted = [...new Set(waves.filter((w) => w.stage === "preflight").flatMap((w) => w.moves.map((m) => m.stack)))];
    if (preflightDone) {
        notes.push(`--preflight-done: Cilium's pre-flight check (upgrade guide, "Running pre-flight check (Required)") was run by hand on ${moving.map((m) => m.stack).join(", ")}; no pre-flight wave runs`);
    } else if (preflighted.length > 0) {
        notes.push(
            `Cilium's pre-flight check (upgrade guide, "Running pre-flight check (Required)") runs before each move, on ${preflighted.join(", ")}: ` +
                `the ${PREFLIGHT_RELEASE_NAME} release of the target's chart pulls its image on every node and validates the network policies; the move removes it`,
        );
    }
    for (const m of members.filter((x) => x.cilium.preflight !== undefined && !moving.includes(x))) {
        notes.push(`${m.file} still sets ${CILIUM_PREFLIGHT_KEY}: ${m.cilium.preflight} (an earlier run or a hand edit): remove it and run its up to delete the ${PREFLIGHT_RELEASE_NAME} release`);
    }
    for (const m of moving.filter((x) => x.cilium.chart !== undefined)) {
        notes.push(`${m.file} installs a local chart archive: each move points ${CILIUM_CHART_KEY} at cilium-<version>.tgz beside it; fetch it first (helm pull cilium/cilium --version <version>)`);
    }
    return notes;
}

interface ParsedUpgrade {
    readonly target: string;
    readonly parallel: number;
    readonly preflightDone: boolean;
    readonly logs?: string;
    readonly dryRun: boolean;
    readonly json: boolean;
}

/** The default verification: `clustermesh verify --stack STACK --dir DIR`, its lines kept for the message. */
export const verifyWithCli: VerifyMember = async (dir, stack) => {
    const { defaultDeps, verifyCli } = await import("../verify/cli");
    const lines: string[] = [];
    const keep = (line: string) => lines.push(line);
    const code = await verifyCli(["--stack", stack, "--dir", dir], { ...defaultDeps(dir), out: keep, err: keep });
    const failed = lines.filter((l) => l.startsWith("FAIL"));
    return { ok: code === 0, detail: (failed.length > 0 ? failed : lines.slice(-3)).join("\n") };
};

export async function meshUpgradeCli(argv: readonly string[], deps: MeshCliDeps): Promise<number> {
    let parsed: ParsedUpgrade;
    try {
        const { values, positionals } = parseArgs({
            args: [...argv],
            allowPositionals: true,
            strict: true,
            options: {
                cilium: { type: "string" },
                parallel: { type: "string" },
                "preflight-done": { type: "boolean" },
                logs: { type: "string" },
                dir: { type: "string" },
                "dry-run": { type: "boolean" },
                json: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
        });
        if (values.help) {
            deps.out(upgradeUsage);
            return 0;
        }
        if (positionals.length > 0) {
            throw new Error(`unexpected argument ${positionals.join(" ")}`);
        }
        if (values.cilium === undefined || values.cilium.trim() === "") {
            throw new Error("--cilium VERSION is required: the release to move every member to");
        }
        const parallel = values.parallel === undefined ? 1 : Number(values.parallel);
        if (!Number.isInteger(parallel) || parallel < 1) {
            throw new Error(`--parallel ${values.parallel} is not a whole number of at least 1`);
        }
        if (values.dir !== undefined) {
            deps = { ...deps, dir: path.resolve(values.dir) };
        }
        parsed = {
            target: values.cilium.trim(),
            parallel,
            preflightDone: values["preflight-done"] === true,
            ...(values.logs !== undefined ? { logs: values.logs } : {}),
            dryRun: values["dry-run"] === true,
            json: values.json === true,
        };
    } catch (e) {
        deps.err(`${(e as Error).message}\n${upgradeUsage}`);
        return 2;
    }
    if (parsed.dryRun) {
        return upgradeRun(parsed, deps);
    }
    return withMeshLock(deps.dir, deps.lock, deps.err, () => upgradeRun(parsed, deps));
}

async function upgradeRun(args: ParsedUpgrade, deps: MeshCliDeps): Promise<number> {
    const info = args.json ? deps.err : deps.out;
    const read = await readDeployedMesh("upgrade", args, deps, CILIUM_VERSION_OUTPUT);
    if ("exit" in read) return read.exit;
    const { members: ordered, state, workspace, logDir, status } = read;
    const versions = new Map(ordered.map((m) => [m.stack, read.outputs.get(m.stack)]));
    const absent = ordered.filter((m) => status.get(m.stack) !== "deployed");
    if (absent.length > 0) {
        deps.err(
            `mesh upgrade moves a deployed mesh, and ${absent.map((m) => `${m.stack} (${status.get(m.stack)})`).join(", ")} ${absent.length === 1 ? "has" : "have"} not been deployed; nothing was run. ` +
                `Set ${CILIUM_VERSION_KEY}: ${args.target} in ${absent.length === 1 ? "its file" : "their files"} and run npm run mesh -- up, or deploy the mesh first.`,
        );
        return 2;
    }
    const upgradeMembers = ordered.map((m) => { const v = versions.get(m.stack); return upgradeMember(m, typeof v === "string" ? v : undefined); });
    const pathResult = upgradePath(upgradeMembers, args.target);
    if (pathResult.kind === "refused") {
        deps.err(`mesh upgrade --cilium ${args.target} is refused; nothing was run:\n${pathResult.problems.map((p) => `  - ${p}`).join("\n")}`);
        return 2;
    }
    const docMembers = ordered.map((m) => ({ stack: m.stack, clusterId: m.cluster.id, status: status.get(m.stack) ?? "missing" }));
    if (pathResult.kind === "nothing") {
        if (args.dryRun) {
            const doc = dryRunDocument({ command: `upgrade --cilium ${args.target}`, state, members: docMembers, steps: [], notes: [pathResult.message] });
            const text = args.json ? formatDryRunJson(doc) : formatDryRunTable(doc);
            deps.out(text.trimEnd());
        } else {
            info(pathResult.message);
            if (args.json) {
                deps.out(JSON.stringify({ format: "clustermesh-mesh-run/v1", command: "upgrade", ok: true, waves: [] }, null, 2));
            }
        }
        return 0;
    }
    const waves = upgradeWavesOf(ordered, upgradeWaves(upgradeMembers, pathResult, args.parallel), args.preflightDone);
    const steps = waves.flatMap((w) => w.steps);
    const notes = upgradeNotes(ordered, waves, args.target, args.preflightDone);
    const skipped = upgradeMembers.filter((m) => atTarget(m, args.target)).map((m) => m.stack);
    if (skipped.length > 0) {
        notes.unshift(`${skipped.join(", ")} ${skipped.length === 1 ? "is" : "are"} on ${args.target} already (file and deployed stack): skipped`);
    }
    if (args.dryRun) {
        const phased = fromMeshSteps(steps).map((s, i) => ({ ...s, changes: stepChanges(waves[steps[i].phase - 1], steps[i]) }));
        const doc = dryRunDocument({
            command: `upgrade --cilium ${args.target}`,
            state,
            members: docMembers,
            steps: phased,
            notes: state === "backend" ? notes : ["the stacks' states were not read (no Pulumi CLI): every member is taken as deployed at the version its file says", ...notes],
            next: [`npm run verify -- --stack <member> checks the mesh from any member once every wave has run`],
        });
        const text = args.json ? formatDryRunJson(doc) : formatDryRunTable(doc);
        deps.out(text.trimEnd());
        return 0;
    }

    for (const note of notes) {
        info(`note: ${note}`);
    }
    return runWaves(args, deps, ordered, waves, workspace!, logDir);
}

/** One line per wave member: `r2 pre-flight 1.20.0` or `r2 cilium 1.19.6 → 1.20.0`. */
function describeWave(wave: UpgradeWave): string {
    return wave.moves.map((m) => (wave.stage === "preflight" ? `${m.stack} pre-flight check of ${m.to}` : `${m.stack} cilium ${m.from} → ${m.to}`)).join(", ");
}

async function runWaves(args: ParsedUpgrade, deps: MeshCliDeps, members: readonly MeshMember[], waves: readonly UpgradeWave[], workspace: MeshWorkspace, logDir: string): Promise<number> {
    const info = args.json ? deps.err : deps.out;
    const verify = deps.verify ?? verifyWithCli;
    const again = `npm run mesh -- upgrade --cilium ${args.target}${args.preflightDone ? " --preflight-done" : ""}${args.parallel !== 1 ? ` --parallel ${args.parallel}` : ""}`;
    const moveWaves = waves.filter((w) => w.stage === "move");
    info(
        `upgrade to ${args.target}: ${waves.length} wave${waves.length === 1 ? "" : "s"} (${moveWaves.length} move${moveWaves.length === 1 ? "" : "s"}, each after its pre-flight check), ` +
            `at most ${Math.max(...waves.map((w) => w.moves.length))} member(s) each; each stack's Pulumi output goes to ${logDir}/<stack>.log`,
    );
    info(table(["WAVE", "STACK", "CHANGES"], waves.flatMap((w) => w.moves.map((m) => [String(w.wave), m.stack, w.stage === "preflight" ? `pre-flight check of ${m.to}` : `cilium ${m.from} → ${m.to}`]))));
    let stopped: string | undefined;
    const unsubscribe = (deps.onStop ?? (await import("./cli")).defaultOnStop)((why) => {
        if (stopped === undefined) {
            stopped = why;
            deps.err(`${why}: letting the running wave finish, starting no other`);
        }
    });
    // Read through a function: the handler sets it while the waves run.
    const stopReason = (): string | undefined => stopped;
    const states: StepState[] = [];
    const verified: Array<{ wave: number; from: string; ok: boolean; detail: string }> = [];
    const finish = (ok: boolean): void => {
        if (args.json) {
            deps.out(
                JSON.stringify(
                    {
                        format: "clustermesh-mesh-upgrade/v1",
                        command: "upgrade",
                        target: args.target,
                        ok,
                        logDir,
                        waves: waves.map((w) => ({
                            wave: w.wave,
                            stage: w.stage,
                            steps: states.filter((s) => s.step.phase === w.wave).map((s) => ({ stack: s.step.stack, action: s.step.action, status: s.status, ...(s.error !== undefined ? { error: firstErrorLine(s.error, 300) } : {}) })),
                            verified: verified.filter((v) => v.wave === w.wave).map(({ from, ok: passed, detail }) => ({ from, ok: passed, detail })),
                        })),
                    },
                    null,
                    2,
                ),
            );
        }
    };
    try {
        for (const w of waves) {
            const { wave } = w;
            if (stopped !== undefined) {
                deps.err(`upgrade stopped (${stopped}) before wave ${wave} of ${waves.length}. Run ${again} to finish: members already on ${args.target} are skipped.`);
                finish(false);
                return 1;
            }
            info(`wave ${wave}/${waves.length}: ${describeWave(w)}`);
            const result = await runSteps(w.steps, workspace, { parallel: w.steps.length, now: deps.now });
            states.push(...result.states);
            const failed = result.states.filter((s) => s.status !== "done");
            const moved = w.moves.map((m) => m.stack);
            if (failed.length > 0) {
                for (const s of failed) {
                    deps.err(`wave ${wave}: up ${s.step.stack} failed (the whole output: ${path.join(logDir, `${s.step.stack}.log`)}):\n${errorTail(s.error ?? "")}`);
                }
                const names = failed.map((s) => s.step.stack).join(", ");
                const one = failed.length === 1;
                const to = w.moves[0].to;
                deps.err(
                    w.stage === "preflight"
                        ? `upgrade stopped at wave ${wave} of ${waves.length}: the pre-flight check of ${to} on ${names} did not become ready; no later wave ran and ${one ? "its" : "their"} Cilium did not move. ` +
                              `The ${PREFLIGHT_RELEASE_NAME} pods show why (kubectl -n kube-system describe daemonset/cilium-pre-flight-check; kubectl -n kube-system logs deployment/cilium-pre-flight-check for a network policy ${to} refuses). ` +
                              `Fix the cause and run ${again} again: it runs the pre-flight check of ${names} again.`
                        : `upgrade stopped at wave ${wave} of ${waves.length}: the up of ${names} failed; no later wave ran. ` +
                              `${names} ${one ? "keeps" : "keep"} ${CILIUM_VERSION_KEY}: ${to} in ${one ? "its file" : "their files"}, but ${one ? "its" : "their"} stack still reports the old version. ` +
                              `Fix the cause and run ${again} again: it resumes at ${names} without a second pre-flight check (members already on ${args.target} are skipped).`,
                );
                finish(false);
                return 1;
            }
            if (w.stage === "preflight") {
                // Helm's wait on the pre-flight release is the check (images pulled, policies valid); nothing moved for the peers to see.
                info(`wave ${wave}/${waves.length} done: the pre-flight check of ${w.moves[0].to} is ready on ${moved.join(", ")}`);
                continue;
            }
            // The wave's members first (their agents reach every peer), then every peer (their agents reach the moved clustermesh-apiservers).
            const from = [...moved, ...members.map((m) => m.stack).filter((s) => !moved.includes(s))];
            for (const stack of from) {
                const why = stopReason();
                if (why !== undefined) {
                    deps.err(
                        `upgrade stopped (${why}) while wave ${wave} of ${waves.length} was verified: ${moved.join(", ")} ${moved.length === 1 ? "is" : "are"} deployed on the new version. ` +
                            `Check the mesh (npm run verify -- --stack ${stack}), then run ${again} to finish: members already on ${args.target} are skipped.`,
                    );
                    finish(false);
                    return 1;
                }
                let outcome: VerifyOutcome;
                try {
                    outcome = await verify(deps.dir, stack);
                } catch (e) {
                    outcome = { ok: false, detail: (e as Error).message };
                }
                verified.push({ wave, from: stack, ...outcome });
                if (!outcome.ok) {
                    const last = wave === waves.length;
                    deps.err(
                        `wave ${wave}: verify from ${stack} failed after ${moved.join(", ")} moved to ${w.moves[0].to}:\n${outcome.detail}\n` +
                            `upgrade stopped at wave ${wave} of ${waves.length}: ${moved.join(", ")} ${moved.length === 1 ? "is" : "are"} deployed on the new version, no later wave ran. ` +
                            (!last
                                ? `Find the cause (npm run verify -- --stack ${stack}), then run ${again} again: ${moved.join(", ")} ${moved.length === 1 ? "is" : "are"} skipped and the next wave is verified with ${moved.length === 1 ? "it" : "them"}; `
                                : `This was the last wave, so a rerun has nothing left to move: find the cause and check with npm run verify -- --stack ${stack}; `) +
                            `to go back instead, run npm run mesh -- upgrade --cilium ${w.moves[0].from}.`,
                    );
                    finish(false);
                    return 1;
                }
            }
            info(`wave ${wave}/${waves.length} done: ${moved.join(", ")} on ${w.moves[0].to}, verified from ${from.length} member${from.length === 1 ? "" : "s"}`);
        }
    } finally {
        unsubscribe();
    }
    const edited = [...new Set(moveWaves.flatMap((w) => w.moves.map((m) => `Pulumi.${m.stack}.yaml`)))];
    info(`upgrade done: every member is on ${args.target}. Commit the stack files (${CILIUM_VERSION_KEY} changed in ${edited.join(", ")}).`);
    finish(true);
    return 0;
}
