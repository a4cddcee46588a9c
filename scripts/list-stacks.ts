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
import { stackFileNames, stackNameOf } from "../stacks/load";

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

/** What the Pulumi CLI accepts as a stack name (the org and project come from elsewhere). */
const STACK_NAME = /^[A-Za-z0-9_-]+$/;

/** The stack names of every stack file in `dir`, sorted; throws on a name Pulumi would reject. */
export function listStacks(dir: string): string[] {
    const names = stackFileNames(dir)
        .filter((file) => !notAMember(path.join(dir, file)))
        .map((file) => {
            const name = stackNameOf(file);
            if (!STACK_NAME.test(name)) {
                throw new Error(`${file}: stack name ${JSON.stringify(name)} is not a valid Pulumi stack name; rename the file to Pulumi.<name>.yaml using only letters, digits, - and _`);
            }
            return name;
        });
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) {
        throw new Error(`stack ${duplicate} has two files (Pulumi.${duplicate}.yaml and Pulumi.${duplicate}.yml); keep one`);
    }
    return names;
}

if (require.main === module) {
    try {
        process.stdout.write(`${JSON.stringify(listStacks(process.argv[2] ?? projectDir()))}\n`);
    } catch (err) {
        process.stderr.write(`list-stacks: ${(err as Error).message}\n`);
        process.exit(1);
    }
}
