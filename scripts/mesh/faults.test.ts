/**
 * The mesh runner under faults: one run per project folder (stale locks taken over), stack files
 * edited atomically, logs only this user reads, a run that stops cleanly when asked to, and a
 * CLUSTERMESH_DEPARTING the program honours only as the runner sets it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { DEPARTING_ENV, departingEnv, departingPeers } from "../../lib/contract";
import { projectLikeEast } from "../../test/stack-files";
import { meshCli, type MeshCliDeps } from "./cli";
import { acquireLock, lockFile } from "./lock";
import { setStackFileValue } from "./stack-file-edit";
import { AutomationWorkspace, type MeshWorkspace } from "./workspace";

function fakeWorkspace(calls: string[], onUp?: () => void): MeshWorkspace {
    return {
        outputs: () => Promise.resolve(undefined),
        selectStack: () => Promise.resolve(),
        setConfig: (stack, key, value) => Promise.resolve(void calls.push(`set ${stack} ${key}=${String(value)}`)),
        up: (stack) => {
            calls.push(`up ${stack}`);
            onUp?.();
            return Promise.resolve();
        },
        preview: (stack) => Promise.resolve(void calls.push(`preview ${stack}`)),
        destroy: (stack) => Promise.resolve(void calls.push(`destroy ${stack}`)),
    };
}

function deps(dir: string, ws: MeshWorkspace, extra: Partial<MeshCliDeps> = {}): MeshCliDeps & { out: string[]; errs: string[] } {
    const out: string[] = [];
    const errs: string[] = [];
    return {
        dir,
        checkCli: () => Promise.resolve("v3.248.0"),
        workspace: () => ws,
        out: (l) => void out.push(l),
        err: (l) => void errs.push(l),
        progress: () => ({ onChange: () => undefined, stop: () => undefined }),
        onStop: () => () => undefined,
        ...extra,
        errs,
    } as MeshCliDeps & { out: string[]; errs: string[] };
}

describe("one mesh run per project folder", () => {
    it("refuses a second run while the first holds the lock, and takes over a stale lock", async () => {
        const dir = projectLikeEast([{ stack: "west", id: 1 }, { stack: "east", id: 2 }]);
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-lock-"));
        const first = acquireLock(dir, tmp);
        assert.ok("release" in first);
        const second = acquireLock(dir, tmp);
        assert.ok("heldBy" in second && second.heldBy === process.pid);
        const d = deps(dir, fakeWorkspace([]), { lock: (x) => acquireLock(x, tmp) });
        assert.equal(await meshCli(["up"], d), 2);
        assert.match(d.errs.join("\n"), /another npm run mesh is running in .* \(pid \d+; lock .*\); nothing was run/);
        first.release();
        // A lock left by a process that no longer runs (killed with SIGKILL) is stale.
        const dead = spawn(process.execPath, ["-e", ""]);
        const deadPid = await new Promise<number>((resolve) => dead.on("exit", () => resolve(dead.pid!)));
        fs.writeFileSync(lockFile(dir, tmp), JSON.stringify({ pid: deadPid }));
        const third = acquireLock(dir, tmp);
        assert.ok("release" in third, "a stale lock is taken over");
        third.release();
        assert.equal(fs.existsSync(lockFile(dir, tmp)), false);
    });
});

describe("stack-file edits", () => {
    it("edit one value in place by rename, keeping comments, order and encrypted values", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-edit-"));
        const file = path.join(dir, "Pulumi.east.yaml");
        fs.writeFileSync(file, "# east, the second region\nconfig:\n  clustermesh:cluster:\n    name: east # its Cilium name\n  clustermesh:sshPrivateKey:\n    secure: v1:abc\n");
        const inode = fs.statSync(file).ino;
        setStackFileValue(dir, "east", "clustermesh:mesh.link", true);
        const text = fs.readFileSync(file, "utf8");
        assert.match(text, /^# east, the second region\n/);
        assert.match(text, /name: east # its Cilium name/);
        assert.deepEqual((parse(text) as { config: Record<string, unknown> }).config, {
            "clustermesh:cluster": { name: "east" },
            "clustermesh:sshPrivateKey": { secure: "v1:abc" },
            "clustermesh:mesh": { link: true },
        });
        // Renamed over, not rewritten in place: a reader has the old file or the new one.
        assert.notEqual(fs.statSync(file).ino, inode);
        assert.deepEqual(fs.readdirSync(dir), ["Pulumi.east.yaml"]);
    });

    it("removes a key given null, keeping comments and the rest of its map; a missing key leaves the file untouched", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-edit-"));
        const file = path.join(dir, "Pulumi.east.yaml");
        fs.writeFileSync(file, "config:\n  clustermesh:cilium:\n    version: 1.19.6 # pinned\n    preflight: 1.20.0\n");
        setStackFileValue(dir, "east", "clustermesh:cilium.preflight", null);
        const text = fs.readFileSync(file, "utf8");
        assert.equal(text, "config:\n  clustermesh:cilium:\n    version: 1.19.6 # pinned\n");
        const inode = fs.statSync(file).ino;
        setStackFileValue(dir, "east", "clustermesh:cilium.preflight", null);
        assert.equal(fs.statSync(file).ino, inode, "nothing to remove: not rewritten");
        assert.equal(fs.readFileSync(file, "utf8"), text);
    });
});

describe("logs", () => {
    it("are 0600 in a 0700 folder", () => {
        const logDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-logs-")), "new");
        const ws = new AutomationWorkspace(os.tmpdir(), logDir);
        (ws as unknown as { log(stack: string, op: string): { onOutput: (t: string) => void } }).log("west", "up").onOutput("secret-ish output\n");
        assert.equal(fs.statSync(logDir).mode & 0o777, 0o700);
        assert.equal(fs.statSync(path.join(logDir, "west.log")).mode & 0o777, 0o600);
    });
});

describe("stopping cleanly", () => {
    it("when asked to stop (the output went away, a signal), running steps finish and nothing else starts", async () => {
        const dir = projectLikeEast([{ stack: "west", id: 1 }, { stack: "east", id: 2 }]);
        const calls: string[] = [];
        let stop: ((why: string) => void) | undefined;
        const ws = fakeWorkspace(calls, () => stop?.("the reader of the output went away (EPIPE)"));
        const d = deps(dir, ws, { onStop: (handler) => ((stop = handler), () => (stop = undefined)) });
        assert.equal(await meshCli(["up", "--parallel", "1"], d), 1);
        assert.deepEqual(calls, ["up west"]);
        assert.match(d.errs.join("\n"), /up stopped \(the reader of the output went away \(EPIPE\)\): 3 steps not started/);
    });
});

describe("CLUSTERMESH_DEPARTING", () => {
    const self = { stack: "west", name: "west" };
    const peers = [{ stack: "east", name: "east" }, { stack: "north", name: "north" }];
    it("is honoured as the runner sets it", () => {
        assert.deepEqual(departingPeers(departingEnv(["north"]), self, peers), { departing: ["north"] });
        assert.deepEqual(departingPeers(departingEnv([]), self, peers), { departing: [] });
    });
    it("left in the shell without the runner's marker, it stops the run instead of unlinking peers", () => {
        const result = departingPeers({ [DEPARTING_ENV]: "north" }, self, peers);
        assert.deepEqual(result.departing, []);
        assert.match(result.problem ?? "", /CLUSTERMESH_DEPARTING=north is set, but not by npm run mesh/);
        const forged = departingPeers({ ...departingEnv(["east"]), [DEPARTING_ENV]: "north" }, self, peers);
        assert.match(forged.problem ?? "", /not by npm run mesh/);
    });
    it("naming no peer, it stops the run", () => {
        assert.match(departingPeers(departingEnv(["mars"]), self, peers).problem ?? "", /names mars, which is not a peer of west; peers are east, north/);
    });
});
