/**
 * clustermesh mesh upgrade --cilium VERSION [--parallel N] [--preflight-done] [--logs DIR] [--dir DIR] [--dry-run] [--json]
 * (npm run mesh -- upgrade ... is the same)
 *
 * Moves every member of a deployed mesh to one Cilium release, wave by wave: the path and the
 * waves come from scripts/mesh/upgrade-path.ts (one minor at a time, the latest patch first, the
 * CA owner last, never every member at once). Each wave sets `clustermesh:cilium.version` in its
 * members' stack files (scripts/mesh/stack-file-edit.ts, comments kept), runs their `up` through
 * the mesh workspace (scripts/mesh/runner.ts), then verifies the wave's members and every peer
 * (`clustermesh verify`, scripts/verify/) before the next wave starts. The first failure stops the
 * run; running the same command again resumes, since a member whose file and deployed stack (its
 * `ciliumVersion` output) are both on the target is skipped, so a second run after success is a
 * no-op.
 *
 * Cilium's pre-flight check (upgrade guide: "Running pre-flight check (Required)") is not run
 * here: it is a separate Helm release of the target chart per cluster that has to be watched and
 * removed again. The plan prints the exact commands for every member that moves, and a real run
 * needs `--preflight-done` to say they were run.
 *
 * Exit codes: 0 done, or nothing to upgrade; 1 a wave's up or verification failed, the mesh
 * configuration has problems, or the stacks' state could not be read; 2 usage, a refused path, a
 * member not deployed, the pre-flight check not confirmed, a missing Pulumi CLI, a run already
 * holding the lock.
 */
import * as path from "path";
import { parseArgs } from "util";
import { chartArchiveAt, SUPPORTED_CILIUM_MINORS, supportedMinorIndex } from "../../lib/cilium-version";
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

/** The stack-file key a wave sets. */
export const CILIUM_VERSION_KEY = "clustermesh:cilium.version";
/** The key of a local chart archive, whose file name carries the version (stacks/schema.ts). */
export const CILIUM_CHART_KEY = "clustermesh:cilium.chart";
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
  moves every member to Cilium VERSION, wave by wave: one minor at a time, a member behind the
  latest patch of its minor to that patch first, the CA owner (lowest cluster id) last. Each wave
  sets clustermesh:cilium.version in its members' stack files, runs their pulumi up, then
  clustermesh verify from its members and every peer; the first failure stops the run.
  --cilium VERSION  the target release, e.g. ${SUPPORTED_CILIUM_MINORS[SUPPORTED_CILIUM_MINORS.length - 1].referenceChart} (a supported minor: ${SUPPORTED_CILIUM_MINORS.map((r) => r.minor).join(", ")})
  --parallel N      at most N members a wave (default 1); never every member of the mesh at once
  --preflight-done  the Cilium pre-flight check (printed by --dry-run) ran on every member that moves;
                    a real run refuses without it
  --logs DIR        where each stack's Pulumi output goes, DIR/<stack>.log (default: a new temporary directory)
  --dir DIR         the project (default: $CLUSTERMESH_PROJECT_DIR, else the current directory)
  --dry-run         print the waves (wave, stack, action, what changes), the upgrade notes and the
                    pre-flight commands; run nothing. Needs no Pulumi CLI (without it the files' versions
                    are taken as deployed)
  --json            one JSON document on stdout, every other line on stderr: with --dry-run the
                    waves (scripts/mesh/dry-run.ts), else each step's result

examples:
  clustermesh mesh upgrade --cilium 1.20.0 --dry-run        the waves, the notes, the pre-flight commands
  clustermesh mesh upgrade --cilium 1.20.0 --preflight-done one member a wave, verified after each
  clustermesh mesh upgrade --cilium 1.20.0 --preflight-done --parallel 4
  clustermesh mesh upgrade --cilium 1.19.6 --preflight-done a rollback, one minor down

after a failure, fix the cause and run the same command again: members already on VERSION (file
and deployed stack) are skipped, so it resumes at the member that failed; after success it is a no-op.

