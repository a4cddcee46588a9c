/**
 * What the day-two commands (mesh upgrade, mesh rotate-ca) read before they plan: the mesh from
 * its stack files (refused with its problems), the Pulumi CLI, and each stack's state and one
 * output through the backend. A dry run without the CLI takes every stack as deployed as its file
 * says; a real run without it refuses. One place, so both commands fail the same way.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatProblem, inspectMesh, type MeshMember } from "../../stacks";
import { errorDocument, EXIT, formatErrorDocument } from "../common/flags";
import type { MeshCliDeps } from "./cli";
import type { DryRunDocument } from "./dry-run";
import { byClusterId, stackStatus, type StackStatus } from "./plan-order";
import { errorTail } from "./progress";
import { MissingPulumiCliError, type MeshWorkspace } from "./workspace";

export interface DeployedMesh {
    /** By cluster id: the CA owner first. */
    readonly members: MeshMember[];
    readonly state: DryRunDocument["state"];
    readonly workspace?: MeshWorkspace;
    readonly logDir: string;
    readonly status: ReadonlyMap<string, StackStatus>;
    /** The output `output` of each deployed stack, when the backend was read. */
    readonly outputs: ReadonlyMap<string, unknown>;
}

export async function readDeployedMesh(
    command: string,
    args: { readonly dryRun: boolean; readonly json: boolean; readonly logs?: string },
    deps: MeshCliDeps,
    output: string,
): Promise<DeployedMesh | { readonly exit: number }> {
    const info = args.json ? deps.err : deps.out;
    const { members, problems } = inspectMesh(deps.dir);
    if (problems.length > 0) {
        const message = `The mesh configuration has problems; nothing was ${args.dryRun ? "planned" : "run"}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`;
        deps.err(message);
        if (args.json) {
            deps.out(formatErrorDocument(errorDocument(`mesh ${command}${args.dryRun ? " --dry-run" : ""}`, EXIT.failed, "config", message, problems)).trimEnd());
        }
        return { exit: 1 };
    }
    const ordered = byClusterId(members);
    let state: DryRunDocument["state"] = "backend";
    try {
        info(`Pulumi CLI ${await deps.checkCli()}`);
    } catch (e) {
        if (!(e instanceof MissingPulumiCliError)) {
            deps.err(`The Pulumi CLI is there but did not answer; nothing was run.\n${errorTail((e as Error).message)}`);
            return { exit: 1 };
        }
        if (!args.dryRun) {
            deps.err(e.message);
            return { exit: 2 };
        }
        state = "assumed-deployed";
    }
    const status = new Map<string, StackStatus>(ordered.map((m) => [m.stack, "deployed"]));
    const outputs = new Map<string, unknown>();
    if (state !== "backend") {
        return { members: ordered, state, logDir: "", status, outputs };
    }
    const logDir = path.resolve(args.logs ?? (args.dryRun ? path.join(os.tmpdir(), "clustermesh-mesh-dry-run") : fs.mkdtempSync(path.join(os.tmpdir(), `clustermesh-mesh-${command}-`))));
    const workspace = deps.workspace(deps.dir, logDir);
    try {
        for (const m of ordered) {
            const s = stackStatus(await workspace.outputs(m.stack));
            status.set(m.stack, s);
            if (s === "deployed" && workspace.outputValue) {
                outputs.set(m.stack, await workspace.outputValue(m.stack, output));
            }
        }
    } catch (e) {
        deps.err(`Could not read the stacks' state from the Pulumi backend; nothing was run. Are you logged in (pulumi login)?\n${errorTail((e as Error).message)}`);
        return { exit: 1 };
    }
    return { members: ordered, state, workspace, logDir, status, outputs };
}
