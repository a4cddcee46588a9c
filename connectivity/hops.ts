/**
 * One ordered pair A -> B, hop by hop, the first failing hop named. A dials B's
 * clustermesh-apiserver exactly as the Cilium chart renders A's `clustermesh.config.clusters`
 * entry (DESIGN §7): `ips` -> `https://<name>.<domain>:<port>` with host aliases to the ips,
 * `address` -> that host name as written. Every check is a few map lookups on indexes built
 * once per member, so a pair costs O(1) for the plans the program makes.
 */
import * as crypto from "node:crypto";
import type { CidrRange } from "../lib/cidr";
import { admits, contains, covers, isPrivate, routeFor, transitProblem, type MeshNetwork } from "./network";
import { certificateBlocks } from "../lib/mesh-ca";
import { parseRange, type Hop, type MemberIndex, type PeerEntry } from "./plans";

export type PairStatus = "ok" | "not linked" | "fail";

export interface PairResult {
    readonly from: string;
    readonly to: string;
    readonly status: PairStatus;
    readonly hop?: Hop;
    readonly resource?: string;
    readonly message?: string;
    readonly fix?: string;
}

/**
 * The first failing hop, thrown from deep in a check and caught by `checkPair`. Not an Error:
 * a failing 255-member mesh throws it 64,770 times, and a stack trace each time would cost
 * more than the checks themselves.
 */
class HopFailure {
    constructor(
        readonly hop: Hop,
        readonly resource: string,
        readonly message: string,
        readonly fix: string,
    ) {}
}

function fail(hop: Hop, resource: string, message: string, fix: string): never {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a control-flow signal, see HopFailure
    throw new HopFailure(hop, resource, message, fix);
}

/** Whether a certificate name (possibly `*.` wildcard, one label) matches the host dialled. */
export function nameMatches(pattern: string, host: string): boolean {
    const p = pattern.toLowerCase();
    const h = host.toLowerCase();
    if (p.startsWith("*.")) {
        const rest = h.split(".").slice(1).join(".");
        return h.includes(".") && rest === p.slice(2) && h.split(".")[0].length > 0;
    }
    return p === h;
}

const namesServed = new WeakMap<MemberIndex, Map<string, boolean>>();

/** Whether B's server certificate names `host`; remembered per member (every peer dials the same name). */
function servesName(b: MemberIndex, host: string, isIp: boolean): boolean {
    const cache = namesServed.get(b) ?? new Map<string, boolean>();
    namesServed.set(b, cache);
    let named = cache.get(host);
    if (named === undefined) {
        named = isIp ? (b.server?.ipAddresses.includes(host) ?? false) : (b.server?.dnsNames.some((n) => nameMatches(n, host)) ?? false);
        cache.set(host, named);
    }
    return named;
}

function describeEntry(e: PeerEntry): string {
    return `${e.ips?.length ? e.ips.join(", ") : (e.address ?? "(nothing)")}:${e.port ?? "(no port)"}`;
}

function sameEndpoint(a: PeerEntry, b: PeerEntry): boolean {
    const ips = (e: PeerEntry) => [...(e.ips ?? [])].sort().join(",");
    return a.port === b.port && ips(a) === ips(b) && (a.ips?.length ? true : a.address === b.address);
}

const TUNNEL_PORTS: Record<string, number> = { vxlan: 8472, geneve: 6081 };

/** A's nodes reach `destination` (and, for `back`, B's nodes reach A's) through planned routes. */
/** What a route or rule is for, named in the message only when it fails (no string per pair). */
type Purpose = "apiserver" | "replies" | "nodes" | "pods" | "nodeport" | "overlay" | "pod traffic" | "health" | "health ICMP";

function describe(purpose: Purpose, from: MemberIndex, to: MemberIndex): string {
    switch (purpose) {
        case "apiserver":
            return `${to.name}'s clustermesh-apiserver`;
        case "replies":
            return `replies to ${to.name}'s nodes`;
        case "nodes":
            return `${to.name}'s nodes (${from.routing.tunnelProtocol})`;
        case "pods":
            return `${to.name}'s pods (native routing)`;
        case "nodeport":
            return "clustermesh-apiserver NodePort";
        case "overlay":
            return `${from.routing.tunnelProtocol.toUpperCase()} from ${from.name}`;
        case "pod traffic":
            return `pod traffic from ${from.name}`;
        case "health":
            return `Cilium health from ${from.name}`;
        case "health ICMP":
            return `Cilium health ICMP from ${from.name}`;
    }
}

