/**
 * clustermesh plan --stack <name> [--json] [--dir DIR]   (npm run plan -- ...)
 * clustermesh plan --all [--json] [--dir DIR] [--workers N]
 *
 * Runs the real program under Pulumi's mock engine: no Pulumi CLI, no cloud account, no
 * credentials. Prints the resources the stack would build, its Cilium values (secrets redacted)
 * and the mesh. Any mesh problem is printed, all at once, and the exit code is 1.
 */
import * as path from "path";
import { parseArgs } from "util";
import { checkConnectivity, pairsOf } from "../../connectivity/model";
import { formatConnectivity, formatPairMessage } from "../../connectivity/format";
import { findPlaceholders, formatPlaceholder, inspectMesh, MeshConfigError, networkSummary, type PlaceholderWarning } from "../../stacks";
import { errorDocument, EXIT, EXIT_CODES_HELP, formatErrorDocument, resolveProjectDir } from "../common/flags";
import { formatDuration, LiveView } from "../common/live-view";
import { planMembers } from "./plan-members";
import { planMesh, type MeshPlan, type PlanProgress } from "./plan-mesh";
import { planStack } from "./plan-stack";
import { formatMeshTable, formatNetwork, formatPlan, formatProblems, memberRow, toJson, type PlanDocument } from "./report";

export const usage = `usage: clustermesh plan --stack <name> [--json] [--dir DIR]
       clustermesh plan --all [--json] [--dir DIR] [--workers N]
  (npm run plan -- ... is the same; pipe it with npm run -s plan -- ..., or npm prints its banner on stdout)
  --stack NAME  plan one stack: its resources, Cilium values and the mesh table
  --all         plan every stack in one process: the mesh table, each stack's summary and any
                problem; with --json, one document with every stack's whole plan
  --json        print JSON (stable key order, secrets redacted) instead of text
  --no-connectivity  with --stack: skip the connectivity check (which plans every other member
                too once any stack links)
  --show-urns   with --stack: each resource's URN beneath it, as pulumi stack --show-urns shows them
  --dir DIR     the directory holding the Pulumi.<stack>.yaml files (default: $CLUSTERMESH_PROJECT_DIR,
                else the current directory)
  --workers N   with --all: worker threads planning beside the main one (default 0: the fastest
                on a busy 2-CPU machine; try 1-3 where cores are idle)

examples:
  clustermesh plan --stack west                 what west builds, its Cilium values, the mesh
  clustermesh plan --all                        every stack, the mesh and its connectivity
  clustermesh plan --all --json | jq '.mesh.members[].name'
  clustermesh plan --stack west --show-urns     the resource tree with the URN the engine gives each
  clustermesh plan --stack east --dir examples/kind-lab

${EXIT_CODES_HELP}`;

export interface PlanCliDeps {
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
    /** Where CLUSTERMESH_PROJECT_DIR is read; default process.env. */
    readonly env?: NodeJS.ProcessEnv;
    /** Progress of `--all`; default: a live view on stderr once it has taken 2 s. */
    readonly progress?: (p: PlanProgress) => void;
}

/** Shows `planned 37/120 stacks (12s)`: redrawn on a terminal once planning has taken `after` ms; elsewhere a line every `every` ms. */
export function planProgress(view: LiveView = new LiveView(), after = 2000, every = 10_000): { onProgress: (p: PlanProgress) => void; done: () => void } {
    const start = Date.now();
    // Not on a terminal (CI logs, a job summary), the first line waits a whole interval.
    let lastLine = start;
    let shown = false;
    return {
        onProgress: (p) => {
            const now = Date.now();
            const text = `plan --all: ${p.done}/${p.total} stacks planned (${formatDuration(now - start)})`;
            if (view.tty && now - start >= after) {
                view.draw([text]);
                shown = true;
            } else if (!view.tty && now - lastLine >= every && p.done < p.total) {
                view.log(text);
                lastLine = now;
            }
        },
        done: () => {
            if (shown) {
                view.done();
            }
        },
    };
}

function failingPairLines(pairs: ReturnType<typeof pairsOf>): string {
    return pairs
        .filter((p) => p.status === "fail")
        .map((p) => `${formatPairMessage(p)}\n`)
        .join("");
}

/** Prints `--all`: the mesh, each stack's summary (or, with --json, its whole plan), the connectivity report. */
/** The placeholder warnings as the text plan shows them (empty when there are none). */
function placeholderLines(found: readonly PlaceholderWarning[]): string[] {
    return found.length === 0 ? [] : [`Warning: ${found.length} placeholder value${found.length === 1 ? "" : "s"} no real deploy can use (fine for this offline plan):`, ...found.map((w) => `  - ${formatPlaceholder(w)}`)];
}

/** A stack's plan document with the mesh's placeholder warnings, as `--stack --json` prints it. */
function withPlaceholders(doc: PlanDocument, placeholders: readonly PlaceholderWarning[]): PlanDocument {
    return { ...doc, mesh: { ...doc.mesh, placeholders } } as PlanDocument;
}

