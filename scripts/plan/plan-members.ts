/**
 * Plans of mesh members, for the connectivity check: each stack planned as
 * `npm run plan -- --stack X --json` plans it, here in this process (scripts/plan/plan-mesh.ts),
 * then the whole mesh checked by the pure model in connectivity/.
 */
import { inspectMesh, MeshConfigError } from "../../stacks";
import { planStacks } from "./plan-mesh";
import type { PlanDocument } from "./report";

export interface MemberPlanRun {
    readonly stack: string;
    readonly plan?: PlanDocument;
    readonly error?: string;
}

/** Plans `stacks` in `dir`; results in the order given. Throws MeshConfigError when the mesh has problems. */
export async function planMembers(dir: string, stacks: readonly string[]): Promise<MemberPlanRun[]> {
    const inspection = inspectMesh(dir);
    if (inspection.problems.length > 0) {
        throw new MeshConfigError(inspection.problems);
    }
    const outcomes = await planStacks(dir, stacks, inspection);
    return stacks.map((stack) => {
        const o = outcomes.get(stack);
        return o && "doc" in o ? { stack, plan: o.doc } : { stack, error: o?.error ?? "not planned" };
    });
}
