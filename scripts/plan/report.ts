/**
 * What `npm run plan` prints: a JSON document (stable key order, secrets redacted) and its
 * human-readable text, built from the mock engine's recording. Pure, so the formatting is
 * tested without running a program.
 */
import { issuingGeneration, trustedGenerations } from "../../lib/mesh-ca";
import { Document as YamlDocument } from "yaml";
import type { HelmValue, HelmValues } from "../../components/cilium/values";
import { PREFLIGHT_RELEASE_NAME, sortKeys } from "../../components/cilium/values";
import type { MeshMember } from "../../stacks/load";
import type { NetworkSummary } from "../../stacks/validate";
import { formatProblem, type Problem } from "../../stacks/problems";
import { table } from "../common/table";
import type { RecordedResource } from "./mock-engine";
import { standInEndpoint } from "./stand-ins";
import { byCodePoint } from "../../lib/order";

export const REDACTED = "[secret]";
/** Shown in place of a certificate the deploy issues (the plan's are stand-ins). */
export const ISSUED_AT_DEPLOY = "(issued at deploy)";

/**
 * One resource as `pulumi preview` and the state know it: its URN, and its parent, provider and
 * dependencies as URNs. The resource options that change what a deploy does appear only when set.
 */
export interface PlanResource {
    /** The URN the real engine gives it (mock-engine.ts `engineUrn`). */
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** URN of the parent component; absent for resources directly under the stack. */
    readonly parent?: string;
    /** URN of the explicit provider (`provider`); absent where the default provider is used. */
    readonly provider?: string;
    /** Inputs that are secrets (their values are never printed). */
    readonly secretInputs?: readonly string[];
    /** The id the mock engine gave it, which other resources' inputs refer to (a stand-in: AWS or Kubernetes assigns the real one). */
    readonly id?: string;
    /** URNs of every resource it waits for, through its inputs or `dependsOn` (the state's `dependencies`). */
    readonly dependencies?: readonly string[];
    /** URNs the `dependsOn` option adds: resources it waits for that none of its inputs refers to. */
    readonly dependsOn?: readonly string[];
    /** Kept in the cluster when Pulumi drops it (`retainOnDelete`): a version change never deletes it. */
    readonly retainOnDelete?: true;
    /** `protect`: the engine refuses to delete it. */
    readonly protect?: true;
    /** `deleteBeforeReplace`: a replacement deletes the old one first. */
    readonly deleteBeforeReplace?: true;
    /** `deletedWith`: URN of the resource whose deletion takes this one along (no delete call of its own). */
    readonly deletedWith?: string;
    /** `ignoreChanges`: inputs a later change of leaves alone. */
    readonly ignoreChanges?: readonly string[];
    /** `replaceOnChanges`: inputs whose change replaces it. */
    readonly replaceOnChanges?: readonly string[];
    /** `additionalSecretOutputs`: outputs the state encrypts. */
    readonly additionalSecretOutputs?: readonly string[];
    /** `customTimeouts` as set. */
    readonly customTimeouts?: Readonly<Partial<Record<"create" | "update" | "delete", string>>>;
    /** `aliases`: former URNs the engine matches in the state, so the move is not a replace. */
    readonly aliases?: readonly string[];
    /** Every input as registered: secret ones redacted (`planInputs`), unknown ones marked. */
    readonly inputs?: Record<string, unknown>;
}

export interface MemberRow {
    readonly stack: string;
    readonly name: string;
    readonly id: number;
    readonly kind: string;
    readonly region: string;
    readonly podCIDR: string;
    readonly serviceCIDR: string;
    readonly vpcCIDR: string;
    /** The port peers dial: the NodePort, or 2379 behind a load balancer (EKS's NLB, an LB-IPAM address). */
    readonly apiserverPort: number;
    readonly link: boolean;
    /** Its Cilium release: members may be one minor apart during an upgrade. */
    readonly cilium: string;
    /** Which mesh CA generations it trusts and which one issues its certificates (lib/mesh-ca.ts). */
    readonly ca: { readonly trusts: number[]; readonly issuedBy: number };
}

