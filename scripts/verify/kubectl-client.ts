/**
 * The real ClusterClient: `kubectl` against one cluster. The kubeconfig is written to a file
 * only this user can read (0600, in a 0700 directory) and removed by `dispose()`; it is never
 * printed or passed on a command line. Requests to the global service are made from a small
 * curl pod created in the app's namespace (when missing) and deleted afterwards.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLUSTERMESH_CERTIFICATE_SECRETS, type CertificateSource } from "./certificates";
import { curlBatchScript, parseCurlBatch, type AgentStatus, type Answer, type ClusterClient, type Replicas } from "./checks";

/** The in-cluster client: curl on a small, pinned image. */
export const CLIENT_POD = "clustermesh-verify-client";
export const CLIENT_IMAGE = "curlimages/curl:8.11.1";
/** Where the Cilium release runs its agents (components/cilium/cilium-release.ts). */
export const CILIUM_NAMESPACE = "kube-system";
/** curl's `--max-time` per request, seconds. */
export const REQUEST_TIMEOUT_SECONDS = 3;

/** The useful end of kubectl's stderr: client-go's log lines (`E1123 00:56:12.090312 ...`) repeat what the last line says. */
function stderrTail(stderr: string): string {
    const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
    const plain = lines.filter((l) => !/^[EWIF]\d{4} \d{2}:\d{2}:\d{2}/.test(l));
    return (plain.length > 0 ? plain : lines).slice(-2).join(" ") || "no output";
}

export class KubectlError extends Error {
    constructor(
        readonly args: readonly string[],
        readonly stderr: string,
        readonly code: string | number | null | undefined,
    ) {
        // The kubeconfig path is noise in a message; the script of a batch request is too long for one.
        const shown = args[0] === "--kubeconfig" ? args.slice(2) : args;
        super(`kubectl ${shown.map((a) => (a.includes("\n") || a.length > 80 ? "<script>" : a)).join(" ")} failed${code === undefined || code === null ? "" : ` (${String(code)})`}: ${stderrTail(stderr)}`);
        this.name = "KubectlError";
    }
}

/** Runs `kubectl` with arguments (the kubeconfig flag is added by the client). */
export type KubectlRunner = (args: readonly string[], options: { timeoutMs: number }) => Promise<string>;

/** The default runner: `execFile`, no shell, killed at the timeout. */
export function execKubectl(kubectl = "kubectl"): KubectlRunner {
    return (args, options) =>
        new Promise((resolve, reject) => {
            execFile(kubectl, [...args], { encoding: "utf8", timeout: options.timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
                if (error) {
                    const code = (error as { code?: string | number | null }).code ?? (error.killed ? "timed out" : undefined);
                    reject(new KubectlError(args, String(stderr || error.message), code));
                } else {
                    resolve(String(stdout));
                }
            });
        });
}

export interface KubectlClientOptions {
    /** Cilium cluster name of the cluster the kubeconfig reaches. */
    readonly name: string;
    /** The kubeconfig's text. Secret: written to a private temporary file, never logged. */
    readonly kubeconfig: string;
    /** Namespace of the app, where the client pod runs. */
    readonly namespace: string;
    /** Default: `execKubectl()`. */
    readonly run?: KubectlRunner;
    /** Where the temporary kubeconfig goes. Default: the OS temporary directory. */
    readonly tmpDir?: string;
    /** Longest time one kubectl call may take, ms. Default 60 s. */
    readonly callTimeoutMs?: number;
}

export class KubectlClient implements ClusterClient {
    readonly name: string;
    private readonly namespace: string;
    private readonly run: KubectlRunner;
    private readonly dir: string;
    private readonly kubeconfigPath: string;
    private readonly callTimeoutMs: number;
    private createdPod = false;
    private disposed = false;

