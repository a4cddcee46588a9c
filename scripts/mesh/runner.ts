/**
 * Runs the steps of a mesh plan: phase after phase, the steps of one phase concurrently, at most
 * `parallel` at a time. A failing step does not stop the others of its phase (each stack is its
 * own cluster); no later phase starts after a failure, since it builds on the earlier ones (a
 * peer linked to a stack whose update failed would fail too).
 */
import { departingEnv } from "../../lib/contract";
import type { MeshStep } from "./plan-order";
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
    /**
     * Asked before each step starts: when it says stop (Ctrl-C, SIGTERM, the output went away),
     * running steps finish (an update is never cut off mid-way) and nothing else starts.
     */
    readonly shouldStop?: () => boolean;
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

/**
 * Writes the config of every step of a phase, one file after another, before any program of the
 * phase runs: every program reads every stack file, so a file edited while a program of the same
 * phase reads it could be seen half-written (a racing reader saw an empty file in most loads).
 */
async function writePhaseConfig(states: readonly StepState[], workspace: MeshWorkspace): Promise<void> {
    for (const state of states) {
        for (const key of Object.keys(state.step.config).sort()) {
            await workspace.setConfig(state.step.stack, key, state.step.config[key]);
        }
    }
}

/** Selects the stack, then runs its action with CLUSTERMESH_DEPARTING (and its marker) always set. */
/**
 * A stack's program read a peer's state (its StackReference) while the peer's own update of the
 * same phase was rewriting it: the file backend's checkpoint was momentarily empty. Seen through
 * the real engine (test/engine, `npm run mesh -- up` on the kind lab: "error: failed to load
 * checkpoint: EOF" in the linked phase). Nothing was changed by the failed run; a second try reads
 * the finished checkpoint.
 */
export const TRANSIENT_STATE_READ = /failed to load checkpoint: (unexpected )?EOF/;
/** How many times a step that failed on TRANSIENT_STATE_READ is run again. */
export const TRANSIENT_RETRIES = 2;

async function runStep(step: MeshStep, workspace: MeshWorkspace, onResource: () => void): Promise<void> {
    for (let attempt = 0; ; attempt++) {
        try {
            await runStepOnce(step, workspace, onResource);
            return;
        } catch (error) {
            if (attempt >= TRANSIENT_RETRIES || !TRANSIENT_STATE_READ.test(message(error))) {
                throw error;
            }
        }
    }
}

async function runStepOnce(step: MeshStep, workspace: MeshWorkspace, onResource: () => void): Promise<void> {
    await workspace.selectStack(step.stack);
    // Always set, even empty, with its marker, so a value left in the user's shell never reaches the program.
    const env = departingEnv(step.departing);
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
        if (failed || options.shouldStop?.()) {
            for (const state of queue) {
                state.status = "not started";
                changed(state);
            }
            continue;
        }
        try {
            await writePhaseConfig(queue, workspace);
        } catch (error) {
            for (const state of queue) {
                state.status = "failed";
                state.error = `writing the stack files before the phase failed: ${message(error)}`;
                changed(state);
            }
            failed = true;
            continue;
        }
        const lane = async () => {
            for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
                const current = state;
                if (options.shouldStop?.()) {
                    current.status = "not started";
                    changed(current);
                    continue;
                }
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
    return { states, ok: !failed && states.every((s) => s.status === "done") };
}
