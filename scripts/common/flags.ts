/**
 * What every `clustermesh` subcommand shares: where the project is, the exit codes, the help
 * text of the common flags, and the JSON error document `--json` prints on stdout when the
 * command cannot give its answer.
 */
import * as path from "path";
import type { Problem } from "../../stacks/problems";

/** Environment variable naming the project directory, as `--dir` does (the flag wins). */
export const PROJECT_DIR_ENV = "CLUSTERMESH_PROJECT_DIR";

/**
 * The project directory every subcommand works in: `--dir`, else `CLUSTERMESH_PROJECT_DIR`,
 * else the current directory; absolute.
 */
export function resolveProjectDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
    const chosen = flag ?? env[PROJECT_DIR_ENV];
    return path.resolve(cwd, chosen !== undefined && chosen.length > 0 ? chosen : ".");
}

/** The exit codes of every subcommand. */
export const EXIT = {
    /** It did what was asked: the plan is clean, every step or check passed, the file was written. */
    ok: 0,
    /** It ran and the answer is no: mesh config problems, a failed step or check, a refused write. */
    failed: 1,
    /** It could not start: bad flags, a missing tool (Pulumi CLI, kubectl), a refused order, a missing --yes. */
    usage: 2,
} as const;

/** The help lines of the flags every subcommand takes (where they apply). */
export const COMMON_FLAGS_HELP = `common flags (every subcommand):
  --dir DIR     the project: the directory with Pulumi.yaml and the Pulumi.<stack>.yaml files
                (default: $${PROJECT_DIR_ENV}, else the current directory)
  --stack NAME  the stack the command is about (mesh: --stack/--stacks a,b)
  --json        machine-readable output: one JSON document on stdout, everything else on stderr
  -h, --help    this help`;

/** The exit codes, as every help text shows them. */
export const EXIT_CODES_HELP = `exit codes: 0 done (clean plan, every step/check passed); 1 it ran and found problems (mesh
  config, a failed step or check); 2 it could not start (usage, a missing tool, a refused order)`;

/** What `--json` prints on stdout instead of the answer, when there is none to give. */
export interface ErrorDocument {
    readonly format: "clustermesh-error/v1";
    readonly command: string;
    /** The exit code the command ends with. */
    readonly exitCode: number;
    /** `config` (the stack files have problems), `usage`, `tool` (a missing tool), `failed` (anything else). */
    readonly error: "config" | "usage" | "tool" | "failed";
    readonly message: string;
    /** With `config`: every problem, as the text output lists them. */
    readonly problems: readonly Problem[];
}

export function errorDocument(command: string, exitCode: number, error: ErrorDocument["error"], message: string, problems: readonly Problem[] = []): ErrorDocument {
    return {
        format: "clustermesh-error/v1",
        command,
        exitCode,
        error,
        message,
        problems: problems.map((p) => ({ ...p })),
    };
}

/** The document as printed: two-space JSON and a newline. */
export function formatErrorDocument(doc: ErrorDocument): string {
    return `${JSON.stringify(doc, null, 2)}\n`;
}
