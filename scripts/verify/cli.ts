/**
 * clustermesh verify --stack <name> [--kubeconfig FILE] [--failover] [--requests N] [--timeout S] [--dir DIR] [--json]
 * (npm run verify -- ... is the same)
 *
 * Checks a deployed mesh from one member's cluster, the way the hand-run setups were tested:
 * every Cilium agent connected to every peer, the global service answered by the clusters the
 * stack files say should answer (by affinity), and with --failover the local deployment scaled
 * to 0 and back. Prints PASS/FAIL per check and `N passed, M failed`.
 *
 * Exit codes: 0 every check passed; 1 a check failed; 2 usage, a missing tool (kubectl, or the
 * Pulumi CLI without --kubeconfig), an unknown stack, or no kubeconfig.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { formatProblem, inspectMesh } from "../../stacks";
import { expectationFromMesh, runChecks, serviceUrl, systemClock, type CheckResult, type ClusterClient, type Clock } from "./checks";
import { KubectlClient } from "./kubectl-client";
import { onOutputGone } from "../common/main";

export const usage = `usage: clustermesh verify --stack <name> [--kubeconfig FILE] [--failover] [--requests N] [--timeout S] [--dir DIR] [--json]
  (npm run verify -- ... is the same)
  --stack NAME       the mesh member to verify from (its Pulumi.<name>.yaml)
  --dir DIR          the project (default: $CLUSTERMESH_PROJECT_DIR, else the current directory)
  --json             the results as one JSON document on stdout; progress on stderr
  --kubeconfig FILE  kubeconfig of that cluster; default: the stack's output, read with
                     pulumi stack output kubeconfig --show-secrets -s <name>
  --failover         also scale the local deployment to 0, check that remote clusters answer,
                     and scale it back (always, even when a check fails or is interrupted)
  --requests N       requests per measurement (default 30)
  --timeout S        longest any single wait may take, in seconds (default 120); the first check,
                     one request to the API server, fails after 10 s, so an unreachable cluster
                     fails at once

examples:
  clustermesh verify --stack west
  clustermesh verify --stack east --kubeconfig ./east.kubeconfig --failover
  clustermesh verify --stack west --json | jq '.results[] | select(.ok | not)'

exit codes: 0 every check passed; 1 a check failed (or the cluster is unreachable); 2 usage, a
  missing tool (kubectl, or the Pulumi CLI without --kubeconfig), an unknown stack, no kubeconfig`;

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface VerifyArgs {
    readonly stack: string;
    readonly kubeconfig?: string;
    readonly failover: boolean;
    readonly requests: number;
    readonly timeoutSeconds: number;
    readonly help: boolean;
    /** `--dir`: the project directory, when given. */
    readonly dir?: string;
    /** `--json`: the results as one JSON document on stdout. */
    readonly json?: boolean;
}

function positiveInteger(flag: string, text: string | undefined, fallback: number, max: number): number {
    if (text === undefined) {
        return fallback;
    }
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isInteger(value) || value < 1 || value > max) {
        throw new UsageError(`${flag} ${JSON.stringify(text)} is not a whole number from 1 to ${max}`);
    }
    return value;
}

/** The command line; throws UsageError with the reason. */
export function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            options: {
                stack: { type: "string", short: "s" },
                kubeconfig: { type: "string" },
                failover: { type: "boolean", default: false },
                requests: { type: "string" },
                timeout: { type: "string" },
                dir: { type: "string" },
                json: { type: "boolean" },
                help: { type: "boolean", short: "h", default: false },
            },
            allowPositionals: false,
            strict: true,
        });
    } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const { values } = parsed;
    if (values.help) {
        return { stack: values.stack ?? "", failover: false, requests: 30, timeoutSeconds: 120, help: true };
    }
    if (!values.stack || values.stack.trim().length === 0) {
        throw new UsageError("--stack is required: the mesh member to verify from, e.g. --stack west");
    }
    if (values.kubeconfig !== undefined && values.kubeconfig.trim().length === 0) {
        throw new UsageError("--kubeconfig needs a file name");
    }
    return {
        stack: values.stack.trim(),
        kubeconfig: values.kubeconfig,
        failover: values.failover ?? false,
        requests: positiveInteger("--requests", values.requests, 30, 1000),
        timeoutSeconds: positiveInteger("--timeout", values.timeout, 120, 3600),
        help: false,
        ...(values.dir !== undefined ? { dir: values.dir } : {}),
        ...(values.json ? { json: true } : {}),
    };
}