function checkRoute(net: MeshNetwork, from: MemberIndex, to: MemberIndex, destination: CidrRange, purpose: Purpose): void {
    if (covers(from.externalRoutes, destination)) {
        return;
    }
    if (!from.network) {
        // Existing hosts: the program builds no routes; public addresses go out by the host's default route.
        if (!isPrivate(destination)) {
            return;
        }
        fail(
            "route",
            `${from.stack}: existing host`,
            `${from.name}'s hosts have no route the program knows of to ${destination.text} (${describe(purpose, from, to)})`,
            `declare the VPN/LAN route in clustermesh:mesh.externalRoutes of ${from.stack} once it exists`,
        );
    }
    const route = routeFor(net, from.network.routeTableId, destination);
    if (!route || (route.gatewayId && isPrivate(destination))) {
        fail(
            "route",
            `${from.stack}: route table ${from.network.routeTableId}`,
            `no route to ${destination.text} (${describe(purpose, from, to)})${route ? `: only ${route.destination.text} via ${route.gatewayId}, which does not carry private addresses` : ""}`,
            to.network
                ? `link ${from.stack} and ${to.stack} (clustermesh:mesh.link true on both) so the lower id plans the VPC peering and routes both sides`
                : `declare the VPN/Direct Connect route to ${destination.text.includes("/") ? destination.text : `${destination.text}/${destination.prefix}`} in clustermesh:mesh.externalRoutes of ${from.stack}`,
        );
    }
    if (route.peeringId) {
        const peering = net.peerings.get(route.peeringId);
        if (!peering) {
            fail("route", route.resource, `routes ${destination.text} to peering ${route.peeringId}, which no plan creates`, "create the peering in the pair owner's stack");
        }
        const fromVpc = from.network.vpcId;
        const toVpc = to.network?.vpcId;
        if (!toVpc || !((peering.vpcId === fromVpc && peering.peerVpcId === toVpc) || (peering.vpcId === toVpc && peering.peerVpcId === fromVpc))) {
            fail("route", route.resource, `routes ${destination.text} through ${peering.resource}, which does not join ${from.name}'s and ${to.name}'s VPCs`, "route each peer's VPC through the peering of that pair");
        }
        if (destination !== to.network.vpcCidr && !covers([to.network.vpcCidr], destination)) {
            // VPC peering carries only traffic addressed inside the peer VPC (no edge-to-edge routing).
            fail("route", route.resource, `routes ${destination.text}, outside ${to.name}'s VPC ${to.network?.vpcCidr.text ?? ""}, through a VPC peering, which drops it`, "use tunnel routing, or addresses inside the peer VPC");
        }
        if (!peering.accepted) {
            fail("route", peering.resource, "the peering is never accepted, so it never becomes active", "add a VpcPeeringConnectionAccepter with autoAccept in the peer's region");
        }
    }
    if (route.transitGatewayId) {
        const problem = to.network ? transitProblem(net, route.transitGatewayId, from.network.vpcId, to.network.vpcId, destination) : undefined;
        if (problem) {
            fail("route", problem.resource, `${problem.message} (${describe(purpose, from, to)})`, problem.fix);
        }
    }
}

/** B's security group lets A's node ranges in on `protocol`/`port`. Hosts' firewalls are not the program's. */
function checkAdmission(net: MeshNetwork, from: MemberIndex, to: MemberIndex, protocol: string, port: number, hop: Hop, purpose: Purpose, sources = from.nodeRanges): void {
    const group = to.network?.securityGroupId;
    if (!group) {
        return;
    }
    for (const source of sources) {
        if (!admits(net, group, source, protocol, port)) {
            fail(
                hop,
                `${to.stack}: security group ${group}`,
                `does not let ${from.name}'s ${source.text} in on ${protocol === "-1" ? "all protocols" : protocol === "icmp" ? "ICMP" : `${port}/${protocol}`} (${describe(purpose, from, to)})`,
                `let the mesh peers' ranges in on ${protocol === "-1" ? "all protocols" : protocol === "icmp" ? "ICMP" : `${port}/${protocol}`} in ${to.stack} (components/mesh/mesh-network.ts meshPorts)`,
            );
        }
    }
}

