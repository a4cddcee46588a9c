/**
 * The order in which `npm run mesh` drives the stacks. Pure: it decides, the runner acts.
 *
 * up:      the CA owner (lowest cluster id) first, unlinked, since every other stack reads the
 *          mesh CA from it; then every other selected stack, unlinked; then every member again
 *          with `clustermesh:mesh.link: true`, so each lists the others as peers. A stack
 *          reference to a stack never deployed fails the run (pulumi #16591): linking last
 *          avoids it. Apps are part of each stack's program and come up with it.
 * preview: every selected stack, by cluster id, as configured.
 * destroy: every remaining member is first updated without the departing ones (their peer
 *          entries, prefix-list ranges and peerings go), then the departing stacks are destroyed,
 *          highest id first. The CA owner goes last, and only with everything else.
 */
import type { MeshMember } from "../../stacks/load";

export type MeshCommand = "preview" | "up" | "destroy";

export interface MeshStep {
    readonly stack: string;
    readonly action: "preview" | "up" | "destroy";
    /** Value to set for `clustermesh:mesh.link` before the action; unset keeps the file's. */
    readonly link?: boolean;
    /** Peers the stack drops from its link (CLUSTERMESH_DEPARTING). */
    readonly departing?: readonly string[];
    readonly reason: string;
}

export class MeshOrderError extends Error {}

function select(members: readonly MeshMember[], stacks?: readonly string[]): MeshMember[] {
    if (!stacks || stacks.length === 0) {
        return [...members];
    }
    const unknown = stacks.filter((s) => !members.some((m) => m.stack === s));
    if (unknown.length > 0) {
        throw new MeshOrderError(`--stacks names ${unknown.join(", ")}, which ${unknown.length === 1 ? "is" : "are"} not in the mesh; members: ${members.map((m) => m.stack).join(", ")}`);
    }
    return members.filter((m) => stacks.includes(m.stack));
}

export function meshSteps(members: readonly MeshMember[], command: MeshCommand, stacks?: readonly string[]): MeshStep[] {
    const byId = [...members].sort((a, b) => a.cluster.id - b.cluster.id);
    if (byId.length === 0) {
        throw new MeshOrderError("no stack file declares clustermesh:cluster; there is no mesh to drive");
    }
    const selected = select(byId, stacks);
    const owner = byId[0];
    switch (command) {
        case "preview":
            return selected.map((m) => ({ stack: m.stack, action: "preview", reason: "preview as configured" }));
        case "up": {
            const steps: MeshStep[] = [];
            if (selected.includes(owner)) {
                steps.push({ stack: owner.stack, action: "up", link: false, reason: "the mesh CA lives here; every other stack reads it" });
            }
            for (const m of selected.filter((x) => x !== owner)) {
                steps.push({ stack: m.stack, action: "up", link: false, reason: "build the cluster and Cilium before any peer references it" });
            }
            for (const m of byId) {
                steps.push({ stack: m.stack, action: "up", link: true, reason: "link to every peer now that all are up" });
            }
            return steps;
        }
        case "destroy": {
            const departing = selected;
            const remaining = byId.filter((m) => !departing.includes(m));
            if (departing.includes(owner) && remaining.length > 0) {
                throw new MeshOrderError(
                    `${owner.stack} holds the mesh CA that ${remaining.map((m) => m.stack).join(", ")} ${remaining.length === 1 ? "uses" : "use"}; destroy it last, with every other stack (npm run mesh -- destroy)`,
                );
            }
            const names = departing.map((m) => m.cluster.name);
            const steps: MeshStep[] = remaining.map((m) => ({
                stack: m.stack,
                action: "up",
                departing: names,
                reason: `remove ${names.join(", ")} from this cluster's link before ${names.length === 1 ? "it goes" : "they go"}`,
            }));
            for (const m of [...departing].reverse()) {
                steps.push({ stack: m.stack, action: "destroy", reason: m === owner ? "the CA owner goes last" : "departing the mesh" });
            }
            return steps;
        }
    }
}
