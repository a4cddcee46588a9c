/**
 * Mesh-wide validation: every rule of DESIGN §4 checked across all members at once, before
 * any resource exists. Each rule is a small function returning problems; the mesh is valid
 * when none returns any. Cost grows with n log n in the mesh size (one sort per rule), so
 * a 511-cluster mesh validates in about the time a 2-cluster one does.
 */
import { checkVersionGates } from "./version-gates";
import { findOverlaps, overlaps, parseAddress, parseCidr, type CidrRange } from "../lib/cidr";
import { AWS_QUOTAS } from "../lib/aws-quotas";
import { quotaExcesses, regionHubs, topologyCounts, type MeshVpc, type Topology, type TopologyCounts } from "../lib/topology";
import { issuingGeneration, trustedGenerations, usedGenerations } from "../lib/mesh-ca";
import { ciliumAtLeast, ciliumVersionProblem, CLUSTER_NAME_MAX_LENGTH, isClusterName, MAX_CILIUM_MINOR_SKEW, SUPPORTED_CILIUM_MINORS, supportedMinorIndex } from "../lib/cilium-version";
import { isAwsBuilt } from "./build";
import { checkRangeUses } from "./cidr-rules";
import { checkMemberInputs } from "./member-rules";
import type { MeshMember } from "./load";
import type { Problem } from "./problems";
import { isEniRefusedId, Suggestions, type MeshFacts } from "./suggest";
import { byCodePoint } from "../lib/order";

/** Pod CIDR per node carved from the pod CIDR by Cilium's cluster-pool IPAM. */
export const POD_CIDR_MASK_SIZE = 24;

export interface MeshValidation {
    readonly problems: Problem[];
    /** Facts worth knowing that do not stop the run (e.g. the AWS peering limit). */
    readonly notes: string[];
}

/** Oldest first: of two clashing members, the newer one is asked to change. */
function bySeniority(members: readonly MeshMember[]): MeshMember[] {
    return [...members].sort((a, b) => a.seniority - b.seniority || a.cluster.id - b.cluster.id || byCodePoint(a.file, b.file));
}

function where(member: MeshMember): string {
    return `${member.cluster.name} (${member.file})`;
}

function listOf(members: readonly MeshMember[]): string {
    const shown = members.slice(0, 3).map(where).join(", ");
    return members.length > 3 ? `${shown} and ${members.length - 3} more` : shown;
}

/** What a parsed member occupies in the mesh, for suggestions. */
export function factsOfMember(m: MeshMember): MeshFacts {
    return {
        ids: [m.cluster.id],
        names: [m.cluster.name],
        nodePorts: [m.cilium.apiserverNodePort],
        addresses: [
            m.cluster.podCIDR,
            m.cluster.serviceCIDR,
            ...(m.cluster.vpcCIDR ? [m.cluster.vpcCIDR] : []),
            ...[m.k3s.host, ...m.k3s.agentHosts].flatMap((h) => (h ? [h.address, ...(h.privateAddress ? [h.privateAddress] : [])] : [])),
        ],
    };
}

function checkNames(members: readonly MeshMember[], suggestions: Suggestions): Problem[] {
    const problems: Problem[] = [];
    const firstByName = new Map<string, MeshMember>();
    for (const m of bySeniority(members)) {
        const name = m.cluster.name;
        const key = "clustermesh:cluster.name";
        if (!isClusterName(name)) {
            const suggestion = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, CLUSTER_NAME_MAX_LENGTH) || m.stack;
            problems.push({
                file: m.file,
                key,
                value: name,
                message: "is not a valid Cilium cluster name (at most 32 lower-case alphanumerics and '-', starting and ending alphanumeric)",
                fix: `use e.g. ${suggestions.name(suggestion)}`,
            });
        } else if (name === "default") {
            problems.push({
                file: m.file,
                key,
                value: name,
                message: "only goes with cluster.id 0, which is outside any mesh (the chart refuses it)",
                fix: `use a name of its own, e.g. ${suggestions.name(m.stack === "default" ? "cluster-" + m.cluster.id : m.stack)}`,
            });
        }
        const first = firstByName.get(name);
        if (first) {
            problems.push({
                file: m.file,
                key,
                value: name,
                message: `is already used by ${first.file} (clustermesh:cluster.name)`,
                fix: `give every cluster its own name, e.g. ${suggestions.name(m.stack !== name ? m.stack : `${name}-${m.cluster.id}`)}`,
            });
        } else {
            firstByName.set(name, m);
        }
    }
    return problems;
}

function checkIds(members: readonly MeshMember[], suggestions: Suggestions): Problem[] {
    const problems: Problem[] = [];
    const anyEni = members.some((m) => m.cilium.ipam === "eni");
    const maxId = Math.max(...members.map((m) => m.cilium.maxConnectedClusters));
    const nextFree = () => suggestions.id(maxId, anyEni);
    const firstById = new Map<number, MeshMember>();
    for (const m of bySeniority(members)) {
        const { id } = m.cluster;
        const max = m.cilium.maxConnectedClusters;
        const key = "clustermesh:cluster.id";
        if (id < 1 || id > max) {
            const free = nextFree();
            problems.push({
                file: m.file,
                key,
                value: id,
                message:
                    id === 0
                        ? "means 'not in a mesh'"
                        : `is outside 1-${max}${max === 255 ? " (ids up to 511 need clustermesh:cilium.maxConnectedClusters 511 on every member)" : ""}`,
                fix: free !== undefined ? `pick an unused id such as ${free}` : `the mesh has no free id below ${max}`,
            });
            continue;
        }
        if (m.cilium.ipam === "eni" && isEniRefusedId(id)) {
            const free = nextFree();
            problems.push({
                file: m.file,
                key,
                value: id,
                message: "is refused in ENI mode: ids 128-255 and 384-511 break network policies there (cilium #21330)",
                fix: free !== undefined ? `pick an unused id such as ${free}` : "use clustermesh:cilium.ipam cluster-pool",
            });
        }
        const first = firstById.get(id);
        if (first) {
            const free = nextFree();
            problems.push({
                file: m.file,
                key,
                value: id,
                message: `is already used by ${where(first)}`,
                fix: free !== undefined ? `pick an unused id such as ${free}` : `the mesh has no free id below ${max}`,
            });
        } else {
            firstById.set(id, m);
        }
    }
    return problems;
}

