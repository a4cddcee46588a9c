/**
 * The supervisor of one test cluster: a process of its own (started by cluster.ts, detached, in
 * its own process group) that runs kine, kube-apiserver, kube-controller-manager,
 * kube-scheduler and kwok as its children, registers the nodes and (for kind stand-ins) kind's
 * add-ons, writes `ready.json` once the cluster answers, then runs the simulators
 * (simulators.ts) until it is told to stop.
 *
 * It ends, taking every child with it, on SIGTERM/SIGINT/SIGHUP, when any component exits on
 * its own (the cluster is broken: `failed.json` names it with its log's tail), or when its
 * owner process (the test runner that started it) is gone, so a killed test leaves nothing
 * running. Usage: node --import tsx supervisor.ts SPEC.json
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { apiServiceIP, kindAddons, nodeObject, type NodeSpec } from "./addons";
import { ciliumCrds, mcsApiCrds } from "./crds";
import { KubeClient, KubeError, waitFor, type KubeObject } from "./kube-client";
import type { ClusterBinaries } from "./paths";
import { generatePki, kubeconfigYaml } from "./pki";
import { CiliumOperatorSim, LbIpamSim, registerCrds, type Simulator } from "./simulators";

/** Everything the supervisor needs, written by cluster.ts as JSON. */
export interface SupervisorSpec {
    readonly name: string;
    /** Kubeconfig context (and cluster/user entry) name, e.g. `kind-west`. */
    readonly contextName: string;
    readonly dataDir: string;
    readonly binaries: ClusterBinaries;
    readonly kubernetesVersion: string;
    readonly ports: { readonly kine: number; readonly apiserver: number; readonly controllerManager: number; readonly scheduler: number };
    readonly podCIDR: string;
    readonly serviceCIDR: string;
    readonly nodes: readonly NodeSpec[];
    /** Extra DNS names in the API server's certificate. */
    readonly serverNames: readonly string[];
    /** Install what `kind create cluster` installs (CoreDNS, local-path, kube-proxy when `kubeProxy`). */
    readonly kindAddons: boolean;
    readonly kubeProxy: boolean;
    /** When Cilium's CRDs appear: with the chart's operator (as upstream), at start, or never. */
    readonly crds: "with-operator" | "at-start" | "none";
    /** Run the LB-IPAM simulator. */
    readonly lbIpam: boolean;
    /** End when this process is gone. */
    readonly ownerPid?: number;
    /** Remove dataDir when the supervisor ends because its owner is gone (otherwise whoever stops it does). */
    readonly removeDataDirOnExit: boolean;
    /** How long the cluster may take to answer, in ms. */
    readonly readyTimeoutMs: number;
}

/** What `ready.json` holds. */
export interface ReadyFile {
    readonly server: string;
    readonly kubeconfigPath: string;
    readonly supervisorPid: number;
    readonly startedInMs: number;
}

const started = Date.now();
const specPath = process.argv[2];
if (!specPath) {
    process.stderr.write("usage: supervisor.ts SPEC.json\n");
    process.exit(2);
}
const spec = JSON.parse(readFileSync(specPath, "utf8")) as SupervisorSpec;
const logDir = join(spec.dataDir, "logs");
mkdirSync(logDir, { recursive: true });

function log(line: string): void {
    process.stderr.write(`[supervisor ${spec.name} ${new Date().toISOString()}] ${line}\n`);
}

function writeAtomic(path: string, content: string): void {
    writeFileSync(`${path}.tmp`, content);
    renameSync(`${path}.tmp`, path);
}

