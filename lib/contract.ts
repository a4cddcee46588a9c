/**
 * The contract between the stacks of one mesh: what each stack exports for its peers, how a
 * peer's export becomes a `clustermesh.config.clusters` entry, and how the mesh runner tells a
 * stack which peers are leaving. The program (index.ts), the mesh runner (scripts/mesh) and the
 * offline plan (scripts/plan) all use this one module, so a renamed output cannot break one of
 * them silently. Neutral: imports nothing from the rest of the project.
 */
import { createHash } from "crypto";

/** Stack output names that other stacks and the mesh runner read. */
export const STACK_OUTPUTS = {
    /** `ClusterMeshPeer`: how peers reach this cluster's clustermesh-apiserver. Present once a stack finished an `up`. */
    endpoint: "clustermeshEndpoint",
    /** `MemberNetworkOutputs`: the VPC side, for peerings and routes. AWS-built members only. */
    network: "network",
    /** The mesh CA certificate (PEM). Exported by the CA owner only. */
    caCertPem: "meshCaCertPem",
    /** The mesh CA private key (PEM). Secret. Exported by the CA owner only. */
    caKeyPem: "meshCaKeyPem",
    /** Every mesh CA generation the CA owner holds: `{ "<generation>": { certPem, privateKeyPem } }`. Secret. CA owner only. */
    caGenerations: "meshCaGenerations",
    /** This member's `clustermesh:mesh.ca` as deployed, with the generations it trusts and is issued by. */
    meshCa: "meshCa",
    /** `TransitGatewayOutputs`: the region's Transit Gateway. Exported by a hub owner of a transit mesh only. */
    transitGateway: "transitGateway",
    /** Names of the peers this stack is linked to. */
    linkedPeers: "linkedPeers",
    /** Peers this stack is not linked to, with the reason. */
    pendingPeers: "pendingPeers",
} as const;

/**
 * Why a member cannot read the mesh CA from the CA owner's stack: the stack exists but has no
 * such output (never deployed, destroyed, or its first `up` failed). Found by the real engine:
 * `requireOutput` fails there with an unhandled exception and a stack trace (the mock engine
 * answers every stack reference).
 */
/** Why a member cannot read a CA generation from the CA owner: the owner's file is raised but not deployed yet. */
export function missingCaGenerationMessage(owner: string, generation: number): string {
    return `the CA owner's stack ${owner} exports no mesh CA of generation ${generation}: its stack file names it but its up has not run yet. Run pulumi up -s ${owner} first, or let npm run mesh -- rotate-ca do the order`;
}

export function missingCaOutputMessage(owner: string, output: string): string {
    return `the CA owner's stack ${owner} has no output ${output}: it was never deployed, or was destroyed. Deploy it first (pulumi up -s ${owner}, README: Bootstrap order), or let npm run mesh -- up do the order`;
}

/**
 * Environment variable the program reads: peers (stack or cluster names, comma-separated) left
 * out of this run's link, because they are about to be destroyed (`npm run mesh -- destroy`).
 */
export const DEPARTING_ENV = "CLUSTERMESH_DEPARTING";

/** Port peers dial on a load-balanced clustermesh-apiserver (the chart's service port). */
export const CLUSTERMESH_LOAD_BALANCER_PORT = 2379;

/** One entry of `clustermesh.config.clusters`: how a cluster reaches a peer's clustermesh-apiserver. */
export interface ClusterMeshPeer {
    /** The peer's Cilium `cluster.name`. */
    readonly name: string;
    /** The peer's clustermesh-apiserver port (its NodePort, or 2379 behind a load balancer). Always set (DESIGN §4). */
    readonly port: number;
    /** Node addresses of the peer (NodePort endpoints). */
    readonly ips?: readonly string[];
    /** A DNS name or address of the peer's endpoint (load balancer). */
    readonly address?: string;
}

/** What an AWS-built member's stack exports as `network`. */
export interface MemberNetworkOutputs {
    readonly vpcId: string;
    readonly vpcCidr: string;
    readonly routeTableId: string;
    readonly region: string;
    /** The nodes' security group (where the mesh rules go); read by the connectivity check. */
    readonly securityGroupId?: string;
}

/** What the hub owner of a region exports as `transitGateway` in a transit mesh. */
export interface TransitGatewayOutputs {
    readonly id: string;
    /** Its default route table: propagated VPC routes, static routes to other regions. */
    readonly routeTableId: string;
    readonly region: string;
}

