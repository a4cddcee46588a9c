/**
 * startCluster: a Kubernetes control plane with kwok nodes on 127.0.0.1, for tests.
 *
 *     const cluster = await startCluster({ name: "west", nodes: 2 });
 *     // cluster.kubeconfigPath, cluster.kubeconfig (YAML), cluster.server, cluster.client
 *     await cluster.stop();
 *
 * kine (sqlite) as the datastore, kube-apiserver, kube-controller-manager and kube-scheduler
 * from k8s.io/kubernetes, and kwok, which makes the Node objects Ready and takes each pod
 * scheduled on them through Running/Ready (Job pods to Succeeded) without containers. Everything
 * listens on 127.0.0.1 only (free ports), keeps its data in a temporary folder, and uses
 * certificates made here (pki.ts). The binaries come from scripts/engine/build-cluster.sh
 * (paths.ts); `skipReason()` says when they are not built.
 *
 * Cleanup: the components run under a supervisor process (supervisor.ts) in its own process
 * group. stop() ends the group and removes the data folder; so does this process's exit (normal
 * exit, uncaught exception, SIGINT/SIGTERM/SIGHUP), and the supervisor ends by itself when
 * the process that started it dies (even by SIGKILL), checked every second. A cluster started
 * with `detached: true` (the kind stand-in's) outlives its starter and ends with
 * stopClusterAt(dataDir), or when `ownerPid` is gone.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type NodeSpec } from "./addons";
import { KubeClient } from "./kube-client";
import { CLUSTER_VERSIONS, clusterBinaries, missingBinaries, type ClusterBinaries } from "./paths";
import type { ReadyFile, SupervisorSpec } from "./supervisor";

export type { NodeSpec } from "./addons";

export interface StartClusterOptions {
    /** Cluster name: the kubeconfig context unless `contextName`, node names `<name>-control-plane`, `<name>-worker`, `<name>-worker2`, ... */
    readonly name: string;
    /**
     * The nodes: a count (1 = a control plane only, n = a control plane and n-1 workers, named as
     * kind names them, addresses from `nodeSubnet`), or each node spelled out. Default 1.
     */
    readonly nodes?: number | readonly NodeSpec[];
    /** Kubeconfig context name. Default `name`. (The kind stand-in uses `kind-<name>`.) */
    readonly contextName?: string;
    /** Pod range: kwok's pod addresses and the nodes' podCIDRs. Default 10.244.0.0/16 (kubeadm's). */
    readonly podCIDR?: string;
    /** Service range. Default 10.96.0.0/16 (kubeadm's). */
    readonly serviceCIDR?: string;
    /** Where the nodes' InternalIPs come from when `nodes` is a count: .2, .3, ... Default 192.0.2.0/24 (TEST-NET-1, never routed). */
    readonly nodeSubnet?: string;
    /** API server port on 127.0.0.1. Default: a free one. */
    readonly apiServerPort?: number;
    /** Install what `kind create cluster` installs (CoreDNS, kube-dns Service, local-path, StorageClass standard). Default false. */
    readonly kindAddons?: boolean;
    /** With kindAddons: also kube-proxy (kind's `kubeProxyMode` other than none). Default false. */
    readonly kubeProxy?: boolean;
    /**
     * When Cilium's CRDs are registered: `with-operator` (default; as upstream, once the chart's
     * cilium-operator Deployment exists, plus MCS-API CRDs when cilium-config asks), `at-start`
     * (all of them, Cilium's and MCS-API's, before ready), or `none`.
     */
    readonly crds?: "with-operator" | "at-start" | "none";
    /** Simulate Cilium's LB-IPAM for LoadBalancer Services (simulators.ts). Default true. */
    readonly lbIpam?: boolean;
    /** Data folder (created if missing). Default: a new temporary folder, removed on stop. */
    readonly dataDir?: string;
    /** Extra DNS names for the API server certificate. */
    readonly serverNames?: readonly string[];
    /** Outlive this process (no exit hooks): end it with stopClusterAt(dataDir). Default false. */
    readonly detached?: boolean;
    /** The supervisor ends when this process is gone. Default: this process, unless detached. */
    readonly ownerPid?: number;
    /** How long to wait for the cluster to answer. Default 180 s (a loaded 2-core machine). */
    readonly readyTimeoutMs?: number;
    /** Binaries; default clusterBinaries() (the engine cache or CLUSTERMESH_* variables). */
    readonly binaries?: ClusterBinaries;
    /** Progress lines (to stderr by default); pass () => {} for silence. */
    readonly log?: (line: string) => void;
}

