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
import { MEMBER_KEY, secretConfigKeys, stackConfigSchemas, type StackConfig, type StackConfigKey } from "./schema";
import { factsOfConfig, Suggestions } from "./suggest";
import { OTHER_CONFIG_NAMESPACES, STACK_DOCUMENT_KEYS, STACK_FILE, stackFileProblems, stackFilesOf, stackNameOf } from "./stack-files";
import { preview } from "./redact";
import { byCodePoint } from "../lib/order";

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
    /** Stack files that say `clustermesh:member: false` (deliberately not in the mesh). */
    readonly others: string[];
    /** Shape problems: unknown or missing keys, wrong types, malformed values, member-less files. */
    readonly problems: Problem[];
    /** Free values for fixes, aware of everything every file uses; validation keeps handing them out. */
    readonly suggestions: Suggestions;
}

/** Example values used in "add it" fixes for required keys; ids and ranges are free in the mesh. */
function example(dotted: string, stack: string, suggestions: Suggestions): string | undefined {
    switch (dotted) {
        case "cluster.name":
            return `name: ${suggestions.name(stack)}`;
        case "cluster.id":
            return `id: ${suggestions.id(255) ?? 1}`;
        case "cluster.kind":
            return "kind: k3s";
        case "cluster.podCIDR":
            return `podCIDR: ${suggestions.range("10.31.0.0/16") ?? "10.31.0.0/16"}`;
        case "cluster.serviceCIDR":
            return `serviceCIDR: ${suggestions.range("10.32.0.0/16") ?? "10.32.0.0/16"}`;
        default:
            return undefined;
    }
}

/** Why a range has a bound, where the bare numbers would not say (shown with the range). */
const rangeNames: Record<string, string> = {
    "cilium.apiserverNodePort": "the Kubernetes NodePort range",
};

/** Keys whose values are CIDRs: a malformed one is answered with a free range of the mesh. */
const cidrKeys = new Set(["cluster.podCIDR", "cluster.serviceCIDR", "cluster.vpcCIDR"]);
const cidrHints: Record<string, string> = { "cluster.podCIDR": "10.31.0.0/16", "cluster.serviceCIDR": "10.32.0.0/16", "cluster.vpcCIDR": "10.30.0.0/16" };

export { STACK_FILE, stackNameOf };

