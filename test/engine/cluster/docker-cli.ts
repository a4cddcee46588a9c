/**
 * The `docker` stand-in (test/engine/bin/docker): the subcommands the kind lab's components run
 * (components/cluster/kind-config.ts) and a few neighbours, over the shared state in
 * `$CLUSTERMESH_KIND_STATE_DIR` (stand-in-state.ts). Output and exit codes as Docker CLI 27's.
 *
 *   docker info [-f T]                       exit 0 ("the daemon answers")
 *   docker version [-f T]
 *   docker network create [--driver D] [--subnet S] [--gateway G] NAME    prints the id
 *   docker network inspect [-f T] NAME...    JSON array, or T per network
 *   docker network ls [-q] [-f T]
 *   docker network rm NAME...                refused while a node container is on it
 *   docker inspect [-f T] [--type container|network] NAME...
 *   docker ps [-a] [-q] [--filter label=K[=V]] [--filter name=N] [--format T]
 *
 * Containers exist only as kind nodes: `kind create cluster` adds them, `kind delete cluster`
 * removes them. Anything else exits 1 naming what is not simulated.
 */
import { goTemplate } from "./go-template";
import { containerJson, defaultGateway, dockerId, freeSubnet, ipv4Cidr, networkJson, peekState, stateDir, withState, type StandInState } from "./stand-in-state";

class UsageError extends Error {}

interface Parsed {
    readonly flags: Map<string, string[]>;
    readonly positional: string[];
}

/** Parses `--flag value`, `--flag=value`, `-f value` and boolean flags (listed in `booleans`). */
function parseArgs(argv: string[], booleans: Set<string>, aliases: Record<string, string> = {}): Parsed {
    const flags = new Map<string, string[]>();
    const positional: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a.startsWith("-") && a !== "-") {
            let [name, value] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined as string | undefined];
            name = aliases[name] ?? name;
            if (booleans.has(name)) {
                value = value ?? "true";
            } else if (value === undefined) {
                if (i + 1 >= argv.length) {
                    throw new UsageError(`flag needs an argument: ${a}`);
                }
                value = argv[++i];
            }
            flags.set(name, [...(flags.get(name) ?? []), value]);
        } else {
            positional.push(a);
        }
    }
    return { flags, positional };
}

function formatted(format: string | undefined, objects: unknown[], out: string[]): void {
    if (format === undefined) {
        out.push(JSON.stringify(objects, null, 4));
        return;
    }
    for (const o of objects) {
        out.push(format === "json" ? JSON.stringify(o) : goTemplate(format, o));
    }
}

function findNetwork(state: StandInState, ref: string): StandInState["networks"][string] | undefined {
    return state.networks[ref] ?? Object.values(state.networks).find((n) => n.id === ref || (ref.length >= 3 && n.id.startsWith(ref)));
}

function findContainer(state: StandInState, ref: string): StandInState["containers"][string] | undefined {
    return state.containers[ref] ?? Object.values(state.containers).find((c) => c.id === ref || (ref.length >= 3 && c.id.startsWith(ref)));
}

