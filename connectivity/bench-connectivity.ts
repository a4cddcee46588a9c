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

const REGIONS = ["us-west-2", "us-east-1", "eu-west-1", "ap-southeast-2"];

/** Up to 50 members peered; past that, Transit Gateways in four regions with a mesh supernet, as validation asks. */
function specs(size: number): MemberSpec[] {
    const transit = size > 50;
    return Array.from({ length: size }, (_, i) => ({
        stack: `r${i + 1}`,
        id: i + 1,
        block: i + 10,
        ...(transit
            ? {
                  cluster: { region: REGIONS[i % REGIONS.length] },
                  mesh: { link: true, addressing: { vpc: "10.0.0.0/8", pods: "10.128.0.0/9", services: "10.128.0.0/9" } },
                  extra: { "clustermesh:network": { topology: "transit-gateway" } },
              }
            : { mesh: { link: true } }),
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
    const lines = [`connectivity check of the whole mesh (median of ${runs}, plans in memory)`, "clusters  topology          pairs  check ms  ok / failing"];
    for (const r of rows) {
        const topology = r.size > 50 ? "transit-gateway" : "peering";
        lines.push(`${String(r.size).padStart(8)}  ${topology.padEnd(15)}  ${String(r.size * (r.size - 1)).padStart(6)}  ${r.ms.toFixed(1).padStart(8)}  ${r.ok} / ${r.failed}`);
    }
    return `${lines.join("\n")}\n`;
}

if (require.main === module) {
    process.stdout.write(formatConnectivityTimings(timeConnectivity([2, 64, 255], 3), 3));
}
