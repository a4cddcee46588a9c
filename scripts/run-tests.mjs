// Runs every *.test.ts beside the code with Node's own test runner (TypeScript through tsx).
// Node 20's --test takes no globs, so the files are listed here; each runs in its own
// process, which the mock-engine tests rely on (pulumi.runtime.setMocks is per process).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const skip = new Set(["node_modules", ".git", "bin", ".scratch"]);
function find(dir) {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        if (skip.has(entry.name)) return [];
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return find(path);
        return entry.name.endsWith(".test.ts") ? [path] : [];
    });
}

const only = process.argv.slice(2);
const files = (only.length > 0 ? only : find(".")).sort();
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