/** A CA as messages name it: the start of its certificate's SHA-256 (the plan shows the same). */
export function caName(caCertPem: string | undefined): string {
    const [block] = certificateBlocks(caCertPem ?? "");
    return block ? `the CA sha256:${crypto.createHash("sha256").update(block).digest("hex").slice(0, 12)}` : "no CA";
}

/** `caCertPem` is one certificate block, as indexMember keeps it. */
function trusts(m: MemberIndex, caCertPem: string): boolean {
    return m.trustedCaCertPems.includes(caCertPem);
}

function controlPlane(net: MeshNetwork, a: MemberIndex, b: MemberIndex): void {
    const entry = a.entries.get(b.name);
    const release = a.published?.resource ?? `${a.stack}: the Cilium Helm release`;
    if (!entry) {
        fail("endpoint", release, `clustermesh.config.clusters has no entry for ${b.name} although ${a.stack} is linked to it`, `link ${a.stack}: its ClusterMeshLink lists every linked peer`);
    }
    const ips = entry.ips ?? [];
    // What A dials is what B exports: B's own plan is the one truth of its endpoint.
    const exported = b.exported;
    if (exported && !sameEndpoint(entry, exported)) {
        fail(
            "endpoint",
            release,
            `dials ${b.name} at ${describeEntry(entry)} but ${b.stack} exports ${describeEntry(exported)} as its clustermeshEndpoint`,
            `plan ${a.stack} again after ${b.stack} (its stack reference reads ${b.stack}'s clustermeshEndpoint), or fix the stand-in that differs`,
        );
    }
    const host = ips.length > 0 ? `${b.name}.${a.meshDomain}` : entry.address;
    if (!host) {
        fail("endpoint", release, `the entry for ${b.name} has neither ips nor address`, `export ${b.stack}'s clustermeshEndpoint, then plan ${a.stack} again`);
    }
    // Certificate: the name dialled is in B's server certificate, which chains to the CA A trusts.
    if (!b.server) {
        fail("certificate", `${b.stack}: clustermesh-apiserver server certificate`, "no server certificate is planned", "issue it from the mesh CA (CiliumRelease)");
    }
    const hostIsIp = parseRange(host) !== undefined && ips.length === 0;
    const named = servesName(b, host, hostIsIp);
    if (!named) {
        fail(
            "certificate",
            b.server.resource,
            `${a.name} dials https://${host}:${entry.port ?? "?"} but the certificate names only ${[...b.server.dnsNames, ...b.server.ipAddresses].join(", ")}: the TLS handshake fails`,
            `export ips for ${b.stack}'s endpoint (dialled as ${b.name}.${a.meshDomain}, which *.${a.meshDomain} covers) as cilium-cli does, or add ${host} to the server certificate`,
        );
    }
    // Where the chart reads the certificates: Secrets of fixed names, which nothing else writes
    // once certificates are not values (Cilium 1.20 refuses them as values).
    for (const m of [b, a]) {
        if (m.certificateSources.missingSecrets.length > 0) {
            fail(
                "certificate",
                m.certificateSources.resource,
                `mounts ${m.certificateSources.missingSecrets.join(", ")} in kube-system, which neither the chart nor the plan creates: the clustermesh-apiserver and agents of ${m.name} start without certificates`,
                "create the clustermesh-apiserver certificate Secrets before the release (CiliumRelease does, from the mesh CA)",
            );
        }
    }
    // Mutual TLS: each side's certificate chains to a CA the other trusts (tls.caBundle, or ca.crt).
    if (!b.server.caCertPem || !trusts(a, b.server.caCertPem)) {
        fail(
            "certificate",
            b.server.resource,
            `is issued by ${caName(b.server.caCertPem)}, which ${a.name} does not trust (its trust bundle holds ${a.trustedCaCertPems.length} CA(s), not that one): "Cilium CA certificates do not match"`,
            "issue every member's clustermesh certificates from the mesh CA, and during a CA rotation trust the old and the new CA on every member before re-issuing any (clustermesh mesh rotate-ca)",
        );
    }
    if (!a.clientCaCertPem || !trusts(b, a.clientCaCertPem)) {
        fail(
            "certificate",
            `${a.stack}: clustermesh-apiserver remote certificate`,
            `is issued by ${caName(a.clientCaCertPem)}, which ${b.name} does not trust: ${b.name}'s clustermesh-apiserver refuses ${a.name}'s agents`,
            "issue every member's clustermesh certificates from the mesh CA, and during a CA rotation trust the old and the new CA on every member before re-issuing any (clustermesh mesh rotate-ca)",
        );
    }
    // Port: the one B publishes.
    if (!b.published) {
        fail("port", `${b.stack}: the Cilium Helm release`, "no clustermesh-apiserver is published", "install Cilium with clustermesh.useAPIServer");
    }
    if (entry.port !== b.published.port) {
        fail(
            "port",
            release,
            `dials ${b.name} on port ${entry.port ?? "(unset)"} but ${b.name} publishes its clustermesh-apiserver on ${b.published.port} (${b.published.type})`,
            `export ${b.stack}'s published port in clustermeshEndpoint (${b.published.type === "LoadBalancer" ? "the load balancer's port" : "its NodePort"})`,
        );
    }
    // Route there and back: to every address dialled (a host name resolves inside B's network).
    const hostRange = ips.length > 0 ? undefined : parseRange(host);
    const dialled = ips.length > 0 ? ips : hostRange ? [host] : undefined;
    let vpcChecked = false;
    for (const text of dialled ?? []) {
        const d = parseRange(text);
        if (!d) {
            continue;
        }
        // An address inside B's VPC is routed as the VPC is: look the VPC up (one map hit), once.
        if (b.network && contains(b.network.vpcCidr, d)) {
            if (!vpcChecked) {
                checkRoute(net, a, b, b.network.vpcCidr, "apiserver");
                vpcChecked = true;
            }
        } else {
            checkRoute(net, a, b, d, "apiserver");
        }
    }
    if (!dialled) {
        // A host name resolves inside B's network.
        for (const n of b.nodeRanges) {
            checkRoute(net, a, b, n, "apiserver");
        }
    }
    for (const back of a.nodeRanges) {
        checkRoute(net, b, a, back, "replies");
    }
    // Admission: B's load balancer source ranges, or its nodes' security group on the NodePort.
    if (b.published.type === "LoadBalancer") {
        const allowed = b.published.sourceRanges;
        for (const source of a.nodeRanges) {
            if (allowed && !covers(allowed, source)) {
                fail(
                    "admission",
                    b.published.resource,
                    `the clustermesh-apiserver load balancer's loadBalancerSourceRanges ${allowed.map((r) => r.text).join(", ")} leave out ${a.name}'s ${source.text}`,
                    `list ${a.name}'s node range in ${b.stack}'s peer sources`,
                );
            }
        }
    } else {
        checkAdmission(net, a, b, "tcp", b.published.port, "admission", "nodeport");
    }
}