/**
 * A setting that must agree on every member: the most common value (ties: the lowest id's)
 * is taken as the mesh's, and each member that differs is reported.
 */
function checkAgreement<T extends string | number>(
    members: readonly MeshMember[],
    key: string,
    read: (m: MeshMember) => T,
    describe: (value: T) => string = (v) => String(v),
    reason = "",
): Problem[] {
    const groups = new Map<T, MeshMember[]>();
    for (const m of members) {
        const value = read(m);
        groups.set(value, [...(groups.get(value) ?? []), m]);
    }
    if (groups.size <= 1) {
        return [];
    }
    const oldest = (group: MeshMember[]) => Math.min(...group.map((m) => m.seniority));
    const [meshValue, holders] = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || oldest(a[1]) - oldest(b[1]))[0];
    return members
        .filter((m) => read(m) !== meshValue)
        .map((m) => ({
            file: m.file,
            key,
            value: read(m),
            message: `differs from ${describe(meshValue)} on ${listOf(holders)}${reason}`,
            fix: `set ${describe(meshValue)} on every member`,
        }));
}

function checkMeshSize(members: readonly MeshMember[]): Problem[] {
    const max = Math.min(...members.map((m) => m.cilium.maxConnectedClusters));
    if (members.length <= max) {
        return [];
    }
    const last = members[members.length - 1];
    return [
        {
            file: last.file,
            key: "clustermesh:cilium.maxConnectedClusters",
            value: last.cilium.maxConnectedClusters,
            message: `is smaller than the mesh, which has ${members.length} members`,
            fix: max === 255 ? "set 511 on every member, or remove members" : "remove members",
        },
    ];
}

function checkVersions(members: readonly MeshMember[]): Problem[] {
    const problems: Problem[] = [];
    for (const m of members) {
        const version = m.cilium.version;
        const key = "clustermesh:cilium.version";
        const problem = ciliumVersionProblem(version);
        if (problem) {
            problems.push({ file: m.file, key, value: version, message: problem.reason, fix: problem.fix });
        }
        problems.push(...checkPreflight(m));
    }
    return [...problems, ...checkMinorSkew(members.filter((m) => supportedMinorIndex(m.cilium.version) >= 0))];
}

/**
 * The pre-flight check is for the release a member moves to next: a supported one, not the one
 * it runs, and at most one minor away (Cilium upgrades and rolls back one minor at a time).
 */
function checkPreflight(m: MeshMember): Problem[] {
    const target = m.cilium.preflight;
    if (target === undefined) {
        return [];
    }
    const key = "clustermesh:cilium.preflight";
    const version = m.cilium.version;
    const problem = ciliumVersionProblem(target);
    if (problem) {
        return [{ file: m.file, key, value: target, message: problem.reason, fix: problem.fix }];
    }
    if (target === version) {
        return [{ file: m.file, key, value: target, message: `is the release this member runs already (clustermesh:cilium.version ${version}); the pre-flight check is for the release it moves to`, fix: `remove ${key}, or set the release you upgrade to` }];
    }
    const distance = supportedMinorIndex(target) - supportedMinorIndex(version);
    if (supportedMinorIndex(version) >= 0 && Math.abs(distance) > MAX_CILIUM_MINOR_SKEW) {
        const step = SUPPORTED_CILIUM_MINORS[supportedMinorIndex(version) + Math.sign(distance)];
        return [
            {
                file: m.file,
                key,
                value: target,
                message: `is ${Math.abs(distance)} minors from clustermesh:cilium.version ${version}; Cilium upgrades and rolls back one minor at a time (its upgrade guide)`,
                fix: `pre-flight ${step.referenceChart} first (clustermesh mesh upgrade --cilium ${step.referenceChart} does both steps)`,
            },
        ];
    }
    return [];
}

/**
 * Members may differ by one Cilium minor (MAX_CILIUM_MINOR_SKEW: the state a rolling upgrade
 * passes through, which Cilium tests), never more. Every member further than that from the
 * oldest minor in the mesh is refused, naming both versions.
 */
function checkMinorSkew(members: readonly MeshMember[]): Problem[] {
    if (members.length === 0) {
        return [];
    }
    const oldestIndex = Math.min(...members.map((m) => supportedMinorIndex(m.cilium.version)));
    const oldest = members.filter((m) => supportedMinorIndex(m.cilium.version) === oldestIndex);
    const stepMinor = SUPPORTED_CILIUM_MINORS[oldestIndex + MAX_CILIUM_MINOR_SKEW];
    return members
        .filter((m) => supportedMinorIndex(m.cilium.version) - oldestIndex > MAX_CILIUM_MINOR_SKEW)
        .map((m) => ({
            file: m.file,
            key: "clustermesh:cilium.version",
            value: m.cilium.version,
            message:
                `is ${supportedMinorIndex(m.cilium.version) - oldestIndex} minors from ${oldest[0].cilium.version} on ${listOf(oldest)}; ` +
                `members of one mesh may be one minor apart while it is upgraded, one minor at a time (Cilium's upgrade guide; ClusterMesh across one minor is what cilium #28355 tests)`,
            fix: `upgrade ${listOf(oldest)} to ${stepMinor.minor} first (clustermesh mesh upgrade --cilium ${stepMinor.referenceChart}), or set ${oldest[0].cilium.version} here`,
        }));
}

