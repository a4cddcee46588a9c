/**
 * Plans every stack of a mesh in one process (`npm run plan -- --all`): the stack files are read
 * and validated once, then each member's program runs under the mock engine, either here one
 * after another or in a small pool of worker threads that each load Pulumi once and plan many
 * stacks. Each plan is the same PlanDocument `--stack` prints, byte for byte.
 */
import * as path from "path";
import { Worker } from "worker_threads";
import { inspectMesh, sortProblems, type MeshMember, type Problem } from "../../stacks";
import { planStack } from "./plan-stack";
import type { PlanDocument } from "./report";

export interface MeshPlan {
    /** Every member, in the order of the stack files (as `inspectMesh` returns them). */
    readonly members: MeshMember[];
    /** Mesh problems, sorted; when there are any, nothing was planned. */
    readonly problems: Problem[];
    readonly notes: string[];
    /** Stack files that declare no `clustermesh:cluster`. */
    readonly others: string[];
    /** One plan per member that planned, in member order. */
    readonly plans: PlanDocument[];
    /** Members whose program failed, with the error's message. */
    readonly failed: Array<{ stack: string; error: string }>;
}

export interface PlanProgress {
    /** The stack that just finished. */
    readonly stack: string;
    readonly ok: boolean;
    readonly done: number;
    readonly total: number;
}

export interface PlanMeshOptions {
    /**
     * Worker threads planning beside this one (which plans too), each loading Pulumi once;
     * default 0: every stack here, one after another. Measured on a 2-CPU machine shared with
     * other work, one worker made a 120-member plan slower (a second Pulumi load, and the two
     * threads compete for the CPUs); on a machine with idle cores, workers can shorten it.
     */
    readonly workers?: number;
    /** Called after each stack. */
    readonly onProgress?: (progress: PlanProgress) => void;
}

/**
 * Makes many program runs in a row cheaper: Pulumi records a stack trace for every promise it
 * makes, which with source maps costs more than planning the stack. Errors then carry their
 * message only; `npm run plan -- --stack <name>` shows a failing stack's whole trace.
 * Returns a function that restores the previous settings.
 */
export function batchMode(): () => void {
    const limit = Error.stackTraceLimit;
    const prepare = Error.prepareStackTrace; // eslint-disable-line @typescript-eslint/unbound-method -- saved to be put back as it was
    const sourceMaps = process.sourceMapsEnabled;
    // Pulumi wraps each of its promises to report leaked ones when the process exits; a plan
    // under mocks has nothing to report, and the wrapping (an Error per promise) is most of
    // the cost left after the stack traces.
    // The module's own exports object (an `import *` namespace would be read-only).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runtime = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
    const wrap = runtime.debuggablePromise;
    Error.stackTraceLimit = 0;
    Error.prepareStackTrace = (error: Error) => `${error.name}: ${error.message}`;
    process.setSourceMapsEnabled(false);
    runtime.debuggablePromise = (p) => p;
    return () => {
        Error.stackTraceLimit = limit;
        Error.prepareStackTrace = prepare;
        process.setSourceMapsEnabled(sourceMaps);
        runtime.debuggablePromise = wrap;
    };
}

export function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

export type Outcome = { stack: string; doc: PlanDocument } | { stack: string; error: string };

/** Plans stacks from `queue` in this thread until it is empty. */
async function planHere(dir: string, queue: string[], inspection: ReturnType<typeof inspectMesh>, report: (o: Outcome) => void): Promise<void> {
    const restore = batchMode();
    try {
        for (let stack = queue.shift(); stack !== undefined; stack = queue.shift()) {
            try {
                report({ stack, doc: await planStack(dir, stack, inspection) });
            } catch (err) {
                report({ stack, error: errorMessage(err) });
            }
        }
    } finally {
        restore();
    }
}

/** Messages between this module and scripts/plan/worker.ts. */
export type WorkerRequest = { stack: string };
export type WorkerReply = Outcome;

/** Starts `count` workers that take stacks from `queue` until it is empty. */
function planInWorkers(dir: string, queue: string[], count: number, report: (o: Outcome) => void): Promise<void> {
    const pool = Array.from({ length: count }, () => {
        // The worker is TypeScript: register tsx's loader in it first (a worker does not inherit
        // the loader this thread was started with).
        const worker = new Worker(`require("tsx/cjs"); require(${JSON.stringify(path.join(__dirname, "worker.ts"))});`, {
            eval: true,
            workerData: { dir },
            // A larger young generation: a plan allocates many short-lived objects.
            resourceLimits: { maxYoungGenerationSizeMb: 64 },
        });
        return new Promise<void>((resolve, reject) => {
            let current: string | undefined;
            const next = () => {
                current = queue.shift();
                if (current === undefined) {
                    void worker.terminate().then(() => resolve());
                } else {
                    worker.postMessage({ stack: current } satisfies WorkerRequest);
                }
            };
            worker.on("message", (reply: WorkerReply) => {
                report(reply);
                next();
            });
            worker.on("error", (err) => {
                if (current !== undefined) {
                    report({ stack: current, error: `the plan's worker failed: ${errorMessage(err)}` });
                }
                reject(err);
            });
            worker.once("online", next);
        });
    });
    return Promise.all(pool).then(() => undefined);
}

/**
 * Plans `stacks` of the mesh in `dir` (validated: `inspection` is `inspectMesh(dir)` with no
 * problems), here and in `workers` worker threads; an outcome per stack, by stack name.
 */
export async function planStacks(dir: string, stacks: readonly string[], inspection: ReturnType<typeof inspectMesh>, options: PlanMeshOptions = {}): Promise<Map<string, Outcome>> {
    const outcomes = new Map<string, Outcome>();
    const report = (o: Outcome) => {
        outcomes.set(o.stack, o);
        options.onProgress?.({ stack: o.stack, ok: "doc" in o, done: outcomes.size, total: stacks.length });
    };
    // One queue: this thread and the workers each take the next stack when they are free.
    const queue = [...stacks];
    const workers = Math.min(options.workers ?? 0, Math.max(0, stacks.length - 1));
    await Promise.all([planInWorkers(dir, queue, workers, report), planHere(dir, queue, inspection, report)]);
    return outcomes;
}

/** Validates the mesh in `dir` and plans every member; with problems, plans nothing. */
export async function planMesh(dir: string, options: PlanMeshOptions = {}): Promise<MeshPlan> {
    const inspection = inspectMesh(dir);
    const { members, notes, others } = inspection;
    const problems = sortProblems(inspection.problems);
    if (problems.length > 0) {
        return { members, problems, notes, others, plans: [], failed: [] };
    }
    const stacks = members.map((m) => m.stack);
    const outcomes = await planStacks(dir, stacks, inspection, options);
    const plans: PlanDocument[] = [];
    const failed: MeshPlan["failed"] = [];
    for (const stack of stacks) {
        const o = outcomes.get(stack);
        if (o && "doc" in o) {
            plans.push(o.doc);
        } else {
            failed.push({ stack, error: o?.error ?? "not planned" });
        }
    }
    return { members, problems, notes, others, plans, failed };
}
