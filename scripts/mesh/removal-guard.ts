/**
 * Before `npm run mesh -- up` runs anything: no member may leave the mesh silently. The stack
 * files say who the members are; each deployed stack says, in its `linkedPeers` output, whom
 * it is linked to now. A peer that a deployed stack is linked to but no file declares any
 * more (its file deleted or renamed, its cluster renamed) would be unlinked by the next `up`:
 * its link entry, VPC peering and routes deleted without anyone asking. That is refused;
 * removing a member is `npm run mesh -- destroy --stacks NAME`, done before its file goes.
 *
 * The comparison is pure; `removalRefusal` only reads the outputs through the workspace.
 */
import { byCodePoint } from "../../lib/order";

/** The stack output listing the peers a stack is linked to (cluster names). */
export const LINKED_PEERS_OUTPUT = "linkedPeers";

/** A member as the files declare it. */
export interface DeclaredMember {
    readonly stack: string;
    readonly cluster: { readonly name: string };
}

/** A peer a deployed stack is linked to that no stack file declares. */
export interface SilentRemoval {
    /** Cluster name of the peer that would be dropped. */
    readonly peer: string;
    /** Stacks (from the files) whose deployed state links to it, sorted. */
    readonly linkedFrom: readonly string[];
}

/**
 * Peers some deployed stack links to that are not members in the files. `linked` maps a stack
 * to its `linkedPeers` output (absent: never deployed, or deployed before the output existed).
 */
export function silentRemovals(members: readonly DeclaredMember[], linked: ReadonlyMap<string, readonly string[] | undefined>): SilentRemoval[] {
    const declared = new Set(members.map((m) => m.cluster.name));
    const from = new Map<string, string[]>();
    for (const m of members) {
        for (const peer of linked.get(m.stack) ?? []) {
            if (!declared.has(peer) && peer !== m.cluster.name) {
                from.set(peer, [...(from.get(peer) ?? []), m.stack]);
            }
        }
    }
    return [...from.entries()].sort(([a], [b]) => byCodePoint(a, b)).map(([peer, stacks]) => ({ peer, linkedFrom: [...new Set(stacks)].sort() }));
}

/** The refusal, one line per dropped peer, with the two ways out. */
export function formatRemovals(removals: readonly SilentRemoval[]): string {
    const lines = removals.map(
        (r) =>
            `  - ${r.peer}: linked from ${r.linkedFrom.join(", ")} (stack output ${LINKED_PEERS_OUTPUT}), but no Pulumi.*.yaml declares it; ` +
            `an up would delete ${r.linkedFrom.length === 1 ? "that stack's" : "those stacks'"} link, VPC peering and routes to it. ` +
            `Restore its stack file (e.g. git checkout -- Pulumi.${r.peer}.yaml), or retire it on purpose: restore the file, run npm run mesh -- destroy --stacks ${r.peer}, then delete the file.`,
    );
    return `Refusing to remove ${removals.length === 1 ? "a mesh member" : `${removals.length} mesh members`} silently; nothing was run:\n${lines.join("\n")}`;
}

/** What the guard reads: each stack's `linkedPeers` output, undefined when the stack or the output is absent. */
export interface LinkedPeersReader {
    linkedPeers?(stack: string): Promise<readonly string[] | undefined>;
}

/**
 * The refusal text for `command`, or undefined when nothing would be removed (or the workspace
 * cannot tell). Every command is guarded: `destroy` updates the remaining members first (which
 * would drop the vanished peer with the departing ones), and `preview` would show the removal as
 * the plan instead of stopping it.
 */
export async function removalRefusal(_command: string, members: readonly DeclaredMember[], workspace: LinkedPeersReader): Promise<string | undefined> {
    if (!workspace.linkedPeers) {
        return undefined;
    }
    const linked = new Map<string, readonly string[] | undefined>();
    for (const m of members) {
        linked.set(m.stack, await workspace.linkedPeers(m.stack));
    }
    const removals = silentRemovals(members, linked);
    return removals.length > 0 ? formatRemovals(removals) : undefined;
}
