/**
 * A configuration problem and how problems are reported: each names the file, the key, the
 * offending value, what it clashes with and the fix, and all of them are reported at once.
 */
import { byCodePoint } from "../lib/order";
import { oneLine, printable } from "./redact";

export interface Problem {
    /** Stack file the problem is in, e.g. `Pulumi.east.yaml`. */
    readonly file: string;
    /** Full config key, e.g. `clustermesh:cluster.id`. */
    readonly key: string;
    /** The offending value as written; omitted when the key is missing. */
    readonly value?: unknown;
    /** What is wrong, including what it clashes with (file and key). */
    readonly message: string;
    /** What to write instead. */
    readonly fix: string;
}

export function formatValue(value: unknown): string {
    if (value === undefined) {
        return "";
    }
    return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * One problem as one line: `file: key value message; fix`. The value goes through `printable`
 * (a value that may be a secret is never printed) and the whole line through `oneLine` (no raw
 * newline, whatever a file name or value holds).
 */
export function formatProblem(problem: Problem): string {
    const shown = printable(problem.key, problem.value);
    const value = shown === undefined ? "" : ` ${formatValue(shown)}`;
    return oneLine(`${problem.file}: ${problem.key}${value} ${problem.message}; ${problem.fix}`);
}

/** Problems in a stable order (file, then key, then text) so two runs print the same. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
    return [...problems].sort(
        (a, b) => byCodePoint(a.file, b.file) || byCodePoint(a.key, b.key) || byCodePoint(formatProblem(a), formatProblem(b)),
    );
}

/**
 * Thrown before any resource is created when the mesh configuration is wrong. Its message
 * lists every problem, one per line, so `pulumi preview` shows them all at once.
 */
export class MeshConfigError extends Error {
    readonly problems: readonly Problem[];

    constructor(problems: readonly Problem[]) {
        const sorted = sortProblems(problems);
        const count = sorted.length === 1 ? "1 problem" : `${sorted.length} problems`;
        super(`The mesh configuration has ${count}; nothing was built:\n${sorted.map((p) => `  - ${formatProblem(p)}`).join("\n")}`);
        this.name = "MeshConfigError";
        this.problems = sorted;
    }
}
