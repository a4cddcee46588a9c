/**
 * `npm run test:engine`: the program through the real Pulumi engine (CLI, language host,
 * kubernetes provider built by scripts/engine/build.sh; aws/tls/random/command through the
 * engine-test providers under test/engine/), on a copy of the repository with a local file
 * backend and passphrase secrets, offline. Prints the real `pulumi version`, then one line per
 * check, and closes with `N passed, M failed`; exits 1 on any failure.
 *
 *   npm run test:engine [-- --only preview|kind|aws] [--keep]
 */
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

export interface Engine {
    /** The environment every pulumi command of the run gets. */
    env: NodeJS.ProcessEnv;
    /** The repository copy the stacks run in. */
    work: string;
    /** Where the run's state, plugin wrappers and logs live. */
    tmp: string;
}

interface Check {
    name: string;
    ok: boolean;
    detail?: string;
}

const checks: Check[] = [];

export function record(name: string, ok: boolean, detail?: string): void {
    checks.push({ name, ok, ...(detail === undefined ? {} : { detail }) });
    process.stdout.write(`${ok ? "ok  " : "FAIL"} ${name}${!ok && detail ? `\n${detail.replace(/^/gm, "     ")}` : ""}\n`);
}

/** The env lines build.sh prints with --env, as a map. */
function buildEngine(): Record<string, string> {
    const r = spawnSync("bash", [path.join(ROOT, "scripts/engine/build.sh"), "--env"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) throw new Error(`scripts/engine/build.sh failed (exit ${r.status})`);
    const out: Record<string, string> = {};
    for (const line of r.stdout.split("\n")) {
        const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
        if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2].replace(/^'(.*)'$/, "$1");
    }
    return out;
}

/** Plugin wrappers for the engine-test providers of this checkout (they run its TypeScript with tsx). */
function writePluginWrappers(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
    const wrappers: Record<string, string> = {
        aws: `exec ${JSON.stringify(tsx)} ${JSON.stringify(path.join(ROOT, "test/engine/aws-provider/main.ts"))} "$@"`,
        tls: `exec ${JSON.stringify(tsx)} ${JSON.stringify(path.join(ROOT, "test/engine/providers/main.ts"))} tls "$@"`,
        random: `exec ${JSON.stringify(tsx)} ${JSON.stringify(path.join(ROOT, "test/engine/providers/main.ts"))} random "$@"`,
        command: `exec ${JSON.stringify(tsx)} ${JSON.stringify(path.join(ROOT, "test/engine/providers/main.ts"))} command "$@"`,
    };
    for (const [name, body] of Object.entries(wrappers)) {
        fs.writeFileSync(path.join(dir, `pulumi-resource-${name}`), `#!/bin/sh\n# engine-test stand-in for the ${name} provider (test/engine)\n${body}\n`, { mode: 0o755 });
    }
}

/** A copy of the repository (tracked and untracked files, not node_modules or .git) to run stacks in: `stack init` writes into stack files. */
function copyRepository(dest: string): void {
    const skip = new Set(["node_modules", ".git", "bin"]);
    const copy = (from: string, to: string) => {
        fs.mkdirSync(to, { recursive: true });
        for (const e of fs.readdirSync(from, { withFileTypes: true })) {
            if (skip.has(e.name) && from === ROOT) continue;
            const src = path.join(from, e.name);
            const dst = path.join(to, e.name);
            if (e.isDirectory()) copy(src, dst);
            else if (e.isFile()) fs.copyFileSync(src, dst);
        }
    };
    copy(ROOT, dest);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dest, "node_modules"));
    // ../shared beside the repository (the chart archives): the same relative place in the copy.
    const shared = path.resolve(ROOT, "..", "shared");
    if (fs.existsSync(shared) && !fs.existsSync(path.resolve(dest, "..", "shared"))) fs.symlinkSync(shared, path.resolve(dest, "..", "shared"));
}

export function setup(): Engine {
    const built = buildEngine();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-engine-"));
    const plugins = path.join(tmp, "plugins");
    writePluginWrappers(plugins);
    const work = path.join(tmp, "repo");
    copyRepository(work);
    fs.mkdirSync(path.join(tmp, "state"));
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: [plugins, built.CLUSTERMESH_ENGINE_BIN ?? "", process.env.PATH ?? ""].join(path.delimiter),
        PULUMI_HOME: built.PULUMI_HOME,
        PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "engine-test passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "false",
        AWS_REGION: "",
        NO_COLOR: "1",
        // ts-node without its type check: `npm test` type-checks the same program (tsc --noEmit)
        // before this runs, and checking again in each of some twenty program runs would take
        // most of the time budget (cmd/run/run.js reads this variable).
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    };
    return { env, work, tmp };
}

