/**
 * clustermesh add-region --name NAME --region REGION [--kind k3s|eks] [--from STACK] [--dir DIR] [--json]
 * (npm run add-region -- ... is the same)
 *
 * Writes Pulumi.NAME.yaml (scripts/add-region/add-region.ts). Exit codes: 0 written, 1 refused
 * (nothing written), 2 usage.
 */
import * as path from "path";
import { parseArgs } from "util";
import { formatPlaceholder } from "../../stacks/placeholders";
import type { Io } from "../clustermesh/commands";
import { EXIT, errorDocument, formatErrorDocument, resolveProjectDir } from "../common/flags";
import { addRegion, AddRegionError } from "./add-region";

export const usage = `usage: clustermesh add-region --name NAME --region REGION [--kind k3s|eks] [--from STACK] [--dir DIR] [--json]
  (npm run add-region -- ... is the same)

Writes Pulumi.NAME.yaml for a new mesh member: the next free cluster id, the next free VPC, pod
and service ranges (inside clustermesh:mesh.addressing when the mesh plans supernets), and a
free clustermesh-apiserver NodePort where the Cilium version needs one per cluster; everything
else (versions, instance types, operatorCIDRs, comments) copied from an existing member. The
whole mesh is validated with the new file; nothing is written when anything is wrong. Secrets
are not copied (they are encrypted per stack): set them again in the new stack.

  --name NAME      stack and Cilium cluster name of the new member (required; --stack NAME is the same)
  --region REGION  the AWS region it is built in, e.g. eu-north-1 (required)
  --kind KIND      k3s or eks (default: the kind of the member copied)
  --from STACK     the member whose file is copied (default: the AWS-built member of the same kind
                   with the highest cluster id)
  --dir DIR        the project (default: $CLUSTERMESH_PROJECT_DIR, else the current directory)
  --json           what was written as one JSON document on stdout

examples:
  clustermesh add-region --name north --region eu-north-1
  clustermesh add-region --name tokyo --region ap-northeast-1 --kind eks --from east
  clustermesh add-region --name lab2 --region us-east-2 --dir examples/bgp-hosts

exit codes: 0 written; 1 refused (the reason names the file and key; nothing written); 2 usage`;

export function addRegionCli(argv: readonly string[], io: Io): Promise<number> {
    return Promise.resolve(addRegionMain(argv, io));
}

function addRegionMain(argv: readonly string[], io: Io): number {
    let args;
    try {
        args = parseArgs({
            args: [...argv],
            options: {
                name: { type: "string" },
                stack: { type: "string" },
                region: { type: "string" },
                kind: { type: "string" },
                from: { type: "string" },
                dir: { type: "string" },
                json: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
        }).values;
    } catch (err) {
        io.err(`add-region: ${(err as Error).message}\n${usage}\n`);
        return EXIT.usage;
    }
    if (args.help) {
        io.out(`${usage}\n`);
        return EXIT.ok;
    }
    const name = args.name ?? args.stack;
    const missing = [name === undefined ? "--name NAME (the new member's stack and cluster name)" : "", args.region === undefined ? "--region REGION (the AWS region, e.g. eu-north-1)" : ""].filter((m) => m.length > 0);
    const problems = [...(missing.length > 0 ? [`add-region needs ${missing.join(" and ")}`] : [])];
    if (args.name !== undefined && args.stack !== undefined && args.name !== args.stack) {
        problems.push(`--name ${args.name} and --stack ${args.stack} name two different members; give one`);
    }
    if (args.kind !== undefined && args.kind !== "k3s" && args.kind !== "eks") {
        problems.push(`--kind ${args.kind} is not k3s or eks (a kind or existing-host member is written by hand: README: Add a region)`);
    }
    if (problems.length > 0) {
        io.err(`${problems.map((p) => `add-region: ${p}`).join("\n")}\n\n${usage}\n`);
        return EXIT.usage;
    }
    const dir = resolveProjectDir(args.dir, io.env, io.cwd);
    // The next steps name the project the way the user did, so they work from the same place.
    const dirArg = args.dir ?? (io.env.CLUSTERMESH_PROJECT_DIR ? undefined : path.relative(io.cwd, dir) || undefined);
    try {
        const added = addRegion(dir, { name: name!, region: args.region!, kind: args.kind as "k3s" | "eks" | undefined, from: args.from, dirArg });
        const a = added.addresses;
        for (const w of added.placeholders) {
            io.err(`warning: ${formatPlaceholder(w)}\n`);
        }
        if (args.json) {
            io.out(`${JSON.stringify({ file: path.join(dir, added.file), template: added.template, addresses: a, placeholders: added.placeholders, next: added.next }, null, 2)}\n`);
        } else {
            io.out(
                `Wrote ${path.join(dirArg ?? "", added.file)} (copied from ${added.template}): cluster.id ${a.id}, vpcCIDR ${a.vpcCIDR}, podCIDR ${a.podCIDR}, serviceCIDR ${a.serviceCIDR}.\n` +
                    `The whole mesh validates. Next:\n${added.next.map((line) => `  ${line}`).join("\n")}\n`,
            );
        }
        return EXIT.ok;
    } catch (err) {
        if (err instanceof AddRegionError) {
            io.err(`add-region: ${err.message}\n`);
            if (args.json) {
                io.out(formatErrorDocument(errorDocument("add-region", EXIT.failed, "config", err.message)));
            }
            return EXIT.failed;
        }
        throw err;
    }
}
