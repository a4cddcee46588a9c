import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { member, type MemberSpec } from "../../test/stack-files";
import {
    AbortedError,
    agentProblems,
    curlBatchScript,
    expectationFromMesh,
    parseClusterMeshStatus,
    parseCurlBatch,
    runChecks,
    serviceUrl,
    type AgentStatus,
    type Answer,
    type CheckOptions,
    type CheckResult,
    type Clock,
    type ClusterClient,
    type MeshExpectation,
    type Replicas,
} from "./checks";

const fixture = fs.readFileSync(path.join(__dirname, "fixtures", "cilium-dbg-status-all-clusters.txt"), "utf8");

// ---------------------------------------------------------------------------------------------
// Fakes

/** A clock whose sleep only moves the hands: a 120 s wait takes no time. */
class FakeClock implements Clock {
    time = 0;
    /** Called at every sleep, e.g. to abort mid-wait. */
    onSleep?: (clock: FakeClock) => void;
    now(): number {
        return this.time;
    }
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
        this.time += ms;
        this.onSleep?.(this);
        return signal?.aborted ? Promise.reject(new AbortedError()) : Promise.resolve();
    }
}

/** Status line of a peer in `cilium-dbg status --all-clusters`. */
function clusterLine(name: string, ready: boolean): string {
    return `   ${name}: ${ready ? "ready" : "not-ready"}, 1 nodes, 9 endpoints, 7 identities, 1 services, 0 reconnections (last: never)\n   └  remote configuration: expected=true, retrieved=${ready}`;
}
function statusText(peers: Record<string, boolean>): string {
    const names = Object.keys(peers);
    const ready = names.filter((n) => peers[n]).length;
    return [
        "Cilium:                  Ok   1.19.6 (v1.19.6-3f1ae7c2)",
        `ClusterMesh:             ${ready}/${names.length} remote clusters ready, 1 global-services`,
        ...names.map((n) => clusterLine(n, peers[n])),
        "IPv4 BIG TCP:            Disabled",
    ].join("\n");
}

/**
 * A cluster that answers like a mesh: each request is answered, round robin, by one of the
 * clusters `serving()` returns (given the local deployment's live replicas).
 */
class FakeCluster implements ClusterClient {
    readonly name = "west";
    statuses: () => AgentStatus[] = () => [{ pod: "cilium-abcde", output: fixture }];
    serving: (localReplicas: number) => string[] = (n) => (n > 0 ? ["west", "east"] : ["east"]);
    /** Replaces answers entirely when set. */
    answer?: (call: number, localReplicas: number) => Answer;
    desired = 2;
    /** How many polls after a scale the pods take to follow. */
    lag = 1;
    pollsSinceScale = 0;
    failScaleBackWith?: Error;
    readonly scaleCalls: number[] = [];
    readonly requestUrls: string[] = [];
    requests = 0;
    private live = 2;

    ciliumStatus(): Promise<AgentStatus[]> {
        return Promise.resolve(this.statuses());
    }
    request(url: string, count: number): Promise<Answer[]> {
        this.requestUrls.push(url);
        const answers: Answer[] = [];
        for (let i = 0; i < count; i++) {
            const call = this.requests++;
            if (this.answer) {
                answers.push(this.answer(call, this.live));
                continue;
            }
            const serving = this.serving(this.live);
            answers.push(serving.length > 0 ? { body: `${serving[call % serving.length]}\n` } : { error: "curl exit 7: Failed to connect" });
        }
        return Promise.resolve(answers);
    }
    getReplicas(): Promise<Replicas> {
        this.pollsSinceScale++;
        if (this.pollsSinceScale > this.lag) {
            this.live = this.desired;
        }
        return Promise.resolve({ desired: this.desired, ready: this.live, current: this.live });
    }
    scale(_namespace: string, _deployment: string, replicas: number): Promise<void> {
        this.scaleCalls.push(replicas);
        if (replicas > 0 && this.failScaleBackWith) {
            return Promise.reject(this.failScaleBackWith);
        }
        this.desired = replicas;
        this.pollsSinceScale = 0;
        return Promise.resolve();
    }
}

