/**
 * Test support: the real program run for one stack under the mock engine, in a process apart
 * from the test's (`scripts/plan/run-program.ts --serve`, one per test file, which runs each
 * recording afresh in turn, as `plan --all` runs its stacks), and a lookup of its resources by
 * name. Recordings started together queue in that process.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcessByStdio } from "node:child_process";
import * as path from "node:path";
import type { Readable, Writable } from "node:stream";
import type { RecordedResource } from "../scripts/plan/mock-engine";
import { urnProblems } from "../scripts/plan/urn";
import { TYPESCRIPT_NODE_ARGS } from "./typescript-node";

export interface Recording {
    resources: RecordedResource[];
    outputs: Record<string, { value: unknown; secret: boolean }>;
}

interface Pending {
    stack: string;
    resolve: (rec: Recording) => void;
    reject: (err: Error) => void;
}

let recorder: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
const pending = new Map<number, Pending>();
let nextId = 0;
let stderr = "";

/** Holds the test process open only while a recording is awaited, so a finished file exits. */
function hold(on: boolean): void {
    if (!recorder) return;
    for (const handle of [recorder, recorder.stdin, recorder.stdout, recorder.stderr] as Array<{ ref(): void; unref(): void }>) {
        if (on) handle.ref();
        else handle.unref();
    }
}

function failAll(why: string): void {
    for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new Error(`${p.stack}: ${why}\n${stderr}`));
    }
    recorder = undefined;
}

function start(): ChildProcessByStdio<Writable, Readable, Readable> {
    const child = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, path.join(__dirname, "..", "scripts/plan/run-program.ts"), "--serve"], { stdio: ["pipe", "pipe", "pipe"] });
    let buffered = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf("\n")) >= 0) {
            const answer = JSON.parse(buffered.slice(0, end)) as { id: number; recording?: Recording; error?: string };
            buffered = buffered.slice(end + 1);
            const p = pending.get(answer.id);
            if (!p) continue;
            pending.delete(answer.id);
            // Every recording of the suite is also a case of the URN rule: a URN the real engine
            // would form differently, or refuse as a duplicate, fails the test that recorded it.
            const urns = answer.recording ? urnProblems(answer.recording.resources) : [];
            if (answer.error !== undefined) p.reject(new Error(`${p.stack}: ${answer.error}`));
            else if (urns.length > 0) p.reject(new Error(`${p.stack}: URNs the real engine would not form:\n  ${urns.join("\n  ")}`));
            else p.resolve(answer.recording as Recording);
            if (pending.size === 0) hold(false);
        }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => void (stderr = (stderr + chunk).slice(-64 * 1024)));
    child.on("error", (err) => failAll(err.message));
    child.on("exit", (code, signal) => failAll(`the recorder exited (${signal ?? code})`));
    return child;
}

export function record(dir: string, stack: string): Promise<Recording> {
    return new Promise((resolve, reject) => {
        recorder ??= start();
        const id = nextId++;
        pending.set(id, { stack, resolve, reject });
        if (pending.size === 1) hold(true);
        recorder.stdin.write(`${JSON.stringify({ id, dir, stack })}\n`);
    });
}

/** A lookup of `rec`'s resources by name that fails the test, listing what there is, when one is missing. */
export function finder(rec: Recording): (name: string) => RecordedResource {
    return (name) => {
        const found = rec.resources.find((r) => r.name === name);
        assert.ok(found, `no resource ${name}; have ${rec.resources.map((r) => r.name).join(", ")}`);
        return found;
    };
}
