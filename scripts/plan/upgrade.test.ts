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
import type { PlanDocument, PlanResource } from "./report";

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
