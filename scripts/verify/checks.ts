/**
 * What `npm run verify` checks on a running mesh, as plain logic over a ClusterClient: the
 * manual test of the hand-run setups (curl the global service from a pod, count which cluster
 * answered, affinity, scale to 0 and fail over) made repeatable. Nothing here talks to a
 * cluster itself, and every wait takes its time from an injected Clock, so the tests run the
 * whole procedure, failures included, in milliseconds.
 */
import type { MeshMember } from "../../stacks/load";
import { checkCertificates, type CertificateSource } from "./certificates";
import type { AppConfig } from "../../stacks/schema";

// ---------------------------------------------------------------------------------------------
// What the checks need from a cluster

/** The output of `cilium-dbg status --all-clusters` in one Cilium agent pod. */
export interface AgentStatus {
    readonly pod: string;
    readonly output: string;
}

/** One HTTP request made from the in-cluster client pod: the body, or why there was none. */
export interface Answer {
    /** Response body, when the request succeeded (2xx). */
    readonly body?: string;
    /** curl's error (exit code and message), when it did not. */
    readonly error?: string;
}

export interface Replicas {
    /** `spec.replicas`. */
    readonly desired: number;
    /** `status.readyReplicas` (0 when absent). */
    readonly ready: number;
    /** `status.replicas`: pods that exist, ready or not (0 when absent). */
    readonly current: number;
}

/** One cluster, as the checks see it. The real one is KubectlClient; tests use fakes. */
export interface ClusterClient {
    /** Cilium `cluster.name` of the cluster this client reaches. */
    readonly name: string;
    /** `cilium-dbg status --all-clusters` of every Cilium agent of the cluster. */
    ciliumStatus(): Promise<AgentStatus[]>;
    /** Makes `count` HTTP GETs of `url` from the in-cluster client pod, in order. */
    request(url: string, count: number): Promise<Answer[]>;
    getReplicas(namespace: string, deployment: string): Promise<Replicas>;
    scale(namespace: string, deployment: string, replicas: number): Promise<void>;
    /** The clustermesh certificates the cluster holds (mesh CA, apiserver certificates), when the client can read them. */
    certificates?(): Promise<CertificateSource[]>;
    /**
     * One quick request to the cluster's API server (`/version`), failing within `timeoutMs`:
     * an unreachable cluster fails this one probe instead of every check's whole deadline.
     */
    probe?(timeoutMs: number): Promise<void>;
}

/** How long the reachability probe waits for the API server before verify gives up. */
export const PROBE_TIMEOUT_MS = 10_000;

/** Time, injected: the real one sleeps, the tests' one only moves its hands. */
export interface Clock {
    /** Milliseconds on a monotonic clock. */
    now(): number;
    /** Resolves after `ms`; rejects at once when `signal` is (or becomes) aborted. */
    sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
    // Monotonic: a wall-clock jump must not end (or stretch) a wait.
    now: () => performance.now(),
    sleep: (ms, signal) =>
        new Promise<void>((resolve, reject) => {
            if (signal?.aborted) {
                reject(new AbortedError());
                return;
            }
            const onAbort = () => {
                clearTimeout(timer);
                reject(new AbortedError());
            };
            const timer = setTimeout(() => {
                signal?.removeEventListener("abort", onAbort);
                resolve();
            }, ms);
            signal?.addEventListener("abort", onAbort, { once: true });
        }),
};

export class AbortedError extends Error {
    constructor() {
        super("interrupted");
        this.name = "AbortedError";
    }
}

export interface CheckResult {
    readonly name: string;
    readonly ok: boolean;
    readonly detail: string;
}

// ---------------------------------------------------------------------------------------------
// What the mesh configuration says should happen