/** The endpoint of a cluster published on its nodes' addresses and a NodePort. */
export function nodePortEndpoint(name: string, ips: readonly string[], nodePort: number): ClusterMeshPeer {
    return { name, port: nodePort, ips: [...ips] };
}

/**
 * The endpoint of a cluster published through a load balancer: its addresses as `ips`, so peers
 * dial `<name>.mesh.cilium.io` (which the server certificate names) with host aliases to them,
 * as cilium-cli does. A load balancer's host name as `address` would be dialled as written, and
 * no certificate issued before the load balancer exists can name it (DESIGN §7).
 */
export function loadBalancerEndpoint(name: string, addresses: readonly string[]): ClusterMeshPeer {
    return { name, port: CLUSTERMESH_LOAD_BALANCER_PORT, ips: [...addresses] };
}

/**
 * The marker the mesh runner sets beside `DEPARTING_ENV`, derived from its value: the program
 * honours `DEPARTING_ENV` only with a matching marker, so a value left in the shell (an
 * `export` copied from a log) never unlinks peers from a plain `pulumi up`.
 */
export const DEPARTING_MARK_ENV = "CLUSTERMESH_DEPARTING_MARK";

export function departingMark(value: string): string {
    return `npm-run-mesh:${createHash("sha256").update(`clustermesh-departing\0${value}`).digest("hex").slice(0, 16)}`;
}

/** The environment the mesh runner gives one step: the departing peers and their marker, always both. */
export function departingEnv(names: readonly string[]): Record<string, string> {
    const value = names.join(",");
    return { [DEPARTING_ENV]: value, [DEPARTING_MARK_ENV]: departingMark(value) };
}

/**
 * The peers named in `DEPARTING_ENV` (stack or cluster names), without this stack itself, or the
 * problem that stops the run: a value the mesh runner did not set (no or a wrong marker), or a
 * name that is no peer of this stack (a typo would otherwise drop nobody and unlink nothing, or
 * the wrong mesh's member).
 */
export function departingPeers(
    env: NodeJS.ProcessEnv,
    self: { stack: string; name: string },
    peers: ReadonlyArray<{ stack: string; name: string }>,
): { departing: string[]; problem?: string } {
    const value = env[DEPARTING_ENV] ?? "";
    const names = value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    if (names.length === 0) {
        return { departing: [] };
    }
    if (env[DEPARTING_MARK_ENV] !== departingMark(value)) {
        return {
            departing: [],
            problem:
                `${DEPARTING_ENV}=${value} is set, but not by npm run mesh (${DEPARTING_MARK_ENV} is missing or does not match it); a value left in the shell would drop those peers from this stack's link. ` +
                `Unset it (unset ${DEPARTING_ENV}); to remove a member, run npm run mesh -- destroy --stacks NAME`,
        };
    }
    const others = names.filter((n) => n !== self.name && n !== self.stack);
    const unknown = others.filter((n) => !peers.some((p) => p.name === n || p.stack === n));
    if (unknown.length > 0) {
        return {
            departing: [],
            problem: `${DEPARTING_ENV} names ${unknown.join(", ")}, which ${unknown.length === 1 ? "is" : "are"} not a peer of ${self.stack}; peers are ${peers.map((p) => p.stack).join(", ") || "none"}`,
        };
    }
    return { departing: others };
}

/** A peer as the contract needs it to check its export. */
export interface PeerIdentity {
    /** Cilium `cluster.name`. */
    readonly name: string;
    /** The peer's stack. */
    readonly stack: string;
    /** The peer's stack file, named in errors. */
    readonly file: string;
    /** The port to assume when the export carries none (its NodePort). */
    readonly defaultPort: number;
}

/** Checks a peer's exported endpoint and turns it into a peer entry (port always set, DESIGN §4). */
export function toPeer(peer: PeerIdentity, endpoint: unknown): ClusterMeshPeer {
    const e = (endpoint ?? {}) as Partial<ClusterMeshPeer>;
    const ips = Array.isArray(e.ips) ? e.ips.filter((ip): ip is string => typeof ip === "string" && ip.length > 0) : [];
    const port = typeof e.port === "number" ? e.port : peer.defaultPort;
    if (ips.length === 0 && !e.address) {
        throw new Error(
            `${peer.file}: the stack ${peer.stack} exports no clustermesh endpoint address yet; run pulumi up -s ${peer.stack} first, or set clustermesh:mesh.link false until it is up`,
        );
    }
    return { name: peer.name, port, ...(e.address ? { address: e.address } : {}), ...(ips.length > 0 ? { ips } : {}) };
}
