import { departingEnv } from "../../lib/contract";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { findPlaceholders, placeholdersOf } from "../../stacks/placeholders";
import { writeProject } from "../../test/stack-files";
import { meshCli, type MeshCliDeps } from "../mesh/cli";
import type { MeshWorkspace } from "../mesh/workspace";
import { clustermesh, SUBCOMMANDS, type Io } from "./commands";

const root = path.join(__dirname, "..", "..");

function io(env: NodeJS.ProcessEnv = {}, cwd = root): Io & { stdout: () => string; stderr: () => string } {
    const out: string[] = [];
    const err: string[] = [];
    return { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd, stdout: () => out.join(""), stderr: () => err.join("") };
}

describe("clustermesh (the one command)", () => {
    it("lists every subcommand in its help, on stdout, and refuses an unknown one with exit 2", async () => {
        const help = io();
        assert.equal(await clustermesh(["--help"], help), 0);
        for (const c of SUBCOMMANDS) {
            assert.match(help.stdout(), new RegExp(`^  ${c.name} `, "m"));
        }
        assert.match(help.stdout(), /exit codes: 0/);
        const bad = io();
        assert.equal(await clustermesh(["deploy"], bad), 2);
        assert.match(bad.stderr(), /unknown command "deploy"; commands: plan, mesh, verify, add-region, list-stacks, docs/);
        assert.equal(bad.stdout(), "");
    });

    it("gives every subcommand a --help with examples and exit codes, on stdout, exit 0", async () => {
        for (const c of SUBCOMMANDS) {
            const run = io();
            assert.equal(await clustermesh([c.name, "--help"], run), 0, c.name);
            assert.match(run.stdout(), /usage: clustermesh /, c.name);
            assert.match(run.stdout(), /examples:\n {2}clustermesh /, c.name);
            assert.match(run.stdout(), /exit codes: 0/, c.name);
            assert.equal(run.stderr(), "", c.name);
        }
    });

    it("reads the project from --dir or CLUSTERMESH_PROJECT_DIR the same way in list-stacks, plan and mesh", async () => {
        const dir = writeProject([
            { stack: "alpha", id: 1 },
            { stack: "beta", id: 2 },
        ]);
        const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-cwd-"));
        for (const [argsOf, env] of [
            [(cmd: string[]) => [...cmd, "--dir", dir], {}],
            [(cmd: string[]) => cmd, { CLUSTERMESH_PROJECT_DIR: dir }],
        ] as const) {
            const list = io(env, elsewhere);
            assert.equal(await clustermesh(argsOf(["list-stacks", "--json"]), list), 0);
            assert.equal(list.stdout(), '["alpha","beta"]\n');
            const dry = io({ ...env, PATH: "" }, elsewhere);
            assert.equal(await clustermesh(argsOf(["mesh", "up", "--dry-run", "--json", "--state", "new"]), dry), 0, dry.stderr());
            assert.deepEqual(
                (JSON.parse(dry.stdout()) as { members: Array<{ stack: string }> }).members.map((m) => m.stack),
                ["alpha", "beta"],
            );
        }
    });

    it("mesh forwards every argument to the mesh command's own parser", async () => {
        const run = io({ PATH: "" });
        assert.equal(await clustermesh(["mesh", "step", "--help"], run), 0);
        assert.match(run.stdout(), /usage: clustermesh mesh step --plan FILE/);
    });
});

describe("clustermesh add-region", () => {
    it("names what is missing, not just the usage", async () => {
        const run = io();
        assert.equal(await clustermesh(["add-region", "--name", "north"], run), 2);
        assert.match(run.stderr(), /^add-region: add-region needs --region REGION \(the AWS region, e\.g\. eu-north-1\)/);
        const none = io();
        assert.equal(await clustermesh(["add-region"], none), 2);
        assert.match(none.stderr(), /needs --name NAME .* and --region REGION/);
    });

    it("keeps the copied file's comments, warns about its placeholders, and prints next steps with --dir", async () => {
        const parent = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-add-"));
        const dir = path.join(parent, "my mesh");
        fs.mkdirSync(dir);
        for (const f of ["Pulumi.yaml", "Pulumi.west.yaml", "Pulumi.east.yaml"]) {
            fs.copyFileSync(path.join(root, f), path.join(dir, f));
        }
        const run = io({}, parent);
        assert.equal(await clustermesh(["add-region", "--name", "north", "--region", "eu-north-1", "--dir", "my mesh"], run), 0, run.stderr());
        const written = fs.readFileSync(path.join(dir, "Pulumi.north.yaml"), "utf8");
        // Every comment of the template is in the copy.
        const comments = (text: string) =>
            text
                .split("\n")
                .map((l) => l.trim())
                .filter((l) => l.startsWith("#"));
        for (const comment of comments(fs.readFileSync(path.join(dir, "Pulumi.east.yaml"), "utf8"))) {
            assert.ok(comments(written).includes(comment), `comment kept: ${comment}`);
        }
        const config = (parse(written) as { config: Record<string, Record<string, unknown>> }).config;
        assert.equal(config["clustermesh:cluster"].name, "north");
        assert.equal(config["clustermesh:mesh"].link, false);
        assert.match(run.stderr(), /warning: Pulumi\.north\.yaml: clustermesh:cluster\.operatorCIDRs\[0\] 203\.0\.113\.10\/32 is in a documentation range \(203\.0\.113\.0\/24, RFC 5737 TEST-NET-3\)/);
        assert.match(run.stdout(), /clustermesh plan --stack north --dir 'my mesh'/);
        assert.match(run.stdout(), /git add 'my mesh\/Pulumi\.north\.yaml'/);
        assert.match(run.stdout(), /pulumi stack init north --cwd 'my mesh'/);
        assert.match(run.stdout(), /clustermesh mesh up --stacks north --dir 'my mesh'/);
    });

    it("with --json, a refusal is a JSON error document on stdout", async () => {
        const dir = writeProject([{ stack: "west", id: 1 }]);
        const run = io();
        assert.equal(await clustermesh(["add-region", "--name", "west", "--region", "us-east-1", "--dir", dir, "--json"], run), 1);
        const doc = JSON.parse(run.stdout()) as { format: string; exitCode: number; message: string };
        assert.equal(doc.format, "clustermesh-error/v1");
        assert.equal(doc.exitCode, 1);
        assert.match(doc.message, /Pulumi\.west\.yaml exists already/);
    });
});

