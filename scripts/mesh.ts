/**
 * npm run mesh -- preview|up|destroy [--stacks a,b] [--yes]
 *
 * Drives every stack of the mesh in the right order with Pulumi's Automation API: the order is
 * decided by scripts/mesh/plan-order.ts from the stack files and each stack's outputs, and run
 * here step by step, stopping at the first failure. The real run needs the Pulumi CLI (and cloud
 * credentials); without it the command says so and `npm run plan -- --all` still works.
 *
 * Exit codes: 0 done; 1 a step failed, the mesh configuration has problems, or the CLI or the
 * stacks' state could not be read; 2 usage, a refused order, a missing CLI, or destroy without --yes.
 */
import { parseArgs } from "util";
import { formatProblem, inspectMesh, projectDir } from "../stacks";
import { removalRefusal } from "./mesh/removal-guard";
import { DEPARTING_ENV, MESH_COMMANDS, MeshPlanError, planOrder, selectStacks, stackStatus, type MeshCommand, type MeshStep, type StackStatus } from "./mesh/plan-order";
import { AutomationWorkspace, MissingPulumiCliError, pulumiCliVersion, type MeshWorkspace } from "./mesh/workspace";

const usage = `usage: npm run mesh -- preview|up|destroy [--stacks a,b] [--yes]
  preview   preview every stack (or those in --stacks) as its file says
  up        build and link the mesh: the CA owner, then new clusters unlinked, then every stack linked
  destroy   remove the stacks in --stacks (the others are updated without them first), or all of them,
            the CA owner last; needs --yes`;

export interface MeshCliDeps {
    /** Project directory holding Pulumi.yaml and the stack files. */
    readonly dir: string;
    /** Resolves with the Pulumi CLI version; rejects with MissingPulumiCliError when there is none. */
    readonly checkCli: () => Promise<string>;
    readonly workspace: (dir: string) => MeshWorkspace;
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
}

export interface RunResult {
    /** Steps that finished. */
    readonly completed: number;
    readonly failed?: { readonly step: MeshStep; readonly index: number; readonly error: string };
}

/** One line per step: `[2/4] up east [mesh.link=false]: phase 2, ...`. */
export function describeStep(step: MeshStep, index: number, total: number): string {
    const settings = [
        ...Object.keys(step.config)
            .sort()
            .map((key) => `${key.replace(/^clustermesh:/, "")}=${String(step.config[key])}`),
        ...(step.departing.length > 0 ? [`without ${step.departing.join(",")}`] : []),
    ];
    return `[${index + 1}/${total}] ${step.action} ${step.stack}${settings.length > 0 ? ` [${settings.join("; ")}]` : ""}: ${step.reason}`;
}

/** The end of a (long) CLI error: the cause is usually in the last lines; the rest was streamed above. */
function errorTail(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    const lines = text.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim().length > 0);
    return lines.length <= 12 ? lines.join("\n") : ["…", ...lines.slice(-12)].join("\n");
}

/**
 * Runs the steps in order and stops at the first failure: every later step builds on the
 * earlier ones (a peer linked to a stack whose update failed would fail too).
 */
export async function runSteps(command: MeshCommand, steps: readonly MeshStep[], workspace: MeshWorkspace, log: (line: string) => void): Promise<RunResult> {
    for (const [index, step] of steps.entries()) {
        log(describeStep(step, index, steps.length));
        try {
            await workspace.selectStack(step.stack);
            for (const key of Object.keys(step.config).sort()) {
                await workspace.setConfig(step.stack, key, step.config[key]);
            }
            // Always set, even empty, so a value left in the user's shell never reaches the program.
            const env = { [DEPARTING_ENV]: step.departing.join(",") };
            if (step.action === "destroy") {
                await workspace.destroy(step.stack);
            } else {
                await workspace[step.action](step.stack, env);
            }
        } catch (err) {
            const error = errorTail(err);
            log(`step ${index + 1}/${steps.length} failed: ${step.action} ${step.stack}:\n${error}`);
            log(
                `${index} step${index === 1 ? "" : "s"} finished before it. Fix the cause (the output above has the details) and run ` +
                    `npm run mesh -- ${command} again: it reads each stack's state afresh, so finished stacks are not rebuilt unlinked and finished updates are no-ops.`,
            );
            return { completed: index, failed: { step, index, error } };
        }
    }
    return { completed: steps.length };
}

