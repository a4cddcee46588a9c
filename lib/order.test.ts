import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { byCodePoint } from "./order";

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

describe("byCodePoint", () => {
    it("orders by code unit, whatever the locale says", () => {
        // A locale puts "alpha" before "Beta" and "a" before "B"; code points put upper case first.
        assert.deepEqual(["alpha", "Beta", "a-1", "a1", "_x"].sort(byCodePoint), ["Beta", "_x", "a-1", "a1", "alpha"]);
        assert.equal(byCodePoint("west", "west"), 0);
    });

    it("is the only string order of shipped code: no localeCompare anywhere", () => {
        const offenders = sources(".").filter((file) => /\.localeCompare\(/.test(fs.readFileSync(path.join(root, file), "utf8")));
        assert.deepEqual(offenders, [], "sort with byCodePoint (lib/order.ts): localeCompare follows the machine's locale");
    });
});