/** Runs one docker command; returns the exit code and what it printed. */
export async function docker(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const done = (code: number): { code: number; stdout: string; stderr: string } => ({ code, stdout: out.map((l) => `${l}\n`).join(""), stderr: err.map((l) => `${l}\n`).join("") });
    const [cmd, ...rest] = argv;
    try {
        if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") {
            out.push("Usage:  docker COMMAND (clustermesh test stand-in)", "", "Simulated: info, version, network create|inspect|ls|rm, inspect, ps");
            return done(0);
        }
        if (cmd === "info" || cmd === "version") {
            const p = parseArgs(rest, new Set(), { "-f": "--format" });
            const info = cmd === "info"
                ? { ServerVersion: "27.5.1", Name: "clustermesh-docker-stand-in", OperatingSystem: "clustermesh test stand-in", Driver: "none", Containers: Object.keys(peekState(stateDir(env)).containers).length }
                : { Client: { Version: "27.5.1", ApiVersion: "1.47" }, Server: { Version: "27.5.1", ApiVersion: "1.47" } };
            const format = p.flags.get("--format")?.[0];
            if (format) {
                out.push(goTemplate(format, info));
            } else {
                out.push(cmd === "info" ? `Server:\n Server Version: 27.5.1\n Containers: ${(info as { Containers: number }).Containers}\n Operating System: clustermesh test stand-in` : "Client:\n Version: 27.5.1\n\nServer:\n Engine:\n  Version: 27.5.1");
            }
            return done(0);
        }
        const dir = stateDir(env);
        if (cmd === "network") {
            const [sub, ...args] = rest;
            if (sub === "create") {
                const p = parseArgs(args, new Set(["--ipv6", "--internal", "--attachable"]), { "-d": "--driver" });
                const name = p.positional[0];
                if (!name || p.positional.length > 1) {
                    throw new UsageError('"docker network create" requires exactly 1 argument.');
                }
                for (const f of p.flags.keys()) {
                    if (!["--driver", "--subnet", "--gateway", "--opt", "-o", "--label"].includes(f)) {
                        throw new UsageError(`docker stand-in: network create ${f} is not simulated`);
                    }
                }
                return withState(dir, (state) => {
                    if (state.networks[name]) {
                        err.push(`Error response from daemon: network with name ${name} already exists`);
                        return done(1);
                    }
                    const subnet = p.flags.get("--subnet")?.[0] ?? freeSubnet(state);
                    if (!ipv4Cidr(subnet)) {
                        err.push(`Error response from daemon: invalid subnet ${subnet}: only IPv4 CIDR blocks are simulated`);
                        return done(1);
                    }
                    const clash = Object.values(state.networks).find((n) => n.subnet === subnet);
                    if (clash) {
                        err.push(`Error response from daemon: invalid pool request: Pool overlaps with other one on this address space`);
                        return done(1);
                    }
                    const id = dockerId(name);
                    state.networks[name] = { name, id, driver: p.flags.get("--driver")?.[0] ?? "bridge", subnet, gateway: p.flags.get("--gateway")?.[0] ?? defaultGateway(subnet), created: new Date().toISOString() };
                    out.push(id);
                    return done(0);
                });
            }
            if (sub === "inspect") {
                const p = parseArgs(args, new Set(), { "-f": "--format" });
                if (p.positional.length === 0) {
                    throw new UsageError('"docker network inspect" requires at least 1 argument.');
                }
                const state = peekState(dir);
                const found: unknown[] = [];
                let code = 0;
                for (const ref of p.positional) {
                    const n = findNetwork(state, ref);
                    if (n) {
                        found.push(networkJson(state, n));
                    } else {
                        err.push(`Error response from daemon: network ${ref} not found`);
                        code = 1;
                    }
                }
                const format = p.flags.get("--format")?.[0];
                if (format !== undefined || found.length > 0 || code === 1) {
                    formatted(format, found, out);
                }
                return done(code);
            }
            if (sub === "ls" || sub === "list") {
                const p = parseArgs(args, new Set(["-q", "--quiet", "--no-trunc"]), { "-f": "--filter" });
                const state = peekState(dir);
                const nets = Object.values(state.networks).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
                const format = p.flags.get("--format")?.[0];
                if (p.flags.has("-q") || p.flags.has("--quiet")) {
                    nets.forEach((n) => out.push(n.id.slice(0, 12)));
                } else if (format) {
                    nets.forEach((n) => out.push(goTemplate(format, { ID: n.id.slice(0, 12), Name: n.name, Driver: n.driver, Scope: "local" })));
                } else {
                    out.push("NETWORK ID     NAME                DRIVER    SCOPE");
                    nets.forEach((n) => out.push(`${n.id.slice(0, 12)}   ${n.name.padEnd(19)} ${n.driver.padEnd(9)} local`));
                }
                return done(0);
            }
            if (sub === "rm" || sub === "remove") {
                const p = parseArgs(args, new Set(["-f", "--force"]));
                if (p.positional.length === 0) {
                    throw new UsageError('"docker network rm" requires at least 1 argument.');
                }
                return withState(dir, (state) => {
                    let code = 0;
                    for (const ref of p.positional) {
                        const n = findNetwork(state, ref);
                        if (!n) {
                            if (!p.flags.has("-f") && !p.flags.has("--force")) {
                                err.push(`Error response from daemon: network ${ref} not found`);
                                code = 1;
                            }
                            continue;
                        }
                        if (Object.values(state.containers).some((c) => c.network === n.name)) {
                            err.push(`Error response from daemon: error while removing network: network ${n.name} has active endpoints (name:"${n.name}" id:"${n.id.slice(0, 12)}")`);
                            code = 1;
                            continue;
                        }
                        delete state.networks[n.name];
                        out.push(ref);
                    }
                    return done(code);
                });
            }
            throw new UsageError(`docker stand-in: "docker network ${sub ?? ""}" is not simulated (create, inspect, ls, rm are)`);
        }
        if (cmd === "inspect" || cmd === "container" && rest[0] === "inspect") {
            const p = parseArgs(cmd === "inspect" ? rest : rest.slice(1), new Set(["-s", "--size"]), { "-f": "--format" });
            if (p.positional.length === 0) {
                throw new UsageError('"docker inspect" requires at least 1 argument.');
            }
            const type = p.flags.get("--type")?.[0];
            const state = peekState(dir);
            const found: unknown[] = [];
            let code = 0;
            for (const ref of p.positional) {
                const c = type === "network" ? undefined : findContainer(state, ref);
                const n = c || type === "container" || cmd === "container" ? undefined : findNetwork(state, ref);
                if (c) {
                    found.push(containerJson(state, c));
                } else if (n) {
                    found.push(networkJson(state, n));
                } else {
                    err.push(`Error: No such object: ${ref}`);
                    code = 1;
                }
            }
            formatted(p.flags.get("--format")?.[0], found, out);
            return done(code);
        }
        if (cmd === "ps" || cmd === "container" && (rest[0] === "ls" || rest[0] === "list")) {
            const p = parseArgs(cmd === "ps" ? rest : rest.slice(1), new Set(["-a", "--all", "-q", "--quiet", "--no-trunc"]));
            const state = peekState(dir);
            let list = Object.values(state.containers).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
            for (const f of p.flags.get("--filter") ?? []) {
                const [key, value] = [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)];
                if (key === "label") {
                    const [lk, lv] = value.includes("=") ? [value.slice(0, value.indexOf("=")), value.slice(value.indexOf("=") + 1)] : [value, undefined];
                    list = list.filter((c) => lk in c.labels && (lv === undefined || c.labels[lk] === lv));
                } else if (key === "name") {
                    list = list.filter((c) => c.name.includes(value));
                } else {
                    throw new UsageError(`docker stand-in: ps --filter ${key} is not simulated (label, name are)`);
                }
            }
            const format = p.flags.get("--format")?.[0];
            if (p.flags.has("-q") || p.flags.has("--quiet")) {
                list.forEach((c) => out.push(c.id.slice(0, 12)));
            } else if (format) {
                list.forEach((c) => out.push(goTemplate(format, { ID: c.id.slice(0, 12), Names: c.name, Image: c.image, Status: "Up", State: "running", Labels: Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(","), Networks: c.network })));
            } else {
                out.push("CONTAINER ID   IMAGE                  STATUS   NAMES");
                list.forEach((c) => out.push(`${c.id.slice(0, 12)}   ${c.image.padEnd(22)} Up       ${c.name}`));
            }
            return done(0);
        }
        throw new UsageError(`docker stand-in: "docker ${cmd}" is not simulated (info, version, network create|inspect|ls|rm, inspect, ps are); see test/engine/cluster/README.md`);
    } catch (e) {
        if (e instanceof UsageError) {
            err.push(e.message);
            return done(e.message.startsWith("docker stand-in:") ? 1 : 125);
        }
        err.push(`docker stand-in: ${e instanceof Error ? e.message : String(e)}`);
        return done(1);
    }
}

if (require.main === module) {
    void docker(process.argv.slice(2)).then((r) => {
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        process.exitCode = r.code;
    });
}
