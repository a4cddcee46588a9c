/**
 * The order in which `npm run mesh` drives the stacks. Pure: it decides from the stack files and
 * from what each stack has deployed; scripts/mesh.ts acts on the steps.
 *
 * A stack reference to a stack that was never deployed fails the run even inside try/catch
 * (pulumi #16591), and every member but the CA owner (lowest cluster id) reads the mesh CA from
 * the owner's stack. So:
 *
 * Steps are grouped in phases: the steps of one phase run concurrently (`--parallel`), and a
 * phase starts only when every step of the previous one has succeeded.
 *
 * up       phase 1: the CA owner, unlinked, if it has not been deployed yet.
 *          phase 2: every other selected stack not deployed yet, unlinked.
 *          phase 3: every stack with `clustermesh:mesh.link: true`, now that every peer has
 *          outputs. The app is part of each stack's program, so it comes up in the same update
 *          (there is no separate app phase). A stack already deployed skips phases 1-2: running
 *          `up` again never unlinks a working mesh. Members outside `--stacks` take part in
 *          phase 3 only when a new member was built, so that they list it as a peer.
 * preview  every selected stack (one phase), with the config its file holds.
 * destroy  every remaining deployed member is first updated without the departing stacks
 *          (CLUSTERMESH_DEPARTING: their peer entries, prefix-list ranges and peerings go while
 *          the departing clusters still exist: phase 1), then the departing stacks are destroyed
 *          (phase 2), the CA owner last (phase 4), and only together with every other member.
 *          In a transit-gateway mesh a hub owner goes in phase 3, after the members attached to
 *          its Transit Gateway, and only together with the rest of its region; when every hub
 *          goes, the hubs first drop their peerings to each other (phase 1).
 *
 * `config` holds only the values that differ from what the file says at that point, so a run
 * over an already-linked mesh leaves the stack files alone.
 */
import { DEPARTING_ENV, STACK_OUTPUTS } from "../../lib/contract";
import { isAwsBuilt } from "../../stacks/build";
import { transitHubOwners } from "../../stacks/validate";
import type { MeshMember } from "../../stacks/load";
import { byCodePoint } from "../../lib/order";
import type { StackFileValue } from "./stack-file-edit";

export type MeshCommand = "preview" | "up" | "destroy";
export const MESH_COMMANDS: readonly MeshCommand[] = ["preview", "up", "destroy"];

/** Config key (a path into `clustermesh:mesh`) gating the stack references to peers. */
export const LINK_KEY = "clustermesh:mesh.link";
/** Environment variable index.ts reads: peers (stack or cluster names) left out of this run's link. */
export { DEPARTING_ENV };
/** The output peers' links read (index.ts); a stack without it has never finished an `up`. */
export const ENDPOINT_OUTPUT = STACK_OUTPUTS.endpoint;

/**
 * A stack's state in the Pulumi backend: `missing` (no such stack), `created` (the stack exists
 * but has no endpoint output: never deployed, destroyed, or its first update failed), `deployed`.
 */
export type StackStatus = "missing" | "created" | "deployed";

/** The status of a stack from its output names; `undefined` means the stack does not exist. */
export function stackStatus(outputNames: readonly string[] | undefined): StackStatus {
    if (outputNames === undefined) {
        return "missing";
    }
    return outputNames.includes(ENDPOINT_OUTPUT) ? "deployed" : "created";
}

export interface MeshStep {
    /**
     * Steps of one phase run concurrently; a phase starts once every step of the one before has
     * succeeded. Numbered from 1 in the order they run (not every number need occur).
     */
    readonly phase: number;
    readonly stack: string;
    readonly action: "up" | "preview" | "destroy";
    /** Config to set in the stack's file before the action (path keys); empty keeps the file as it is. */
    readonly config: Readonly<Record<string, StackFileValue>>;
    /** Peers this stack leaves out of its link for this run, passed as CLUSTERMESH_DEPARTING. */
    readonly departing: readonly string[];
    /** Why this step, at this point; printed before it runs. */
    readonly reason: string;
}