exit codes: 0 done, or nothing to upgrade; 1 a wave's up or verification failed, the mesh
  configuration has problems, or the stacks' state could not be read; 2 usage, a refused path, a
  member not deployed, the pre-flight check not confirmed, a missing Pulumi CLI, a run holding the lock`;

/** The member as the path sees it, with what its stack deployed when that is known. */
function upgradeMember(m: MeshMember, deployed: string | undefined): UpgradeMember {
    return { stack: m.stack, file: m.file, clusterId: m.cluster.id, version: m.cilium.version, ...(deployed !== undefined ? { deployed } : {}) };
}

/**
 * The stack-file values one move sets: the version, and a local chart archive's name with the
 * new version in it (the schema refuses an archive of another version).
 */
export function moveConfig(m: MeshMember, move: UpgradeMove): Record<string, string> {
    const config: Record<string, string> = { [CILIUM_VERSION_KEY]: move.to };
    if (m.cilium.chart !== undefined) {
        config[CILIUM_CHART_KEY] = chartArchiveAt(m.cilium.chart, move.to);
    }
    return config;
}

/** The waves as mesh-runner steps: phase = wave number. */
export function upgradeSteps(members: readonly MeshMember[], waves: readonly UpgradeMove[][]): MeshStep[] {
    const byStack = new Map(members.map((m) => [m.stack, m]));
    return waves.flatMap((wave, i) =>
        wave.map((move): MeshStep => ({
            phase: i + 1,
            stack: move.stack,
            action: "up",
            config: moveConfig(byStack.get(move.stack)!, move),
            departing: [],
            reason: `cilium ${move.from} → ${move.to}: ${move.reason}; then verified from ${move.stack} and every peer before the next wave`,
        })),
    );
}

/** What a move changes, for the dry run's CHANGES column. */
function moveChanges(step: MeshStep, move: UpgradeMove): string {
    const chart = step.config[CILIUM_CHART_KEY];
    return (
        `cilium ${move.from} → ${move.to}: sets ${CILIUM_VERSION_KEY}=${move.to}${chart !== undefined ? ` and ${CILIUM_CHART_KEY}=${String(chart)}` : ""} in Pulumi.${step.stack}.yaml, ` +
        `then pulumi up, then verify`
    );
}

/**
 * Cilium's pre-flight check for one member (upgrade guide, "Running pre-flight check (Required)"):
 * a Helm release of the target chart with only the pre-flight DaemonSet, which pre-pulls the new
 * image on every node; wait for it, then remove it. Without kube-proxy the chart needs the API
 * server's address, which the member's own Cilium release has (`helm get values cilium`).
 */
export function preflightCommands(m: MeshMember, target: string): string[] {
    const kc = `${m.stack}.kubeconfig`;
    const server = m.cilium.kubeProxyReplacement
        ? ` --set k8sServiceHost=$(helm get values cilium --kubeconfig ${kc} -n kube-system -o json | jq -r .k8sServiceHost)` +
          ` --set k8sServicePort=$(helm get values cilium --kubeconfig ${kc} -n kube-system -o json | jq -r .k8sServicePort)`
        : "";
    return [
        `pulumi stack output kubeconfig --show-secrets -s ${m.stack} > ${kc}`,
        `helm install cilium-preflight cilium --repo https://helm.cilium.io/ --version ${target} --kubeconfig ${kc} --namespace kube-system ` +
            `--set preflight.enabled=true --set agent=false --set operator.enabled=false${server}`,
        `kubectl --kubeconfig ${kc} -n kube-system rollout status daemonset/cilium-pre-flight-check --timeout 10m`,
        `helm uninstall cilium-preflight --kubeconfig ${kc} --namespace kube-system && rm ${kc}`,
    ];
}

