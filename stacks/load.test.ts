import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { describe, it } from "node:test";
import { inspectMesh, loadMesh } from "./index";
import { formatProblem, MeshConfigError } from "./problems";
import { writeProject } from "./sample-stacks";

const west = { stack: "west", id: 1 };
const east = { stack: "east", id: 2 };

/** A project of west and east with east's file replaced by `text`. */
function withEast(text: string): string {
    const dir = writeProject([west, east]);
    fs.writeFileSync(path.join(dir, "Pulumi.east.yaml"), text);
    return dir;
}

function errorOf(fn: () => unknown): MeshConfigError {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof MeshConfigError, String(err));
        return err;
    }
    assert.fail("no error thrown");
}

describe("a member-less stack file stops every stack (issue 13)", () => {
    for (const [what, text] of [
        ["an empty file", ""],
        ["a file holding only config: {}", "config: {}\n"],
        ["a file with other keys only", "encryptionsalt: v1:abc\nconfig:\n  aws:region: us-east-1\n"],
        ["a file without config:", "encryptionsalt: v1:abc\n"],
    ] as const) {
        it(`${what}: west's plan refuses, naming the file and both ways out`, () => {
            const dir = withEast(text);
            const error = errorOf(() => loadMesh(dir, "west"));
            assert.equal(error.problems.length, 1, error.message);
            const line = formatProblem(error.problems[0]);
            assert.match(line, /^Pulumi\.east\.yaml: clustermesh:cluster is missing: the file .* which would silently remove east from the mesh/);
            assert.match(line, /restore the file \(e\.g\. git checkout -- Pulumi\.east\.yaml\)/);
            assert.match(line, /npm run mesh -- destroy --stacks east/);
            assert.match(line, /clustermesh:member: false/);
            // The stack whose own file is broken stops as well.
            errorOf(() => loadMesh(dir, "east"));
            assert.equal(inspectMesh(dir).problems.length, 1);
        });
    }

    it("a file that says clustermesh:member: false is not a member, and stops nothing", () => {
        const dir = withEast("config:\n  clustermesh:member: false\n  aws:region: us-east-1\n");
        const mesh = loadMesh(dir, "west");
        assert.deepEqual(
            mesh.members.map((m) => m.stack),
            ["west"],
        );
        assert.deepEqual(inspectMesh(dir).others, ["Pulumi.east.yaml"]);
        const own = errorOf(() => loadMesh(dir, "east"));
        assert.match(own.message, /Pulumi\.east\.yaml: clustermesh:cluster is missing: this stack's file says clustermesh:member: false/);
    });

    it("clustermesh:member takes only false", () => {
        const dir = withEast("config:\n  clustermesh:member: true\n");
        assert.match(errorOf(() => loadMesh(dir, "west")).message, /clustermesh:member true only takes false/);
    });

    it("clustermesh:member: false beside clustermesh:cluster is a contradiction, not a silent removal", () => {
        const dir = writeProject([west, { ...east, extra: { "clustermesh:member": false } }]);
        const error = errorOf(() => loadMesh(dir, "west"));
        assert.match(error.message, /Pulumi\.east\.yaml: clustermesh:member false contradicts clustermesh:cluster in the same file; .*npm run mesh -- destroy --stacks east/);
    });
});

describe("README: Refused inputs lists each refusal with the message it prints", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("### Refused inputs"), readme.indexOf("## Configuration reference"));
    const west = { stack: "west", id: 1 };
    const cases: Array<[string, Array<Record<string, unknown>>, string?]> = [
        ["an empty file", [west, { stack: "east", id: 2 }], ""],
        ["member: true", [west, { stack: "east", id: 2 }], "config:\n  clustermesh:member: true\n"],
        ["member: false beside cluster", [west, { stack: "east", id: 2, extra: { "clustermesh:member": false } }]],
        ["a malformed pod CIDR", [west, { stack: "east", id: 2, cluster: { podCIDR: "10.11.0.1/16" } }]],
        ["a quoted id", [west, { stack: "east", id: 2, cluster: { id: "2" } }]],
        ["a NodePort outside the range", [west, { stack: "east", id: 2, cilium: { apiserverNodePort: 80 } }]],
        ["a malformed host key", [west, { stack: "east", id: 2, k3s: { host: { address: "172.30.1.89", hostKey: "AAAAC3NzaC1lZDI1NTE5" } }, extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } } }]],
        ["a KMS key without encryption", [west, { stack: "east", id: 2, kind: "eks", eks: { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/abc" } }]],
    ];
    for (const [what, specs, eastText] of cases) {
        it(what, () => {
            const dir = writeProject(specs as unknown as Parameters<typeof writeProject>[0]);
            if (eastText !== undefined) {
                fs.writeFileSync(path.join(dir, "Pulumi.east.yaml"), eastText);
            }
            const problems = inspectMesh(dir).problems.map(formatProblem);
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.ok(table.includes(`\`${problems[0]}\``), `README's Refused inputs table lacks:\n${problems[0]}`);
        });
    }
});
