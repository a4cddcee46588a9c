/**
 * Values offered in a problem's fix ("pick an unused id such as 3", "use a free range such as
 * 10.31.0.0/16"). A suggestion is only worth pasting when it is free in the whole mesh, so every
 * one comes from here: the mesh's ids, ranges, ports, names and node addresses are collected
 * once (from every stack file, including files that fail to parse), and each value handed out
 * is reserved, so two fixes in one run never offer the same thing.
 */
import { firstFreeBlock, overlaps, parseAddress, parseCidr, suggestFreeRange, type CidrRange } from "../lib/cidr";

/** First NodePort offered for the clustermesh-apiserver (the chart's default). */
const FIRST_NODE_PORT = 32379;
/** The Kubernetes NodePort range (kube-apiserver's default `--service-node-port-range`). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** Ids in ENI mode or AWS VPC CNI chaining the chart refuses (cilium #21330). */
export function isEniRefusedId(id: number): boolean {
    return (id >= 128 && id <= 255) || (id >= 384 && id <= 511);
}

/** What is already taken in the mesh. */
export interface MeshFacts {
    readonly ids: Iterable<number>;
    readonly names: Iterable<string>;
    readonly nodePorts: Iterable<number>;
    /** CIDRs (pod, service, VPC) and node addresses as written; unparsable text is ignored. */
    readonly addresses: Iterable<string>;
}

function asRecord(value: unknown): Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The facts a raw `config:` map holds, read leniently: a file with problems still occupies what it names. */
export function factsOfConfig(config: unknown): MeshFacts {
    const root = asRecord(config);
    const cluster = asRecord(root["clustermesh:cluster"]);
    const k3s = asRecord(root["clustermesh:k3s"]);
    const cilium = asRecord(root["clustermesh:cilium"]);
    const number = (v: unknown): number[] => (typeof v === "number" ? [v] : typeof v === "string" && /^\d+$/.test(v.trim()) ? [Number(v)] : []);
    const text = (v: unknown): string[] => (typeof v === "string" ? [v.trim()] : []);
    const hosts = [k3s.host, ...(Array.isArray(k3s.agentHosts) ? k3s.agentHosts : [])].map(asRecord);
    return {
        ids: number(cluster.id),
        names: text(cluster.name),
        nodePorts: number(cilium.apiserverNodePort ?? FIRST_NODE_PORT),
        addresses: [
            ...text(cluster.podCIDR),
            ...text(cluster.serviceCIDR),
            ...text(cluster.vpcCIDR),
            ...hosts.flatMap((h) => [...text(h.address), ...text(h.privateAddress)]),
        ],
    };
}

export class Suggestions {
    private readonly ids = new Set<number>();
    private readonly names = new Set<string>();
    private readonly ports = new Set<number>();
    private readonly ranges: CidrRange[] = [];

    constructor(facts: Iterable<MeshFacts> = []) {
        for (const f of facts) {
            this.occupy(f);
        }
    }

    /** Marks everything `facts` names as taken. */
    occupy(facts: MeshFacts): void {
        for (const id of facts.ids) {
            this.ids.add(id);
        }
        for (const name of facts.names) {
            this.names.add(name);
        }
        for (const port of facts.nodePorts) {
            this.ports.add(port);
        }
        for (const text of facts.addresses) {
            const range = parseCidr(text) ?? parseAddress(text);
            if (range) {
                this.ranges.push(range);
            }
        }
    }

    /** The lowest unused cluster id in 1..max (skipping ENI-refused ids when asked), reserved. */
    id(max: number, avoidEni = false): number | undefined {
        for (let id = 1; id <= max; id++) {
            if (!this.ids.has(id) && !(avoidEni && isEniRefusedId(id))) {
                this.ids.add(id);
                return id;
            }
        }
        return undefined;
    }

    /**
     * A block of the size of `like` that overlaps nothing in the mesh, searched upwards from
     * `like` (a CIDR; with host bits set, from its network), reserved. Undefined when none fits.
     */
    range(like: string): string | undefined {
        const [address, prefixText] = like.split("/");
        const prefix = Number(prefixText);
        let hint = parseCidr(like);
        if (!hint && parseAddress(address ?? "") && Number.isInteger(prefix)) {
            // 10.11.0.1/16: start at the network it was probably meant to be.
            const one = parseAddress(address)!;
            const bits = one.family === "ipv4" ? 32 : 128;
            if (prefix >= 0 && prefix <= bits) {
                const size = 1n << BigInt(bits - prefix);
                const first = (one.first / size) * size;
                hint = { text: `${address}/${prefix}`, family: one.family, prefix, first, last: first + size - 1n };
            }
        }
        if (!hint) {
            return undefined;
        }
        const suggestion = suggestFreeRange(hint, this.ranges);
        if (suggestion) {
            this.ranges.push(parseCidr(suggestion)!);
        }
        return suggestion;
    }

    /** The first block of `prefix` length inside `pool` that overlaps nothing in the mesh, reserved. Undefined when none fits. */
    block(pool: CidrRange, prefix: number): string | undefined {
        const block = firstFreeBlock(pool, prefix, this.ranges);
        if (block) {
            this.ranges.push(block);
        }
        return block?.text;
    }

    /** True when `cidr` overlaps nothing the mesh uses. */
    isFree(cidr: string): boolean {
        const range = parseCidr(cidr);
        return range !== undefined && !this.ranges.some((r) => overlaps(r, range));
    }

    /** An unused clustermesh-apiserver NodePort, from 32379 up through the NodePort range, reserved. */
    nodePort(): number | undefined {
        const { min, max } = NODE_PORT_RANGE;
        for (let i = 0; i <= max - min; i++) {
            const port = min + ((FIRST_NODE_PORT - min + i) % (max - min + 1));
            if (!this.ports.has(port)) {
                this.ports.add(port);
                return port;
            }
        }
        return undefined;
    }

    /** `candidate` if no member has that name, else `candidate-2`, `-3`…, reserved. */
    name(candidate: string): string {
        let name = candidate;
        for (let n = 2; this.names.has(name); n++) {
            const suffix = `-${n}`;
            name = `${candidate.slice(0, 32 - suffix.length).replace(/-+$/, "")}${suffix}`;
        }
        this.names.add(name);
        return name;
    }
}
