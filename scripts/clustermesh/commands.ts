/**
 * `clustermesh <command> ...`: the one command. Each subcommand's own parser gets every argument
 * after its name unchanged, so a subcommand grows flags (and `mesh` grows subcommands) without
 * this table changing. The subcommands' modules load only when called (a quick `--help`).
 */
import { COMMON_FLAGS_HELP, EXIT, EXIT_CODES_HELP, resolveProjectDir } from "../common/flags";

/** Where a subcommand writes and what it may read; the entry passes the process's own. */
export interface Io {
    /** Data (text as given: the caller adds newlines). */
    readonly out: (text: string) => void;
    /** Progress, logs, errors. */
    readonly err: (text: string) => void;
    readonly env: NodeJS.ProcessEnv;
    readonly cwd: string;
}

export interface Subcommand {
    readonly name: string;
    /** One line for `clustermesh --help`. */
    readonly summary: string;
    readonly run: (argv: readonly string[], io: Io) => Promise<number>;
}

const lines = (write: (text: string) => void) => (line: string) => write(`${line}\n`);

export const SUBCOMMANDS: readonly Subcommand[] = [
    {
        name: "plan",
        summary: "what each stack would build, offline (Pulumi's mock engine: no CLI, no cloud)",
        run: async (argv, io) => (await import("../plan/cli")).planCli(argv, { out: io.out, err: io.err, env: io.env }),
    },
    {
        name: "mesh",
        summary: "preview, up, destroy or upgrade every stack in the mesh's order (--dry-run: the steps, offline)",
        run: async (argv, io) => {
            const [{ meshCli }, { AutomationWorkspace, pulumiCliVersion }] = await Promise.all([import("../mesh/cli"), import("../mesh/workspace")]);
            return meshCli(argv, {
                dir: resolveProjectDir(undefined, io.env, io.cwd),
                checkCli: () => pulumiCliVersion(),
                workspace: (dir, logDir) => new AutomationWorkspace(dir, logDir),
                out: lines(io.out),
                err: lines(io.err),
            });
        },
    },
    {
        name: "verify",
        summary: "check a deployed mesh from one member's cluster (peers connected, global service, failover)",
        run: async (argv, io) => {
            const { defaultDeps, verifyCli } = await import("../verify/cli");
            return verifyCli(argv, { ...defaultDeps(resolveProjectDir(undefined, io.env, io.cwd)), out: lines(io.out), err: lines(io.err) });
        },
    },
    {
        name: "add-region",
        summary: "write the stack file of a new member: the next free id and ranges, checked with the whole mesh",
        run: async (argv, io) => (await import("../add-region/cli")).addRegionCli(argv, io),
    },
    {
        name: "list-stacks",
        summary: "the mesh's stack names, one per Pulumi.<stack>.yaml (--json: a JSON array, as CI reads it)",
        run: async (argv, io) => (await import("../list-stacks")).listStacksCli(argv, io),
    },
    {
        name: "docs",
        summary: "regenerate (or --check) the README's config reference from the schemas",
        run: async (argv, io) => (await import("../config-reference")).docsCli(argv, io),
    },
];

export const usage = `usage: clustermesh <command> [flags]   (npx clustermesh ..., or npm run <command> -- ...)

commands:
${SUBCOMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join("\n")}

${COMMON_FLAGS_HELP}

${EXIT_CODES_HELP}

examples:
  clustermesh plan --all                          the whole mesh, offline
  clustermesh plan --stack west --json | jq .resources[].urn
  clustermesh mesh up --dry-run                   the waves of steps up would run
  clustermesh add-region --name north --region eu-north-1
  clustermesh list-stacks --json
  clustermesh verify --stack west

clustermesh <command> --help shows a command's own flags and examples. Data goes to stdout and
everything else to stderr; through npm, pipe npm run -s <command> (npm prints a banner otherwise).`;

/** Runs `clustermesh argv...`; returns the exit code. */
export async function clustermesh(argv: readonly string[], io: Io): Promise<number> {
    const [name, ...rest] = argv;
    if (name === undefined) {
        io.err(`${usage}\n`);
        return EXIT.usage;
    }
    if (name === "--help" || name === "-h" || name === "help") {
        if (name === "help" && rest[0] !== undefined) {
            return clustermesh([rest[0], "--help"], io);
        }
        io.out(`${usage}\n`);
        return EXIT.ok;
    }
    const command = SUBCOMMANDS.find((c) => c.name === name);
    if (!command) {
        io.err(`clustermesh: unknown command ${JSON.stringify(name)}; commands: ${SUBCOMMANDS.map((c) => c.name).join(", ")} (clustermesh --help)\n`);
        return EXIT.usage;
    }
    return command.run(rest, io);
}