export interface PlanDocument {
    readonly stack: string;
    /** The project (its Pulumi.yaml `name`): every URN's second part. */
    readonly project: string;
    readonly cluster: { name: string; id: number; kind: string; region: string; podCIDR: string; serviceCIDR: string; vpcCIDR: string };
    /** `preflight`: the pre-flight check's release while `clustermesh:cilium.preflight` is set. */
    readonly cilium: { version: string; values: HelmValues; preflight?: { version: string; values: HelmValues } };
    readonly mesh: {
        readonly members: MemberRow[];
        readonly caOwner: string;
        /** How the VPCs are joined, with each quota-limited count and its tightest declared quota. */
        readonly network: NetworkSummary;
        readonly linkedPeers: string[];
        readonly pendingPeers: Array<{ name: string; reason: string }>;
        readonly notes: string[];
    };
    /** What the program logged (e.g. which peers are not linked and why). */
    readonly log: string[];
    readonly resources: PlanResource[];
    readonly outputs: Record<string, unknown>;
    /**
     * Paths (`cilium.values.k8sServiceHost`, `outputs.network.vpcId`) of the values that are the
     * mock engine's stand-ins for what AWS or the cluster assigns at deploy: the shape is real,
     * the value is not.
     */
    readonly standIns: string[];
}

export function memberRow(m: MeshMember): MemberRow {
    return {
        stack: m.stack,
        name: m.cluster.name,
        id: m.cluster.id,
        kind: m.cluster.kind === "k3s" ? (m.k3s.host ? "k3s (existing host)" : "k3s (EC2)") : m.cluster.kind === "kind" ? "kind (Docker)" : "eks",
        region: m.cluster.region ?? "-",
        podCIDR: m.cluster.podCIDR,
        serviceCIDR: m.cluster.serviceCIDR,
        vpcCIDR: m.cluster.vpcCIDR ?? "-",
        // The port of the endpoint the member exports (stand-ins.ts), not the NodePort setting.
        apiserverPort: standInEndpoint(m).port,
        link: m.mesh.link,
        cilium: m.cilium.version,
        ca: { trusts: trustedGenerations(m.mesh.ca), issuedBy: issuingGeneration(m.mesh.ca) },
    };
}

/** Secrets shorter than this are only redacted where a value equals them, not inside longer text. */
const MIN_EMBEDDED_SECRET = 8;

/** Every string the mock engine marked secret in the recorded resources (see `RecordedResource.secretValues`). */
export function secretValuesOf(resources: readonly RecordedResource[]): string[] {
    return [...new Set(resources.flatMap((r) => r.secretValues ?? []))].filter((s) => s.length > 0).sort();
}

/** True when `text` is, or holds, one of `secrets` as written or base64-encoded (Helm values carry PEMs in base64). */
function holdsSecret(text: string, secrets: readonly string[]): boolean {
    return secrets.some((secret) => {
        const encoded = Buffer.from(secret).toString("base64");
        return text === secret || text === encoded || (secret.length >= MIN_EMBEDDED_SECRET && (text.includes(secret) || text.includes(encoded)));
    });
}

/**
 * Replaces every private key and certificate in the values: keys are secrets, certificates are
 * issued at deploy. Redaction is by secrecy first: any value that is or holds one of `secrets`
 * (what the engine marked secret: `pulumi.secret` inputs and `additionalSecretOutputs`) is
 * redacted whatever its key, so a new secret field can never be printed; the key paths
 * (`tls…key`, `tls…cert`) are a second net.
 */
export function redactValues(values: HelmValue, path: string[] = [], secrets: readonly string[] = []): HelmValue {
    if (Array.isArray(values)) {
        return values.map((v) => redactValues(v, path, secrets));
    }
    if (values !== null && typeof values === "object") {
        return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, redactValues(v, [...path, k], secrets)]));
    }
    const leaf = path[path.length - 1];
    const underTls = path.includes("tls");
    if (underTls && leaf === "key" && typeof values === "string" && values !== "") {
        return REDACTED;
    }
    if (underTls && leaf === "cert" && typeof values === "string" && values !== "") {
        return ISSUED_AT_DEPLOY;
    }
    if (typeof values === "string" && holdsSecret(values, secrets)) {
        return REDACTED;
    }
    return values;
}

/** What Pulumi's engine sends for a value not known until the deploy. */
const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** Shown in place of an input only the deploy knows. */
export const KNOWN_AFTER_DEPLOY = "(known after deploy)";

function markUnknowns(value: unknown): unknown {
    if (value === UNKNOWN_SENTINEL) {
        return KNOWN_AFTER_DEPLOY;
    }
    if (Array.isArray(value)) {
        return value.map(markUnknowns);
    }
    if (value !== null && typeof value === "object") {
        if ((value as Record<string, unknown>).__pulumiUnknown === true) {
            return KNOWN_AFTER_DEPLOY;
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markUnknowns(v)]));
    }
    // A private key never leaves the plan, whatever input it sits in.
    return typeof value === "string" && /PRIVATE KEY/.test(value) ? REDACTED : value;
}

