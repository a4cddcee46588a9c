/**
 * The `kind` stand-in (test/engine/bin/kind): kind v0.29's commands that the kind lab runs
 * (components/cluster/kind-config.ts), each making or reading a test cluster (cluster.ts) whose
 * nodes are "containers" of the docker stand-in (stand-in-state.ts).
 *
 *   kind create cluster [--name N] [--config FILE|-] [--wait D] [--kubeconfig F] [--image I] [-q]
 *       honours KIND_EXPERIMENTAL_DOCKER_NETWORK (default network `kind`, created if missing);
 *       the config may set only what the program writes (name, nodes[].role/image, networking
 *       ipFamily ipv4, apiServerAddress 127.0.0.1, apiServerPort, podSubnet, serviceSubnet,
 *       disableDefaultCNI, kubeProxyMode); anything else is refused by name
 *   kind get clusters
 *   kind get nodes [--name N]
 *   kind get kubeconfig [--name N] [--internal]
 *   kind export kubeconfig [--name N] [--kubeconfig F]
 *   kind delete cluster [--name N] [--kubeconfig F]
 *   kind version
 *
 * Like kind, create and delete also add/remove the `kind-<name>` entries of the kubeconfig file
 * (--kubeconfig, else the first path of $KUBECONFIG, else ~/.kube/config): tests set KUBECONFIG.
 * Clusters live in $CLUSTERMESH_KIND_STATE_DIR; with $CLUSTERMESH_KIND_OWNER_PID they end when
 * that process does.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { kindNodeNames, readyCluster, startCluster, stopClusterAt } from "./cluster";
import { clusterDataDir, dockerId, freeSubnet, defaultGateway, nextFreeAddress, OWNER_PID_ENV, peekState, stateDir, withState } from "./stand-in-state";

const KIND_VERSION = "v0.29.0";
const DEFAULT_IMAGE = "kindest/node:v1.33.1";

class KindError extends Error {}

interface KindConfig {
    kind?: string;
    apiVersion?: string;
    name?: string;
    nodes?: Array<{ role?: string; image?: string }>;
    networking?: { ipFamily?: string; apiServerAddress?: string; apiServerPort?: number; podSubnet?: string; serviceSubnet?: string; disableDefaultCNI?: boolean; kubeProxyMode?: string };
}

const CONFIG_KEYS = new Set(["kind", "apiVersion", "name", "nodes", "networking"]);
const NODE_KEYS = new Set(["role", "image"]);
const NETWORKING_KEYS = new Set(["ipFamily", "apiServerAddress", "apiServerPort", "podSubnet", "serviceSubnet", "disableDefaultCNI", "kubeProxyMode"]);

/** Checks a kind config against what the stand-in simulates; every problem at once. */
export function checkKindConfig(raw: unknown): { config: KindConfig; problems: string[] } {
    const problems: string[] = [];
    const config = (raw ?? {}) as KindConfig;
    if (typeof config !== "object" || Array.isArray(config)) {
        return { config: {}, problems: ["the config is not a YAML mapping"] };
    }
    for (const k of Object.keys(config)) {
        if (!CONFIG_KEYS.has(k)) {
            problems.push(`config field ${k} is not simulated`);
        }
    }
    if (config.kind !== "Cluster" || config.apiVersion !== "kind.x-k8s.io/v1alpha4") {
        problems.push(`config must be kind: Cluster, apiVersion: kind.x-k8s.io/v1alpha4 (got ${String(config.kind)}, ${String(config.apiVersion)})`);
    }
    (config.nodes ?? []).forEach((n, i) => {
        for (const k of Object.keys(n ?? {})) {
            if (!NODE_KEYS.has(k)) {
                problems.push(`config field nodes[${i}].${k} is not simulated`);
            }
        }
        if (n?.role !== "control-plane" && n?.role !== "worker") {
            problems.push(`nodes[${i}].role ${String(n?.role)} is not control-plane or worker`);
        }
    });
    const cps = (config.nodes ?? []).filter((n) => n?.role === "control-plane").length;
    if (config.nodes && cps !== 1) {
        problems.push(`${cps} control-plane nodes: the stand-in simulates exactly one`);
    }
    const net = config.networking ?? {};
    for (const k of Object.keys(net)) {
        if (!NETWORKING_KEYS.has(k)) {
            problems.push(`config field networking.${k} is not simulated`);
        }
    }
    if (net.ipFamily !== undefined && net.ipFamily !== "ipv4") {
        problems.push(`networking.ipFamily ${net.ipFamily} is not simulated (ipv4 is)`);
    }
    if (net.apiServerAddress !== undefined && net.apiServerAddress !== "127.0.0.1") {
        problems.push(`networking.apiServerAddress ${net.apiServerAddress}: the stand-in listens on 127.0.0.1 only`);
    }
    if (net.kubeProxyMode !== undefined && !["none", "iptables", "ipvs", "nftables"].includes(net.kubeProxyMode)) {
        problems.push(`networking.kubeProxyMode ${net.kubeProxyMode} is not one of none, iptables, ipvs, nftables`);
    }
    return { config, problems };
}

