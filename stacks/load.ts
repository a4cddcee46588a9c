/**
 * Loads every `Pulumi.<stack>.yaml` of the project: the mesh is every stack file that declares
 * `clustermesh:cluster`. Each stack's program reads all of them, so one stack's preview sees
 * and validates the whole mesh; adding a region is adding a file.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import type { Problem } from "./problems";
import { secretConfigKeys, stackConfigSchemas, type StackConfig, type StackConfigKey } from "./schema";

export const CONFIG_NAMESPACE = "clustermesh";

/** One member of the mesh: a stack file that declares `clustermesh:cluster`. */
export interface MeshMember extends StackConfig {
    /** Stack name, from the file name `Pulumi.<stack>.yaml`. */
    readonly stack: string;
    /** File name relative to the project, e.g. `Pulumi.west.yaml`. */
    readonly file: string;
    /** Secret keys the file holds (encrypted), e.g. `sshPrivateKey`. */
    readonly secretKeys: readonly string[];
    /**
     * How long the file has been in the mesh, as a rank (0 oldest, ties share a rank): when two
     * members clash, the newer one is told to change, so a deployed cluster keeps its id and
     * addressing. Ties go to the lower cluster id.
     */
    readonly seniority: number;
}

export interface LoadedStacks {
    readonly members: MeshMember[];
    /** Stack files that hold no `clustermesh:cluster` (not in the mesh). */
    readonly others: string[];
    /** Shape problems: unknown or missing keys, wrong types, malformed values. */
    readonly problems: Problem[];
}

/** Example values used in "add it" fixes for required keys. */
const examples: Record<string, string> = {
    "cluster.name": "name: west",
    "cluster.id": "id: 3",
    "cluster.kind": "kind: k3s",
    "cluster.podCIDR": "podCIDR: 10.31.0.0/16",
    "cluster.serviceCIDR": "serviceCIDR: 10.32.0.0/16",
};

/** A stack file: `Pulumi.<stack>.yaml` (or `.yml`); `Pulumi.yaml` is the project file, not a stack. */
export const STACK_FILE = /^Pulumi\.[^.]+\.ya?ml$/;

/** The stack files in `dir`, sorted by name. */
export function stackFileNames(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .filter((f) => STACK_FILE.test(f))
        .sort();
}

export function stackNameOf(file: string): string {
    return file.replace(/^Pulumi\./, "").replace(/\.ya?ml$/, "");
}

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
    let node = root;
    for (const key of keys) {
        if (node === null || typeof node !== "object") {
            return undefined;
        }
        node = (node as Record<PropertyKey, unknown>)[key];
    }
    return node;
}

function keyPath(section: string, keys: readonly PropertyKey[]): string {
    return keys.reduce<string>(
        (acc, k) => (typeof k === "number" ? `${acc}[${k}]` : `${acc}.${String(k)}`),
        `${CONFIG_NAMESPACE}:${section}`,
    );
}

function closest(word: string, candidates: readonly string[]): string | undefined {
    const distance = (a: string, b: string): number => {
        const row = Array.from({ length: b.length + 1 }, (_, i) => i);
        for (let i = 1; i <= a.length; i++) {
            let previous = row[0];
            row[0] = i;
            for (let j = 1; j <= b.length; j++) {
                const current = row[j];
                row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
                previous = current;
            }
        }
        return row[b.length];
    };
    const best = [...candidates].sort((a, b) => distance(word, a) - distance(word, b) || a.localeCompare(b))[0];
    return best !== undefined && distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function schemaKeys(schema: z.ZodType, keys: readonly PropertyKey[]): string[] {
    let node: unknown = schema;
    const unwrap = (n: unknown): unknown => {
        let current = n as { def?: { innerType?: unknown; element?: unknown; shape?: unknown; type?: string } };
        while (current?.def && (current.def.type === "default" || current.def.type === "optional")) {
            current = current.def.innerType as typeof current;
        }
        return current;
    };
    for (const key of keys) {
        const current = unwrap(node) as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } };
        if (current?.def?.type === "array") {
            node = current.def.element;
        } else if (current?.def?.type === "object" && typeof key === "string") {
            node = current.def.shape?.[key];
        }
    }
    const target = unwrap(node) as { def?: { type?: string; shape?: Record<string, unknown> } };
    return target?.def?.type === "object" ? Object.keys(target.def.shape ?? {}) : [];
}

function issueToProblems(file: string, section: StackConfigKey, raw: unknown, issue: z.core.$ZodIssue): Problem[] {
    const schema = stackConfigSchemas[section];
    const where = issue.path;
    if (issue.code === "unrecognized_keys") {
        const known = schemaKeys(schema, where);
        return issue.keys.map((unknownKey) => {
            const suggestion = closest(unknownKey, known);
            return {
                file,
                key: keyPath(section, [...where, unknownKey]),
                value: valueAt(raw, [...where, unknownKey]),
                message: "is not a known key",
                fix: suggestion ? `did you mean ${suggestion}? Known keys: ${known.join(", ")}` : `known keys: ${known.join(", ")}`,
            };
        });
    }
    const value = valueAt(raw, where);
    const dotted = [section, ...where.map(String)].join(".");
    if (value === undefined) {
        return [
            {
                file,
                key: keyPath(section, where),
                message: "is missing",
                fix: examples[dotted] ? `add it under ${CONFIG_NAMESPACE}:${section}, e.g. ${examples[dotted]}` : `add it under ${CONFIG_NAMESPACE}:${section}`,
            },
        ];
    }
    const fix =
        issue.code === "invalid_value"
            ? `use one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`
            : issue.code === "invalid_type"
              ? `write a ${issue.expected}`
              : issue.code === "too_small" || issue.code === "too_big"
                ? "see the config reference in the README for the allowed range"
                : "see the config reference in the README";
    const message =
        issue.code === "invalid_type"
            ? `is not a ${issue.expected}`
            : issue.code === "invalid_value"
              ? "is not an allowed value"
              : issue.message.replace(/^Invalid input: /, "is invalid: ").replace(/^Too (small|big): expected number to be /, "must be ");
    return [{ file, key: keyPath(section, where), value, message, fix }];
}

