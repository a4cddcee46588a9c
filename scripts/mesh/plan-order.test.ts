import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { projectLikeEast, writeProject } from "../../test/stack-files";
import { inspectMesh, type MeshMember } from "../../stacks";
import { LINK_KEY, MeshPlanError, planOrder, selectStacks, stackStatus, type MeshCommand, type MeshStep, type StackStatus } from "./plan-order";

interface FixtureMember {
    stack: string;
    id: number;
    link?: boolean;
}

/**
 * Writes Pulumi.<stack>.yaml files shaped like the real Pulumi.east.yaml (name, id, CIDRs and
 * region changed, as the README's "Add a region" says) into a new directory, and loads them
 * with inspectMesh like the CLI does.
 */
function meshFixture(specs: readonly FixtureMember[]): { dir: string; members: MeshMember[] } {
    const dir = projectLikeEast(specs);
    const { members, problems } = inspectMesh(dir);
    assert.deepEqual(problems, [], "the fixture mesh is valid");
    return { dir, members };
}

/** `up west [mesh.link=false]`-style lines, easy to compare as a whole. */
function calls(steps: readonly MeshStep[]): string[] {
    return steps.map((s) => {
        const config = Object.entries(s.config).map(([k, v]) => ` ${k.replace("clustermesh:", "")}=${String(v)}`);
        const departing = s.departing.length > 0 ? ` without=${s.departing.join(",")}` : "";
        return `${s.action} ${s.stack}${config.join("")}${departing}`;
    });
}

function plan(members: readonly MeshMember[], command: MeshCommand, status: Record<string, StackStatus> = {}, stacks?: string[]) {
    return planOrder({ members, command, stacks, status: new Map(Object.entries(status)) });
}

const two = meshFixture([
    { stack: "east", id: 2 },
    { stack: "west", id: 1 },
]).members;
const three = meshFixture([
    { stack: "west", id: 1 },
    { stack: "east", id: 2 },
    { stack: "north", id: 3 },
]).members;
const threeLinked = meshFixture([
    { stack: "west", id: 1, link: true },
    { stack: "east", id: 2, link: true },
    { stack: "north", id: 3 },
]).members;

