/**
 * What `npm run mesh` needs from Pulumi, as an interface: the real one drives the Pulumi CLI
 * through the Automation API; the tests use a fake that records the calls.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { LINKED_PEERS_OUTPUT } from "./removal-guard";
import { setStackFileValue, type StackFileValue } from "./stack-file-edit";

/** What the runner hears about one operation while it runs. */
export interface OperationHooks {
    /** Called each time the engine reports a resource finished (created, updated, deleted or previewed). */
    readonly onResource?: () => void;
}

export interface MeshWorkspace {
    /** Names of the stack's outputs (sorted), or undefined when the backend has no such stack. */
    outputs(stack: string): Promise<readonly string[] | undefined>;
    /** Selects the stack for the calls that follow, creating it (`pulumi stack init`) when missing. */
    selectStack(stack: string): Promise<void>;
    /**
     * Sets one config value in the stack's file. A key with a dot is a path (`clustermesh:mesh.link`):
     * the CLI stores "true"/"false" under a path as booleans. `null` removes the key.
     */
    setConfig(stack: string, key: string, value: StackFileValue): Promise<void>;
    /** `pulumi up` with `env` added to the program's environment. */
    up(stack: string, env: Readonly<Record<string, string>>, hooks?: OperationHooks): Promise<void>;
    /** `pulumi preview` with `env` added to the program's environment. */
    preview(stack: string, env: Readonly<Record<string, string>>, hooks?: OperationHooks): Promise<void>;
    /** `pulumi destroy`; the stack and its file stay. */
    destroy(stack: string, hooks?: OperationHooks): Promise<void>;
    /** The stack's `linkedPeers` output (scripts/mesh/removal-guard.ts), undefined when absent. */
    linkedPeers?(stack: string): Promise<readonly string[] | undefined>;
    /** The value of one output of the stack (e.g. `ciliumVersion` for mesh upgrade), undefined when absent. */
    outputValue?(stack: string, name: string): Promise<unknown>;
}

/** The secrets provider for stacks the mesh runner creates; CI sets it from the PULUMI_SECRETS_PROVIDER variable. */
export const SECRETS_PROVIDER_ENV = "PULUMI_SECRETS_PROVIDER";

export class MissingPulumiCliError extends Error {
    constructor(command = "pulumi") {
        super(
            `npm run mesh drives the real stacks and needs the Pulumi CLI, but \`${command}\` is not on PATH.\n` +
                "Install it (curl -fsSL https://get.pulumi.com | sh, or see https://www.pulumi.com/docs/iac/download-install/), " +
                "then log in (pulumi login) and provide AWS credentials.\n" +
                "Without it, `npm run plan -- --all` shows what every stack would build, offline.",
        );
        this.name = "MissingPulumiCliError";
    }
}

/** The slice of `child_process.execFile` the CLI check uses, so tests can stand in for it. */
export type ExecFileFn = (
    file: string,
    args: readonly string[],
    options: { encoding: "utf8" },
    callback: (error: (Error & { code?: string | number | null }) | null, stdout: string) => void,
) => unknown;

/**
 * Resolves with the Pulumi CLI's version (`pulumi version`). Rejects with MissingPulumiCliError
 * when the binary is not found, or with the CLI's own error when it is there but fails.
 */
export function pulumiCliVersion(command = "pulumi", run: ExecFileFn = execFile): Promise<string> {
    return new Promise((resolve, reject) => {
        run(command, ["version"], { encoding: "utf8" }, (error, stdout) => {
            if (error?.code === "ENOENT") {
                reject(new MissingPulumiCliError(command));
            } else if (error) {
                reject(new Error(`\`${command} version\` failed: ${error.message}`));
            } else {
                resolve(String(stdout).trim());
            }
        });
    });
}

/**
 * The real workspace: the project in `workDir`, one Automation API stack per mesh member. Stacks
 * run concurrently, so the CLI's output of each goes to its own file, `<logDir>/<stack>.log`
 * (appended, one header per operation), not to the terminal.
 */
export class AutomationWorkspace implements MeshWorkspace {
    private readonly stacks = new Map<string, Stack>();
    private readonly baseEnv = new Map<string, Record<string, string>>();
    private project?: Promise<LocalWorkspace>;
    private listed?: Promise<readonly string[]>;

    constructor(
        private readonly workDir: string,
        /** Where each stack's CLI output goes; created when first written. */
        readonly logDir: string,
    ) {}

    /** The file `stack`'s CLI output goes to. */
    logFile(stack: string): string {
        return path.join(this.logDir, `${stack}.log`);
    }

