/**
 * node --import tsx scripts/list-stacks.ts [DIR]
 *
 * Prints the JSON array of the project's stack names, one per `Pulumi.<stack>.yaml` in DIR
 * (default: the project directory), sorted. The pull-request workflow feeds it to its preview
 * matrix, so adding a region is adding a stack file: no workflow edit. A file that says
 * `clustermesh:member: false` is deliberately not a member and has nothing to preview.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { projectDir } from "../stacks";
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

if (require.main === module) {
    const arg = process.argv[2];
    if (arg === "--help" || arg === "-h") {
        process.stdout.write("usage: node --import tsx scripts/list-stacks.ts [DIR]\n  prints the JSON array of the stack names of the Pulumi.<stack>.yaml files in DIR (default: the project)\n");
    } else {
        try {
            process.stdout.write(`${JSON.stringify(listStacks(arg ?? projectDir()))}\n`);
        } catch (err) {
            process.stderr.write(`list-stacks: ${(err as Error).message}\n`);
            process.exitCode = 1;
        }
    }
}
