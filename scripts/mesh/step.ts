/**
 * clustermesh mesh step --plan FILE --wave N --stack NAME [--logs DIR] [--dir DIR] [--json]
 *
 * Runs one step of a dry-run document (scripts/mesh/dry-run.ts), exactly as the mesh runner
 * would run it inside its wave: the stack selected, its config set, then the action with the
 * step's environment. This is what each job of .github/workflows/mesh.yml runs: the plan job
 * writes `clustermesh mesh up --dry-run --json --state backend`, and every wave is a job matrix
 * of one job per step, the next wave starting only once every job of this one has succeeded:
 * the runner's own ordering and failure rule, spread over as many runners as there are.
 *
 * Exit codes: 0 the step succeeded; 1 it failed (the stack's log says why); 2 usage, a plan
 * that is not a dry-run document or has no such step, a missing Pulumi CLI.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import type { MeshCliDeps } from "./cli";
import { DRY_RUN_FORMAT, type DryRunDocument, type DryRunStep } from "./dry-run";
import { DEPARTING_MARK_ENV } from "../../lib/contract";
import { DEPARTING_ENV, type MeshStep } from "./plan-order";
import { errorTail } from "./progress";
import { runSteps } from "./runner";
import { MissingPulumiCliError } from "./workspace";

export const stepUsage = `usage: clustermesh mesh step --plan FILE --wave N --stack NAME [--logs DIR] [--dir DIR] [--json]
  runs one step of a dry-run document (clustermesh mesh up --dry-run --json > FILE) as the mesh
  runner would: the stack's config set, then its action with the step's environment
  --plan FILE    the dry-run document
  --wave N       the wave the step is in
  --stack NAME   the stack of the step
  --logs DIR     where the stack's Pulumi output goes, DIR/<stack>.log (default: a new temporary directory)
  --json         print {"stack", "wave", "action", "ok", "log"} on stdout

example (what each job of .github/workflows/mesh.yml runs):
  clustermesh mesh up --dry-run --json --state backend > plan.json
  clustermesh mesh step --plan plan.json --wave 1 --stack west --logs logs

exit codes: 0 the step succeeded; 1 it failed; 2 usage, no such step, a missing Pulumi CLI`;

const ACTIONS: ReadonlyArray<MeshStep["action"]> = ["up", "preview", "destroy"];

/** The runner's step for a dry-run step; throws with the reason when the runner cannot run it. */
export function meshStepOf(step: DryRunStep, wave: number): MeshStep {
    if (!ACTIONS.includes(step.action as MeshStep["action"])) {
        throw new Error(`the step's action ${String(step.action)} is not one the mesh runner runs (${ACTIONS.join(", ")})`);
    }
    const unknown = Object.keys(step.env).filter((k) => k !== DEPARTING_ENV && k !== DEPARTING_MARK_ENV);
    if (unknown.length > 0) {
        throw new Error(`the step sets ${unknown.join(", ")}, which the mesh runner does not pass to the program`);
    }
    const departing = (step.env[DEPARTING_ENV] ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    return { phase: wave, stack: step.stack, action: step.action as MeshStep["action"], config: step.config, departing, reason: step.reason };
}

/** The step `stack` of wave `wave` in the document; throws with what the document holds. */
export function findStep(doc: DryRunDocument, wave: number, stack: string): DryRunStep {
    const w = doc.waves.find((x) => x.wave === wave);
    if (!w) {
        throw new Error(`the plan has no wave ${wave}; its waves: ${doc.waves.map((x) => x.wave).join(", ") || "none"}`);
    }
    const step = w.steps.find((s) => s.stack === stack);
    if (!step) {
        throw new Error(`wave ${wave} of the plan has no step for ${stack}; its stacks: ${w.steps.map((s) => s.stack).join(", ")}`);
    }
    return step;
}

export async function meshStepCli(argv: readonly string[], deps: MeshCliDeps): Promise<number> {
    let values;
    try {
        values = parseArgs({
            args: [...argv],
            options: {
                plan: { type: "string" },
                wave: { type: "string" },
                stack: { type: "string" },
                logs: { type: "string" },
                dir: { type: "string" },
                json: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
        }).values;
    } catch (e) {
        deps.err(`${(e as Error).message}\n${stepUsage}`);
        return 2;
    }
    if (values.help) {
        deps.out(stepUsage);
        return 0;
    }
    const missing = (["plan", "wave", "stack"] as const).filter((k) => values[k] === undefined);
    if (missing.length > 0) {
        deps.err(`mesh step needs ${missing.map((k) => `--${k}`).join(", ")}\n${stepUsage}`);
        return 2;
    }
    const wave = Number(values.wave);
    if (!Number.isInteger(wave) || wave < 1) {
        deps.err(`--wave ${values.wave} is not a whole number of at least 1\n${stepUsage}`);
        return 2;
    }
    let step: MeshStep;
    try {
        const doc = JSON.parse(fs.readFileSync(values.plan!, "utf8")) as DryRunDocument;
        const format: unknown = (doc as { format?: unknown }).format;
        if (format !== DRY_RUN_FORMAT) {
            throw new Error(`it is not a dry-run document (format ${JSON.stringify(format)}, expected ${DRY_RUN_FORMAT})`);
        }
        step = meshStepOf(findStep(doc, wave, values.stack!), wave);
    } catch (e) {
        deps.err(`mesh step: --plan ${values.plan}: ${(e as Error).message}`);
        return 2;
    }
    const info = values.json ? deps.err : deps.out;
    try {
        info(`Pulumi CLI ${await deps.checkCli()}`);
    } catch (e) {
        deps.err(e instanceof MissingPulumiCliError ? e.message : `The Pulumi CLI is there but did not answer; nothing was run.\n${errorTail((e as Error).message)}`);
        return e instanceof MissingPulumiCliError ? 2 : 1;
    }
    const dir = values.dir !== undefined ? path.resolve(values.dir) : deps.dir;
    const logDir = path.resolve(values.logs ?? fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-mesh-step-")));
    const log = path.join(logDir, `${step.stack}.log`);
    info(`wave ${wave}: ${step.action} ${step.stack}: ${step.reason}; Pulumi's output goes to ${log}`);
    const result = await runSteps([step], deps.workspace(dir, logDir), { parallel: 1, now: deps.now });
    const state = result.states[0];
    if (values.json) {
        deps.out(JSON.stringify({ stack: step.stack, wave, action: step.action, ok: result.ok, log }, null, 2));
    }
    if (!result.ok) {
        deps.err(`${step.action} ${step.stack} failed (the whole output: ${log}):\n${errorTail(state.error ?? "")}`);
        return 1;
    }
    info(`${step.action} ${step.stack} done`);
    return 0;
}
