/**
 * `verify` restores what it changed and removes its temporary secrets on every exit path:
 * SIGTERM and a reader that went away interrupt it like Ctrl-C (the failover restores the
 * replicas), and the temporary kubeconfig is gone even when the process is ended by process.exit.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { guardOutput } from "../common/main";
import { defaultDeps } from "./cli";

describe("verify's exit paths", () => {
    it("SIGTERM and the output going away interrupt the checks, as Ctrl-C does", () => {
        const calls: string[] = [];
        const unsubscribe = defaultDeps(".").onInterrupt!(() => calls.push("interrupted"));
        process.emit("SIGTERM");
        const gone = new PassThrough();
        guardOutput([gone]);
        gone.emit("error", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
        unsubscribe();
        process.emit("SIGTERM");
        assert.deepEqual(calls, ["interrupted", "interrupted"]);
    });

    it("removes the temporary kubeconfig even when the process exits without dispose()", () => {
        const script =
            `const { KubectlClient } = require(${JSON.stringify(path.join(__dirname, "kubectl-client.ts"))});\n` +
            `const c = new KubectlClient({ name: "west", kubeconfig: "apiVersion: v1\\nusers: [{name: x, user: {token: secret}}]\\n", namespace: "mesh-demo", run: async () => "" });\n` +
            `process.stdout.write(c.kubeconfigFile ?? "");\n` +
            `process.exit(130);\n`;
        const run = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8" });
        assert.equal(run.status, 130, run.stderr);
        const file = run.stdout.trim();
        assert.ok(file.endsWith("kubeconfig"), `the client names its file: ${JSON.stringify(run.stdout)}`);
        assert.equal(fs.existsSync(file), false, `${file} was left behind`);
        assert.equal(fs.existsSync(path.dirname(file)), false);
    });
});
