/**
 * The engine-test `aws` provider answers for everything the program asks of AWS. A resource type
 * or data source the program starts using but this provider does not know fails only in the
 * real-engine run (`npm run test:engine`, minutes long, in CI after the suite) and only as a gRPC
 * stack trace; this fast check names it at once. The program's uses are read from its source
 * (`new aws.<module>.<Type>(` and `aws.<module>.get<Name>[Output](`), so a new call is covered
 * without editing this test.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { AWS_DATA_SOURCES } from "./data-sources";
import { AWS_TYPES } from "./resources";

const ROOT = path.join(__dirname, "..", "..", "..");

function programSources(): { file: string; text: string }[] {
    const walk = (dir: string): string[] =>
        fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
            const rel = path.join(dir, e.name);
            if (e.isDirectory()) return walk(rel);
            return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [rel] : [];
        });
    return ["components", "lib", "stacks"]
        .flatMap(walk)
        .concat("index.ts")
        .sort()
        .map((file) => ({ file, text: fs.readFileSync(path.join(ROOT, file), "utf8") }));
}

/** Every Pulumi token the program's source uses for `pattern`, with the first file using it. */
function tokensUsed(pattern: RegExp, token: (m: RegExpMatchArray) => string): Map<string, string> {
    const used = new Map<string, string>();
    for (const { file, text } of programSources()) {
        for (const m of text.matchAll(pattern)) {
            const t = token(m);
            if (!used.has(t)) used.set(t, file);
        }
    }
    return used;
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

test("every AWS resource type the program creates is a type of the engine-test provider", () => {
    const used = tokensUsed(/new aws\.([a-z0-9]+)\.([A-Z][A-Za-z0-9]*)\(/g, (m) => `aws:${m[1]}/${lowerFirst(m[2])}:${m[2]}`);
    assert.ok(used.size > 10, `the scan found only ${used.size} resource types: has the program's source moved?`);
    const missing = [...used].filter(([t]) => !(t in AWS_TYPES)).map(([t, file]) => `${t} (${file})`);
    assert.deepEqual(missing, [], "add these to test/engine/aws-provider/resources.ts");
});

test("every AWS data source the program calls is answered by the engine-test provider", () => {
    const used = tokensUsed(/\baws\.(?:([a-z0-9]+)\.)?get([A-Z][A-Za-z0-9]*?)(?:Output)?\(/g, (m) => `aws:${m[1] ?? "index"}/get${m[2]}:get${m[2]}`);
    assert.ok(used.has("aws:index/getAvailabilityZones:getAvailabilityZones"), `the scan missed getAvailabilityZones: found ${[...used.keys()].join(", ")}`);
    const missing = [...used].filter(([t]) => !(t in AWS_DATA_SOURCES)).map(([t, file]) => `${t} (${file})`);
    assert.deepEqual(missing, [], "add these to test/engine/aws-provider/data-sources.ts");
});
