/**
 * What the mesh runner needs from Pulumi, as an interface: the real one drives the Pulumi CLI
 * through the Automation API; tests use a fake that records the calls.
 */
import { execFile } from "child_process";

export interface StepOptions {
    /** Set `clustermesh:mesh.link` in the stack's file first. */
    readonly link?: boolean;
    /** Peers to drop from the link (CLUSTERMESH_DEPARTING). */
    readonly departing?: readonly string[];
}

export interface MeshWorkspace {
    up(stack: string, options: StepOptions): Promise<void>;
    preview(stack: string, options: StepOptions): Promise<void>;
    destroy(stack: string): Promise<void>;
}

export class MissingPulumiCliError extends Error {
    constructor() {
        super(
            "npm run mesh drives real stacks and needs the Pulumi CLI, which is not on PATH.\n" +
                "Install it (https://www.pulumi.com/docs/install/), log in (pulumi login), and set AWS credentials.\n" +
                "Without it, `npm run plan -- --all` shows what every stack would build.",
        );
    }
}

/** Resolves with the CLI's version, or rejects with MissingPulumiCliError. */
export function pulumiCliVersion(run: typeof execFile = execFile): Promise<string> {
    return new Promise((resolve, reject) => {
        run("pulumi", ["version"], { encoding: "utf8" }, (err, stdout) => (err ? reject(new MissingPulumiCliError()) : resolve(String(stdout).trim())));
    });
}

/** The real workspace: one LocalWorkspace per stack over this project directory. */
export class AutomationWorkspace implements MeshWorkspace {
    constructor(
        private readonly workDir: string,
        private readonly write: (text: string) => void = (t) => process.stdout.write(t),
    ) {}

    private async stack(name: string, options: StepOptions) {
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        const envVars: Record<string, string> = options.departing?.length ? { CLUSTERMESH_DEPARTING: options.departing.join(",") } : {};
        const stack = await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: this.workDir }, { envVars });
        if (options.link !== undefined) {
            await stack.setConfig("clustermesh:mesh.link", { value: String(options.link) }, true);
        }
        return stack;
    }

    async up(name: string, options: StepOptions): Promise<void> {
        await (await this.stack(name, options)).up({ onOutput: this.write });
    }

    async preview(name: string, options: StepOptions): Promise<void> {
        await (await this.stack(name, options)).preview({ onOutput: this.write });
    }

    async destroy(name: string): Promise<void> {
        await (await this.stack(name, {})).destroy({ onOutput: this.write });
    }
}