function printAll(result: MeshPlan, dir: string, json: boolean, deps: PlanCliDeps): number {
    const { members, problems, notes, others, plans, failed } = result;
    const placeholders = findPlaceholders(dir);
    const connectivity = failed.length === 0 && plans.length > 0 ? checkConnectivity(plans) : undefined;
    if (json) {
        deps.out(
            toJson({
                mesh: { members: members.map(memberRow), ...(members.length > 0 ? { network: networkSummary(members) } : {}), notes, placeholders, problems: problems.map((p) => ({ ...p })) },
                stacks: plans.map((p) => ({ stack: p.stack, resources: p.resources.length, linkedPeers: p.mesh.linkedPeers, pendingPeers: p.mesh.pendingPeers })),
                failed,
                // Each plan as --stack prints it (the placeholders are in both).
                plans: plans.map((p) => withPlaceholders(p, placeholders)),
                ...(connectivity ? { connectivity } : {}),
            }),
        );
    } else {
        const lines = [`Mesh (${members.length} members from ${path.resolve(dir)}):`, formatMeshTable(members.map(memberRow))];
        if (members.length > 0) {
            lines.push(formatNetwork(networkSummary(members)));
        }
        if (others.length > 0) {
            lines.push(`Not mesh members (clustermesh:member: false): ${others.join(", ")}`);
        }
        lines.push(...notes.map((note) => `Note: ${note}`));
        lines.push(...placeholderLines(placeholders));
        for (const plan of plans) {
            const pending = plan.mesh.pendingPeers.length > 0 ? `; not linked: ${plan.mesh.pendingPeers.map((p) => p.name).join(", ")}` : "";
            lines.push(`  ${plan.stack}: ${plan.resources.length} resources, linked to ${plan.mesh.linkedPeers.join(", ") || "none"}${pending}`);
        }
        deps.out(`${lines.join("\n")}\n${connectivity ? `\n${formatConnectivity(connectivity)}` : ""}`);
    }
    if (problems.length > 0) {
        deps.err(formatProblems(problems));
        return 1;
    }
    for (const f of failed) {
        deps.err(`plan of ${f.stack} failed: ${f.error}\n  (npm run plan -- --stack ${f.stack} shows the whole trace)\n`);
    }
    if (json && connectivity) {
        // With --json the failing pairs also go to stderr, one line each, for the CI log.
        deps.err(failingPairLines(connectivity.pairs));
    }
    return failed.length > 0 || (connectivity?.summary.failed ?? 0) > 0 ? 1 : 0;
}

/**
 * The connectivity of `doc`'s stack with every other member: the others planned too, in this
 * process. Skipped while no stack file links (every pair is then "not linked yet").
 */
async function stackConnectivity(dir: string, doc: PlanDocument): Promise<ReturnType<typeof checkConnectivity> | undefined> {
    const { members } = inspectMesh(dir);
    if (!members.some((m) => m.mesh.link)) {
        return undefined;
    }
    const runs = await planMembers(dir, members.filter((m) => m.stack !== doc.stack).map((m) => m.stack));
    const broken = runs.find((r) => !r.plan);
    if (broken) {
        throw new Error(`plan of ${broken.stack} failed, so the connectivity of ${doc.stack} cannot be checked:\n${broken.error}`);
    }
    const plans = members.map((m) => (m.stack === doc.stack ? doc : runs.find((r) => r.stack === m.stack)!.plan!));
    return checkConnectivity(plans);
}

export async function planCli(argv: readonly string[], deps: PlanCliDeps): Promise<number> {
    let args;
    try {
        args = parseArgs({
            args: [...argv],
            options: {
                stack: { type: "string" },
                all: { type: "boolean" },
                json: { type: "boolean" },
                dir: { type: "string" },
                workers: { type: "string" },
                help: { type: "boolean", short: "h" },
                // Skip the connectivity check of --stack (which plans every other member too).
                "no-connectivity": { type: "boolean" },
                "show-urns": { type: "boolean" },
            },
            strict: true,
        }).values;
    } catch (err) {
        deps.err(`${(err as Error).message}\n${usage}\n`);
        return 2;
    }
    if (args.help) {
        deps.out(`${usage}\n`);
        return 0;
    }
    const workers = args.workers === undefined ? undefined : Number(args.workers);
    if ((!args.stack && !args.all) || (args.stack && args.all) || (workers !== undefined && (!Number.isInteger(workers) || workers < 0 || !args.all))) {
        deps.err(`${usage}\n`);
        return 2;
    }
    const dir = resolveProjectDir(args.dir, deps.env);
    if (args.all) {
        const progress = deps.progress ? { onProgress: deps.progress, done: () => undefined } : planProgress();
        try {
            return printAll(await planMesh(dir, { workers, onProgress: progress.onProgress }), dir, args.json ?? false, deps);
        } finally {
            progress.done();
        }
    }
    try {
        const doc = await planStack(dir, args.stack!);
        const connectivity = args["no-connectivity"] ? undefined : await stackConnectivity(dir, doc);
        const pairs = connectivity ? pairsOf(connectivity, doc.stack) : [];
        const placeholders = findPlaceholders(dir);
        if (args.json) {
            const marked = withPlaceholders(doc, placeholders);
            deps.out(toJson(connectivity ? { ...marked, connectivity: { members: connectivity.members, pairs, quotas: connectivity.quotas } } : marked));
            deps.err(failingPairLines(pairs));
        } else {
            const warnings = placeholderLines(placeholders);
            deps.out(formatPlan(doc, args["show-urns"] ?? false) + (warnings.length > 0 ? `\n${warnings.join("\n")}\n` : "") + (connectivity ? `\n${formatConnectivity(connectivity, doc.stack)}` : ""));
        }
        return pairs.some((p) => p.status === "fail") ? 1 : 0;
    } catch (err) {
        if (err instanceof MeshConfigError) {
            deps.err(formatProblems(err.problems));
            if (args.json) {
                deps.out(formatErrorDocument(errorDocument("plan", EXIT.failed, "config", err.message, err.problems)));
            }
            return EXIT.failed;
        }
        throw err;
    }
}