export interface MeshPlan {
    readonly steps: readonly MeshStep[];
    /** Printed before the steps: what is skipped and why. */
    readonly notes: readonly string[];
    /** Printed once every step has succeeded: what the user does next. */
    readonly next: readonly string[];
}

export interface PlanInput {
    /** Every mesh member (`inspectMesh(dir).members`); any order. */
    readonly members: readonly MeshMember[];
    readonly command: MeshCommand;
    /** Stacks named with `--stacks`; undefined or empty means every member. */
    readonly stacks?: readonly string[];
    /** Each member's state in the backend, by stack name; a member not in the map is `missing`. */
    readonly status: ReadonlyMap<string, StackStatus>;
}

/** The plan cannot be made: the message says why and what to run instead. */
export class MeshPlanError extends Error {}

const list = (names: readonly string[]): string => names.join(", ");
const isAre = (names: readonly unknown[]): string => (names.length === 1 ? "is" : "are");
const itThem = (names: readonly unknown[]): string => (names.length === 1 ? "it" : "them");

/** Members by cluster id (the mesh's order everywhere: the lowest id owns the CA). */
export function byClusterId(members: readonly MeshMember[]): MeshMember[] {
    return [...members].sort((a, b) => a.cluster.id - b.cluster.id || byCodePoint(a.stack, b.stack));
}

/**
 * The members named by `--stacks`, by cluster id; every member when none is named. Throws
 * MeshPlanError for a name that is not a member. Needs no backend, so the CLI checks it first.
 */
export function selectStacks(members: readonly MeshMember[], stacks?: readonly string[]): MeshMember[] {
    const ordered = byClusterId(members);
    if (ordered.length === 0) {
        throw new MeshPlanError("no Pulumi.<stack>.yaml declares clustermesh:cluster, so there is no mesh to drive (README: Add a region)");
    }
    if (!stacks || stacks.length === 0) {
        return ordered;
    }
    const unknown = [...new Set(stacks)].filter((s) => !ordered.some((m) => m.stack === s));
    if (unknown.length > 0) {
        throw new MeshPlanError(`--stacks names ${list(unknown)}, which ${isAre(unknown)} not in the mesh; members: ${list(ordered.map((m) => m.stack))}`);
    }
    return ordered.filter((m) => stacks.includes(m.stack));
}

export function planOrder(input: PlanInput): MeshPlan {
    const members = byClusterId(input.members);
    const selected = selectStacks(members, input.stacks);
    const owner = members[0];
    const status = (m: MeshMember): StackStatus => input.status.get(m.stack) ?? "missing";
    const deployed = (m: MeshMember): boolean => status(m) === "deployed";
    switch (input.command) {
        case "up":
            return planUp(members, selected, owner, deployed);
        case "preview":
            return planPreview(members, selected, owner, deployed);
        case "destroy":
            return planDestroy(members, selected, owner, status);
    }
}

