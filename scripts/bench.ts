/**
 * npm run bench [-- --runs N]
 *
 * Generates meshes of 2, 64, 255 and 511 clusters in temporary directories and measures, for
 * one stack of each, (1) the whole `npm run plan` (a fresh process running the real program
 * under mocks, as a user runs it) and (2) loading and validating the mesh alone. Prints each
 * as a ratio to the 2-cluster time. The 255-cluster plan must stay within 3x of the 2-cluster
 * one; the exit code is 1 when it does not. Also reports the whole-mesh connectivity check's
 * time at 2, 64 and 255 members (connectivity/bench-connectivity.ts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { formatConnectivityTimings, timeConnectivity } from "../connectivity/bench-connectivity";
import { inspectMesh } from "../stacks";
import { writeProject, type MemberSpec } from "../stacks/sample-stacks";

const LIMIT_255 = 3;

function meshSpecs(size: number): MemberSpec[] {
    const max = size > 255 ? 511 : 255;
    return Array.from({ length: size }, (_, i) => ({ stack: `r${i + 1}`, id: i + 1, block: i + 10, cilium: { maxConnectedClusters: max } }));
}

function median(samples: number[]): number {
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function timePlan(dir: string, runs: number): number {
    const plan = path.join(__dirname, "plan.ts");
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        const run = spawnSync(process.execPath, [...process.execArgv, plan, "--stack", "r1", "--json", "--dir", dir], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
        if (run.status !== 0) {
            throw new Error(`plan of r1 in ${dir} failed:\n${run.stderr}`);
        }
        samples.push(elapsed);
    }
    return median(samples);
}

function timeValidation(dir: string, runs: number): number {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        const { problems } = inspectMesh(dir);
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (problems.length > 0) {
            throw new Error(`generated mesh in ${dir} is invalid: ${problems[0].message}`);
        }
    }
    return median(samples);
}

function main(): number {
    const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
    const runs = Math.max(1, Number(values.runs));
    // The whole-mesh connectivity check (connectivity/), timed apart from planning, first.
    process.stdout.write(`${formatConnectivityTimings(timeConnectivity([2, 64, 255], runs), runs)}\n`);
    const sizes = [2, 64, 255, 511];
    const rows: Array<{ size: number; plan: number; validation: number }> = [];
    for (const size of sizes) {
        const dir = writeProject(meshSpecs(size));
        try {
            rows.push({ size, plan: timePlan(dir, runs), validation: timeValidation(dir, runs * 5) });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    const base = rows[0];
    process.stdout.write(`plan of one stack (median of ${runs}) and mesh load+validate (median of ${runs * 5}), as ratios to 2 clusters\n`);
    process.stdout.write("clusters  plan ms  plan ratio  validate ms  validate ratio\n");
    for (const r of rows) {
        process.stdout.write(
            `${String(r.size).padStart(8)}  ${r.plan.toFixed(0).padStart(7)}  ${(r.plan / base.plan).toFixed(2).padStart(10)}  ${r.validation.toFixed(1).padStart(11)}  ${(r.validation / base.validation).toFixed(2).padStart(14)}\n`,
        );
    }
    const ratio255 = rows.find((r) => r.size === 255)!.plan / base.plan;
    const verdict = ratio255 <= LIMIT_255 ? "within" : "OVER";
    process.stdout.write(`255-cluster plan ratio ${ratio255.toFixed(2)}: ${verdict} the ${LIMIT_255}x budget\n`);
    return ratio255 <= LIMIT_255 ? 0 : 1;
}

process.exit(main());
