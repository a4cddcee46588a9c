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

/** Where a k3s server keeps the full join token, `K10<ca-hash>::server:<secret>` (root-only). */
export const K3S_SERVER_TOKEN_PATH = "/var/lib/rancher/k3s/server/token";
/** Reads the server's full join token: agents that join with it check the server's CA. */
export const READ_JOIN_TOKEN = `sudo -n cat ${K3S_SERVER_TOKEN_PATH}`;
/** The secure join token's shape: the CA's hash pins the server agents trust (k3s docs, "token"). */
export const SECURE_TOKEN = /^K10[0-9a-f]{64}::[^:\s]+:\S+$/;
/** Download retries of the installer (curl `--retry`), 3 s apart. */
export const DOWNLOAD_RETRIES = 5;

interface InstallScriptTiming {
    /** Readiness polls before giving up. Default READY_ATTEMPTS. */
    readonly readyAttempts?: number;
    /** Seconds between polls. Default READY_INTERVAL_SECONDS. */
    readonly readyIntervalSeconds?: number;
}

export type InstallScriptOptions = InstallScriptTiming &
    (
        | { readonly role: "server"; readonly version: string }
        | { readonly role: "agent"; readonly version: string; /** The server's private address, for `K3S_URL`. */ readonly serverIp: string }
    );

