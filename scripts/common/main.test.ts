import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

/** A command through runMain that writes `lines` lines of plan-like output. */
const script = (lines: number) =>
    `const { runMain } = require(${JSON.stringify(path.join(__dirname, "main.ts"))});\n` +
    `runMain("t", async () => { for (let i = 0; i < ${lines}; i++) process.stdout.write("line " + i + " " + "x".repeat(200) + "\\n"); return 0; });\n`;

describe("runMain and write errors", () => {
    it("exits non-zero when the output cannot be written (a full disk), and says so on stderr", { skip: !fs.existsSync("/dev/full") }, () => {
        const full = fs.openSync("/dev/full", "w");
        const run = spawnSync(process.execPath, ["--import", "tsx", "-e", script(10)], { stdio: ["ignore", full, "pipe"], encoding: "utf8" });
        fs.closeSync(full);
        assert.equal(run.status, 1, run.stderr);
        assert.match(run.stderr, /output could not be written \(ENOSPC/);
    });

    it("exits as the command says when the reader goes away (EPIPE is not an error)", async () => {
        const child = spawn(process.execPath, ["--import", "tsx", "-e", script(20000)], { stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.stdout.once("data", () => child.stdout.destroy());
        const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
        assert.equal(code, 0, stderr);
        assert.doesNotMatch(stderr, /Error|failed/);
    });
});
