/**
 * What `npm run mesh` shows while it runs and when it ends. On a terminal: a block redrawn in
 * place with every stack, waiting, running (elapsed time, resources the engine has finished so
 * far), done or failed, as many as the terminal's height allows. Elsewhere (CI): a timestamped line whenever a
 * stack starts, finishes or fails, and a line every minute with what is still running. At the
 * end: the summary table. The formatting is pure; MeshProgress wires it to a LiveView.
 */
import { formatDuration, type LiveView } from "../common/live-view";
import { table } from "../common/table";
import type { MeshCommand, MeshStep } from "./plan-order";
import type { StepState } from "./runner";

/** One line per step: `[2/4] up east [mesh.link=false]: phase 2, ...`. */
export function describeStep(step: MeshStep, index: number, total: number): string {
    const settings = [
        ...Object.keys(step.config)
            .sort()
            .map((key) => `${key.replace(/^clustermesh:/, "")}=${String(step.config[key])}`),
        ...(step.departing.length > 0 ? [`without ${step.departing.join(",")}`] : []),
    ];
    return `[${index + 1}/${total}] ${step.action} ${step.stack}${settings.length > 0 ? ` [${settings.join("; ")}]` : ""}: ${step.reason}`;
}

/**
 * The line of an error that says what went wrong: from the first `error:` on (the CLI's own
 * message inside the Automation API's `code: … stderr: …`), else the first line.
 */
export function firstErrorLine(error: string, width = 100): string {
    const lines = error
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.length > 0);
    const line = lines.map((l) => /\berror: .*/i.exec(l)?.[0]).find((l) => l !== undefined) ?? lines[0] ?? "";
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** The end of a (long) CLI error: the cause is usually in the last lines; the whole is in the stack's log. */
export function errorTail(error: string, lines = 12): string {
    const kept = error
        .split("\n")
        .map((l) => l.trimEnd())
        .filter((l) => l.trim().length > 0);
    return kept.length <= lines ? kept.join("\n") : ["…", ...kept.slice(-lines)].join("\n");
}

function elapsed(state: StepState, now: number): number {
    return (state.endedAt ?? now) - (state.startedAt ?? now);
}

function resources(state: StepState): string {
    return `${state.resources} resource${state.resources === 1 ? "" : "s"}`;
}

function count(states: readonly StepState[], status: StepState["status"]): number {
    return states.filter((s) => s.status === status).length;
}

/**
 * The block a terminal shows: a header line, then every stack of the run (failed, running,
 * waiting, done, in that order), as many as `rows` allows; the rest are counted on a last line.
 */
export function progressLines(command: MeshCommand, states: readonly StepState[], now: number, startedAt: number, rows = 20): string[] {
    const running = states.filter((s) => s.status === "running");
    const phase = running[0]?.step.phase ?? states.find((s) => s.status === "waiting")?.step.phase;
    const header =
        `mesh ${command}${phase !== undefined ? `, phase ${phase}` : ""} (${formatDuration(now - startedAt)}): ` +
        `${count(states, "done")} done, ${running.length} running, ${count(states, "waiting")} waiting` +
        `${count(states, "failed") > 0 ? `, ${count(states, "failed")} failed` : ""}` +
        `${count(states, "not started") > 0 ? `, ${count(states, "not started")} not started` : ""}`;
    const width = Math.max(0, ...states.map((s) => s.step.stack.length));
    const line = (s: StepState, what: string) => `  ${s.step.stack.padEnd(width)}  ${s.step.action.padEnd(7)}  ${`phase ${s.step.phase}`.padEnd(7)}  ${what}`;
    const order: Array<[StepState["status"], (s: StepState) => string]> = [
        ["failed", (s) => `failed after ${formatDuration(elapsed(s, now))}: ${firstErrorLine(s.error ?? "")}`],
        ["running", (s) => `running ${formatDuration(elapsed(s, now))}, ${resources(s)}`],
        ["waiting", () => "waiting"],
        ["done", (s) => `done in ${formatDuration(elapsed(s, now))}, ${resources(s)}`],
        ["not started", () => "not started"],
    ];
    const listed = order.flatMap(([status, what]) => states.filter((s) => s.status === status).map((s) => ({ s, text: line(s, what(s)) })));
    const room = Math.max(1, rows - 1);
    if (listed.length <= room) {
        return [header, ...listed.map((l) => l.text)];
    }
    const shown = listed.slice(0, room - 1);
    const rest = listed.slice(room - 1);
    const restCounts = order.map(([status]) => [status, rest.filter((l) => l.s.status === status).length] as const).filter(([, n]) => n > 0);
    return [header, ...shown.map((l) => l.text), `  … and ${rest.length} more: ${restCounts.map(([status, n]) => `${n} ${status}`).join(", ")}`];
}

