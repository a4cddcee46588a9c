import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { writeProject } from "../../test/stack-files";
import type { AgentStatus, Answer, Clock, Replicas } from "./checks";
import { formatResults, missingTools, onPath, parseVerifyArgs, UsageError, verifyCli, type VerifyDeps, type VerifySession } from "./cli";
import { CLIENT_POD, KubectlClient, KubectlError, type KubectlRunner } from "./kubectl-client";

const fixture = fs.readFileSync(path.join(__dirname, "fixtures", "cilium-dbg-status-all-clusters.txt"), "utf8");
const KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user: {token: s3cr3t-token}\n";

const clock: Clock = {
    now: (() => {
        let t = 0;
        return () => (t += 100);
    })(),
    sleep: () => Promise.resolve(),
};

describe("parseVerifyArgs", () => {
    it("takes the stack and applies the defaults", () => {
        assert.deepEqual(parseVerifyArgs(["--stack", "west"]), { stack: "west", kubeconfig: undefined, failover: false, requests: 30, timeoutSeconds: 120, help: false });
    });
    it("reads every option", () => {
        assert.deepEqual(parseVerifyArgs(["-s", "east", "--kubeconfig", "/tmp/k", "--failover", "--requests", "50", "--timeout", "300"]), {
            stack: "east",
            kubeconfig: "/tmp/k",
            failover: true,
            requests: 50,
            timeoutSeconds: 300,
            help: false,
        });
        assert.equal(parseVerifyArgs(["--stack=west", "--requests=5"]).requests, 5);
    });
    it("refuses what it cannot use, saying why", () => {
        assert.throws(() => parseVerifyArgs([]), (e: Error) => e instanceof UsageError && /--stack is required/.test(e.message));
        assert.throws(() => parseVerifyArgs(["--stack", "west", "--requests", "0"]), /--requests "0" is not a whole number from 1 to 1000/);
        assert.throws(() => parseVerifyArgs(["--stack", "west", "--requests", "2.5"]), /--requests "2.5"/);
        assert.throws(() => parseVerifyArgs(["--stack", "west", "--timeout", "soon"]), /--timeout "soon"/);
        assert.throws(() => parseVerifyArgs(["--stack", "west", "--fail-over"]), UsageError);
        assert.throws(() => parseVerifyArgs(["--stack", "west", "extra"]), UsageError);
        assert.throws(() => parseVerifyArgs(["--stack", "west", "--kubeconfig", ""]), /--kubeconfig needs a file name/);
    });
    it("asks for help without a stack", () => {
        assert.equal(parseVerifyArgs(["--help"]).help, true);
    });
});

