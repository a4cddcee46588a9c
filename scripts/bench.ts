/**
 * npm run bench [-- --runs N] [--quick]
 *
 * First the whole-mesh connectivity check's time at 2, 64 and 255 members
 * (connectivity/bench-connectivity.ts), then three measurements, each as ratios measured in the
 * same run:
 *
 * 1. One stack's plan in generated meshes of 2, 64, 255 and 511 clusters (the whole
 *    `npm run plan -- --stack r1`, a fresh process as a user runs it) and loading and validating
 *    the mesh alone, as ratios to the 2-cluster time. Budget: the 255-cluster plan within 3x.
 * 2. `npm run plan -- --all` of meshes of 2, 64 and 120 clusters, as ratios to one stack's plan
 *    of the same mesh. Budget: 120 clusters within 5x.
 * 3. The schedule of `npm run mesh -- up` for a new 64-member mesh on a simulated workspace
 *    where every `up` takes T: the waves of each phase and the total, for several --parallel.
 *
 * The exit code is 1 when a budget is exceeded. --quick skips the 255/511-cluster plans and
 * takes one sample of each time unless --runs is given (the budgets still apply); it runs in
 * well under 30 s. One stack's plan of a mesh measured for 1. is reused as the denominator in 2.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { formatConnectivityTimings, timeConnectivity } from "../connectivity/bench-connectivity";
import { inspectMesh } from "../stacks";
import { writeProject } from "../stacks/sample-stacks";
import { runMain } from "./common/main";
import { simulate, simulatedMembers } from "./mesh/simulate";
import { sampleMembers } from "./plan/sample-mesh";

const LIMIT_255 = 3;
const LIMIT_ALL_120 = 5;
/** The mesh sizes of part 2 (plan --all against one stack's plan). */
const ALL_SIZES = [2, 64, 120];

function median(samples: number[]): number {
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

/** Median wall time (ms) of `npm run plan -- <args> --json --dir <dir>` in a fresh process. */
function timePlan(dir: string, args: string[], runs: number): number {
    const plan = path.join(__dirname, "plan.ts");
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        const run = spawnSync(process.execPath, [...process.execArgv, plan, ...args, "--json", "--dir", dir], { encoding: "utf8", maxBuffer: 1024 * 1024 * 1024 });
        const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
        if (run.status !== 0) {
            throw new Error(`plan ${args.join(" ")} in ${dir} failed:\n${run.stderr}`);
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

function withMesh<T>(size: number, measure: (dir: string) => T): T {
    const dir = writeProject(sampleMembers(size));
    try {
        return measure(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const pad = (text: string | number, width: number) => String(text).padStart(width);

async function main(): Promise<number> {
    const { values } = parseArgs({ options: { runs: { type: "string" }, quick: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
    if (values.help) {
        process.stdout.write("usage: npm run bench [-- --runs N] [--quick]\n  plan time of one stack and of plan --all in generated meshes, and the simulated mesh up schedule\n");
        return 0;
    }
    const runs = Math.max(1, Number(values.runs ?? (values.quick ? 1 : 3)));
    let ok = true;
    // The whole-mesh connectivity check (connectivity/), timed apart from planning, first.
    process.stdout.write(`${formatConnectivityTimings(timeConnectivity([2, 64, 255], runs), runs)}\n\n`);

    const sizes = values.quick ? [2, 64] : [2, 64, 255, 511];
    // Each mesh's one-stack plan and --all are timed in the same generated project, so a size
    // both parts use (2, 64) is generated and its one-stack plan timed once.
    const oneStack = new Map<number, number>();
    const allStacks = new Map<number, number>();
    const rows = sizes.map((size) =>
        withMesh(size, (dir) => {
            const row = { size, plan: timePlan(dir, ["--stack", "r1"], runs), validation: timeValidation(dir, runs * 5) };
            oneStack.set(size, row.plan);
            if (ALL_SIZES.includes(size)) {
                allStacks.set(size, timePlan(dir, ["--all"], runs));
            }
            return row;
        }),
    );
    const base = rows[0];
    process.stdout.write(`1. plan of one stack (median of ${runs}) and mesh load+validate (median of ${runs * 5}), as ratios to 2 clusters\n`);
    process.stdout.write("clusters  plan ms  plan ratio  validate ms  validate ratio\n");
    for (const r of rows) {
        process.stdout.write(`${pad(r.size, 8)}  ${pad(r.plan.toFixed(0), 7)}  ${pad((r.plan / base.plan).toFixed(2), 10)}  ${pad(r.validation.toFixed(1), 11)}  ${pad((r.validation / base.validation).toFixed(2), 14)}\n`);
    }
    const row255 = rows.find((r) => r.size === 255);
    if (row255) {
        const ratio = row255.plan / base.plan;
        ok &&= ratio <= LIMIT_255;
        process.stdout.write(`255-cluster plan ratio ${ratio.toFixed(2)}: ${ratio <= LIMIT_255 ? "within" : "OVER"} the ${LIMIT_255}x budget\n`);
    }

    process.stdout.write(`\n2. plan --all (one process) against one stack's plan of the same mesh (medians of ${runs})\n`);
    process.stdout.write("clusters  one stack ms  --all ms  ratio\n");
    for (const size of ALL_SIZES) {
        const measured = oneStack.get(size);
        const { one, all } =
            measured !== undefined ? { one: measured, all: allStacks.get(size) ?? 0 } : withMesh(size, (dir) => ({ one: timePlan(dir, ["--stack", "r1"], runs), all: timePlan(dir, ["--all"], runs) }));
        const ratio = all / one;
        process.stdout.write(`${pad(size, 8)}  ${pad(one.toFixed(0), 12)}  ${pad(all.toFixed(0), 8)}  ${pad(ratio.toFixed(2), 5)}\n`);
        if (size === 120) {
            ok &&= ratio <= LIMIT_ALL_120;
            process.stdout.write(`120-cluster plan --all ratio ${ratio.toFixed(2)}: ${ratio <= LIMIT_ALL_120 ? "within" : "OVER"} the ${LIMIT_ALL_120}x budget\n`);
        }
    }

    process.stdout.write("\n3. npm run mesh -- up of a new 64-member mesh, simulated: every up takes T\n");
    process.stdout.write("parallel  phase 1 (CA owner)  phase 2 (unlinked)  phase 3 (linked)  total\n");
    const members = simulatedMembers(64);
    for (const parallel of [64, 32, 16, 8, 4, 1]) {
        const run = await simulate(members, "up", parallel);
        const cell = (phase: number) => {
            const p = run.phases.find((x) => x.phase === phase);
            return p ? `${p.steps} in ${p.waves} wave${p.waves === 1 ? "" : "s"}` : "-";
        };
        process.stdout.write(`${pad(parallel, 8)}  ${pad(cell(1), 18)}  ${pad(cell(2), 18)}  ${pad(cell(3), 16)}  ${pad(`${run.makespan}T`, 5)}\n`);
    }
    return ok ? 0 : 1;
}

runMain("bench", main);
