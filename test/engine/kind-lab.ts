/**
 * The kind lab through the real engine: `pulumi up` of west then east, then linked, a second
 * `up` of each with `--expect-no-changes`, east's preview once west is up, `destroy`; then
 * a mesh CA rotation, wave by wave as `clustermesh mesh rotate-ca` plans it (each wave's stack
 * file edit and `up`, then the trust bundles checked in the real state); then
 * `npm run mesh -- up` and `destroy` through the Automation API. The clusters are the test
 * harness's (test/engine/cluster: a control plane with kwok nodes on loopback behind stand-in
 * `kind` and `docker` executables); the chart is the archive in ../shared/reference
 * (`clustermesh:cilium.chart`), as there is no internet. The lab is deployed one minor below the
 * stack files' release and moved up by the real `mesh upgrade` (test/engine/upgrade-run.ts) once
 * its CA has rotated, so the later `mesh up` deploys the files' own release.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { SUPPORTED_CILIUM_MINORS, supportedMinorIndex } from "../../lib/cilium-version";
import { FIRST_CA_STATE, issuingGeneration } from "../../lib/mesh-ca";
import { rotationPlan } from "../../scripts/mesh/rotate-ca-path";
import { rotationConfig } from "../../scripts/mesh/rotate-ca";
import { setStackFileValue } from "../../scripts/mesh/stack-file-edit";
import { missingBinaries } from "./cluster/paths";
import { str } from "./providers/server";
import { type Engine, chartArchive, pulumi, record, stacksOf, tail } from "./run";

const ROOT = path.resolve(__dirname, "..", "..");
const LAB = "examples/kind-lab";

/** `kind` and `docker` on PATH: the harness's stand-ins (test/engine/cluster/*-cli.ts). */
function writeStandIns(dir: string): void {
    const loader = `file://${path.join(ROOT, "node_modules/tsx/dist/loader.mjs")}`;
    for (const [name, entry] of [["kind", "kind-cli.ts"], ["docker", "docker-cli.ts"]] as const) {
        fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n# stand-in ${name} for the engine tests (test/engine/cluster/${entry})\nexec node --import ${JSON.stringify(loader)} ${JSON.stringify(path.join(ROOT, "test/engine/cluster", entry))} "$@"\n`, { mode: 0o755 });
    }
}

function ensureClusterBinaries(): string[] {
    if (missingBinaries().length === 0) return [];
    const r = spawnSync("bash", [path.join(ROOT, "scripts/engine/build-cluster.sh")], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    return r.status === 0 ? missingBinaries() : [`scripts/engine/build-cluster.sh exited ${r.status}`];
}

/** The release one minor below `version`: what the lab is deployed at before `mesh upgrade` moves it. */
function previousRelease(version: string): string | undefined {
    const index = supportedMinorIndex(version);
    return index > 0 ? SUPPORTED_CILIUM_MINORS[index - 1].referenceChart : undefined;
}

/**
 * `mesh upgrade --cilium target` through the real engine (test/engine/upgrade-run.ts): its own
 * checks (each pre-flight wave's release, each move verified from the real state) are recorded,
 * then the command's result; a second run must have nothing to upgrade, and a second up of each
 * stack no changes.
 */
function upgrade(lab: Engine, dir: string, target: string, stacks: readonly string[]): void {
    const run = () =>
        spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(lab.work, "test/engine/upgrade-run.ts"), "--cilium", target, "--logs", path.join(lab.tmp, "upgrade-logs")], {
            cwd: dir,
            env: { ...lab.env, CLUSTERMESH_PROJECT_DIR: dir },
            encoding: "utf8",
            timeout: 30 * 60_000,
        });
    const first = run();
    const output = `${first.stdout}${first.stderr}`;
    for (const m of output.matchAll(/^CHECK (ok {2}|FAIL) (.+)\n((?: {5}.*\n)*)/gm)) record(`kind lab: ${m[2]}`, m[1] === "ok  ", m[3]?.replace(/^ {5}/gm, ""));
    const waves = [...output.matchAll(/^wave \d+\/\d+ done: /gm)].length;
    record(`kind lab: mesh upgrade --cilium ${target}: a pre-flight and a move wave per member, each done (real engine)`, first.status === 0 && waves === stacks.length * 2, output.trimEnd().split("\n").slice(-40).join("\n"));
    const left = stacks.filter((s) => (parse(fs.readFileSync(path.join(dir, `Pulumi.${s}.yaml`), "utf8")) as { config: Record<string, { preflight?: string }> }).config["clustermesh:cilium"]?.preflight !== undefined);
    record("kind lab: mesh upgrade: no stack file keeps clustermesh:cilium.preflight", left.length === 0, left.join(", "));
    const second = run();
    record(`kind lab: mesh upgrade --cilium ${target} again: nothing to upgrade`, second.status === 0 && /nothing to upgrade/.test(second.stdout), `${second.stdout}${second.stderr}`.trimEnd().split("\n").slice(-20).join("\n"));
    for (const stack of stacks) {
        const r = pulumi(lab, dir, ["up", "--yes", "--skip-preview", "--expect-no-changes", "--stack", stack], 20 * 60_000);
        record(`kind lab: after the upgrade, a second up of ${stack} shows no changes`, r.status === 0, tail(r, 60));
    }
}