describe("missingTools", () => {
    const has = (...tools: string[]) => (name: string) => tools.includes(name);
    it("needs kubectl always, and the Pulumi CLI only without --kubeconfig", async () => {
        assert.equal(await missingTools({ stack: "west" }, has("kubectl", "pulumi")), undefined);
        assert.equal(await missingTools({ stack: "west", kubeconfig: "k" }, has("kubectl")), undefined);
        assert.match((await missingTools({ stack: "west", kubeconfig: "k" }, has("pulumi")))!, /`kubectl` is not on PATH\. Install it \(https:\/\/kubernetes\.io\/docs\/tasks\/tools\/\)/);
        const pulumi = (await missingTools({ stack: "west" }, has("kubectl")))!;
        assert.match(pulumi, /pulumi stack output kubeconfig --show-secrets -s west\), and `pulumi` is not on PATH/);
        assert.match(pulumi, /or pass --kubeconfig FILE/);
        assert.equal((await missingTools({ stack: "west" }, has()))!.split("\n").length, 2);
    });
    it("finds executables on PATH", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-path-"));
        try {
            fs.writeFileSync(path.join(dir, "kubectl"), "#!/bin/sh\n", { mode: 0o755 });
            fs.writeFileSync(path.join(dir, "pulumi"), "not executable", { mode: 0o644 });
            assert.equal(onPath("kubectl", { PATH: dir }), true);
            assert.equal(onPath("pulumi", { PATH: dir }), process.platform === "win32");
            assert.equal(onPath("helm", { PATH: dir }), false);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("formatResults", () => {
    it("prints PASS/FAIL per check and the count", () => {
        assert.deepEqual(
            formatResults([
                { name: "a", ok: true, detail: "fine" },
                { name: "b", ok: false, detail: "broken" },
            ]),
            ["PASS  a: fine", "FAIL  b: broken", "1 passed, 1 failed"],
        );
    });
});

/** A healthy two-cluster mesh seen from west. */
class FakeSession implements VerifySession {
    readonly name: string;
    prepared = false;
    disposed = false;
    prepareError?: Error;
    scaled: number[] = [];
    serving = ["west", "east"];
    private calls = 0;
    constructor(readonly options: { name: string; kubeconfig: string; namespace: string }) {
        this.name = options.name;
    }
    prepare(): Promise<void> {
        this.prepared = true;
        return this.prepareError ? Promise.reject(this.prepareError) : Promise.resolve();
    }
    dispose(): Promise<string[]> {
        this.disposed = true;
        return Promise.resolve([]);
    }
    ciliumStatus(): Promise<AgentStatus[]> {
        return Promise.resolve([{ pod: "cilium-x", output: fixture }]);
    }
    private replicas = 2;
    request(_url: string, count: number): Promise<Answer[]> {
        const serving = this.replicas > 0 ? this.serving : this.serving.filter((c) => c !== "west");
        return Promise.resolve(Array.from({ length: count }, () => ({ body: serving[this.calls++ % serving.length] })));
    }
    getReplicas(): Promise<Replicas> {
        return Promise.resolve({ desired: this.replicas, ready: this.replicas, current: this.replicas });
    }
    scale(_ns: string, _d: string, replicas: number): Promise<void> {
        this.scaled.push(replicas);
        this.replicas = replicas;
        return Promise.resolve();
    }
}

describe("verifyCli", () => {
    const dir = writeProject([
        { stack: "west", id: 1, mesh: { link: true } },
        { stack: "east", id: 2, mesh: { link: true } },
    ]);
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    function deps(overrides: Partial<VerifyDeps> = {}) {
        const out: string[] = [];
        const err: string[] = [];
        const sessions: FakeSession[] = [];
        const pulumiCalls: string[] = [];
        const value: VerifyDeps = {
            dir,
            hasTool: () => true,
            readFile: (file) => {
                if (file !== "/keys/west.yaml") {
                    throw new Error(`ENOENT: no such file, open '${file}'`);
                }
                return KUBECONFIG;
            },
            stackKubeconfig: (stack) => {
                pulumiCalls.push(stack);
                return Promise.resolve(KUBECONFIG);
            },
            openSession: (options) => {
                const s = new FakeSession(options);
                sessions.push(s);
                return s;
            },
            clock,
            out: (line) => out.push(line),
            err: (line) => err.push(line),
            ...overrides,
        };
        return { value, out, err, sessions, pulumiCalls };
    }

    it("prints PASS per check and the count, exits 0, and cleans up", async () => {
        const d = deps();
        assert.equal(await verifyCli(["--stack", "west"], d.value), 0);
        assert.match(d.out[0], /^verify west: cluster west, peers east; http:\/\/echo\.mesh-demo\.svc\.cluster\.local\/ \(affinity none\), 30 requests, 120s per wait$/);
        assert.deepEqual(d.out.slice(1).map((l) => l.slice(0, 6)), ["PASS  ", "PASS  ", "2 pass"]);
        assert.equal(d.out.at(-1), "2 passed, 0 failed");
        assert.deepEqual(d.pulumiCalls, ["west"]);
        assert.equal(d.sessions.length, 1);
        assert.deepEqual(d.sessions[0].options, { name: "west", kubeconfig: KUBECONFIG, namespace: "mesh-demo" });
        assert.ok(d.sessions[0].prepared && d.sessions[0].disposed);
        assert.ok(!d.out.concat(d.err).join("\n").includes("s3cr3t-token"), "the kubeconfig is never printed");
    });

    it("reads --kubeconfig from the file instead of the stack, and runs the failover", async () => {
        const d = deps();
        assert.equal(await verifyCli(["--stack", "west", "--kubeconfig", "/keys/west.yaml", "--failover", "--requests", "4"], d.value), 0);
        assert.deepEqual(d.pulumiCalls, []);
        assert.deepEqual(d.sessions[0].scaled, [0, 2]);
        assert.equal(d.out.at(-1), "4 passed, 0 failed");
    });

    it("exits 1 and prints FAIL when a check fails", async () => {
        const d = deps({
            openSession: (options) => {
                const s = new FakeSession(options);
                s.serving = ["west"];
                return s;
            },
        });
        assert.equal(await verifyCli(["--stack", "west", "--requests", "6"], d.value), 1);
        assert.ok(d.out.some((l) => /^FAIL {2}global service answered by every cluster: .*east never answered/.test(l)));
        assert.equal(d.out.at(-1), "1 passed, 1 failed");
    });

    it("reports a client pod that cannot start as a failed check after the peers check, and still cleans up", async () => {
        let session: FakeSession | undefined;
        const d = deps({
            openSession: (options) => {
                session = new FakeSession(options);
                session.prepareError = new Error('namespaces "mesh-demo" not found');
                return session;
            },
        });
        assert.equal(await verifyCli(["--stack", "west"], d.value), 1);
        assert.match(d.out.join("\n"), /PASS {2}mesh peers connected/);
        assert.match(d.out.join("\n"), /FAIL {2}client pod ready: could not start the curl pod in namespace mesh-demo: namespaces "mesh-demo" not found/);
        assert.equal(d.out.at(-1), "1 passed, 1 failed");
        assert.ok(session?.disposed);
    });

    it("says clearly when kubectl or the Pulumi CLI is missing, and exits 2 before touching anything", async () => {
        const noKubectl = deps({ hasTool: (name) => name !== "kubectl" });
        assert.equal(await verifyCli(["--stack", "west"], noKubectl.value), 2);
        assert.match(noKubectl.err.join("\n"), /`kubectl` is not on PATH/);
        assert.equal(noKubectl.sessions.length, 0);

        const noPulumi = deps({ hasTool: (name) => name !== "pulumi" });
        assert.equal(await verifyCli(["--stack", "west"], noPulumi.value), 2);
        assert.match(noPulumi.err.join("\n"), /`pulumi` is not on PATH/);
        assert.deepEqual(noPulumi.pulumiCalls, []);
        // With --kubeconfig the Pulumi CLI is not needed.
        assert.equal(await verifyCli(["--stack", "west", "--kubeconfig", "/keys/west.yaml"], deps({ hasTool: (name) => name !== "pulumi" }).value), 0);
    });

    it("exits 2 on usage errors, an unknown stack, and an unreadable or empty kubeconfig", async () => {
        const usage = deps();
        assert.equal(await verifyCli(["--requests", "3"], usage.value), 2);
        assert.match(usage.err[0], /--stack is required[\s\S]*usage: clustermesh verify/);

        const unknown = deps();
        assert.equal(await verifyCli(["--stack", "north"], unknown.value), 2);
        assert.match(unknown.err[0], /north is not a mesh member in .*; members: west, east/);

        const missingFile = deps();
        assert.equal(await verifyCli(["--stack", "west", "--kubeconfig", "/nope"], missingFile.value), 2);
        assert.match(missingFile.err[0], /Could not read the kubeconfig from --kubeconfig \/nope: ENOENT/);

        const notDeployed = deps({ stackKubeconfig: () => Promise.reject(new Error("pulumi stack output kubeconfig -s west failed: no stack named 'west' found")) });
        assert.equal(await verifyCli(["--stack", "west"], notDeployed.value), 2);
        assert.match(notDeployed.err[0], /from the outputs of stack west: .*no stack named 'west' found/);

        const empty = deps({ stackKubeconfig: () => Promise.resolve("\n") });
        assert.equal(await verifyCli(["--stack", "west"], empty.value), 2);
        assert.match(empty.err[0], /The kubeconfig of west is empty \(has the stack been deployed\?/);
    });

    it("stops on Ctrl-C, restores the replicas, and exits 1", async () => {
        let interrupt: (() => void) | undefined;
        let unsubscribed = false;
        const d = deps({
            onInterrupt: (handler) => {
                interrupt = handler;
                return () => {
                    unsubscribed = true;
                };
            },
            openSession: (options) => {
                const s = new FakeSession(options);
                const scale = s.scale.bind(s);
                // Ctrl-C right after the deployment went to 0.
                s.scale = (ns, dep, n) => scale(ns, dep, n).then(() => (n === 0 ? interrupt?.() : undefined));
                d.sessions.push(s);
                return s;
            },
        });
        assert.equal(await verifyCli(["--stack", "west", "--failover"], d.value), 1);
        assert.deepEqual(d.sessions[0].scaled, [0, 2]);
        assert.ok(d.sessions[0].disposed && unsubscribed);
        assert.match(d.err.join("\n"), /interrupted: finishing up \(restoring replicas, deleting the client pod\)/);
        assert.match(d.out.join("\n"), /FAIL {2}failover: remote answers with the local deployment at 0: interrupted/);
    });
});

describe("KubectlClient (with a stand-in kubectl)", () => {
    interface Call {
        args: readonly string[];
        kubeconfig: string;
        mode: number;
    }
    function fakeKubectl(respond: (args: readonly string[]) => string | Error) {
        const calls: Call[] = [];
        const run: KubectlRunner = (args) => {
            assert.equal(args[0], "--kubeconfig");
            const file = args[1];
            calls.push({ args: args.slice(2), kubeconfig: fs.readFileSync(file, "utf8"), mode: fs.statSync(file).mode & 0o777 });
            const reply = respond(args.slice(2));
            return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
        };
        return { run, calls };
    }

    it("writes the kubeconfig privately, passes only its path, and removes it on dispose", async () => {
        const kubectl = fakeKubectl(() => "");
        const client = new KubectlClient({ name: "west", kubeconfig: KUBECONFIG, namespace: "mesh-demo", run: kubectl.run });
        const file = client.kubeconfigFile;
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
        await client.scale("mesh-demo", "echo", 0);
        assert.deepEqual(kubectl.calls[0], { args: ["-n", "mesh-demo", "scale", "deployment/echo", "--replicas=0"], kubeconfig: KUBECONFIG, mode: 0o600 });
        assert.ok(!kubectl.calls.some((c) => c.args.join(" ").includes("s3cr3t")));
        await client.dispose();
        assert.equal(fs.existsSync(path.dirname(file)), false);
        await assert.rejects(client.scale("mesh-demo", "echo", 1), /after dispose/);
    });

    it("creates the curl pod when missing, waits for it, and deletes it afterwards", async () => {
        const kubectl = fakeKubectl(() => "");
        const client = new KubectlClient({ name: "west", kubeconfig: KUBECONFIG, namespace: "mesh-demo", run: kubectl.run });
        await client.prepare(30_000);
        await client.dispose();
        const verbs = kubectl.calls.map((c) => c.args.slice(2, 4).join(" "));
        assert.deepEqual(verbs, [`get pod`, `run ${CLIENT_POD}`, `wait --for=condition=Ready`, `delete pod`]);
        assert.ok(kubectl.calls[1].args.includes("--image=curlimages/curl:8.11.1"));
        assert.ok(kubectl.calls[2].args.includes("--timeout=30s"));
    });

    it("reuses a running curl pod and leaves it in place", async () => {
        const kubectl = fakeKubectl((args) => (args.includes("get") ? "Running" : ""));
        const client = new KubectlClient({ name: "west", kubeconfig: KUBECONFIG, namespace: "mesh-demo", run: kubectl.run });
        await client.prepare(10_000);
        await client.dispose();
        assert.deepEqual(
            kubectl.calls.map((c) => c.args[2]),
            ["get", "wait"],
        );
    });

    it("reads every running agent's status, falling back to `cilium` on agents before 1.15", async () => {
        const pods = { items: [{ metadata: { name: "cilium-b" }, status: { phase: "Running" } }, { metadata: { name: "cilium-a" }, status: { phase: "Running" } }, { metadata: { name: "cilium-c" }, status: { phase: "Pending" } }] };
        const kubectl = fakeKubectl((args) => {
            if (args.includes("pods")) {
                return JSON.stringify(pods);
            }
            if (args.includes("cilium-dbg")) {
                return args.includes("cilium-b") ? new KubectlError(args, 'exec: "cilium-dbg": executable file not found in $PATH', 1) : fixture;
            }
            return "ClusterMesh:   1/1 clusters ready, 0 global-services\n";
        });
        const client = new KubectlClient({ name: "west", kubeconfig: KUBECONFIG, namespace: "mesh-demo", run: kubectl.run });
        const statuses = await client.ciliumStatus();
        await client.dispose();
        assert.deepEqual(statuses.map((s) => s.pod), ["cilium-a", "cilium-b"]);
        assert.equal(statuses[0].output, fixture);
        assert.match(statuses[1].output, /1\/1 clusters ready/);
        assert.deepEqual(kubectl.calls[1].args, ["-n", "kube-system", "exec", "cilium-a", "-c", "cilium-agent", "--", "cilium-dbg", "status", "--all-clusters"]);
    });

    it("makes a batch of requests with one exec, and reads the deployment's replicas", async () => {
        const kubectl = fakeKubectl((args) =>
            args.includes("exec") ? "@@clustermesh-verify 0 west\n@@clustermesh-verify 0 east\n" : JSON.stringify({ spec: { replicas: 3 }, status: { replicas: 3, readyReplicas: 2 } }),
        );
        const client = new KubectlClient({ name: "west", kubeconfig: KUBECONFIG, namespace: "mesh-demo", run: kubectl.run });
        assert.deepEqual(await client.request("http://echo.mesh-demo.svc.cluster.local/", 2), [{ body: "west" }, { body: "east" }]);
        assert.deepEqual(kubectl.calls[0].args.slice(0, 7), ["-n", "mesh-demo", "exec", CLIENT_POD, "--", "sh", "-c"]);
        assert.deepEqual(await client.getReplicas("mesh-demo", "echo"), { desired: 3, ready: 2, current: 3 });
        await client.dispose();
    });

    it("keeps kubectl's errors short: no kubeconfig path, no script, no client-go log noise", () => {
        const error = new KubectlError(
            ["--kubeconfig", "/tmp/x/kubeconfig", "-n", "mesh-demo", "exec", CLIENT_POD, "--", "sh", "-c", "i=0\nwhile true; do :; done"],
            'E1123 00:56:12.090312   23210 memcache.go:265] "Unhandled Error" err="connection refused"\nThe connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n',
            1,
        );
        assert.equal(error.message, `kubectl -n mesh-demo exec ${CLIENT_POD} -- sh -c <script> failed (1): The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?`);
    });
});