/**
 * The mesh CA generations (lib/mesh-ca.ts): every member's issuer is trusted by every member, and
 * the CA owner (the lowest cluster id, which creates the CAs) holds every generation anyone uses.
 * Any other state is a mesh where some pair refuses the other's certificates, or a member signing
 * with a CA that does not exist: refused, so a rotation can only move in the order rotate-ca does.
 */
function checkCaGenerations(members: readonly MeshMember[]): Problem[] {
    const key = "clustermesh:mesh.ca";
    const show = (m: MeshMember): string => `generation ${m.mesh.ca.generation}, trustPrevious ${m.mesh.ca.trustPrevious}, issuer ${m.mesh.ca.issuer}`;
    const problems: Problem[] = [];
    const sound: MeshMember[] = [];
    for (const m of members) {
        const ca = m.mesh.ca;
        if (ca.generation === 1 && (ca.trustPrevious || ca.issuer === "previous")) {
            problems.push({ file: m.file, key, value: show(m), message: "refers to a generation before 1, which never existed", fix: "set trustPrevious: false and issuer: current at generation 1" });
        } else if (!trustedGenerations(ca).includes(issuingGeneration(ca))) {
            problems.push({
                file: m.file,
                key,
                value: show(m),
                message: `issues from generation ${issuingGeneration(ca)} but trusts only ${trustedGenerations(ca).join(" and ")}: its own agents would refuse its clustermesh-apiserver`,
                fix: "set trustPrevious: true while issuer is previous (clustermesh mesh rotate-ca keeps this order)",
            });
        } else {
            sound.push(m);
        }
    }
    if (sound.length < 2 && problems.length > 0) {
        return problems;
    }
    const owner = [...members].sort((a, b) => a.cluster.id - b.cluster.id)[0];
    const held = new Set(usedGenerations(owner.mesh.ca));
    for (const m of sound) {
        const missing = usedGenerations(m.mesh.ca).filter((g) => !held.has(g));
        if (m !== owner && missing.length > 0) {
            problems.push({
                file: m.file,
                key,
                value: show(m),
                message: `needs the CA of generation ${missing.join(" and ")}, which the CA owner ${where(owner)} does not hold (it holds ${[...held].join(" and ")})`,
                fix: `move the CA owner first: clustermesh mesh rotate-ca runs the waves in order`,
            });
        }
    }
    for (const m of sound) {
        const trusted = new Set(trustedGenerations(m.mesh.ca));
        const untrusted = sound.filter((p) => p !== m && !trusted.has(issuingGeneration(p.mesh.ca)));
        if (untrusted.length > 0) {
            const generations = [...new Set(untrusted.map((p) => issuingGeneration(p.mesh.ca)))].sort((a, b) => a - b);
            problems.push({
                file: m.file,
                key,
                value: show(m),
                message: `does not trust generation ${generations.join(" and ")}, which issues the certificates of ${listOf(untrusted)}: those pairs would refuse each other ("Cilium CA certificates do not match")`,
                fix: "trust the old and the new CA on every member before any member is issued by the new one, and drop the old only once no member is issued by it (clustermesh mesh rotate-ca)",
            });
        }
    }
    return problems;
}

function checkRouting(members: readonly MeshMember[]): Problem[] {
    const problems = [
        ...checkAgreement(members, "clustermesh:cilium.routingMode", (m) => m.cilium.routingMode),
        ...checkAgreement(members, "clustermesh:cilium.ipam", (m) => m.cilium.ipam),
    ];
    const tunnelled = members.filter((m) => m.cilium.routingMode === "tunnel");
    problems.push(...checkAgreement(tunnelled, "clustermesh:cilium.tunnelProtocol", (m) => m.cilium.tunnelProtocol));
    for (const m of members) {
        const routed = podRouteSource(m, members) !== undefined && members.every((p) => podRouteSource(p, members) !== undefined);
        if (members.length > 1 && m.cilium.routingMode === "native" && m.cilium.ipam === "cluster-pool" && !routed) {
            // Every member is its own network (a VPC, or hosts), and nothing routes pod CIDRs
            // between them: a VPC peering carries only addresses inside the peer VPC, and
            // autoDirectNodeRoutes only helps nodes on one L2 segment (DESIGN §7). Unless every
            // member's pod ranges are routed: all kind on one Docker network, or all advertising
            // them over BGP to the site's routers.
            problems.push({
                file: m.file,
                key: "clustermesh:cilium.routingMode",
                value: "native",
                message:
                    "with cluster-pool IPAM needs a route for every remote pod CIDR on both sides, which nothing in a mesh of separate VPCs or hosts provides (VPC peering only carries addresses inside the peer VPC)",
                fix: "use routingMode tunnel, ipam eni with native routing on an all-EKS mesh (pods then hold VPC addresses), or advertise every member's pod ranges over BGP (clustermesh:bgp)",
            });
        }
        if (m.cilium.ipam === "eni" && m.cluster.kind !== "eks") {
            problems.push({
                file: m.file,
                key: "clustermesh:cilium.ipam",
                value: "eni",
                message: "needs an EKS cluster (ENI IPAM hands out VPC addresses)",
                fix: "use cluster-pool",
            });
        }
        if (m.cilium.ipam === "eni" && m.cilium.routingMode !== "native") {
            problems.push({
                file: m.file,
                key: "clustermesh:cilium.routingMode",
                value: m.cilium.routingMode,
                message: "does not go with ENI IPAM, which routes natively",
                fix: "set routingMode native, or ipam cluster-pool",
            });
        }
    }
    return problems;
}

