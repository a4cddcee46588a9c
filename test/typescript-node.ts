/**
 * Test support: the Node arguments that run one of this project's TypeScript scripts in a
 * child process, as npm test runs the test files (scripts/ts-require.cjs: TypeScript's
 * transpiler, cached). A child so started spends about 0.7 s of CPU less getting going than one
 * under tsx, and the suite starts dozens of plans. The CLI as users start it
 * (scripts/clustermesh.mjs, which runs tsx) is still what readme.test.ts runs.
 */
import * as path from "node:path";

export const TYPESCRIPT_NODE_ARGS: readonly string[] = ["--require", path.join(__dirname, "..", "scripts", "ts-require.cjs")];