/** Runs pulumi in a project folder of the copy; the output goes to the run's log and is returned. */
export function pulumi(engine: Engine, cwd: string, args: string[], timeoutMs = 15 * 60_000): SpawnSyncReturns<string> {
    const r = spawnSync("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd, env: engine.env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
    fs.appendFileSync(path.join(engine.tmp, "pulumi.log"), `\n$ (${path.relative(engine.work, cwd) || "."}) pulumi ${args.join(" ")}\n${r.stdout ?? ""}${r.stderr ?? ""}exit ${r.status}\n`);
    return r;
}

/** The last lines of a command's output, for a failure's detail. */
export function tail(r: SpawnSyncReturns<string>, lines = 40): string {
    return `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? `\n${r.error.message}` : ""}`.trimEnd().split("\n").slice(-lines).join("\n");
}

/** The stacks of a project folder: its Pulumi.<stack>.yaml files. */
export function stacksOf(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** The chart archive for a Cilium version, from ../shared/reference (no internet here). */
export function chartArchive(version: string): string {
    return path.resolve(ROOT, "..", "shared", "reference", `cilium-${version}.tgz`);
}

/** `secure:` placeholders a stack file ships with (`v1:replace-with-…`): set as its comments say, with test values. */
function setPlaceholderSecrets(engine: Engine, dir: string, stack: string): SpawnSyncReturns<string> | undefined {
    const text = fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8");
    for (const m of text.matchAll(/^ {2}([\w-]+:[\w-]+):\s*\n\s+secure: v1:replace-with[^\n]*$/gm)) {
        const key = m[1] ?? "";
        let value = `engine-test ${key}`;
        if (/ssh/i.test(key)) {
            const keyFile = path.join(engine.tmp, `ssh-${stack}`);
            if (!fs.existsSync(keyFile)) spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "engine-test", "-f", keyFile]);
            value = fs.readFileSync(keyFile, "utf8");
        }
        // On stdin, as the comment in the stack file says (never on a command line).
        const r = spawnSync("pulumi", ["config", "set", "--secret", "-s", stack, key, "--non-interactive"], { cwd: dir, env: engine.env, encoding: "utf8", input: value });
        if (r.status !== 0) return r;
    }
    return undefined;
}

/** The stack whose state every other one reads the CA from: the lowest cluster.id (index.ts `caOwner`). */
export function caOwner(dir: string, stacks: readonly string[]): string {
    const id = (s: string) => Number(/^\s+id:\s*(\d+)/m.exec(fs.readFileSync(path.join(dir, `Pulumi.${s}.yaml`), "utf8"))?.[1] ?? Infinity);
    return [...stacks].sort((a, b) => id(a) - id(b))[0] ?? "";
}

/**
 * The plan's claim to show what `pulumi preview` will: the URNs `clustermesh plan --json` gives
 * the stack's resources are the ones the real engine's preview steps name. The engine adds the
 * stack itself and default providers, which the plan's tree draws or does without.
 */
