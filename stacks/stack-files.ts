/**
 * Which files are stack files, by Pulumi's own rules, and the file-level problems that would
 * otherwise make a member vanish or appear twice: a stack name Pulumi would refuse, a
 * `.yml`/`.yaml` twin (two members of one stack), a stack file Pulumi never reads (the other
 * extension than the project file's), keys outside `config:` or outside the `clustermesh:`
 * namespace.
 */
import { byCodePoint } from "../lib/order";
import type { Problem } from "./problems";

/**
 * Pulumi's stack-name rule: letters, digits, `_`, `.` and `-`, 1 to 100 characters
 * (pulumi/pkg backend `validateStackName`: `^[A-Za-z0-9_.-]{1,100}$`). Dots are allowed:
 * `Pulumi.eu.central.yaml` is the stack `eu.central`.
 */
export const PULUMI_STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** A stack file: `Pulumi.<stack>.yaml` (or `.yml`); `Pulumi.yaml` is the project file, not a stack. */
export const STACK_FILE = /^Pulumi\.(.+)\.(yaml|yml)$/;

/** The stack name of a stack file name: everything between `Pulumi.` and the extension. */
export function stackNameOf(file: string): string {
    return file.replace(/^Pulumi\./, "").replace(/\.ya?ml$/, "");
}

/** The stack files among `names` (a directory listing), sorted by code point. */
export function stackFilesOf(names: readonly string[]): string[] {
    return names.filter((f) => STACK_FILE.test(f)).sort(byCodePoint);
}

/**
 * Problems of the file names alone: stack names Pulumi refuses, twins, and stack files Pulumi
 * never reads because the project file is `Pulumi.<ext>` of the other extension (Pulumi reads
 * `Pulumi.<stack>` + the project file's extension). `projectFile` is `Pulumi.yaml` unless the
 * project says otherwise. Returns the problems and the files that are stack files to load.
 */
export function stackFileProblems(files: readonly string[], projectFile = "Pulumi.yaml"): { problems: Problem[]; load: string[] } {
    const problems: Problem[] = [];
    const load: string[] = [];
    const ext = projectFile.endsWith(".yml") ? "yml" : "yaml";
    const byStack = new Map<string, string[]>();
    for (const file of [...files].sort(byCodePoint)) {
        const stack = stackNameOf(file);
        byStack.set(stack, [...(byStack.get(stack) ?? []), file]);
    }
    for (const [stack, twins] of [...byStack.entries()].sort(([a], [b]) => byCodePoint(a, b))) {
        if (!PULUMI_STACK_NAME.test(stack)) {
            const fixed = stack.replace(/[^A-Za-z0-9_.-]+/g, "-").slice(0, 100) || "stack";
            for (const file of twins) {
                problems.push({
                    file,
                    key: "(file name)",
                    value: JSON.stringify(stack),
                    message: "is not a stack name Pulumi accepts (letters, digits, '_', '.' and '-', at most 100)",
                    fix: `rename the file, e.g. to Pulumi.${fixed}.${ext}`,
                });
            }
            continue;
        }
        const read = `Pulumi.${stack}.${ext}`;
        if (twins.length > 1) {
            for (const file of twins.filter((f) => f !== read)) {
                problems.push({
                    file,
                    key: "(file name)",
                    message: `is a twin of ${read}: two files for the stack ${stack}, and Pulumi reads only ${read} (the extension of ${projectFile})`,
                    fix: `did you mean to edit ${read}? Merge what you need into it and delete ${file}`,
                });
            }
            load.push(read);
            continue;
        }
        const [file] = twins;
        if (file !== read) {
            problems.push({
                file,
                key: "(file name)",
                message: `is never read by Pulumi, which reads ${read} for the stack ${stack} (the extension of ${projectFile})`,
                fix: `did you mean ${read}? Rename the file`,
            });
            continue;
        }
        load.push(file);
    }
    return { problems, load };
}

/** Top-level keys of a Pulumi stack file (Pulumi's `ProjectStack`), besides `config`. */
export const STACK_DOCUMENT_KEYS = ["config", "encryptionsalt", "encryptedkey", "secretsprovider", "environment"] as const;

/** Config namespaces other than the program's own that a stack file may hold: Pulumi's own (`pulumi:tags`). */
export const OTHER_CONFIG_NAMESPACES = ["pulumi"] as const;