function planUp(members: readonly MeshMember[], selected: readonly MeshMember[], owner: MeshMember, deployed: (m: MeshMember) => boolean): MeshPlan {
    if (!deployed(owner)) {
        const running = members.filter((m) => m !== owner && deployed(m));
        if (running.length > 0) {
            // They were deployed while another member owned the CA: a new owner means a new CA.
            const above = Math.max(...members.map((m) => m.cluster.id)) + 1;
            throw new MeshPlanError(
                `${owner.file}: ${owner.stack} has the lowest cluster id (${owner.cluster.id}), so its stack owns the mesh CA, but it has not been deployed while ` +
                    `${list(running.map((m) => m.stack))} ${isAre(running)}: bringing it up would hand every cluster a new CA. ` +
                    `If ${owner.stack} is a new region, give it an id above every other member's (e.g. ${above}); if its stack was destroyed, restore it first.`,
            );
        }
        if (!selected.includes(owner)) {
            throw new MeshPlanError(
                `the mesh CA lives in ${owner.stack}'s stack (lowest cluster id), which has not been deployed yet and every other stack reads it; add ${owner.stack} to --stacks or leave --stacks out`,
            );
        }
    }
    const absent = members.filter((m) => !selected.includes(m) && !deployed(m));
    if (absent.length > 0) {
        throw new MeshPlanError(
            `${list(absent.map((m) => m.stack))} ${absent.length === 1 ? "has" : "have"} not been deployed, so linking the other members to ${itThem(absent)} would fail ` +
                `(a stack reference to a stack never deployed fails the run, pulumi #16591); add ${itThem(absent)} to --stacks or leave --stacks out`,
        );
    }

    const link = new Map(members.map((m) => [m.stack, m.mesh.link]));
    const setLink = (m: MeshMember, value: boolean): Record<string, boolean> => {
        if (link.get(m.stack) === value) {
            return {};
        }
        link.set(m.stack, value);
        return { [LINK_KEY]: value };
    };

    const steps: MeshStep[] = [];
    const fresh = selected.filter((m) => !deployed(m));
    for (const m of fresh) {
        steps.push({
            phase: m === owner ? 1 : 2,
            stack: m.stack,
            action: "up",
            config: setLink(m, false),
            departing: [],
            reason:
                m === owner
                    ? "phase 1, unlinked: the mesh CA lives in this stack (lowest cluster id) and every other stack reads it, so it comes up first"
                    : "phase 2, unlinked: build the cluster and Cilium; no peer may reference this stack before it has outputs (pulumi #16591)",
        });
    }
    const freshNames = fresh.map((m) => m.stack);
    for (const m of fresh.length > 0 ? members : selected) {
        const newPeers = freshNames.filter((s) => s !== m.stack);
        const why = selected.includes(m)
            ? "phase 3, linked: list every peer with the endpoint from its stack outputs; the app is part of this program and comes up in the same update"
            : `phase 3, linked: not in --stacks, but it must list the new peer${newPeers.length === 1 ? "" : "s"} ${list(newPeers)}`;
        steps.push({ phase: 3, stack: m.stack, action: "up", config: setLink(m, true), departing: [], reason: why });
    }

    const changed = members.filter((m) => link.get(m.stack) !== m.mesh.link);
    const next =
        changed.length > 0
            ? [
                  `Pulumi wrote clustermesh:mesh.link: true into ${list(changed.map((m) => m.file))}; commit ${changed.length === 1 ? "it" : "them"} so a plain \`pulumi up\` keeps the mesh linked.`,
              ]
            : [];
    const running = selected.filter((m) => deployed(m)).map((m) => m.stack);
    const notes = running.length > 0 ? [`${list(running)} ${isAre(running)} deployed already: no unlinked build, so the mesh stays linked; one linked update each`] : [];
    return { steps, notes, next };
}

function planPreview(members: readonly MeshMember[], selected: readonly MeshMember[], owner: MeshMember, deployed: (m: MeshMember) => boolean): MeshPlan {
    const steps = selected.map((m): MeshStep => {
        const absentPeers = members.filter((p) => p !== m && !deployed(p)).map((p) => p.stack);
        const warning =
            m !== owner && !deployed(owner)
                ? `; expect it to fail: it reads the mesh CA from ${owner.stack}, which has not been deployed (pulumi #16591); run npm run mesh -- up`
                : m.mesh.link && absentPeers.length > 0
                  ? `; expect it to fail: link is on and ${list(absentPeers)} ${absentPeers.length === 1 ? "has" : "have"} not been deployed (pulumi #16591); run npm run mesh -- up`
                  : "";
        return { phase: 1, stack: m.stack, action: "preview", config: {}, departing: [], reason: `as its file says (link ${m.mesh.link ? "on" : "off"}), changing nothing${warning}` };
    });
    return { steps, notes: [], next: [] };
}