    private log(stack: string, operation: string) {
        // The logs hold the CLI's whole output: only this user reads them (0600 in a 0700 folder).
        fs.mkdirSync(this.logDir, { recursive: true, mode: 0o700 });
        const file = this.logFile(stack);
        fs.appendFileSync(file, `\n=== ${new Date().toISOString()} pulumi ${operation} --stack ${stack}\n`, { mode: 0o600 });
        fs.chmodSync(file, 0o600);
        const write = (text: string) => fs.appendFileSync(file, text, { mode: 0o600 });
        return { onOutput: write, onError: write, color: "never" as const };
    }

    private static events(hooks: OperationHooks = {}): (event: EngineEvent) => void {
        return (event) => {
            if (event.resOutputsEvent) {
                hooks.onResource?.();
            }
        };
    }

    private async automation() {
        return import("@pulumi/pulumi/automation");
    }

    /** One workspace for the read-only calls: each LocalWorkspace.create runs `pulumi version`. */
    private projectWorkspace(): Promise<LocalWorkspace> {
        this.project ??= this.automation().then(({ LocalWorkspace }) => LocalWorkspace.create({ workDir: this.workDir }));
        return this.project;
    }

    async outputs(name: string): Promise<readonly string[] | undefined> {
        const workspace = await this.projectWorkspace();
        this.listed ??= workspace.listStacks().then((stacks) => stacks.map((s) => s.name));
        // `pulumi stack ls` may print a stack fully qualified (`org/project/name`).
        const listed = (await this.listed).find((s) => s === name || s.endsWith(`/${name}`));
        if (listed === undefined) {
            return undefined;
        }
        return Object.keys(await workspace.stackOutputs(listed)).sort();
    }

    async linkedPeers(name: string): Promise<readonly string[] | undefined> {
        const workspace = await this.projectWorkspace();
        this.listed ??= workspace.listStacks().then((stacks) => stacks.map((s) => s.name));
        const listed = (await this.listed).find((s) => s === name || s.endsWith(`/${name}`));
        const value = listed === undefined ? undefined : (await workspace.stackOutputs(listed))[LINKED_PEERS_OUTPUT]?.value;
        return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
    }

    async outputValue(name: string, output: string): Promise<unknown> {
        const workspace = await this.projectWorkspace();
        this.listed ??= workspace.listStacks().then((stacks) => stacks.map((s) => s.name));
        const listed = (await this.listed).find((s) => s === name || s.endsWith(`/${name}`));
        // Read afresh each time: an upgrade reads a stack's version again after its up.
        return listed === undefined ? undefined : (await workspace.stackOutputs(listed))[output]?.value;
    }

    async selectStack(name: string): Promise<void> {
        const { LocalWorkspace } = await this.automation();
        // A stack created here (a new member) encrypts its secrets with SECRETS_PROVIDER_ENV when
        // set (awskms://..., passphrase, ...); an existing stack keeps the one it has.
        const secretsProvider = process.env[SECRETS_PROVIDER_ENV] || undefined;
        const stack = await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: this.workDir }, secretsProvider ? { secretsProvider } : {});
        this.stacks.set(name, stack);
        this.baseEnv.set(name, { ...stack.workspace.envVars });
    }

    private stack(name: string): Stack {
        const stack = this.stacks.get(name);
        if (!stack) {
            throw new Error(`stack ${name} was not selected before use`);
        }
        return stack;
    }

    /**
     * Writes the value into the stack file itself, atomically (stacks/../scripts/mesh/stack-file-edit.ts):
     * `pulumi config set` rewrites the file in place, and a program reading it meanwhile saw an
     * empty file. Plain values only; secrets are never set by the runner.
     */
    setConfig(name: string, key: string, value: StackFileValue): Promise<void> {
        setStackFileValue(this.workDir, name, key, value);
        return Promise.resolve();
    }

    private withEnv(name: string, env: Readonly<Record<string, string>>): Stack {
        const stack = this.stack(name);
        // The CLI inherits this process's environment; `env` overrides it for this operation only
        // (the runner always sets CLUSTERMESH_DEPARTING, even empty, so a value left in the
        // user's shell cannot reach the program).
        const base = this.baseEnv.get(name) ?? {};
        stack.workspace.envVars = { ...base, ...env };
        return stack;
    }

    async up(name: string, env: Readonly<Record<string, string>>, hooks?: OperationHooks): Promise<void> {
        await this.withEnv(name, env).up({ ...this.log(name, "up"), onEvent: AutomationWorkspace.events(hooks) });
    }

    async preview(name: string, env: Readonly<Record<string, string>>, hooks?: OperationHooks): Promise<void> {
        await this.withEnv(name, env).preview({ ...this.log(name, "preview"), onEvent: AutomationWorkspace.events(hooks) });
    }

    async destroy(name: string, hooks?: OperationHooks): Promise<void> {
        await this.withEnv(name, {}).destroy({ ...this.log(name, "destroy"), onEvent: AutomationWorkspace.events(hooks) });
    }
}
