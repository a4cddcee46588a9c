import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, LiveView, timestamp } from "../common/live-view";
import type { MeshStep } from "./plan-order";
import { firstErrorLine, formatSummary, heartbeatLine, MeshProgress, progressLines, transitionLine } from "./progress";
import type { StepState } from "./runner";

const step = (stack: string, phase: number, action: MeshStep["action"] = "up"): MeshStep => ({ phase, stack, action, config: {}, departing: [], reason: "" });
const state = (stack: string, phase: number, status: StepState["status"], extra: Partial<StepState> = {}): StepState => ({ step: step(stack, phase), index: 0, status, resources: 0, ...extra });

/** A LiveView writing into an array, as a terminal or not. */
function captured(tty: boolean) {
    const written: string[] = [];
    const stream = { isTTY: tty, write: (text: string) => written.push(text), columns: 120, rows: 40, on: () => stream, once: () => stream, removeListener: () => stream } as unknown as NodeJS.WriteStream;
    return { view: new LiveView({ stream, tty, now: () => new Date("2026-01-02T03:04:05Z") }), written };
}

describe("the mesh progress view", () => {
    it("formats durations for a table cell", () => {
        assert.deepEqual([0, 4999, 65_000, 3_725_000].map(formatDuration), ["0s", "4s", "1m05s", "1h02m"]);
        assert.equal(timestamp(new Date("2026-01-02T03:04:05Z")), "[03:04:05]");
    });

    it("takes the CLI's own error line out of the Automation API's wrapping", () => {
        assert.equal(firstErrorLine("  code: 255\n  stdout: Updating (east)\n  stderr: error: creating EC2 Instance: VcpuLimitExceeded\n"), "error: creating EC2 Instance: VcpuLimitExceeded");
        assert.equal(firstErrorLine("boom\nsecond"), "boom");
        assert.equal(firstErrorLine(`error: ${"x".repeat(200)}`).length, 100);
    });

    it("shows every stack: failed, running with its time and resources, waiting, done; what does not fit is counted", () => {
        const states = [
            state("west", 1, "done", { startedAt: 0, endedAt: 60_000, resources: 30 }),
            state("east", 2, "running", { startedAt: 60_000, resources: 1 }),
            state("north", 2, "failed", { startedAt: 60_000, endedAt: 90_000, error: "error: quota" }),
            state("west", 3, "waiting"),
        ];
        assert.deepEqual(progressLines("up", states, 125_000, 0), [
            "mesh up, phase 2 (2m05s): 1 done, 1 running, 1 waiting, 1 failed",
            "  north  up       phase 2  failed after 30s: error: quota",
            "  east   up       phase 2  running 1m05s, 1 resource",
            "  west   up       phase 3  waiting",
            "  west   up       phase 1  done in 1m00s, 30 resources",
        ]);
        const many = [...Array.from({ length: 30 }, (_, i) => state(`s${i}`, 2, "running", { startedAt: 0 })), state("w", 3, "waiting")];
        const lines = progressLines("up", many, 1000, 0, 10);
        assert.equal(lines.length, 10);
        assert.equal(lines.at(-1), "  … and 23 more: 22 running, 1 waiting");
    });

    it("says one line per change when not on a terminal, and what still runs once a minute", () => {
        assert.equal(transitionLine(state("east", 2, "running", { startedAt: 0 }), 0), "phase 2: up east started");
        assert.equal(transitionLine(state("east", 2, "running", { startedAt: 0, resources: 3 }), 0), undefined);
        assert.equal(transitionLine(state("east", 2, "done", { startedAt: 0, endedAt: 125_000, resources: 3 }), 0), "up east done in 2m05s (3 resources)");
        assert.equal(transitionLine(state("east", 2, "failed", { startedAt: 0, endedAt: 1000, error: "x\nerror: no" }), 0), "up east FAILED after 1s: error: no");
        assert.equal(transitionLine(state("east", 3, "not started"), 0), "up east not started: an earlier phase failed");
        assert.equal(heartbeatLine([state("east", 2, "running", { startedAt: 0, resources: 2 }), state("west", 3, "waiting")], 61_000), "running: east (1m01s, 2 resources); 1 waiting");
        assert.equal(heartbeatLine([state("east", 2, "done")], 0), undefined);
    });

    it("writes timestamped lines to a log, and redraws in place on a terminal", () => {
        const plain = captured(false);
        let clock = 0;
        const progress = new MeshProgress(plain.view, "up", () => clock);
        const s = state("east", 2, "running", { startedAt: 0 });
        progress.onChange(s, [s]);
        clock = 5000;
        Object.assign(s, { status: "done", endedAt: 5000, resources: 4 });
        progress.onChange(s, [s]);
        progress.stop();
        assert.deepEqual(plain.written, ["[03:04:05] phase 2: up east started\n", "[03:04:05] up east done in 5s (4 resources)\n"]);

        const tty = captured(true);
        const live = new MeshProgress(tty.view, "up", () => clock);
        live.onChange(s, [s]);
        live.stop();
        assert.ok(tty.written.some((w) => w.includes("mesh up (0s): 1 done, 0 running, 0 waiting")));
        assert.ok(tty.written.some((w) => w.includes("\u001b[")), "log-update moves the cursor to redraw");
    });

    it("ends with one row per step: stack, action, phase, result, duration, the error's first line", () => {
        const table = formatSummary([
            state("west", 1, "done", { startedAt: 0, endedAt: 61_000 }),
            state("east", 2, "failed", { startedAt: 0, endedAt: 2000, error: "code: 255\nstderr: error: quota\nmore" }),
            state("west", 3, "not started"),
        ]).split("\n");
        assert.deepEqual(
            table.map((l) => l.split(/ {2,}/)),
            [
                ["stack", "action", "phase", "result", "duration", "error"],
                ["-----", "------", "-----", "-----------", "--------", "------------"],
                ["west", "up", "1", "ok", "1m01s"],
                ["east", "up", "2", "failed", "2s", "error: quota"],
                ["west", "up", "3", "not started", "-"],
            ],
        );
    });
});