function planDestroy(members: readonly MeshMember[], selected: readonly MeshMember[], owner: MeshMember, status: (m: MeshMember) => StackStatus): MeshPlan {
    const departing = selected;
    const remaining = members.filter((m) => !departing.includes(m));
    if (departing.includes(owner) && remaining.length > 0) {
        throw new MeshPlanError(
            `${owner.stack} holds the mesh CA that ${list(remaining.map((m) => m.stack))} ${remaining.length === 1 ? "uses" : "use"}; ` +
                `destroy it last, together with every other member (npm run mesh -- destroy), or destroy the others first`,
        );
    }
    // Transit mesh: a hub owner's Transit Gateway goes only after every attachment to it and
    // every hub peering of it (AWS refuses to delete it before).
    const hubOwners = transitHubOwners(members);
    const isHub = (m: MeshMember): boolean => hubOwners.has(m.cluster.name);
    for (const hub of departing.filter(isHub)) {
        const orphans = remaining.filter((m) => isAwsBuilt(m) && m.cluster.region === hub.cluster.region);
        if (orphans.length > 0) {
            throw new MeshPlanError(
                `${hub.stack} owns the Transit Gateway of ${hub.cluster.region} that ${list(orphans.map((m) => m.stack))} ${orphans.length === 1 ? "is" : "are"} attached to; ` +
                    `destroy ${orphans.length === 1 ? "it" : "them"} together with ${hub.stack} (--stacks ${[hub, ...orphans].map((m) => m.stack).join(",")}), or keep ${hub.stack} (README: Choosing a topology)`,
            );
        }
    }
    const notes: string[] = [];
    const existing = departing.filter((m) => status(m) !== "missing");
    for (const m of departing.filter((d) => status(d) === "missing")) {
        notes.push(`${m.stack} has no stack in the backend; nothing to destroy there`);
    }
    const steps: MeshStep[] = [];
    // Every departing name goes to the remaining members, existing or not: none may keep a link to it.
    const names = departing.map((m) => m.stack);
    if (existing.length > 0) {
        for (const m of remaining) {
            if (status(m) !== "deployed") {
                notes.push(`${m.stack} is not updated: it has not been deployed, so it holds no link to ${list(names)}`);
                continue;
            }
            steps.push({
                phase: 1,
                stack: m.stack,
                action: "up",
                config: {},
                departing: names,
                reason: `drop ${list(names)} from this cluster's link (peer entry, prefix-list ranges, peering) while ${names.length === 1 ? "it still exists" : "they still exist"}`,
            });
        }
    }
    // Departing hubs first drop their peerings to the other departing hubs, so that no hub
    // peering outlives either side (with remaining members, phase 1 already does that for them).
    const departingHubs = existing.filter((m) => isHub(m) && status(m) === "deployed");
    if (remaining.length === 0 && departingHubs.length > 1) {
        for (const hub of departingHubs) {
            const others = departing.filter((m) => m !== hub).map((m) => m.stack);
            steps.push({ phase: 1, stack: hub.stack, action: "up", config: {}, departing: others, reason: "drop its Transit Gateway peerings to the other hubs before any hub goes" });
        }
    }
    for (const m of [...existing].reverse()) {
        const reason =
            remaining.length > 0
                ? "leaves the mesh; no remaining member references it any more"
                : m !== owner
                  ? "every member but the CA owner, together; the CA owner goes last"
                  : existing.length > 1
                    ? "the CA owner goes last: every other member read the mesh CA from it"
                    : "the CA owner, the last member";
        // Attachments (members of a region) before their hub's Transit Gateway, the CA owner last.
        steps.push({ phase: m === owner ? 4 : isHub(m) ? 3 : 2, stack: m.stack, action: "destroy", config: {}, departing: [], reason: isHub(m) && m !== owner ? `${reason}; its Transit Gateway goes after the attachments to it` : reason });
    }
    const next =
        remaining.length > 0
            ? departing.map(
                  (m) =>
                      `Delete ${m.file} (\`pulumi stack rm ${m.stack}\` removes the stack and the file): while it exists every stack counts ${m.stack} as a member, and a linked stack's next up fails on its reference (pulumi #16591).`,
              )
            : ["The stack files stay: npm run mesh -- up builds the mesh again from them."];
    // Listed in the order they run: phase by phase (the sort is stable within a phase).
    steps.sort((a, b) => a.phase - b.phase);
    return { steps, notes, next };
}