function checkNodePorts(members: readonly MeshMember[], suggestions: Suggestions): Problem[] {
    // Before 1.18.2, kube-proxy replacement routed a NodePort to the local backend only when
    // the port differed between clusters sharing the mesh (cilium #24692).
    const affected = members.filter((m) => m.cilium.kubeProxyReplacement && !ciliumAtLeast(m.cilium.version, 1, 18, 2));
    const problems: Problem[] = [];
    const firstByPort = new Map<number, MeshMember>();
    for (const m of bySeniority(affected)) {
        const port = m.cilium.apiserverNodePort;
        const first = firstByPort.get(port);
        if (first) {
            const free = suggestions.nodePort() ?? "a port no other member uses";
            problems.push({
                file: m.file,
                key: "clustermesh:cilium.apiserverNodePort",
                value: port,
                message: `is also used by ${where(first)}; with kube-proxy replacement before Cilium 1.18.2 each cluster needs its own clustermesh-apiserver NodePort (cilium #24692)`,
                fix: `use ${free}, or Cilium 1.18.2 or later`,
            });
        } else {
            firstByPort.set(port, m);
        }
    }
    return problems;
}

interface NamedRange {
    readonly member: MeshMember;
    readonly key: string;
    readonly range: CidrRange;
}

function rangesOf(m: MeshMember): NamedRange[] {
    const ranges: NamedRange[] = [];
    const add = (key: string, text: string | undefined): void => {
        const range = text === undefined ? undefined : parseCidr(text);
        if (range) {
            ranges.push({ member: m, key: `clustermesh:cluster.${key}`, range });
        }
    };
    if (m.cilium.ipam !== "eni") {
        add("podCIDR", m.cluster.podCIDR);
    }
    add("serviceCIDR", m.cluster.serviceCIDR);
    add("vpcCIDR", m.cluster.vpcCIDR);
    return ranges;
}

function checkCidrs(members: readonly MeshMember[], suggestions: Suggestions): Problem[] {
    const ranges = members.flatMap(rangesOf);
    const problems: Problem[] = [];
    const order = new Map(bySeniority(members).map((m, i) => [m, i]));
    for (const [a, b] of findOverlaps(ranges)) {
        // Report on the later member (or the later key within one member), so the cluster
        // that was there first keeps its addressing.
        const [kept, moved] =
            order.get(a.member)! < order.get(b.member)! || (a.member === b.member && a.key < b.key) ? [a, b] : [b, a];
        const suggestion = suggestions.range(moved.range.text);
        const other = kept.member === moved.member ? `its own ${kept.key} ${kept.range.text}` : `${kept.key} ${kept.range.text} of ${where(kept.member)}`;
        problems.push({
            file: moved.member.file,
            key: moved.key,
            value: moved.range.text,
            message: `overlaps ${other}`,
            fix: suggestion ? `use a free range of the same size such as ${suggestion}` : "pick a range that overlaps nothing in the mesh",
        });
    }
    for (const m of members) {
        for (const host of [m.k3s.host, ...m.k3s.agentHosts]) {
            if (!host || m.cluster.kind !== "k3s") {
                continue;
            }
            for (const field of ["address", "privateAddress"] as const) {
                const address = host[field] === undefined ? undefined : parseAddress(host[field]);
                const inside = address && ranges.find((r) => r.key !== "clustermesh:cluster.vpcCIDR" && r.range.first <= address.first && address.last <= r.range.last);
                if (inside) {
                    problems.push({
                        file: m.file,
                        key: `clustermesh:k3s.host.${field}`,
                        value: host[field],
                        message: `lies inside ${inside.key} ${inside.range.text} of ${where(inside.member)}, so node traffic would be routed as pod or service traffic`,
                        fix: `move ${inside.key} of ${inside.member.cluster.name} to a range that does not hold the node addresses`,
                    });
                }
            }
        }
    }
    return problems;
}

function checkAwsInputs(members: readonly MeshMember[], suggestions: Suggestions): Problem[] {
    const problems: Problem[] = [];
    for (const m of members) {
        if (m.cluster.kind === "kind") {
            continue; // built by Docker on the machine running Pulumi: no region, VPC or SSH key
        }
        const existingHost = m.cluster.kind === "k3s" && m.k3s.host !== undefined;
        if (existingHost) {
            if (!m.secretKeys.includes("sshPrivateKey")) {
                problems.push({
                    file: m.file,
                    key: "clustermesh:sshPrivateKey",
                    message: "is missing; the k3s server on clustermesh:k3s.host is installed over SSH with it",
                    fix: `run: pulumi config set --secret -s ${m.stack} clustermesh:sshPrivateKey < ~/.ssh/id_ed25519`,
                });
            }
            continue;
        }
        const what = m.cluster.kind === "eks" ? "an EKS cluster" : "a k3s cluster on a new EC2 VM (no clustermesh:k3s.host)";
        if (m.eks.kmsKeyArn !== undefined && !m.eks.encryptSecrets) {
            problems.push({
                file: m.file,
                key: "clustermesh:eks.kmsKeyArn",
                value: m.eks.kmsKeyArn,
                message: "is set but clustermesh:eks.encryptSecrets is false, so no Secret would be encrypted with it",
                fix: "set clustermesh:eks.encryptSecrets: true, or remove kmsKeyArn",
            });
        }
        if (new Set(m.eks.logTypes).size !== m.eks.logTypes.length) {
            problems.push({
                file: m.file,
                key: "clustermesh:eks.logTypes",
                value: m.eks.logTypes,
                message: "lists a log type twice",
                fix: `list each once: ${[...new Set(m.eks.logTypes)].join(", ")}`,
            });
        }
        if (!m.cluster.region) {
            problems.push({ file: m.file, key: "clustermesh:cluster.region", message: `is missing; ${what} needs an AWS region`, fix: "add e.g. region: us-west-2" });
        }
        if (!m.cluster.vpcCIDR) {
            problems.push({ file: m.file, key: "clustermesh:cluster.vpcCIDR", message: `is missing; ${what} is built in a new VPC`, fix: `add a free range such as vpcCIDR: ${suggestions.range("10.30.0.0/16") ?? "10.30.0.0/16"}` });
        }
        if (m.cluster.operatorCIDRs.length === 0) {
            problems.push({
                file: m.file,
                key: "clustermesh:cluster.operatorCIDRs",
                message: `is empty; nothing could reach the Kubernetes API of ${what}`,
                fix: "add the address you run pulumi from, e.g. operatorCIDRs: [203.0.113.10/32]",
            });
        }
        if (m.cluster.kind === "k3s" && m.k3s.agentHosts.length > 0) {
            problems.push({
                file: m.file,
                key: "clustermesh:k3s.agentHosts",
                value: m.k3s.agentHosts.map((h) => h.address),
                message: "lists existing agent hosts, but the server is a new EC2 VM",
                fix: "use clustermesh:k3s.agents for agent VMs, or set clustermesh:k3s.host",
            });
        }
    }
    return problems;
}