/** A running test cluster. */
export interface RunningCluster {
    readonly name: string;
    /** https://127.0.0.1:PORT */
    readonly server: string;
    /** A kubeconfig file with admin (system:masters) credentials embedded. */
    readonly kubeconfigPath: string;
    /** Its content. */
    readonly kubeconfig: string;
    readonly contextName: string;
    readonly dataDir: string;
    readonly nodes: readonly NodeSpec[];
    /** A client with the admin credentials. */
    readonly client: KubeClient;
    /** The supervisor's pid (leader of the cluster's process group). */
    readonly pid: number;
    /** Logs of each component: `<dataDir>/logs/<component>.log`. */
    readonly logDir: string;
    /** Stops every process and removes the data folder (unless it was given). Idempotent. */
    stop(): Promise<void>;
}

const REPO_ROOT = resolve(__dirname, "../../..");
const SUPERVISOR = join(__dirname, "supervisor.ts");

/** kind's node names: `<name>-control-plane`, `<name>-worker`, `<name>-worker2`, ... */
export function kindNodeNames(name: string, count: number): string[] {
    return Array.from({ length: count }, (_, i) => (i === 0 ? `${name}-control-plane` : i === 1 ? `${name}-worker` : `${name}-worker${i}`));
}

function nodeList(name: string, nodes: StartClusterOptions["nodes"], subnet: string): NodeSpec[] {
    if (Array.isArray(nodes)) {
        return [...(nodes as readonly NodeSpec[])];
    }
    const count = (nodes as number | undefined) ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 50) {
        throw new Error(`startCluster ${name}: nodes ${count} is not a whole number from 1 to 50`);
    }
    const m = /^(\d+)\.(\d+)\.(\d+)\.0\/24$/.exec(subnet);
    if (!m) {
        throw new Error(`startCluster ${name}: nodeSubnet ${subnet} must be an IPv4 /24 such as 192.0.2.0/24`);
    }
    return kindNodeNames(name, count).map((n, i) => ({ name: n, role: i === 0 ? "control-plane" : "worker", internalIP: `${m[1]}.${m[2]}.${m[3]}.${i + 2}` }));
}

/** A free TCP port on 127.0.0.1 (the kernel's pick; released before use, so a race is possible but rare). */
export function freePort(): Promise<number> {
    return new Promise((resolvePort, reject) => {
        const srv = createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const addr = srv.address();
            srv.close(() => (typeof addr === "object" && addr ? resolvePort(addr.port) : reject(new Error("no port"))));
        });
    });
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pid, signal);
    } catch {
        // the group is gone
    }
}

/** Clusters this process started and has not stopped: ended on exit. */
const live = new Map<number, { dataDir: string; removeDataDir: boolean }>();
let hooksInstalled = false;

function installExitHooks(): void {
    if (hooksInstalled) {
        return;
    }
    hooksInstalled = true;
    const killAll = (): void => {
        for (const [pid, c] of live) {
            killGroup(pid, "SIGKILL");
            if (c.removeDataDir) {
                rmSync(c.dataDir, { recursive: true, force: true });
            }
        }
        live.clear();
    };
    process.on("exit", killAll);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        const handler = (): void => {
            killAll();
            process.removeListener(signal, handler);
            process.kill(process.pid, signal);
        };
        process.on(signal, handler);
    }
}

/** Stops the cluster whose supervisor runs with this pid: SIGTERM to its group, SIGKILL after `graceMs`. */
export async function stopGroup(pid: number, graceMs = 10_000): Promise<void> {
    killGroup(pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
    }
    killGroup(pid, "SIGKILL");
    // The children share the group: wait until it is empty.
    const groupDeadline = Date.now() + 5000;
    for (;;) {
        try {
            process.kill(-pid, 0);
        } catch {
            return;
        }
        if (Date.now() > groupDeadline) {
            return;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
}

/** Stops a (detached) cluster by its data folder and removes the folder. Succeeds when nothing runs there. */
export async function stopClusterAt(dataDir: string): Promise<void> {
    const pidFile = join(dataDir, "supervisor.pid");
    if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, "utf8").trim());
        if (Number.isInteger(pid) && pid > 1) {
            await stopGroup(pid);
        }
    }
    rmSync(dataDir, { recursive: true, force: true });
}

/** Reads a running cluster's kubeconfig from its data folder; undefined when it is not ready or gone. */
export function readyCluster(dataDir: string): (ReadyFile & { kubeconfig: string }) | undefined {
    try {
        const ready = JSON.parse(readFileSync(join(dataDir, "ready.json"), "utf8")) as ReadyFile;
        if (!isAlive(ready.supervisorPid)) {
            return undefined;
        }
        return { ...ready, kubeconfig: readFileSync(ready.kubeconfigPath, "utf8") };
    } catch {
        return undefined;
    }
}

