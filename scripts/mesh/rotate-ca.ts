/**
 * clustermesh mesh rotate-ca [--parallel N] [--logs DIR] [--dir DIR] [--dry-run] [--json]
 * (npm run mesh -- rotate-ca ... is the same)
 *
 * Replaces the mesh CA with no moment in which two members distrust each other: the waves of
 * scripts/mesh/rotate-ca-path.ts (the CA owner creates the new CA and trusts both; every member
 * trusts both; every member is re-issued by the new CA; every member drops the old, the owner
 * last). Each wave sets `clustermesh:mesh.ca` in its members' stack files (comments kept), runs
 * their `up`, then verifies the wave's members and every peer (`clustermesh verify`) before the
 * next. The first failure stops the run, and the mesh it leaves is one validation accepts; the
 * same command resumes from the files (a member whose deployed `meshCa` lags its file is brought
 * up first). Trust is Cilium's `tls.caBundle` ("allowing for CA rotation with no down-time").
 *
 * `--generation N` names the rotation: once every member is on N alone, the same command does
 * nothing, so a retry is safe; without it a mesh at rest starts the next rotation.
 *
 * Exit codes: 0 done, or nothing to do; 1 a wave's up or verification failed, the mesh configuration has problems,
 * or the stacks' state could not be read; 2 usage, a member not deployed, a missing Pulumi CLI, a
 * run already holding the lock.
 */
import * as path from "path";
import { parseArgs } from "util";
import { STACK_OUTPUTS } from "../../lib/contract";
import { FIRST_CA_STATE, type MeshCaState } from "../../lib/mesh-ca";
import { DEFAULT_PARALLEL, type MeshCliDeps } from "./cli";
import { readDeployedMesh } from "./deployed-mesh";
import { dryRunDocument, formatDryRunJson, formatDryRunTable, fromMeshSteps } from "./dry-run";
import { withMeshLock } from "./lock";
import type { MeshStep } from "./plan-order";
import type { StackFileValue } from "./stack-file-edit";
import { errorTail } from "./progress";
import { describeCaState, rotationPlan, type RotationMember, type RotationMove, type RotationPlan } from "./rotate-ca-path";
import { runSteps } from "./runner";
import { verifyWithCli } from "./upgrade";

export const rotateCaUsage = `usage: clustermesh mesh rotate-ca [--generation N] [--parallel N] [--logs DIR] [--dir DIR] [--dry-run] [--json]
  (npm run mesh -- rotate-ca ... is the same)
  Replaces the mesh CA in waves, each verified before the next, so no pair of members ever
  distrusts the other (tls.caBundle): the CA owner creates the new CA and trusts old and new;
  every member trusts both; every member is re-issued by the new CA; every member drops the old
  one, the CA owner last. Running it again resumes where the stack files are.
  --generation N  the CA generation to rotate to (the next one, or the one under way): a rerun once
                  there is a no-op. Default: resume a rotation under way, else start the next
  --parallel N    at most N members per wave (default ${DEFAULT_PARALLEL}); the CA owner always has waves of its own
  --logs DIR      each stack's Pulumi output, DIR/<stack>.log (default: a new temporary directory)
  --dir DIR       the project (default: $CLUSTERMESH_PROJECT_DIR, else the current directory)
  --dry-run       print the waves (wave, stack, action, what changes) and run nothing; no Pulumi CLI needed
  --json          one JSON document on stdout (with --dry-run: the steps), every other line on stderr

examples:
  clustermesh mesh rotate-ca --dry-run                the rotation's waves, offline
  clustermesh mesh rotate-ca --dry-run --json | jq '.waves[].steps[] | {stack, changes}'
  clustermesh mesh rotate-ca --generation 2 --parallel 4  rotate to CA 2, at most 4 members per wave; again: no-op

exit codes: 0 done; 1 a wave failed (up or verify), configuration problems, state unreadable;
  2 usage, a refused --generation, a member not deployed, no Pulumi CLI, another run holds the lock`;

const CA_KEY = "clustermesh:mesh.ca";

interface ParsedRotation {
    readonly parallel: number;
    readonly generation?: number;
    readonly logs?: string;
    readonly dryRun: boolean;
    readonly json: boolean;
}

const STEP_WHY: Record<RotationMove["step"], string> = {
    converge: "its deployed stack lags its file: brought up as the file says first",
    trust: "trust the old and the new CA (tls.caBundle), still issued by the old",
    issue: "re-issue its clustermesh certificates from the new CA (every member trusts it)",
    drop: "trust the new CA only (no member is issued by the old one any more)",
};

/** The stack-file values one move sets (path keys under clustermesh:mesh.ca). */
export function rotationConfig(to: MeshCaState): Record<string, StackFileValue> {
    return { [`${CA_KEY}.generation`]: to.generation, [`${CA_KEY}.trustPrevious`]: to.trustPrevious, [`${CA_KEY}.issuer`]: to.issuer };
}

