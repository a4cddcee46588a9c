/**
 * Edits one value of a stack file the way the mesh runner needs (`clustermesh:mesh.link: true`,
 * or `null` to remove a key, as mesh upgrade removes `clustermesh:cilium.preflight`):
 * the YAML document is edited in memory (comments, order and encrypted values kept), written to
 * a temporary file beside it and renamed over it. A rename is atomic, so a program reading the
 * file sees the old one or the new one, never a half-written one.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { projectFileIn } from "../../stacks/load";

/** `clustermesh:mesh.link` -> the path `config` / `clustermesh:mesh` / `link` in the stack file. */
function configPath(key: string): string[] {
    const dot = key.indexOf(".");
    return dot < 0 ? ["config", key] : ["config", key.slice(0, dot), ...key.slice(dot + 1).split(".")];
}

/** A value the runner writes into a stack file; `null` removes the key. */
export type StackFileValue = string | boolean | number | null;

export function setStackFileValue(dir: string, stack: string, key: string, value: StackFileValue): void {
    const ext = projectFileIn(dir).endsWith(".yml") ? "yml" : "yaml";
    const file = path.join(dir, `Pulumi.${stack}.${ext}`);
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    const parsed = parseDocument(text.trim() === "" ? "{}\n" : text);
    if (parsed.errors.length > 0) {
        throw new Error(`${path.basename(file)} is not valid YAML (${parsed.errors[0].message.split("\n")[0]}); nothing was written`);
    }
    const doc = parsed;
    if (value === null) {
        if (!doc.hasIn(configPath(key))) {
            return;
        }
        doc.deleteIn(configPath(key));
    } else {
        doc.setIn(configPath(key), value);
    }
    const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
    const mode = fs.existsSync(file) ? fs.statSync(file).mode & 0o777 : 0o644;
    const fd = fs.openSync(temp, "w", mode);
    try {
        fs.writeSync(fd, doc.toString());
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
}
