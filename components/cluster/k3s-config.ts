/**
 * k3s configuration files and shell scripts, built by pure functions so every flag is unit
 * tested. The settings follow the hand-run reference: flannel off (Cilium is the CNI), no k3s
 * network-policy controller, no kube-proxy when Cilium replaces it, no traefik or servicelb.
 *
 * Secrets never travel on a command line: the config file (which holds the join token) is
 * passed to the install script on standard input, so it is absent from the script text, from
 * `ps` on the host and from the error pulumi-command prints when a command fails (it quotes
 * the command).
 */
import { createHash } from "crypto";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { nthAddress, parseCidr } from "../../lib/cidr";

/** Port of the k3s API server (supervisor and kube-apiserver share it). */
export const K3S_API_PORT = 6443;
/** Where k3s reads its configuration (server and agent alike). */
export const K3S_CONFIG_PATH = "/etc/rancher/k3s/config.yaml";
/** Where the k3s server writes its admin kubeconfig (mode from `write-kubeconfig-mode`). */
export const K3S_KUBECONFIG_PATH = "/etc/rancher/k3s/k3s.yaml";
/** The official install script. */
export const K3S_INSTALL_URL = "https://get.k3s.io";
/** How long the install script waits for the API (server) or the unit (agent): 120 x 5 s. */
export const READY_ATTEMPTS = 120;
export const READY_INTERVAL_SECONDS = 5;

export type K3sRole = "server" | "agent";

export interface K3sServerSettings {
    /** Pod CIDR (`cluster-cidr`). */
    readonly podCIDR: string;
    /** Service CIDR (`service-cidr`); `cluster-dns` is its 10th address. */
    readonly serviceCIDR: string;
    /** Address other nodes and mesh peers reach this node on (`node-ip`); an IP address. */
    readonly nodeIp: string;
    /** Extra names/addresses for the API server certificate (the operator-reachable address). */
    readonly tlsSans: readonly string[];
    /** Cilium replaces kube-proxy: `disable-kube-proxy: true`. */
    readonly kubeProxyReplacement: boolean;
    /** Join secret shared by the server and its agents. */
    readonly token: string;
}

export interface K3sAgentSettings {
    /** The server's private address (agents join over the VPC or LAN). */
    readonly serverIp: string;
    /** This agent's address (`node-ip`); an IP address. */
    readonly nodeIp: string;
    /** The server's join token. */
    readonly token: string;
}

/** `https://<address>:6443`, with an IPv6 literal in brackets. */
export function apiServerUrl(address: string): string {
    const host = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
    return `https://${host}:${K3S_API_PORT}`;
}

/** `cluster-dns` must sit inside the service CIDR; k3s's default (10.43.0.10) would not. */
export function clusterDns(serviceCIDR: string): string {
    const range = parseCidr(serviceCIDR);
    if (!range) {
        throw new Error(`serviceCIDR ${serviceCIDR} is not a CIDR block; write e.g. 10.12.0.0/16`);
    }
    return nthAddress(range, 10);
}

/**
 * The server's `/etc/rancher/k3s/config.yaml`. Holds the token, so it is written root-only
 * (0600) and only ever passed on standard input. Keys are sorted: the same input always gives
 * the same bytes, so an unchanged cluster shows no diff and the install stays a no-op.
 */
export function serverConfigYaml(s: K3sServerSettings): string {
    const config: Record<string, unknown> = {
        "cluster-cidr": s.podCIDR,
        "cluster-dns": clusterDns(s.serviceCIDR),
        // servicelb would answer LoadBalancer Services with host ports; traefik is not wanted.
        disable: ["servicelb", "traefik"],
        "disable-kube-proxy": s.kubeProxyReplacement,
        "disable-network-policy": true,
        "flannel-backend": "none",
        "node-ip": s.nodeIp,
        "service-cidr": s.serviceCIDR,
        "tls-san": [...new Set([s.nodeIp, ...s.tlsSans])].sort(),
        token: s.token,
        "write-kubeconfig-mode": "0600",
    };
    return toYaml(config, { sortMapEntries: true });
}

/** An agent's `/etc/rancher/k3s/config.yaml` (holds the token too). */
export function agentConfigYaml(s: K3sAgentSettings): string {
    return toYaml({ "node-ip": s.nodeIp, server: apiServerUrl(s.serverIp), token: s.token }, { sortMapEntries: true });
}

function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'"'"'`)}'`;
}

export type InstallScriptOptions =
    | { readonly role: "server"; readonly version: string }
    | { readonly role: "agent"; readonly version: string; /** The server's private address, for `K3S_URL`. */ readonly serverIp: string };

/**
 * The install script run over SSH. It reads the node's config.yaml on standard input and:
 *  - does nothing (but check health) when k3s of `version` is running with that exact config,
 *    so re-running it with unchanged inputs is harmless;
 *  - otherwise writes the config (0600, atomically), runs the official install script pinned
 *    to `version` and restarts the unit;
 *  - then waits, with a deadline, for the server's API `/readyz` (not for node readiness:
 *    nodes stay NotReady until Cilium runs) or for the agent unit to be active.
 *
 * POSIX sh, whatever the SSH user's login shell is. Without `pipefail`, `curl | sh` would run
 * an empty script and "succeed" when the download fails, so the installer is downloaded to a
 * file first. The installer is started with `INSTALL_K3S_SKIP_START` and the unit restarted
 * with `--no-block`: the installer's own `systemctl restart` of a Type=notify unit waits
 * forever (TimeoutStartSec=0) when an agent cannot reach its server, and with logging off a
 * hung `pulumi up` would say nothing.
 */