/** The waves as mesh-runner steps: phase = wave number. */
export function rotationSteps(plan: RotationPlan): MeshStep[] {
    return plan.waves.flatMap((wave, i) =>
        wave.map((move): MeshStep => ({
            phase: i + 1,
            stack: move.stack,
            action: "up",
            config: rotationConfig(move.to),
            departing: [],
            reason: `CA ${plan.generation} ${move.step}: ${STEP_WHY[move.step]}; then verified from ${move.stack} and every peer before the next wave`,
        })),
    );
}

function parseMeshCa(value: unknown): MeshCaState | undefined {
    const v = value as Partial<MeshCaState> | undefined;
    return v && typeof v.generation === "number" && typeof v.trustPrevious === "boolean" && (v.issuer === "current" || v.issuer === "previous")
        ? { generation: v.generation, trustPrevious: v.trustPrevious, issuer: v.issuer }
        : undefined;
}

export async function meshRotateCaCli(argv: readonly string[], deps: MeshCliDeps): Promise<number> {
    let parsed: ParsedRotation;
    try {
        const { values, positionals } = parseArgs({
            args: [...argv],
            allowPositionals: true,
            strict: true,
            options: { generation: { type: "string" }, parallel: { type: "string" }, logs: { type: "string" }, dir: { type: "string" }, "dry-run": { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
        });
        if (values.help) {
            deps.out(rotateCaUsage);
            return 0;
        }
        if (positionals.length > 0) throw new Error(`unexpected argument ${positionals.join(" ")}`);
        const parallel = values.parallel === undefined ? DEFAULT_PARALLEL : Number(values.parallel);
        if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`--parallel ${values.parallel} is not a whole number of at least 1`);
        if (values.dir !== undefined) deps = { ...deps, dir: path.resolve(values.dir) };
        const generation = values.generation === undefined ? undefined : Number(values.generation);
        if (generation !== undefined && (!Number.isInteger(generation) || generation < 2)) throw new Error(`--generation ${values.generation} is not a CA generation of at least 2`);
        parsed = { parallel, ...(generation !== undefined ? { generation } : {}), ...(values.logs !== undefined ? { logs: values.logs } : {}), dryRun: values["dry-run"] === true, json: values.json === true };
    } catch (e) {
        deps.err(`${(e as Error).message}\n${rotateCaUsage}`);
        return 2;
    }
    if (parsed.dryRun) return rotationRun(parsed, deps);
    return withMeshLock(deps.dir, deps.lock, deps.err, () => rotationRun(parsed, deps));
}

async function rotationRun(args: ParsedRotation, deps: MeshCliDeps): Promise<number> {
    const info = args.json ? deps.err : deps.out;
    const read = await readDeployedMesh("rotate-ca", args, deps, STACK_OUTPUTS.meshCa);
    if ("exit" in read) return read.exit;
    const { members: ordered, state, workspace, logDir, status } = read;
    // A stack deployed before CA generations has no meshCa output: it is at generation 1.
    const deployed = new Map(ordered.map((m) => [m.stack, state === "backend" && status.get(m.stack) === "deployed" ? (parseMeshCa(read.outputs.get(m.stack)) ?? FIRST_CA_STATE) : undefined]));
    const absent = ordered.filter((m) => status.get(m.stack) !== "deployed");
    if (absent.length > 0) {
        deps.err(`mesh rotate-ca rotates the CA of a deployed mesh, and ${absent.map((m) => `${m.stack} (${status.get(m.stack)})`).join(", ")} ${absent.length === 1 ? "has" : "have"} not been deployed; nothing was run. Deploy the mesh first (npm run mesh -- up).`);
        return 2;
    }
    const rotation: RotationMember[] = ordered.map((m) => ({ stack: m.stack, clusterId: m.cluster.id, ca: m.mesh.ca, ...(deployed.get(m.stack) ? { deployed: deployed.get(m.stack) } : {}) }));
    const planned = rotationPlan(rotation, args.parallel, args.generation);
    if ("refused" in planned) {
        deps.err(`mesh rotate-ca --generation ${args.generation} is refused; nothing was run: ${planned.refused}`);
        return 2;
    }
    const plan = planned;
    const steps = rotationSteps(plan);
    const moveOf = (step: MeshStep): RotationMove => plan.waves[step.phase - 1].find((m) => m.stack === step.stack)!;
    const changes = (step: MeshStep): string => {
        const move = moveOf(step);
        return `${move.step}: ${describeCaState(move.from)} → ${describeCaState(move.to)} (sets ${CA_KEY} in Pulumi.${step.stack}.yaml, then pulumi up, then verify)`;
    };
    const notes = [
        plan.waves.length === 0
            ? `nothing to do: every member trusts and is issued by CA generation ${plan.generation} only`
            : plan.starts ? `starts a rotation to CA generation ${plan.generation}: the CA owner ${ordered[0].stack} creates it in wave 1` : `resumes the rotation to CA generation ${plan.generation} where the stack files are`,
        `the CA owner (${ordered[0].stack}) keeps the old CA until its own last wave, so every wave's mesh is one validation accepts (every pair trusts the other's issuer)`,
    ];
    if (args.dryRun) {
        const doc = dryRunDocument({
            command: "rotate-ca",
            state,
            members: ordered.map((m) => ({ stack: m.stack, clusterId: m.cluster.id, status: status.get(m.stack) ?? "missing" })),
            steps: fromMeshSteps(steps).map((s, i) => ({ ...s, changes: changes(steps[i]) })),
            notes: state === "backend" ? notes : ["the stacks' states were not read (no Pulumi CLI): every member is taken as deployed as its file says", ...notes],
            next: ["npm run verify -- --stack <member> checks the mesh from any member once every wave has run"],
        });
        deps.out((args.json ? formatDryRunJson(doc) : formatDryRunTable(doc)).trimEnd());
        return 0;
    }
    for (const note of notes) info(`note: ${note}`);
    const verify = deps.verify ?? verifyWithCli;
    const rerun = `npm run mesh -- rotate-ca${args.parallel !== DEFAULT_PARALLEL ? ` --parallel ${args.parallel}` : ""}`;
    const results: Array<{ wave: number; stack: string; step: string; ok: boolean; detail?: string }> = [];
    const finish = (ok: boolean): void => {
        if (args.json) deps.out(JSON.stringify({ format: "clustermesh-mesh-rotate-ca/v1", command: "rotate-ca", generation: plan.generation, ok, logDir, results }, null, 2));
    };
    for (let i = 0; i < plan.waves.length; i++) {
        const wave = i + 1;
        const waveSteps = steps.filter((s) => s.phase === wave);
        info(`wave ${wave}/${plan.waves.length}: ${waveSteps.map((s) => `${s.stack} ${moveOf(s).step}`).join(", ")}`);
        const result = await runSteps(waveSteps, workspace!, { parallel: waveSteps.length, now: deps.now });
        const failed = result.states.filter((s) => s.status !== "done");
        for (const s of result.states) results.push({ wave, stack: s.step.stack, step: "up", ok: s.status === "done", ...(s.error !== undefined ? { detail: errorTail(s.error) } : {}) });
        if (failed.length > 0) {
            for (const s of failed) deps.err(`wave ${wave}: up ${s.step.stack} failed (the whole output: ${path.join(logDir, `${s.step.stack}.log`)}):\n${errorTail(s.error ?? "")}`);
            deps.err(
                `rotate-ca stopped at wave ${wave} of ${plan.waves.length}: no later wave ran, and the stack files describe a mesh in which every pair still trusts the other. ` +
                    `Fix the cause and run ${rerun} again: it brings ${failed.map((s) => s.step.stack).join(", ")} up as ${failed.length === 1 ? "its file says" : "their files say"} first, then goes on.`,
            );
            finish(false);
            return 1;
        }
        const moved = waveSteps.map((s) => s.stack);
        for (const stack of [...moved, ...ordered.map((m) => m.stack).filter((s) => !moved.includes(s))]) {
            let outcome: { ok: boolean; detail: string };
            try {
                outcome = await verify(deps.dir, stack);
            } catch (e) {
                outcome = { ok: false, detail: (e as Error).message };
            }
            results.push({ wave, stack, step: "verify", ok: outcome.ok, ...(outcome.ok ? {} : { detail: outcome.detail }) });
            if (!outcome.ok) {
                deps.err(
                    `wave ${wave}: verify from ${stack} failed after ${moved.join(", ")} moved:\n${outcome.detail}\n` +
                        `rotate-ca stopped at wave ${wave} of ${plan.waves.length}; no later wave ran. Find the cause (npm run verify -- --stack ${stack}), then run ${rerun} again: it goes on from the next wave.`,
                );
                finish(false);
                return 1;
            }
        }
        info(`wave ${wave}/${plan.waves.length} done: ${moved.join(", ")} verified from every member`);
    }
    info(
        plan.waves.length === 0
            ? "rotate-ca: nothing to do"
            : `rotate-ca done: every member trusts and is issued by CA generation ${plan.generation} only. Commit the stack files (${CA_KEY} changed in ${[...new Set(steps.map((s) => s.stack))].map((s) => `Pulumi.${s}.yaml`).join(", ")}).`,
    );
    finish(true);
    return 0;
}
