/**
 * Generated mutations of a mesh's stack files, and what became of each: the fuzz suite
 * (scripts/fuzz/fuzz.test.ts) and `npm run fuzz` (the table). A mutation changes one thing a
 * careful user could get wrong (a value of a key, a key's name, a file's name, a file's whole
 * content) and says whether the result is certainly wrong (`wrong`) or may be right. Validation
 * (pure) decides each case; the program runs under the mock engine for accepted cases.
 *
 * Outcomes:
 * - refused well: refused, and every problem names a file of the mesh and a key, gives a fix,
 *   prints no raw newline and no value that may be a secret;
 * - refused poorly: refused, but some problem misses one of those;
 * - accepted but wrong: a certainly-wrong mutation that validation let through;
 * - crash: validation threw, or an accepted mesh's program threw for some stack.
 */
import fc from "fast-check";
import { loadStackConfigs, type StackFileEntry } from "../../stacks/load";
import { formatProblem, type Problem } from "../../stacks/problems";
import { UNKNOWN_VALUE_PREFIX } from "../../stacks/redact";
import { stackConfig, type MemberSpec } from "../../stacks/sample-stacks";
import { stackFileProblems } from "../../stacks/stack-files";
import { validateMesh } from "../../stacks/validate";
import type { MeshInspection } from "../plan/run-program";

export type Outcome = "refused well" | "refused poorly" | "accepted but wrong" | "accepted" | "crash";
export const OUTCOMES: readonly Outcome[] = ["refused well", "refused poorly", "accepted but wrong", "accepted", "crash"];

/** A secret a mutation may paste somewhere; no refusal may print it (or any part of its body). */
export const SECRET_PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";
export const SECRET_PASSWORD = "Hunter2-correct-horse-battery";
const SECRET_MARKERS = ["BEGIN OPENSSH", "b3BlbnNzaC1rZXkt", "Hunter2", "correct-horse"];

/** The mesh every mutation starts from: k3s on EC2 (CA owner), EKS, k3s on an existing host. */
export const BASE_MESH: readonly MemberSpec[] = [
    { stack: "west", id: 1 },
    { stack: "east", id: 2, kind: "eks" },
    {
        stack: "north",
        id: 3,
        cluster: { vpcCIDR: undefined, region: undefined, operatorCIDRs: undefined },
        k3s: { host: { address: "198.51.100.7" } },
        extra: { "clustermesh:sshPrivateKey": { secure: "v1:c2VjcmV0" } },
    },
];

export interface StackFile {
    file: string;
    doc: unknown;
}

export interface Mutation {
    /** What was changed, for the table and failure messages. */
    readonly label: string;
    /** True when the result is certainly wrong (validation must refuse it). */
    readonly wrong: boolean;
    readonly apply: (files: StackFile[]) => StackFile[];
}

export function baseFiles(): StackFile[] {
    return BASE_MESH.map((spec) => ({ file: `Pulumi.${spec.stack}.yaml`, doc: JSON.parse(JSON.stringify({ config: stackConfig(spec) })) as unknown }));
}

type Config = Record<string, unknown>;

function setAt(files: StackFile[], index: number, section: string, keyPath: readonly string[], value: unknown): StackFile[] {
    const copy = structuredClone(files);
    const config = (copy[index].doc as { config: Config }).config;
    const root = `clustermesh:${section}`;
    let node = (config[root] ??= {}) as Record<string, unknown>;
    for (const k of keyPath.slice(0, -1)) {
        node = (node[k] ??= {}) as Record<string, unknown>;
    }
    if (value === undefined) {
        delete node[keyPath[keyPath.length - 1]];
    } else {
        node[keyPath[keyPath.length - 1]] = value;
    }
    return copy;
}

/** Values certainly wrong for a CIDR key, with why. */
const badCidrs = fc.constantFrom(
    "10.021.0.0/16",
    "10.21.0/16",
    "10.21.0.0/016",
    "10.21.0.1/16",
    "fd00:21::/48",
    "10.21.0.0",
    "0.0.0.0/0",
    "10.21.0.0/33",
    " 10.21.0.0/16",
    "10.21.0.0/16\nx",
    "",
);
const badNumbers = fc.constantFrom<unknown>(-1, 0.5, 1e12, "2", null, true, [], {});
const badStrings = fc.constantFrom<unknown>("", " ", "\n", "a\nb", 42, null, [], SECRET_PEM);