/** The notes printed before the waves: the target's upgrade notes, then the pre-flight check per moving member. */
export function upgradeNotes(members: readonly MeshMember[], waves: readonly UpgradeMove[][], target: string): string[] {
    const row = SUPPORTED_CILIUM_MINORS[supportedMinorIndex(target)];
    const moves = waves.flat();
    const notes = [`upgrade notes of Cilium ${row.minor} (read them before the run): ${row.upgradeNotes.url}: ${row.upgradeNotes.summary}`];
    if (moves.some((m) => m.kind === "rollback")) {
        notes.push("a rollback: read the upgrade notes of the minor you leave as well; what it changed is undone");
    }
    const moving = byClusterId(members).filter((m) => moves.some((move) => move.stack === m.stack));
    notes.push(
        `required manual step, not run by this command: Cilium's pre-flight check (upgrade guide, "Running pre-flight check (Required)") on ${moving.map((m) => m.stack).join(", ")}: ` +
            "it pre-pulls the new image on every node; run these, wait for the DaemonSet, remove it, then run the upgrade with --preflight-done",
    );
    for (const m of moving) {
        const last = moves.filter((move) => move.stack === m.stack).at(-1)!;
        notes.push(`pre-flight ${m.stack}: ${preflightCommands(m, last.to).join(" && ")}`);
    }
    const archives = moving.filter((m) => m.cilium.chart !== undefined);
    for (const m of archives) {
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
    const waves = upgradeWaves(upgradeMembers, pathResult, args.parallel);
    const steps = upgradeSteps(ordered, waves);
    const moveOf = (step: MeshStep): UpgradeMove => waves[step.phase - 1].find((m) => m.stack === step.stack)!;
    const notes = upgradeNotes(ordered, waves, args.target);
    const skipped = upgradeMembers.filter((m) => atTarget(m, args.target)).map((m) => m.stack);
    if (skipped.length > 0) {
        notes.unshift(`${skipped.join(", ")} ${skipped.length === 1 ? "is" : "are"} on ${args.target} already (file and deployed stack): skipped`);
    }
    if (args.dryRun) {
        const phased = fromMeshSteps(steps).map((s, i) => ({ ...s, changes: moveChanges(steps[i], moveOf(steps[i])) }));
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
    if (!args.preflightDone) {
        deps.err(
            "Cilium's upgrade guide requires the pre-flight check on every cluster before it is upgraded (the notes above list the commands); nothing was run. " +
                `Run it, then the same command with --preflight-done: npm run mesh -- upgrade --cilium ${args.target} --preflight-done`,
        );
        return 2;
    }
    return runWaves(args, deps, ordered, waves, steps, moveOf, workspace!, logDir);
}

async function runWaves(
    args: ParsedUpgrade,
    deps: MeshCliDeps,
    members: readonly MeshMember[],
    waves: readonly UpgradeMove[][],
    steps: readonly MeshStep[],
    moveOf: (step: MeshStep) => UpgradeMove,
    workspace: MeshWorkspace,
    logDir: string,
): Promise<number> {
    const info = args.json ? deps.err : deps.out;
    const verify = deps.verify ?? verifyWithCli;
    const rerun = `npm run mesh -- upgrade --cilium ${args.target} --preflight-done${args.parallel !== 1 ? ` --parallel ${args.parallel}` : ""}`;
    info(`upgrade to ${args.target}: ${waves.length} wave${waves.length === 1 ? "" : "s"}, at most ${Math.max(...waves.map((w) => w.length))} member(s) each; each stack's Pulumi output goes to ${logDir}/<stack>.log`);
    info(table(["WAVE", "STACK", "CHANGES"], steps.map((s) => [String(s.phase), s.stack, `cilium ${moveOf(s).from} → ${moveOf(s).to}`])));
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
                        waves: waves.map((_, i) => ({
                            wave: i + 1,
                            steps: states.filter((s) => s.step.phase === i + 1).map((s) => ({ stack: s.step.stack, action: s.step.action, status: s.status, ...(s.error !== undefined ? { error: firstErrorLine(s.error, 300) } : {}) })),
                            verified: verified.filter((v) => v.wave === i + 1).map(({ from, ok: passed, detail }) => ({ from, ok: passed, detail })),
                        })),
                    },
                    null,
                    2,
                ),
            );
        }
    };
    try {
        for (let i = 0; i < waves.length; i++) {
            const wave = i + 1;
            if (stopped !== undefined) {
                deps.err(`upgrade stopped (${stopped}) before wave ${wave} of ${waves.length}. Run ${rerun} to finish: members already on ${args.target} are skipped.`);
                finish(false);
                return 1;
            }
            const waveSteps = steps.filter((s) => s.phase === wave);
            info(`wave ${wave}/${waves.length}: ${waveSteps.map((s) => `${s.stack} cilium ${moveOf(s).from} → ${moveOf(s).to}`).join(", ")}`);
            const result = await runSteps(waveSteps, workspace, { parallel: waveSteps.length, now: deps.now });
            states.push(...result.states);
            const failed = result.states.filter((s) => s.status !== "done");
            if (failed.length > 0) {
                for (const s of failed) {
                    deps.err(`wave ${wave}: up ${s.step.stack} failed (the whole output: ${path.join(logDir, `${s.step.stack}.log`)}):\n${errorTail(s.error ?? "")}`);
                }
                const names = failed.map((s) => s.step.stack).join(", ");
                deps.err(
                    `upgrade stopped at wave ${wave} of ${waves.length}: the up of ${names} failed; no later wave ran. ` +
                        `${names} ${failed.length === 1 ? "keeps" : "keep"} ${CILIUM_VERSION_KEY}: ${moveOf(failed[0].step).to} in ${failed.length === 1 ? "its file" : "their files"}, but ${failed.length === 1 ? "its" : "their"} stack still reports the old version. ` +
                        `Fix the cause and run ${rerun} again: it resumes at ${names} (members already on ${args.target} are skipped).`,
                );
                finish(false);
                return 1;
            }
            // The wave's members first (their agents reach every peer), then every peer (their agents reach the moved clustermesh-apiservers).
            const moved = waveSteps.map((s) => s.stack);
            const from = [...moved, ...members.map((m) => m.stack).filter((s) => !moved.includes(s))];
            for (const stack of from) {
                const why = stopReason();
                if (why !== undefined) {
                    deps.err(
                        `upgrade stopped (${why}) while wave ${wave} of ${waves.length} was verified: ${moved.join(", ")} ${moved.length === 1 ? "is" : "are"} deployed on the new version. ` +
                            `Check the mesh (npm run verify -- --stack ${stack}), then run ${rerun} to finish: members already on ${args.target} are skipped.`,
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
                    deps.err(
                        `wave ${wave}: verify from ${stack} failed after ${moved.join(", ")} moved to ${moveOf(waveSteps[0]).to}:\n${outcome.detail}\n` +
                            `upgrade stopped at wave ${wave} of ${waves.length}: ${moved.join(", ")} ${moved.length === 1 ? "is" : "are"} deployed on the new version, no later wave ran. ` +
                            (wave < waves.length
                                ? `Find the cause (npm run verify -- --stack ${stack}), then run ${rerun} again: ${moved.join(", ")} ${moved.length === 1 ? "is" : "are"} skipped and the next wave is verified with ${moved.length === 1 ? "it" : "them"}; `
                                : `This was the last wave, so a rerun has nothing left to move: find the cause and check with npm run verify -- --stack ${stack}; `) +
                            `to go back instead, run npm run mesh -- upgrade --cilium ${moveOf(waveSteps[0]).from} --preflight-done.`,
                    );
                    finish(false);
                    return 1;
                }
            }
            info(`wave ${wave}/${waves.length} done: ${moved.join(", ")} on ${moveOf(waveSteps[0]).to}, verified from ${from.length} member${from.length === 1 ? "" : "s"}`);
        }
    } finally {
        unsubscribe();
    }
    info(`upgrade done: every member is on ${args.target}. Commit the stack files (${CILIUM_VERSION_KEY} changed in ${[...new Set(steps.map((s) => s.stack))].map((s) => `Pulumi.${s}.yaml`).join(", ")}).`);
    finish(true);
    return 0;
}
