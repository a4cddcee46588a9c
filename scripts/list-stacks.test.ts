import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { listStacks, STACK_FILE } from "./list-stacks";

const root = path.join(__dirname, "..");
const script = path.join(__dirname, "list-stacks.ts");

function projectWith(files: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-list-stacks-"));
    for (const file of files) {
        fs.writeFileSync(path.join(dir, file), "config: {}\n");
    }
    return dir;
}

describe("listStacks", () => {
    it("names every Pulumi.<stack>.yaml, sorted, and skips the project file and other files", () => {
        const dir = projectWith(["Pulumi.yaml", "Pulumi.west.yaml", "Pulumi.east.yaml", "Pulumi.north-1.yaml", "Pulumi.eu.central.yaml", "README.md", "pulumi.south.yaml"]);
        // A dot is allowed in a Pulumi stack name (issue 19: Pulumi.eu.central.yaml was never loaded).
        assert.deepEqual(listStacks(dir), ["east", "eu.central", "north-1", "west"]);
    });

    it("refuses a .yml twin and a stack file Pulumi never reads", () => {
        assert.throws(() => listStacks(projectWith(["Pulumi.yaml", "Pulumi.east.yaml", "Pulumi.east.yml"])), /Pulumi\.east\.yml: \(file name\) is a twin of Pulumi\.east\.yaml/);
        assert.throws(() => listStacks(projectWith(["Pulumi.yaml", "Pulumi.east.yml"])), /never read by Pulumi.*did you mean Pulumi\.east\.yaml/);
    });

    it("lists the repository's own stacks", () => {
        const expected = fs
            .readdirSync(root)
            .filter((f) => STACK_FILE.test(f))
            .map((f) => f.split(".")[1])
            .sort();
        assert.ok(expected.includes("west") && expected.includes("east"));
        assert.deepEqual(listStacks(root), expected);
    });

    it("picks up a new region without any other change", () => {
        const dir = projectWith(["Pulumi.yaml", "Pulumi.west.yaml", "Pulumi.east.yaml"]);
        assert.deepEqual(listStacks(dir), ["east", "west"]);
        fs.writeFileSync(path.join(dir, "Pulumi.south.yaml"), "config: {}\n");
        assert.deepEqual(listStacks(dir), ["east", "south", "west"]);
    });

    it("leaves out a stack file that says clustermesh:member: false: it has nothing to preview", () => {
        const dir = projectWith(["Pulumi.yaml", "Pulumi.west.yaml"]);
        fs.writeFileSync(path.join(dir, "Pulumi.tools.yaml"), "config:\n  clustermesh:member: false\n");
        fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config: [\n");
        assert.deepEqual(listStacks(dir), ["broken", "west"]);
    });

    it("gives an empty list for a project without stacks", () => {
        assert.deepEqual(listStacks(projectWith(["Pulumi.yaml"])), []);
    });

    it("rejects a file name Pulumi cannot use as a stack name, naming the file", () => {
        assert.throws(() => listStacks(projectWith(["Pulumi.my region.yaml"])), /Pulumi\.my region\.yaml: \(file name\) "my region" is not a stack name Pulumi accepts.*rename the file, e\.g\. to Pulumi\.my-region\.yaml/);
    });

    it("rejects one stack with both a .yaml and a .yml file", () => {
        assert.throws(() => listStacks(projectWith(["Pulumi.west.yaml", "Pulumi.west.yml"])), /Pulumi\.west\.yml: \(file name\) is a twin of Pulumi\.west\.yaml/);
    });
});

describe("list-stacks CLI", () => {
    it("prints one line of JSON for the directory it is given", () => {
        const dir = projectWith(["Pulumi.yaml", "Pulumi.west.yaml", "Pulumi.east.yaml"]);
        const out = execFileSync(process.execPath, ["--import", "tsx", script, dir], { encoding: "utf8" });
        assert.equal(out, '["east","west"]\n');
    });

    it("exits 1 with the reason on stderr and, being JSON output, a JSON error document on stdout", () => {
        const run = spawnSync(process.execPath, ["--import", "tsx", script, projectWith(["Pulumi.a;b.yaml"])], { encoding: "utf8" });
        assert.equal(run.status, 1);
        const doc = JSON.parse(run.stdout);
        assert.equal(doc.format, "clustermesh-error/v1");
        assert.equal(doc.exitCode, 1);
        assert.match(doc.message, /Pulumi\.a;b\.yaml/);
        assert.match(run.stderr, /list-stacks: Pulumi\.a;b\.yaml/);
    });
});