describe("planOrder: up", () => {
    it("brings up the CA owner first, the other cluster unlinked, then links both (2 clusters)", () => {
        const p = plan(two, "up");
        // The files already say link: false, so phases 1-2 set nothing: only phase 3 writes them.
        assert.deepEqual(calls(p.steps), ["up west", "up east", "up west mesh.link=true", "up east mesh.link=true"]);
        assert.deepEqual(p.steps[3].config, { [LINK_KEY]: true });
        assert.match(p.steps[0].reason, /^phase 1, unlinked: the mesh CA lives in this stack/);
        assert.match(p.steps[1].reason, /^phase 2, unlinked: .*pulumi #16591/);
        assert.match(p.steps[2].reason, /^phase 3, linked: .*the app is part of this program and comes up in the same update/);
        assert.deepEqual(p.next, ["Pulumi wrote clustermesh:mesh.link: true into Pulumi.west.yaml, Pulumi.east.yaml; commit them so a plain `pulumi up` keeps the mesh linked."]);
    });

    it("does the same for 3 clusters, by cluster id", () => {
        assert.deepEqual(calls(plan(three, "up").steps), [
            "up west",
            "up east",
            "up north",
            "up west mesh.link=true",
            "up east mesh.link=true",
            "up north mesh.link=true",
        ]);
    });

    it("unlinks a file that says link: true before its first up, since its peers have no outputs yet", () => {
        const fresh = meshFixture([
            { stack: "west", id: 1, link: true },
            { stack: "east", id: 2, link: true },
        ]).members;
        assert.deepEqual(calls(plan(fresh, "up").steps), ["up west mesh.link=false", "up east mesh.link=false", "up west mesh.link=true", "up east mesh.link=true"]);
    });

    it("never unlinks a deployed mesh: running up again is one linked update per stack, files untouched", () => {
        const linked = meshFixture([
            { stack: "west", id: 1, link: true },
            { stack: "east", id: 2, link: true },
        ]).members;
        const p = plan(linked, "up", { west: "deployed", east: "deployed" });
        assert.deepEqual(calls(p.steps), ["up west", "up east"]);
        assert.deepEqual(p.next, []);
        assert.deepEqual(p.notes, ["west, east are deployed already: no unlinked build, so the mesh stays linked; one linked update each"]);
    });

    it("with --stacks builds only the new region unlinked, then relinks every member so all list it", () => {
        const p = plan(threeLinked, "up", { west: "deployed", east: "deployed" }, ["north"]);
        assert.deepEqual(calls(p.steps), ["up north", "up west", "up east", "up north mesh.link=true"]);
        assert.match(p.steps[1].reason, /not in --stacks, but it must list the new peer north/);
        assert.deepEqual(p.next, ["Pulumi wrote clustermesh:mesh.link: true into Pulumi.north.yaml; commit it so a plain `pulumi up` keeps the mesh linked."]);
    });

    it("with --stacks and nothing new updates only the named stacks", () => {
        const p = plan(threeLinked, "up", { west: "deployed", east: "deployed", north: "deployed" }, ["east"]);
        assert.deepEqual(calls(p.steps), ["up east"]);
    });

    it("rebuilds a stack that exists but has no outputs (a failed first up) unlinked", () => {
        const p = plan(three, "up", { west: "deployed", east: "created" });
        assert.deepEqual(calls(p.steps), ["up east", "up north", "up west mesh.link=true", "up east mesh.link=true", "up north mesh.link=true"]);
    });

    it("refuses --stacks that leaves out a member never deployed, which the others could not link to", () => {
        assert.throws(
            () => plan(three, "up", { west: "deployed" }, ["west", "east"]),
            (e: Error) => e instanceof MeshPlanError && /^north has not been deployed, so linking the other members to it would fail .*pulumi #16591\); add it to --stacks or leave --stacks out$/.test(e.message),
        );
    });

    it("refuses --stacks without the CA owner before the owner is deployed", () => {
        assert.throws(() => plan(two, "up", {}, ["east"]), /the mesh CA lives in west's stack \(lowest cluster id\), which has not been deployed yet .*add west to --stacks/);
    });

    it("refuses a new member that would take the mesh CA over from the deployed ones", () => {
        const { members } = meshFixture([
            { stack: "south", id: 1 },
            { stack: "west", id: 2, link: true },
            { stack: "east", id: 3, link: true },
        ]);
        assert.throws(
            () => plan(members, "up", { west: "deployed", east: "deployed" }, ["south"]),
            /^Error: Pulumi\.south\.yaml: south has the lowest cluster id \(1\), so its stack owns the mesh CA, but it has not been deployed while west, east are: bringing it up would hand every cluster a new CA\. If south is a new region, give it an id above every other member's \(e\.g\. 4\)/,
        );
    });
});

describe("planOrder: preview", () => {
    it("previews every stack by cluster id with its file's config, changing nothing", () => {
        const deployed = { west: "deployed", east: "deployed", north: "deployed" } as const;
        const p = plan([three[2], three[0], three[1]], "preview", deployed);
        assert.deepEqual(calls(p.steps), ["preview west", "preview east", "preview north"]);
        assert.ok(p.steps.every((s) => Object.keys(s.config).length === 0 && s.departing.length === 0));
        assert.equal(p.steps[0].reason, "as its file says (link off), changing nothing");
    });

    it("previews only --stacks, and warns when a preview cannot succeed yet", () => {
        const p = plan(three, "preview", {}, ["north"]);
        assert.deepEqual(calls(p.steps), ["preview north"]);
        assert.match(p.steps[0].reason, /expect it to fail: it reads the mesh CA from west, which has not been deployed \(pulumi #16591\); run npm run mesh -- up$/);
        const linked = plan(threeLinked, "preview", { west: "deployed", east: "deployed" }, ["west"]);
        assert.match(linked.steps[0].reason, /^as its file says \(link on\), changing nothing; expect it to fail: link is on and north has not been deployed/);
    });
});

describe("planOrder: destroy", () => {
    const all = { west: "deployed", east: "deployed", north: "deployed" } as const;

    it("removes a departing region from the others' links before destroying it", () => {
        const p = plan(threeLinked, "destroy", all, ["north"]);
        assert.deepEqual(calls(p.steps), ["up west without=north", "up east without=north", "destroy north"]);
        assert.match(p.steps[0].reason, /^drop north from this cluster's link \(peer entry, prefix-list ranges, peering\) while it still exists$/);
        assert.equal(p.next.length, 1);
        assert.match(p.next[0], /^Delete Pulumi\.north\.yaml \(`pulumi stack rm north` removes the stack and the file\)/);
    });

    it("destroys departing regions highest id first and skips remaining members never deployed", () => {
        const p = plan(three, "destroy", { west: "deployed", east: "deployed", north: "created" }, ["east", "north"]);
        assert.deepEqual(calls(p.steps), ["up west without=east,north", "destroy north", "destroy east"]);
        const q = plan(three, "destroy", { west: "deployed", north: "deployed" }, ["north"]);
        assert.deepEqual(calls(q.steps), ["up west without=north", "destroy north"]);
        assert.deepEqual(q.notes, ["east is not updated: it has not been deployed, so it holds no link to north"]);
    });

    it("destroys everything in reverse id order, the CA owner last", () => {
        const p = plan(three, "destroy", all);
        assert.deepEqual(calls(p.steps), ["destroy north", "destroy east", "destroy west"]);
        assert.equal(p.steps[2].reason, "the CA owner goes last: every other member read the mesh CA from it");
        assert.deepEqual(p.next, ["The stack files stay: npm run mesh -- up builds the mesh again from them."]);
    });

    it("skips stacks the backend does not have, and has nothing to do when none exists", () => {
        const p = plan(three, "destroy", { west: "deployed", north: "created" });
        assert.deepEqual(calls(p.steps), ["destroy north", "destroy west"]);
        assert.deepEqual(p.notes, ["east has no stack in the backend; nothing to destroy there"]);
        assert.deepEqual(plan(three, "destroy", { west: "deployed" }, ["north"]).steps, []);
    });

    it("refuses to destroy the CA owner while others remain", () => {
        assert.throws(
            () => plan(three, "destroy", all, ["west"]),
            /^Error: west holds the mesh CA that east, north use; destroy it last, together with every other member \(npm run mesh -- destroy\), or destroy the others first$/,
        );
        assert.throws(() => plan(two, "destroy", { west: "deployed", east: "deployed" }, ["west"]), /west holds the mesh CA that east uses/);
    });
});

describe("planOrder: destroy of a transit-gateway mesh", () => {
    // Two regions: west (hub: w1, also the CA owner) with w2, east (hub: e3) with e4.
    const transit = { "clustermesh:network": { topology: "transit-gateway" } };
    const dir = writeProject([
        { stack: "w1", id: 1, extra: transit },
        { stack: "w2", id: 2, extra: transit },
        { stack: "e3", id: 3, cluster: { region: "us-east-1" }, extra: transit },
        { stack: "e4", id: 4, cluster: { region: "us-east-1" }, extra: transit },
    ]);
    const members = inspectMesh(dir).members;
    const all = { w1: "deployed", w2: "deployed", e3: "deployed", e4: "deployed" } as const;
    const phases = (steps: readonly MeshStep[]) => steps.map((s) => `${s.phase}: ${calls([s])[0]}`);

    it("drops hub peerings first, then attachments with their members, then each hub, the CA owner's last", () => {
        assert.deepEqual(phases(plan(members, "destroy", all).steps), [
            "1: up w1 without=w2,e3,e4",
            "1: up e3 without=w1,w2,e4",
            "2: destroy e4",
            "2: destroy w2",
            "3: destroy e3",
            "4: destroy w1",
        ]);
    });

    it("retires a whole region: the others drop it, its member goes before its hub", () => {
        assert.deepEqual(phases(plan(members, "destroy", all, ["e3", "e4"]).steps), ["1: up w1 without=e3,e4", "1: up w2 without=e3,e4", "2: destroy e4", "3: destroy e3"]);
    });

    it("refuses to destroy a hub owner while members of its region stay attached to it", () => {
        assert.throws(
            () => plan(members, "destroy", all, ["e3"]),
            /^Error: e3 owns the Transit Gateway of us-east-1 that e4 is attached to; destroy it together with e3 \(--stacks e3,e4\), or keep e3 \(README: Choosing a topology\)$/,
        );
    });
});

describe("selectStacks and stackStatus", () => {
    it("refuses stacks that are not in the mesh, and an empty mesh", () => {
        assert.throws(() => selectStacks(two, ["mars", "east", "venus"]), /^Error: --stacks names mars, venus, which are not in the mesh; members: west, east$/);
        assert.throws(() => selectStacks([], undefined), /no Pulumi\.<stack>\.yaml declares clustermesh:cluster/);
        assert.deepEqual(
            selectStacks(three, ["north", "west", "north"]).map((m) => m.stack),
            ["west", "north"],
        );
    });

    it("reads a stack's state from its outputs", () => {
        assert.equal(stackStatus(undefined), "missing");
        assert.equal(stackStatus([]), "created");
        assert.equal(stackStatus(["clusterName", "kubeconfig"]), "created");
        assert.equal(stackStatus(["clusterName", "clustermeshEndpoint"]), "deployed");
    });
});
