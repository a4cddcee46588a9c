/**
 * Test support: the real program run for one stack under the mock engine, in a process of its
 * own (`scripts/plan/run-program.ts`), and a lookup of its resources by name. Recordings
 * started together run in parallel.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import type { RecordedResource } from "../scripts/plan/mock-engine";

export interface Recording {
    resources: RecordedResource[];
    outputs: Record<string, { value: unknown; secret: boolean }>;
}

export function record(dir: string, stack: string): Promise<Recording> {
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "scripts/plan/run-program.ts"), dir, stack], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
            err ? reject(new Error(`${stack}: ${stderr}`)) : resolve(JSON.parse(stdout) as Recording),
        );
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
