/**
 * moto_server (Python moto) for the engine test's `aws` group: started on a free local port,
 * answered before it is used, stopped at the end of the run whatever happens (the caller's
 * `finally`, and the process's exit as a last resort).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { ec2Client } from "./aws-provider/moto";

export interface Moto {
    /** `http://127.0.0.1:<port>`: the value of CLUSTERMESH_ENGINE_MOTO_ENDPOINT. */
    readonly endpoint: string;
    stop(): void;
}

/** moto_server on PATH, else pyenv's shim (where this machine has it). */
export function motoServerCommand(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const candidates = [...(env.PATH ?? "").split(path.delimiter).map((d) => path.join(d, "moto_server")), path.join(env.HOME ?? "/root", ".pyenv", "shims", "moto_server")];
    return candidates.find((c) => {
        try {
            fs.accessSync(c, fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

/** Starts moto_server and resolves once it answers an EC2 call (DescribeRegions); logs go to `logFile`. */
export async function startMoto(logFile: string, timeoutMs = 60_000): Promise<Moto> {
    const command = motoServerCommand();
    if (!command) throw new Error("moto_server is not installed (pip install 'moto[server]'); the aws group needs it");
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const log = fs.openSync(logFile, "a");
    // In this run's process group, so a Ctrl-C stops it too; pyenv's shim execs python, so the
    // pid is moto's own (no reloader: -r is off by default).
    const child: ChildProcess = spawn(command, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    let exited: string | undefined;
    child.once("exit", (code, signal) => (exited = `moto_server exited (${signal ?? code}) before answering; see ${logFile}`));
    const stop = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    };
    process.once("exit", stop);
    const ec2 = ec2Client(endpoint);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (exited) throw new Error(exited);
        try {
            await ec2("us-east-1", "DescribeRegions");
            return { endpoint, stop };
        } catch (e) {
            if (Date.now() > deadline) {
                stop();
                throw new Error(`moto_server on ${endpoint} did not answer in ${timeoutMs / 1000} s: ${(e as Error).message}`);
            }
            await new Promise((r) => setTimeout(r, 200));
        }
    }
}
