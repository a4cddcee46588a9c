// Runs every *.test.ts beside the code with Node's own test runner (TypeScript through
// scripts/ts-require.cjs: TypeScript's own transpiler, cached; it starts faster than tsx),
// and, unless files are named, the typecheck (tsc --noEmit) beside it: tsc is single-threaded
// and mostly waits on nothing the tests need, so on two cores it costs little wall time there.
// Node 20's --test takes no globs, so the files are listed here; each runs in its own
// process, which the mock-engine tests rely on (pulumi.runtime.setMocks is per process).
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const skip = new Set(["node_modules", ".git", "bin", ".scratch"]);
function find(dir) {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        if (skip.has(entry.name)) return [];
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return find(path);
        return entry.name.endsWith(".test.ts") ? [path] : [];
    });
}

// The files that take longest (measured: each starts several plans or recordings, or runs many
// property checks) go first, slowest first, so neither worker is left with a long file at the
// end while the other idles. Any file not named here follows in name order.
const slowest = [
    "scripts/plan.test.ts",
    "scripts/plan/plan-mesh.test.ts",
    "index.test.ts",
    "scripts/fuzz/fuzz.test.ts",
    "examples.test.ts",
    "connectivity/properties.test.ts",
    "scripts/clustermesh/commands.test.ts",
    "connectivity/model.test.ts",
    "readme.test.ts",
    "scripts/plan/stand-ins.test.ts",
    "connectivity/transit.test.ts",
    "scripts/plan/report.test.ts",
    "scripts/workflows.test.ts",
];
const rank = (file) => {
    const i = slowest.indexOf(file.replace(/^\.\//, ""));
    return i < 0 ? slowest.length : i;
};

function run(args, options) {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, args, options);
        let output = "";
        child.stdout?.on("data", (chunk) => (output += chunk));
        child.stderr?.on("data", (chunk) => (output += chunk));
        child.on("close", (code, signal) => resolve({ status: code ?? (signal ? 1 : 0), output }));
    });
}

const only = process.argv.slice(2);
const files = (only.length > 0 ? only : find(".")).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
const typecheck = only.length > 0 ? undefined : run([createRequire(import.meta.url).resolve("typescript/bin/tsc"), "--noEmit", "-p", "."], { stdio: ["ignore", "pipe", "pipe"] });
const tests = await run(["--require", fileURLToPath(new URL("ts-require.cjs", import.meta.url)), "--test", "--test-concurrency=2", "--test-reporter=spec", ...files], { stdio: "inherit" });
let status = tests.status;
if (typecheck) {
    const { status: tscStatus, output } = await typecheck;
    process.stdout.write(tscStatus === 0 ? "typecheck (tsc --noEmit -p .): ok\n" : `typecheck (tsc --noEmit -p .) failed:\n${output}`);
    status ||= tscStatus;
}
process.exit(status);
