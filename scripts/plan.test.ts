/**
 * `npm run plan` as a user runs it: a separate process per stack, the real program under the
 * mock engine, the repository's own stack files (or a temporary copy of them).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { DEFAULT_CILIUM_VERSION } from "../lib/defaults";
import { TYPESCRIPT_NODE_ARGS } from "../test/typescript-node";

const root = path.join(__dirname, "..");
const planScript = path.join(__dirname, "plan.ts");

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `npm run plan -- <args>` in its own process; runs started together go in parallel. */
function plan(args: string[]): Promise<Run> {
    return new Promise((resolve) => {
        execFile(process.execPath, [...TYPESCRIPT_NODE_ARGS, planScript, ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            resolve({ status: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
        });
    });
}

/** A temporary copy of the project's stack files (the program itself runs from the repository). */
function copyOfProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-plan-"));
    for (const file of fs.readdirSync(root).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f))) {
        fs.copyFileSync(path.join(root, file), path.join(dir, file));
    }
    return dir;
}

interface PlanJson {
    stack: string;
    cluster: { name: string; id: number; kind: string; podCIDR: string; serviceCIDR: string };
    cilium: { version: string; values: Record<string, any> };
    mesh: { members: Array<{ name: string; id: number; podCIDR: string; serviceCIDR: string }>; pendingPeers: Array<{ name: string; reason: string }> };
    resources: Array<{ type: string; name: string; parent?: string }>;
    outputs: Record<string, unknown>;
}

describe("npm run plan -- --stack east --json", () => {
    let run: Run;
    let again: Run;
    let doc: PlanJson;
    before(async () => {
        [run, again] = await Promise.all([plan(["--stack", "east", "--json"]), plan(["--stack", "east", "--json"])]);
        doc = JSON.parse(run.stdout || "{}") as PlanJson;
    });

    it("exits 0 and prints one JSON document with the promised fields", () => {
        assert.equal(run.status, 0, run.stderr);
        assert.equal(doc.stack, "east");
        assert.deepEqual(doc.cluster, { name: "east", id: 2, kind: "k3s", region: "us-east-1", podCIDR: "10.21.0.0/16", serviceCIDR: "10.22.0.0/16", vpcCIDR: "10.20.0.0/16" });
        assert.equal(doc.cilium.version, DEFAULT_CILIUM_VERSION);
        assert.deepEqual(
            doc.mesh.members.map((m) => [m.name, m.id, m.podCIDR, m.serviceCIDR]),
            [
                ["west", 1, "10.11.0.0/16", "10.12.0.0/16"],
                ["east", 2, "10.21.0.0/16", "10.22.0.0/16"],
            ],
        );
        assert.ok(doc.resources.length > 10);
        assert.ok(doc.resources.every((r) => typeof r.type === "string" && typeof r.name === "string"));
    });

    it("shows the Cilium values of this member, with every key and certificate redacted", () => {
        const values = doc.cilium.values;
        assert.deepEqual(values.cluster, { id: 2, name: "east" });
        assert.deepEqual(values.ipam.operator.clusterPoolIPv4PodCIDRList, ["10.21.0.0/16"]);
        assert.equal(values.tls.ca.key, "[secret]");
        // The leaf certificates are Secrets, not values (Cilium 1.20 takes them no other way); their data is redacted.
        assert.equal(values.clustermesh.apiserver.tls.server, undefined);
        const secret = doc.resources.find((r) => r.name === "east-cilium-server-cert-secret");
        assert.ok(secret, "no certificate Secret in the plan");
        assert.doesNotMatch(JSON.stringify(secret), /BEGIN/);
        assert.equal(values.tls.ca.cert, "(issued at deploy)");
        assert.doesNotMatch(run.stdout, /PRIVATE KEY/);
        assert.doesNotMatch(run.stdout, /mock password|kubeconfig of/);
    });

    it("redacts secret outputs", () => {
        assert.equal(doc.outputs.kubeconfig, "[secret]");
        assert.equal(doc.outputs.clusterName, "east");
    });

    it("reads the CA from the CA owner (west) and says which peers are not linked yet", () => {
        assert.ok(doc.resources.some((r) => r.type === "pulumi:pulumi:StackReference" && r.name === "east-ca-ref"));
        assert.ok(!doc.resources.some((r) => r.type === "clustermesh:mesh:MeshCertificateAuthority"));
        assert.deepEqual(doc.mesh.pendingPeers.map((p) => p.name), ["west"]);
    });

    it("is byte-identical between two runs", () => {
        assert.equal(again.stdout, run.stdout);
    });
});

