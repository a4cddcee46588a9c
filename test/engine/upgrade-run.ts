/**
 * `clustermesh mesh upgrade` of the kind lab through the real engine (test/engine/kind-lab.ts
 * starts it with the lab's environment, the project folder as cwd):
 *
 *   upgrade-run.ts --cilium VERSION [upgrade flags...]
 *
 * The command runs as users run it (the Automation API over the real CLI, the real stack-file
 * edits, the same waves), with two differences a cluster without pods needs: `clustermesh verify`
 * execs into Cilium's agents, and kwok's pods run nothing, so the verification after each move is
 * read from the real state instead (every member's Cilium release deployed at the version its
 * file says, no pre-flight release left where the file sets none); and after each up the state is
 * read too, so a pre-flight wave is seen to have deployed the target's pre-flight release and Helm
 * to have waited for it. Prints the command's own lines, then one `CHECK ok|FAIL <name>` line per
 * check (with its detail indented), for the engine test to record; exits with the command's code.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { meshCli } from "../../scripts/mesh/cli";
import type { VerifyMember } from "../../scripts/mesh/upgrade";
import { AutomationWorkspace, pulumiCliVersion, type MeshWorkspace } from "../../scripts/mesh/workspace";
import { PREFLIGHT_RELEASE_NAME } from "../../components/cilium/values";

const dir = process.cwd();

function check(name: string, ok: boolean, detail = ""): void {
    process.stdout.write(`CHECK ${ok ? "ok  " : "FAIL"} ${name}\n${!ok && detail ? `${detail.replace(/^/gm, "     ")}\n` : ""}`);
}

/** What the stack file says about Cilium now. */
function fileCilium(stack: string): { version?: string; preflight?: string } {
    const doc = parse(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, { version?: string; preflight?: string }> };
    return doc.config?.["clustermesh:cilium"] ?? {};
}

interface ReleaseState {
    readonly name: string;
    readonly chart: string;
    readonly status: string;
}

/** The Helm releases in a stack's real state: their release name, the chart they came from, Helm's status. */
function releasesInState(stack: string): ReleaseState[] | string {
    const r = spawnSync("pulumi", ["stack", "export", "--stack", stack, "--non-interactive"], { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) return `pulumi stack export --stack ${stack} failed: ${r.stderr.trim().split("\n").slice(-3).join("\n")}`;
    const state = JSON.parse(r.stdout) as { deployment?: { resources?: Array<{ type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }> } };
    return (state.deployment?.resources ?? [])
        .filter((res) => res.type === "kubernetes:helm.sh/v3:Release")
        .map((res) => {
            const status = (res.outputs?.status ?? {}) as { status?: string; version?: string };
            const text = (key: string): string => {
                const value = res.outputs?.[key] ?? res.inputs?.[key];
                return typeof value === "string" ? value : "";
            };
            return { name: text("name"), chart: text("chart"), status: `${status.status ?? "?"} ${status.version ?? ""}`.trim() };
        });
}

const archiveOf = (version: string): string => `cilium-${version}.tgz`;

/** The verification after a move wave: every member's release is the one its file says, and only a file with the pre-flight key has that release. */
const verifyFromState: VerifyMember = (_dir, from) => {
    const stacks = fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
    const problems: string[] = [];
    for (const stack of stacks) {
        const releases = releasesInState(stack);
        if (typeof releases === "string") {
            problems.push(releases);
            continue;
        }
        const { version = "", preflight } = fileCilium(stack);
        const own = releases.find((r) => r.name === "cilium");
        if (!own || !own.chart.endsWith(archiveOf(version)) || !own.status.startsWith("deployed")) {
            problems.push(`${stack}: its Cilium release is ${own ? `${own.chart} (${own.status})` : "missing"}, its file says ${version}`);
        }
        const pre = releases.find((r) => r.name === PREFLIGHT_RELEASE_NAME);
        if (preflight === undefined && pre) {
            problems.push(`${stack}: the ${PREFLIGHT_RELEASE_NAME} release (${pre.chart}) is still in the state after the move`);
        }
    }
    return Promise.resolve(problems.length === 0 ? { ok: true, detail: `verified from ${from}: every release as its file says (real state)` } : { ok: false, detail: problems.map((p) => `FAIL ${p}`).join("\n") });
};

/** The real workspace, with the state read after each up: a pre-flight wave deployed the target's pre-flight release. */
function watchedWorkspace(ws: MeshWorkspace): MeshWorkspace {
    return {
        outputs: (s) => ws.outputs(s),
        selectStack: (s) => ws.selectStack(s),
        setConfig: (s, k, v) => ws.setConfig(s, k, v),
        preview: (s, env, hooks) => ws.preview(s, env, hooks),
        destroy: (s, hooks) => ws.destroy(s, hooks),
        ...(ws.linkedPeers ? { linkedPeers: (s: string) => ws.linkedPeers!(s) } : {}),
        ...(ws.outputValue ? { outputValue: (s: string, name: string) => ws.outputValue!(s, name) } : {}),
        async up(stack, env, hooks) {
            await ws.up(stack, env, hooks);
            const { preflight } = fileCilium(stack);
            if (preflight === undefined) return;
            const releases = releasesInState(stack);
            const pre = typeof releases === "string" ? undefined : releases.find((r) => r.name === PREFLIGHT_RELEASE_NAME);
            check(
                `upgrade: the pre-flight wave of ${stack} deployed the ${preflight} pre-flight release and Helm waited for it`,
                pre !== undefined && pre.chart.endsWith(archiveOf(preflight)) && pre.status.startsWith("deployed"),
                typeof releases === "string" ? releases : JSON.stringify(releases),
            );
        },
    };
}

async function main(): Promise<number> {
    const lines = (write: (t: string) => void) => (line: string) => write(`${line}\n`);
    return meshCli(["upgrade", ...process.argv.slice(2)], {
        dir,
        checkCli: () => pulumiCliVersion(),
        workspace: (d, logDir) => watchedWorkspace(new AutomationWorkspace(d, logDir)),
        out: lines((t) => process.stdout.write(t)),
        err: lines((t) => process.stderr.write(t)),
        verify: verifyFromState,
    });
}

void main().then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exitCode = 1;
    },
);