function tail(path: string, lines = 20): string {
    try {
        return readFileSync(path, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
        return "";
    }
}

const children: Array<{ name: string; proc: ChildProcess; logPath: string }> = [];
let stopping = false;

/** Ends every child (SIGTERM, SIGKILL after 5 s), removes the data folder if asked (the owner is gone: nobody else will), exits. */
async function shutdown(code: number, removeDataDir = false): Promise<never> {
    if (stopping) {
        // A second signal while stopping: finish at once.
        return new Promise<never>(() => undefined);
    }
    stopping = true;
    const running = (): typeof children => children.filter((c) => c.proc.exitCode === null && c.proc.signalCode === null);
    for (const c of [...running()].reverse()) {
        c.proc.kill("SIGTERM");
    }
    const deadline = Date.now() + 5000;
    while (running().length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
    }
    for (const c of running()) {
        log(`${c.name} did not stop in 5 s: SIGKILL`);
        c.proc.kill("SIGKILL");
    }
    log(`stopped (exit ${code})`);
    if (removeDataDir) {
        rmSync(spec.dataDir, { recursive: true, force: true });
    }
    process.exit(code);
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

function fail(message: string): Promise<never> {
    log(`FAILED: ${message}`);
    try {
        writeAtomic(join(spec.dataDir, "failed.json"), JSON.stringify({ error: message }, null, 2));
    } catch {
        // dataDir gone
    }
    return shutdown(1);
}

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    process.on(signal, () => void shutdown(0));
}
if (spec.ownerPid !== undefined) {
    const owner = spec.ownerPid;
    setInterval(() => {
        if (!isAlive(owner)) {
            log(`owner process ${owner} is gone`);
            void shutdown(0, spec.removeDataDirOnExit);
        }
    }, 1000).unref();
}

function run(name: string, binary: string, args: string[]): ChildProcess {
    const logPath = join(logDir, `${name}.log`);
    const fd = openSync(logPath, "a");
    const proc = spawn(binary, args, { stdio: ["ignore", fd, fd], cwd: spec.dataDir });
    closeSync(fd);
    children.push({ name, proc, logPath });
    proc.on("error", (e) => void fail(`${name} (${binary}) could not start: ${e.message}`));
    proc.on("exit", (code, signal) => {
        if (!stopping) {
            void fail(`${name} exited on its own (${signal ?? `code ${code}`}); last lines of ${logPath}:\n${tail(logPath)}`);
        }
    });
    log(`started ${name} (pid ${proc.pid})`);
    return proc;
}

function portOpen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = connect({ host: "127.0.0.1", port }, () => {
            s.destroy();
            resolve(true);
        });
        s.on("error", () => resolve(false));
    });
}

