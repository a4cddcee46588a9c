/**
 * Upgrades keep what workloads use: a member planned at Cilium 1.18 and at 1.19 (MCS-API on).
 * Whatever the 1.18 plan creates that users' objects live in (CRDs, namespaces) and the 1.19 plan
 * no longer creates must be retained (`retainOnDelete`) or come back from 1.19 itself, or the
 * upgrade deletes it and everything in it (deleting a CRD deletes all its objects).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { writeProject, type MemberSpec } from "../../test/stack-files";
import { planMembers } from "./plan-members";
import { formatPlan, type PlanDocument, type PlanResource } from "./report";
import { checkConnectivity } from "../../connectivity/model";

/** Kinds whose deletion takes users' objects with it. */
const SHARED = ["kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "kubernetes:core/v1:Namespace"];

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function plan(version: string): Promise<PlanDocument> {
    const specs: MemberSpec[] = [
        { stack: "west", id: 1, cilium: { version, mcsAPI: true }, app: { serviceExport: true } },
        { stack: "east", id: 2, kind: "eks", cilium: { version, mcsAPI: true } },
    ];
    const dir = writeProject(specs);
    dirs.push(dir);
    const [west] = await planMembers(dir, ["west"]);
    assert.ok(west.plan, west.error);
    return west.plan;
}

/** The CRD names a 1.19+ release brings back itself: its operator installs the MCS-API CRDs (`clustermesh.mcsapi.installCRDs`, default true). */
function restoredBy(doc: PlanDocument): Set<string> {
    const values = doc.cilium.values as { clustermesh?: { mcsapi?: { enabled?: boolean; installCRDs?: boolean } } };
    const mcs = values.clustermesh?.mcsapi;
    return new Set(mcs?.enabled && mcs.installCRDs !== false ? ["serviceexports.multicluster.x-k8s.io", "serviceimports.multicluster.x-k8s.io"] : []);
}

const objectName = (r: PlanResource): string => String((r.inputs?.metadata as { name?: string } | undefined)?.name ?? r.name);

describe("a member upgraded from Cilium 1.18 to 1.19", () => {
    let before118: PlanDocument;
    let after119: PlanDocument;
    before(async () => {
        [before118, after119] = await Promise.all([plan("1.18.12"), plan("1.19.6")]);
    });

    it("loses nothing users depend on: what 1.19 drops is retained and taken over by 1.19's operator", () => {
        const kept = new Set(after119.resources.filter((r) => SHARED.includes(r.type)).map((r) => `${r.type} ${objectName(r)}`));
        const dropped = before118.resources.filter((r) => SHARED.includes(r.type) && !kept.has(`${r.type} ${objectName(r)}`));
        assert.deepEqual(dropped.map(objectName).sort(), ["serviceexports.multicluster.x-k8s.io", "serviceimports.multicluster.x-k8s.io"], "1.18 creates the MCS-API CRDs itself");
        for (const r of dropped) {
            assert.equal(r.retainOnDelete, true, `${objectName(r)} would be deleted by the upgrade, and every object of it`);
            assert.ok(restoredBy(after119).has(objectName(r)), `${objectName(r)} is not managed by 1.19`);
        }
    });

    it("retains every CRD the program creates, in any plan (a version change must never delete one)", () => {
        for (const doc of [before118, after119]) {
            for (const crd of doc.resources.filter((r) => r.type === SHARED[0])) {
                assert.equal(crd.retainOnDelete, true, objectName(crd));
            }
        }
    });
});

describe("a member between the pre-flight check and its upgrade", () => {
    let doc: PlanDocument;
    let peer: PlanDocument;
    before(async () => {
        const dir = writeProject([
            { stack: "west", id: 1, cilium: { version: "1.19.6", preflight: "1.20.0" }, mesh: { link: true } },
            { stack: "east", id: 2, cilium: { version: "1.19.6" }, mesh: { link: true } },
        ]);
        dirs.push(dir);
        const planned = await planMembers(dir, ["west", "east"]);
        const [west, east] = planned;
        assert.ok(west?.plan && east?.plan, west?.error ?? east?.error);
        doc = west.plan;
        peer = east.plan;
    });

    it("plans the pre-flight release of the target's chart beside the member's own, whose values stay its release's", () => {
        assert.equal(doc.cilium.preflight?.version, "1.20.0");
        assert.deepEqual((doc.cilium.preflight?.values as { preflight?: unknown }).preflight, { enabled: true });
        assert.equal((doc.cilium.values as { cluster: { id: number } }).cluster.id, 1);
        const releases = doc.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
        assert.deepEqual(releases.map((r) => [r.inputs?.name, r.inputs?.version]).sort(), [["cilium", "1.19.6"], ["cilium-preflight", "1.20.0"]]);
        assert.equal(peer.cilium.preflight, undefined);
    });

    it("shows it in the text plan and still connects both ways (the check reads the member's own release)", () => {
        assert.match(formatPlan(doc), /^Cilium 1\.20\.0 pre-flight check \(release cilium-preflight, clustermesh:cilium\.preflight; up waits until it is ready on every node\):\n {2}agent: false\n/m);
        assert.doesNotMatch(formatPlan(peer), /pre-flight/);
        const report = checkConnectivity([doc, peer]);
        assert.deepEqual(report.pairs.map((p) => `${p.from}->${p.to} ${p.status}`), ["west->east ok", "east->west ok"]);
    });
});