/** One certainly-wrong change of one key (the member is picked by index). */
const wrongValue: fc.Arbitrary<Mutation> = fc.oneof(
    fc.tuple(fc.nat(2), fc.constantFrom("podCIDR", "serviceCIDR"), badCidrs).map(([i, key, v]) => ({
        label: `cluster.${key} = ${JSON.stringify(v)}`,
        wrong: true,
        apply: (f: StackFile[]) => setAt(f, i, "cluster", [key], v),
    })),
    fc.tuple(fc.nat(1), badCidrs, fc.constantFrom("10.0.0.0/8", "10.20.0.0/28", "fd00:20::/56")).map(([i, v, big]) => ({
        label: `cluster.vpcCIDR = ${JSON.stringify(i === 0 ? v : big)}`,
        wrong: true,
        apply: (f: StackFile[]) => setAt(f, i, "cluster", ["vpcCIDR"], i === 0 ? v : big),
    })),
    fc.constantFrom<unknown>(["0.0.0.0/1", "128.0.0.0/1"], ["0.0.0.0/0"], ["198.18.0.0/15"], [], ["203.0.113.10/32", "203.0.113.10/32"], ["fd00::/64"]).map((v) => ({
        label: `cluster.operatorCIDRs = ${JSON.stringify(v)}`,
        wrong: true,
        apply: (f: StackFile[]) => setAt(f, 0, "cluster", ["operatorCIDRs"], v),
    })),
    fc.tuple(fc.nat(2), badNumbers).map(([i, v]) => ({ label: `cluster.id = ${JSON.stringify(v)}`, wrong: true, apply: (f: StackFile[]) => setAt(f, i, "cluster", ["id"], v) })),
    fc.constantFrom("us-wset-2", "US-WEST-2", "us-west", "cn-north-1", "").map((v) => ({ label: `cluster.region = ${JSON.stringify(v)}`, wrong: true, apply: (f: StackFile[]) => setAt(f, 0, "cluster", ["region"], v) })),
    fc.constantFrom("1.99.0", "1.18.0", "1.15.3", "1.19", "v1.19.6", "1.019.6").map((v) => ({
        label: `cilium.version = ${v} (every member)`,
        wrong: true,
        apply: (f: StackFile[]) => [0, 1, 2].reduce((acc, i) => setAt(acc, i, "cilium", ["version"], v), f),
    })),
    // Two minors apart: more than a rolling upgrade passes through.
    fc.tuple(fc.nat(2), fc.constantFrom<[string, string]>(["1.18.12", "1.20.0"], ["1.20.0", "1.18.1"])).map(([i, [one, rest]]) => ({
        label: `cilium.version = ${one} on one member, ${rest} on the others`,
        wrong: true,
        apply: (f: StackFile[]) => setAt([0, 1, 2].reduce((acc, j) => setAt(acc, j, "cilium", ["version"], rest), f), i, "cilium", ["version"], one),
    })),
    fc.constantFrom("v1.19.5+k3s1", "v1.99.0+k3s1", "1.33.5+k3s1", "v1.33.5").map((v) => ({ label: `k3s.version = ${v}`, wrong: true, apply: (f: StackFile[]) => setAt(f, 0, "k3s", ["version"], v) })),
    fc.constantFrom("t4g.medium", "a1.large", "m7gd.large", "", "T3.MEDIUM", "t3").map((v) => ({ label: `k3s.instanceType = ${JSON.stringify(v)}`, wrong: true, apply: (f: StackFile[]) => setAt(f, 0, "k3s", ["instanceType"], v) })),
    fc.constantFrom<[string, unknown]>(["minSize", 5], ["desiredSize", 9], ["maxSize", 0], ["version", "1.99"], ["version", "1.19"], ["instanceType", "large"]).map(([k, v]) => ({
        label: `eks.${k} = ${JSON.stringify(v)}`,
        wrong: true,
        apply: (f: StackFile[]) => setAt(f, 1, "eks", [k], v),
    })),
    fc.tuple(fc.constantFrom("user", "address", "hostKey"), badStrings).map(([k, v]) => ({
        label: `k3s.host.${k} = ${JSON.stringify(v).slice(0, 30)}`,
        wrong: true,
        apply: (f: StackFile[]) => setAt(f, 2, "k3s", ["host", k], v),
    })),
    fc.constant({ label: "k3s.host.address = k3s.example.com (no node IP)", wrong: true, apply: (f: StackFile[]) => setAt(f, 2, "k3s", ["host", "address"], "k3s.example.com") }),
    fc.constant({
        label: "two stacks on one existing host",
        wrong: true,
        apply: (f: StackFile[]) => {
            const copy = structuredClone(f);
            const north = (copy[2].doc as { config: Config }).config;
            const second = structuredClone(north);
            (second["clustermesh:cluster"] as Record<string, unknown>).name = "south";
            (second["clustermesh:cluster"] as Record<string, unknown>).id = 4;
            (second["clustermesh:cluster"] as Record<string, unknown>).podCIDR = "10.41.0.0/16";
            (second["clustermesh:cluster"] as Record<string, unknown>).serviceCIDR = "10.42.0.0/16";
            second["clustermesh:cilium"] = { apiserverNodePort: 32390 };
            return [...copy, { file: "Pulumi.south.yaml", doc: { config: second } }];
        },
    }),
    fc.tuple(fc.nat(2), fc.constantFrom<[string, string, unknown]>(["cilium", "apiserverNodePort", 80], ["app", "port", 0], ["app", "name", "Echo"], ["app", "replicas", -1], ["mesh", "link", "yes"], ["network", "topology", "mesh"])).map(
        ([i, [section, key, v]]) => ({ label: `${section}.${key} = ${JSON.stringify(v)}`, wrong: true, apply: (f: StackFile[]) => setAt(f, i, section, [key], v) }),
    ),
);

