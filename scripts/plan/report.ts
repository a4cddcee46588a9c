/**
 * What `npm run plan` prints: a JSON document (stable key order, secrets redacted) and its
 * human-readable text, built from the mock engine's recording. Pure, so the formatting is
 * tested without running a program.
 */
import { issuingGeneration, trustedGenerations } from "../../lib/mesh-ca";
import { stringify as toYaml } from "yaml";
import type { HelmValue, HelmValues } from "../../components/cilium/values";
import { sortKeys } from "../../components/cilium/values";
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

export interface PlanResource {
    readonly type: string;
    readonly name: string;
    /** Name of the parent resource; absent for top-level resources. */
    readonly parent?: string;
    /** Inputs that are secrets (their values are never printed). */
    readonly secretInputs?: readonly string[];
    /** The id the mock engine gave it, which other resources' inputs refer to. */
    readonly id?: string;
    /** Names of the resources it explicitly waits for (`dependsOn`). */
    readonly dependsOn?: readonly string[];
    /** Kept in the cluster when Pulumi drops it (`retainOnDelete`): a version change never deletes it. */
    readonly retainOnDelete?: true;
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
    readonly cluster: { name: string; id: number; kind: string; region: string; podCIDR: string; serviceCIDR: string; vpcCIDR: string };
    readonly cilium: { version: string; values: HelmValues };
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

function nameOfUrn(urn: string | undefined): string | undefined {
    return urn ? urn.split("::").pop() : undefined;
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

export function planResources(resources: readonly RecordedResource[]): PlanResource[] {
    const names = new Map(resources.map((r) => [r.urn, r.name]));
    const secrets = secretValuesOf(resources);
    return [...resources]
        .sort((a, b) => byCodePoint(a.urn, b.urn))
        .map((r) => {
            const parent = nameOfUrn(r.parent);
            const inputs = planInputs(r, secrets);
            const dependsOn = r.dependsOn.map((urn) => names.get(urn) ?? nameOfUrn(urn) ?? urn);
            return {
                type: r.type,
                name: r.name,
                ...(parent ? { parent } : {}),
                ...(r.secretInputs.length > 0 ? { secretInputs: [...r.secretInputs] } : {}),
                ...(r.custom ? { id: r.id } : {}),
                ...(dependsOn.length > 0 ? { dependsOn } : {}),
                ...(r.retainOnDelete ? { retainOnDelete: true as const } : {}),
                ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
            };
        });
}

export function ciliumValuesOf(resources: readonly RecordedResource[]): HelmValues {
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
    if (!release) {
        throw new Error("the program registered no Cilium Helm release");
    }
    return sortKeys(redactValues(release.inputs.values as HelmValues, [], secretValuesOf(resources)) as HelmValues);
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

export function formatResourceTree(resources: readonly PlanResource[]): string {
    const children = new Map<string | undefined, PlanResource[]>();
    for (const r of resources) {
        children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    }
    const lines: string[] = [];
    const walk = (parent: string | undefined, depth: number): void => {
        for (const r of children.get(parent) ?? []) {
            const secret = r.secretInputs ? `  (secret: ${r.secretInputs.join(", ")})` : "";
            lines.push(`${"  ".repeat(depth)}${r.type}  ${r.name}${secret}`);
            if (r.name !== parent) {
                walk(r.name, depth + 1);
            }
        }
    };
    walk(undefined, 1);
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

export function formatPlan(doc: PlanDocument): string {
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
        `Resources (${doc.resources.length}):`,
        formatResourceTree(doc.resources),
        "",
        `Cilium ${doc.cilium.version} values (keys ${REDACTED}, certificates ${ISSUED_AT_DEPLOY}):`,
        toYaml(doc.cilium.values, { sortMapEntries: true }).trimEnd().replace(/^/gm, "  "),
        "",
        "Stack outputs:",
        toYaml(doc.outputs, { sortMapEntries: true }).trimEnd().replace(/^/gm, "  "),
    ];
    return `${sections.join("\n")}\n`;
}

export function formatProblems(problems: readonly Problem[]): string {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    return `The mesh configuration has ${count}; nothing was planned:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}\n`;
}
