import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LiveView } from "../common/live-view";
import { planCli, planProgress } from "./cli";

function captured(tty: boolean) {
    const written: string[] = [];
    const stream = { isTTY: tty, write: (text: string) => written.push(text), columns: 120, rows: 40, on: () => stream, once: () => stream, removeListener: () => stream } as unknown as NodeJS.WriteStream;
    return { view: new LiveView({ stream, tty, now: () => new Date("2026-01-02T03:04:05Z") }), written };
}

describe("npm run plan (in process)", () => {
    it("prints its usage with --help, and refuses --workers without --all", async () => {
        const out: string[] = [];
        const err: string[] = [];
        const deps = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
        assert.equal(await planCli(["--help"], deps), 0);
        assert.match(out.join(""), /^usage: clustermesh plan --stack <name>[^]*--workers N/);
        assert.equal(await planCli(["--stack", "west", "--workers", "2"], deps), 2);
        assert.equal(await planCli(["--all", "--workers", "-1"], deps), 2);
    });

    it("shows plan --all's progress once it takes long: plain lines every so often, or one line redrawn", () => {
        const plain = captured(false);
        const slow = planProgress(plain.view, 0, 0);
        slow.onProgress({ stack: "a", ok: true, done: 1, total: 3 });
        slow.onProgress({ stack: "b", ok: true, done: 2, total: 3 });
        slow.onProgress({ stack: "c", ok: true, done: 3, total: 3 });
        slow.done();
        assert.equal(plain.written.length, 2, "no line once every stack is planned");
        assert.match(plain.written[0], /^\[03:04:05\] plan --all: 1\/3 stacks planned \(0s\)\n$/);

        const quick = captured(false);
        const fast = planProgress(quick.view);
        fast.onProgress({ stack: "a", ok: true, done: 1, total: 2 });
        assert.deepEqual(quick.written, [], "nothing within the first 2 s");

        const tty = captured(true);
        const live = planProgress(tty.view, 0);
        live.onProgress({ stack: "a", ok: true, done: 1, total: 2 });
        live.done();
        assert.ok(tty.written.some((w) => w.includes("plan --all: 1/2 stacks planned")));
    });
});
