/**
 * Plans of every member of a mesh, for the connectivity check: each stack planned as
 * `npm run plan -- --stack X --json` plans it (the mock engine is process-wide, so one process
 * per stack, run in parallel), then the whole mesh checked by the pure model in connectivity/.
 */
import { execFile } from "child_process";
import * as os from "os";
import * as path from "path";
import type { PlanDocument } from "./plan-report";

export interface MemberPlanRun {
    readonly stack: string;
    readonly plan?: PlanDocument;
    readonly error?: string;
}

/** Plans `stacks` in `dir`, at most one process per CPU at a time; results in the order given. */
export async function planMembers(dir: string, stacks: readonly string[]): Promise<MemberPlanRun[]> {
    const script = path.join(__dirname, "..", "plan.ts");
    const results: MemberPlanRun[] = new Array<MemberPlanRun>(stacks.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < stacks.length) {
            const i = next++;
            const stack = stacks[i];
            results[i] = await new Promise<MemberPlanRun>((resolve) => {
                execFile(
                    process.execPath,
                    [...process.execArgv, script, "--stack", stack, "--json", "--dir", dir, "--no-connectivity"],
                    { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
                    (err, stdout, stderr) => resolve(err ? { stack, error: stderr.trim() || err.message } : { stack, plan: JSON.parse(stdout) as PlanDocument }),
                );
            });
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(os.cpus().length, stacks.length)) }, worker));
    return results;
}
