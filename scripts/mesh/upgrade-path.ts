/**
 * The path of `clustermesh mesh upgrade --cilium VERSION`, pure (no I/O): from each member's
 * current Cilium version and the target, the moves the upgrade makes or why it refuses, and the
 * waves those moves run in. scripts/mesh/upgrade.ts reads the versions and runs the waves.
 *
 * The rules, each with its source:
 * - The target is a release this program supports (`ciliumVersionProblem`: a minor with a
 *   reference chart, not a refused release such as 1.18.0, cilium #40848).
 * - Upgrades go one minor at a time: "The only tested rollback and upgrade path is between
 *   consecutive minor releases. Always perform rollbacks and upgrades between one minor release
 *   at a time" (Cilium upgrade guide, docs.cilium.io/en/stable/operations/upgrade/). A target
 *   more than one minor above a member is refused; so is one more than one minor below (the same
 *   sentence covers rollbacks).
 * - "Always update to the latest patch release of your current version before attempting an
 *   upgrade" (same guide). The latest patch this program knows is the minor's `referenceChart`
 *   (lib/cilium-version.ts). Decision: a member behind it that moves to the next minor is first
 *   moved to that patch, as its own wave, before any member changes minor; it is not refused.
 *   Both moves are ones the guide asks for, the intermediate mesh is one validation accepts
 *   (same minor), and refusing would only make the user run the same command twice. A rollback
 *   makes no patch move (the guide asks it for upgrades only).
 * - Members may be one minor apart while the mesh is upgraded (MAX_CILIUM_MINOR_SKEW; Cilium's CI
 *   tests ClusterMesh with one cluster upgraded and the other not, cilium #28355), so a mesh that
 *   moves member by member passes only through states stacks/validate.ts accepts: every member
 *   is on the target's minor or the one next to it, before and after every wave.
 * - A target every member is on already is no upgrade: "nothing to upgrade".
 *
 * Order of the members (decision): by cluster id, the CA owner (lowest id, scripts/mesh/plan-order.ts)
 * last. Any order keeps every intermediate mesh valid (the skew is at most one minor throughout),
 * so the order is chosen for what a failure costs: the first wave is a canary on a member whose
 * failure touches only its own cluster, while the CA owner's stack, whose outputs every other
 * member reads (the mesh CA), changes only once the new release has run on the others. Waves hold
 * one member by default, `parallel` at most, and never every member of a mesh of two or more: at
 * least one cluster keeps running the release the others were verified against.
 */
import { ciliumAtLeast, ciliumVersionProblem, SUPPORTED_CILIUM_MINORS, supportedMinorIndex } from "../../lib/cilium-version";
import { byCodePoint } from "../../lib/order";

/** One member as the upgrade sees it. */
export interface UpgradeMember {
    readonly stack: string;
    /** Its stack file, for messages (`Pulumi.west.yaml`). */
    readonly file: string;
    readonly clusterId: number;
    /** `clustermesh:cilium.version` in its stack file (the schema's default, DEFAULT_CILIUM_VERSION, when unset). */
    readonly version: string;
    /**
     * The version its stack last deployed (the `ciliumVersion` output), when known. It differs from
     * `version` after a wave whose `up` failed: the file says the target, the cluster does not.
     */
    readonly deployed?: string;
}

/** One member moving from one release to another in one wave. */
export interface UpgradeMove {
    readonly stack: string;
    readonly from: string;
    readonly to: string;
    /** `patch`: same minor (including the move to the latest patch first); `minor`: one minor up; `rollback`: one minor down. */
    readonly kind: "patch" | "minor" | "rollback";
    /** Why this move, for the plan. */
    readonly reason: string;
}

export type UpgradePath =
    | { readonly kind: "refused"; readonly problems: readonly string[] }
    | { readonly kind: "nothing"; readonly message: string }
    | {
          readonly kind: "moves";
          /** Members moved to the latest patch of their minor first (their own waves, before any minor changes). */
          readonly patchFirst: readonly UpgradeMove[];
          /** Every member not on the target yet, to the target. */
          readonly moves: readonly UpgradeMove[];
      };

const VERSION = /^\d+\.\d+\.\d+$/;

/** The version a member runs: what it deployed when that is known, else what its file says. */
export function currentVersion(m: UpgradeMember): string {
    return m.deployed ?? m.version;
}

/** True when the member needs nothing: its file and its cluster are both on `target`. */
export function atTarget(m: UpgradeMember, target: string): boolean {
    return m.version === target && currentVersion(m) === target;
}

/** True when `version` is an older release than `than`. */
function olderThan(version: string, than: string): boolean {
    const [major, minor, patch] = than.split(".").map(Number);
    return !ciliumAtLeast(version, major, minor, patch);
}