/** The resources left in a stack's state (`pulumi stack export`). */
function resourcesInState(engine: Engine, dir: string, stack: string): string[] {
    const r = pulumi(engine, dir, ["stack", "export", "--stack", stack]);
    if (r.status !== 0) return [`(export failed: ${tail(r, 3)})`];
    const state = JSON.parse(r.stdout) as { deployment?: { resources?: Array<{ urn: string }> } };
    return (state.deployment?.resources ?? []).map((res) => res.urn);
}

function kindClusters(engine: Engine): string[] {
    const r = spawnSync("kind", ["get", "clusters"], { env: engine.env, encoding: "utf8" });
    return r.stdout.split("\n").filter((l) => l.trim() !== "" && !/^No kind clusters/.test(l));
}

/** A secret in `stack export --show-secrets` is `{ <sig>: …, plaintext: "<json>" }`: its value. */
function reveal(value: unknown): unknown {
    if (value !== null && typeof value === "object" && "plaintext" in value) return reveal(JSON.parse(String((value as { plaintext: string }).plaintext)));
    if (Array.isArray(value)) return value.map(reveal);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    return value;
}

function leaves(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(leaves);
    if (value !== null && typeof value === "object") return Object.values(value).flatMap(leaves);
    return value === undefined || value === null ? [] : [str(value)];
}

/**
 * What east read through its StackReference is west's real state: the mesh CA east's Cilium
 * release trusts is west's exported CA, and east's entry for west carries west's exported
 * clustermesh endpoint.
 */
function checkStackReference(lab: Engine, dir: string, owner: string, reader: string): void {
    const outputs = pulumi(lab, dir, ["stack", "output", "--json", "--show-secrets", "--stack", owner]);
    const exported = pulumi(lab, dir, ["stack", "export", "--show-secrets", "--stack", reader]);
    if (outputs.status !== 0 || exported.status !== 0) {
        record(`kind lab: ${reader} reads ${owner}'s real outputs`, false, tail(outputs.status !== 0 ? outputs : exported));
        return;
    }
    const ownerOut = JSON.parse(outputs.stdout) as { meshCaCertPem?: string; clustermeshEndpoint?: unknown };
    const state = reveal(JSON.parse(exported.stdout)) as { deployment: { resources: Array<{ urn: string; type: string; outputs?: { values?: Record<string, unknown> } }> } };
    const release = state.deployment.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.urn.endsWith("-cilium-release"));
    const values = release?.outputs?.values as { tls?: { ca?: { cert?: string } }; clustermesh?: { config?: { clusters?: Array<Record<string, unknown>> } } } | undefined;
    const caCert = values?.tls?.ca?.cert ?? "";
    const ownerCa = ownerOut.meshCaCertPem ?? "";
    const sameCa = ownerCa !== "" && (caCert === ownerCa || caCert === Buffer.from(ownerCa).toString("base64"));
    record(`kind lab: ${reader}'s Cilium trusts ${owner}'s exported mesh CA (read through the StackReference)`, sameCa, `${owner} meshCaCertPem: ${ownerCa.slice(0, 80)}…\n${reader} tls.ca.cert: ${caCert.slice(0, 80)}…`);
    const entry = values?.clustermesh?.config?.clusters?.find((c) => c.name === owner);
    const want = leaves(ownerOut.clustermeshEndpoint);
    const have = new Set(leaves(entry));
    const missing = want.filter((w) => !have.has(w));
    record(`kind lab: ${reader}'s entry for ${owner} is ${owner}'s exported clustermesh endpoint`, entry !== undefined && want.length > 0 && missing.length === 0, `${owner} clustermeshEndpoint: ${JSON.stringify(ownerOut.clustermeshEndpoint)}\n${reader}'s entry: ${JSON.stringify(entry)}`);
}