const west = (app: MemberSpec["app"] = {}, mesh: MemberSpec["mesh"] = { link: true }) => member({ stack: "west", id: 1, app, mesh });
const east = (app: MemberSpec["app"] = {}) => member({ stack: "east", id: 2, app, mesh: { link: true } });

function expectation(westApp: MemberSpec["app"] = {}, eastApp: MemberSpec["app"] = {}, westMesh?: MemberSpec["mesh"]): MeshExpectation {
    const self = west(westApp, westMesh);
    return expectationFromMesh(self, [self, east(eastApp)]);
}

function options(clock: FakeClock, overrides: Partial<CheckOptions> = {}): CheckOptions {
    return { requests: 20, timeoutMs: 60_000, failover: false, clock, pollMs: 1000, batchSize: 5, ...overrides };
}

const byName = (results: readonly CheckResult[], prefix: string): CheckResult => {
    const r = results.find((x) => x.name.startsWith(prefix));
    assert.ok(r, `no result ${prefix} in ${results.map((x) => x.name).join(", ")}`);
    return r;
};

// ---------------------------------------------------------------------------------------------

describe("parseClusterMeshStatus", () => {
    it("reads the agent's own summary and per-cluster lines (fixture)", () => {
        assert.deepEqual(parseClusterMeshStatus(fixture), { ready: 1, total: 1, globalServices: 1, clusters: [{ name: "east", ready: true }] });
    });
    it("reads Cilium before 1.15, which wrote 'clusters ready'", () => {
        const old = "ClusterMesh:            2/3 clusters ready, 0 global-services\n   c3: not-ready, 0 nodes, 0 identities, 0 services, 4 failures (last: 3s ago)\n   └  etcd: 0/1 connected\nMasquerading:   BPF";
        assert.deepEqual(parseClusterMeshStatus(old), { ready: 2, total: 3, globalServices: 0, clusters: [{ name: "c3", ready: false }] });
    });
    it("reads `-o json`, where a false ready is omitted", () => {
        const json = JSON.stringify({ "cluster-mesh": { clusters: [{ name: "east", ready: true }, { name: "north" }], "num-global-services": 2 } });
        assert.deepEqual(parseClusterMeshStatus(json), { ready: 1, total: 2, globalServices: 2, clusters: [{ name: "east", ready: true }, { name: "north", ready: false }] });
    });
    it("is undefined without a ClusterMesh section, and reads an empty mesh", () => {
        assert.equal(parseClusterMeshStatus("Cilium:   Ok   1.19.6\nIPAM:   IPv4: 3/254"), undefined);
        assert.equal(parseClusterMeshStatus("{}"), undefined);
        assert.deepEqual(parseClusterMeshStatus("ClusterMesh:             0/0 remote clusters ready, 0 global-services\nIPv4 BIG TCP: Disabled"), {
            ready: 0,
            total: 0,
            globalServices: 0,
            clusters: [],
        });
    });
});

describe("agentProblems", () => {
    it("has none when every peer is connected and ready", () => {
        assert.deepEqual(agentProblems({ pod: "cilium-1", output: fixture }, ["east"]), []);
    });
    it("names a peer that is not ready, one not configured, and an empty mesh", () => {
        assert.deepEqual(agentProblems({ pod: "cilium-1", output: statusText({ east: false, north: true }) }, ["east", "north"]), ["cilium-1: east not ready"]);
        assert.deepEqual(agentProblems({ pod: "cilium-1", output: statusText({ east: true }) }, ["east", "north"]), ["cilium-1: north not configured"]);
        assert.deepEqual(agentProblems({ pod: "cilium-1", output: "ClusterMesh:   0/0 remote clusters ready, 0 global-services\n" }, ["east"]), ["cilium-1: east not configured"]);
        assert.match(agentProblems({ pod: "cilium-1", output: "Cilium: Ok" }, ["east"])[0], /no ClusterMesh section/);
    });
    it("accepts the summary alone (status without --all-clusters lists only unhealthy clusters)", () => {
        assert.deepEqual(agentProblems({ pod: "cilium-1", output: "ClusterMesh:   2/2 remote clusters ready, 0 global-services\n" }, ["east", "north"]), []);
        assert.deepEqual(agentProblems({ pod: "cilium-1", output: "ClusterMesh:   1/1 remote clusters ready, 0 global-services\n" }, ["east", "north"]), [
            "cilium-1: east, north not configured",
        ]);
    });
    it("flags a cluster no stack file declares when it is not ready", () => {
        assert.deepEqual(agentProblems({ pod: "cilium-1", output: statusText({ east: true, ghost: false }) }, ["east"]), ["cilium-1: ghost (in no stack file) not ready"]);
    });
});