function checkApps(members: readonly MeshMember[]): Problem[] {
    const deployed = members.filter((m) => m.app.enabled);
    const problems = [
        ...checkAgreement(deployed, "clustermesh:app.name", (m) => m.app.name, undefined, "; a service is global only under the same name in every cluster"),
        ...checkAgreement(deployed, "clustermesh:app.namespace", (m) => m.app.namespace, undefined, "; a service is global only in the same namespace in every cluster"),
    ];
    for (const m of deployed) {
        if (m.app.serviceExport && !m.cilium.mcsAPI) {
            problems.push({
                file: m.file,
                key: "clustermesh:app.serviceExport",
                value: true,
                message: "needs the MCS-API, which clustermesh:cilium.mcsAPI leaves off",
                fix: "set clustermesh:cilium.mcsAPI: true, or serviceExport: false",
            });
        }
    }
    return problems;
}

function existingHostNotes(members: readonly MeshMember[]): string[] {
    const vpcs = members.filter((m) => isAwsBuilt(m) && m.cluster.vpcCIDR);
    const onHosts = members.filter((m) => !isAwsBuilt(m) && m.cluster.kind !== "kind");
    const notes: string[] = [];
    if (vpcs.length > 0 && onHosts.length > 0) {
        notes.push(
            `${listOf(onHosts)} ${onHosts.length === 1 ? "runs" : "run"} on existing hosts and ${listOf(vpcs)} in AWS VPCs: ` +
                "their node addresses must reach each other (VPN, Direct Connect or public addresses); the program opens the ports but builds no such route.",
        );
    }
    return notes;
}

/** Cluster names of the members that own their region's Transit Gateway; none unless the mesh is a transit mesh. */
export function transitHubOwners(members: readonly MeshMember[]): ReadonlySet<string> {
    return new Set(members.some((m) => m.network.topology === "transit-gateway") ? regionHubs(meshVpcs(members)).map((h) => h.owner.name) : []);
}

/** The AWS-built members' VPCs, as the topology sees them. */
export function meshVpcs(members: readonly MeshMember[]): MeshVpc[] {
    return members.flatMap((m) => (isAwsBuilt(m) && m.cluster.region && m.cluster.vpcCIDR ? [{ id: m.cluster.id, name: m.cluster.name, region: m.cluster.region, vpcCidr: m.cluster.vpcCIDR }] : []));
}

const QUOTA_FIXES: Record<keyof TopologyCounts, (topology: Topology) => string> = {
    vpcPeeringsPerVpc: () => "set clustermesh:network.topology: transit-gateway on every member (README: Choosing a topology), or declare a quota AWS raised for you in clustermesh:mesh.quotas.vpcPeerings of every AWS stack (at most 125)",
    routesPerRouteTable: (topology) =>
        topology === "peering"
            ? "set clustermesh:network.topology: transit-gateway and clustermesh:mesh.addressing on every member, or declare a raised clustermesh:mesh.quotas.routesPerTable (at most 1000)"
            : "set clustermesh:mesh.addressing on every member (a vpc supernet covering every VPC: one route to the hub per VPC), or declare a raised clustermesh:mesh.quotas.routesPerTable (at most 1000)",
    transitGatewayPeeringsPerHub: () => "use fewer regions; AWS does not raise this quota past 50",
    routesPerTransitGatewayRouteTable: () => "use fewer VPCs; AWS does not raise this quota past 10,000",
};

/** The quotas a member's stack declares (or AWS's defaults), for what the topology counts. */
function limitsOf(m: MeshMember): Record<keyof TopologyCounts, number> {
    return {
        vpcPeeringsPerVpc: m.mesh.quotas.vpcPeerings,
        routesPerRouteTable: m.mesh.quotas.routesPerTable,
        transitGatewayPeeringsPerHub: AWS_QUOTAS.transitGatewayPeeringsPerHub.default,
        routesPerTransitGatewayRouteTable: AWS_QUOTAS.routesPerTransitGatewayRouteTable.default,
    };
}

/** How the mesh's VPCs are joined, with what each quota-limited thing counts to and its tightest declared limit. */
export interface NetworkSummary {
    readonly topology: Topology;
    readonly vpcs: number;
    /** Transit Gateway hubs (transit-gateway only): region, owner stack, VPCs attached. */
    readonly hubs: ReadonlyArray<{ readonly region: string; readonly owner: string; readonly vpcs: number }>;
    readonly counts: TopologyCounts;
    readonly limits: Record<keyof TopologyCounts, number>;
}

