/**
 * `node --import tsx scripts/plan.ts ...`: the same as `clustermesh plan ...` (scripts/clustermesh/commands.ts),
 * kept for the tools that start this file directly (the benchmark, the examples' tests).
 */
import { runMain } from "./common/main";
import { clustermesh } from "./clustermesh/commands";

runMain("plan", () => clustermesh(["plan", ...process.argv.slice(2)], { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env, cwd: process.cwd() }));
