/**
 * Every README example command that needs no cloud runs, as written: the `sh` code blocks are
 * parsed, each command line is classified (offline: `clustermesh` / `npm run` of plan,
 * list-stacks, docs, mesh --dry-run, any --help; cloud: the rest), and the offline ones run
 * from the repository with `npx clustermesh` standing for this checkout's entry. A pipe into jq
 * runs too (jq is on the machine), so the JSON must be what the example says it reads.
 */
import assert from "node:assert/strict";
import { exec } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = __dirname;
const entry = path.join(root, "scripts", "clustermesh.mjs");

/** Every command line of the README's ```sh blocks, comments stripped, `\`-continued lines joined. */
export function readmeCommands(readme: string): string[] {
    const blocks = [...readme.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    return blocks.flatMap((block) =>
        block
            .replace(/\\\n\s*/g, " ")
            .split("\n")
            // A comment is `#` after two spaces (the README's style), or a whole line.
            .map((line) => line.replace(/(^|\s{2,})#.*$/, "").trim())
            .filter((line) => line.length > 0),
    );
}

/** The subcommand a line runs through `npx clustermesh` or `npm run`, or undefined. */
function subcommandOf(line: string): { sub: string; rest: string } | undefined {
    const m = /^(?:npx clustermesh|npm run(?: -s| --silent)? (plan|mesh|verify|add-region|list-stacks|docs|clustermesh)(?: --)?)(?:\s+(.*))?$/.exec(line.split("|")[0].trim());
    if (!m) {
        return undefined;
    }
    if (m[1] && m[1] !== "clustermesh") {
        return { sub: m[1], rest: m[2] ?? "" };
    }
    const [sub = "", ...rest] = (m[2] ?? "").split(/\s+/);
    return { sub, rest: rest.join(" ") };
}

/** Why a line needs a cloud (or is not a clustermesh command), or undefined when it runs offline. */
export function needsCloud(line: string): string | undefined {
    const cmd = subcommandOf(line);
    if (!cmd) {
        return /^npm (ci|test)\b/.test(line) ? "sets up or runs the suite itself" : "not a clustermesh command (pulumi, a shell built-in)";
    }
    const { sub, rest } = cmd;
    if (/(^|\s)(--help|-h)(\s|$)/.test(rest) || sub === "--help") {
        return undefined;
    }
    switch (sub) {
        case "plan":
        case "list-stacks":
            return undefined;
        case "docs":
            return /--check/.test(rest) ? undefined : "rewrites the README";
        case "mesh":
            return /--dry-run/.test(rest) && !/--state backend/.test(rest) ? undefined : "drives the real stacks";
        case "add-region":
            return "writes a stack file";
        default:
            return "talks to a deployed cluster";
    }
}

function run(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const command = line.replace(/^npx clustermesh\b/, `node ${JSON.stringify(entry)}`).replace(/^npm run(?: -s| --silent)? (\S+)(?: --)?/, (_, sub: string) => `node ${JSON.stringify(entry)}${sub === "clustermesh" ? "" : ` ${sub}`}`);
    return new Promise((resolve) => {
        exec(command, { cwd: root, shell: "/bin/bash", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, CLUSTERMESH_PROJECT_DIR: "" } }, (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
    });
}

describe("the README's example commands", () => {
    const commands = readmeCommands(fs.readFileSync(path.join(root, "README.md"), "utf8"));
    const offline = commands.filter((c) => needsCloud(c) === undefined);

    it("are found, and the ones left out need a cloud (or set the machine up)", () => {
        assert.ok(offline.length >= 6, `only ${offline.length} offline commands found:\n${offline.join("\n")}`);
        assert.ok(offline.some((c) => /clustermesh mesh up .*--dry-run|mesh up --dry-run/.test(c)));
        assert.equal(needsCloud("npx clustermesh mesh up"), "drives the real stacks");
        assert.equal(needsCloud("npx clustermesh verify --stack west"), "talks to a deployed cluster");
        assert.equal(needsCloud("npm run -s plan -- --all --json | jq ."), undefined);
        assert.equal(needsCloud("pulumi login --local"), "not a clustermesh command (pulumi, a shell built-in)");
    });

    it("each exits 0 with output on stdout", async () => {
        const results = await Promise.all(offline.map(async (line) => ({ line, ...(await run(line)) })));
        for (const r of results) {
            assert.equal(r.code, 0, `${r.line}\n${r.stderr.slice(-2000)}`);
            assert.ok(r.stdout.trim().length > 0, `${r.line} printed nothing on stdout`);
        }
    });
});