export function networkSummary(members: readonly MeshMember[]): NetworkSummary {
    const aws = members.filter(isAwsBuilt);
    const vpcs = meshVpcs(members);
    const topology = aws[0]?.network.topology ?? members[0]?.network.topology ?? "peering";
    const counts = topologyCounts(vpcs, topology, aws[0]?.mesh.addressing?.vpc);
    // The tightest quota any AWS stack declares, each.
    const limits = limitsOf(aws[0] ?? members[0]);
    for (const m of aws) {
        const own = limitsOf(m);
        for (const quota of Object.keys(limits) as Array<keyof TopologyCounts>) {
            limits[quota] = Math.min(limits[quota], own[quota]);
        }
    }
    const byStack = new Map(members.map((m) => [m.cluster.name, m.stack]));
    const hubs = topology === "transit-gateway" ? regionHubs(vpcs).map((h) => ({ region: h.region, owner: byStack.get(h.owner.name) ?? h.owner.name, vpcs: h.members.length })) : [];
    return { topology, vpcs: vpcs.length, hubs, counts, limits };
}

/** The topology is the same everywhere, and the mesh fits the AWS quotas it would need. */
function checkTopology(members: readonly MeshMember[]): Problem[] {
    const problems = checkAgreement(members, "clustermesh:network.topology", (m) => m.network.topology);
    if (problems.length > 0) {
        return problems;
    }
    const { topology, vpcs, counts } = networkSummary(members);
    if (vpcs < 2) {
        return problems;
    }
    const aws = members.filter(isAwsBuilt);
    // Quotas are per account and region: each member's VPC is held against its own stack's
    // declared quotas; one problem per quota, on the newest member with the tightest limit.
    const reported = new Set<string>();
    for (const m of bySeniority(aws).reverse()) {
        for (const excess of quotaExcesses(counts, limitsOf(m))) {
            if (reported.has(excess.quota)) continue;
            reported.add(excess.quota);
            problems.push({
                file: m.file,
                key: "clustermesh:network.topology",
                value: topology,
                message: `needs ${excess.count} ${excess.what} for the mesh's ${vpcs} AWS VPCs, over this stack's quota of ${excess.limit}`,
                fix: QUOTA_FIXES[excess.quota](topology),
            });
        }
    }
    return problems;
}

/** Planned addresses: one set of supernets for the mesh, and every member's ranges inside them. */
function checkAddressing(members: readonly MeshMember[], suggestions: Suggestions): Problem[] {
    const planned = members.filter((m) => m.mesh.addressing !== undefined);
    if (planned.length === 0) {
        return [];
    }
    const describe = (m: MeshMember): string => (m.mesh.addressing ? `vpc ${m.mesh.addressing.vpc}, pods ${m.mesh.addressing.pods}, services ${m.mesh.addressing.services}` : "none");
    const problems = checkAgreement(members, "clustermesh:mesh.addressing", describe, (v) => `addressing (${v})`, "; the supernets are planned for the whole mesh");
    for (const m of planned) {
        const supernets = m.mesh.addressing;
        if (!supernets) {
            continue;
        }
        const inside = (key: string, text: string | undefined, supernet: string): void => {
            const range = text ? parseCidr(text) : undefined;
            const outer = parseCidr(supernet);
            if (range && outer && (range.family !== outer.family || range.first < outer.first || range.last > outer.last)) {
                // A block of the same size inside the supernet that nothing in the mesh uses, so the fix can be pasted.
                const free = suggestions.block(outer, range.prefix);
                problems.push({
                    file: m.file,
                    key,
                    value: text,
                    message: `lies outside the mesh's planned supernet ${supernet} (clustermesh:mesh.addressing)`,
                    fix: free
                        ? `use a free range inside the supernet such as ${free}, or widen the supernet on every member`
                        : `no free /${range.prefix} is left inside ${supernet}: widen the supernet on every member`,
                });
            }
        };
        inside("clustermesh:cluster.vpcCIDR", m.cluster.vpcCIDR, supernets.vpc);
        inside("clustermesh:cluster.podCIDR", m.cluster.podCIDR, supernets.pods);
        inside("clustermesh:cluster.serviceCIDR", m.cluster.serviceCIDR, supernets.services);
    }
    return problems;
}

/**
 * kind members: one shared Docker network (same name and subnet on every kind member), its
 * subnet apart from every pod, service and VPC range, and no AWS member in the same mesh
 * (nothing routes from a VPC to containers on a laptop's Docker network).
 */