function dataPlane(net: MeshNetwork, a: MemberIndex, b: MemberIndex): void {
    if (a.routing.mode !== b.routing.mode || (a.routing.mode === "tunnel" && a.routing.tunnelProtocol !== b.routing.tunnelProtocol)) {
        fail(
            "tunnel",
            b.published?.resource ?? b.stack,
            `${a.name} routes ${a.routing.mode}${a.routing.mode === "tunnel" ? `/${a.routing.tunnelProtocol}` : ""} but ${b.name} routes ${b.routing.mode}${b.routing.mode === "tunnel" ? `/${b.routing.tunnelProtocol}` : ""}`,
            "use one routing mode and tunnel protocol on every member",
        );
    }
    for (const [x, y] of [
        [a, b],
        [b, a],
    ] as const) {
        if (x.routing.mode === "tunnel") {
            const port = TUNNEL_PORTS[x.routing.tunnelProtocol] ?? 8472;
            for (const n of y.nodeRanges) {
                checkRoute(net, x, y, n, "nodes");
            }
            checkAdmission(net, x, y, "udp", port, "tunnel", "overlay");
        } else {
            for (const pods of y.podRanges) {
                if (!covers(x.externalRoutes, pods)) {
                    try {
                        checkRoute(net, x, y, pods, "pods");
                    } catch (e) {
                        if (e instanceof HopFailure) {
                            fail("pod-route", e.resource, e.message, "native routing needs a route for every remote pod CIDR on both sides; VPC peering carries only VPC addresses, so use routingMode tunnel (or ENI IPAM, whose pods are VPC addresses)");
                        }
                        throw e;
                    }
                }
                if (!x.routing.eni && !(x.routing.nativeCidr && covers([x.routing.nativeCidr], pods))) {
                    fail(
                        "native-cidr",
                        x.published?.resource ?? x.stack,
                        `ipv4NativeRoutingCIDR ${x.routing.nativeCidr?.text ?? "(unset)"} does not cover ${y.name}'s pods ${pods.text}: they would be masqueraded`,
                        "set ipv4NativeRoutingCIDR to a range covering every member's pods and nothing else",
                    );
                }
            }
            checkAdmission(net, x, y, "-1", 0, "pod-route", "pod traffic", x.podRanges);
        }
        checkAdmission(net, x, y, "tcp", 4240, "health", "health");
        checkAdmission(net, x, y, "icmp", 8, "health", "health ICMP");
    }
}