/**
 * What is missing to run, as a message for the user; undefined when nothing is. kubectl is
 * always needed; the Pulumi CLI only to read the kubeconfig from the stack's outputs.
 */
export async function missingTools(args: Pick<VerifyArgs, "stack" | "kubeconfig">, hasTool: (name: string) => boolean | Promise<boolean>): Promise<string | undefined> {
    const messages: string[] = [];
    if (!(await hasTool("kubectl"))) {
        messages.push("npm run verify talks to the cluster with kubectl, and `kubectl` is not on PATH. Install it (https://kubernetes.io/docs/tasks/tools/) and run again.");
    }
    if (args.kubeconfig === undefined && !(await hasTool("pulumi"))) {
        messages.push(
            `Without --kubeconfig, npm run verify reads the cluster's kubeconfig from the stack's outputs (pulumi stack output kubeconfig --show-secrets -s ${args.stack}), and \`pulumi\` is not on PATH. ` +
                "Install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/) and log in, or pass --kubeconfig FILE.",
        );
    }
    return messages.length > 0 ? messages.join("\n") : undefined;
}

/** Whether an executable called `name` is on PATH (PATHEXT on Windows). */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
    const dirs = (env.PATH ?? "").split(path.delimiter).filter((d) => d.length > 0);
    const extensions = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
    return dirs.some((dir) =>
        extensions.some((ext) => {
            try {
                fs.accessSync(path.join(dir, name + ext), fs.constants.X_OK);
                return fs.statSync(path.join(dir, name + ext)).isFile();
            } catch {
                return false;
            }
        }),
    );
}

/** The stack's `kubeconfig` output through the Pulumi CLI. Never logs it. */
export function pulumiStackKubeconfig(stack: string, dir: string): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            "pulumi",
            ["stack", "output", "kubeconfig", "--show-secrets", "--non-interactive", "-s", stack],
            { cwd: dir, encoding: "utf8", timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
            (error, stdout, stderr) => {
                if (error) {
                    const tail = String(stderr).trim().split("\n").slice(-3).join(" ");
                    reject(new Error(`pulumi stack output kubeconfig -s ${stack} failed: ${tail || error.message}`));
                } else {
                    resolve(String(stdout));
                }
            },
        );
    });
}

/** A client with the setup and teardown the CLI drives around the checks. */
export interface VerifySession extends ClusterClient {
    /** Makes the in-cluster client pod ready. */
    prepare(timeoutMs: number): Promise<void>;
    /** Removes what prepare made and any temporary file; returns problems to report. */
    dispose(): Promise<string[]>;
}

export interface VerifyDeps {
    /** Project directory with the stack files. */
    readonly dir: string;
    readonly hasTool: (name: string) => boolean | Promise<boolean>;
    readonly readFile: (file: string) => string;
    readonly stackKubeconfig: (stack: string, dir: string) => Promise<string>;
    readonly openSession: (options: { name: string; kubeconfig: string; namespace: string }) => VerifySession;
    readonly clock: Clock;
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
    /** Calls `handler` on Ctrl-C, SIGTERM or when the output goes away (`| head -1`); returns the unsubscribe function. */
    readonly onInterrupt?: (handler: () => void) => () => void;
}

/** `PASS  name: detail` lines and the closing count. */
export function formatResults(results: readonly CheckResult[]): string[] {
    const passed = results.filter((r) => r.ok).length;
    return [...results.map((r) => `${r.ok ? "PASS" : "FAIL"}  ${r.name}: ${r.detail}`), `${passed} passed, ${results.length - passed} failed`];
}