interface Flags {
    name?: string;
    config?: string;
    kubeconfig?: string;
    image?: string;
    internal?: boolean;
    quiet?: boolean;
}

function parseFlags(args: string[]): Flags {
    const f: Flags = {};
    for (let i = 0; i < args.length; i++) {
        const [flag, inline] = args[i].includes("=") ? [args[i].slice(0, args[i].indexOf("=")), args[i].slice(args[i].indexOf("=") + 1)] : [args[i], undefined];
        const value = (): string => {
            if (inline !== undefined) {
                return inline;
            }
            if (i + 1 >= args.length) {
                throw new KindError(`flag needs an argument: ${flag}`);
            }
            return args[++i];
        };
        switch (flag) {
            case "--name":
            case "-n":
                f.name = value();
                break;
            case "--config":
                f.config = value();
                break;
            case "--kubeconfig":
                f.kubeconfig = value();
                break;
            case "--image":
                f.image = value();
                break;
            case "--wait":
            case "--retain":
                if (flag === "--wait") {
                    value();
                }
                break;
            case "--internal":
                f.internal = true;
                break;
            case "-q":
            case "--quiet":
                f.quiet = true;
                break;
            case "-v":
            case "--verbosity":
                value();
                break;
            default:
                throw new KindError(`unknown flag: ${flag}`);
        }
    }
    return f;
}

/** kind's kubeconfig file: --kubeconfig, else the first path of $KUBECONFIG, else ~/.kube/config. */
function kubeconfigFile(flags: Flags, env: NodeJS.ProcessEnv): string {
    return flags.kubeconfig ?? (env.KUBECONFIG ? env.KUBECONFIG.split(":")[0] : join(homedir(), ".kube", "config"));
}

interface Kubeconfig {
    apiVersion?: string;
    kind?: string;
    clusters?: Array<{ name: string; cluster: unknown }>;
    contexts?: Array<{ name: string; context: unknown }>;
    users?: Array<{ name: string; user: unknown }>;
    "current-context"?: string;
    preferences?: unknown;
}

/** Adds (or, with `remove`, drops) a cluster's entries in a kubeconfig file, as kind does. */
function mergeKubeconfig(path: string, context: string, add?: string): void {
    const current: Kubeconfig = existsSync(path) ? ((parse(readFileSync(path, "utf8")) as Kubeconfig | null) ?? {}) : {};
    const drop = <T extends { name: string }>(list: T[] | undefined): T[] => (list ?? []).filter((e) => e.name !== context);
    const next: Kubeconfig = { apiVersion: "v1", kind: "Config", preferences: current.preferences ?? {}, clusters: drop(current.clusters), contexts: drop(current.contexts), users: drop(current.users), "current-context": current["current-context"] };
    if (add) {
        const doc = parse(add) as Kubeconfig;
        next.clusters?.push(...(doc.clusters ?? []));
        next.contexts?.push(...(doc.contexts ?? []));
        next.users?.push(...(doc.users ?? []));
        next["current-context"] = context;
    } else if (next["current-context"] === context) {
        next["current-context"] = "";
    }
    if (!add && !existsSync(path)) {
        return;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, stringify(next), { mode: 0o600 });
}

function clusterNames(dir: string): string[] {
    const root = join(dir, "clusters");
    if (!existsSync(root)) {
        return [];
    }
    return readdirSync(root)
        .filter((n) => readyCluster(join(root, n)) !== undefined)
        .sort();
}

