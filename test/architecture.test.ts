/**
 * The layers of ARCHITECTURE.md, checked on the import statements of shipped code: lib/
 * imports nothing of the project, components/ nothing but lib/, no folder of components/
 * imports one that imports it back, and shipped code imports no test support.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.join(__dirname, "..");
const skip = new Set(["node_modules", ".git", "bin", ".scratch"]);

function sources(dir: string): string[] {
    return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
        const rel = path.join(dir, entry.name);
        if (skip.has(entry.name)) return [];
        if (entry.isDirectory()) return sources(rel);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [rel] : [];
    });
}

/** Project-relative paths a file imports (relative specifiers only). */
function imports(file: string): string[] {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+["'](\.[^"']+)["']/g)].map((m) => m[1]);
    return specs.map((s) => path.normalize(path.join(path.dirname(file), s)));
}

const topFolder = (rel: string): string => rel.split(path.sep)[0];

describe("layers", () => {
    it("lib/ imports nothing of the project outside lib/", () => {
        for (const file of sources("lib")) {
            for (const target of imports(file)) {
                assert.equal(topFolder(target), "lib", `${file} imports ${target}`);
            }
        }
    });

    it("components/ imports only components/ and lib/", () => {
        for (const file of sources("components")) {
            for (const target of imports(file)) {
                assert.ok(["components", "lib"].includes(topFolder(target)), `${file} imports ${target}`);
            }
        }
    });

    it("no two folders of components/ import each other", () => {
        const edges = new Set<string>();
        for (const file of sources("components")) {
            const from = file.split(path.sep)[1];
            for (const target of imports(file)) {
                const to = target.split(path.sep)[1];
                if (topFolder(target) === "components" && to !== from && !to.endsWith(".ts")) edges.add(`${from}->${to}`);
            }
        }
        for (const edge of edges) {
            const [from, to] = edge.split("->");
            assert.ok(!edges.has(`${to}->${from}`), `components/${from} and components/${to} import each other`);
        }
    });

    it("shipped code imports no test support", () => {
        const shipped = ["lib", "components", "stacks", "scripts"].flatMap(sources).concat(fs.readdirSync(root).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts")));
        for (const file of shipped) {
            for (const target of imports(file)) {
                assert.notEqual(topFolder(target), "test", `${file} imports ${target}`);
            }
        }
    });
});