/** The Cilium release's trust bundle and its certificates' issuer, as the real state holds them. */
function releaseTrust(lab: Engine, dir: string, stack: string): { bundle: string; issuer: string } | undefined {
    const exported = pulumi(lab, dir, ["stack", "export", "--show-secrets", "--stack", stack]);
    if (exported.status !== 0) return undefined;
    const state = reveal(JSON.parse(exported.stdout)) as { deployment: { resources: Array<{ urn: string; type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }> } };
    const release = state.deployment.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.urn.endsWith("-cilium-release"));
    const values = release?.outputs?.values as { tls?: { caBundle?: { content?: string } } } | undefined;
    const server = state.deployment.resources.find((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert" && r.urn.endsWith("-cilium-server-cert"));
    return { bundle: values?.tls?.caBundle?.content ?? "", issuer: str(server?.outputs?.caCertPem ?? server?.inputs?.caCertPem) };
}

/**
 * A CA rotation through the real engine, in the waves rotate-ca plans (lib/mesh-ca.ts): after
 * every wave every member's trust bundle holds every member's issuer, read from the real state
 * (the new CA reaches east through west's meshCaGenerations output, a secret); at the end the
 * old CA is gone from west's state, and a second up of each shows no changes.
 */
function rotateCa(lab: Engine, dir: string, up: (stack: string, label: string, extra?: string[]) => boolean, stacks: readonly string[]): void {
    const plan = rotationPlan(stacks.map((stack, i) => ({ stack, clusterId: i + 1, ca: FIRST_CA_STATE })), 8);
    if ("refused" in plan) {
        record("kind lab: rotate-ca plans a rotation", false, plan.refused);
        return;
    }
    for (const [i, wave] of plan.waves.entries()) {
        for (const move of wave) {
            for (const [key, value] of Object.entries(rotationConfig(move.to))) setStackFileValue(dir, move.stack, key, value);
            if (!up(move.stack, `rotate-ca wave ${i + 1}: up ${move.stack} (${move.step}, issued by CA ${issuingGeneration(move.to)})`)) return;
        }
        const trust = stacks.map((s) => ({ stack: s, ...releaseTrust(lab, dir, s) }));
        const gaps = trust.flatMap((a) => trust.filter((b) => !b.issuer || !(a.bundle ?? "").includes(b.issuer.trim())).map((b) => `${a.stack} does not trust ${b.stack}'s issuer`));
        record(`kind lab: rotate-ca wave ${i + 1}: every member trusts every member's issuer (real state)`, gaps.length === 0, gaps.join("\n"));
    }
    const oldCa = resourcesInState(lab, dir, stacks[0]).filter((urn) => /MeshCertificateAuthority::mesh-ca$/.test(urn));
    record("kind lab: rotate-ca: the old CA is gone from the CA owner's state", oldCa.length === 0, oldCa.join("\n"));
    for (const stack of stacks) up(stack, `rotate-ca: second up of ${stack} shows no changes`, ["--expect-no-changes"]);
}

export function kindLab(engine: Engine): void {
    const missing = ensureClusterBinaries();
    if (missing.length > 0) {
        record("kind lab: the test cluster's binaries", false, missing.join("\n"));
        return;
    }
    const standIns = path.join(engine.tmp, "stand-ins");
    fs.mkdirSync(standIns, { recursive: true });
    writeStandIns(standIns);
    const env = {
        ...engine.env,
        PATH: [standIns, engine.env.PATH ?? ""].join(path.delimiter),
        CLUSTERMESH_KIND_STATE_DIR: path.join(engine.tmp, "kind"),
        CLUSTERMESH_KIND_OWNER_PID: String(process.pid),
        KUBECONFIG: path.join(engine.tmp, "kubeconfig"),
    };
    const lab: Engine = { ...engine, env };
    const dir = path.join(lab.work, LAB);
    const stacks = stacksOf(dir);
    let target: string | undefined;
    for (const stack of stacks) {
        const file = parse(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, { version?: string }> };
        target = file.config["clustermesh:cilium"]?.version ?? "";
        const version = previousRelease(target) ?? target;
        pulumi(lab, dir, ["stack", "select", "--create", stack]);
        for (const [key, value] of [["clustermesh:cilium.version", version], ["clustermesh:cilium.chart", chartArchive(version)]]) {
            const set = pulumi(lab, dir, ["config", "set", "--path", "--stack", stack, key, value]);
            if (set.status !== 0) record(`kind lab ${stack}: set ${key}`, false, tail(set));
        }
    }
    const up = (stack: string, label: string, extra: string[] = []): boolean => {
        const r = pulumi(lab, dir, ["up", "--yes", "--skip-preview", "--stack", stack, ...extra], 20 * 60_000);
        record(`kind lab: ${label}`, r.status === 0, tail(r, 60));
        return r.status === 0;
    };
    const west = "west";
    const east = "east";
    if (!up(west, "up west")) return;
    const previewEast = pulumi(lab, dir, ["preview", "--stack", east]);
    record("kind lab: preview east once west is up", previewEast.status === 0, tail(previewEast));
    if (!up(east, "up east")) return;
    for (const stack of [west, east]) pulumi(lab, dir, ["config", "set", "--path", "--stack", stack, "clustermesh:mesh.link", "true"]);
    if (!up(west, "up west linked") || !up(east, "up east linked")) return;
    checkStackReference(lab, dir, west, east);
    up(west, "second up of west shows no changes", ["--expect-no-changes"]);
    up(east, "second up of east shows no changes", ["--expect-no-changes"]);
    rotateCa(lab, dir, up, [west, east]);
    if (target !== undefined && previousRelease(target) !== undefined) upgrade(lab, dir, target, [west, east]);

    for (const stack of [east, west]) {
        const r = pulumi(lab, dir, ["destroy", "--yes", "--skip-preview", "--stack", stack], 20 * 60_000);
        record(`kind lab: destroy ${stack}`, r.status === 0, tail(r, 60));
    }
    const left = stacks.flatMap((s) => resourcesInState(lab, dir, s));
    record("kind lab: nothing left in the state after destroy", left.length === 0, left.join("\n"));
    const clusters = kindClusters(lab);
    record("kind lab: no cluster left after destroy", clusters.length === 0, clusters.join("\n"));

    // The mesh runner through the Automation API (its progress from the engine's events).
    const mesh = (args: string[]) =>
        spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(lab.work, "scripts/mesh.ts"), ...args], {
            cwd: dir,
            env: { ...env, CLUSTERMESH_PROJECT_DIR: dir },
            encoding: "utf8",
            timeout: 30 * 60_000,
        });
    for (const stack of stacks) pulumi(lab, dir, ["config", "set", "--path", "--stack", stack, "clustermesh:mesh.link", "false"]);
    const meshUp = mesh(["up", "--yes", "--logs", path.join(engine.tmp, "mesh-logs")]);
    record("kind lab: npm run mesh -- up (Automation API)", meshUp.status === 0, `${meshUp.stdout}${meshUp.stderr}`.trimEnd().split("\n").slice(-40).join("\n"));
    const meshDown = mesh(["destroy", "--yes", "--logs", path.join(engine.tmp, "mesh-logs")]);
    record("kind lab: npm run mesh -- destroy (Automation API)", meshDown.status === 0, `${meshDown.stdout}${meshDown.stderr}`.trimEnd().split("\n").slice(-40).join("\n"));
    const leftAfterMesh = stacks.flatMap((s) => resourcesInState(lab, dir, s));
    record("kind lab: nothing left in the state after mesh destroy", leftAfterMesh.length === 0, leftAfterMesh.join("\n"));
    const clustersAfterMesh = kindClusters(lab);
    record("kind lab: no cluster left after mesh destroy", clustersAfterMesh.length === 0, clustersAfterMesh.join("\n"));
}