/** Wrong keys: a typo, no namespace, config outside config:, a secret under an unknown key. */
const wrongKey: fc.Arbitrary<Mutation> = fc.oneof(
    fc.tuple(fc.nat(2), fc.constantFrom("podCIDRs", "serviceCidr", "Name", "clusterId")).map(([i, key]) => ({
        label: `unknown key cluster.${key}`,
        wrong: true,
        apply: (f: StackFile[]) => setAt(f, i, "cluster", [key], "10.99.0.0/16"),
    })),
    fc.tuple(fc.nat(2), fc.constantFrom("cilium", "mesh", "app")).map(([i, section]) => ({
        label: `clustermesh:${section} written as ${section}`,
        wrong: true,
        apply: (f: StackFile[]) => {
            const copy = structuredClone(f);
            const config = (copy[i].doc as { config: Config }).config;
            config[section] = { version: "1.19.6", link: true, name: "echo" };
            return copy;
        },
    })),
    fc.constantFrom("password", "bgpPassword", "token").map((key) => ({
        label: `a password under bgp.${key}`,
        wrong: true,
        apply: (f: StackFile[]) => setAt(f, 2, "bgp", [key], SECRET_PASSWORD),
    })),
    fc.constant({ label: "a private key under cluster.sshKey", wrong: true, apply: (f: StackFile[]) => setAt(f, 0, "cluster", ["sshKey"], SECRET_PEM) }),
    fc.constant({
        label: "clustermesh:mesh at the top of the file",
        wrong: true,
        apply: (f: StackFile[]) => {
            const copy = structuredClone(f);
            (copy[1].doc as Record<string, unknown>)["clustermesh:mesh"] = { link: true };
            return copy;
        },
    }),
    fc.constant({
        label: "a plain-text sshPrivateKey",
        wrong: true,
        apply: (f: StackFile[]) => {
            const copy = structuredClone(f);
            (copy[2].doc as { config: Config }).config["clustermesh:sshPrivateKey"] = SECRET_PEM;
            return copy;
        },
    }),
);

/** Wrong files: an empty one, a twin, a name Pulumi refuses. Dotted names are right. */
const fileChange: fc.Arbitrary<Mutation> = fc.oneof(
    fc.nat(2).map((i) => ({ label: `empty ${["west", "east", "north"][i]} file`, wrong: true, apply: (f: StackFile[]) => f.map((x, j) => (j === i ? { ...x, doc: null } : x)) })),
    fc.constant({ label: "a .yml twin of east", wrong: true, apply: (f: StackFile[]) => [...f, { file: "Pulumi.east.yml", doc: structuredClone(f[1].doc) }] }),
    fc.constant({ label: "a stack name with a space", wrong: true, apply: (f: StackFile[]) => f.map((x, j) => (j === 1 ? { ...x, file: "Pulumi.east 1.yaml" } : x)) }),
    fc.constant({ label: "a dotted stack name (eu.central)", wrong: false, apply: (f: StackFile[]) => f.map((x, j) => (j === 1 ? { ...x, file: "Pulumi.eu.central.yaml" } : x)) }),
);

