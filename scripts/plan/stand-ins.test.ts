/**
 * One consistent fiction: in every mesh the plan stands in for, what a stack dials for a peer is
 * exactly what that peer's own plan exports, and the connectivity check compares the two. A
 * member not linked yet is `not linked yet` in every topology, never failing.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { checkConnectivity } from "../../connectivity/model";
import type { MemberPlan } from "../../connectivity/plans";
import { inspectMesh } from "../../stacks";
import { writeProject, type MemberSpec } from "../../test/stack-files";
import { planMembers } from "./plan-members";
import type { PlanDocument } from "./report";

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A copy of an example project with every stack linked. */
function linkedCopy(example: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stand-ins-"));
    dirs.push(dir);
    const from = path.join(__dirname, "..", "..", example);
    for (const f of fs.readdirSync(from).filter((name) => /^Pulumi\..*yaml$/.test(name) || name === "Pulumi.yaml")) {
        fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(from, f), "utf8").replace(/link: false/g, "link: true"));
    }
    return dir;
}

function project(specs: MemberSpec[]): string {
    const dir = writeProject(specs);
    dirs.push(dir);
    return dir;
}

async function planAll(dir: string): Promise<PlanDocument[]> {
    const stacks = inspectMesh(dir).members.map((m) => m.stack);
    return (await planMembers(dir, stacks)).map((r) => {
        assert.ok(r.plan, `${r.stack}: ${r.error}`);
        return r.plan;
    });
}

const linked = { link: true };
const meshes: Array<[string, () => string]> = [
    ["the shipped west/east mesh, linked", () => linkedCopy(".")],
    ["the kind lab, linked", () => linkedCopy("examples/kind-lab")],
    ["the BGP hosts, linked", () => linkedCopy("examples/bgp-hosts")],
    [
        "k3s with agents, EKS, k3s on hosts with an agent host",
        () =>
            project([
                { stack: "west", id: 1, mesh: linked, k3s: { agents: 2 } },
                { stack: "east", id: 2, kind: "eks", mesh: linked },
                { stack: "north", id: 3, mesh: { ...linked, externalRoutes: ["10.10.0.0/16", "10.20.0.0/16"] }, k3s: { host: { address: "192.0.2.30" }, agentHosts: [{ address: "192.0.2.31", privateAddress: "10.99.0.31" }] }, extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } } },
            ]),
    ],
];

describe("stand-ins: what a stack dials for a peer is what the peer's plan exports", () => {
    const planned = new Map<string, PlanDocument[]>();
    before(async () => {
        for (const [label, make] of meshes) {
            planned.set(label, await planAll(make()));
        }
    });

    for (const [label] of meshes) {
        it(label, () => {
            const plans = planned.get(label)!;
            for (const b of plans) {
                const exported = b.outputs.clustermeshEndpoint as { name: string; port: number; ips?: string[] };
                assert.ok(exported, `${b.stack} exports an endpoint`);
                for (const a of plans.filter((p) => p !== b)) {
                    const values = a.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs!.values as { clustermesh: { config: { clusters: Array<{ name: string; port: number; ips?: string[] }> } } };
                    const entry = values.clustermesh.config.clusters.find((c) => c.name === exported.name);
                    assert.ok(entry, `${a.stack} dials ${b.stack}`);
                    assert.deepEqual({ port: entry.port, ips: entry.ips }, { port: exported.port, ips: exported.ips }, `${a.stack} -> ${b.stack}`);
                }
            }
            // Whatever else fails (an existing host needs routes declared), never the endpoint hop.
            assert.deepEqual(checkConnectivity(plans).pairs.filter((p) => p.hop === "endpoint"), [], label);
        });
    }

    it("stands in for every node: a server with its agents, existing hosts with their agents", () => {
        const plans = planned.get(meshes[3][0])!;
        const west = plans.find((p) => p.stack === "west")!;
        assert.deepEqual((west.outputs.clustermeshEndpoint as { ips: string[] }).ips, ["10.10.0.10", "10.10.0.11", "10.10.0.12"], "server and two agents in the node subnet");
        const north = plans.find((p) => p.stack === "north")!;
        assert.deepEqual((north.outputs.clustermeshEndpoint as { ips: string[] }).ips, ["192.0.2.30", "10.99.0.31"]);
    });

    it("the endpoint hop fails a peer entry that differs from the peer's export", () => {
        const plans = planned.get(meshes[0][0])!;
        const east = plans.find((p) => p.stack === "east")!;
        const moved: MemberPlan = { ...east, outputs: { ...east.outputs, clustermeshEndpoint: { name: "east", port: 32379, ips: ["10.20.0.72"] } } };
        const report = checkConnectivity(plans.map((p) => (p === east ? moved : p)));
        const westEast = report.pairs.find((p) => p.from === "west" && p.to === "east")!;
        assert.equal(westEast.hop, "endpoint");
        assert.match(westEast.message!, /dials east at 10\.20\.0\.10:32379 but east exports 10\.20\.0\.72:32379 as its clustermeshEndpoint/);
    });
});

describe("a member not linked yet is not linked yet in every topology", () => {
    for (const topology of ["peering", "transit-gateway"]) {
        it(`${topology}: a new region added to a linked mesh fails nothing`, async () => {
            const network = { "clustermesh:network": { topology } };
            const plans = await planAll(
                project([
                    { stack: "west", id: 1, mesh: linked, extra: network },
                    { stack: "east", id: 2, mesh: linked, extra: network, cluster: { region: "us-east-1" } },
                    { stack: "north", id: 3, extra: network, cluster: { region: "eu-west-1" } },
                ]),
            );
            const report = checkConnectivity(plans);
            assert.deepEqual(report.summary, { ok: 2, notLinked: 4, failed: 0 });
            assert.equal(report.pairs.find((p) => p.from === "west" && p.to === "north")!.status, "not linked");
        });
    }
});

describe("the mesh table's apiserver port", () => {
    it("is the port peers dial: 2379 for EKS and LB-IPAM members, the NodePort otherwise", async () => {
        const { memberRow } = await import("./report");
        const members = inspectMesh(linkedCopy("examples/bgp-hosts")).members;
        assert.deepEqual(members.map((m) => memberRow(m).apiserverPort), [2379, 2379]);
        const mixed = inspectMesh(project([{ stack: "west", id: 1 }, { stack: "east", id: 2, kind: "eks" }])).members;
        assert.deepEqual(mixed.map((m) => [m.stack, memberRow(m).apiserverPort]), [["west", 32379], ["east", 2379]]);
    });
});