describe("npm run plan -- --stack west (text)", () => {
    it("prints the resource tree, the values and the mesh table", async () => {
        const run = await plan(["--stack", "west"]);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^Plan for stack west: cluster west \(id 1, k3s, us-west-2\)/);
        assert.match(run.stdout, /^ {2}\+ {2}pulumi:pulumi:Stack +clustermesh-west +create$/m);
        assert.match(run.stdout, /^ {2}\+ {2}├─ clustermesh:mesh:MeshCertificateAuthority +mesh-ca +create$/m);
        assert.match(run.stdout, /│ {2}├─ kubernetes:helm\.sh\/v3:Release +west-cilium-release +create +provider=west-provider .*secret=values/);
        // AwsNetwork shares its name with its K3sCluster parent: its children nest under it, a level deeper.
        assert.match(run.stdout, /│ {2}├─ clustermesh:network:AwsNetwork +west +create\n.*│ {2}│ {2}├─ aws:ec2\/internetGateway:InternetGateway +west-igw/);
        assert.match(run.stdout, /k8sServiceHost: 10\.10\.0\.10 # stand-in/);
        assert.match(run.stdout, /\* +west +west +1 +k3s \(EC2\) +us-west-2 +10\.11\.0\.0\/16/);
        assert.match(run.stdout, /not linked to east: clustermesh:mesh\.link is false/);
        assert.doesNotMatch(run.stdout, /PRIVATE KEY/);
    });
});

describe("bad input", () => {
    it("stops before any resource with every problem, naming file, key, value and fix", async () => {
        const dir = copyOfProject();
        const east = parse(fs.readFileSync(path.join(dir, "Pulumi.east.yaml"), "utf8"));
        east.config["clustermesh:cluster"].id = 1;
        east.config["clustermesh:cluster"].podCIDR = "10.11.0.0/16";
        east.config["clustermesh:cilium"].maxConnectedClusters = 511;
        fs.writeFileSync(path.join(dir, "Pulumi.east.yaml"), stringify(east));
        for (const run of await Promise.all(["west", "east"].map((stack) => plan(["--stack", stack, "--dir", dir])))) {
            assert.equal(run.status, 1);
            assert.equal(run.stdout, "");
            assert.match(run.stderr, /The mesh configuration has 3 problems; nothing was planned:/);
            // A copy outside git: nothing says which file is older (modification times do not count,
            // issue 19), so the tie goes by file name and the same file is blamed on every machine.
            assert.match(run.stderr, /Pulumi\.west\.yaml: clustermesh:cluster\.id 1 is already used by east \(Pulumi\.east\.yaml\); pick an unused id such as 2/);
            assert.match(run.stderr, /Pulumi\.west\.yaml: clustermesh:cluster\.podCIDR 10\.11\.0\.0\/16 overlaps clustermesh:cluster\.podCIDR 10\.11\.0\.0\/16 of east \(Pulumi\.east\.yaml\); use a free range of the same size such as 10\.13\.0\.0\/16/);
            assert.match(run.stderr, /Pulumi\.west\.yaml: clustermesh:cilium\.maxConnectedClusters 255 differs from 511 on east/);
        }
        fs.rmSync(dir, { recursive: true });
    });

    it("names a stack that has no file", async () => {
        const run = await plan(["--stack", "mars"]);
        assert.equal(run.status, 1);
        assert.match(run.stderr, /Pulumi\.mars\.yaml: clustermesh:cluster is missing: the stack file does not exist; copy Pulumi\.east\.yaml/);
    });

    it("explains its usage", async () => {
        const run = await plan([]);
        assert.equal(run.status, 2);
        assert.match(run.stderr, /usage: clustermesh plan --stack <name>/);
    });
});

describe("Add a region, as the README says", () => {
    it("copying Pulumi.east.yaml and changing name, id, CIDRs and region plans with no code change", async () => {
        const dir = copyOfProject();
        const text = fs
            .readFileSync(path.join(dir, "Pulumi.east.yaml"), "utf8")
            .replace("name: east", "name: central")
            .replace("id: 2", "id: 3")
            .replace("region: us-east-1", "region: us-east-2")
            .replace("10.20.0.0/16", "10.30.0.0/16")
            .replace("10.21.0.0/16", "10.31.0.0/16")
            .replace("10.22.0.0/16", "10.32.0.0/16");
        fs.writeFileSync(path.join(dir, "Pulumi.central.yaml"), text);

        const [central, west, east, all] = await Promise.all([
            plan(["--stack", "central", "--json", "--dir", dir]),
            plan(["--stack", "west", "--json", "--dir", dir]),
            plan(["--stack", "east", "--json", "--dir", dir]),
            plan(["--all", "--dir", dir]),
        ]);
        assert.equal(central.status, 0, central.stderr);
        const centralDoc = JSON.parse(central.stdout) as PlanJson;
        assert.deepEqual(centralDoc.cluster.name, "central");
        assert.deepEqual(centralDoc.cilium.values.cluster, { id: 3, name: "central" });

        for (const [stack, run] of [["west", west], ["east", east]] as const) {
            assert.equal(run.status, 0, run.stderr);
            const doc = JSON.parse(run.stdout) as PlanJson;
            assert.deepEqual(doc.mesh.members.map((m) => m.name), ["west", "east", "central"]);
            assert.ok(doc.mesh.pendingPeers.some((p) => p.name === "central"), `${stack} lists central as a peer`);
        }

        assert.equal(all.status, 0, all.stderr);
        assert.match(all.stdout, /central +central +3 +k3s \(EC2\) +us-east-2 +10\.31\.0\.0\/16 +10\.32\.0\.0\/16 +10\.30\.0\.0\/16 +32379/);
        // Nothing is linked yet: every pair is judged "not linked yet", none failing.
        assert.match(all.stdout, /Connectivity \(3 members; row dials column\):\nfrom \\ to +west +east +central\nwest +- +not linked +not linked\n[^]*0 ok, 6 not linked yet, 0 failing/);
        fs.rmSync(dir, { recursive: true });
    });
});