/** What the stack files say the cluster under test should see. */
export interface MeshExpectation {
    /** Cluster name of the stack under test. */
    readonly local: string;
    /** Its stack file, for messages. */
    readonly file: string;
    /** Whether the stack file links it to its peers (`clustermesh:mesh.link`). */
    readonly linked: boolean;
    /** Cluster names of every other member: the agents must report each of them ready. */
    readonly peers: readonly string[];
    /** The app of the stack under test. */
    readonly app: Pick<AppConfig, "enabled" | "name" | "namespace" | "replicas" | "affinity">;
    /** Whether the local cluster has endpoints of its own (app enabled, replicas > 0). */
    readonly localServes: boolean;
    /** Peers whose endpoints reach this cluster: app enabled with the same name and namespace, shared, replicas > 0. */
    readonly remoteServers: readonly string[];
    /** Why each other peer is not expected to answer, for messages. */
    readonly silentPeers: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

/** The expectation for `self` from the mesh's stack files. */
export function expectationFromMesh(self: MeshMember, members: readonly MeshMember[]): MeshExpectation {
    const peers = members.filter((m) => m.stack !== self.stack);
    const remoteServers: string[] = [];
    const silentPeers: Array<{ name: string; reason: string }> = [];
    for (const peer of peers) {
        const reason = !peer.app.enabled
            ? `${peer.file} has clustermesh:app.enabled false`
            : peer.app.name !== self.app.name || peer.app.namespace !== self.app.namespace
              ? `${peer.file} names its app ${peer.app.namespace}/${peer.app.name}, not ${self.app.namespace}/${self.app.name}`
              : !peer.app.shared
                ? `${peer.file} has clustermesh:app.shared false`
                : peer.app.replicas === 0
                  ? `${peer.file} has clustermesh:app.replicas 0`
                  : undefined;
        if (reason) {
            silentPeers.push({ name: peer.cluster.name, reason });
        } else {
            remoteServers.push(peer.cluster.name);
        }
    }
    return {
        local: self.cluster.name,
        file: self.file,
        linked: self.mesh.link,
        peers: peers.map((p) => p.cluster.name),
        app: { enabled: self.app.enabled, name: self.app.name, namespace: self.app.namespace, replicas: self.app.replicas, affinity: self.app.affinity },
        localServes: self.app.enabled && self.app.replicas > 0,
        remoteServers,
        silentPeers,
    };
}

/** The URL the client pod calls: the Service's FQDN on port 80. */
export function serviceUrl(app: Pick<AppConfig, "name" | "namespace">): string {
    return `http://${app.name}.${app.namespace}.svc.cluster.local/`;
}

// ---------------------------------------------------------------------------------------------
// Parsing the Cilium agent's status

export interface RemoteClusterStatus {
    readonly name: string;
    readonly ready: boolean;
}

export interface ClusterMeshStatus {
    /** Remote clusters ready, from the summary line. */
    readonly ready: number;
    /** Remote clusters configured, from the summary line. */
    readonly total: number;
    readonly globalServices?: number;
    /** One entry per remote cluster line (all of them with `--all-clusters`; only not-ready ones without). */
    readonly clusters: readonly RemoteClusterStatus[];
}

const summaryLine = /^ClusterMesh:\s+(\d+)\/(\d+)\s+(?:remote\s+)?clusters\s+ready(?:,\s+(\d+)\s+global-services?)?/;
const clusterLine = /^\s+([a-z0-9](?:[-a-z0-9]*[a-z0-9])?):\s+(ready|not-ready),/;

/**
 * The ClusterMesh section of `cilium-dbg status [--all-clusters]`, as text (`ClusterMesh:
 * 1/1 remote clusters ready, 3 global-services` and one indented line per remote cluster;
 * Cilium before 1.15 wrote "clusters ready") or as JSON (`-o json`: `cluster-mesh.clusters[]`).
 * Undefined when the agent reports no ClusterMesh at all (clustermesh not configured).
 */
export function parseClusterMeshStatus(output: string): ClusterMeshStatus | undefined {
    const trimmed = output.trim();
    if (trimmed.startsWith("{")) {
        return parseJsonStatus(trimmed);
    }
    const lines = output.split(/\r?\n/);
    const start = lines.findIndex((line) => summaryLine.test(line));
    if (start < 0) {
        return undefined;
    }
    const [, ready, total, services] = summaryLine.exec(lines[start]) ?? [];
    const clusters: RemoteClusterStatus[] = [];
    // The cluster lines are indented under the summary; the next section starts in column 0.
    for (const line of lines.slice(start + 1)) {
        if (!/^\s/.test(line) || line.trim().length === 0) {
            break;
        }
        const match = clusterLine.exec(line);
        if (match) {
            clusters.push({ name: match[1], ready: match[2] === "ready" });
        }
    }
    return { ready: Number(ready), total: Number(total), globalServices: services === undefined ? undefined : Number(services), clusters };
}

function parseJsonStatus(text: string): ClusterMeshStatus | undefined {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch {
        return undefined;
    }
    const mesh = (doc as Record<string, unknown> | null)?.["cluster-mesh"] as { clusters?: Array<{ name?: string; ready?: boolean }>; "num-global-services"?: number } | undefined;
    if (!mesh || typeof mesh !== "object") {
        return undefined;
    }
    // The API omits `ready` when false (omitempty).
    const clusters = (mesh.clusters ?? []).map((c) => ({ name: String(c.name ?? ""), ready: c.ready === true }));
    return { ready: clusters.filter((c) => c.ready).length, total: clusters.length, globalServices: mesh["num-global-services"] ?? 0, clusters };
}

/** Problems with one agent's view of the mesh; empty when every peer is connected and ready. */
export function agentProblems(status: AgentStatus, peers: readonly string[]): string[] {
    const mesh = parseClusterMeshStatus(status.output);
    if (!mesh) {
        return [`${status.pod}: no ClusterMesh section in its status (the agent has no remote cluster configured)`];
    }
    const problems: string[] = [];
    const listed = new Map(mesh.clusters.map((c) => [c.name, c.ready]));
    const notReady = peers.filter((p) => listed.get(p) === false);
    // Without --all-clusters only not-ready clusters are listed; the count still has to add up.
    const missing = mesh.clusters.length === 0 && mesh.total >= peers.length && mesh.ready === mesh.total ? [] : peers.filter((p) => !listed.has(p));
    if (notReady.length > 0) {
        problems.push(`${status.pod}: ${notReady.join(", ")} not ready`);
    }
    if (missing.length > 0) {
        problems.push(`${status.pod}: ${missing.join(", ")} not configured`);
    }
    const strangers = mesh.clusters.filter((c) => !peers.includes(c.name) && !c.ready).map((c) => c.name);
    if (strangers.length > 0) {
        problems.push(`${status.pod}: ${strangers.join(", ")} (in no stack file) not ready`);
    }
    if (problems.length === 0 && (mesh.ready < peers.length || mesh.ready < mesh.total)) {
        problems.push(`${status.pod}: ${mesh.ready}/${mesh.total} remote clusters ready, expected ${peers.length}`);
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Curl from the client pod

const answerMarker = "@@clustermesh-verify";

function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A POSIX shell script that makes `count` requests with curl and prints one line per request:
 * the marker, curl's exit code and the body (or curl's error) on one line. One `kubectl exec`
 * per batch instead of one per request keeps a 30-request run to a second or two.
 */
export function curlBatchScript(url: string, count: number, maxTimeSeconds: number): string {
    if (!Number.isInteger(count) || count < 1) {
        throw new Error(`curlBatchScript: count ${count} is not a whole number of 1 or more`);
    }
    return [
        "i=0",
        `while [ "$i" -lt ${count} ]; do`,
        `  body=$(curl -fsS --max-time ${maxTimeSeconds} ${shellQuote(url)} 2>&1); code=$?`,
        `  printf '%s %s %s\\n' '${answerMarker}' "$code" "$(printf '%s' "$body" | tr '\\r\\n' '  ')"`,
        "  i=$((i+1))",
        "done",
    ].join("\n");
}

/** The answers in the output of curlBatchScript, in order. Lines without the marker are ignored. */
export function parseCurlBatch(output: string): Answer[] {
    const answers: Answer[] = [];
    for (const line of output.split(/\r?\n/)) {
        if (!line.startsWith(`${answerMarker} `)) {
            continue;
        }
        const rest = line.slice(answerMarker.length + 1);
        const space = rest.indexOf(" ");
        const code = space < 0 ? rest : rest.slice(0, space);
        const text = space < 0 ? "" : rest.slice(space + 1).trim();
        answers.push(code === "0" ? { body: text } : { error: `curl exit ${code}${text ? `: ${text}` : ""}` });
    }
    return answers;
}

// ---------------------------------------------------------------------------------------------
// Tallying answers

export interface Tally {
    readonly requests: number;
    /** Answers per cluster name, in first-seen order. */
    readonly byCluster: ReadonlyMap<string, number>;
    /** Bodies that are no cluster's name. */
    readonly unknown: readonly string[];
    readonly errors: readonly string[];
}

function emptyTally(): { requests: number; byCluster: Map<string, number>; unknown: string[]; errors: string[] } {
    return { requests: 0, byCluster: new Map(), unknown: [], errors: [] };
}

function addAnswers(tally: ReturnType<typeof emptyTally>, answers: readonly Answer[], clusters: readonly string[]): void {
    for (const answer of answers) {
        tally.requests++;
        if (answer.body === undefined) {
            tally.errors.push(answer.error ?? "no answer");
            continue;
        }
        const body = answer.body.trim();
        if (clusters.includes(body)) {
            tally.byCluster.set(body, (tally.byCluster.get(body) ?? 0) + 1);
        } else {
            tally.unknown.push(body);
        }
    }
}

/** `west ×6, east ×4` (or `nobody`), plus unknown bodies and errors. */
export function describeTally(tally: Tally): string {
    const parts = [...tally.byCluster].map(([name, n]) => `${name} ×${n}`);
    const seen = parts.length > 0 ? parts.join(", ") : "nobody";
    const extra = [
        ...(tally.unknown.length > 0 ? [`${tally.unknown.length} unexpected answer(s), e.g. ${JSON.stringify(tally.unknown[0].slice(0, 80))}`] : []),
        ...(tally.errors.length > 0 ? [`${tally.errors.length} failed request(s), e.g. ${tally.errors[0].slice(0, 120)}`] : []),
    ];
    return `${tally.requests} request(s) answered by ${seen}${extra.length > 0 ? `; ${extra.join("; ")}` : ""}`;
}

// ---------------------------------------------------------------------------------------------
// Running the checks

export interface CheckOptions {
    /** Requests per measurement (and the most a "does every cluster answer" run makes). */
    readonly requests: number;
    /** How long any one wait may last, in milliseconds. */
    readonly timeoutMs: number;
    /** Also scale the local deployment to 0 and back (`--failover`). */
    readonly failover: boolean;
    readonly clock: Clock;
    /** Pause between polls. Default 2000 ms. */
    readonly pollMs?: number;
    /** Requests per `kubectl exec`. Default 10. */
    readonly batchSize?: number;
    /** Aborting stops every wait; a failover in progress still restores the replicas. */
    readonly signal?: AbortSignal;
    /** Progress lines. */
    readonly log?: (line: string) => void;
    /**
     * Readies the in-cluster client pod, after the peers check and before the first request.
     * A failure is reported as the failed check "client pod ready" and ends the run.
     */
    readonly prepareClient?: () => Promise<void>;
    /** Today's date, for certificate expiry (wall clock, unlike `clock`). Default `new Date()`. */
    readonly today?: () => Date;
}

interface Ctx {
    readonly client: ClusterClient;
    readonly mesh: MeshExpectation;
    readonly options: CheckOptions;
    readonly clusters: readonly string[];
    readonly url: string;
}

function seconds(ms: number): string {
    return `${Math.round(ms / 1000)}s`;
}

function errorText(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

/**
 * Calls `attempt` until it reports done or the deadline passes; returns its last value and
 * whether it finished in time. Errors from `attempt` count as not done (and are kept).
 */
async function poll<T>(ctx: Ctx, timeoutMs: number, attempt: () => Promise<{ done: boolean; value: T }>): Promise<{ done: boolean; value?: T; error?: string }> {
    const { clock, signal } = ctx.options;
    const deadline = clock.now() + timeoutMs;
    let last: { done: boolean; value?: T; error?: string } = { done: false };
    for (;;) {
        if (signal?.aborted) {
            throw new AbortedError();
        }
        try {
            const result = await attempt();
            last = result;
        } catch (e) {
            if (e instanceof AbortedError) {
                throw e;
            }
            last = { done: false, value: last.value, error: errorText(e) };
        }
        if (last.done || clock.now() >= deadline) {
            return last;
        }
        await clock.sleep(Math.min(ctx.options.pollMs ?? 2000, Math.max(0, deadline - clock.now())), signal);
    }
}

/**
 * Makes up to `requests` requests in batches; stops early once `enough` says so. Gives up at the
 * deadline (after the first batch), reporting what it saw.
 */
async function measure(ctx: Ctx, requests: number, deadline: number, enough: (t: Tally) => boolean): Promise<Tally & { timedOut: boolean }> {
    const tally = emptyTally();
    const batch = Math.max(1, ctx.options.batchSize ?? 10);
    while (tally.requests < requests) {
        if (ctx.options.signal?.aborted) {
            throw new AbortedError();
        }
        // At least one batch, so a measurement started at its deadline still reports something.
        if (tally.requests > 0 && ctx.options.clock.now() >= deadline) {
            return { ...tally, timedOut: true };
        }
        const count = Math.min(batch, requests - tally.requests);
        const answers = await ctx.client.request(ctx.url, count);
        if (answers.length === 0) {
            throw new Error(`the client pod returned no answers for ${count} request(s)`);
        }
        addAnswers(tally, answers.slice(0, count), ctx.clusters);
        if (enough(tally)) {
            break;
        }
    }
    return { ...tally, timedOut: false };
}

/** Judges a tally: only `allowed` clusters answered, every one of `mustSee` did, no errors. */
function judge(tally: Tally, allowed: readonly string[], mustSee: readonly string[]): { ok: boolean; problems: string[] } {
    const problems: string[] = [];
    const intruders = [...tally.byCluster.keys()].filter((c) => !allowed.includes(c));
    const missing = mustSee.filter((c) => !tally.byCluster.has(c));
    if (intruders.length > 0) {
        problems.push(`${intruders.join(", ")} answered but should not have`);
    }
    if (missing.length > 0) {
        problems.push(`${missing.join(", ")} never answered`);
    }
    if (tally.unknown.length > 0) {
        problems.push("some answers name no mesh cluster");
    }
    if (tally.errors.length > 0) {
        problems.push("some requests failed");
    }
    if (tally.requests === 0) {
        problems.push("no request was made");
    }
    return { ok: problems.length === 0, problems };
}

async function checkPeers(ctx: Ctx): Promise<CheckResult> {
    const name = "mesh peers connected";
    const { mesh } = ctx;
    if (mesh.peers.length === 0) {
        return { name, ok: true, detail: `${mesh.local} is the only member of the mesh; no peer to connect to` };
    }
    const expected = `${mesh.peers.length}/${mesh.peers.length} remote clusters ready (${mesh.peers.join(", ")})`;
    const result = await poll(ctx, ctx.options.timeoutMs, async () => {
        const statuses = await ctx.client.ciliumStatus();
        const problems = statuses.length === 0 ? ["no Cilium agent pod found (kube-system, k8s-app=cilium)"] : statuses.flatMap((s) => agentProblems(s, mesh.peers));
        return { done: problems.length === 0, value: { agents: statuses.length, problems } };
    });
    if (result.done && result.value) {
        return { name, ok: true, detail: `every Cilium agent (${result.value.agents}) reports ${expected}` };
    }
    const why = result.value ? result.value.problems.slice(0, 5).join("; ") : (result.error ?? "no status");
    const hint = !mesh.linked ? ` ${mesh.file} has clustermesh:mesh.link false: link the stacks (README: Bootstrap order).` : "";
    const text = `after ${seconds(ctx.options.timeoutMs)}, expected ${expected}: ${why}${result.error && result.value ? ` (last error: ${result.error})` : ""}`;
    return { name, ok: false, detail: `${text}${/[.?!]$/.test(text) ? "" : "."}${hint}` };
}

/** Who may and must answer from the local client pod, by the local Service's affinity. */
function affinityPlan(mesh: MeshExpectation): { name: string; allowed: string[]; mustSee: string[]; stopWhenSeen: boolean; note: string } {
    const local = mesh.localServes ? [mesh.local] : [];
    const remote = [...mesh.remoteServers];
    const all = [...local, ...remote];
    const silent = mesh.silentPeers.length > 0 ? `; not expected: ${mesh.silentPeers.map((s) => `${s.name} (${s.reason})`).join(", ")}` : "";
    switch (mesh.app.affinity) {
        case "local":
            // Local endpoints are preferred while there are any; with none, remote ones serve.
            return local.length > 0
                ? { name: "affinity local: only local answers", allowed: local, mustSee: local, stopWhenSeen: false, note: remote.length > 0 ? `; ${remote.join(", ")} serve(s) only when ${mesh.local} has no endpoint (--failover checks that)` : "" }
                : { name: "affinity local: remote answers while there is no local endpoint", allowed: remote, mustSee: remote, stopWhenSeen: false, note: silent };
        case "remote":
            return remote.length > 0
                ? { name: "affinity remote: only remote answers", allowed: remote, mustSee: remote, stopWhenSeen: false, note: silent }
                : { name: "affinity remote: local answers while there is no remote endpoint", allowed: local, mustSee: local, stopWhenSeen: false, note: silent };
        default:
            return { name: "global service answered by every cluster", allowed: all, mustSee: all, stopWhenSeen: true, note: silent };
    }
}

async function checkAnswers(ctx: Ctx): Promise<CheckResult> {
    const plan = affinityPlan(ctx.mesh);
    if (plan.mustSee.length === 0) {
        return { name: plan.name, ok: false, detail: `no cluster is expected to serve ${ctx.url}${plan.note}` };
    }
    const tally = await measure(ctx, ctx.options.requests, ctx.options.clock.now() + ctx.options.timeoutMs, (t) => plan.stopWhenSeen && plan.mustSee.every((c) => t.byCluster.has(c)));
    const verdict = judge(tally, plan.allowed, plan.mustSee);
    const timedOut = tally.timedOut ? ` (stopped after ${seconds(ctx.options.timeoutMs)})` : "";
    return {
        name: plan.name,
        ok: verdict.ok && !tally.timedOut,
        detail: `${describeTally(tally)}${timedOut}${verdict.ok ? "" : `: ${verdict.problems.join("; ")}`}${plan.note}`,
    };
}

/**
 * Scales the local deployment to 0, checks that only remote clusters answer, and puts the
 * replicas back — always, whatever happened in between — then checks that local answers return.
 */
async function checkFailover(ctx: Ctx): Promise<CheckResult[]> {
    const { mesh, client } = ctx;
    const name = "failover: remote answers with the local deployment at 0";
    const restoreName = "failover: replicas restored, local answers return";
    const { namespace, name: deployment } = mesh.app;
    if (!mesh.app.enabled) {
        return [{ name, ok: false, detail: `${mesh.file} has clustermesh:app.enabled false; there is no deployment to scale` }];
    }
    if (mesh.remoteServers.length === 0) {
        return [{ name, ok: false, detail: `no other cluster serves the app, so scaling ${mesh.local} to 0 would only cause an outage; nothing was scaled${mesh.silentPeers.length > 0 ? ` (${mesh.silentPeers.map((s) => `${s.name}: ${s.reason}`).join("; ")})` : ""}` }];
    }
    let original: number;
    try {
        original = (await client.getReplicas(namespace, deployment)).desired;
    } catch (e) {
        return [{ name, ok: false, detail: `could not read deployment ${namespace}/${deployment}: ${errorText(e)}` }];
    }
    if (original === 0) {
        return [{ name, ok: false, detail: `deployment ${namespace}/${deployment} already has 0 replicas in ${mesh.local}; nothing to fail over from` }];
    }

    const remote = [...mesh.remoteServers];
    let failover: CheckResult = { name, ok: false, detail: "did not finish" };
    let restore: { ok: boolean; detail: string } = { ok: false, detail: "did not run" };
    try {
        failover = await scaledDown(ctx, name, original, remote);
    } catch (e) {
        failover = { name, ok: false, detail: e instanceof AbortedError ? "interrupted" : `failed: ${errorText(e)}` };
    } finally {
        // Always, whatever happened above: a mesh verification must not leave a cluster without its pods.
        restore = await restoreReplicas(ctx, original);
    }
    return [failover, { name: restoreName, ...restore }];
}

async function scaledDown(ctx: Ctx, name: string, original: number, remote: readonly string[]): Promise<CheckResult> {
    const { mesh, client, options } = ctx;
    const { namespace, name: deployment } = mesh.app;
    options.log?.(`scaling ${namespace}/${deployment} in ${mesh.local} from ${original} to 0`);
    await client.scale(namespace, deployment, 0);
    const drained = await poll(ctx, options.timeoutMs, async () => {
        const r = await client.getReplicas(namespace, deployment);
        return { done: r.ready === 0 && r.current === 0, value: r };
    });
    if (!drained.done) {
        const left = drained.value ? `${drained.value.current} pod(s), ${drained.value.ready} ready` : (drained.error ?? "unknown");
        return { name, ok: false, detail: `local pods still there after ${seconds(options.timeoutMs)} (${left})` };
    }
    // Cilium drops the local backends shortly after the pods go: wait for a clean batch, then measure.
    const settleBy = options.clock.now() + options.timeoutMs;
    const settled = await poll(ctx, options.timeoutMs, async () => {
        const t = await measure(ctx, Math.min(options.batchSize ?? 10, options.requests), settleBy, () => false);
        return { done: !t.timedOut && judge(t, remote, []).ok, value: t };
    });
    if (!settled.done) {
        const seen = settled.value ? describeTally(settled.value) : (settled.error ?? "no answer");
        return { name, ok: false, detail: `after ${seconds(options.timeoutMs)} still not answered by remote clusters only: ${seen}` };
    }
    const tally = await measure(ctx, options.requests, options.clock.now() + options.timeoutMs, () => false);
    const verdict = judge(tally, remote, []);
    return {
        name,
        ok: verdict.ok && !tally.timedOut,
        detail: `${describeTally(tally)}${verdict.ok ? "" : `: ${verdict.problems.join("; ")}`}${tally.timedOut ? ` (stopped after ${seconds(options.timeoutMs)})` : ""}`,
    };
}

async function restoreReplicas(ctx: Ctx, original: number): Promise<{ ok: boolean; detail: string }> {
    const { mesh, client, options } = ctx;
    const { namespace, name: deployment } = mesh.app;
    const manual = `restore it by hand: kubectl -n ${namespace} scale deployment/${deployment} --replicas=${original}`;
    options.log?.(`restoring ${namespace}/${deployment} in ${mesh.local} to ${original} replica(s)`);
    try {
        await client.scale(namespace, deployment, original);
    } catch (e) {
        return { ok: false, detail: `could not scale back to ${original}: ${errorText(e)}; ${manual}` };
    }
    // The replicas are back; the waits below only confirm it, and may be cut short by an interrupt.
    try {
        const ready = await poll(ctx, options.timeoutMs, async () => {
            const r = await client.getReplicas(namespace, deployment);
            return { done: r.ready >= original, value: r };
        });
        if (!ready.done) {
            return { ok: false, detail: `scaled back to ${original}, but ${ready.value?.ready ?? 0} ready after ${seconds(options.timeoutMs)}` };
        }
        if (mesh.app.affinity === "remote") {
            return { ok: true, detail: `${original} replica(s) ready again (affinity remote: local answers are not expected while remote endpoints exist)` };
        }
        const backBy = options.clock.now() + options.timeoutMs;
        const back = await poll(ctx, options.timeoutMs, async () => {
            const t = await measure(ctx, options.requests, backBy, (x) => x.byCluster.has(mesh.local));
            return { done: t.byCluster.has(mesh.local), value: t };
        });
        return back.done
            ? { ok: true, detail: `${original} replica(s) ready again; ${mesh.local} answers again` }
            : { ok: false, detail: `${original} replica(s) ready again, but ${mesh.local} did not answer within ${seconds(options.timeoutMs)}: ${back.value ? describeTally(back.value) : (back.error ?? "no answer")}` };
    } catch (e) {
        return { ok: false, detail: `scaled back to ${original}, then ${e instanceof AbortedError ? "interrupted before it was ready" : `failed: ${errorText(e)}`}` };
    }
}

/**
 * Runs the checks against the local cluster: certificate expiry (when the client reads
 * certificates), mesh peers connected, then the global service's
 * answers by affinity, then (with `failover`) the failover. Never throws for a failed check; an
 * interrupt stops the remaining checks (after a failover in progress has restored the replicas).
 */
export async function runChecks(client: ClusterClient, mesh: MeshExpectation, options: CheckOptions): Promise<CheckResult[]> {
    if (!Number.isInteger(options.requests) || options.requests < 1) {
        throw new Error(`requests ${options.requests} is not a whole number of 1 or more`);
    }
    const ctx: Ctx = { client, mesh, options, clusters: [mesh.local, ...mesh.peers], url: serviceUrl(mesh.app) };
    const results: CheckResult[] = [];
    const guarded = async (name: string, check: () => Promise<CheckResult | CheckResult[]>): Promise<boolean> => {
        try {
            const r = await check();
            results.push(...(Array.isArray(r) ? r : [r]));
            return true;
        } catch (e) {
            results.push({ name, ok: false, detail: e instanceof AbortedError ? "interrupted" : `failed: ${errorText(e)}` });
            return !(e instanceof AbortedError);
        }
    };
    if (client.probe) {
        const probe = client.probe.bind(client);
        const timeout = Math.min(PROBE_TIMEOUT_MS, options.timeoutMs);
        try {
            await probe(timeout);
        } catch (e) {
            results.push({
                name: "cluster reachable",
                ok: false,
                detail: e instanceof AbortedError ? "interrupted" : `the API server of ${mesh.local} did not answer within ${timeout / 1000}s (${errorText(e)}); no other check was run`,
            });
            return results;
        }
    }
    if (client.certificates) {
        const read = client.certificates.bind(client);
        await guarded("certificate expiry", async () => checkCertificates(await read(), (options.today ?? (() => new Date()))()));
    }
    if (!(await guarded("mesh peers connected", () => checkPeers(ctx)))) {
        return results;
    }
    if (!mesh.app.enabled) {
        results.push({ name: "global service", ok: false, detail: `${mesh.file} has clustermesh:app.enabled false; there is no service to call` });
        return results;
    }
    if (options.prepareClient) {
        try {
            await options.prepareClient();
        } catch (e) {
            results.push({ name: "client pod ready", ok: false, detail: e instanceof AbortedError ? "interrupted" : `could not start the curl pod in namespace ${mesh.app.namespace}: ${errorText(e)}` });
            return results;
        }
    }
    if (!(await guarded(affinityPlan(mesh).name, () => checkAnswers(ctx)))) {
        return results;
    }
    if (options.failover) {
        await guarded("failover", () => checkFailover(ctx));
    }
    return results;
}
