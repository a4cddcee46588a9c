/**
 * `node --import tsx scripts/mesh.ts ...`: the same as `clustermesh mesh ...` (scripts/clustermesh/commands.ts),
 * kept for the tools that start this file directly (the benchmark, the examples' tests).
 */
import { runMain } from "./common/main";
import { clustermesh } from "./clustermesh/commands";

runMain("mesh", () => clustermesh(["mesh", ...process.argv.slice(2)], { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env, cwd: process.cwd() }));