function checkKind(members: readonly MeshMember[], suggestions: Suggestions): Problem[] {
    const kinds = members.filter((m) => m.cluster.kind === "kind");
    if (kinds.length === 0) {
        return [];
    }
    const problems = [
        ...checkAgreement(kinds, "clustermesh:kind.network", (m) => m.kind.network, undefined, "; every kind member of a mesh joins one Docker network"),
        ...checkAgreement(kinds, "clustermesh:kind.networkSubnet", (m) => m.kind.networkSubnet, undefined, "; every kind member of a mesh joins one Docker network"),
    ];
    const ranges = members.flatMap(rangesOf);
    for (const m of kinds) {
        const subnet = parseCidr(m.kind.networkSubnet);
        if (!subnet) {
            continue;
        }
        if (subnet.family !== "ipv4") {
            problems.push({ file: m.file, key: "clustermesh:kind.networkSubnet", value: m.kind.networkSubnet, message: "is not an IPv4 range; kind's nodes and this program's Docker network are IPv4", fix: "use e.g. 172.30.0.0/16" });
        }
        for (const r of ranges) {
            if (overlaps(subnet, r.range)) {
                problems.push({
                    file: m.file,
                    key: "clustermesh:kind.networkSubnet",
                    value: m.kind.networkSubnet,
                    message: `overlaps ${r.key} ${r.range.text} of ${where(r.member)}; node containers would sit inside a pod or service range`,
                    fix: `use a Docker subnet apart from the mesh's ranges${((free) => (free ? `, e.g. ${free}` : ""))(suggestions.range(m.kind.networkSubnet))}`,
                });
            }
        }
    }
    // kind and AWS members link only over routes the program does not build (a VPN from this
    // machine into the VPCs), declared on both sides in clustermesh:mesh.externalRoutes.
    const aws = members.filter(isAwsBuilt);
    const declared = (routes: readonly string[], target: string | undefined): boolean => {
        const range = target ? parseCidr(target) : undefined;
        return range !== undefined && routes.some((r) => {
            const route = parseCidr(r);
            return route !== undefined && route.family === range.family && route.first <= range.first && range.last <= route.last;
        });
    };
    for (const m of kinds) {
        const unreachable = aws.filter((a) => !declared(m.mesh.externalRoutes, a.cluster.vpcCIDR) || !declared(a.mesh.externalRoutes, m.kind.networkSubnet));
        if (unreachable.length > 0) {
            problems.push({
                file: m.file,
                key: "clustermesh:cluster.kind",
                value: "kind",
                message: `is a kind cluster on this machine's Docker network, in one mesh with AWS members (${listOf(unreachable)}) and no declared route between them: the program builds none from a VPC to the containers`,
                fix:
                    "keep kind members in a mesh of their own (a project folder like examples/kind-lab), build this member as k3s or eks, " +
                    `or, with a VPN between this machine and the VPCs, declare the routes both ways: the VPCs in clustermesh:mesh.externalRoutes of ${m.stack}, ${m.kind.networkSubnet} in that of each AWS member`,
            });
        }
    }
    return problems;
}

/**
 * BGP (`clustermesh:bgp`): for members whose nodes the site's routers can peer with (k3s on
 * existing hosts, kind), with a local ASN, at least one router, a password when a session is
 * authenticated, and an LB-IPAM pool apart from the mesh's ranges holding the
 * clustermesh-apiserver's address.
 */
function checkBgp(members: readonly MeshMember[], suggestions: Suggestions): Problem[] {
    const problems: Problem[] = [];
    const ranges = members.flatMap(rangesOf);
    for (const m of members) {
        const { bgp } = m;
        const problem = (key: string, value: unknown, message: string, fix: string): void => {
            problems.push({ file: m.file, key: `clustermesh:bgp.${key}`, value, message, fix });
        };
        if (!bgp.enabled) {
            if (bgp.loadBalancerPool !== undefined || bgp.apiserverAddress !== undefined || bgp.peers.length > 0 || bgp.localASN !== undefined) {
                problem("enabled", false, "leaves BGP off, but other clustermesh:bgp keys are set and would be ignored", "set enabled: true, or remove the other keys");
            }
            continue;
        }
        if (isAwsBuilt(m)) {
            problem("enabled", true, `is set on ${m.cluster.kind === "eks" ? "an EKS cluster" : "a k3s cluster on a new EC2 VM"}; VPC routing does not take BGP from nodes`, "use BGP on k3s with clustermesh:k3s.host or on kind, or set enabled: false");
        }
        if (!ciliumAtLeast(m.cilium.version, 1, 16)) {
            problem("enabled", true, `needs Cilium 1.16 or later (BGPv2 resources), not ${m.cilium.version}`, "set clustermesh:cilium.version to 1.18.1 or later");
        }
        if (bgp.localASN === undefined) {
            problem("localASN", undefined, "is missing; the cluster needs its own autonomous system number", "add e.g. localASN: 65001");
        }
        if (bgp.peers.length === 0) {
            problem("peers", [], "is empty; the nodes need a router to peer with", "add e.g. peers: [{name: tor, address: 192.168.10.200, asn: 65000}]");
        }
        const names = new Set<string>();
        bgp.peers.forEach((peer, i) => {
            if (names.has(peer.name)) {
                problem(`peers[${i}].name`, peer.name, "is used by another peer of this cluster", `give it a name of its own, e.g. ${peer.name}-${i + 1}`);
            }
            names.add(peer.name);
            if (!parseAddress(peer.address)) {
                problem(`peers[${i}].address`, peer.address, "is not an IP address", "give the router's address, e.g. 192.168.10.200");
            }
            if (peer.ebgpMultihop !== undefined && bgp.localASN !== undefined && peer.asn === bgp.localASN) {
                // Cilium applies ebgpMultihop to eBGP sessions only (CiliumBGPPeerConfig): an iBGP peer ignores it.
                problem(`peers[${i}].ebgpMultihop`, peer.ebgpMultihop, `applies to eBGP only, but ${peer.name} is in the cluster's own AS ${bgp.localASN} (iBGP), where Cilium ignores it`, "remove ebgpMultihop, or peer with a router in another AS");
            }
        });
        if (bgp.peers.some((p) => p.authenticated) && !m.secretKeys.includes("bgpPassword")) {
            problems.push({
                file: m.file,
                key: "clustermesh:bgpPassword",
                message: "is missing; a peer is authenticated (clustermesh:bgp.peers[].authenticated)",
                fix: `run: pulumi config set --secret -s ${m.stack} clustermesh:bgpPassword`,
            });
        }
        const pool = bgp.loadBalancerPool === undefined ? undefined : parseCidr(bgp.loadBalancerPool);
        if (pool) {
            for (const r of ranges) {
                if (overlaps(pool, r.range)) {
                    problem("loadBalancerPool", bgp.loadBalancerPool, `overlaps ${r.key} ${r.range.text} of ${where(r.member)}`, `pick a range apart from every range of the mesh${((free) => (free ? `, e.g. ${free}` : ""))(suggestions.range(pool.text))}`);
                }
            }
            for (const other of members) {
                const theirs = other !== m && other.bgp.enabled && other.bgp.loadBalancerPool ? parseCidr(other.bgp.loadBalancerPool) : undefined;
                if (theirs && overlaps(pool, theirs) && other.seniority <= m.seniority && !(other.seniority === m.seniority && other.cluster.id > m.cluster.id)) {
                    problem("loadBalancerPool", bgp.loadBalancerPool, `overlaps clustermesh:bgp.loadBalancerPool ${other.bgp.loadBalancerPool} of ${where(other)}; both clusters would advertise the same addresses`, "give every cluster a pool of its own");
                }
            }
        }
        if (bgp.apiserverAddress !== undefined) {
            const address = parseAddress(bgp.apiserverAddress);
            if (!address) {
                problem("apiserverAddress", bgp.apiserverAddress, "is not an IP address", "give an address of loadBalancerPool, e.g. 172.16.1.10");
            } else if (!pool) {
                problem("apiserverAddress", bgp.apiserverAddress, "needs clustermesh:bgp.loadBalancerPool, the range LB-IPAM hands it out from", "add loadBalancerPool holding this address");
            } else if (address.first < pool.first || address.last > pool.last) {
                problem("apiserverAddress", bgp.apiserverAddress, `lies outside clustermesh:bgp.loadBalancerPool ${pool.text}`, `pick an address inside ${pool.text}`);
            }
            if (!bgp.advertise.loadBalancerIPs) {
                problem("advertise.loadBalancerIPs", false, "leaves LoadBalancer addresses unadvertised, so no router learns the clustermesh-apiserver's address (clustermesh:bgp.apiserverAddress) and peers cannot reach it", "set advertise.loadBalancerIPs: true, or remove apiserverAddress");
            }
        }
    }
    return problems;
}

