/**
 * npm run add-region -- --name NAME --region REGION [--kind k3s|eks] [--from STACK] [--dir DIR]
 *
 * Writes Pulumi.NAME.yaml with the next free cluster id and ranges, copied from an existing
 * member, validated with the whole mesh. Exit codes: 0 written, 1 refused (nothing written),
 * 2 usage.
 */
import * as path from "path";
import { parseArgs } from "util";
import { addRegion, AddRegionError } from "./add-region/add-region";

const usage = "usage: npm run add-region -- --name NAME --region REGION [--kind k3s|eks] [--from STACK] [--dir DIR]\n";

function main(argv: string[]): number {
    let args;
    try {
        args = parseArgs({
            args: argv,
            options: { name: { type: "string" }, region: { type: "string" }, kind: { type: "string" }, from: { type: "string" }, dir: { type: "string" }, help: { type: "boolean" } },
            strict: true,
        }).values;
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n${usage}`);
        return 2;
    }
    if (args.help) {
        process.stdout.write(usage);
        return 0;
    }
    if (!args.name || !args.region || (args.kind !== undefined && args.kind !== "k3s" && args.kind !== "eks")) {
        process.stderr.write(usage);
        return 2;
    }
    const dir = path.resolve(args.dir ?? process.cwd());
    try {
        const added = addRegion(dir, { name: args.name, region: args.region, kind: args.kind, from: args.from });
        const a = added.addresses;
        process.stdout.write(
            `Wrote ${added.file} (copied from ${added.template}): cluster.id ${a.id}, vpcCIDR ${a.vpcCIDR}, podCIDR ${a.podCIDR}, serviceCIDR ${a.serviceCIDR}.\n` +
                `The whole mesh validates. Next:\n${added.next.map((line) => `  ${line}`).join("\n")}\n`,
        );
        return 0;
    } catch (err) {
        if (err instanceof AddRegionError) {
            process.stderr.write(`add-region: ${err.message}\n`);
            return 1;
        }
        throw err;
    }
}

// exitCode, not exit(): the output reaches a pipe in full before the process ends.
process.exitCode = main(process.argv.slice(2));