describe("placeholders", () => {
    it("flags documentation ranges (all four) and replace-with secrets, never printing a secret's text", () => {
        const found = placeholdersOf("Pulumi.x.yaml", {
            config: {
                "clustermesh:cluster": { operatorCIDRs: ["192.0.2.7/32", "10.1.2.3/32", "198.51.100.0/24", "203.0.113.10/32", "2001:db8::1/128"] },
                "clustermesh:k3s": { host: "203.0.113.5" },
                "clustermesh:bgp": { password: { secure: "v1:replace-with-pulumi-config-set-secret" } },
                "clustermesh:other": { secret: { secure: "v1:AAABBB" } },
            },
        });
        assert.deepEqual(
            found.map((w) => w.key),
            [
                "clustermesh:bgp.password",
                "clustermesh:cluster.operatorCIDRs[0]",
                "clustermesh:cluster.operatorCIDRs[2]",
                "clustermesh:cluster.operatorCIDRs[3]",
                "clustermesh:cluster.operatorCIDRs[4]",
                "clustermesh:k3s.host",
            ],
        );
        assert.ok(!JSON.stringify(found).includes("replace-with-pulumi"), "the secret's text is not repeated");
        assert.deepEqual(placeholdersOf("Pulumi.y.yaml", { config: { "clustermesh:cluster": { operatorCIDRs: ["192.0.3.0/24", "203.0.112.0/23"] } } }), []);
    });

    it("finds the repository's own placeholders (its sample operatorCIDRs), so every plan warns about them", () => {
        const keys = findPlaceholders(root).map((w) => `${w.file} ${w.key}`);
        assert.ok(keys.includes("Pulumi.west.yaml clustermesh:cluster.operatorCIDRs[0]"), keys.join("\n"));
    });
});

describe("clustermesh mesh step", () => {
    it("runs exactly one step of a dry-run document, as the runner would", async () => {
        const dir = writeProject([
            { stack: "west", id: 1 },
            { stack: "east", id: 2 },
        ]);
        const calls: string[] = [];
        const ws: MeshWorkspace = {
            outputs: () => Promise.resolve(undefined),
            selectStack: (s) => Promise.resolve(void calls.push(`select ${s}`)),
            setConfig: (s, k, v) => Promise.resolve(void calls.push(`set ${s} ${k}=${String(v)}`)),
            up: (s, env) => Promise.resolve(void calls.push(`up ${s} ${JSON.stringify(env)}`)),
            preview: () => Promise.reject(new Error("no")),
            destroy: () => Promise.reject(new Error("no")),
        };
        const out: string[] = [];
        const err: string[] = [];
        const deps: MeshCliDeps = { dir, checkCli: () => Promise.resolve("v3.248.0"), workspace: () => ws, out: (l) => out.push(l), err: (l) => err.push(l), now: () => 0 };
        assert.equal(await meshCli(["up", "--dry-run", "--json", "--state", "new"], deps), 0);
        const plan = path.join(dir, "plan.json");
        fs.writeFileSync(plan, out.join("\n"));
        assert.equal(await meshCli(["step", "--plan", plan, "--wave", "3", "--stack", "east", "--logs", dir], deps), 0, err.join("\n"));
        // As the runner does: the wave's stack file first, then the program, with the departing marker (issue 19).
        assert.deepEqual(calls, ["set east clustermesh:mesh.link=true", "select east", `up east ${JSON.stringify(departingEnv([]))}`]);
        assert.equal(await meshCli(["step", "--plan", plan, "--wave", "1", "--stack", "east"], deps), 2);
        assert.match(err.join("\n"), /wave 1 of the plan has no step for east; its stacks: west/);
    });
});
