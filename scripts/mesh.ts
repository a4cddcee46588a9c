/**
 * npm run mesh -- preview|up|destroy [--stacks a,b] [--yes]
 *
 * Drives every stack of the mesh in the right order with Pulumi's Automation API (see
 * scripts/mesh/order.ts). Needs the Pulumi CLI and cloud credentials; says so when missing.
 */
import { parseArgs } from "util";
import { formatProblem, inspectMesh, projectDir } from "../stacks";
import { MeshOrderError, meshSteps, type MeshCommand } from "./mesh/order";
import { runSteps } from "./mesh/runner";
import { AutomationWorkspace, MissingPulumiCliError, pulumiCliVersion, type MeshWorkspace } from "./mesh/workspace";

const usage = "usage: npm run mesh -- preview|up|destroy [--stacks a,b] [--yes]";

export interface MeshCliDeps {
    readonly dir: string;
    readonly checkCli: () => Promise<string>;
    readonly workspace: (dir: string) => MeshWorkspace;
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
}

export async function meshCli(argv: string[], deps: MeshCliDeps): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({ args: argv, allowPositionals: true, options: { stacks: { type: "string" }, yes: { type: "boolean" } } });
    } catch (e) {
        deps.err(`${(e as Error).message}\n${usage}`);
        return 2;
    }
    const [command, ...extra] = parsed.positionals;
    if (!["preview", "up", "destroy"].includes(command ?? "") || extra.length > 0) {
        deps.err(usage);
        return 2;
    }
    const { members, problems } = inspectMesh(deps.dir);
    if (problems.length > 0) {
        deps.err(`The mesh configuration has problems; nothing was run:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`);
        return 1;
    }
    const stacks = parsed.values.stacks?.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    let steps;
    try {
        steps = meshSteps(members, command as MeshCommand, stacks);
    } catch (e) {
        if (e instanceof MeshOrderError) {
            deps.err(e.message);
            return 2;
        }
        throw e;
    }
    if (command === "destroy" && !parsed.values.yes) {
        deps.err(`destroy removes ${steps.filter((s) => s.action === "destroy").map((s) => s.stack).join(", ")} for good; run again with --yes`);
        return 2;
    }
    try {
        deps.out(`Pulumi CLI ${await deps.checkCli()}`);
    } catch (e) {
        if (e instanceof MissingPulumiCliError) {
            deps.err(e.message);
            return 2;
        }
        throw e;
    }
    const result = await runSteps(steps, deps.workspace(deps.dir), deps.out);
    if (result.failed) {
        return 1;
    }
    deps.out(`${command} done: ${result.completed} steps`);
    return 0;
}

if (require.main === module) {
    meshCli(process.argv.slice(2), {
        dir: projectDir(),
        checkCli: () => pulumiCliVersion(),
        workspace: (dir) => new AutomationWorkspace(dir),
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
    }).then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stderr.write(`mesh failed: ${e instanceof Error ? e.message : String(e)}\n`);
            process.exit(1);
        },
    );
}
