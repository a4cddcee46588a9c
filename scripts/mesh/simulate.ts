/**
 * A simulated mesh run: a workspace whose every `up`, `preview` and `destroy` takes a fixed time
 * T on a virtual clock, so the schedule `npm run mesh` makes (phases, `--parallel`, failures,
 * resuming) is measured exactly and instantly. `npm run bench` prints it; the runner's tests
 * check it.
 */
import type { MeshMember } from "../../stacks/load";
import { member } from "../../stacks/sample-stacks";
import { sampleMembers } from "../plan/sample-mesh";
import { planOrder, stackStatus, type MeshCommand, type StackStatus } from "./plan-order";
import { runSteps, type RunResult } from "./runner";
import { setStackFileValue, type StackFileValue } from "./stack-file-edit";
import type { MeshWorkspace, OperationHooks } from "./workspace";

/** Time that moves only when every task is waiting on it. */
export class VirtualClock {
    now = 0;
    private timers: Array<{ at: number; resolve: () => void }> = [];

    sleep(ms: number): Promise<void> {
        return new Promise((resolve) => this.timers.push({ at: this.now + ms, resolve }));
    }

    /** Runs until `work` settles: lets every task go as far as it can, then jumps to the next timer. */
    async run<T>(work: Promise<T>): Promise<T> {
        let settled = false;
        const watched = work.finally(() => {
            settled = true;
        });
        for (;;) {
            for (let i = 0; i < 20 && !settled; i++) {
                await new Promise((resolve) => setImmediate(resolve));
            }
            if (settled) {
                return watched;
            }
            // Work that waits on real time (a dynamic import goes through the module loader's
            // thread) gets up to a second of it before the simulation counts as stalled.
            for (let waited = 0; this.timers.length === 0 && !settled && waited < 1000; waited += 5) {
                await new Promise((resolve) => setTimeout(resolve, 5));
            }
            if (settled) {
                return watched;
            }
            if (this.timers.length === 0) {
                throw new Error("simulation stalled: nothing is running and nothing is waiting on the clock");
            }
            this.now = Math.min(...this.timers.map((t) => t.at));
            const due = this.timers.filter((t) => t.at === this.now);
            this.timers = this.timers.filter((t) => t.at !== this.now);
            due.forEach((t) => t.resolve());
        }
    }
}

/** One operation as the simulated workspace ran it. */
export interface SimulatedOperation {
    readonly call: string;
    readonly start: number;
    readonly end: number;
}

/**
 * A workspace on a virtual clock: each `up`/`preview`/`destroy` takes `duration` and reports
 * `resources` resources; an `up` gives the stack its outputs, a `destroy` takes them away.
 * Calls named in `failOn` (`up east`, `destroy north`) fail after the same time.
 */
export class SimulatedWorkspace implements MeshWorkspace {
    readonly operations: SimulatedOperation[] = [];
    readonly calls: string[] = [];
    private readonly state = new Map<string, string[]>();
    /** Output values by stack (`outputValue`); an `up` adds what `upOutputs` returns for the stack. */
    readonly values = new Map<string, Record<string, unknown>>();
    /** What a successful `up` of the stack exports besides its endpoint (e.g. the ciliumVersion its file says). */
    upOutputs?: (stack: string) => Record<string, unknown>;
    /** When set, `setConfig` edits the stack files there as the real workspace does (scripts/mesh/stack-file-edit.ts). */
    projectDir?: string;

    constructor(
        readonly clock: VirtualClock,
        private readonly duration: number,
        status: ReadonlyMap<string, StackStatus> = new Map(),
        readonly failOn: Set<string> = new Set(),
        private readonly resources = 3,
    ) {
        for (const [stack, s] of status) {
            if (s !== "missing") {
                this.state.set(stack, s === "deployed" ? ["clusterName", "clustermeshEndpoint"] : []);
            }
        }
    }

    /** Each stack's state as `npm run mesh` reads it. */
    status(stacks: readonly string[]): Map<string, StackStatus> {
        return new Map(stacks.map((s) => [s, stackStatus(this.state.get(s))]));
    }

    private async operate(call: string, hooks: OperationHooks = {}): Promise<void> {
        this.calls.push(call);
        const start = this.clock.now;
        await this.clock.sleep(this.duration);
        for (let i = 0; i < this.resources && !this.failOn.has(call); i++) {
            hooks.onResource?.();
        }
        this.operations.push({ call, start, end: this.clock.now });
        if (this.failOn.has(call)) {
            throw new Error(`  code: 255\n  stderr: error: simulated failure of ${call}`);
        }
    }

    outputs(stack: string): Promise<readonly string[] | undefined> {
        return Promise.resolve(this.state.get(stack));
    }
    selectStack(stack: string): Promise<void> {
        this.state.set(stack, this.state.get(stack) ?? []);
        return Promise.resolve();
    }
    setConfig(stack: string, key: string, value: StackFileValue): Promise<void> {
        this.calls.push(value === null ? `unset ${stack} ${key}` : `set ${stack} ${key}=${String(value)}`);
        if (this.projectDir !== undefined) {
            setStackFileValue(this.projectDir, stack, key, value);
        }
        return Promise.resolve();
    }
    async up(stack: string, _env: Readonly<Record<string, string>>, hooks?: OperationHooks): Promise<void> {
        await this.operate(`up ${stack}`, hooks);
        const extra = this.upOutputs?.(stack) ?? {};
        this.values.set(stack, { ...this.values.get(stack), ...extra });
        this.state.set(stack, [...new Set(["clusterName", "clustermeshEndpoint", ...Object.keys(this.values.get(stack) ?? {})])].sort());
    }
    outputValue(stack: string, name: string): Promise<unknown> {
        return Promise.resolve(this.values.get(stack)?.[name]);
    }
    preview(stack: string, _env: Readonly<Record<string, string>>, hooks?: OperationHooks): Promise<void> {
        return this.operate(`preview ${stack}`, hooks);
    }
    async destroy(stack: string, hooks?: OperationHooks): Promise<void> {
        await this.operate(`destroy ${stack}`, hooks);
        this.state.set(stack, []);
    }
}

/** Members r1..rN of a generated mesh, parsed as the stack files would be. */
export function simulatedMembers(size: number): MeshMember[] {
    return sampleMembers(size).map(member);
}

export interface Simulation {
    /** When the last step ended, in units of T. */
    readonly makespan: number;
    /** Per phase: its steps and how many waves (distinct start times) they ran in. */
    readonly phases: Array<{ phase: number; steps: number; waves: number }>;
    readonly result: RunResult;
    readonly workspace: SimulatedWorkspace;
}

/** Runs `command` over `members` on a virtual clock, each operation taking T = 1. */
export async function simulate(
    members: readonly MeshMember[],
    command: MeshCommand,
    parallel: number,
    workspace: SimulatedWorkspace = new SimulatedWorkspace(new VirtualClock(), 1),
): Promise<Simulation> {
    const clock = workspace.clock;
    const start = clock.now;
    const plan = planOrder({ members, command, status: workspace.status(members.map((m) => m.stack)) });
    const result = await clock.run(runSteps(plan.steps, workspace, { parallel, now: () => clock.now }));
    const phases = [...new Set(plan.steps.map((s) => s.phase))].map((phase) => {
        const ran = result.states.filter((s) => s.step.phase === phase);
        return { phase, steps: ran.length, waves: new Set(ran.filter((s) => s.startedAt !== undefined).map((s) => s.startedAt)).size };
    });
    return { makespan: clock.now - start, phases, result, workspace };
}
