/**
 * One `npm run mesh` per project folder at a time: two runs at once would both run every step
 * (two `up`s of one stack, two writers of its file). The lock is a file named after the folder's
 * real path in the temporary directory, created exclusively and holding the owner's pid; a lock
 * whose pid no longer runs is stale (a run killed with SIGKILL) and is taken over.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export type LockResult = { readonly release: () => void } | { readonly heldBy: number; readonly file: string };

/** The lock file of a project folder. */
export function lockFile(dir: string, tmpDir = os.tmpdir()): string {
    const real = fs.existsSync(dir) ? fs.realpathSync(dir) : path.resolve(dir);
    return path.join(tmpDir, `clustermesh-mesh-${createHash("sha256").update(real).digest("hex").slice(0, 16)}.lock`);
}

function running(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Takes the folder's lock for this process, or says which live process holds it. */
export function acquireLock(dir: string, tmpDir?: string): LockResult {
    const file = lockFile(dir, tmpDir);
    for (let attempt = 0; attempt < 2; attempt++) {
        try {
            fs.writeFileSync(file, JSON.stringify({ pid: process.pid, dir: path.resolve(dir) }), { flag: "wx", mode: 0o600 });
            const release = () => {
                try {
                    const held = JSON.parse(fs.readFileSync(file, "utf8")) as { pid?: number };
                    if (held.pid === process.pid) fs.unlinkSync(file);
                } catch {
                    // already gone
                }
                process.off("exit", release);
            };
            process.on("exit", release);
            return { release };
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
            let pid = NaN;
            try {
                pid = Number((JSON.parse(fs.readFileSync(file, "utf8")) as { pid?: number }).pid);
            } catch {
                // unreadable or half-written: treated as stale
            }
            if (Number.isInteger(pid) && pid > 0 && running(pid)) {
                return { heldBy: pid, file };
            }
            fs.rmSync(file, { force: true }); // stale: its process is gone
        }
    }
    return { heldBy: NaN, file };
}

/**
 * Runs `run` holding the project's mesh lock, or refuses with exit 2 when another run holds it:
 * every command that changes stacks (mesh up/destroy, upgrade, rotate-ca) takes it the same way.
 */
export async function withMeshLock(
    dir: string,
    lock: ((dir: string) => LockResult) | undefined,
    err: (line: string) => void,
    run: () => Promise<number>,
): Promise<number> {
    const held = (lock ?? acquireLock)(dir);
    if ("heldBy" in held) {
        err(
            `another npm run mesh is running in ${dir} (pid ${Number.isNaN(held.heldBy) ? "unknown" : held.heldBy}; lock ${held.file}); nothing was run. ` +
                "Wait for it to finish; if no such process runs any more, delete the lock file.",
        );
        return 2;
    }
    try {
        return await run();
    } finally {
        held.release();
    }
}
