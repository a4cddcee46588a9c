/**
 * The state the `kind` and `docker` stand-ins (test/engine/bin/) share: Docker networks and the
 * kind node "containers" on them, in one JSON file under `$CLUSTERMESH_KIND_STATE_DIR`, changed
 * under a lock so parallel `pulumi up`s of two stacks do not lose each other's writes. Each kind
 * cluster's control plane keeps its data in `<state>/clusters/<name>/` (cluster.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The environment variable naming the stand-ins' state folder. */
export const STATE_DIR_ENV = "CLUSTERMESH_KIND_STATE_DIR";
/** When set, clusters the kind stand-in creates end when this process is gone (the test runner's pid). */
export const OWNER_PID_ENV = "CLUSTERMESH_KIND_OWNER_PID";

export interface NetworkState {
    readonly name: string;
    readonly id: string;
    readonly driver: string;
    readonly subnet: string;
    readonly gateway: string;
    readonly created: string;
}

export interface ContainerState {
    readonly name: string;
    readonly id: string;
    readonly image: string;
    /** kind's labels: io.x-k8s.kind.cluster, io.x-k8s.kind.role. */
    readonly labels: Record<string, string>;
    readonly network: string;
    readonly ip: string;
    readonly created: string;
}

export interface StandInState {
    networks: Record<string, NetworkState>;
    containers: Record<string, ContainerState>;
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
    const dir = env[STATE_DIR_ENV];
    if (!dir) {
        throw new Error(`${STATE_DIR_ENV} is not set: the kind and docker stand-ins keep their clusters and networks there; set it to a folder (the engine tests set it)`);
    }
    mkdirSync(dir, { recursive: true });
    return dir;
}

export function clusterDataDir(dir: string, name: string): string {
    return join(dir, "clusters", name);
}

/** A new 64-hex id like Docker's, from the name and the time. */
export function dockerId(seed: string): string {
    return stableId(`${seed}\0${process.hrtime.bigint()}`);
}

/** A 64-hex id that is always the same for the same seed. */
export function stableId(seed: string): string {
    return createHash("sha256").update(seed).digest("hex");
}

function readState(dir: string): StandInState {
    const path = join(dir, "docker.json");
    if (!existsSync(path)) {
        return { networks: {}, containers: {} };
    }
    return JSON.parse(readFileSync(path, "utf8")) as StandInState;
}

/** Runs `fn` on the state under the lock (a directory, taken over when older than 60 s), saving what it changed. */
export async function withState<T>(dir: string, fn: (state: StandInState) => T | Promise<T>): Promise<T> {
    const lock = join(dir, "lock");
    const deadline = Date.now() + 120_000;
    for (;;) {
        try {
            mkdirSync(lock);
            break;
        } catch {
            try {
                if (Date.now() - statSync(lock).mtimeMs > 60_000) {
                    rmSync(lock, { recursive: true, force: true });
                    continue;
                }
            } catch {
                continue;
            }
            if (Date.now() > deadline) {
                throw new Error(`the stand-in state lock ${lock} is held for over 2 minutes; remove it if no kind/docker stand-in runs`);
            }
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    try {
        const state = readState(dir);
        const result = await fn(state);
        const path = join(dir, "docker.json");
        writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 2));
        renameSync(`${path}.tmp`, path);
        return result;
    } finally {
        rmSync(lock, { recursive: true, force: true });
    }
}

/** Reads the state without the lock (for commands that only look). */
export function peekState(dir: string): StandInState {
    return readState(dir);
}

function toInt(ip: string): number {
    return ip.split(".").reduce((a, b) => a * 256 + Number(b), 0);
}

function toIp(n: number): string {
    return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Parses an IPv4 CIDR into [first, size]; undefined when it is not one. */
export function ipv4Cidr(cidr: string): { first: number; size: number; prefix: number } | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
        return undefined;
    }
    const prefix = Number(m[5]);
    const size = 2 ** (32 - prefix);
    const first = toInt(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
    return first % size === 0 ? { first, size, prefix } : undefined;
}

