/**
 * The waves of a mesh CA rotation, pure (no I/O): from every member's `clustermesh:mesh.ca` as
 * its file says (and as its stack last deployed it, when known) to the end of the rotation. The
 * three steps of lib/mesh-ca.ts, each a wave or more, in the only order in which every
 * intermediate mesh is one validation accepts (every pair trusts the other's issuer):
 *   trust   the CA owner first (it creates the new CA), then every other member: trust old and new;
 *   issue   every member re-issued by the new CA (everyone trusts it by now);
 *   drop    every other member, then the CA owner last (dropping the old CA deletes it): trust
 *           the new CA only.
 * A rerun starts where the files are: members already past a step skip it, and a member whose
 * deployed state lags its file is brought up first. A mesh at rest starts the next rotation.
 */
import { issuingGeneration, trustedGenerations, type MeshCaState } from "../../lib/mesh-ca";

export interface RotationMember {
    readonly stack: string;
    readonly clusterId: number;
    /** As its stack file says. */
    readonly ca: MeshCaState;
    /** As its stack last deployed it (`meshCa` output), when the backend was read. */
    readonly deployed?: MeshCaState;
}

export type RotationStep = "converge" | "trust" | "issue" | "drop";

export interface RotationMove {
    readonly stack: string;
    readonly step: RotationStep;
    readonly from: MeshCaState;
    readonly to: MeshCaState;
}

export interface RotationPlan {
    /** The generation being rotated to. */
    readonly generation: number;
    /** True when the mesh was at rest and this starts a rotation; false when it resumes one. */
    readonly starts: boolean;
    readonly waves: RotationMove[][];
}

/** Where a member stands in the rotation to `generation`: 0 not started, 1 trusts both, 2 issued by the new, 3 done. */
function stage(ca: MeshCaState, generation: number): 0 | 1 | 2 | 3 {
    if (ca.generation < generation) return 0;
    if (ca.trustPrevious && ca.issuer === "previous") return 1;
    if (ca.trustPrevious) return 2;
    return 3;
}

const STATE_AT: Record<1 | 2 | 3, (generation: number) => MeshCaState> = {
    1: (generation) => ({ generation, trustPrevious: true, issuer: "previous" }),
    2: (generation) => ({ generation, trustPrevious: true, issuer: "current" }),
    3: (generation) => ({ generation, trustPrevious: false, issuer: "current" }),
};

export function sameCaState(a: MeshCaState, b: MeshCaState): boolean {
    return a.generation === b.generation && a.trustPrevious === b.trustPrevious && a.issuer === b.issuer;
}

export function describeCaState(s: MeshCaState): string {
    return `trusts ${trustedGenerations(s).map((g) => `CA ${g}`).join(" + ")}, issued by CA ${issuingGeneration(s)}`;
}

/** Chunks of at most `size`, in order. */
function chunks<T>(items: readonly T[], size: number): T[][] {
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    return out;
}

/**
 * The rotation's waves, `parallel` members per wave at most. The CA owner is the member with the
 * lowest cluster id (it creates the mesh CA, index.ts).
 */
export function rotationPlan(members: readonly RotationMember[], parallel: number, target?: number): RotationPlan | { refused: string } {
    const ordered = [...members].sort((a, b) => a.clusterId - b.clusterId);
    const [owner, ...others] = ordered;
    const newest = Math.max(...ordered.map((m) => m.ca.generation));
    const atRest = ordered.every((m) => m.ca.generation === newest && stage(m.ca, newest) === 3 && (m.deployed === undefined || sameCaState(m.deployed, m.ca)));
    // --generation N makes a rerun of a finished rotation a no-op (a CI retry, a second run).
    if (target !== undefined && atRest && target === newest) {
        return { generation: newest, starts: false, waves: [] };
    }
    const generation = atRest ? newest + 1 : newest;
    if (target !== undefined && target !== generation) {
        return {
            refused: atRest
                ? `the mesh is at rest on CA generation ${newest}: the next rotation is to ${newest + 1}, not ${target}`
                : `a rotation to CA generation ${newest} is under way: finish it (rotate-ca --generation ${newest}) before rotating to ${target}`,
        };
    }
    const current = new Map(ordered.map((m) => [m.stack, m.ca]));
    const waves: RotationMove[][] = [];
    const push = (group: readonly RotationMember[], step: RotationStep, to: (m: RotationMember) => MeshCaState): void => {
        for (const chunk of chunks(group, Math.max(1, parallel))) {
            waves.push(chunk.map((m) => ({ stack: m.stack, step, from: current.get(m.stack)!, to: to(m) })));
            for (const m of chunk) current.set(m.stack, to(m));
        }
    };
    // A member whose deployment lags its file is brought up as its file says, the CA owner first.
    const lagging = ordered.filter((m) => m.deployed !== undefined && !sameCaState(m.deployed, m.ca));
    for (const m of lagging) current.set(m.stack, m.deployed!);
    const lagOwner = lagging.filter((m) => m === owner);
    push(lagOwner, "converge", (m) => m.ca);
    push(lagging.filter((m) => m !== owner), "converge", (m) => m.ca);

    const needs = (group: readonly RotationMember[], s: 1 | 2 | 3) => group.filter((m) => stage(current.get(m.stack)!, generation) < s);
    push(needs([owner], 1), "trust", () => STATE_AT[1](generation));
    push(needs(others, 1), "trust", () => STATE_AT[1](generation));
    push(needs(ordered, 2), "issue", () => STATE_AT[2](generation));
    push(needs(others, 3), "drop", () => STATE_AT[3](generation));
    push(needs([owner], 3), "drop", () => STATE_AT[3](generation));
    return { generation, starts: atRest, waves };
}

/** Every member's state after the first `done` waves (for tests and the plan of a stopped run). */
export function statesAfter(members: readonly RotationMember[], plan: RotationPlan, done: number): Map<string, MeshCaState> {
    const states = new Map(members.map((m) => [m.stack, m.deployed ?? m.ca]));
    for (const wave of plan.waves.slice(0, done)) {
        for (const move of wave) states.set(move.stack, move.to);
    }
    return states;
}