/** Parses one stack file's `config:` map. Returns the member (if it is one) and its problems. */
export function parseStackConfig(
    file: string,
    config: Record<string, unknown>,
    seniority = 0,
): { member?: MeshMember; problems: Problem[]; isMember: boolean } {
    const problems: Problem[] = [];
    const prefix = `${CONFIG_NAMESPACE}:`;
    const present = Object.keys(config).filter((k) => k.startsWith(prefix));
    if (!present.includes(`${prefix}cluster`)) {
        return { problems, isMember: false };
    }
    const sections = Object.keys(stackConfigSchemas) as StackConfigKey[];
    const secrets = Object.keys(secretConfigKeys);
    for (const key of present) {
        const bare = key.slice(prefix.length);
        if (!sections.includes(bare as StackConfigKey) && !secrets.includes(bare)) {
            const suggestion = closest(bare, [...sections, ...secrets]);
            problems.push({
                file,
                key,
                message: "is not a known key",
                fix: suggestion
                    ? `did you mean ${prefix}${suggestion}?`
                    : `known keys: ${[...sections, ...secrets].map((s) => prefix + s).join(", ")}`,
            });
        }
    }
    const secretKeys = secrets.filter((s) => present.includes(prefix + s));
    for (const s of secretKeys) {
        const raw = config[prefix + s];
        if (raw === null || typeof raw !== "object" || !("secure" in raw)) {
            problems.push({
                file,
                key: prefix + s,
                message: "is stored in plain text",
                fix: `store it encrypted: pulumi config set --secret ${prefix}${s} (and remove the plain value)`,
            });
        }
    }
    const parsed: Partial<StackConfig> = {};
    for (const section of sections) {
        const raw = config[prefix + section] ?? {};
        const result = stackConfigSchemas[section].safeParse(raw);
        if (result.success) {
            (parsed as Record<string, unknown>)[section] = result.data;
        } else {
            for (const issue of result.error.issues) {
                problems.push(...issueToProblems(file, section, raw, issue));
            }
        }
    }
    if (problems.length > 0) {
        return { problems, isMember: true };
    }
    return {
        member: { ...(parsed as StackConfig), stack: stackNameOf(file), file, secretKeys, seniority },
        problems,
        isMember: true,
    };
}

function git(dir: string, args: string[]): string | undefined {
    try {
        return execFileSync("git", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
        return undefined; // not a git checkout, or no git
    }
}

/**
 * How old each stack file is, as a rank (0 oldest; files of equal age share a rank). In a git
 * checkout: the commit that added it (files added together tie), and files new or changed in
 * the work tree are newest. Elsewhere: modification time.
 */
export function fileAges(dir: string, files: readonly string[]): Map<string, number> {
    const log = files.length > 0 ? git(dir, ["log", "--reverse", "--diff-filter=A", "--format=format:@", "--name-only", "--relative", "--", ...files]) : undefined;
    const ages = new Map<string, number>();
    if (log === undefined) {
        const times = [...new Set(files.map((f) => fs.statSync(path.join(dir, f)).mtimeMs))].sort((a, b) => a - b);
        for (const f of files) {
            ages.set(f, times.indexOf(fs.statSync(path.join(dir, f)).mtimeMs));
        }
        return ages;
    }
    let commit = -1;
    for (const line of log.split("\n")) {
        if (line === "@") {
            commit++;
        } else if (line.length > 0 && !ages.has(line)) {
            ages.set(line, commit);
        }
    }
    const changed = (git(dir, ["status", "--porcelain", "--untracked-files=all", "--", ...files]) ?? "")
        .split("\n")
        .map((l) => l.slice(3).trim())
        .filter((f) => f.length > 0);
    for (const f of files) {
        if (!ages.has(f) || changed.includes(f)) {
            ages.set(f, commit + 1);
        }
    }
    return ages;
}

/** Reads and parses every stack file in `dir`. */
export function loadStacks(dir: string): LoadedStacks {
    const members: MeshMember[] = [];
    const others: string[] = [];
    const problems: Problem[] = [];
    const files = stackFileNames(dir);
    const age = fileAges(dir, files);
    for (const file of files) {
        let doc: unknown;
        try {
            doc = parseYaml(fs.readFileSync(path.join(dir, file), "utf8"));
        } catch (err) {
            problems.push({
                file,
                key: "config",
                message: `is not valid YAML (${(err as Error).message.split("\n")[0]})`,
                fix: "fix the YAML syntax",
            });
            continue;
        }
        const config = valueAt(doc, ["config"]);
        if (config === undefined || config === null) {
            others.push(file);
            continue;
        }
        if (typeof config !== "object" || Array.isArray(config)) {
            problems.push({ file, key: "config", message: "is not a map of keys to values", fix: "write `config:` followed by indented keys" });
            continue;
        }
        const result = parseStackConfig(file, config as Record<string, unknown>, age.get(file));
        problems.push(...result.problems);
        if (result.member) {
            members.push(result.member);
        } else if (!result.isMember) {
            others.push(file);
        }
    }
    members.sort((a, b) => a.cluster.id - b.cluster.id || a.cluster.name.localeCompare(b.cluster.name) || a.file.localeCompare(b.file));
    return { members, others, problems };
}
