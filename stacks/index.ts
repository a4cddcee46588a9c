/**
 * Typed stack configuration and mesh-wide validation: the one entry point the program uses
 * before it creates anything.
 */
import * as fs from "fs";
import * as path from "path";
import { loadStacks, type MeshMember } from "./load";
import { findPlaceholders, type PlaceholderWarning } from "./placeholders";
import { MeshConfigError, type Problem } from "./problems";
import { validateMesh } from "./validate";

export * from "../lib/cidr";
export * from "../lib/cilium-version";
export * from "./build";
export * from "./load";
export * from "./placeholders";
export * from "./problems";
export * from "./schema";
export * from "./suggest";
export * from "./validate";

export interface Mesh {
    /** Every member, ordered by cluster id. */
    readonly members: readonly MeshMember[];
    /** The member this stack builds. */
    readonly self: MeshMember;
    /** Every member but this one, ordered by cluster id. */
    readonly peers: readonly MeshMember[];
    /** Facts that do not stop the run, e.g. the AWS peering limit. */
    readonly notes: readonly string[];
}

/**
 * Where the stack files are: `CLUSTERMESH_PROJECT_DIR`, else `rootDirectory` (the directory of
 * the Pulumi.yaml being run, which differs from the program's when the project's `main` points
 * elsewhere, as in examples/kind-lab), else the current directory.
 */
export function projectDir(rootDirectory?: string): string {
    return process.env.CLUSTERMESH_PROJECT_DIR ?? (rootDirectory || process.cwd());
}

/** Loads and validates the whole mesh without singling out a stack; problems are returned. */
export function inspectMesh(dir: string): { members: MeshMember[]; problems: Problem[]; notes: string[]; others: string[]; placeholders: PlaceholderWarning[] } {
    const loaded = loadStacks(dir);
    const validation = validateMesh(loaded.members, loaded.suggestions);
    return {
        members: loaded.members,
        problems: [...loaded.problems, ...validation.problems],
        notes: validation.notes,
        others: loaded.others,
        // Values no real deploy can use (documentation ranges, placeholder secrets): warnings.
        placeholders: findPlaceholders(dir),
    };
}

/**
 * Loads every stack file in `dir`, validates the whole mesh, and returns it as seen from
 * `stack`. Throws MeshConfigError listing every problem when anything is wrong.
 */
export function loadMesh(dir: string, stack: string): Mesh {
    const { members, problems, notes } = inspectMesh(dir);
    const file = ["yaml", "yml"].map((ext) => `Pulumi.${stack}.${ext}`).find((f) => fs.existsSync(path.join(dir, f))) ?? `Pulumi.${stack}.yaml`;
    const self = members.find((m) => m.stack === stack);
    if (!self && !problems.some((p) => p.file === file)) {
        problems.push({
            file,
            key: "clustermesh:cluster",
            message: fs.existsSync(path.join(dir, file))
                ? "is missing: this stack's file says clustermesh:member: false, so the stack builds nothing"
                : "is missing: the stack file does not exist",
            fix: "copy Pulumi.east.yaml to this file and change name, id, CIDRs and region (README: Add a region)",
        });
    }
    if (problems.length > 0 || !self) {
        throw new MeshConfigError(problems);
    }
    return { members, self, peers: members.filter((m) => m !== self), notes };
}