/** The moves from every member's current version to `target`, or why there are none or may be none. */
export function upgradePath(members: readonly UpgradeMember[], target: string): UpgradePath {
    if (!VERSION.test(target)) {
        return { kind: "refused", problems: [`--cilium ${target} is not a Cilium release such as ${SUPPORTED_CILIUM_MINORS[SUPPORTED_CILIUM_MINORS.length - 1].referenceChart}`] };
    }
    const targetProblem = ciliumVersionProblem(target);
    if (targetProblem) {
        return { kind: "refused", problems: [`--cilium ${target} ${targetProblem.reason}; ${targetProblem.fix}`] };
    }
    if (members.length === 0) {
        return { kind: "refused", problems: ["no Pulumi.<stack>.yaml declares clustermesh:cluster, so there is no mesh to upgrade"] };
    }
    const targetIndex = supportedMinorIndex(target);
    const targetRow = SUPPORTED_CILIUM_MINORS[targetIndex];
    const problems: string[] = [];
    const patchFirst: UpgradeMove[] = [];
    const moves: UpgradeMove[] = [];
    for (const m of members) {
        const current = currentVersion(m);
        const where = m.deployed !== undefined && m.deployed !== m.version ? `${m.stack} runs ${current} (its file says ${m.version})` : `${m.stack} (${m.file}) is on ${current}`;
        const index = supportedMinorIndex(current);
        if (index < 0) {
            problems.push(`${where}, a minor this program does not support, so no path from it is known; set a supported release in ${m.file} first`);
            continue;
        }
        const row = SUPPORTED_CILIUM_MINORS[index];
        if (targetIndex - index > 1) {
            // Cilium upgrade guide: "upgrades between one minor release at a time".
            const next = SUPPORTED_CILIUM_MINORS[index + 1];
            problems.push(
                `${where}, ${targetIndex - index} minors below ${target}: Cilium upgrades one minor at a time (Cilium upgrade guide); ` +
                    `upgrade the mesh to ${next.minor} first (clustermesh mesh upgrade --cilium ${next.referenceChart}), then to ${target}`,
            );
            continue;
        }
        if (index - targetIndex > 1) {
            // The same sentence of the guide covers rollbacks.
            const previous = SUPPORTED_CILIUM_MINORS[index - 1];
            problems.push(
                `${where}, ${index - targetIndex} minors above ${target}: Cilium rolls back one minor at a time (Cilium upgrade guide); ` +
                    `roll the mesh back to ${previous.minor} first (clustermesh mesh upgrade --cilium ${previous.referenceChart}), then to ${target}`,
            );
            continue;
        }
        if (atTarget(m, target)) {
            continue;
        }
        let from = current;
        if (index + 1 === targetIndex && olderThan(current, row.referenceChart)) {
            // Cilium upgrade guide: "Always update to the latest patch release of your current version before attempting an upgrade."
            patchFirst.push({
                stack: m.stack,
                from,
                to: row.referenceChart,
                kind: "patch",
                reason: `to the latest patch of ${row.minor} first (${row.referenceChart}, the newest this program knows): Cilium's upgrade guide asks for it before the move to ${targetRow.minor}`,
            });
            from = row.referenceChart;
        }
        const kind: UpgradeMove["kind"] = index === targetIndex ? "patch" : index < targetIndex ? "minor" : "rollback";
        const why =
            kind === "minor"
                ? `one minor up, ${row.minor} -> ${targetRow.minor}: the mesh is one minor apart until every member has moved (cilium #28355)`
                : kind === "rollback"
                  ? `one minor down, ${row.minor} -> ${targetRow.minor} (a rollback, one minor at a time)`
                  : `within ${targetRow.minor}`;
        const resumed = m.version === target ? `; its file says ${target} already, but its stack runs ${current}: the earlier up did not finish` : "";
        moves.push({ stack: m.stack, from, to: target, kind, reason: why + resumed });
    }
    if (problems.length > 0) {
        return { kind: "refused", problems };
    }
    if (moves.length === 0) {
        return { kind: "nothing", message: `nothing to upgrade: every member (${members.map((m) => m.stack).join(", ")}) is on ${target}` };
    }
    return { kind: "moves", patchFirst, moves };
}

/** The most members one wave may hold: `parallel`, and never every member of a mesh of two or more. */
export function waveSize(memberCount: number, parallel: number): number {
    const cap = memberCount >= 2 ? memberCount - 1 : 1;
    return Math.max(1, Math.min(Math.floor(parallel), cap));
}

/**
 * The members in the order they move: by cluster id (then stack name), the CA owner (the lowest
 * id of the whole mesh) last.
 */
export function upgradeOrder(members: readonly UpgradeMember[]): UpgradeMember[] {
    const sorted = [...members].sort((a, b) => a.clusterId - b.clusterId || byCodePoint(a.stack, b.stack));
    return sorted.length > 1 ? [...sorted.slice(1), sorted[0]] : sorted;
}

/**
 * The waves of a path: the patch-first moves, then the moves to the target, each group in
 * `upgradeOrder`, at most `waveSize` moves a wave. A wave starts once the one before has been
 * deployed and verified.
 */
export function upgradeWaves(members: readonly UpgradeMember[], path: Extract<UpgradePath, { kind: "moves" }>, parallel: number): UpgradeMove[][] {
    const size = waveSize(members.length, parallel);
    const order = upgradeOrder(members).map((m) => m.stack);
    const waves: UpgradeMove[][] = [];
    for (const group of [path.patchFirst, path.moves]) {
        const ordered = [...group].sort((a, b) => order.indexOf(a.stack) - order.indexOf(b.stack));
        for (let i = 0; i < ordered.length; i += size) {
            waves.push(ordered.slice(i, i + size));
        }
    }
    return waves;
}

/** The versions after `waves[0..done)` have run (for checks of the intermediate meshes). */
export function versionsAfter(members: readonly UpgradeMember[], waves: readonly UpgradeMove[][], done: number): Map<string, string> {
    const versions = new Map(members.map((m) => [m.stack, currentVersion(m)]));
    for (const wave of waves.slice(0, done)) {
        for (const move of wave) {
            versions.set(move.stack, move.to);
        }
    }
    return versions;
}
