/**
 * Runs the fuzz cases: validation for every case (pure, fast), and the real program under the
 * mock engine, for every stack, for accepted cases (all of them, or a sample). Shared by the
 * suite and `npm run fuzz`.
 */
import fc from "fast-check";
import * as os from "os";
import * as path from "path";
import { batchMode } from "../plan/plan-mesh";
import { runProgram, type MeshInspection } from "../plan/run-program";
import { table } from "../common/table";
import { classify, mutation, OUTCOMES, type Mutation, type Outcome, type Verdict } from "./mutations";

/** The fixed seed: every run generates the same cases (a failure is reproducible). */
export const FUZZ_SEED = 19;

/** No folder: the program's loadMesh is answered from the inspection (scripts/plan/run-program.ts). */
const NO_DIR = path.join(os.tmpdir(), "clustermesh-fuzz-in-memory");

/** Runs the program for every stack of an accepted mesh; the first error, or undefined. */
export async function programError(inspection: MeshInspection): Promise<string | undefined> {
    const restore = batchMode();
    try {
        for (const m of inspection.members) {
            try {
                await runProgram(NO_DIR, m.stack, inspection);
            } catch (e) {
                return `${m.stack}: ${e instanceof Error ? e.message : String(e)}`;
            }
        }
        return undefined;
    } finally {
        restore();
    }
}

export interface FuzzCase {
    readonly mutation: Mutation;
    readonly verdict: Verdict;
}

export interface FuzzReport {
    readonly cases: readonly FuzzCase[];
    readonly counts: Readonly<Record<Outcome, number>>;
    /** How many accepted cases had their program run. */
    readonly ran: number;
}

/** Generates `runs` mutations from the fixed seed, classifies each, and runs up to `programRuns` accepted ones. */
export async function fuzz(runs: number, programRuns = Infinity): Promise<FuzzReport> {
    const mutations = fc.sample(mutation, { numRuns: runs, seed: FUZZ_SEED });
    const cases: FuzzCase[] = mutations.map((m) => ({ mutation: m, verdict: classify(m) }));
    let ran = 0;
    for (const c of cases) {
        if (c.verdict.outcome === "accepted" && c.verdict.inspection && ran < programRuns) {
            ran++;
            const error = await programError(c.verdict.inspection);
            if (error) {
                (c as { verdict: Verdict }).verdict = { ...c.verdict, outcome: "crash", detail: `the program threw: ${error}` };
            }
        }
    }
    const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
    for (const c of cases) counts[c.verdict.outcome]++;
    return { cases, counts, ran };
}

/** The table `npm run fuzz` prints, and the cases that missed the targets. */
export function formatReport(report: FuzzReport): string {
    const rows = OUTCOMES.map((o) => [o, String(report.counts[o]), o === "accepted but wrong" || o === "crash" ? "0" : o === "refused poorly" ? "0" : "-"]);
    const misses = report.cases.filter((c) => ["refused poorly", "accepted but wrong", "crash"].includes(c.verdict.outcome));
    return [
        `${report.cases.length} generated mutations of the stack files (seed ${FUZZ_SEED}); the program ran for ${report.ran} accepted meshes, every stack`,
        table(["outcome", "cases", "target"], rows),
        ...misses.map((c) => `- ${c.verdict.outcome}: ${c.mutation.label}: ${c.verdict.detail ?? ""}`),
    ].join("\n");
}