async function readStatus(workspace: MeshWorkspace, stacks: readonly string[]): Promise<Map<string, StackStatus>> {
    const status = new Map<string, StackStatus>();
    for (const stack of stacks) {
        status.set(stack, stackStatus(await workspace.outputs(stack)));
    }
    return status;
}

export async function meshCli(argv: readonly string[], deps: MeshCliDeps): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            allowPositionals: true,
            options: { stacks: { type: "string" }, yes: { type: "boolean" }, help: { type: "boolean", short: "h" } },
        });
    } catch (e) {
        deps.err(`${(e as Error).message}\n${usage}`);
        return 2;
    }
    if (parsed.values.help) {
        deps.out(usage);
        return 0;
    }
    const [command, ...extra] = parsed.positionals;
    if (!MESH_COMMANDS.includes(command as MeshCommand) || extra.length > 0) {
        deps.err(command === undefined ? usage : `unknown command ${[command, ...extra].join(" ")}\n${usage}`);
        return 2;
    }
    const meshCommand = command as MeshCommand;
    const stacks = parsed.values.stacks
        ?.split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    if (parsed.values.stacks !== undefined && stacks?.length === 0) {
        deps.err(`--stacks names no stack\n${usage}`);
        return 2;
    }

    const { members, problems } = inspectMesh(deps.dir);
    if (problems.length > 0) {
        deps.err(`The mesh configuration has problems; nothing was run:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`);
        return 1;
    }
    try {
        selectStacks(members, stacks);
    } catch (e) {
        if (e instanceof MeshPlanError) {
            deps.err(e.message);
            return 2;
        }
        throw e;
    }

    try {
        deps.out(`Pulumi CLI ${await deps.checkCli()}`);
    } catch (e) {
        if (e instanceof MissingPulumiCliError) {
            deps.err(e.message);
            return 2;
        }
        deps.err(`The Pulumi CLI is there but did not answer; nothing was run.\n${errorTail(e)}`);
        return 1;
    }

    const workspace = deps.workspace(deps.dir);
    let status: Map<string, StackStatus>;
    try {
        status = await readStatus(
            workspace,
            members.map((m) => m.stack),
        );
    } catch (e) {
        deps.err(`Could not read the stacks' state from the Pulumi backend; nothing was run. Are you logged in (pulumi login)?\n${errorTail(e)}`);
        return 1;
    }

    const refusal = await removalRefusal(meshCommand, members, workspace);
    if (refusal) {
        deps.err(refusal);
        return 2;
    }
    let plan;
    try {
        plan = planOrder({ members, command: meshCommand, stacks, status });
    } catch (e) {
        if (e instanceof MeshPlanError) {
            deps.err(e.message);
            return 2;
        }
        throw e;
    }
    deps.out(`mesh: ${members.map((m) => `${m.stack} (id ${m.cluster.id}, ${status.get(m.stack) ?? "missing"})`).join(", ")}`);
    for (const note of plan.notes) {
        deps.out(`note: ${note}`);
    }
    if (plan.steps.length === 0) {
        deps.out(`${meshCommand}: nothing to do`);
        return 0;
    }
    if (meshCommand === "destroy" && !parsed.values.yes) {
        plan.steps.forEach((step, i) => deps.out(describeStep(step, i, plan.steps.length)));
        const doomed = plan.steps.filter((s) => s.action === "destroy").map((s) => s.stack);
        deps.err(`destroy removes every resource of ${doomed.join(", ")} for good; nothing was run. Run again with --yes to do the steps above.`);
        return 2;
    }

    const result = await runSteps(meshCommand, plan.steps, workspace, deps.out);
    if (result.failed) {
        return 1;
    }
    deps.out(`${meshCommand} done: ${result.completed} step${result.completed === 1 ? "" : "s"}`);
    for (const line of plan.next) {
        deps.out(`next: ${line}`);
    }
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
            process.stderr.write(`mesh failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
            process.exit(1);
        },
    );
}