/**
 * What routes a natively-routed member's pod range to its peers, when the program knows of
 * something: kind members all on one Docker network (one L2 segment, `autoDirectNodeRoutes`),
 * or BGP advertising the member's pod ranges to the site's routers (declared in
 * `clustermesh:bgp`, not built). Undefined when nothing does.
 */
export function podRouteSource(member: MeshMember, members: readonly MeshMember[]): string | undefined {
    if (member.bgp.enabled && member.bgp.advertise.podCIDRs && member.bgp.peers.length > 0) {
        return `BGP: its nodes advertise their pod ranges to ${member.bgp.peers.map((p) => `${p.name} (${p.address})`).join(", ")}`;
    }
    const kinds = members.filter((m) => m.cluster.kind === "kind");
    if (member.cluster.kind === "kind" && kinds.length === members.length && new Set(kinds.map((m) => m.kind.network)).size === 1) {
        return `every member's nodes share the Docker network ${member.kind.network}`;
    }
    return undefined;
}

/**
 * Ranges this member's nodes reach through routes the program knows of but does not build:
 * with BGP, the pod ranges (and LB-IPAM pools) other BGP members advertise to the site's routers;
 * on a kind mesh's shared Docker network, the network itself and every peer's pod range
 * (`autoDirectNodeRoutes`). Exported with the declared `externalRoutes`, so the connectivity
 * check counts them as routes (the site router is declared, not built).
 */
export function knownRoutes(member: MeshMember, members: readonly MeshMember[]): string[] {
    const routes = new Set<string>();
    const peers = members.filter((m) => m !== member);
    if (member.bgp.enabled) {
        for (const p of peers.filter((x) => x.bgp.enabled)) {
            if (p.bgp.advertise.podCIDRs) {
                routes.add(p.cluster.podCIDR);
            }
            if (p.bgp.advertise.loadBalancerIPs && p.bgp.loadBalancerPool !== undefined) {
                routes.add(p.bgp.loadBalancerPool);
            }
        }
    }
    if (member.cluster.kind === "kind" && podRouteSource(member, members)?.startsWith("every member's nodes share")) {
        routes.add(member.kind.networkSubnet);
        for (const p of peers) {
            routes.add(p.cluster.podCIDR);
        }
    }
    return [...routes].sort();
}

/**
 * Checks every rule across every member. Problems are in a stable order. `suggestions` offers
 * the free ids, ranges and ports of fixes; pass the loader's (it also knows files that failed
 * to parse) or one is built from `members`.
 */
export function validateMesh(members: readonly MeshMember[], suggestions: Suggestions = new Suggestions(members.map(factsOfMember))): MeshValidation {
    if (members.length === 0) {
        return { problems: [], notes: [] };
    }
    const problems = [
        ...checkNames(members, suggestions),
        ...checkIds(members, suggestions),
        ...checkAgreement(members, "clustermesh:cilium.maxConnectedClusters", (m) => m.cilium.maxConnectedClusters),
        ...checkMeshSize(members),
        ...checkVersions(members),
        ...checkCaGenerations(members),
        ...checkRouting(members),
        ...checkNodePorts(members, suggestions),
        ...checkCidrs(members, suggestions),
        ...checkAwsInputs(members, suggestions),
        ...checkRangeUses(members, suggestions),
        ...checkMemberInputs(members),
        ...checkApps(members),
        ...checkAddressing(members, suggestions),
        ...checkKind(members, suggestions),
        ...checkBgp(members, suggestions),
        ...checkTopology(members),
        ...checkVersionGates(members),
    ];
    return { problems, notes: existingHostNotes(members) };
}