/** The network's gateway: the first host address (Docker's default). */
export function defaultGateway(subnet: string): string {
    const c = ipv4Cidr(subnet);
    if (!c) {
        throw new Error(`${subnet} is not an IPv4 CIDR`);
    }
    return toIp(c.first + 1);
}

/** The lowest free host address on a network (Docker's IPAM order: after the gateway). */
export function nextFreeAddress(state: StandInState, network: NetworkState): string {
    const c = ipv4Cidr(network.subnet);
    if (!c) {
        throw new Error(`network ${network.name} has no IPv4 subnet`);
    }
    const taken = new Set([network.gateway, ...Object.values(state.containers).filter((x) => x.network === network.name).map((x) => x.ip)]);
    for (let n = c.first + 1; n < c.first + c.size - 1; n++) {
        const ip = toIp(n);
        if (!taken.has(ip)) {
            return ip;
        }
    }
    throw new Error(`network ${network.name} (${network.subnet}) has no free address`);
}

/** A subnet for a network created without --subnet: 172.18.0.0/16 upward, as Docker's default pools hand them out, skipping any in use. */
export function freeSubnet(state: StandInState): string {
    const used = new Set(Object.values(state.networks).map((n) => n.subnet));
    for (let second = 18; second < 32; second++) {
        const s = `172.${second}.0.0/16`;
        if (!used.has(s)) {
            return s;
        }
    }
    throw new Error("no free 172.x.0.0/16 subnet left for a new network");
}

/** Docker's JSON of a network (`docker network inspect`). */
export function networkJson(state: StandInState, n: NetworkState): Record<string, unknown> {
    const containers: Record<string, unknown> = {};
    for (const c of Object.values(state.containers).filter((x) => x.network === n.name)) {
        containers[c.id] = { Name: c.name, EndpointID: stableId(`${c.id}-endpoint`), MacAddress: macOf(c.ip), IPv4Address: `${c.ip}/${ipv4Cidr(n.subnet)?.prefix ?? 16}`, IPv6Address: "" };
    }
    return {
        Name: n.name,
        Id: n.id,
        Created: n.created,
        Scope: "local",
        Driver: n.driver,
        EnableIPv4: true,
        EnableIPv6: false,
        IPAM: { Driver: "default", Options: {}, Config: [{ Subnet: n.subnet, Gateway: n.gateway }] },
        Internal: false,
        Attachable: false,
        Ingress: false,
        ConfigFrom: { Network: "" },
        ConfigOnly: false,
        Containers: containers,
        Options: {},
        Labels: {},
    };
}

function macOf(ip: string): string {
    return ["02", "42", ...ip.split(".").map((o) => Number(o).toString(16).padStart(2, "0"))].join(":");
}

/** Docker's JSON of a container (`docker inspect`): the fields kind and this project read. */
export function containerJson(state: StandInState, c: ContainerState): Record<string, unknown> {
    const n = state.networks[c.network];
    return {
        Id: c.id,
        Created: c.created,
        Name: `/${c.name}`,
        State: { Status: "running", Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: "", StartedAt: c.created, FinishedAt: "0001-01-01T00:00:00Z" },
        Image: `sha256:${stableId(c.image)}`,
        Config: { Hostname: c.name, Image: c.image, Labels: c.labels },
        HostConfig: { NetworkMode: c.network, Privileged: true },
        NetworkSettings: {
            Networks: {
                [c.network]: {
                    Aliases: [c.name],
                    NetworkID: n?.id ?? "",
                    Gateway: n?.gateway ?? "",
                    IPAddress: c.ip,
                    IPPrefixLen: n ? ipv4Cidr(n.subnet)?.prefix ?? 16 : 16,
                    MacAddress: macOf(c.ip),
                    DNSNames: [c.name, c.id.slice(0, 12)],
                },
            },
        },
    };
}