/** The stack files in `dir`, sorted by code point (every `Pulumi.<x>.yaml`/`.yml`, also ones `stackFileProblems` refuses). */
export function stackFileNames(dir: string): string[] {
    return stackFilesOf(fs.readdirSync(dir));
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
    const best = [...candidates].sort((a, b) => distance(word, a) - distance(word, b) || byCodePoint(a, b))[0];
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

/** The min and max a number field allows, read off its schema. */
function numberBounds(schema: z.ZodType, keys: readonly PropertyKey[]): { min?: number; max?: number } {
    let node = schema as unknown as { def?: { type?: string; innerType?: unknown; element?: unknown; shape?: Record<string, unknown> }; minValue?: number | null; maxValue?: number | null };
    const unwrap = () => {
        while (node?.def && (node.def.type === "default" || node.def.type === "optional")) {
            node = node.def.innerType as typeof node;
        }
    };
    for (const key of keys) {
        unwrap();
        node = (node?.def?.type === "array" ? node.def.element : node?.def?.shape?.[String(key)]) as typeof node;
    }
    unwrap();
    const finite = (n: number | null | undefined) => (typeof n === "number" && Number.isFinite(n) && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined);
    return { min: finite(node?.minValue), max: finite(node?.maxValue) };
}

/** The fix for a malformed CIDR: the range it was probably meant to be when that is free, else a free one of its size. */
function cidrFix(dotted: string, value: unknown, suggestions: Suggestions): string {
    const text = typeof value === "string" ? value.trim() : "";
    const sized = /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(text) ? text : cidrHints[dotted];
    const free = suggestions.range(sized) ?? suggestions.range(cidrHints[dotted]);
    return free ? `write it as address/prefix with the host bits zero, e.g. ${free} (free in the whole mesh)` : "write it as address/prefix with the host bits zero";
}

function issueToProblems(file: string, section: StackConfigKey, raw: unknown, issue: z.core.$ZodIssue, suggestions: Suggestions): Problem[] {
    const schema = stackConfigSchemas[section];
    const where = issue.path;
    if (issue.code === "unrecognized_keys") {
        const known = schemaKeys(schema, where);
        return issue.keys.map((unknownKey) => {
            const suggestion = closest(unknownKey, known);
            return {
                file,
                key: keyPath(section, [...where, unknownKey]),
                value: preview(unknownKey, valueAt(raw, [...where, unknownKey])),
                message: "is not a known key",
                fix: suggestion ? `did you mean ${suggestion}? Known keys: ${known.join(", ")}` : `known keys: ${known.join(", ")}`,
            };
        });
    }
    const value = valueAt(raw, where);
    const dotted = [section, ...where.map(String)].join(".");
    const field = String(where[where.length - 1] ?? section);
    if (value === undefined) {
        const e = example(dotted, stackNameOf(file), suggestions);
        return [
            {
                file,
                key: keyPath(section, where),
                message: "is missing",
                fix: e ? `add it under ${CONFIG_NAMESPACE}:${section}, e.g. ${e}` : `add it under ${CONFIG_NAMESPACE}:${section}`,
            },
        ];
    }
    const key = keyPath(section, where);
    if (issue.code === "invalid_type" && typeof value === "string" && (issue.expected === "number" || issue.expected === "boolean")) {
        // `id: "2"` is the string "2": printing it bare would read "id 2 is not a number".
        const bare = value.trim();
        const meant = issue.expected === "number" ? /^-?\d+(\.\d+)?$/.test(bare) : /^(true|false)$/.test(bare);
        const fallback = dotted === "cluster.id" ? `${field}: ${suggestions.id(255) ?? 1}` : undefined;
        return [
            {
                file,
                key,
                value: JSON.stringify(value),
                message: `is a string, not a ${issue.expected}`,
                fix: meant ? `write it without quotes: ${field}: ${bare}` : `write a ${issue.expected}${fallback ? `, e.g. ${fallback}` : ""}`,
            },
        ];
    }
    if ((issue.code === "too_small" || issue.code === "too_big") && typeof value === "number" && /^Too (small|big)/.test(issue.message)) {
        const { min, max } = numberBounds(stackConfigSchemas[section], where);
        const span = min !== undefined && max !== undefined ? `${min}-${max}` : min !== undefined ? `${min} or more` : `${max} or less`;
        const named = rangeNames[dotted] ? `${rangeNames[dotted]} ${span}` : span;
        const free = dotted === "cilium.apiserverNodePort" ? suggestions.nodePort() : issue.code === "too_small" ? min : max;
        return [{ file, key, value, message: `is outside ${named}`, fix: free !== undefined ? `use e.g. ${field}: ${free}` : `use a value in ${span}` }];
    }
    if (cidrKeys.has(dotted) && issue.code === "custom") {
        return [{ file, key, value, message: "is not a CIDR block", fix: cidrFix(dotted, value, suggestions) }];
    }
    const fix =
        issue.code === "invalid_value"
            ? `use one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`
            : issue.code === "invalid_type"
              ? `write a ${issue.expected}`
              : "see the config reference in the README";
    const message =
        issue.code === "invalid_type"
            ? `is not a ${issue.expected}`
            : issue.code === "invalid_value"
              ? "is not an allowed value"
              : issue.message.replace(/^Invalid input: /, "is invalid: ").replace(/^Too (small|big): expected number to be /, "must be ");
    return [{ file, key, value, message, fix }];
}

/**
 * The problem of a stack file that declares no member: planning without it would drop the
 * member from every peer's plan, and a linked peer's next `up` would delete the link, the VPC
 * peering and its routes. Removing a member is only ever deliberate.
 */
export function memberlessProblem(file: string, what: string): Problem {
    const stack = stackNameOf(file);
    return {
        file,
        key: `${CONFIG_NAMESPACE}:cluster`,
        message: `is missing: the file ${what}, which would silently remove ${stack} from the mesh (a linked peer's next up would delete its link, VPC peering and routes)`,
        fix:
            `restore the file (e.g. git checkout -- ${file}); to retire ${stack} on purpose, restore it, run npm run mesh -- destroy --stacks ${stack}, then delete the file; ` +
            `a stack that is deliberately not a mesh member says so with ${CONFIG_NAMESPACE}:${MEMBER_KEY}: false`,
    };
}

/**
 * Parses one stack file's `config:` map. Returns the member (if it is one) and its problems.
 * `suggestions` offers the free ids and ranges of fixes; give one built from the whole mesh
 * (`loadStackConfigs` does), or suggestions may clash with members it does not know.
 */
export function parseStackConfig(
    file: string,
    config: Record<string, unknown>,
    seniority = 0,
    suggestions: Suggestions = new Suggestions([factsOfConfig(config)]),
): { member?: MeshMember; problems: Problem[]; isMember: boolean } {
    // A file that says it is no member may hold another program's keys; a member-less file is
    // refused anyway, and only keys that look like ours are worth a "did you mean" there.
    const declared = `${CONFIG_NAMESPACE}:cluster` in config;
    const foreign = config[`${CONFIG_NAMESPACE}:${MEMBER_KEY}`] === false ? [] : foreignKeyProblems(file, config, declared);
    const result = parseOwnKeys(file, config, seniority, suggestions);
    if (foreign.length === 0) {
        return result;
    }
    return { problems: [...foreign, ...result.problems], isMember: result.isMember || result.member !== undefined };
}

/** Every key the program reads, bare (`cluster`, `sshPrivateKey`, `member`). */
function knownBareKeys(): string[] {
    return [...Object.keys(stackConfigSchemas), ...Object.keys(secretConfigKeys), MEMBER_KEY];
}

/**
 * Keys outside the `clustermesh:` namespace. Pulumi would hand a key without a namespace to no
 * one (`cluster:` instead of `clustermesh:cluster:`), and keys of other namespaces (`aws:region`)
 * are not read by this program, which configures its providers itself: either way the setting
 * would be silently ignored, so it is refused with the key it was probably meant to be.
 */
function foreignKeyProblems(file: string, config: Record<string, unknown>, all: boolean): Problem[] {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const known = knownBareKeys();
    const problems: Problem[] = [];
    for (const key of Object.keys(config).sort(byCodePoint)) {
        if (key.startsWith(prefix)) continue;
        const colon = key.indexOf(":");
        const namespace = colon < 0 ? undefined : key.slice(0, colon);
        const bare = colon < 0 ? key : key.slice(colon + 1);
        if (namespace !== undefined && (OTHER_CONFIG_NAMESPACES as readonly string[]).includes(namespace)) continue;
        const meant = closest(bare.split(".")[0], known);
        const nearNamespace = namespace === undefined || closest(namespace, [CONFIG_NAMESPACE]) !== undefined;
        if (!all && !nearNamespace) continue;
        const rest = bare.includes(".") ? bare.slice(bare.indexOf(".")) : "";
        problems.push({
            file,
            key,
            value: preview(key, config[key]),
            message:
                namespace === undefined
                    ? `has no namespace, so this program never reads it (every key it reads is ${prefix}<key>)`
                    : `is in the namespace ${namespace}, which this program does not read (it reads only ${prefix}* keys and configures its providers itself)`,
            fix:
                meant && nearNamespace
                    ? `did you mean ${prefix}${meant}${rest}? Rename the key`
                    : meant
                      ? `did you mean ${prefix}${meant}${rest}? Otherwise remove the key`
                      : `remove it; the keys this program reads are ${known.map((k) => prefix + k).join(", ")}`,
        });
    }
    return problems;
}

function parseOwnKeys(
    file: string,
    config: Record<string, unknown>,
    seniority: number,
    suggestions: Suggestions,
): { member?: MeshMember; problems: Problem[]; isMember: boolean } {
    const problems: Problem[] = [];
    const prefix = `${CONFIG_NAMESPACE}:`;
    const present = Object.keys(config).filter((k) => k.startsWith(prefix));
    const memberKey = `${prefix}${MEMBER_KEY}`;
    if (present.includes(memberKey)) {
        const flag = config[memberKey];
        if (flag !== false) {
            problems.push({
                file,
                key: memberKey,
                value: flag,
                message: "only takes false: it marks a stack file that is deliberately not a mesh member",
                fix: `remove ${memberKey} to make the stack a member, or write ${memberKey}: false`,
            });
            return { problems, isMember: true };
        }
        if (present.includes(`${prefix}cluster`)) {
            problems.push({
                file,
                key: memberKey,
                value: false,
                message: `contradicts ${prefix}cluster in the same file`,
                fix: `remove ${memberKey} to keep ${stackNameOf(file)} in the mesh; to retire it, run npm run mesh -- destroy --stacks ${stackNameOf(file)} first`,
            });
            return { problems, isMember: true };
        }
        return { problems, isMember: false };
    }
    if (!present.includes(`${prefix}cluster`)) {
        problems.push(memberlessProblem(file, Object.keys(config).length === 0 ? "holds no configuration" : `holds no ${prefix}cluster`));
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
                problems.push(...issueToProblems(file, section, raw, issue, suggestions));
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
 * the work tree are newest. Elsewhere every file ties (never modification times, which a copy changes).
 */
export function fileAges(dir: string, files: readonly string[]): Map<string, number> {
    const log = files.length > 0 ? git(dir, ["log", "--reverse", "--diff-filter=A", "--format=format:@", "--name-only", "--relative", "--", ...files]) : undefined;
    const ages = new Map<string, number>();
    if (log === undefined) {
        // Outside git nothing tells reliably which file came first (modification times change
        // with a copy or a checkout): every file is as old as the others, and clashes are told to
        // the member with the higher cluster id, the same on every machine.
        for (const f of files) {
            ages.set(f, 0);
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

/** One stack file as read: its parsed YAML document, or why it could not be parsed. */
export interface StackFileEntry {
    readonly file: string;
    readonly doc?: unknown;
    /** The YAML parser's first line of error, when the file is not YAML. */
    readonly yamlError?: string;
    /** Age rank (0 oldest); see `MeshMember.seniority`. */
    readonly seniority?: number;
}

/** Keys at the top of a stack file that Pulumi does not know (`clustermesh:cluster:` not under `config:`). */
function documentKeyProblems(file: string, doc: unknown): Problem[] {
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
        return [];
    }
    return Object.keys(doc)
        .filter((k) => !(STACK_DOCUMENT_KEYS as readonly string[]).includes(k))
        .sort(byCodePoint)
        .map((key) => {
            const ours = key.startsWith(`${CONFIG_NAMESPACE}:`);
            const meant = closest(key, STACK_DOCUMENT_KEYS);
            return {
                file,
                key,
                value: preview(key, (doc as Record<string, unknown>)[key]),
                message: "is not a key of a Pulumi stack file (its top level holds config, encryptionsalt, encryptedkey, secretsprovider, environment), so it would be ignored",
                fix: ours ? `did you mean to put it under config:? Indent it below config:` : meant ? `did you mean ${meant}?` : "remove it, or move it under config:",
            };
        });
}

/** Parses read stack files into members and problems. Pure: no file system. */
export function loadStackConfigs(entries: readonly StackFileEntry[]): LoadedStacks {
    const members: MeshMember[] = [];
    const others: string[] = [];
    const problems: Problem[] = [];
    // Everything every file names is taken, even in files that fail to parse, so no fix offers it.
    const suggestions = new Suggestions(entries.map((e) => factsOfConfig(valueAt(e.doc, ["config"]))));
    for (const { file, doc, yamlError, seniority } of entries) {
        if (yamlError !== undefined) {
            problems.push({ file, key: "config", message: `is not valid YAML (${yamlError})`, fix: "fix the YAML syntax" });
            continue;
        }
        const config = valueAt(doc, ["config"]);
        if (config === undefined || config === null) {
            problems.push(memberlessProblem(file, doc === undefined || doc === null ? "is empty" : "has no config: section"));
            continue;
        }
        if (typeof config !== "object" || Array.isArray(config)) {
            problems.push({ file, key: "config", message: "is not a map of keys to values", fix: "write `config:` followed by indented keys" });
            continue;
        }
        const strays = documentKeyProblems(file, doc);
        if (strays.length > 0) {
            problems.push(...strays);
            continue;
        }
        const result = parseStackConfig(file, config as Record<string, unknown>, seniority ?? 0, suggestions);
        problems.push(...result.problems);
        if (result.member) {
            members.push(result.member);
        } else if (!result.isMember && result.problems.length === 0) {
            others.push(file);
        }
    }
    members.sort((a, b) => a.cluster.id - b.cluster.id || byCodePoint(a.cluster.name, b.cluster.name) || byCodePoint(a.file, b.file));
    return { members, others, problems, suggestions };
}

/** The project file in `dir`: `Pulumi.yaml`, or `Pulumi.yml` when only that exists. */
export function projectFileIn(dir: string): string {
    return !fs.existsSync(path.join(dir, "Pulumi.yaml")) && fs.existsSync(path.join(dir, "Pulumi.yml")) ? "Pulumi.yml" : "Pulumi.yaml";
}

/**
 * The project's name (`name:` in its project file): the second part of every URN and the
 * `<project>-<stack>` root the engine puts resources under. "clustermesh" when the file or the
 * key is missing (the program's own project).
 */
export function projectNameIn(dir: string): string {
    try {
        const name = (parseYaml(fs.readFileSync(path.join(dir, projectFileIn(dir)), "utf8")) as { name?: unknown } | null)?.name;
        return typeof name === "string" && name.trim() !== "" ? name.trim() : "clustermesh";
    } catch {
        return "clustermesh";
    }
}

/**
 * Reads and parses every stack file in `dir`. A folder that does not exist, or holds no stack
 * file, is a problem (not an empty mesh): `--dir` to the wrong folder would otherwise plan nothing
 * and succeed.
 */
export function loadStacks(dir: string): LoadedStacks {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
        return { members: [], others: [], problems: [folderProblem(dir, fs.existsSync(dir) ? "is not a folder" : "does not exist")], suggestions: new Suggestions([]) };
    }
    const names = stackFileNames(dir);
    const { problems: nameProblems, load } = stackFileProblems(names, projectFileIn(dir));
    if (names.length === 0) {
        return { members: [], others: [], problems: [folderProblem(dir, "holds no stack file (Pulumi.<stack>.yaml)")], suggestions: new Suggestions([]) };
    }
    const age = fileAges(dir, load);
    const loaded = loadStackConfigs(
        load.map((file): StackFileEntry => {
            try {
                return { file, doc: parseYaml(fs.readFileSync(path.join(dir, file), "utf8")) as unknown, seniority: age.get(file) };
            } catch (err) {
                return { file, yamlError: (err as Error).message.split("\n")[0], seniority: age.get(file) };
            }
        }),
    );
    return { ...loaded, problems: [...nameProblems, ...loaded.problems] };
}

/** The problem of a project folder that cannot hold the mesh. */
function folderProblem(dir: string, what: string): Problem {
    return {
        file: dir,
        key: "(project folder)",
        message: what,
        fix: "give the folder that holds Pulumi.yaml and the Pulumi.<stack>.yaml files (--dir DIR or CLUSTERMESH_PROJECT_DIR), e.g. --dir examples/kind-lab",
    };
}
