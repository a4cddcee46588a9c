import type { MeshStep } from "./order";
import type { MeshWorkspace } from "./workspace";

export interface RunResult {
    readonly completed: number;
    readonly failed?: { step: MeshStep; index: number; error: string };
}

export function describeStep(step: MeshStep, index: number, total: number): string {
    const link = step.link === undefined ? "" : ` (link ${step.link ? "on" : "off"})`;
    const departing = step.departing?.length ? ` (without ${step.departing.join(", ")})` : "";
    return `[${index + 1}/${total}] ${step.action} ${step.stack}${link}${departing}: ${step.reason}`;
}

/** Runs the steps in order and stops at the first failure; later steps would build on it. */
export async function runSteps(steps: readonly MeshStep[], workspace: MeshWorkspace, log: (line: string) => void): Promise<RunResult> {
    for (const [index, step] of steps.entries()) {
        log(describeStep(step, index, steps.length));
        try {
            if (step.action === "destroy") {
                await workspace.destroy(step.stack);
            } else {
                await workspace[step.action](step.stack, { link: step.link, departing: step.departing });
            }
        } catch (err) {
            const error = err instanceof Error ? err.message : String(err);
            log(`step ${index + 1} failed: ${step.action} ${step.stack}: ${error}`);
            log(`fix the cause and run the same command again; steps already done are no-ops on the next run`);
            return { completed: index, failed: { step, index, error } };
        }
    }
    return { completed: steps.length };
}
