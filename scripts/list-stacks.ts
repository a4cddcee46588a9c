/**
 * clustermesh list-stacks [--dir DIR] [--json]   (npm run list-stacks -- ...)
 *
 * Prints the project's stack names, one a line, or with --json the JSON array of the project's stack names, one per `Pulumi.<stack>.yaml` in DIR
 * (default: the project directory), sorted. The pull-request workflow feeds it to its preview
 * matrix, so adding a region is adding a stack file: no workflow edit. A file that says
 * `clustermesh:member: false` is deliberately not a member and has nothing to preview.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { parse as parseYaml } from "yaml";
import type { Io } from "./clustermesh/commands";
import { EXIT, errorDocument, formatErrorDocument, resolveProjectDir } from "./common/flags";
import { projectFileIn, stackFileNames, stackNameOf } from "../stacks/load";
import { formatProblem } from "../stacks/problems";
import { stackFileProblems } from "../stacks/stack-files";

export { STACK_FILE } from "../stacks/load";

/** True for a stack file saying `clustermesh:member: false`; a file that does not parse is listed (its preview says why). */
function notAMember(file: string): boolean {
    try {
        const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
        return doc?.config?.["clustermesh:member"] === false;
    } catch {
        return false;
    }
}

/**
 * The stack names of every stack file in `dir`, sorted by code point; throws when a file name is
 * refused (a name Pulumi rejects, a `.yml`/`.yaml` twin, a file Pulumi never reads), naming the fix.
 */
export function listStacks(dir: string): string[] {
    const { problems, load } = stackFileProblems(stackFileNames(dir), projectFileIn(dir));
    if (problems.length > 0) {
        throw new Error(problems.map(formatProblem).join("; "));
    }
    return load.filter((file) => !notAMember(path.join(dir, file))).map(stackNameOf);
}

export const usage = `usage: clustermesh list-stacks [--dir DIR] [--json]
  (npm run list-stacks -- ... is the same; pipe it with npm run -s list-stacks)
  the stack names of the Pulumi.<stack>.yaml files of the project, sorted, one a line; a file
  saying clustermesh:member: false is not a member and is left out
  --dir DIR   the project (default: $CLUSTERMESH_PROJECT_DIR, else the current directory)
  --json      one JSON array on one line (what the pull-request workflow's preview matrix reads)

examples:
  clustermesh list-stacks
  clustermesh list-stacks --json --dir examples/kind-lab

exit codes: 0 listed; 1 a file name Pulumi cannot use as a stack name; 2 usage`;

export function listStacksCli(argv: readonly string[], io: Io): Promise<number> {
    let args;
    try {
        args = parseArgs({ args: [...argv], options: { dir: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true }).values;
    } catch (err) {
        io.err(`list-stacks: ${(err as Error).message}\n${usage}\n`);
        return Promise.resolve(EXIT.usage);
    }
    if (args.help) {
        io.out(`${usage}\n`);
        return Promise.resolve(EXIT.ok);
    }
    try {
        const names = listStacks(resolveProjectDir(args.dir, io.env, io.cwd));
        io.out(args.json ? `${JSON.stringify(names)}\n` : names.map((n) => `${n}\n`).join(""));
        return Promise.resolve(EXIT.ok);
    } catch (err) {
        io.err(`list-stacks: ${(err as Error).message}\n`);
        if (args.json) {
            io.out(formatErrorDocument(errorDocument("list-stacks", EXIT.failed, "config", (err as Error).message)));
        }
        return Promise.resolve(EXIT.failed);
    }
}

// `node --import tsx scripts/list-stacks.ts [DIR]`, as before: the JSON array.
if (require.main === module) {
    const arg = process.argv[2];
    const io: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env, cwd: process.cwd() };
    void listStacksCli(arg === "--help" || arg === "-h" ? ["--help"] : ["--json", ...(arg !== undefined ? ["--dir", arg] : [])], io).then((code) => {
        process.exitCode = code;
    });
}