export async function verifyCli(argv: readonly string[], deps: VerifyDeps): Promise<number> {
    let args: VerifyArgs;
    try {
        args = parseVerifyArgs(argv);
    } catch (e) {
        deps.err(`${e instanceof Error ? e.message : String(e)}\n${usage}`);
        return 2;
    }
    if (args.help) {
        deps.out(usage);
        return 0;
    }

    const dir = args.dir !== undefined ? path.resolve(args.dir) : deps.dir;
    const json = args.json === true;
    // With --json, stdout carries the one document; the lines for people go to stderr.
    const info = json ? deps.err : deps.out;
    const { members, problems } = inspectMesh(dir);
    const self = members.find((m) => m.stack === args.stack);
    if (!self) {
        const own = problems.filter((p) => p.file === `Pulumi.${args.stack}.yaml` || p.file === `Pulumi.${args.stack}.yml`);
        deps.err(
            own.length > 0
                ? `Pulumi.${args.stack}.yaml has problems; fix them first (npm run plan -- --stack ${args.stack} shows them):\n${own.map((p) => `  - ${formatProblem(p)}`).join("\n")}`
                : `${args.stack} is not a mesh member in ${dir}; members: ${members.map((m) => m.stack).join(", ") || "none"}`,
        );
        return 2;
    }
    if (problems.length > 0) {
        deps.err(`note: the mesh configuration has ${problems.length} problem(s) (npm run plan -- --all lists them); verifying against the members that parse.`);
    }

    const missing = await missingTools(args, deps.hasTool);
    if (missing) {
        deps.err(missing);
        return 2;
    }

    let kubeconfig: string;
    try {
        kubeconfig = args.kubeconfig !== undefined ? deps.readFile(args.kubeconfig) : await deps.stackKubeconfig(args.stack, dir);
    } catch (e) {
        const from = args.kubeconfig !== undefined ? `--kubeconfig ${args.kubeconfig}` : `the outputs of stack ${args.stack}`;
        deps.err(`Could not read the kubeconfig from ${from}: ${e instanceof Error ? e.message : String(e)}`);
        return 2;
    }
    if (kubeconfig.trim().length === 0) {
        deps.err(`The kubeconfig of ${args.stack} is empty${args.kubeconfig === undefined ? " (has the stack been deployed? pulumi stack output -s " + args.stack + ")" : ""}.`);
        return 2;
    }

    const mesh = expectationFromMesh(self, members);
    const timeoutMs = args.timeoutSeconds * 1000;
    info(
        `verify ${args.stack}: cluster ${mesh.local}, peers ${mesh.peers.join(", ") || "none"}; ` +
            `${serviceUrl(mesh.app)} (affinity ${mesh.app.affinity}), ${args.requests} requests, ${args.timeoutSeconds}s per wait${args.failover ? ", with failover" : ""}`,
    );

    const abort = new AbortController();
    let interrupted = false;
    const unsubscribe = deps.onInterrupt?.(() => {
        interrupted = true;
        deps.err("interrupted: finishing up (restoring replicas, deleting the client pod)…");
        abort.abort();
    });
    const session = deps.openSession({ name: mesh.local, kubeconfig, namespace: mesh.app.namespace });
    let results: CheckResult[] = [];
    try {
        results = await runChecks(session, mesh, {
            requests: args.requests,
            timeoutMs,
            failover: args.failover,
            clock: deps.clock,
            signal: abort.signal,
            // Progress, not results: stderr.
            log: (line) => deps.err(`  … ${line}`),
            prepareClient: () => session.prepare(timeoutMs),
        });
    } finally {
        for (const problem of await session.dispose()) {
            deps.err(`warning: ${problem}`);
        }
        unsubscribe?.();
    }
    for (const line of formatResults(results)) {
        info(line);
    }
    if (json) {
        const passed = results.filter((r) => r.ok).length;
        deps.out(JSON.stringify({ format: "clustermesh-verify/v1", stack: args.stack, cluster: mesh.local, peers: mesh.peers, interrupted, passed, failed: results.length - passed, results }, null, 2));
    }
    if (interrupted) {
        deps.err("interrupted: the checks above did not all run.");
    }
    return results.length > 0 && results.every((r) => r.ok) && !interrupted ? 0 : 1;
}

/** The real dependencies: this process's PATH, files, the Pulumi CLI, kubectl and clock. */
export function defaultDeps(dir: string): VerifyDeps {
    return {
        dir,
        hasTool: (name) => onPath(name),
        readFile: (file) => fs.readFileSync(file, "utf8"),
        stackKubeconfig: pulumiStackKubeconfig,
        openSession: (options) => new KubectlClient(options),
        clock: systemClock,
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
        onInterrupt: (handler) => {
            let count = 0;
            const listener = () => {
                count++;
                if (count > 1) {
                    // A second Ctrl-C means "now": the replicas may not be restored (the
                    // temporary kubeconfig is still removed, on exit).
                    process.stderr.write("interrupted again: exiting without cleaning up; check the app's replicas and delete the clustermesh-verify-client pod by hand.\n");
                    process.exit(130);
                }
                handler();
            };
            process.on("SIGINT", listener);
            process.on("SIGTERM", listener);
            // `verify --failover | head -1`: the reader went away; stop the checks and restore
            // the replicas rather than die with the app scaled to 0.
            const unsubscribeGone = onOutputGone(() => handler());
            return () => {
                process.off("SIGINT", listener);
                process.off("SIGTERM", listener);
                unsubscribeGone();
            };
        },
    };
}