/**
 * A resource's inputs as the plan shows them: secret inputs are replaced by `[secret]`, except
 * the Helm release's `values`, which are shown as `cilium.values` is (keys redacted,
 * certificates marked issued at deploy) because the connectivity check reads them.
 */
export function planInputs(r: RecordedResource, secrets: readonly string[] = []): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(r.inputs)) {
        if (r.type === "kubernetes:helm.sh/v3:Release" && key === "values") {
            out[key] = redactValues(markUnknowns(value) as HelmValue, [], secrets);
        } else {
            // Redaction by secrecy too: a secret that reached a plain input is still not printed.
            out[key] = r.secretInputs.includes(key) ? REDACTED : redactSecrets(markUnknowns(value), secrets);
        }
    }
    return out;
}

function redactSecrets(value: unknown, secrets: readonly string[]): unknown {
    if (secrets.length === 0) {
        return value;
    }
    if (Array.isArray(value)) {
        return value.map((v) => redactSecrets(v, secrets));
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, secrets)]));
    }
    return typeof value === "string" && holdsSecret(value, secrets) ? REDACTED : value;
}

/** Every string the mock engine made up for a deploy-time value (see `RecordedResource.standInValues`). */
export function standInValuesOf(resources: readonly RecordedResource[]): string[] {
    return [...new Set(resources.flatMap((r) => r.standInValues ?? []))].filter((s) => s.length > 0).sort();
}

/** Stand-ins shorter than this count only where a value equals them (a short id inside prose is no proof). */
const MIN_EMBEDDED_STAND_IN = 8;

/**
 * The paths under `prefix` whose value is, or holds, a stand-in. Redacted and marked values are
 * not stand-ins: they say what they are.
 */
export function standInPaths(value: unknown, standIns: readonly string[], prefix: string): string[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => standInPaths(v, standIns, `${prefix}[${i}]`));
    if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => standInPaths(v, standIns, `${prefix}.${k}`));
    if (typeof value !== "string" || value === REDACTED || value === ISSUED_AT_DEPLOY || value === KNOWN_AFTER_DEPLOY) return [];
    return standIns.some((s) => value === s || (s.length >= MIN_EMBEDDED_STAND_IN && value.includes(s))) ? [prefix] : [];
}

export function planResources(resources: readonly RecordedResource[]): PlanResource[] {
    const secrets = secretValuesOf(resources);
    const list = (values: readonly string[] | undefined) => (values && values.length > 0 ? [...values] : undefined);
    return [...resources]
        .sort((a, b) => byCodePoint(a.urn, b.urn))
        .map((r) => {
            const inputs = planInputs(r, secrets);
            const fields: Record<string, unknown> = {
                urn: r.urn,
                type: r.type,
                name: r.name,
                parent: r.parent,
                provider: r.provider,
                secretInputs: list(r.secretInputs),
                id: r.custom ? r.id : undefined,
                dependencies: list(r.dependsOn),
                dependsOn: list(r.explicitDependsOn),
                retainOnDelete: r.retainOnDelete || undefined,
                protect: r.protect || undefined,
                deleteBeforeReplace: r.deleteBeforeReplace || undefined,
                deletedWith: r.deletedWith,
                ignoreChanges: list(r.ignoreChanges),
                replaceOnChanges: list(r.replaceOnChanges),
                additionalSecretOutputs: list(r.additionalSecretOutputs),
                customTimeouts: r.customTimeouts,
                aliases: list(r.aliases),
                inputs: Object.keys(inputs).length > 0 ? inputs : undefined,
            };
            return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as unknown as PlanResource;
        });
}

export function ciliumValuesOf(resources: readonly RecordedResource[]): HelmValues {
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name !== PREFLIGHT_RELEASE_NAME);
    if (!release) {
        throw new Error("the program registered no Cilium Helm release");
    }
    return sortKeys(redactValues(release.inputs.values as HelmValues, [], secretValuesOf(resources)) as HelmValues);
}

/** The pre-flight check's release (`clustermesh:cilium.preflight`): the version it checks and its values, or undefined. */
export function preflightOf(resources: readonly RecordedResource[], version: string | undefined): { version: string; values: HelmValues } | undefined {
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === PREFLIGHT_RELEASE_NAME);
    if (!release || version === undefined) {
        return undefined;
    }
    return { version, values: sortKeys(redactValues(release.inputs.values as HelmValues, [], secretValuesOf(resources)) as HelmValues) };
}

