/**
 * `npm run plan -- --all` plans every stack in one process: each stack's document must be the
 * one `--stack` prints alone, byte for byte, and the whole output must reach a reader on the
 * other end of a pipe however large it is.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { writeProject, type MemberSpec } from "../../test/stack-files";
import { TYPESCRIPT_NODE_ARGS } from "../../test/typescript-node";
import { planMesh } from "./plan-mesh";
import { toJson, type PlanDocument } from "./report";

const planScript = path.join(__dirname, "..", "plan.ts");
const node = process.execPath;

/** A mesh big enough for a plan over 1 MiB, mixing what resets between stacks: the CA owner, EKS, a host with an SSH key (stack config), linked and unlinked members. */
function bigMesh(): MemberSpec[] {
    return Array.from({ length: 36 }, (_, i): MemberSpec => {
        const n = i + 1;
        const spec: MemberSpec = { stack: `m${n}`, id: n, block: n + 10, mesh: { link: n % 3 !== 0 } };
        if (n === 5) {
            // EKS wants a /16 VPC: the hand-run layout of block 5 (10.50-52.0.0/16).
            return { ...spec, block: 5, kind: "eks", cilium: { mcsAPI: true }, app: { serviceExport: true } };
        }
        if (n === 7) {
            return {
                ...spec,
                cluster: { region: undefined, vpcCIDR: undefined, operatorCIDRs: [] },
                // Reached at its public address: a private one would need a declared route (connectivity).
                k3s: { host: { address: "198.51.100.7", user: "ubuntu" } },
                extra: { "clustermesh:sshPrivateKey": { secure: "v1:AAAA" } },
            };
        }
        return spec;
    });
}

function planAlone(dir: string, stack: string): Promise<string> {
    return new Promise((resolve, reject) => {
        // Without the connectivity report --stack adds: the plan document alone, as --all holds it.
        execFile(node, [...TYPESCRIPT_NODE_ARGS, planScript, "--stack", stack, "--json", "--no-connectivity", "--dir", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
            err ? reject(new Error(`${stack}: ${stderr}`)) : resolve(stdout),
        );
    });
}

/** `npm run plan -- --all --json | node -e <read stdin, parse, echo>`: a real pipe between two processes. */
function planAllThroughPipe(dir: string): Promise<{ status: number | null; bytes: number; doc: { plans: PlanDocument[]; failed: unknown[] }; stderr: string }> {
    const reader = `let text = ""; process.stdin.setEncoding("utf8"); process.stdin.on("data", (c) => (text += c)); process.stdin.on("end", () => process.stdout.write(JSON.stringify({ bytes: Buffer.byteLength(text), doc: JSON.parse(text) })));`;
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = `${quote(node)} ${TYPESCRIPT_NODE_ARGS.map(quote).join(" ")} ${quote(planScript)} --all --json --dir ${quote(dir)} | ${quote(node)} -e ${quote(reader)}`;
    return new Promise((resolve) => {
        const child = spawn("sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
        child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
        child.on("close", (status) => {
            const parsed = stdout ? (JSON.parse(stdout) as { bytes: number; doc: { plans: PlanDocument[]; failed: unknown[] } }) : { bytes: 0, doc: { plans: [], failed: [] } };
            resolve({ status, ...parsed, stderr });
        });
    });
}

describe("npm run plan -- --all on a generated 36-member mesh", () => {
    const dir = writeProject(bigMesh());
    const alone = ["m1", "m5", "m7", "m8"];
    let all: Awaited<ReturnType<typeof planAllThroughPipe>>;
    let single: string[];
    before(async () => {
        [all, ...single] = await Promise.all([planAllThroughPipe(dir), ...alone.map((s) => planAlone(dir, s))]);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes more than 1 MiB through a pipe, all of it, as one JSON document", () => {
        // Exit code 1 is the connectivity check's: linked members cannot reach the unlinked ones.
        assert.ok(all.status === 0 || /-> .*: route: /.test(all.stderr), all.stderr);
        assert.ok(all.bytes > 1024 * 1024, `only ${all.bytes} bytes`);
        assert.deepEqual(all.doc.failed, []);
        assert.deepEqual(
            all.doc.plans.map((p) => p.stack),
            Array.from({ length: 36 }, (_, i) => `m${i + 1}`),
        );
    });

    it("gives every stack the document --stack prints for it alone, byte for byte", () => {
        alone.forEach((stack, i) => {
            const plan = all.doc.plans.find((p) => p.stack === stack);
            assert.ok(plan, stack);
            assert.equal(toJson(plan), single[i], `${stack} differs from its plan alone`);
        });
    });

    it("keeps each stack to itself: its own resources, config and CA source", () => {
        const byStack = new Map(all.doc.plans.map((p) => [p.stack, p]));
        // m7 installs over SSH on its host, m8 (planned after it) builds an EC2 VM again.
        assert.ok(byStack.get("m7")!.resources.some((r) => r.type === "command:remote:Command"));
        assert.ok(!byStack.get("m7")!.resources.some((r) => r.type === "aws:ec2/instance:Instance"));
        assert.ok(byStack.get("m8")!.resources.some((r) => r.type === "aws:ec2/instance:Instance"));
        assert.ok(byStack.get("m1")!.resources.some((r) => r.type === "clustermesh:mesh:MeshCertificateAuthority"));
        assert.ok(!byStack.get("m2")!.resources.some((r) => r.type === "clustermesh:mesh:MeshCertificateAuthority"));
        assert.ok(byStack.get("m5")!.resources.some((r) => r.type === "aws:eks/cluster:Cluster"));
        assert.ok(!byStack.get("m6")!.resources.some((r) => r.type === "aws:eks/cluster:Cluster"));
    });
});

describe("planMesh with a worker thread beside this one", () => {
    it("plans the same documents as this thread alone, in member order, and reports each stack", async () => {
        const dir = writeProject(bigMesh().slice(0, 4));
        try {
            const seen: string[] = [];
            const [here, pooled] = [await planMesh(dir), await planMesh(dir, { workers: 1, onProgress: (p) => seen.push(`${p.done}/${p.total}`) })];
            assert.deepEqual(pooled.failed, []);
            assert.deepEqual(
                pooled.plans.map((p) => toJson(p)),
                here.plans.map((p) => toJson(p)),
            );
            assert.deepEqual(seen, Array.from({ length: 4 }, (_, i) => `${i + 1}/4`));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