    constructor(options: KubectlClientOptions) {
        this.name = options.name;
        this.namespace = options.namespace;
        this.run = options.run ?? execKubectl();
        this.callTimeoutMs = options.callTimeoutMs ?? 60_000;
        // mkdtemp makes the directory 0700; the file itself is 0600 from its first byte.
        this.dir = fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), "clustermesh-verify-"));
        this.kubeconfigPath = path.join(this.dir, "kubeconfig");
        fs.writeFileSync(this.kubeconfigPath, options.kubeconfig, { mode: 0o600 });
        // Whatever ends the process (a second Ctrl-C, process.exit after a crash), the
        // kubeconfig, a secret, does not stay behind in the temporary directory.
        process.once("exit", this.removeFiles);
    }

    /** Removes the temporary kubeconfig; synchronous, so it also runs on `process.exit`. */
    private readonly removeFiles = (): void => {
        fs.rmSync(this.dir, { recursive: true, force: true });
    };

    /** Path of the temporary kubeconfig (for tests; do not print its contents). */
    get kubeconfigFile(): string {
        return this.kubeconfigPath;
    }

    private kubectl(args: readonly string[], timeoutMs = this.callTimeoutMs): Promise<string> {
        if (this.disposed) {
            return Promise.reject(new Error("KubectlClient used after dispose()"));
        }
        return this.run(["--kubeconfig", this.kubeconfigPath, ...args], { timeoutMs });
    }

    /** `kubectl get --raw /version` with a short request timeout: is the API server there at all? */
    async probe(timeoutMs: number): Promise<void> {
        const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
        await this.kubectl(["get", "--raw", "/version", `--request-timeout=${seconds}s`], timeoutMs + 2000);
    }

    /** Creates the curl pod in the app namespace unless a running one is there, and waits for it. */
    async prepare(timeoutMs: number): Promise<void> {
        const phase = (await this.kubectl(["-n", this.namespace, "get", "pod", CLIENT_POD, "--ignore-not-found", "-o", "jsonpath={.status.phase}"])).trim();
        if (phase !== "Running") {
            if (phase !== "") {
                // Left over from an interrupted run and finished (its sleep ran out): start afresh.
                await this.kubectl(["-n", this.namespace, "delete", "pod", CLIENT_POD, "--ignore-not-found", "--wait=true", "--grace-period=0"]);
            }
            await this.kubectl([
                "-n",
                this.namespace,
                "run",
                CLIENT_POD,
                `--image=${CLIENT_IMAGE}`,
                "--restart=Never",
                "--labels=app.kubernetes.io/name=clustermesh-verify,app.kubernetes.io/part-of=clustermesh",
                '--overrides={"apiVersion":"v1","spec":{"terminationGracePeriodSeconds":0}}',
                "--command",
                "--",
                "sleep",
                "3600",
            ]);
            this.createdPod = true;
        }
        const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
        await this.kubectl(["-n", this.namespace, "wait", "--for=condition=Ready", `pod/${CLIENT_POD}`, `--timeout=${seconds}s`], timeoutMs + 15_000);
    }

    async ciliumStatus(): Promise<AgentStatus[]> {
        const list = JSON.parse(await this.kubectl(["-n", CILIUM_NAMESPACE, "get", "pods", "-l", "k8s-app=cilium", "-o", "json"])) as {
            items?: Array<{ metadata?: { name?: string }; status?: { phase?: string } }>;
        };
        const pods = (list.items ?? [])
            .filter((p) => p.status?.phase === "Running")
            .map((p) => p.metadata?.name ?? "")
            .filter((n) => n.length > 0)
            .sort();
        const statuses: AgentStatus[] = [];
        for (const pod of pods) {
            statuses.push({ pod, output: await this.agentStatus(pod) });
        }
        return statuses;
    }

    private async agentStatus(pod: string): Promise<string> {
        const exec = (binary: string) => this.kubectl(["-n", CILIUM_NAMESPACE, "exec", pod, "-c", "cilium-agent", "--", binary, "status", "--all-clusters"]);
        try {
            return await exec("cilium-dbg");
        } catch (e) {
            // Agents before Cilium 1.15 ship the same command as `cilium`.
            if (e instanceof KubectlError && /executable file not found|not found in \$PATH|no such file/i.test(e.stderr)) {
                return exec("cilium");
            }
            throw e;
        }
    }

    async request(url: string, count: number): Promise<Answer[]> {
        const script = curlBatchScript(url, count, REQUEST_TIMEOUT_SECONDS);
        const timeoutMs = count * (REQUEST_TIMEOUT_SECONDS + 1) * 1000 + 30_000;
        const output = await this.kubectl(["-n", this.namespace, "exec", CLIENT_POD, "--", "sh", "-c", script], timeoutMs);
        return parseCurlBatch(output);
    }

    async getReplicas(namespace: string, deployment: string): Promise<Replicas> {
        const doc = JSON.parse(await this.kubectl(["-n", namespace, "get", "deployment", deployment, "-o", "json"])) as {
            spec?: { replicas?: number };
            status?: { replicas?: number; readyReplicas?: number };
        };
        return { desired: doc.spec?.replicas ?? 1, ready: doc.status?.readyReplicas ?? 0, current: doc.status?.replicas ?? 0 };
    }

    /** Every clustermesh certificate in kube-system's Secrets (each read by name; missing ones are skipped). */
    async certificates(): Promise<CertificateSource[]> {
        const sources: CertificateSource[] = [];
        for (const { secret, keys } of CLUSTERMESH_CERTIFICATE_SECRETS) {
            const text = (await this.kubectl(["-n", CILIUM_NAMESPACE, "get", "secret", secret, "--ignore-not-found", "-o", "json"])).trim();
            const data = text === "" ? {} : ((JSON.parse(text) as { data?: Record<string, string> }).data ?? {});
            for (const key of keys) {
                if (data[key]) {
                    sources.push({ source: `${CILIUM_NAMESPACE}/${secret} ${key}`, pem: Buffer.from(data[key], "base64").toString("utf8") });
                }
            }
        }
        return sources;
    }

    async scale(namespace: string, deployment: string, replicas: number): Promise<void> {
        await this.kubectl(["-n", namespace, "scale", `deployment/${deployment}`, `--replicas=${replicas}`]);
    }

    /** Deletes the client pod if this client created it, and the temporary kubeconfig. Safe to call twice. */
    async dispose(): Promise<string[]> {
        if (this.disposed) {
            return [];
        }
        const problems: string[] = [];
        if (this.createdPod) {
            try {
                await this.kubectl(["-n", this.namespace, "delete", "pod", CLIENT_POD, "--ignore-not-found", "--wait=false"]);
            } catch (e) {
                problems.push(`could not delete the client pod ${this.namespace}/${CLIENT_POD}: ${e instanceof Error ? e.message : String(e)}`);
            }
        }
        this.disposed = true;
        this.removeFiles();
        process.off("exit", this.removeFiles);
        return problems;
    }
}
