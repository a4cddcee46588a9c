/**
 * Test support: the generated stack files of stacks/sample-stacks.ts, and stack files shaped
 * like the repository's own Pulumi.east.yaml.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";

export * from "../stacks/sample-stacks";

/**
 * Writes stack files shaped like the repository's own Pulumi.east.yaml, with name, id and CIDRs
 * changed as the README's "Add a region" says, into a new temporary directory; returns it.
 */
export function projectLikeEast(specs: ReadonlyArray<{ stack: string; id: number; link?: boolean; podCIDR?: string }>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-east-"));
    const east = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.east.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: clustermesh\nruntime: nodejs\n");
    for (const spec of specs) {
        const n = spec.id * 10;
        const config = structuredClone(east.config);
        config["clustermesh:cluster"] = {
            ...config["clustermesh:cluster"],
            name: spec.stack,
            id: spec.id,
            vpcCIDR: `10.${n}.0.0/16`,
            podCIDR: spec.podCIDR ?? `10.${n + 1}.0.0/16`,
            serviceCIDR: `10.${n + 2}.0.0/16`,
        };
        config["clustermesh:mesh"] = { link: spec.link ?? false };
        fs.writeFileSync(path.join(dir, `Pulumi.${spec.stack}.yaml`), stringify({ config }));
    }
    return dir;
}