describe("the connectivity check", () => {
    /** The project's own stack files with clustermesh:mesh.link set as given. */
    function linkedCopy(link: boolean): string {
        const dir = copyOfProject();
        for (const file of fs.readdirSync(dir).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))) {
            const doc = parse(fs.readFileSync(path.join(dir, file), "utf8"));
            doc.config["clustermesh:mesh"] = { ...doc.config["clustermesh:mesh"], link };
            fs.writeFileSync(path.join(dir, file), stringify(doc));
        }
        return dir;
    }

    /** An EC2 member and a member on an existing host at 172.30.1.89, linked; routes between them declared or not. */
    function hostMesh(routes: boolean): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-hosts-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: clustermesh\nruntime: nodejs\n");
        const common = { operatorCIDRs: ["203.0.113.10/32"] };
        const files: Record<string, Record<string, unknown>> = {
            west: {
                "clustermesh:cluster": { name: "west", id: 1, kind: "k3s", region: "us-west-2", vpcCIDR: "10.10.0.0/16", podCIDR: "10.11.0.0/16", serviceCIDR: "10.12.0.0/16", ...common },
                "clustermesh:mesh": { link: true, ...(routes ? { externalRoutes: ["172.30.1.89/32"] } : {}) },
            },
            lab: {
                "clustermesh:cluster": { name: "lab", id: 2, kind: "k3s", podCIDR: "10.21.0.0/16", serviceCIDR: "10.22.0.0/16" },
                "clustermesh:k3s": { host: { address: "172.30.1.89" } },
                "clustermesh:mesh": { link: true, ...(routes ? { externalRoutes: ["10.10.0.0/16"] } : {}) },
                "clustermesh:sshPrivateKey": { secure: "v1:stand-in" },
            },
        };
        for (const [stack, config] of Object.entries(files)) {
            fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
        }
        return dir;
    }

    it("is all ok for the shipped stacks once linked, and names both stacks, the hop and the fix of a failing pair", async () => {
        const [linked, broken, routed] = [linkedCopy(true), hostMesh(false), hostMesh(true)];
        const [all, stack, fixed] = await Promise.all([
            plan(["--all", "--json", "--dir", linked]),
            plan(["--stack", "lab", "--json", "--dir", broken]),
            plan(["--stack", "lab", "--dir", routed]),
        ]);
        assert.equal(all.status, 0, all.stderr);
        const doc = JSON.parse(all.stdout) as { connectivity: { members: string[]; summary: Record<string, number>; pairs: Array<{ from: string; to: string; status: string }> } };
        assert.deepEqual(doc.connectivity.members, ["west", "east"]);
        assert.deepEqual(doc.connectivity.summary, { failed: 0, notLinked: 0, ok: 2 });
        assert.deepEqual(doc.connectivity.pairs.map((p) => `${p.from}->${p.to} ${p.status}`), ["west->east ok", "east->west ok"]);

        assert.equal(stack.status, 1, "a failing pair makes the exit code non-zero");
        const pairs = (JSON.parse(stack.stdout) as { connectivity: { pairs: Array<{ from: string; to: string; hop: string; resource: string; fix: string }> } }).connectivity.pairs;
        assert.deepEqual(pairs.map((p) => `${p.from}->${p.to} ${p.hop}`), ["west->lab route", "lab->west route"]);
        assert.match(pairs[0].fix, /clustermesh:mesh\.externalRoutes of west/);
        assert.match(stack.stderr, /^west -> lab: route: .*\[west: route table west-routes-id\]; fix: declare the VPN\/Direct Connect route to 172\.30\.1\.89\/32 in clustermesh:mesh\.externalRoutes of west\n/m);

        assert.equal(fixed.status, 0, fixed.stderr);
        assert.match(fixed.stdout, /Connectivity of lab \(2 members, 2 pairs\):\n2 ok, 0 not linked yet, 0 failing/);
        for (const dir of [linked, broken, routed]) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