/** Runs one kind command; returns the exit code and what it printed. */
export async function kind(argv: string[], env: NodeJS.ProcessEnv = process.env, stdin: () => string = () => readFileSync(0, "utf8")): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const done = (code: number): { code: number; stdout: string; stderr: string } => ({ code, stdout: out.map((l) => `${l}\n`).join(""), stderr: err.map((l) => `${l}\n`).join("") });
    const [verb, object, ...rest] = argv;
    try {
        if (verb === undefined || verb === "--help" || verb === "-h" || verb === "help") {
            out.push("kind creates and manages local Kubernetes clusters (clustermesh test stand-in: a kube-apiserver with kwok nodes)", "", "Simulated: create cluster, delete cluster, get clusters|nodes|kubeconfig, export kubeconfig, version");
            return done(0);
        }
        if (verb === "version" || verb === "--version") {
            out.push(`kind ${KIND_VERSION} go1.26 linux/amd64 (clustermesh test stand-in)`);
            return done(0);
        }
        const dir = stateDir(env);
        if (verb === "create" && object === "cluster") {
            const flags = parseFlags(rest);
            let config: KindConfig = {};
            if (flags.config) {
                const text = flags.config === "-" ? stdin() : readFileSync(flags.config, "utf8");
                const checked = checkKindConfig(parse(text));
                if (checked.problems.length > 0) {
                    err.push(`ERROR: failed to create cluster: the kind stand-in cannot simulate this config:`, ...checked.problems.map((p) => `  - ${p}`));
                    return done(1);
                }
                config = checked.config;
            }
            const name = flags.name ?? config.name ?? "kind";
            const dataDir = clusterDataDir(dir, name);
            if (readyCluster(dataDir) || existsSync(join(dataDir, "supervisor.pid"))) {
                err.push(`ERROR: failed to create cluster: node(s) already exist for a cluster with the name "${name}"`);
                return done(1);
            }
            const roles = (config.nodes ?? [{ role: "control-plane" }]).map((n) => n.role as "control-plane" | "worker");
            const ordered = ["control-plane" as const, ...roles.filter((r) => r === "worker")];
            const image = flags.image ?? config.nodes?.[0]?.image ?? DEFAULT_IMAGE;
            const networkName = env.KIND_EXPERIMENTAL_DOCKER_NETWORK || "kind";
            const names = kindNodeNames(name, ordered.length);
            const nodes = await withState(dir, (state) => {
                if (!state.networks[networkName]) {
                    // kind creates its network when missing (pkg/cluster/internal/providers/docker/network.go).
                    const subnet = freeSubnet(state);
                    state.networks[networkName] = { name: networkName, id: dockerId(networkName), driver: "bridge", subnet, gateway: defaultGateway(subnet), created: new Date().toISOString() };
                }
                const network = state.networks[networkName];
                return names.map((nodeName, i) => {
                    const ip = nextFreeAddress(state, network);
                    state.containers[nodeName] = {
                        name: nodeName,
                        id: dockerId(nodeName),
                        image,
                        labels: { "io.x-k8s.kind.cluster": name, "io.x-k8s.kind.role": ordered[i] },
                        network: networkName,
                        ip,
                        created: new Date().toISOString(),
                    };
                    return { name: nodeName, role: ordered[i], internalIP: ip };
                });
            });
            if (!flags.quiet) {
                err.push(`Creating cluster "${name}" ...`, ` ✓ Ensuring node image (${image}) 🖼`, ` ✓ Preparing nodes ${ordered.map(() => "📦").join(" ")}`, " ✓ Writing configuration 📜");
            }
            const owner = env[OWNER_PID_ENV] ? Number(env[OWNER_PID_ENV]) : undefined;
            const net = config.networking ?? {};
            try {
                await startCluster({
                    name,
                    contextName: `kind-${name}`,
                    nodes,
                    podCIDR: net.podSubnet ?? "10.244.0.0/16",
                    serviceCIDR: net.serviceSubnet ?? "10.96.0.0/16",
                    apiServerPort: net.apiServerPort,
                    kindAddons: true,
                    kubeProxy: (net.kubeProxyMode ?? "iptables") !== "none",
                    dataDir,
                    detached: true,
                    ownerPid: owner !== undefined && Number.isInteger(owner) ? owner : undefined,
                    log: () => undefined,
                });
            } catch (e) {
                await withState(dir, (state) => {
                    for (const n of names) {
                        delete state.containers[n];
                    }
                });
                await stopClusterAt(dataDir);
                err.push(`ERROR: failed to create cluster: ${e instanceof Error ? e.message : String(e)}`);
                return done(1);
            }
            const ready = readyCluster(dataDir);
            if (!ready) {
                err.push(`ERROR: failed to create cluster: the control plane of "${name}" stopped right after starting; see ${join(dataDir, "logs")}`);
                return done(1);
            }
            mergeKubeconfig(kubeconfigFile(flags, env), `kind-${name}`, ready.kubeconfig);
            if (!flags.quiet) {
                err.push(" ✓ Starting control-plane 🕹️", " ✓ Installing StorageClass 💾", ...(ordered.length > 1 ? [" ✓ Joining worker nodes 🚜"] : []), `Set kubectl context to "kind-${name}"`, "You can now use your cluster with:", "", `kubectl cluster-info --context kind-${name}`, "");
            }
            return done(0);
        }
        if (verb === "delete" && object === "cluster") {
            const flags = parseFlags(rest);
            const name = flags.name ?? "kind";
            err.push(`Deleting cluster "${name}" ...`);
            const dataDir = clusterDataDir(dir, name);
            await stopClusterAt(dataDir);
            const removed = await withState(dir, (state) => {
                const mine = Object.values(state.containers).filter((c) => c.labels["io.x-k8s.kind.cluster"] === name).map((c) => c.name).sort();
                for (const n of mine) {
                    delete state.containers[n];
                }
                return mine;
            });
            mergeKubeconfig(kubeconfigFile(flags, env), `kind-${name}`);
            if (removed.length > 0) {
                err.push(`Deleted nodes: ["${removed.join('" "')}"]`);
            }
            return done(0);
        }
        if (verb === "get" && object === "clusters") {
            const names = clusterNames(dir);
            if (names.length === 0) {
                err.push("No kind clusters found.");
            }
            out.push(...names);
            return done(0);
        }
        if (verb === "get" && object === "nodes") {
            const flags = parseFlags(rest);
            const name = flags.name ?? "kind";
            const nodes = Object.values(peekState(dir).containers).filter((c) => c.labels["io.x-k8s.kind.cluster"] === name).map((c) => c.name).sort();
            if (nodes.length === 0) {
                err.push(`No kind nodes found for cluster "${name}".`);
            }
            out.push(...nodes);
            return done(0);
        }
        if ((verb === "get" || verb === "export") && object === "kubeconfig") {
            const flags = parseFlags(rest);
            const name = flags.name ?? "kind";
            const ready = readyCluster(clusterDataDir(dir, name));
            if (!ready) {
                err.push(`ERROR: could not locate any control plane nodes for cluster named '${name}'. Use the --name option to select a different cluster`);
                return done(1);
            }
            let config = ready.kubeconfig;
            if (flags.internal) {
                config = config.replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://${name}-control-plane:6443`);
            }
            if (verb === "export") {
                mergeKubeconfig(kubeconfigFile(flags, env), `kind-${name}`, config);
                err.push(`Set kubectl context to "kind-${name}"`);
            } else {
                out.push(config.replace(/\n$/, ""));
            }
            return done(0);
        }
        throw new KindError(`the kind stand-in does not simulate "kind ${[verb, object].filter(Boolean).join(" ")}" (create cluster, delete cluster, get clusters|nodes|kubeconfig, export kubeconfig, version are); see test/engine/cluster/README.md`);
    } catch (e) {
        err.push(`ERROR: ${e instanceof Error ? e.message : String(e)}`);
        return done(1);
    }
}

/**
 * Ends every cluster the kind stand-in made under `dir` and forgets its nodes (for a test run's
 * cleanup, whatever state its `pulumi destroy` left); returns the names it found running.
 */
export async function deleteAllStandInClusters(dir: string): Promise<string[]> {
    const root = join(dir, "clusters");
    const names = existsSync(root) ? readdirSync(root).sort() : [];
    const running = names.filter((n) => readyCluster(join(root, n)) !== undefined);
    for (const name of names) {
        await stopClusterAt(clusterDataDir(dir, name));
    }
    if (existsSync(dir)) {
        await withState(dir, (state) => {
            state.containers = {};
        });
    }
    return running;
}

if (require.main === module) {
    void kind(process.argv.slice(2)).then((r) => {
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        process.exitCode = r.code;
    });
}