/** Data-plane verdicts by unordered pair: both ways are checked at once, so B -> A reuses A -> B's. */
export type DataPlaneCache = Map<string, HopFailure | null>;

function cachedDataPlane(net: MeshNetwork, a: MemberIndex, b: MemberIndex, cache?: DataPlaneCache): void {
    const key = a.stack < b.stack ? `${a.stack}\u0000${b.stack}` : `${b.stack}\u0000${a.stack}`;
    const known = cache?.get(key);
    if (known === undefined) {
        try {
            dataPlane(net, a, b);
            cache?.set(key, null);
        } catch (e) {
            if (e instanceof HopFailure) {
                cache?.set(key, e);
            }
            throw e;
        }
    } else if (known) {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a control-flow signal, see HopFailure
        throw known;
    }
}

/** The first failing hop of A -> B, or ok; "not linked" when A does not (yet) link B. */
export function checkPair(net: MeshNetwork, a: MemberIndex, b: MemberIndex, cache?: DataPlaneCache): PairResult {
    // A wait that never ends fails the member's first deploy, linked or not (connectivity/readiness.ts).
    const stuck = a.problems.find((p) => p.hop === "install") ?? b.problems.find((p) => p.hop === "install");
    if (stuck) {
        return { from: a.stack, to: b.stack, status: "fail", hop: stuck.hop, resource: stuck.resource, message: stuck.message, fix: stuck.fix };
    }
    if (!a.linkedPeers.has(b.name)) {
        return { from: a.stack, to: b.stack, status: "not linked", message: a.pending.get(b.name) ?? `${a.stack} does not link ${b.name}` };
    }
    // B not linked (or not deployed) yet: whatever B builds when it links (its Transit Gateway
    // attachment, its rules, its peer entry) is not there, in any topology. That is the normal
    // state of a member being added, not a failure.
    if (!b.linkedPeers.has(a.name)) {
        return { from: a.stack, to: b.stack, status: "not linked", message: b.pending.get(a.name) ?? `${b.stack} does not link ${a.name} yet` };
    }
    try {
        controlPlane(net, a, b);
        cachedDataPlane(net, a, b, cache);
        const problem = a.problems[0] ?? b.problems[0];
        if (problem) {
            fail(problem.hop, problem.resource, problem.message, problem.fix);
        }
    } catch (e) {
        if (e instanceof HopFailure) {
            return { from: a.stack, to: b.stack, status: "fail", hop: e.hop, resource: e.resource, message: e.message, fix: e.fix };
        }
        throw e;
    }
    return { from: a.stack, to: b.stack, status: "ok" };
}
