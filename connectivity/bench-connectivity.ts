/**
 * The connectivity check's own time for `npm run bench`: generated meshes of k3s members on
 * EC2, linked, planned in memory (test-plans.ts), then checked whole, as `npm run plan -- --all`
 * does after planning. Only the check is timed, not building the plans.
 */
import { member, type MemberSpec } from "../stacks/sample-stacks";
import { checkConnectivity } from "./model";
import { syntheticPlans } from "./test-plans";

export interface ConnectivityTiming {
    readonly size: number;
    /** Median milliseconds of the whole-mesh check. */
    readonly ms: number;
    readonly ok: number;
    readonly failed: number;
}

function specs(size: number): MemberSpec[] {
    return Array.from({ length: size }, (_, i) => ({
        stack: `r${i + 1}`,
        id: i + 1,
        block: i + 10,
        // The most AWS grants: past 126 members a full mesh of peerings fails the peering quota (a real reason).
        mesh: { link: true, quotas: { vpcPeerings: 125, routesPerTable: 1000 } },
    }));
}

export function timeConnectivity(sizes: readonly number[], runs: number): ConnectivityTiming[] {
    return sizes.map((size) => {
        const plans = syntheticPlans(specs(size).map(member));
        const samples: number[] = [];
        let report = checkConnectivity(plans);
        for (let i = 0; i < runs; i++) {
            const start = process.hrtime.bigint();
            report = checkConnectivity(plans);
            samples.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
        samples.sort((a, b) => a - b);
        return { size, ms: samples[Math.floor(samples.length / 2)], ok: report.summary.ok, failed: report.summary.failed };
    });
}

export function formatConnectivityTimings(rows: readonly ConnectivityTiming[], runs: number): string {
    const lines = [`connectivity check of the whole mesh (median of ${runs}, plans in memory)`, "clusters   pairs  check ms  ok / failing"];
    for (const r of rows) {
        lines.push(`${String(r.size).padStart(8)}  ${String(r.size * (r.size - 1)).padStart(6)}  ${r.ms.toFixed(1).padStart(8)}  ${r.ok} / ${r.failed}`);
    }
    return `${lines.join("\n")}\n`;
}

if (require.main === module) {
    process.stdout.write(formatConnectivityTimings(timeConnectivity([2, 64, 255], 3), 3));
}