/**
 * The install script run over SSH. It reads the node's config.yaml on standard input and:
 *  - does nothing (but check health) when k3s of `version` is running with that exact config
 *    and the running service started after the config was written, so re-running it with
 *    unchanged inputs is harmless;
 *  - restarts the unit, and nothing else, when k3s of `version` has that config but the running
 *    process predates it (a restart that failed after the file was written);
 *  - otherwise downloads the official install script (with retries), runs it pinned to
 *    `version`, checks the binary, and only then writes the config (0600, atomically) and
 *    restarts the unit: a failed download or install leaves the old config in place, so the
 *    next run tries again instead of finding "the same config";
 *  - then waits, with a deadline, for a NEW process (MainPID changed) that is active and, on a
 *    server, answers the API's `/readyz` (not node readiness: nodes stay NotReady until Cilium
 *    runs). The old process would otherwise answer `/readyz` right after `restart --no-block`.
 *
 * Each step's output is kept; when a step fails, the script names the step and prints the
 * step's last lines on stderr (the join token masked), which pulumi-command puts into the
 * error even with logging off. An agent refuses a join token that is not the secure
 * `K10<ca-hash>::server:<secret>` form, which makes it check the server's CA.
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
    const attempts = options.readyAttempts ?? READY_ATTEMPTS;
    const interval = options.readyIntervalSeconds ?? READY_INTERVAL_SECONDS;
    const unit = role === "server" ? "k3s" : "k3s-agent";
    const minutes = Math.round(((attempts * interval) / 60) * 10) / 10;
    const installerEnv = [`INSTALL_K3S_VERSION=${shellQuote(version)}`, "INSTALL_K3S_SKIP_START=true"];
    let ready: string;
    let notReady: string;
    let tokenCheck: string[] = [];
    if (options.role === "agent") {
        const serverUrl = apiServerUrl(options.serverIp);
        // The installer keeps K3S_* variables in the unit's environment file (0600); the same URL is in config.yaml.
        installerEnv.unshift(`K3S_URL=${shellQuote(serverUrl)}`);
        ready = `systemctl is-active --quiet ${unit}`;
        notReady = `the k3s agent did not start within ${minutes} minutes; check that it reaches ${serverUrl}`;
        tokenCheck = [
            // A bare secret makes the agent trust whatever CA answers at the server's address.
            'case "$token" in',
            "  K10*::*:*) ;;",
            `  *) echo "the join token is not the secure K10<ca-hash>::server:<secret> form read from the server (${K3S_SERVER_TOKEN_PATH}); refusing to join without checking the server CA" >&2; exit 1 ;;`,
            "esac",
        ];
    } else {
        ready = "sudo -n k3s kubectl get --raw /readyz >/dev/null 2>&1";
        notReady = `the k3s API server did not answer /readyz within ${minutes} minutes`;
    }
    const next = `${K3S_CONFIG_PATH}.next`;
    const lines = [
        `# k3s ${role} ${version}: config.yaml arrives on standard input and is never echoed.`,
        "set -u",
        "config=$(cat)",
        'if [ -z "$config" ]; then echo "no k3s config on standard input" >&2; exit 1; fi',
        // The token, to mask it in anything printed (it is alphanumerics, ':' and '-' only).
        `token=$(printf '%s\\n' "$config" | sed -n 's/^token: *//p' | tr -d "\\"'")`,
        ...tokenCheck,
        "log=$(mktemp)",
        "installer=$(mktemp)",
        `trap 'rm -f "$log" "$installer"' EXIT`,
        // The token goes to awk through its environment, never as an argument: a command line
        // is visible to every user in ps (issue 19: `sed "s|$token|..."` put it there).
        `mask() { if [ -n "$token" ]; then MASK_TOKEN="$token" awk '{ t = ENVIRON["MASK_TOKEN"]; out = ""; while ((i = index($0, t)) > 0) { out = out substr($0, 1, i - 1) "[join token]"; $0 = substr($0, i + length(t)) } print out $0 }'; else cat; fi; }`,
        "fail() {",
        `  echo "k3s ${role} ${version}: $1 failed" >&2`,
        '  if [ -s "$log" ]; then echo "--- last lines of its output ---" >&2; tail -n 40 "$log" | mask >&2; fi',
        "  exit 1",
        "}",
        // Runs one step with its output kept for the error message.
        'step() { what=$1; shift; if ! "$@" >"$log" 2>&1; then fail "$what"; fi; }',
        `pid() { systemctl show -p MainPID --value ${unit} 2>/dev/null || echo 0; }`,
        `started() { date -d "$(systemctl show -p ActiveEnterTimestamp --value ${unit} 2>/dev/null)" +%s 2>/dev/null || echo 0; }`,
        `written() { sudo -n stat -c %Y ${K3S_CONFIG_PATH} 2>/dev/null || echo 0; }`,
        `same_config() { printf '%s\\n' "$config" | sudo -n cmp -s - ${K3S_CONFIG_PATH}; }`,
        `same_version() { k3s --version 2>/dev/null | grep -qF ${shellQuote(`k3s version ${version} `)}; }`,
        "restart=yes",
        `if same_config && same_version && systemctl is-active --quiet ${unit} && [ "$(started)" -ge "$(written)" ]; then`,
        `  echo "k3s ${role} ${version} already runs with this configuration"`,
        "  restart=no",
        "elif same_config && same_version; then",
        `  echo "k3s ${role} ${version} has this configuration but the running service predates it; restarting"`,
        "else",
        `  step "downloading the k3s installer from ${K3S_INSTALL_URL}" curl -fsSL --retry ${DOWNLOAD_RETRIES} --retry-delay 3 --retry-connrefused --connect-timeout 20 --max-time 300 ${K3S_INSTALL_URL} -o "$installer"`,
        `  step "installing k3s ${version}" env ${installerEnv.join(" ")} sh "$installer" ${role}`,
        `  step "checking the installed k3s binary" sh -c ${shellQuote(`k3s --version | grep -F 'k3s version ${version} '`)}`,
        // Only now, with the binary in place, does the new configuration go in.
        `  step "writing ${K3S_CONFIG_PATH}" sudo -n install -d -m 0755 /etc/rancher/k3s`,
        `  if ! printf '%s\\n' "$config" | sudo -n sh -c 'umask 077 && cat > ${next} && mv -f ${next} ${K3S_CONFIG_PATH}' >"$log" 2>&1; then fail "writing ${K3S_CONFIG_PATH}"; fi`,
        "fi",
        'old=$(pid)',
        'if [ "$restart" = yes ]; then',
        `  step "restarting the ${unit} service" sudo -n systemctl restart --no-block ${unit}`,
        "fi",
        // After a restart, only a new process counts: the old one may still answer for a while.
        `for _ in $(seq 1 ${attempts}); do`,
        '  now=$(pid)',
        `  if { [ "$restart" = no ] || { [ "$now" != 0 ] && [ "$now" != "$old" ]; }; } && systemctl is-active --quiet ${unit} && ${ready}; then exit 0; fi`,
        `  sleep ${interval}`,
        "done",
        `echo ${shellQuote(notReady)} >&2`,
        `echo "--- last lines of: journalctl -u ${unit} ---" >&2`,
        `sudo -n journalctl -u ${unit} -n 30 --no-pager 2>&1 | mask >&2`,
        "exit 1",
    ];
    return `${lines.join("\n")}\n`;
}

