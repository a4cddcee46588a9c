/**
 * What a mesh command would do, without doing it: `clustermesh mesh up --dry-run` (and
 * `destroy`, and any later mesh command) prints its steps as a table, or with `--json` as one
 * document that CI reads to fan each wave out as a job matrix (.github/workflows/mesh.yml).
 *
 * Generic on purpose: a dry run is a list of waves, each a list of steps on one stack each. The
 * waves run one after the other, a wave only once every step of the one before has succeeded;
 * the steps of one wave are independent of each other and may run at once. Any command that
 * can say its steps in that shape (up, destroy, preview, an upgrade, a CA rotation) uses this
 * module; `fromMeshSteps` turns the mesh runner's own plan (scripts/mesh/plan-order.ts) into it,
 * so the dry run shows exactly the order the runner would follow.
 *
 * The JSON document (`DryRunDocument`, format "clustermesh-dry-run/v1"), keys in this order:
 *
 *   {
 *     "format": "clustermesh-dry-run/v1",
 *     "command": "up",                          // the mesh command dry-run
 *     "state": "backend",                       // where the stacks' states came from: "backend"
 *                                               //   (read through the Pulumi CLI), "assumed-new"
 *                                               //   (not read: every stack taken as never deployed)
 *                                               //   or "assumed-deployed" (not read: all deployed)
 *     "members": [ { "stack": "west", "clusterId": 1, "status": "deployed" } ],
 *     "notes": [ "..." ],                       // what is skipped and why
 *     "waves": [
 *       { "wave": 1, "steps": [
 *           { "stack": "west", "action": "up",
 *             "changes": "sets clustermesh:mesh.link=false, then pulumi up: ...",
 *             "config": { "clustermesh:mesh.link": false },   // set in the stack file first
 *             "env": { "CLUSTERMESH_DEPARTING": "", "CLUSTERMESH_DEPARTING_MARK": "…" }, // the program's environment
 *             "reason": "..." } ] } ],
 *     "next": [ "..." ]                          // what to do once every step has succeeded
 *   }
 *
 * Waves are numbered 1, 2, 3... with no gaps, in the order they run; within a wave, steps keep
 * the order of the plan. Stable: fields may be added, none renamed or removed.
 */
import { table } from "../common/table";
import { departingEnv } from "../../lib/contract";
import { DEPARTING_ENV, type MeshStep, type StackStatus } from "./plan-order";
import type { StackFileValue } from "./stack-file-edit";

export const DRY_RUN_FORMAT = "clustermesh-dry-run/v1";

/** One step of a dry run: one Pulumi operation on one stack. */
export interface DryRunStep {
    readonly stack: string;
    /** The Pulumi operation: `up`, `preview`, `destroy`, `refresh`, ... */
    readonly action: string;
    /** One line: what the step changes, as a reviewer needs to know it. */
    readonly changes: string;
    /** Config set in the stack's file before the action (path keys, e.g. `clustermesh:mesh.link`); `null` removes the key. */
    readonly config: Readonly<Record<string, StackFileValue>>;
    /** Environment added to the program's for this step. */
    readonly env: Readonly<Record<string, string>>;
    /** Why this step, at this point. */
    readonly reason: string;
}

export interface DryRunWave {
    /** 1, 2, 3...: the order the waves run in. */
    readonly wave: number;
    readonly steps: readonly DryRunStep[];
}

/** A member as the dry run saw it. */
export interface DryRunMember {
    readonly stack: string;
    readonly clusterId: number;
    readonly status: StackStatus;
}

export interface DryRunDocument {
    readonly format: typeof DRY_RUN_FORMAT;
    readonly command: string;
    /**
     * `backend`: the states were read through the Pulumi CLI; `assumed-new`: not read, every stack
     * taken as never deployed; `assumed-deployed`: not read, every stack taken as deployed.
     */
    readonly state: "backend" | "assumed-new" | "assumed-deployed";
    readonly members: readonly DryRunMember[];
    readonly notes: readonly string[];
    readonly waves: readonly DryRunWave[];
    readonly next: readonly string[];
}

/** A step with the number of the phase it belongs to (any numbers; only their order counts). */
export interface PhasedStep extends DryRunStep {
    readonly phase: number;
}

