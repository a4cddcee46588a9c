/**
 * npm run plan -- --stack <name> [--json] [--dir DIR]
 * npm run plan -- --all [--json] [--dir DIR]
 *
 * Runs the real program under Pulumi's mock engine: no Pulumi CLI, no cloud account, no
 * credentials. Prints the resources the stack would build, its Cilium values (secrets redacted)
 * and the mesh. Any mesh problem is printed, all at once, and the exit code is 1.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { parseArgs } from "util";
import { inspectMesh, MeshConfigError, sortProblems } from "../stacks";
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

/** Plans every stack, each in its own process (the mock engine is per process). */
function planAll(dir: string, json: boolean): number {
    const { members, problems, notes, others } = inspectMesh(dir);
    const results = problems.length > 0 ? [] : members.map((m) => ({ member: m, run: spawnSync(process.execPath, [...process.execArgv, __filename, "--stack", m.stack, "--json", "--dir", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }) }));
    const failed = results.filter((r) => r.run.status !== 0);
    const plans = results.filter((r) => r.run.status === 0).map((r) => JSON.parse(r.run.stdout) as PlanDocument);
    if (json) {
        process.stdout.write(
            toJson({
                mesh: { members: members.map(memberRow), notes, problems: sortProblems(problems).map((p) => ({ ...p })) },
                stacks: plans.map((p) => ({ stack: p.stack, resources: p.resources.length, linkedPeers: p.mesh.linkedPeers, pendingPeers: p.mesh.pendingPeers })),
                failed: failed.map((f) => ({ stack: f.member.stack, error: f.run.stderr.trim() })),
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
    }
    if (problems.length > 0) {
        process.stderr.write(formatProblems(sortProblems(problems)));
        return 1;
    }
    for (const f of failed) {
        process.stderr.write(`plan of ${f.member.stack} failed:\n${f.run.stderr}\n`);
    }
    return failed.length > 0 ? 1 : 0;
}

async function main(): Promise<number> {
    let args;
    try {
        args = parseArgs({
            options: { stack: { type: "string" }, all: { type: "boolean" }, json: { type: "boolean" }, dir: { type: "string" }, help: { type: "boolean" } },
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
        process.stdout.write(args.json ? toJson(doc) : formatPlan(doc));
        return 0;
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
