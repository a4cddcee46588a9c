/**
 * npm run plan -- --stack <name> [--json] [--dir DIR]
 * npm run plan -- --all [--json] [--dir DIR]
 *
 * Runs the real program under Pulumi's mock engine: no Pulumi CLI, no cloud account, no
 * credentials. Prints the resources the stack would build, its Cilium values (secrets redacted)
 * and the mesh. Any mesh problem is printed, all at once, and the exit code is 1.
 */
import * as path from "path";
import { parseArgs } from "util";
import { inspectMesh, MeshConfigError, sortProblems } from "../stacks";
import { checkConnectivity, pairsOf } from "../connectivity/model";
import { formatConnectivity, formatPairMessage } from "../connectivity/format";
import { planMembers } from "./lib/plan-members";
import { runProgram } from "./lib/run-program";
import { ciliumValuesOf, formatMeshTable, formatPlan, formatProblems, memberRow, planResources, REDACTED, toJson, type PlanDocument } from "./lib/plan-report";

const usage = `usage: npm run plan -- --stack <name> [--json] [--dir DIR]
       npm run plan -- --all [--json] [--dir DIR]`;

async function planStack(dir: string, stack: string): Promise<PlanDocument> {
    const run = await runProgram(dir, stack);
    const { members, self, notes } = run;
    const outputs: Record<string, unknown> = {};
    for (const [key, output] of Object.entries(run.outputs)) {
        outputs[key] = output.secret ? REDACTED : output.value;
    }
    const linked = (run.outputs.linkedPeers?.value as string[] | undefined) ?? [];
    const pending = (run.outputs.pendingPeers?.value as Array<{ name: string; reason: string }> | undefined) ?? [];
    return {
        stack,
        cluster: {
            name: self.cluster.name,
            id: self.cluster.id,
            kind: self.cluster.kind,
            region: self.cluster.region ?? "-",
            podCIDR: self.cluster.podCIDR,
            serviceCIDR: self.cluster.serviceCIDR,
            vpcCIDR: self.cluster.vpcCIDR ?? "-",
        },
        cilium: { version: self.cilium.version, values: ciliumValuesOf(run.resources) },
        mesh: { members: members.map(memberRow), caOwner: members[0].stack, linkedPeers: linked, pendingPeers: pending, notes },
        log: run.logs,
        resources: planResources(run.resources),
        outputs,
    };
}

/** Plans every stack, each in its own process (the mock engine is per process), then checks the mesh's connectivity. */
async function planAll(dir: string, json: boolean): Promise<number> {
    const { members, problems, notes, others } = inspectMesh(dir);
    const runs = problems.length > 0 ? [] : await planMembers(dir, members.map((m) => m.stack));
    const failed = runs.filter((r) => !r.plan).map((r) => ({ stack: r.stack, error: r.error ?? "" }));
    const plans = runs.flatMap((r) => (r.plan ? [r.plan] : []));
    const connectivity = failed.length === 0 && plans.length > 0 ? checkConnectivity(plans) : undefined;
    if (json) {
        process.stdout.write(
            toJson({
                mesh: { members: members.map(memberRow), notes, problems: sortProblems(problems).map((p) => ({ ...p })) },
                stacks: plans.map((p) => ({ stack: p.stack, resources: p.resources.length, linkedPeers: p.mesh.linkedPeers, pendingPeers: p.mesh.pendingPeers })),
                failed,
                ...(connectivity ? { connectivity } : {}),
            }),
        );
    } else {
        process.stdout.write(`Mesh (${members.length} members from ${path.resolve(dir)}):\n${formatMeshTable(members.map(memberRow))}\n`);
        if (others.length > 0) {
            process.stdout.write(`Not mesh members (clustermesh:member: false): ${others.join(", ")}\n`);
        }
        for (const note of notes) {
            process.stdout.write(`Note: ${note}\n`);
        }
        for (const plan of plans) {
            const pending = plan.mesh.pendingPeers.length > 0 ? `; not linked: ${plan.mesh.pendingPeers.map((p) => p.name).join(", ")}` : "";
            process.stdout.write(`  ${plan.stack}: ${plan.resources.length} resources, linked to ${plan.mesh.linkedPeers.join(", ") || "none"}${pending}\n`);
        }
        if (connectivity) {
            process.stdout.write(`\n${formatConnectivity(connectivity)}`);
        }
    }
    if (problems.length > 0) {
        process.stderr.write(formatProblems(sortProblems(problems)));
        return 1;
    }
    for (const f of failed) {
        process.stderr.write(`plan of ${f.stack} failed:\n${f.error}\n`);
    }
    if (json && connectivity) {
        // With --json the failing pairs also go to stderr, one line each, for the CI log.
        writeFailingPairs(connectivity.pairs);
    }
    return failed.length > 0 || (connectivity?.summary.failed ?? 0) > 0 ? 1 : 0;
}

function writeFailingPairs(pairs: ReturnType<typeof pairsOf>): void {
    for (const p of pairs.filter((x) => x.status === "fail")) {
        process.stderr.write(`${formatPairMessage(p)}\n`);
    }
}

/**
 * The connectivity of `doc`'s stack with every other member: the others planned too. Skipped
 * while no stack file links (every pair is then "not linked yet").
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

async function main(): Promise<number> {
    let args;
    try {
        args = parseArgs({
            options: {
                stack: { type: "string" },
                all: { type: "boolean" },
                json: { type: "boolean" },
                dir: { type: "string" },
                help: { type: "boolean" },
                // Internal: the per-member plans the connectivity check itself runs.
                "no-connectivity": { type: "boolean" },
            },
            strict: true,
        }).values;
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n${usage}\n`);
        return 2;
    }
    if (args.help || (!args.stack && !args.all) || (args.stack && args.all)) {
        process.stderr.write(`${usage}\n`);
        return args.help ? 0 : 2;
    }
    const dir = path.resolve(args.dir ?? process.cwd());
    if (args.all) {
        return planAll(dir, args.json ?? false);
    }
    try {
        const doc = await planStack(dir, args.stack!);
        const connectivity = args["no-connectivity"] ? undefined : await stackConnectivity(dir, doc);
        const pairs = connectivity ? pairsOf(connectivity, doc.stack) : [];
        if (args.json) {
            process.stdout.write(toJson(connectivity ? { ...doc, connectivity: { members: connectivity.members, pairs, quotas: connectivity.quotas } } : doc));
            writeFailingPairs(pairs);
        } else {
            process.stdout.write(formatPlan(doc) + (connectivity ? `\n${formatConnectivity(connectivity, doc.stack)}` : ""));
        }
        return pairs.some((p) => p.status === "fail") ? 1 : 0;
    } catch (err) {
        if (err instanceof MeshConfigError) {
            process.stderr.write(formatProblems(err.problems));
            return 1;
        }
        throw err;
    }
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`plan failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
    },
);