/** Groups steps into waves numbered 1..n by ascending phase; steps keep their order within a wave. */
export function groupWaves(steps: readonly PhasedStep[]): DryRunWave[] {
    const phases = [...new Set(steps.map((s) => s.phase))].sort((a, b) => a - b);
    return phases.map((phase, i) => ({
        wave: i + 1,
        steps: steps.filter((s) => s.phase === phase).map(({ stack, action, changes, config, env, reason }) => ({ stack, action, changes, config, env, reason })),
    }));
}

/** `key=value, key=value` for config, sorted by code point. */
function settings(config: Readonly<Record<string, StackFileValue>>): string {
    return Object.keys(config)
        .sort()
        .map((key) => (config[key] === null ? `removes ${key}` : `${key}=${String(config[key])}`))
        .join(", ");
}

/** What one mesh runner step changes, in one line. */
export function meshStepChanges(step: MeshStep): string {
    const set = settings(step.config);
    const before = set.length > 0 ? `sets ${set} in Pulumi.${step.stack}.yaml, then ` : "";
    const without = step.departing.length > 0 ? ` without peers ${step.departing.join(", ")} (${DEPARTING_ENV})` : "";
    switch (step.action) {
        case "preview":
            return `${before}pulumi preview${without}: changes nothing`;
        case "destroy":
            return `${before}pulumi destroy: deletes every resource of ${step.stack} (the stack and its file stay)`;
        case "up":
            return `${before}pulumi up${without}: creates, updates or deletes what the program differs in`;
    }
}

/** The mesh runner's steps as dry-run steps, with the environment runSteps gives each. */
export function fromMeshSteps(steps: readonly MeshStep[]): PhasedStep[] {
    return steps.map((step): PhasedStep => ({
        phase: step.phase,
        stack: step.stack,
        action: step.action,
        changes: meshStepChanges(step),
        config: step.config,
        // scripts/mesh/runner.ts always sets it, even empty, on up and preview.
        env: step.action === "destroy" ? {} : departingEnv(step.departing),
        reason: step.reason,
    }));
}

export interface DryRunInput {
    readonly command: string;
    readonly state: DryRunDocument["state"];
    readonly members: readonly DryRunMember[];
    readonly steps: readonly PhasedStep[];
    readonly notes?: readonly string[];
    readonly next?: readonly string[];
}

export function dryRunDocument(input: DryRunInput): DryRunDocument {
    return {
        format: DRY_RUN_FORMAT,
        command: input.command,
        state: input.state,
        members: input.members.map(({ stack, clusterId, status }) => ({ stack, clusterId, status })),
        notes: [...(input.notes ?? [])],
        waves: groupWaves(input.steps),
        next: [...(input.next ?? [])],
    };
}

/** The document as JSON, two-space indented, newline-terminated; keys in the documented order. */
export function formatDryRunJson(doc: DryRunDocument): string {
    return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The document as text: a header line, the notes, a wave/stack/action/changes table, the next steps. */
export function formatDryRunTable(doc: DryRunDocument): string {
    const steps = doc.waves.reduce((n, w) => n + w.steps.length, 0);
    const lines = [
        `${doc.command} --dry-run: ${steps} step${steps === 1 ? "" : "s"} in ${doc.waves.length} wave${doc.waves.length === 1 ? "" : "s"}; nothing was run` +
            (doc.state === "backend" ? " (stack states read from the backend)" : doc.state === "assumed-new" ? " (states not read: every stack taken as never deployed)" : " (states not read: every stack taken as deployed)"),
    ];
    for (const note of doc.notes) {
        lines.push(`note: ${note}`);
    }
    if (steps === 0) {
        lines.push(`${doc.command}: nothing to do`);
    } else {
        const rows = doc.waves.flatMap((w) => w.steps.map((s) => [String(w.wave), s.stack, s.action, s.changes]));
        lines.push("", table(["WAVE", "STACK", "ACTION", "CHANGES"], rows), "");
        lines.push("Why, step by step:");
        for (const w of doc.waves) {
            for (const s of w.steps) {
                lines.push(`  wave ${w.wave} ${s.action} ${s.stack}: ${s.reason}`);
            }
        }
    }
    for (const line of doc.next) {
        lines.push(`next: ${line}`);
    }
    return `${lines.join("\n")}\n`;
}
