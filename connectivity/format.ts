/**
 * The connectivity report as text: an N x N matrix for small meshes (row dials column: `ok`,
 * `not linked`, or the failing hop), the failing pairs for big ones, and one message per
 * failing pair naming both stacks, the hop, the resource and the fix.
 */
import type { PairResult } from "./hops";
import type { ConnectivityReport } from "./model";

/** Meshes up to this size print the whole matrix; bigger ones print the failing pairs only. */
export const MATRIX_LIMIT = 16;

export function cell(p: PairResult): string {
    return p.status === "ok" ? "ok" : p.status === "not linked" ? "not linked" : `${p.hop}`;
}

export function formatMatrix(report: ConnectivityReport): string {
    const n = report.members.length;
    const byPair = new Map(report.pairs.map((p) => [`${p.from}\u0000${p.to}`, p]));
    const header = ["from \\ to", ...report.members];
    const rows = report.members.map((a) => [a, ...report.members.map((b) => (a === b ? "-" : cell(byPair.get(`${a}\u0000${b}`)!)))]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    return [`Connectivity (${n} members; row dials column):`, line(header), ...rows.map(line)].join("\n");
}

export function formatPairMessage(p: PairResult): string {
    return `${p.from} -> ${p.to}: ${p.hop}: ${p.message} [${p.resource}]; fix: ${p.fix}`;
}

/** The report as the plan prints it. `only` limits it to the pairs of one stack. */
export function formatConnectivity(report: ConnectivityReport, only?: string): string {
    const pairs = only ? report.pairs.filter((p) => p.from === only || p.to === only) : report.pairs;
    const failed = pairs.filter((p) => p.status === "fail");
    const notLinked = pairs.filter((p) => p.status === "not linked").length;
    const ok = pairs.length - failed.length - notLinked;
    const lines: string[] = [];
    if (!only && report.members.length <= MATRIX_LIMIT) {
        lines.push(formatMatrix(report));
    } else {
        lines.push(`Connectivity${only ? ` of ${only}` : ""} (${report.members.length} members, ${pairs.length} pairs):`);
    }
    lines.push(`${ok} ok, ${notLinked} not linked yet, ${failed.length} failing`);
    for (const p of failed) {
        lines.push(`  - ${formatPairMessage(p)}`);
    }
    return `${lines.join("\n")}\n`;
}
