/**
 * Stand-in `command` provider for the engine tests (github.com/pulumi/pulumi-command/provider is
 * not served by the Go module proxy here). `command:local:Command` runs its commands for real, as
 * upstream does (pulumi-command provider/pkg/provider/local: the interpreter, `dir`,
 * `environment`, `stdin`, `PULUMI_COMMAND_STDOUT`/`_STDERR` of the create for the delete,
 * `triggers` replace, a change with no `update` command replaces). `command:remote:Command` needs
 * an SSH host the tests do not have: it previews, and says so if asked to run.
 */
import { spawn } from "node:child_process";
import { type Props, ProviderError, type ResourceType, UNKNOWN, isUnknown, str, urnName } from "./server";

interface Ran {
    stdout: string;
    stderr: string;
}

function run(command: string, inputs: Props, extraEnv: Record<string, string>, what: string): Promise<Ran> {
    const interpreter = ((inputs.interpreter as string[] | undefined) ?? ["/bin/sh", "-c"]).map(String);
    const env = { ...process.env, ...((inputs.environment as Record<string, string> | undefined) ?? {}), ...extraEnv };
    return new Promise((resolve, reject) => {
        const [bin, ...args] = interpreter;
        const child = spawn(bin ?? "/bin/sh", [...args, command], { cwd: typeof inputs.dir === "string" ? inputs.dir : process.cwd(), env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
            // Upstream trims one trailing newline from each stream.
            const trim = (s: string) => s.replace(/\r?\n$/, "");
            if (code === 0) resolve({ stdout: trim(stdout), stderr: trim(stderr) });
            else reject(new ProviderError(`${what}: exit status ${code}: running ${JSON.stringify(command)}:\nStdout:\n${trim(stdout)}\nStderr:\n${trim(stderr)}`));
        });
        child.stdin.end(typeof inputs.stdin === "string" ? inputs.stdin : "");
    });
}

const localCommand: ResourceType = {
    replaceOnChanges: ["triggers"],
    async create(inputs, ctx) {
        if (ctx.preview || isUnknown(inputs)) return { id: "", outs: { ...inputs, stdout: UNKNOWN, stderr: UNKNOWN } };
        const ran = typeof inputs.create === "string" ? await run(inputs.create, inputs, {}, `command ${urnName(ctx.urn)}`) : { stdout: "", stderr: "" };
        return { id: `${urnName(ctx.urn)}${Math.random().toString(36).slice(2, 10)}`, outs: { ...inputs, ...ran } };
    },
    async update(_id, olds, news, ctx) {
        if (ctx.preview) return { ...news, stdout: UNKNOWN, stderr: UNKNOWN };
        // No update command: upstream runs create again.
        const cmd = typeof news.update === "string" ? news.update : typeof news.create === "string" ? news.create : undefined;
        const env: Record<string, string> = news.addPreviousOutputInEnv === false ? {} : { PULUMI_COMMAND_STDOUT: str(olds.stdout), PULUMI_COMMAND_STDERR: str(olds.stderr) };
        const ran = cmd === undefined ? { stdout: str(olds.stdout), stderr: str(olds.stderr) } : await run(cmd, news, env, `command ${urnName(ctx.urn)}`);
        return { ...news, ...ran };
    },
    async delete(_id, outs, ctx) {
        if (typeof outs.delete !== "string") return;
        const env: Record<string, string> = outs.addPreviousOutputInEnv === false ? {} : { PULUMI_COMMAND_STDOUT: str(outs.stdout), PULUMI_COMMAND_STDERR: str(outs.stderr) };
        await run(outs.delete, outs, env, `command ${urnName(ctx.urn)} (delete)`);
    },
};

const remoteCommand: ResourceType = {
    replaceOnChanges: ["triggers"],
    create(inputs, ctx) {
        if (ctx.preview || isUnknown(inputs)) return { id: "", outs: { ...inputs, stdout: UNKNOWN, stderr: UNKNOWN } };
        throw new ProviderError(`command ${urnName(ctx.urn)}: remote commands need an SSH host; the engine tests have none (preview only)`);
    },
    update(_id, _olds, news, ctx) {
        if (ctx.preview) return { ...news, stdout: UNKNOWN, stderr: UNKNOWN };
        throw new ProviderError(`command ${urnName(ctx.urn)}: remote commands need an SSH host; the engine tests have none (preview only)`);
    },
};

export const commandResources: Record<string, ResourceType> = {
    "command:local:Command": localCommand,
    "command:remote:Command": remoteCommand,
};