const cidrOf = (second: number, prefix: number) => `10.${second}.0.0/${prefix}`;

/** Changes that may well be right: other sizes, versions, counts; accepted ones are run. */
const maybeRight: fc.Arbitrary<Mutation> = fc.oneof(
    fc.tuple(fc.nat(2), fc.integer({ min: 8, max: 26 })).map(([i, prefix]) => ({
        label: `cluster.podCIDR = ${cidrOf(100 + i * 40, prefix)}`,
        wrong: false,
        apply: (f: StackFile[]) => setAt(f, i, "cluster", ["podCIDR"], cidrOf(100 + i * 40, prefix)),
    })),
    fc.tuple(fc.nat(2), fc.integer({ min: 10, max: 30 })).map(([i, prefix]) => ({
        label: `cluster.serviceCIDR = ${cidrOf(200 + i * 10, prefix)}`,
        wrong: false,
        apply: (f: StackFile[]) => setAt(f, i, "cluster", ["serviceCIDR"], cidrOf(200 + i * 10, prefix)),
    })),
    fc.tuple(fc.nat(1), fc.integer({ min: 14, max: 28 })).map(([i, prefix]) => ({
        label: `cluster.vpcCIDR = ${cidrOf(10 + i * 10, prefix)}`,
        wrong: false,
        apply: (f: StackFile[]) => setAt(f, i, "cluster", ["vpcCIDR"], cidrOf(10 + i * 10, prefix)),
    })),
    fc.tuple(fc.integer({ min: 1, max: 600 }), fc.nat(2)).map(([id, i]) => ({ label: `cluster.id = ${id}`, wrong: false, apply: (f: StackFile[]) => setAt(f, i, "cluster", ["id"], id) })),
    fc.constantFrom("1.18.1", "1.18.12", "1.19.0", "1.19.6", "1.20.0").map((v) => ({ label: `cilium.version = ${v} (every member)`, wrong: false, apply: (f: StackFile[]) => [0, 1, 2].reduce((acc, i) => setAt(acc, i, "cilium", ["version"], v), f) })),
    // One minor apart: half way through a rolling upgrade.
    fc.tuple(fc.nat(2), fc.constantFrom<[string, string]>(["1.19.6", "1.20.0"], ["1.20.0", "1.19.6"], ["1.18.12", "1.19.6"])).map(([i, [one, rest]]) => ({
        label: `cilium.version = ${one} on one member, ${rest} on the others`,
        wrong: false,
        apply: (f: StackFile[]) => setAt([0, 1, 2].reduce((acc, j) => setAt(acc, j, "cilium", ["version"], rest), f), i, "cilium", ["version"], one),
    })),
    fc.tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom("t3.medium", "m5.large", "c7i.xlarge")).map(([agents, type]) => ({
        label: `k3s.agents = ${agents}, instanceType ${type}`,
        wrong: false,
        apply: (f: StackFile[]) => setAt(setAt(f, 0, "k3s", ["agents"], agents), 0, "k3s", ["instanceType"], type),
    })),
    fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.constantFrom("t4g.large", "m7g.xlarge", "t3.large")).map(([min, desired, max, type]) => ({
        label: `eks sizes ${min}/${desired}/${max} ${type}`,
        wrong: false,
        apply: (f: StackFile[]) => setAt(setAt(setAt(setAt(f, 1, "eks", ["minSize"], min), 1, "eks", ["desiredSize"], desired), 1, "eks", ["maxSize"], max), 1, "eks", ["instanceType"], type),
    })),
    fc.constantFrom("us-east-1", "eu-central-2", "ap-southeast-7", "mx-central-1").map((r) => ({ label: `cluster.region = ${r}`, wrong: false, apply: (f: StackFile[]) => setAt(f, 0, "cluster", ["region"], r) })),
    fc.tuple(fc.nat(2), fc.integer({ min: 29000, max: 33000 })).map(([i, port]) => ({ label: `cilium.apiserverNodePort = ${port}`, wrong: false, apply: (f: StackFile[]) => setAt(f, i, "cilium", ["apiserverNodePort"], port) })),
    fc.constantFrom(["198.51.100.0/24"], ["203.0.113.10/32", "192.0.2.0/28"], ["100.64.0.0/16"]).map((v) => ({ label: `cluster.operatorCIDRs = ${JSON.stringify(v)}`, wrong: false, apply: (f: StackFile[]) => setAt(f, 0, "cluster", ["operatorCIDRs"], v) })),
    fc.constantFrom("ubuntu", "admin", "ec2-user").map((u) => ({ label: `k3s.host.user = ${u}`, wrong: false, apply: (f: StackFile[]) => setAt(f, 2, "k3s", ["host", "user"], u) })),
    fc.boolean().map((link) => ({ label: `mesh.link = ${link} (every member)`, wrong: false, apply: (f: StackFile[]) => [0, 1, 2].reduce((acc, i) => setAt(acc, i, "mesh", ["link"], link), f) })),
);