function compareUrns(dir: string, stack: string, label: string, previewJson: string): void {
    let engineUrns: string[];
    try {
        const preview = JSON.parse(previewJson) as { steps?: Array<{ urn: string }> };
        engineUrns = (preview.steps ?? []).map((s) => s.urn).filter((u) => !u.includes("::pulumi:pulumi:Stack::") && !/::pulumi:providers:[^:]+::default(_|$)/.test(u));
    } catch (e) {
        record(`plan URNs of ${label} are the real preview's`, false, `pulumi preview --json printed no JSON: ${(e as Error).message}`);
        return;
    }
    const plan = spawnSync(process.execPath, [path.join(ROOT, "scripts/clustermesh.mjs"), "plan", "--stack", stack, "--dir", dir, "--json", "--no-connectivity"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (plan.status !== 0) {
        record(`plan URNs of ${label} are the real preview's`, false, tail(plan));
        return;
    }
    const planned = (JSON.parse(plan.stdout) as { resources: Array<{ urn: string }> }).resources.map((r) => r.urn);
    const missing = engineUrns.filter((u) => !planned.includes(u)).sort();
    const extra = planned.filter((u) => !engineUrns.includes(u)).sort();
    record(
        `plan URNs of ${label} are the real preview's (${engineUrns.length})`,
        missing.length === 0 && extra.length === 0,
        [...missing.map((u) => `only the engine: ${u}`), ...extra.map((u) => `only the plan:   ${u}`)].join("\n"),
    );
}

/**
 * Every stack's preview. The CA owner previews in full; the others read the CA from its state
 * through a StackReference, which has nothing to read until the owner is deployed (README
 * "Bootstrap order"): before the owner is up, a clear refusal is what is checked (the kind lab
 * previews east again once west is up).
 */
function previews(engine: Engine, projects: readonly string[]): void {
    for (const project of projects) {
        const dir = path.join(engine.work, project);
        const stacks = stacksOf(dir);
        const owner = caOwner(dir, stacks);
        for (const stack of [owner, ...stacks.filter((s) => s !== owner)]) {
            const label = `${project === "." ? "" : `${project} `}${stack}`;
            const init = pulumi(engine, dir, ["stack", "select", "--create", stack]);
            const secrets = init.status === 0 ? setPlaceholderSecrets(engine, dir, stack) : init;
            if (secrets) {
                record(`preview ${label}`, false, tail(secrets));
                continue;
            }
            const r = pulumi(engine, dir, ["preview", "--stack", stack, ...(stack === owner ? ["--json"] : ["--diff"])]);
            if (stack === owner) {
                record(`preview ${label}`, r.status === 0, tail(r));
                if (r.status === 0) compareUrns(dir, stack, label, r.stdout);
            } else {
                // The owner's stack exists (its preview created it) but has no outputs: the program
                // says so and what to do, without a stack trace (lib/contract.ts missingCaOutputMessage).
                const out = tail(r, 400);
                const refused = r.status !== 0 && out.includes(`the CA owner's stack ${owner} has no output meshCaCertPem`) && !/\n\s+at .*stackReference/.test(out);
                record(`preview ${label} before ${owner} is up: refused, saying to deploy ${owner} first`, refused, tail(r));
            }
        }
    }
}

/** `--results FILE`: where a child run writes its checks for the parent's tally. */
let resultsFile: string | undefined;

/** The kind group in a child run (`--only kind --results FILE`), its lines on this run's output as they come; resolves with its checks. */
function startKindChild(keep: boolean): Promise<Check[]> {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-engine-kind-")), "checks.json");
    const child = spawn(path.join(ROOT, "node_modules", ".bin", "tsx"), [__filename, "--only", "kind", "--results", file, ...(keep ? ["--keep"] : [])], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    return new Promise((resolve) => {
        child.on("close", (code) => {
            let results: Check[] = [];
            try {
                results = JSON.parse(fs.readFileSync(file, "utf8")) as Check[];
            } catch {
                results = [];
            }
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
            const ok = code === 0 && results.length > 0 && results.every((c) => c.ok);
            if (!ok && results.every((c) => c.ok)) results.push({ name: "kind lab: the kind group's run", ok: false, detail: `exited ${code} with ${results.length} checks` });
            resolve(results);
        });
    });
}

async function main(): Promise<void> {
    const argv = process.argv.slice(2);
    resultsFile = argv.includes("--results") ? argv[argv.indexOf("--results") + 1] : undefined;
    if (argv.includes("--help")) {
        process.stdout.write("usage: npm run test:engine [-- --only preview|kind|aws] [--keep]\n  Runs every stack's preview, the kind lab and the AWS lab (on moto_server) through the real Pulumi engine (see README).\n");
        return;
    }
    const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;
    if (only !== undefined && !["preview", "kind", "aws"].includes(only)) {
        process.stderr.write(`--only ${only}: not a group (preview, kind or aws)\n`);
        process.exitCode = 2;
        return;
    }
    const engine = setup();
    const version = spawnSync("pulumi", ["version"], { env: engine.env, encoding: "utf8" });
    if (resultsFile === undefined) process.stdout.write(`pulumi version: ${version.stdout.trim()}\n`);
    process.stderr.write(`engine: work folder ${engine.tmp} (log: pulumi.log)\n`);
    // A whole run puts the kind group in a process of its own beside the others: it shares no
    // state with them (its own copy, backend and clusters) and waits on its clusters most of the
    // time, so the run takes about as long as its longest group. Started once the engine is built
    // (setup above), so the child finds the cache filled.
    const kindChild = only === undefined ? startKindChild(argv.includes("--keep")) : undefined;
    try {
        if (!only || only === "preview") previews(engine, [".", "examples/kind-lab", "examples/bgp-hosts"]);
        if (only === "kind") {
            const { kindLab } = await import("./kind-lab");
            kindLab(engine);
        }
        if (!only || only === "aws") {
            const { awsLab } = await import("./aws-lab");
            await awsLab(engine);
        }
        if (kindChild) checks.push(...(await kindChild));
    } catch (e) {
        record("engine run", false, e instanceof Error ? (e.stack ?? e.message) : String(e));
    } finally {
        if (resultsFile !== undefined) fs.writeFileSync(resultsFile, JSON.stringify(checks));
        if (!argv.includes("--keep") && checks.every((c) => c.ok)) fs.rmSync(engine.tmp, { recursive: true, force: true });
        else process.stderr.write(`engine: kept ${engine.tmp}\n`);
    }
    const failed = checks.filter((c) => !c.ok).length;
    // A child run's tally is its parent's to print.
    if (resultsFile === undefined) process.stdout.write(`${checks.length - failed} passed, ${failed} failed\n`);
    process.exitCode = failed === 0 && checks.length > 0 ? 0 : 1;
}

if (require.main === module) void main();