describe("curl batches", () => {
    it("quotes the URL and loops the asked number of times", () => {
        const script = curlBatchScript("http://echo.mesh-demo.svc.cluster.local/", 7, 3);
        assert.match(script, /-lt 7 \]/);
        assert.match(script, /--max-time 3 'http:\/\/echo\.mesh-demo\.svc\.cluster\.local\/'/);
        assert.throws(() => curlBatchScript("http://x/", 0, 3), /count 0/);
    });
    it("parses answers and errors, ignoring other output", () => {
        const out = ["Defaulted container", "@@clustermesh-verify 0 west", "@@clustermesh-verify 0 east ", "@@clustermesh-verify 7 curl: (7) Failed to connect", "@@clustermesh-verify 22", ""].join("\n");
        assert.deepEqual(parseCurlBatch(out), [{ body: "west" }, { body: "east" }, { error: "curl exit 7: curl: (7) Failed to connect" }, { error: "curl exit 22" }]);
    });
    it("runs in a POSIX shell against a stand-in curl", (t) => {
        let sh: string;
        try {
            sh = execFileSync("sh", ["-c", "command -v sh"], { encoding: "utf8" }).trim();
        } catch {
            t.skip("no sh");
            return;
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-curl-"));
        try {
            // Answers west, east, then fails, in turn, like a mesh with one broken request.
            fs.writeFileSync(
                path.join(dir, "curl"),
                `#!/bin/sh\nn=$(cat "${dir}/n" 2>/dev/null || echo 0); echo $((n+1)) > "${dir}/n"\ncase $((n % 3)) in 0) printf 'west\\n';; 1) printf 'east\\r\\nmore\\n';; *) echo "curl: (28) timed out" >&2; exit 28;; esac\n`,
                { mode: 0o755 },
            );
            const out = execFileSync(sh, ["-c", curlBatchScript("http://echo.mesh-demo.svc.cluster.local/", 4, 2)], { encoding: "utf8", env: { PATH: `${dir}:${process.env.PATH ?? ""}` } });
            assert.deepEqual(parseCurlBatch(out), [{ body: "west" }, { body: "east  more" }, { error: "curl exit 28: curl: (28) timed out" }, { body: "west" }]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("expectationFromMesh", () => {
    it("expects every peer connected and, by default, every cluster to answer", () => {
        const mesh = expectation();
        assert.deepEqual(mesh.peers, ["east"]);
        assert.deepEqual(mesh.remoteServers, ["east"]);
        assert.equal(mesh.localServes, true);
        assert.equal(serviceUrl(mesh.app), "http://echo.mesh-demo.svc.cluster.local/");
    });
    it("does not expect answers from a peer that keeps its endpoints, has none, or runs another app", () => {
        const self = west();
        const members = [
            self,
            east({ shared: false }),
            member({ stack: "north", id: 3, app: { replicas: 0 } }),
            member({ stack: "south", id: 4, app: { name: "other" } }),
            member({ stack: "central", id: 5, app: { enabled: false } }),
        ];
        const mesh = expectationFromMesh(self, members);
        assert.deepEqual(mesh.peers, ["east", "north", "south", "central"]);
        assert.deepEqual(mesh.remoteServers, []);
        assert.deepEqual(
            mesh.silentPeers.map((s) => s.reason),
            [
                "Pulumi.east.yaml has clustermesh:app.shared false",
                "Pulumi.north.yaml has clustermesh:app.replicas 0",
                "Pulumi.south.yaml names its app mesh-demo/other, not mesh-demo/echo",
                "Pulumi.central.yaml has clustermesh:app.enabled false",
            ],
        );
    });
});

describe("runChecks", () => {
    it("passes on a healthy mesh, stopping as soon as every cluster has answered", async () => {
        const cluster = new FakeCluster();
        const results = await runChecks(cluster, expectation(), options(new FakeClock()));
        assert.deepEqual(
            results.map((r) => [r.name, r.ok]),
            [
                ["mesh peers connected", true],
                ["global service answered by every cluster", true],
            ],
        );
        assert.match(results[1].detail, /5 request\(s\) answered by west ×3, east ×2/);
        assert.equal(cluster.requests, 5);
        assert.deepEqual(cluster.requestUrls, ["http://echo.mesh-demo.svc.cluster.local/"]);
    });

    it("fails when a peer is not connected, within the deadline, and says how to link", async () => {
        const cluster = new FakeCluster();
        cluster.statuses = () => [
            { pod: "cilium-a", output: fixture },
            { pod: "cilium-b", output: statusText({ east: false }) },
        ];
        const clock = new FakeClock();
        const results = await runChecks(cluster, expectation({}, {}, { link: false }), options(clock, { timeoutMs: 30_000 }));
        const peers = byName(results, "mesh peers");
        assert.equal(peers.ok, false);
        assert.match(peers.detail, /after 30s, expected 1\/1 remote clusters ready \(east\): cilium-b: east not ready/);
        assert.match(peers.detail, /Pulumi\.west\.yaml has clustermesh:mesh\.link false/);
        assert.ok(clock.time >= 30_000 && clock.time < 32_000, `waited ${clock.time} ms`);
        // The service is still checked: a broken link shows there too.
        assert.equal(results.length, 2);
    });

    it("passes once a peer connects during the wait", async () => {
        const cluster = new FakeCluster();
        let calls = 0;
        cluster.statuses = () => [{ pod: "cilium-a", output: calls++ < 3 ? statusText({ east: false }) : fixture }];
        const clock = new FakeClock();
        const results = await runChecks(cluster, expectation(), options(clock));
        assert.equal(byName(results, "mesh peers").ok, true);
        assert.equal(clock.time, 3000);
    });

    it("fails when no Cilium agent answers, and when the status cannot be read", async () => {
        const none = new FakeCluster();
        none.statuses = () => [];
        assert.match(byName(await runChecks(none, expectation(), options(new FakeClock())), "mesh peers").detail, /no Cilium agent pod found/);
        const broken = new FakeCluster();
        broken.statuses = () => {
            throw new Error("kubectl exec failed: container not found");
        };
        const result = byName(await runChecks(broken, expectation(), options(new FakeClock())), "mesh peers");
        assert.equal(result.ok, false);
        assert.match(result.detail, /container not found/);
    });

    it("fails when a cluster never answers within the requests", async () => {
        const cluster = new FakeCluster();
        cluster.serving = () => ["west"];
        const results = await runChecks(cluster, expectation(), options(new FakeClock(), { requests: 12 }));
        const answered = byName(results, "global service");
        assert.equal(answered.ok, false);
        assert.match(answered.detail, /12 request\(s\) answered by west ×12: east never answered/);
        assert.equal(cluster.requests, 12);
    });

    it("fails on answers that name no cluster, and on failed requests", async () => {
        const odd = new FakeCluster();
        odd.answer = (call) => ({ body: call % 2 === 0 ? "west" : "<html>503</html>" });
        assert.match(byName(await runChecks(odd, expectation(), options(new FakeClock())), "global service").detail, /unexpected answer\(s\), e\.g\. "<html>503<\/html>"/);
        const flaky = new FakeCluster();
        flaky.answer = (call) => (call === 0 ? { error: "curl exit 28: timed out" } : { body: call % 2 === 0 ? "west" : "east" });
        const result = byName(await runChecks(flaky, expectation(), options(new FakeClock())), "global service");
        assert.equal(result.ok, false);
        assert.match(result.detail, /1 failed request\(s\), e\.g\. curl exit 28: timed out: some requests failed/);
    });

    it("with affinity local, passes when every answer is local over all the requests", async () => {
        const cluster = new FakeCluster();
        cluster.serving = () => ["west"];
        const result = byName(await runChecks(cluster, expectation({ affinity: "local" }), options(new FakeClock())), "affinity local");
        assert.equal(result.ok, true, result.detail);
        assert.equal(cluster.requests, 20);
    });

    it("with affinity local, fails when a remote cluster answers", async () => {
        const cluster = new FakeCluster();
        cluster.answer = (call) => ({ body: call === 17 ? "east" : "west" });
        const result = byName(await runChecks(cluster, expectation({ affinity: "local" }), options(new FakeClock())), "affinity local");
        assert.equal(result.ok, false);
        assert.match(result.detail, /west ×19, east ×1: east answered but should not have/);
    });

    it("with affinity remote, expects only remote answers", async () => {
        const good = new FakeCluster();
        good.serving = () => ["east"];
        assert.equal(byName(await runChecks(good, expectation({ affinity: "remote" }), options(new FakeClock())), "affinity remote").ok, true);
        const bad = new FakeCluster();
        assert.match(byName(await runChecks(bad, expectation({ affinity: "remote" }), options(new FakeClock())), "affinity remote").detail, /west answered but should not have/);
    });

    it("fails when the app is disabled in the stack, naming the key", async () => {
        const results = await runChecks(new FakeCluster(), expectation({ enabled: false }), options(new FakeClock(), { failover: true }));
        assert.match(byName(results, "global service").detail, /Pulumi\.west\.yaml has clustermesh:app\.enabled false/);
        assert.equal(results.length, 2);
    });

    it("refuses a request count below 1", async () => {
        await assert.rejects(runChecks(new FakeCluster(), expectation(), options(new FakeClock(), { requests: 0 })), /requests 0/);
    });
});

describe("runChecks --failover", () => {
    it("fails over to the remote cluster, restores the replicas and sees local answers return", async () => {
        const cluster = new FakeCluster();
        const lines: string[] = [];
        const results = await runChecks(cluster, expectation(), options(new FakeClock(), { failover: true, log: (l) => lines.push(l) }));
        assert.deepEqual(
            results.map((r) => [r.name, r.ok]),
            [
                ["mesh peers connected", true],
                ["global service answered by every cluster", true],
                ["failover: remote answers with the local deployment at 0", true],
                ["failover: replicas restored, local answers return", true],
            ],
        );
        assert.match(results[2].detail, /20 request\(s\) answered by east ×20/);
        assert.match(results[3].detail, /2 replica\(s\) ready again; west answers again/);
        assert.deepEqual(cluster.scaleCalls, [0, 2]);
        assert.deepEqual(lines, ["scaling mesh-demo/echo in west from 2 to 0", "restoring mesh-demo/echo in west to 2 replica(s)"]);
    });

    it("fails when no remote cluster answers with the local pods gone, and still restores", async () => {
        const cluster = new FakeCluster();
        cluster.serving = (n) => (n > 0 ? ["west", "east"] : []);
        const clock = new FakeClock();
        const results = await runChecks(cluster, expectation(), options(clock, { failover: true, timeoutMs: 20_000 }));
        const failover = byName(results, "failover: remote");
        assert.equal(failover.ok, false);
        assert.match(failover.detail, /after 20s still not answered by remote clusters only: 5 request\(s\) answered by nobody; 5 failed request\(s\)/);
        assert.deepEqual(cluster.scaleCalls, [0, 2]);
        assert.equal(byName(results, "failover: replicas restored").ok, true);
    });

    it("restores the replicas when the check throws mid-way", async () => {
        const cluster = new FakeCluster();
        const normal = cluster.request.bind(cluster);
        cluster.request = (url, count) => (cluster.desired === 0 ? Promise.reject(new Error("kubectl exec: pod not found")) : normal(url, count));
        const results = await runChecks(cluster, expectation(), options(new FakeClock(), { failover: true }));
        const failover = byName(results, "failover: remote");
        assert.equal(failover.ok, false);
        assert.match(failover.detail, /pod not found/);
        assert.deepEqual(cluster.scaleCalls, [0, 2]);
        assert.equal(byName(results, "failover: replicas restored").ok, true);
    });

    it("restores the replicas when interrupted during the wait", async () => {
        const cluster = new FakeCluster();
        cluster.lag = 1000; // the pods never go, so the check is still waiting when Ctrl-C comes
        const abort = new AbortController();
        const clock = new FakeClock();
        clock.onSleep = (c) => {
            if (c.time >= 5000 && cluster.desired === 0) {
                abort.abort();
            }
        };
        const results = await runChecks(cluster, expectation(), options(clock, { failover: true, signal: abort.signal }));
        assert.equal(byName(results, "failover: remote").detail, "interrupted");
        assert.deepEqual(cluster.scaleCalls, [0, 2]);
        assert.match(byName(results, "failover: replicas restored").detail, /scaled back to 2, then interrupted before it was ready/);
    });

    it("gives up at the deadline when the pods do not go, and restores", async () => {
        const cluster = new FakeCluster();
        cluster.lag = 1000;
        const clock = new FakeClock();
        const results = await runChecks(cluster, expectation(), options(clock, { failover: true, timeoutMs: 10_000 }));
        assert.match(byName(results, "failover: remote").detail, /local pods still there after 10s \(2 pod\(s\), 2 ready\)/);
        assert.deepEqual(cluster.scaleCalls, [0, 2]);
        // Every wait is bounded: the drain and the restore's readiness wait, 10 s each.
        assert.ok(clock.time <= 20_000, `waited ${clock.time} ms`);
    });

    it("tells how to restore by hand when scaling back fails", async () => {
        const cluster = new FakeCluster();
        cluster.failScaleBackWith = new Error("forbidden");
        const results = await runChecks(cluster, expectation(), options(new FakeClock(), { failover: true }));
        const restore = byName(results, "failover: replicas restored");
        assert.equal(restore.ok, false);
        assert.match(restore.detail, /could not scale back to 2: forbidden; restore it by hand: kubectl -n mesh-demo scale deployment\/echo --replicas=2/);
    });

    it("does not scale anything when no other cluster serves the app", async () => {
        const cluster = new FakeCluster();
        cluster.serving = (n) => (n > 0 ? ["west"] : []);
        const results = await runChecks(cluster, expectation({}, { shared: false }), options(new FakeClock(), { failover: true }));
        const failover = byName(results, "failover: remote");
        assert.equal(failover.ok, false);
        assert.match(failover.detail, /would only cause an outage; nothing was scaled \(east: Pulumi\.east\.yaml has clustermesh:app\.shared false\)/);
        assert.deepEqual(cluster.scaleCalls, []);
    });

    it("with affinity remote, restores without waiting for local answers", async () => {
        const cluster = new FakeCluster();
        cluster.serving = () => ["east"];
        const results = await runChecks(cluster, expectation({ affinity: "remote" }), options(new FakeClock(), { failover: true }));
        assert.ok(results.every((r) => r.ok), JSON.stringify(results));
        assert.match(byName(results, "failover: replicas restored").detail, /affinity remote: local answers are not expected/);
    });
});

describe("the reachability probe", () => {
    it("fails fast on an unreachable cluster: one FAIL, no other check run, no wait on the clock", async () => {
        const cluster = new FakeCluster();
        const clock = new FakeClock();
        let probed = 0;
        const unreachable = Object.assign(cluster, {
            probe: (timeoutMs: number) => {
                probed = timeoutMs;
                return Promise.reject(new Error("dial tcp 10.10.0.88:6443: i/o timeout"));
            },
            ciliumStatus: () => Promise.reject(new Error("must not be called")),
        });
        const results = await runChecks(unreachable, expectation(), options(clock));
        assert.deepEqual(
            results.map((r) => [r.name, r.ok]),
            [["cluster reachable", false]],
        );
        assert.match(results[0].detail, /API server of west did not answer within 10s \(dial tcp .*\); no other check was run/);
        assert.equal(probed, 10_000);
        assert.equal(clock.now(), 0, "no check waited");
    });

    it("a reachable cluster goes on to the checks", async () => {
        const cluster = Object.assign(new FakeCluster(), { probe: () => Promise.resolve() });
        const results = await runChecks(cluster, expectation(), options(new FakeClock()));
        assert.ok(results.some((r) => r.name === "mesh peers connected" && r.ok));
    });
});