/** The plain line for a change of a step's status, or undefined when there is nothing to say (a resource count). */
export function transitionLine(state: StepState, now: number): string | undefined {
    const what = `${state.step.action} ${state.step.stack}`;
    switch (state.status) {
        case "running":
            return state.resources === 0 ? `phase ${state.step.phase}: ${what} started` : undefined;
        case "done":
            return `${what} done in ${formatDuration(elapsed(state, now))} (${resources(state)})`;
        case "failed":
            return `${what} FAILED after ${formatDuration(elapsed(state, now))}: ${firstErrorLine(state.error ?? "")}`;
        case "not started":
            return `${what} not started: an earlier phase failed`;
        default:
            return undefined;
    }
}

/** The minute line of a non-terminal view: what is still running. */
export function heartbeatLine(states: readonly StepState[], now: number): string | undefined {
    const running = states.filter((s) => s.status === "running");
    if (running.length === 0) {
        return undefined;
    }
    return `running: ${running.map((s) => `${s.step.stack} (${formatDuration(elapsed(s, now))}, ${resources(s)})`).join(", ")}; ${count(states, "waiting")} waiting`;
}

/** The table printed at the end: one row per step. */
export function formatSummary(states: readonly StepState[]): string {
    return table(
        ["stack", "action", "phase", "result", "duration", "error"],
        states.map((s) => [
            s.step.stack,
            s.step.action,
            String(s.step.phase),
            s.status === "done" ? "ok" : s.status,
            s.startedAt !== undefined && s.endedAt !== undefined ? formatDuration(s.endedAt - s.startedAt) : "-",
            s.status === "failed" ? firstErrorLine(s.error ?? "") : "",
        ]),
    );
}

/** Wires the runner's changes to a LiveView: redraws (terminal) or lines (elsewhere). */
export class MeshProgress {
    private states: readonly StepState[] = [];
    private readonly timer: NodeJS.Timeout;
    private lastHeartbeat: number;
    private lastDraw = -Infinity;
    private readonly startedAt: number;

    constructor(
        private readonly view: LiveView,
        private readonly command: MeshCommand,
        private readonly now: () => number = Date.now,
        heartbeatMs = 60_000,
    ) {
        this.startedAt = now();
        this.lastHeartbeat = this.startedAt;
        // Elapsed times move on a terminal; elsewhere, a line now and then says what still runs.
        this.timer = setInterval(
            () => {
                if (this.view.tty) {
                    this.draw();
                } else if (this.now() - this.lastHeartbeat >= heartbeatMs) {
                    this.lastHeartbeat = this.now();
                    const line = heartbeatLine(this.states, this.now());
                    if (line) {
                        this.view.log(line);
                    }
                }
            },
            this.view.tty ? 1000 : Math.min(heartbeatMs, 10_000),
        );
        this.timer.unref();
    }

    private draw(): void {
        this.lastDraw = this.now();
        this.view.draw(progressLines(this.command, this.states, this.now(), this.startedAt, Math.max(5, (process.stderr.rows ?? 24) - 4)));
    }

    readonly onChange = (state: StepState, states: readonly StepState[]): void => {
        this.states = states;
        if (this.view.tty) {
            if (state.status === "failed") {
                this.view.log(transitionLine(state, this.now())!);
            }
            // A resource count alone redraws at most ten times a second; the timer catches up.
            if (state.status !== "running" || state.resources === 0 || this.now() - this.lastDraw >= 100) {
                this.draw();
            }
        } else {
            const line = transitionLine(state, this.now());
            if (line) {
                this.view.log(line);
            }
        }
    };

    stop(): void {
        clearInterval(this.timer);
        if (this.view.tty) {
            this.draw();
            this.view.done();
        }
    }
}
