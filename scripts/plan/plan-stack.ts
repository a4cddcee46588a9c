/**
 * One stack's plan: the real program run under the mock engine, turned into the PlanDocument
 * that `npm run plan -- --stack <name> --json` prints.
 */
import { networkSummary } from "../../stacks/validate";
import { REDACTED, ciliumValuesOf, memberRow, planResources, preflightOf, standInPaths, standInValuesOf, type PlanDocument } from "./report";
import { runProgram, type MeshInspection } from "./run-program";

/** Plans `stack` of the mesh in `dir`; `inspection` (inspectMesh(dir)) saves re-reading the stack files. */
export async function planStack(dir: string, stack: string, inspection?: MeshInspection): Promise<PlanDocument> {
    const run = await runProgram(dir, stack, inspection);
    const { members, self, notes } = run;
    const outputs: Record<string, unknown> = {};
    for (const [key, output] of Object.entries(run.outputs)) {
        outputs[key] = output.secret ? REDACTED : output.value;
    }
    const linked = (run.outputs.linkedPeers?.value as string[] | undefined) ?? [];
    const pending = (run.outputs.pendingPeers?.value as Array<{ name: string; reason: string }> | undefined) ?? [];
    const values = ciliumValuesOf(run.resources);
    const preflight = preflightOf(run.resources, self.cilium.preflight);
    const standIns = standInValuesOf(run.resources);
    return {
        stack,
        project: run.project,
        cluster: {
            name: self.cluster.name,
            id: self.cluster.id,
            kind: self.cluster.kind,
            region: self.cluster.region ?? "-",
            podCIDR: self.cluster.podCIDR,
            serviceCIDR: self.cluster.serviceCIDR,
            vpcCIDR: self.cluster.vpcCIDR ?? "-",
        },
        cilium: { version: self.cilium.version, values, ...(preflight ? { preflight } : {}) },
        mesh: { members: members.map(memberRow), caOwner: members[0].stack, network: networkSummary(members), linkedPeers: linked, pendingPeers: pending, notes },
        log: run.logs,
        resources: planResources(run.resources),
        outputs,
        standIns: [
            ...standInPaths(values, standIns, "cilium.values"),
            ...(preflight ? standInPaths(preflight.values, standIns, "cilium.preflight.values") : []),
            ...standInPaths(outputs, standIns, "outputs"),
        ],
    };
}