/** One mutation of any kind; certainly-wrong ones and maybe-right ones about equally often. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof({ arbitrary: wrongValue, weight: 4 }, { arbitrary: wrongKey, weight: 2 }, { arbitrary: fileChange, weight: 1 }, { arbitrary: maybeRight, weight: 5 });

/** Accepted meshes only need this much: a mutation that may be right. */
export const rightMutation = maybeRight;

export interface Verdict {
    readonly outcome: Outcome;
    /** Why, for a poorly refused or wrongly accepted case. */
    readonly detail?: string;
    readonly problems: readonly string[];
    /** The mesh as validated, when accepted (for running the program). */
    readonly inspection?: MeshInspection;
}

/** What may not appear in a refusal (a secret), or a problem's flaw; undefined when it is a good one. */
export function refusalFlaw(problem: Problem, files: readonly string[]): string | undefined {
    const line = formatProblem(problem);
    if (line.includes("\n") || line.includes("\r")) return "prints a raw newline";
    if (!files.includes(problem.file)) return `names no file of the mesh (${problem.file})`;
    if (!problem.key) return "names no key";
    if (!problem.fix || problem.fix.trim().length < 4) return "gives no fix";
    const leaked = SECRET_MARKERS.find((m) => line.includes(m));
    if (leaked) return `prints a secret (${leaked})`;
    // An unknown key's value: a short prefix at most.
    if (/is not a known key|has no namespace|is in the namespace|is not a key of a Pulumi stack file/.test(problem.message) && typeof problem.value === "string" && !problem.value.startsWith("[value hidden")) {
        const shown = problem.value.endsWith("…") ? problem.value.slice(0, -1) : problem.value;
        if (shown.length > UNKNOWN_VALUE_PREFIX) return `prints ${shown.length} characters of an unknown key's value`;
    }
    return undefined;
}

/** Validates the mutated files and classifies the result (the program is not run here). */
export function classify(m: Mutation): Verdict {
    let files: StackFile[];
    let problems: Problem[];
    let inspection: MeshInspection | undefined;
    try {
        files = m.apply(baseFiles());
        const loaded = loadStackConfigs(files.map((f): StackFileEntry => ({ file: f.file, doc: f.doc })));
        // The file-name rules, as loadStacks applies them before parsing.
        const names = files.map((f) => f.file);
        const named = fileNameProblems(names);
        const validation = validateMesh(loaded.members, loaded.suggestions);
        problems = [...named, ...loaded.problems, ...validation.problems];
        if (problems.length === 0) {
            inspection = { members: loaded.members, problems: [], notes: validation.notes, others: loaded.others };
        }
    } catch (e) {
        return { outcome: "crash", detail: `validation threw: ${e instanceof Error ? e.message : String(e)}`, problems: [] };
    }
    const printed = problems.map(formatProblem);
    if (problems.length === 0) {
        return m.wrong ? { outcome: "accepted but wrong", detail: m.label, problems: printed, inspection } : { outcome: "accepted", problems: printed, inspection };
    }
    const names = files.map((f) => f.file);
    for (const p of problems) {
        const flaw = refusalFlaw(p, names);
        if (flaw) return { outcome: "refused poorly", detail: `${flaw}: ${formatProblem(p)}`, problems: printed };
    }
    return { outcome: "refused well", problems: printed };
}

function fileNameProblems(names: readonly string[]): Problem[] {
    return stackFileProblems(names).problems;
}