/** ssh-keyscan's `-t` name of an OpenSSH key type; undefined for types it cannot ask for. */
function keyscanType(keyType: string): string | undefined {
    return keyType === "ssh-ed25519" ? "ed25519" : keyType === "ssh-rsa" ? "rsa" : keyType.startsWith("ecdsa-sha2-") ? "ecdsa" : undefined;
}

/**
 * A script run where Pulumi runs, before anything is sent to a host whose SSH key is pinned:
 * it reads the key the host presents (`ssh-keyscan`) and stops with a message naming the host,
 * both keys and what to do when they differ. The SSH connection of every command checks the
 * pinned key too (pulumi-command's fixed host key), whose error only says
 * `ssh: host key mismatch`; this step is there for the clear message. Without ssh-keyscan on
 * the operator's machine it only says so and lets the connection check stand.
 */
export function hostKeyCheckScript(options: { readonly field: string; readonly address: string; readonly port: number; readonly hostKey: string }): string {
    const [keyType, body] = options.hostKey.trim().split(/\s+/);
    const pinned = `${keyType} ${body}`;
    const target = `${options.address}:${options.port}`;
    const scanType = keyscanType(keyType);
    if (scanType === undefined) {
        return `echo ${shellQuote(`${options.field}: ${keyType} keys are checked by the SSH connection only`)}\n`;
    }
    // Inside double quotes for $found; everything else is escaped so it prints as written.
    const escape = (text: string) => text.replace(/["`\\$]/g, "\\$&");
    const mismatch =
        escape(`${options.field}: the SSH host key of ${target} is `) +
        "$found" +
        escape(
            `, not the pinned ${pinned}. Nothing was sent to the host. ` +
                `If the host was rebuilt, check its new key on its console (cat /etc/ssh/ssh_host_${scanType}_key.pub) and pin that; otherwise something else answers at ${options.address}.`,
        );
    const lines = [
        "set -u",
        "if ! command -v ssh-keyscan >/dev/null 2>&1; then",
        `  echo ${shellQuote(`${options.field}: ssh-keyscan is not installed here; the pinned key of ${target} is checked by the SSH connection only (its error: ssh: host key mismatch)`)} >&2`,
        "  exit 0",
        "fi",
        `found=$(ssh-keyscan -T 15 -p ${options.port} -t ${scanType} ${shellQuote(options.address)} 2>/dev/null | awk '!/^#/ && NF >= 3 { print $2 " " $3; exit }')`,
        'if [ -z "$found" ]; then',
        `  echo ${shellQuote(`${options.field}: could not read the SSH host key of ${target} (ssh-keyscan -p ${options.port} -t ${scanType} ${options.address}); is the host up, with SSH on port ${options.port}?`)} >&2`,
        "  exit 1",
        "fi",
        `if [ "$found" != ${shellQuote(pinned)} ]; then`,
        `  echo "${mismatch}" >&2`,
        "  exit 1",
        "fi",
        `echo ${shellQuote(`${options.field}: ${target} presents the pinned host key`)}`,
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

export { isArmInstanceType } from "../../lib/instance-types";

/**
 * The user data of a new VM: cloud-init installs the given ed25519 host key (cc_ssh module,
 * `ssh_keys`: `ed25519_private`/`ed25519_public`) and generates no other (`ssh_genkeytypes: []`,
 * the image's keys deleted), so the key the program pins is the only one the VM presents.
 */
export function hostKeyUserData(privateKeyOpenssh: string, publicKeyOpenssh: string): string {
    return `#cloud-config\n${toYaml(
        { ssh_deletekeys: true, ssh_genkeytypes: [], ssh_keys: { ed25519_private: privateKeyOpenssh, ed25519_public: publicKeyOpenssh.trim() } },
        { lineWidth: 0 },
    )}`;
}

/**
 * A digest of a config file for `triggers`: a changed config reinstalls (and re-reads the
 * kubeconfig) without putting the token itself into one more property. The token has ~285 bits
 * of entropy, so its digest reveals nothing.
 */
export function configDigest(configYaml: string): string {
    return `sha256:${createHash("sha256").update(configYaml).digest("hex")}`;
}
