/**
 * Placeholders left in stack files: values the repository's own files and examples carry so
 * that they validate, but that no real deploy can use. They are not errors (the offline plan of
 * the sample mesh must work), so every plan and `add-region` warns about each, naming the file,
 * the key and what to put there. Pure: parsed stack files in, warnings out.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parseAddress, parseCidr, overlaps, type CidrRange } from "../lib/cidr";
import { stackFileNames } from "./load";

/** A rule: which values are placeholders, and why. Each row names its source. */
interface PlaceholderRange {
    readonly cidr: string;
    /** Where the range is reserved. */
    readonly source: string;
}

/** Address ranges reserved for documentation: never routed, so no operator is ever in them. */
export const DOCUMENTATION_RANGES: readonly PlaceholderRange[] = [
    { cidr: "192.0.2.0/24", source: "RFC 5737 TEST-NET-1" },
    { cidr: "198.51.100.0/24", source: "RFC 5737 TEST-NET-2" },
    { cidr: "203.0.113.0/24", source: "RFC 5737 TEST-NET-3" },
    { cidr: "2001:db8::/32", source: "RFC 3849 IPv6 documentation prefix" },
];

/** The text a placeholder secret carries in the examples (`secure: v1:replace-with-...`). */
export const PLACEHOLDER_SECRET = /replace-with-/;

export interface PlaceholderWarning {
    readonly file: string;
    /** Full config key with its path, e.g. `clustermesh:cluster.operatorCIDRs[0]`. */
    readonly key: string;
    /** The value as written; for a secret, only that it is a placeholder (never its text). */
    readonly value: string;
    readonly message: string;
}

const documentation: ReadonlyArray<{ range: CidrRange; source: string }> = DOCUMENTATION_RANGES.map((r) => ({ range: parseCidr(r.cidr)!, source: r.source }));

function documentationRange(text: string): string | undefined {
    const range = parseCidr(text) ?? parseAddress(text);
    if (!range) {
        return undefined;
    }
    const hit = documentation.find((d) => overlaps(d.range, range) && range.first >= d.range.first && range.last <= d.range.last);
    return hit ? `${hit.range.text}, ${hit.source}` : undefined;
}

function fixFor(key: string): string {
    if (/operatorCIDRs/.test(key)) {
        return "put the address you run pulumi up from (curl -s https://checkip.amazonaws.com, then /32)";
    }
    return "put the real address there";
}

function walk(file: string, key: string, value: unknown, into: PlaceholderWarning[]): void {
    if (typeof value === "string") {
        const range = documentationRange(value);
        if (range) {
            into.push({ file, key, value, message: `is in a documentation range (${range}) that is never routed, so a real deploy cannot use it: ${fixFor(key)}` });
        }
        return;
    }
    if (Array.isArray(value)) {
        value.forEach((v, i) => walk(file, `${key}[${i}]`, v, into));
        return;
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length === 1 && entries[0][0] === "secure") {
            if (typeof entries[0][1] === "string" && PLACEHOLDER_SECRET.test(entries[0][1])) {
                into.push({
                    file,
                    key,
                    value: "(placeholder secret)",
                    message: `is a placeholder, not an encrypted secret: set it with pulumi config set --secret --path '${key}' -s ${stackOf(file)} (reading the value from a file or stdin, never the command line)`,
                });
            }
            return;
        }
        for (const [k, v] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
            walk(file, key.length > 0 ? `${key}.${k}` : k, v, into);
        }
    }
}

function stackOf(file: string): string {
    return file.replace(/^Pulumi\./, "").replace(/\.ya?ml$/, "");
}

/** The placeholders of one parsed stack file (its whole document), in key order. */
export function placeholdersOf(file: string, doc: unknown): PlaceholderWarning[] {
    const config = (doc as { config?: unknown } | null)?.config;
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        return [];
    }
    const found: PlaceholderWarning[] = [];
    for (const [key, value] of Object.entries(config as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        walk(file, key, value, found);
    }
    return found;
}

/** One line: `Pulumi.east.yaml: clustermesh:cluster.operatorCIDRs[0] 203.0.113.10/32 is in ...`. */
export function formatPlaceholder(w: PlaceholderWarning): string {
    return `${w.file}: ${w.key} ${w.value} ${w.message}`;
}

/** The placeholders of every stack file in `dir` (files that do not parse are the loader's problem). */
export function findPlaceholders(dir: string): PlaceholderWarning[] {
    // A missing folder is the loader's problem (it names the folder and the fix).
    if (!fs.existsSync(dir)) return [];
    return stackFileNames(dir).flatMap((file) => {
        try {
            return placeholdersOf(file, parseYaml(fs.readFileSync(path.join(dir, file), "utf8")));
        } catch {
            return [];
        }
    });
}
