/**
 * k3s configuration and shell scripts, built by pure functions so every flag is unit tested.
 * The settings follow the hand-run reference: flannel off (Cilium is the CNI), no k3s network
 * policy controller, no kube-proxy when Cilium replaces it, no traefik or servicelb.
 */
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { nthAddress, parseCidr } from "../../stacks/cidr";

export interface K3sServerSettings {
    readonly podCIDR: string;
    readonly serviceCIDR: string;
    /** Address other nodes and mesh peers reach this node on (`node-ip`). */
    readonly nodeIp: string;
    /** Extra names/addresses for the API server certificate (the operator's address). */
    readonly tlsSans: readonly string[];
    readonly kubeProxyReplacement: boolean;
    /** Join secret shared by the server and its agents. */
    readonly token: string;
}

export interface K3sAgentSettings {
    /** The server's private address (agents join over the VPC or LAN). */
    readonly serverIp: string;
    readonly nodeIp: string;
    readonly token: string;
}

/** `cluster-dns` must sit inside the service CIDR; k3s's default (10.43.0.10) would not. */
export function clusterDns(serviceCIDR: string): string {
    const range = parseCidr(serviceCIDR);
    if (!range) {
        throw new Error(`serviceCIDR ${serviceCIDR} is not a CIDR block`);
    }
    return nthAddress(range, 10);
}

/** `/etc/rancher/k3s/config.yaml` of the server. Holds the token: written with mode 0600. */
export function serverConfigYaml(s: K3sServerSettings): string {
    const config: Record<string, unknown> = {
        "cluster-cidr": s.podCIDR,
        "cluster-dns": clusterDns(s.serviceCIDR),
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

/** `/etc/rancher/k3s/config.yaml` of an agent. */
export function agentConfigYaml(s: K3sAgentSettings): string {
    return toYaml({ "node-ip": s.nodeIp, server: `https://${s.serverIp}:6443`, token: s.token }, { sortMapEntries: true });
}

function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'"'"'`)}'`;
}

/**
 * Writes the config and installs k3s with the official script, pinned to `version`. Running it
 * again with the same inputs changes nothing; with a new config it restarts k3s. A server waits
 * for the API's `/readyz`, not for node readiness: nodes stay NotReady until Cilium runs.
 */
export function installScript(role: "server" | "agent", version: string, configYaml: string): string {
    const unit = role === "server" ? "k3s" : "k3s-agent";
    const lines = [
        "set -euo pipefail",
        "sudo install -d -m 0755 /etc/rancher/k3s",
        "tmp=$(mktemp)",
        `cat > "$tmp" <<'CLUSTERMESH_K3S_CONFIG'`,
        configYaml.trimEnd(),
        "CLUSTERMESH_K3S_CONFIG",
        `if sudo cmp -s "$tmp" /etc/rancher/k3s/config.yaml && systemctl is-active --quiet ${unit} && k3s --version | grep -qF ${shellQuote(version)}; then`,
        '  rm -f "$tmp"',
        "else",
        '  sudo install -m 0600 "$tmp" /etc/rancher/k3s/config.yaml && rm -f "$tmp"',
        `  curl -sfL https://get.k3s.io | sudo INSTALL_K3S_VERSION=${shellQuote(version)} sh -s - ${role}`,
        `  sudo systemctl restart ${unit}`,
        "fi",
    ];
    if (role === "server") {
        lines.push(
            "for attempt in $(seq 1 120); do",
            "  if sudo k3s kubectl get --raw /readyz >/dev/null 2>&1; then exit 0; fi",
            "  sleep 5",
            "done",
            'echo "the k3s API server did not answer /readyz within 10 minutes" >&2',
            "exit 1",
        );
    }
    return `${lines.join("\n")}\n`;
}

/** Reads the kubeconfig k3s wrote (root-only, mode 0600). */
export const READ_KUBECONFIG = "sudo cat /etc/rancher/k3s/k3s.yaml";

/**
 * Points the kubeconfig k3s wrote at an address the operator reaches (k3s writes 127.0.0.1)
 * and names its cluster, user and context after the mesh member instead of `default`.
 */
export function rewriteKubeconfig(text: string, apiAddress: string, clusterName: string): string {
    const server = `https://${apiAddress}:6443`;
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch {
        doc = undefined;
    }
    if (!doc || typeof doc !== "object" || !Array.isArray((doc as { clusters?: unknown }).clusters)) {
        return text.replace(/https:\/\/127\.0\.0\.1:6443/g, server);
    }
    const config = doc as {
        clusters: Array<{ name: string; cluster: { server: string } }>;
        users?: Array<{ name: string }>;
        contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
        "current-context"?: string;
    };
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

/** The first /20 of the VPC: room for a server and dozens of agents, the rest left for growth. */
export function nodeSubnetCidr(vpcCidr: string): string {
    const vpc = parseCidr(vpcCidr);
    if (!vpc || vpc.family !== "ipv4" || vpc.prefix > 24) {
        throw new Error(`vpcCidr ${vpcCidr} must be an IPv4 block of /24 or larger`);
    }
    return `${nthAddress(vpc, 0)}/${Math.max(vpc.prefix, 20)}`;
}