export function toJson(doc: unknown): string {
    return `${JSON.stringify(sortKeys(doc as HelmValue), null, 2)}\n`;
}

/** The mesh table: name, id, kind, region, CIDRs, endpoint port, Cilium, CA trust and issuer, peers, link state. */
export function formatMeshTable(rows: readonly MemberRow[], self?: string): string {
    return table(
        ["", "stack", "name", "id", "kind", "region", "pods", "services", "vpc", "apiserver port", "cilium", "trusts CA", "issued by CA", "linked", "peers"],
        rows.map((r) => [
            r.stack === self ? "*" : "",
            r.stack,
            r.name,
            String(r.id),
            r.kind,
            r.region,
            r.podCIDR,
            r.serviceCIDR,
            r.vpcCIDR,
            String(r.apiserverPort),
            r.cilium,
            r.ca.trusts.join("+"),
            String(r.ca.issuedBy),
            r.link ? "yes" : "no",
            String(rows.length - 1),
        ]),
    );
}

/** The root the engine puts every stack's resources under (`<project>-<stack>`). */
export function stackUrn(stack: string, project = "clustermesh"): string {
    return `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
}

/** The resource options of `r` that change what a deploy does, as `pulumi preview` users write them. */
export function optionsOf(r: PlanResource, byUrn: ReadonlyMap<string, PlanResource>): string[] {
    const name = (urn: string) => byUrn.get(urn)?.name ?? urn.split("::").pop() ?? urn;
    const options: string[] = [];
    if (r.provider) options.push(`provider=${name(r.provider)}`);
    if (r.dependsOn) options.push(`dependsOn=${r.dependsOn.map(name).join(",")}`);
    if (r.deletedWith) options.push(`deletedWith=${name(r.deletedWith)}`);
    if (r.protect) options.push("protect");
    if (r.retainOnDelete) options.push("retainOnDelete");
    if (r.deleteBeforeReplace) options.push("deleteBeforeReplace");
    if (r.replaceOnChanges) options.push(`replaceOnChanges=${r.replaceOnChanges.join(",")}`);
    if (r.ignoreChanges) options.push(`ignoreChanges=${r.ignoreChanges.join(",")}`);
    if (r.customTimeouts) options.push(`customTimeouts=${Object.entries(r.customTimeouts).map(([k, v]) => `${k}:${v}`).join(",")}`);
    if (r.aliases) options.push(`aliases=${r.aliases.length}`);
    if (r.secretInputs) options.push(`secret=${r.secretInputs.join(",")}`);
    return options;
}

/**
 * The resources as `pulumi preview` draws them: the stack at the root, each component's
 * children under it (by parent URN, so two components of one name never mix), a `+` for each
 * create, and the options that change the deploy. `showUrns` adds each URN beneath its line,
 * as `pulumi stack --show-urns` does.
 */
export function formatResourceTree(resources: readonly PlanResource[], stack: string, showUrns = false, project = "clustermesh"): string {
    const root = stackUrn(stack, project);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const children = new Map<string, PlanResource[]>();
    for (const r of resources) {
        const parent = r.parent && byUrn.has(r.parent) ? r.parent : root;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const rows: Array<{ prefix: string; urnPrefix: string; type: string; name: string; urn: string; options: string }> = [];
    rows.push({ prefix: "", urnPrefix: "│  ", type: "pulumi:pulumi:Stack", name: `${project}-${stack}`, urn: root, options: "" });
    const walk = (parent: string, indent: string): void => {
        const kids = children.get(parent) ?? [];
        kids.forEach((r, i) => {
            const last = i === kids.length - 1;
            const below = `${indent}${last ? "   " : "│  "}`;
            rows.push({ prefix: `${indent}${last ? "└─ " : "├─ "}`, urnPrefix: `${below}${children.has(r.urn) ? "│  " : "   "}`, type: r.type, name: r.name, urn: r.urn, options: optionsOf(r, byUrn).join("  ") });
            walk(r.urn, below);
        });
    };
    walk(root, "");
    const typeWidth = Math.max(...rows.map((r) => r.prefix.length + r.type.length));
    const nameWidth = Math.max(...rows.map((r) => r.name.length));
    const lines = [`     ${"Type".padEnd(typeWidth)}  ${"Name".padEnd(nameWidth)}  Plan    Options`];
    for (const r of rows) {
        lines.push(`  +  ${`${r.prefix}${r.type}`.padEnd(typeWidth)}  ${r.name.padEnd(nameWidth)}  create  ${r.options}`.trimEnd());
        if (showUrns) lines.push(`     ${r.urnPrefix}URN: ${r.urn}`);
    }
    return lines.join("\n");
}

/** One line on how the mesh's VPCs are joined and how close each count is to its quota. */
export function formatNetwork(n: NetworkSummary): string {
    if (n.vpcs === 0) {
        return "Network: no AWS VPCs";
    }
    const of = (count: number, limit: number): string => `${count} of ${limit} allowed`;
    const perVpc = `peerings per VPC ${of(n.counts.vpcPeeringsPerVpc, n.limits.vpcPeeringsPerVpc)}, routes per VPC route table ${of(n.counts.routesPerRouteTable, n.limits.routesPerRouteTable)}`;
    if (n.topology === "peering") {
        return `Network: peering, ${n.vpcs} AWS VPCs; ${perVpc}`;
    }
    const hubs = n.hubs.map((h) => `${h.region} (${h.owner}, ${h.vpcs} VPCs)`).join(", ");
    return (
        `Network: transit-gateway, ${n.vpcs} AWS VPCs behind ${n.hubs.length} hubs: ${hubs}; ${perVpc}; ` +
        `peerings per hub ${of(n.counts.transitGatewayPeeringsPerHub, n.limits.transitGatewayPeeringsPerHub)}, routes per hub route table ${of(n.counts.routesPerTransitGatewayRouteTable, n.limits.routesPerTransitGatewayRouteTable)}`
    );
}

/** `value` as YAML, each stand-in leaf (a path under `prefix` in `standIns`) followed by `# stand-in`. */
export function yamlWithStandIns(value: unknown, prefix: string, standIns: readonly string[]): string {
    const doc = new YamlDocument(value, { sortMapEntries: true });
    for (const p of standIns) {
        if (!p.startsWith(`${prefix}.`)) continue;
        const keys = p
            .slice(prefix.length + 1)
            .split(/\.|\[(\d+)\]/)
            .filter((k) => k !== undefined && k !== "")
            .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
        const node = doc.getIn(keys, true) as { comment?: string | null } | undefined;
        if (node && typeof node === "object") node.comment = " stand-in";
    }
    return doc.toString().trimEnd();
}

export function formatPlan(doc: PlanDocument, showUrns = false): string {
    const sections = [
        `Plan for stack ${doc.stack}: cluster ${doc.cluster.name} (id ${doc.cluster.id}, ${doc.cluster.kind}${doc.cluster.region !== "-" ? `, ${doc.cluster.region}` : ""})`,
        "",
        `Mesh (${doc.mesh.members.length} members; * is this stack; the mesh CA lives in ${doc.mesh.caOwner}):`,
        formatMeshTable(doc.mesh.members, doc.stack),
        formatNetwork(doc.mesh.network),
        "",
        doc.mesh.linkedPeers.length > 0 ? `Linked peers: ${doc.mesh.linkedPeers.join(", ")}` : "Linked peers: none",
        ...doc.mesh.pendingPeers.map((p) => `  not linked to ${p.name}: ${p.reason}`),
        ...doc.mesh.notes.map((n) => `Note: ${n}`),
        ...(doc.log.length > 0 ? ["", "Program log:", ...doc.log.map((l) => `  ${l}`)] : []),
        "",
        `Resources (${doc.resources.length} to create, as pulumi preview lists them; --show-urns adds each URN, --json has them):`,
        formatResourceTree(doc.resources, doc.stack, showUrns, doc.project),
        "",
        `Cilium ${doc.cilium.version} values (keys ${REDACTED}, certificates ${ISSUED_AT_DEPLOY}; "# stand-in": AWS or the cluster assigns the real value at deploy):`,
        yamlWithStandIns(doc.cilium.values, "cilium.values", doc.standIns).replace(/^/gm, "  "),
        "",
        ...(doc.cilium.preflight
            ? [
                  `Cilium ${doc.cilium.preflight.version} pre-flight check (release ${PREFLIGHT_RELEASE_NAME}, clustermesh:cilium.preflight; up waits until it is ready on every node):`,
                  yamlWithStandIns(doc.cilium.preflight.values, "cilium.preflight.values", doc.standIns).replace(/^/gm, "  "),
                  "",
              ]
            : []),
        "Stack outputs:",
        yamlWithStandIns(doc.outputs, "outputs", doc.standIns).replace(/^/gm, "  "),
    ];
    return `${sections.join("\n")}\n`;
}

export function formatProblems(problems: readonly Problem[]): string {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    return `The mesh configuration has ${count}; nothing was planned:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}\n`;
}