export function installScript(options: InstallScriptOptions): string {
    const { role, version } = options;
    const unit = role === "server" ? "k3s" : "k3s-agent";
    const minutes = (READY_ATTEMPTS * READY_INTERVAL_SECONDS) / 60;
    const installerEnv = [`INSTALL_K3S_VERSION=${shellQuote(version)}`, "INSTALL_K3S_SKIP_START=true"];
    let ready: string;
    let notReady: string;
    if (options.role === "agent") {
        const serverUrl = apiServerUrl(options.serverIp);
        // The installer keeps K3S_* variables in the unit's environment file (0600); the same URL is in config.yaml.
        installerEnv.unshift(`K3S_URL=${shellQuote(serverUrl)}`);
        ready = `systemctl is-active --quiet ${unit}`;
        notReady = `the k3s agent did not start within ${minutes} minutes; check that it reaches ${serverUrl}, then see: sudo journalctl -u ${unit}`;
    } else {
        ready = "sudo -n k3s kubectl get --raw /readyz >/dev/null 2>&1";
        notReady = `the k3s API server did not answer /readyz within ${minutes} minutes; see: sudo journalctl -u ${unit}`;
    }
    const next = `${K3S_CONFIG_PATH}.next`;
    const lines = [
        `# k3s ${role} ${version}: config.yaml arrives on standard input and is never echoed.`,
        "set -eu",
        "config=$(cat)",
        'if [ -z "$config" ]; then echo "no k3s config on standard input" >&2; exit 1; fi',
        `if printf '%s\\n' "$config" | sudo -n cmp -s - ${K3S_CONFIG_PATH} \\`,
        `  && systemctl is-active --quiet ${unit} \\`,
        `  && k3s --version 2>/dev/null | grep -qF ${shellQuote(`k3s version ${version} `)}; then`,
        `  echo "k3s ${role} ${version} already runs with this configuration"`,
        "else",
        "  sudo -n install -d -m 0755 /etc/rancher/k3s",
        `  printf '%s\\n' "$config" | sudo -n sh -c 'umask 077 && cat > ${next} && mv -f ${next} ${K3S_CONFIG_PATH}'`,
        "  installer=$(mktemp)",
        `  trap 'rm -f "$installer"' EXIT`,
        `  curl -sfL ${K3S_INSTALL_URL} -o "$installer"`,
        `  ${installerEnv.join(" ")} sh "$installer" ${role}`,
        `  sudo -n systemctl restart --no-block ${unit}`,
        "fi",
        `for _ in $(seq 1 ${READY_ATTEMPTS}); do`,
        `  if ${ready}; then exit 0; fi`,
        `  sleep ${READY_INTERVAL_SECONDS}`,
        "done",
        `echo ${shellQuote(notReady)} >&2`,
        "exit 1",
    ];
    return `${lines.join("\n")}\n`;
}

/** Reads the kubeconfig k3s wrote (root-only, mode 0600). */
export const READ_KUBECONFIG = `sudo -n cat ${K3S_KUBECONFIG_PATH}`;

interface Kubeconfig {
    clusters: Array<{ name: string; cluster: { server: string } }>;
    users?: Array<{ name: string }>;
    contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
    "current-context"?: string;
}

/**
 * Points the kubeconfig k3s wrote at an address the operator reaches (k3s writes
 * `https://127.0.0.1:6443`) and names its cluster, user and context after the mesh member
 * instead of `default`, so several members' kubeconfigs merge without clashing.
 * Text that is not a kubeconfig only gets the address rewritten.
 */
export function rewriteKubeconfig(text: string, apiAddress: string, clusterName: string): string {
    const server = apiServerUrl(apiAddress);
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch {
        doc = undefined;
    }
    if (!doc || typeof doc !== "object" || !Array.isArray((doc as { clusters?: unknown }).clusters)) {
        return text.replace(/https:\/\/127\.0\.0\.1:6443/g, server);
    }
    const config = doc as Kubeconfig;
    for (const c of config.clusters) {
        c.name = clusterName;
        c.cluster.server = server;
    }
    for (const u of config.users ?? []) {
        u.name = clusterName;
    }
    for (const c of config.contexts ?? []) {
        c.name = clusterName;
        c.context.cluster = clusterName;
        c.context.user = clusterName;
    }
    config["current-context"] = clusterName;
    return toYaml(config);
}

/** The first /20 of the VPC (the whole VPC when it is smaller): room for many agents, the rest left for growth. */
export function nodeSubnetCidr(vpcCidr: string): string {
    const vpc = parseCidr(vpcCidr);
    if (!vpc || vpc.family !== "ipv4" || vpc.prefix < 16 || vpc.prefix > 24) {
        throw new Error(`vpcCidr ${vpcCidr} must be an IPv4 block from /16 to /24 (AWS allows /16 to /28; the nodes' subnet needs a /24), e.g. 10.10.0.0/16`);
    }
    return `${nthAddress(vpc, 0)}/${Math.max(vpc.prefix, 20)}`;
}

/**
 * Arm (Graviton) instance types: `a1`, and families whose generation digit is followed by `g`
 * (`t4g`, `m7gd`, `c6gn`, `im4gn`, `hpc7g`...). The node image is Ubuntu amd64.
 */
export function isArmInstanceType(instanceType: string): boolean {
    return /^(a1|[a-z]+\d+g[a-z]*)\./.test(instanceType);
}

/**
 * A digest of a config file for `triggers`: a changed config reinstalls (and re-reads the
 * kubeconfig) without putting the token itself into one more property. The token has ~285 bits
 * of entropy, so its digest reveals nothing.
 */
export function configDigest(configYaml: string): string {
    return `sha256:${createHash("sha256").update(configYaml).digest("hex")}`;
}