/** Starts a cluster and resolves once its API answers, its nodes are Ready and its controllers run. */
export async function startCluster(options: StartClusterOptions): Promise<RunningCluster> {
    const log = options.log ?? ((line: string) => process.stderr.write(`[test-cluster ${options.name}] ${line}\n`));
    const binaries = options.binaries ?? clusterBinaries();
    const missing = missingBinaries(binaries);
    if (missing.length > 0) {
        throw new Error(`startCluster ${options.name}: missing binaries: ${missing.join(", ")}; run scripts/engine/build-cluster.sh`);
    }
    const podCIDR = options.podCIDR ?? "10.244.0.0/16";
    const serviceCIDR = options.serviceCIDR ?? "10.96.0.0/16";
    const nodes = nodeList(options.name, options.nodes, options.nodeSubnet ?? "192.0.2.0/24");
    const ownDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `clustermesh-cluster-${options.name}-`));
    mkdirSync(dataDir, { recursive: true });
    for (const stale of ["ready.json", "failed.json"]) {
        rmSync(join(dataDir, stale), { force: true });
    }
    const detached = options.detached ?? false;
    const spec: SupervisorSpec = {
        name: options.name,
        contextName: options.contextName ?? options.name,
        dataDir,
        binaries,
        kubernetesVersion: CLUSTER_VERSIONS.kubernetes,
        ports: { kine: await freePort(), apiserver: options.apiServerPort || (await freePort()), controllerManager: await freePort(), scheduler: await freePort() },
        podCIDR,
        serviceCIDR,
        nodes,
        serverNames: [...(options.serverNames ?? []), ...nodes.filter((n) => n.role === "control-plane").map((n) => n.name)],
        kindAddons: options.kindAddons ?? false,
        kubeProxy: options.kubeProxy ?? false,
        crds: options.crds ?? "with-operator",
        lbIpam: options.lbIpam ?? true,
        ownerPid: options.ownerPid ?? (detached ? undefined : process.pid),
        removeDataDirOnExit: ownDir && !detached,
        readyTimeoutMs: options.readyTimeoutMs ?? 180_000,
    };
    const specPath = join(dataDir, "spec.json");
    writeFileSync(specPath, JSON.stringify(spec, null, 2));
    const logDir = join(dataDir, "logs");
    mkdirSync(logDir, { recursive: true });
    const out = openSync(join(logDir, "supervisor.log"), "a");
    const child = spawn(process.execPath, ["--import", "tsx", SUPERVISOR, specPath], { cwd: REPO_ROOT, detached: true, stdio: ["ignore", out, out] });
    closeSync(out);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) {
        throw new Error(`startCluster ${options.name}: the supervisor did not start`);
    }
    writeFileSync(join(dataDir, "supervisor.pid"), `${pid}\n`);
    if (!detached) {
        live.set(pid, { dataDir, removeDataDir: ownDir });
        installExitHooks();
    }
    log(`starting (data ${dataDir}, API port ${spec.ports.apiserver}, ${nodes.length} node(s))`);

    let exited: string | undefined;
    child.on("exit", (code, signal) => {
        exited = signal ?? `code ${code}`;
    });
    const deadline = Date.now() + spec.readyTimeoutMs + 15_000;
    for (;;) {
        const failed = join(dataDir, "failed.json");
        if (existsSync(failed) || exited !== undefined) {
            let reason = exited ? `the supervisor exited (${exited})` : "";
            try {
                reason = (JSON.parse(readFileSync(failed, "utf8")) as { error: string }).error;
            } catch {
                reason += `; ${readFileSync(join(logDir, "supervisor.log"), "utf8").split("\n").slice(-15).join("\n")}`;
            }
            await stopGroup(pid, 2000);
            live.delete(pid);
            if (ownDir) {
                rmSync(dataDir, { recursive: true, force: true });
            }
            throw new Error(`startCluster ${options.name} failed: ${reason}`);
        }
        if (existsSync(join(dataDir, "ready.json"))) {
            break;
        }
        if (Date.now() > deadline) {
            await stopGroup(pid, 2000);
            live.delete(pid);
            throw new Error(`startCluster ${options.name}: not ready after ${spec.readyTimeoutMs} ms; logs in ${logDir}`);
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    const ready = JSON.parse(readFileSync(join(dataDir, "ready.json"), "utf8")) as ReadyFile;
    const pkiDir = join(dataDir, "pki");
    const client = new KubeClient({
        server: ready.server,
        caPem: readFileSync(join(pkiDir, "ca.crt"), "utf8"),
        certPem: readFileSync(join(pkiDir, "admin.crt"), "utf8"),
        keyPem: readFileSync(join(pkiDir, "admin.key"), "utf8"),
    });
    log(`ready in ${ready.startedInMs} ms at ${ready.server}`);
    let stopped = false;
    return {
        name: options.name,
        server: ready.server,
        kubeconfigPath: ready.kubeconfigPath,
        kubeconfig: readFileSync(ready.kubeconfigPath, "utf8"),
        contextName: spec.contextName,
        dataDir,
        nodes,
        client,
        pid,
        logDir,
        async stop() {
            if (stopped) {
                return;
            }
            stopped = true;
            await stopGroup(pid);
            live.delete(pid);
            if (ownDir) {
                rmSync(dataDir, { recursive: true, force: true });
            }
        },
    };
}