async function boot(): Promise<void> {
    const pkiDir = join(spec.dataDir, "pki");
    mkdirSync(pkiDir, { recursive: true });
    const controlPlane = spec.nodes.find((n) => n.role === "control-plane");
    const pki = generatePki(pkiDir, { clusterName: spec.name, serverNames: [...spec.serverNames], firstServiceIP: apiServiceIP(spec.serviceCIDR) });
    const server = `https://127.0.0.1:${spec.ports.apiserver}`;
    const kubeconfigPath = join(spec.dataDir, "kubeconfig");
    const component = (file: string, user: typeof pki.admin, userName: string): string => {
        const path = join(spec.dataDir, file);
        writeFileSync(path, kubeconfigYaml({ contextName: spec.contextName, server, ca: pki.ca, user, userName }), { mode: 0o600 });
        return path;
    };
    const adminKubeconfig = component("kubeconfig.tmp-admin", pki.admin, spec.contextName);
    const kcmKubeconfig = component("controller-manager.kubeconfig", pki.controllerManager, "system:kube-controller-manager");
    const schedulerKubeconfig = component("scheduler.kubeconfig", pki.scheduler, "system:kube-scheduler");

    run("kine", spec.binaries.kine, [
        `--endpoint=sqlite://${join(spec.dataDir, "kine.db")}?_journal=WAL&cache=shared&_busy_timeout=30000&_txlock=immediate`,
        `--listen-address=127.0.0.1:${spec.ports.kine}`,
        "--metrics-bind-address=0",
    ]);
    await waitFor("kine to listen", spec.readyTimeoutMs, async () => ((await portOpen(spec.ports.kine)) ? true : undefined));

    run("kube-apiserver", spec.binaries.kubeApiserver, [
        `--etcd-servers=http://127.0.0.1:${spec.ports.kine}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${spec.ports.apiserver}`,
        // The control-plane node's address (kind: its container's): the `kubernetes` Endpoints may not be loopback.
        `--advertise-address=${controlPlane?.internalIP ?? "192.0.2.1"}`,
        `--tls-cert-file=${pki.apiserver.certPath}`,
        `--tls-private-key-file=${pki.apiserver.keyPath}`,
        `--client-ca-file=${pki.ca.certPath}`,
        `--service-account-key-file=${pki.serviceAccountPubPath}`,
        `--service-account-signing-key-file=${pki.serviceAccountKeyPath}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-cluster-ip-range=${spec.serviceCIDR}`,
        "--authorization-mode=Node,RBAC",
        // Cilium's agent is privileged and on the host network.
        "--allow-privileged=true",
        "--enable-priority-and-fairness=false",
        "--profiling=false",
        "--v=1",
    ]);
    const admin = new KubeClient({ server, caPem: pki.ca.certPem, certPem: pki.admin.certPem, keyPem: pki.admin.keyPem });
    await waitFor("kube-apiserver /readyz", spec.readyTimeoutMs, async () => ((await admin.request<string>("GET", "/readyz")) ? true : undefined), 500);
    log("kube-apiserver ready");

    run("kube-controller-manager", spec.binaries.kubeControllerManager, [
        `--kubeconfig=${kcmKubeconfig}`,
        `--authentication-kubeconfig=${kcmKubeconfig}`,
        `--authorization-kubeconfig=${kcmKubeconfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${spec.ports.controllerManager}`,
        "--leader-elect=false",
        `--cluster-name=${spec.name}`,
        `--root-ca-file=${pki.ca.certPath}`,
        `--service-account-private-key-file=${pki.serviceAccountKeyPath}`,
        "--use-service-account-credentials=true",
        `--cluster-signing-cert-file=${pki.ca.certPath}`,
        `--cluster-signing-key-file=${pki.ca.keyPath}`,
        // kubeadm (hence kind) allocates node pod CIDRs from the pod subnet.
        "--allocate-node-cidrs=true",
        `--cluster-cidr=${spec.podCIDR}`,
        `--service-cluster-ip-range=${spec.serviceCIDR}`,
        "--node-cidr-mask-size=24",
        "--profiling=false",
        "--v=1",
    ]);
    run("kube-scheduler", spec.binaries.kubeScheduler, [
        `--kubeconfig=${schedulerKubeconfig}`,
        `--authentication-kubeconfig=${schedulerKubeconfig}`,
        `--authorization-kubeconfig=${schedulerKubeconfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${spec.ports.scheduler}`,
        "--leader-elect=false",
        "--profiling=false",
        "--v=1",
    ]);
    run("kwok", spec.binaries.kwok, [
        `--kubeconfig=${adminKubeconfig}`,
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        "--node-lease-duration-seconds=40",
        `--cidr=${spec.podCIDR}`,
        `--node-ip=${controlPlane?.internalIP ?? "192.0.2.1"}`,
    ]);

    const hasWorkers = spec.nodes.some((n) => n.role === "worker");
    for (const node of spec.nodes) {
        await admin.createIfAbsent(nodeObject(node, hasWorkers, spec.kubernetesVersion));
    }
    if (spec.kindAddons) {
        // The namespaces exist once the apiserver's bootstrap controller ran; ServiceAccount admission needs the SA first.
        for (const obj of kindAddons({ serviceCIDR: spec.serviceCIDR, kubeProxy: spec.kubeProxy, kubernetesVersion: spec.kubernetesVersion })) {
            await waitFor(`${obj.kind} ${obj.metadata.name} to be created`, spec.readyTimeoutMs, async () => {
                await admin.createIfAbsent(obj);
                return true;
            });
        }
    }
    if (spec.crds === "at-start") {
        await registerCrds(admin, [...ciliumCrds(), ...mcsApiCrds()]);
    }
    await waitFor("every node Ready (kwok)", spec.readyTimeoutMs, async () => {
        const nodes = await admin.list<KubeObject>("/api/v1/nodes");
        const ready = nodes.filter((n) => ((n.status?.conditions ?? []) as Array<{ type: string; status: string }>).some((c) => c.type === "Ready" && c.status === "True"));
        return ready.length === spec.nodes.length ? true : undefined;
    });
    await waitFor("the default ServiceAccount (kube-controller-manager)", spec.readyTimeoutMs, async () => ((await admin.getOrUndefined("/api/v1/namespaces/default/serviceaccounts/default")) ? true : undefined));
    renameSync(adminKubeconfig, kubeconfigPath);
    const ready: ReadyFile = { server, kubeconfigPath, supervisorPid: process.pid, startedInMs: Date.now() - started };
    writeAtomic(join(spec.dataDir, "ready.json"), JSON.stringify(ready, null, 2));
    log(`ready in ${ready.startedInMs} ms at ${server}`);

    const sims: Simulator[] = [];
    if (spec.crds === "with-operator") {
        sims.push(new CiliumOperatorSim(admin, log));
    }
    if (spec.lbIpam) {
        sims.push(new LbIpamSim(admin, log));
    }
    for (;;) {
        for (const sim of sims) {
            try {
                await sim.step();
            } catch (e) {
                if (!(e instanceof KubeError && e.status === 404)) {
                    appendFileSync(join(logDir, "simulators.log"), `${new Date().toISOString()} ${sim.name}: ${e instanceof Error ? e.message : String(e)}\n`);
                }
            }
        }
        await new Promise((r) => setTimeout(r, 500));
    }
}

boot().catch((e: unknown) => void fail(e instanceof Error ? e.message : String(e)));
