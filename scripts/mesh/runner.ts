/**
 * Runs the steps of a mesh plan: phase after phase, the steps of one phase concurrently, at most
 * `parallel` at a time. A failing step does not stop the others of its phase (each stack is its
 * own cluster); no later phase starts after a failure, since it builds on the earlier ones (a
 * peer linked to a stack whose update failed would fail too).
 */
import { DEPARTING_ENV, type MeshStep } from "./plan-order";
import type { MeshWorkspace } from "./workspace";

export type StepStatus = "waiting" | "running" | "done" | "failed" | "not started";

/** One step as it runs; the progress view and the summary are drawn from these. */
export interface StepState {
    readonly step: MeshStep;
    /** Position in the plan, from 0. */
    readonly index: number;
    status: StepStatus;
    /** Clock readings (ms) when the step started and ended. */
    startedAt?: number;
    endedAt?: number;
    /** Resources the engine has reported finished so far. */
    resources: number;
    /** The error, whole, when the step failed. */
    error?: string;
}

export interface RunOptions {
    /** At most this many steps at once (>= 1). */
    readonly parallel: number;
    /** The clock, in ms; default Date.now (the simulation passes its own). */
    readonly now?: () => number;
    /** Called whenever a step changes: started, a resource finished, done, failed. */
    readonly onChange?: (state: StepState, states: readonly StepState[]) => void;
}

export interface RunResult {
    readonly states: readonly StepState[];
    /** Whether every step succeeded. */
    readonly ok: boolean;
}

/** Groups steps by phase, in the order the phases run. */
export function phasesOf(steps: readonly MeshStep[]): MeshStep[][] {
    const phases = new Map<number, MeshStep[]>();
    for (const step of steps) {
        phases.set(step.phase, [...(phases.get(step.phase) ?? []), step]);
    }
    return [...phases.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
}

function message(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/** Selects the stack, sets its config, then runs its action with CLUSTERMESH_DEPARTING always set. */
async function runStep(step: MeshStep, workspace: MeshWorkspace, onResource: () => void): Promise<void> {
    await workspace.selectStack(step.stack);
    for (const key of Object.keys(step.config).sort()) {
        await workspace.setConfig(step.stack, key, step.config[key]);
    }
    // Always set, even empty, so a value left in the user's shell never reaches the program.
    const env = { [DEPARTING_ENV]: step.departing.join(",") };
    if (step.action === "destroy") {
        await workspace.destroy(step.stack, { onResource });
    } else {
        await workspace[step.action](step.stack, env, { onResource });
    }
}

export async function runSteps(steps: readonly MeshStep[], workspace: MeshWorkspace, options: RunOptions): Promise<RunResult> {
    const now = options.now ?? Date.now;
    const parallel = Math.max(1, Math.floor(options.parallel));
    const states: StepState[] = steps.map((step, index) => ({ step, index, status: "waiting", resources: 0 }));
    const changed = (state: StepState) => options.onChange?.(state, states);
    let failed = false;
    for (const phase of phasesOf(steps)) {
        const queue = states.filter((s) => phase.includes(s.step));
        if (failed) {
            for (const state of queue) {
                state.status = "not started";
                changed(state);
            }
            continue;
        }
        const lane = async () => {
            for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
                const current = state;
                current.status = "running";
                current.startedAt = now();
                changed(current);
                try {
                    await runStep(current.step, workspace, () => {
                        current.resources++;
                        changed(current);
                    });
                    current.status = "done";
                } catch (error) {
                    current.status = "failed";
                    current.error = message(error);
                    failed = true;
                }
                current.endedAt = now();
                changed(current);
            }
        };
        await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, lane));
    }
    return { states, ok: !failed };
}
