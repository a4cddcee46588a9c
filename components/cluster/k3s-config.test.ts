import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import {
    agentConfigYaml,
    apiServerUrl,
    clusterDns,
    configDigest,
    hostKeyCheckScript,
    installScript,
    isArmInstanceType,
    K3S_API_PORT,
    nodeSubnetCidr,
    READ_KUBECONFIG,
    rewriteKubeconfig,
    serverConfigYaml,
} from "./k3s-config";

const settings = { podCIDR: "10.11.0.0/16", serviceCIDR: "10.12.0.0/16", nodeIp: "10.10.0.88", tlsSans: ["203.0.113.7"], kubeProxyReplacement: true, token: "s3cret-token" };
const VERSION = "v1.33.5+k3s1";

describe("k3s server config", () => {
    const text = serverConfigYaml(settings);
    const config = parse(text) as Record<string, unknown>;

    it("leaves networking to Cilium: no flannel, no network policy, no kube-proxy, no traefik or servicelb", () => {
        assert.equal(config["flannel-backend"], "none");
        assert.equal(config["disable-network-policy"], true);
        assert.equal(config["disable-kube-proxy"], true);
        assert.deepEqual(config.disable, ["servicelb", "traefik"]);
    });

    it("uses the member's CIDRs, with cluster-dns the 10th address of the service CIDR", () => {
        assert.equal(config["cluster-cidr"], "10.11.0.0/16");
        assert.equal(config["service-cidr"], "10.12.0.0/16");
        assert.equal(config["cluster-dns"], "10.12.0.10");
        assert.equal(clusterDns("10.22.0.0/16"), "10.22.0.10");
        assert.equal(clusterDns("10.96.0.0/12"), "10.96.0.10");
        assert.equal(clusterDns("fd00:12::/108"), "fd00:12::a");
        assert.throws(() => clusterDns("10.12.0.1/16"), /serviceCIDR 10\.12\.0\.1\/16 is not a CIDR block/);
        assert.throws(() => clusterDns("10.12.0.0/30"), /has no address number 10/);
    });

    it("serves the API on the node and public addresses, binds the node IP, keeps the kubeconfig private", () => {
        assert.equal(config["node-ip"], "10.10.0.88");
        assert.deepEqual(config["tls-san"], ["10.10.0.88", "203.0.113.7"]);
        assert.deepEqual(parse(serverConfigYaml({ ...settings, tlsSans: ["10.10.0.88"] }))["tls-san"], ["10.10.0.88"], "no duplicate SAN");
        assert.equal(config["write-kubeconfig-mode"], "0600");
        // Quoted: unquoted 0600 is the integer 600 to a YAML 1.2 reader and octal to k3s's YAML 1.1.
        assert.match(text, /^write-kubeconfig-mode: "0600"$/m);
        assert.equal(config.token, "s3cret-token", "the token lives in the root-only file, passed on stdin");
    });

    it("holds exactly the expected keys, sorted", () => {
        assert.deepEqual(Object.keys(config), [
            "cluster-cidr",
            "cluster-dns",
            "disable",
            "disable-kube-proxy",
            "disable-network-policy",
            "flannel-backend",
            "node-ip",
            "service-cidr",
            "tls-san",
            "token",
            "write-kubeconfig-mode",
        ]);
    });

    it("keeps kube-proxy when Cilium does not replace it", () => {
        assert.equal((parse(serverConfigYaml({ ...settings, kubeProxyReplacement: false })) as Record<string, unknown>)["disable-kube-proxy"], false);
    });

    it("is byte-identical for the same input, whatever the SAN order", () => {
        assert.equal(serverConfigYaml(settings), serverConfigYaml({ ...settings, tlsSans: [...settings.tlsSans] }));
        assert.equal(serverConfigYaml({ ...settings, tlsSans: ["b.example", "a.example"] }), serverConfigYaml({ ...settings, tlsSans: ["a.example", "b.example"] }));
    });
});

describe("k3s agent config", () => {
    it("joins the server on its private address with the token", () => {
        assert.deepEqual(parse(agentConfigYaml({ serverIp: "10.10.0.88", nodeIp: "10.10.0.99", token: "t" })), { "node-ip": "10.10.0.99", server: "https://10.10.0.88:6443", token: "t" });
    });

    it("brackets an IPv6 server address", () => {
        assert.equal(apiServerUrl("fd00::5"), "https://[fd00::5]:6443");
        assert.equal(apiServerUrl("203.0.113.7"), "https://203.0.113.7:6443");
        assert.equal(apiServerUrl("k3s.example.com"), "https://k3s.example.com:6443");
        assert.equal(K3S_API_PORT, 6443);
    });
});

describe("install script (text)", () => {
    const server = installScript({ role: "server", version: VERSION });
    const agent = installScript({ role: "agent", version: VERSION, serverIp: "10.10.0.88" });

    it("downloads the official install script with retries and runs it pinned to the version, server role", () => {
        assert.match(server, /curl -fsSL --retry 5 --retry-delay 3 --retry-connrefused .* https:\/\/get\.k3s\.io -o "\$installer"/);
        assert.match(server, /env INSTALL_K3S_VERSION='v1\.33\.5\+k3s1' INSTALL_K3S_SKIP_START=true sh "\$installer" server\n/);
        assert.match(server, /sudo -n systemctl restart --no-block k3s\n/);
    });

    it("reads the config on stdin and writes it root-only and atomically, after the binary is installed", () => {
        assert.match(server, /^config=\$\(cat\)$/m);
        const write = server.indexOf("sudo -n sh -c 'umask 077 && cat > /etc/rancher/k3s/config.yaml.next && mv -f /etc/rancher/k3s/config.yaml.next /etc/rancher/k3s/config.yaml'");
        assert.ok(write > 0);
        assert.ok(server.indexOf('sh "$installer" server') < write, "the config goes in only after the installer ran");
        assert.ok(server.indexOf("checking the installed k3s binary") < write);
    });

    it("waits for the API's /readyz of a new process with a deadline, never for node readiness", () => {
        assert.match(server, /for _ in \$\(seq 1 120\); do\n/);
        assert.match(server, /\[ "\$now" != "\$old" \].*sudo -n k3s kubectl get --raw \/readyz >\/dev\/null 2>&1; then exit 0; fi\n {2}sleep 5\ndone/);
        assert.match(server, /did not answer \/readyz within 10 minutes/);
        assert.doesNotMatch(server, /condition=Ready|get nodes/);
    });

    it("holds no secret and no bash-only syntax", () => {
        assert.doesNotMatch(server + agent, /s3cret|K10[0-9a-f]/);
        assert.doesNotMatch(server + agent, /pipefail|\[\[|<<</);
    });

    it("agents get K3S_URL, the agent role, and wait for their unit, not for /readyz", () => {
        assert.match(agent, /env K3S_URL='https:\/\/10\.10\.0\.88:6443' INSTALL_K3S_VERSION='v1\.33\.5\+k3s1' INSTALL_K3S_SKIP_START=true sh "\$installer" agent\n/);
        assert.match(agent, /systemctl is-active --quiet k3s-agent/);
        assert.match(agent, /check that it reaches https:\/\/10\.10\.0\.88:6443/);
        assert.doesNotMatch(agent, /readyz/);
    });

    it("the README quotes the agent's refusal of the bare token as printed", () => {
        const message = /echo "(the join token is not the secure [^"]+)"/.exec(agent)?.[1];
        assert.ok(message);
        assert.ok(readFileSync(join(__dirname, "..", "..", "README.md"), "utf8").includes(`\`${message}\``));
    });

    it("quotes what it interpolates", () => {
        assert.match(installScript({ role: "server", version: "v1'x" }), /INSTALL_K3S_VERSION='v1'"'"'x'/);
    });

    it("parses as POSIX sh", { skip: !existsSync("/bin/sh") }, () => {
        for (const script of [server, agent]) {
            const result = spawnSync("/bin/sh", ["-n"], { input: script, encoding: "utf8" });
            assert.equal(result.status, 0, result.stderr);
        }
    });
});

/**
 * Runs the script for real under /bin/sh, with stand-ins for sudo (runs the command with
 * /etc/rancher moved into a sandbox), systemctl (a unit with a MainPID and a start time; a
 * restart brings up the new process only after two polls, the old one answering meanwhile),
 * journalctl, k3s and curl (serves a fake installer that logs its environment). Checks
 * behaviour, not text: first install, no-op re-run, reinstall on change, failures.
 */
describe("install script (run against stand-ins)", { skip: !existsSync("/bin/sh") }, () => {
    const sandbox = mkdtempSync(join(tmpdir(), "k3s-install-"));
    after(() => rmSync(sandbox, { recursive: true, force: true }));
    const bin = join(sandbox, "bin");
    const state = join(sandbox, "state");
    mkdirSync(bin);
    mkdirSync(state);
    const stub = (name: string, body: string) => {
        writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
    };
    stub("sudo", ['[ "$1" = -n ] && shift', 'for a; do set -- "$@" "$(printf \'%s\' "$a" | sed "s#/etc/rancher#$SANDBOX/etc/rancher#g")"; shift; done', 'exec "$@"'].join("\n"));
    stub(
        "systemctl",
        [
            'S="$SANDBOX/state"',
            'case "$1" in',
            '  is-active) [ -f "$S/active" ] ;;',
            '  restart) echo "restart $*" >> "$SANDBOX/log"; touch "$S/active"; echo 2 > "$S/delay" ;;',
            "  show)",
            '    case "$3" in',
            "      MainPID)",
            '        if [ -f "$S/delay" ]; then',
            '          d=$(cat "$S/delay")',
            '          if [ "$d" -le 0 ]; then rm "$S/delay"; echo $(( $(cat "$S/pid" 2>/dev/null || echo 100) + 1 )) > "$S/pid"; date +%s > "$S/started"; else echo $((d - 1)) > "$S/delay"; fi',
            "        fi",
            '        cat "$S/pid" 2>/dev/null || echo 0 ;;',
            '      ActiveEnterTimestamp) if [ -f "$S/started" ]; then echo "@$(cat "$S/started")"; else echo; fi ;;',
            "    esac ;;",
            "  *) exit 1 ;;",
            "esac",
        ].join("\n"),
    );
    stub("journalctl", 'cat "$SANDBOX/state/journal" 2>/dev/null');
    stub(
        "k3s",
        [
            'case "$1" in',
            '  --version) [ -f "$SANDBOX/state/version" ] && echo "k3s version $(cat "$SANDBOX/state/version") (0123abcd)" ;;',
            '  kubectl) echo "readyz pid=$(cat "$SANDBOX/state/pid" 2>/dev/null || echo 0)" >> "$SANDBOX/log"; [ -f "$SANDBOX/state/active" ] && [ ! -f "$SANDBOX/state/unhealthy" ] ;;',
            "  *) exit 1 ;;",
            "esac",
        ].join("\n"),
    );
    stub(
        "curl",
        [
            'echo "$*" > "$SANDBOX/state/curl-args"',
            'if [ -f "$SANDBOX/state/offline" ]; then echo "curl: (6) Could not resolve host: get.k3s.io" >&2; exit 6; fi',
            'out=""; while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done',
            "cat > \"$out\" <<'EOF'",
            'if [ -f "$SANDBOX/state/installer-fails" ]; then echo "[ERROR]  Download failed for k3s binary: no space left on device" >&2; exit 1; fi',
            'echo "installer $* K3S_URL=${K3S_URL:-} VERSION=$INSTALL_K3S_VERSION SKIP_START=$INSTALL_K3S_SKIP_START" >> "$SANDBOX/log"',
            'printf \'%s\' "$INSTALL_K3S_VERSION" > "$SANDBOX/state/version"',
            "EOF",
        ].join("\n"),
    );
    const env = { PATH: `${bin}:${process.env.PATH}`, SANDBOX: sandbox, HOME: sandbox };
    const run = (script: string, config: string) => spawnSync("/bin/sh", ["-c", script], { input: config, env, encoding: "utf8", timeout: 20_000 });
    const log = () => (existsSync(join(sandbox, "log")) ? readFileSync(join(sandbox, "log"), "utf8") : "");
    const clearLog = () => rmSync(join(sandbox, "log"), { force: true });
    /** The log without readiness polls. */
    const actions = () => log().replace(/^readyz .*\n/gm, "");
    const configFile = join(sandbox, "etc/rancher/k3s/config.yaml");
    const fast = (options: Parameters<typeof installScript>[0]) => installScript({ readyIntervalSeconds: 0, ...options });
    const server = fast({ role: "server", version: VERSION });
    const config = serverConfigYaml(settings);
    const K10 = `K10${"ab".repeat(32)}::server:agent-s3cret`;

    it("installs on a fresh host: config 0600, installer pinned with start skipped, then one restart", () => {
        const result = run(server, config);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(readFileSync(configFile, "utf8"), config);
        assert.equal(statSync(configFile).mode & 0o777, 0o600);
        assert.equal(actions(), `installer server K3S_URL= VERSION=${VERSION} SKIP_START=true\nrestart restart --no-block k3s\n`);
        assert.doesNotMatch(result.stdout + result.stderr, /s3cret/, "the token is never printed");
    });

    it("after a restart, waits for the new process: the old one's /readyz does not count", () => {
        const polls = log().split("\n").filter((l) => l.startsWith("readyz"));
        assert.ok(polls.length > 0, log());
        assert.deepEqual(
            polls.filter((l) => l !== "readyz pid=101"),
            [],
            "no readiness poll was made of the old process (pid 0 before the restart)",
        );
    });

    it("does nothing on a re-run with the same inputs", () => {
        clearLog();
        const result = run(server, config);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(actions(), "");
        assert.match(result.stdout, /already runs with this configuration/);
    });

    it("restarts, without reinstalling, a service that predates its config", () => {
        clearLog();
        const started = Number(readFileSync(join(state, "started"), "utf8"));
        writeFileSync(join(state, "started"), String(started - 600));
        const result = run(server, config);
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /the running service predates it; restarting/);
        assert.equal(actions(), "restart restart --no-block k3s\n");
    });

    it("reinstalls when the config or the version changes", () => {
        clearLog();
        const changed = serverConfigYaml({ ...settings, tlsSans: ["203.0.113.8"] });
        assert.equal(run(server, changed).status, 0);
        assert.equal(readFileSync(configFile, "utf8"), changed);
        assert.match(log(), /^installer server /);
        clearLog();
        assert.equal(run(fast({ role: "server", version: "v1.34.1+k3s1" }), changed).status, 0);
        assert.match(log(), /VERSION=v1\.34\.1\+k3s1/);
        assert.equal(run(server, config).status, 0);
    });

    it("a failed download says so, keeps the old config, and the next run installs (not 'already runs')", () => {
        clearLog();
        writeFileSync(join(state, "offline"), "");
        const changed = serverConfigYaml({ ...settings, nodeIp: "10.10.0.89" });
        const result = run(server, changed);
        rmSync(join(state, "offline"));
        assert.equal(result.status, 1);
        assert.match(result.stderr, /downloading the k3s installer from https:\/\/get\.k3s\.io failed/);
        assert.match(result.stderr, /Could not resolve host: get\.k3s\.io/);
        assert.match(readFileSync(join(state, "curl-args"), "utf8"), /--retry 5 /);
        assert.equal(readFileSync(configFile, "utf8"), config, "the old config stays until the binary is in place");
        assert.equal(actions(), "");
        const again = run(server, changed);
        assert.equal(again.status, 0, again.stderr);
        assert.doesNotMatch(again.stdout, /already runs/);
        assert.match(actions(), /^installer server .*\nrestart restart --no-block k3s\n$/);
        assert.equal(readFileSync(configFile, "utf8"), changed);
    });

    it("a failing installer's stderr reaches the error, naming the step", () => {
        clearLog();
        writeFileSync(join(state, "installer-fails"), "");
        const result = run(fast({ role: "server", version: "v1.34.2+k3s1" }), config);
        rmSync(join(state, "installer-fails"));
        assert.equal(result.status, 1);
        assert.match(result.stderr, /k3s server v1\.34\.2\+k3s1: installing k3s v1\.34\.2\+k3s1 failed\n--- last lines of its output ---\n\[ERROR\] {2}Download failed for k3s binary: no space left on device/);
    });

    it("a server that never gets ready: the journal's last lines, token masked, and the token on no command line", () => {
        clearLog();
        // Every tool that could see the token records its arguments (a command line is visible in ps).
        for (const tool of ["sed", "awk", "tr", "grep", "tail", "cat"]) {
            const real = spawnSync("/bin/sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
            stub(tool, `printf '%s\\n' "${tool} $*" >> "$SANDBOX/argv"; exec ${real} "$@"`);
        }
        writeFileSync(join(state, "unhealthy"), "");
        writeFileSync(join(state, "journal"), "level=fatal msg=\"starting kubernetes: token s3cret-token rejected\"\n");
        const result = run(fast({ role: "server", version: VERSION, readyAttempts: 2 }), serverConfigYaml({ ...settings, nodeIp: "10.10.0.90" }));
        rmSync(join(state, "unhealthy"));
        assert.equal(result.status, 1);
        assert.match(result.stderr, /did not answer \/readyz within 0 minutes\n--- last lines of: journalctl -u k3s ---\nlevel=fatal msg="starting kubernetes: token \[join token\] rejected"/);
        assert.doesNotMatch(result.stdout + result.stderr, /s3cret/);
        const argv = readFileSync(join(sandbox, "argv"), "utf8");
        assert.match(argv, /^awk /m, "the mask ran");
        assert.doesNotMatch(argv, /s3cret/, "the join token was passed on a command line");
        for (const tool of ["sed", "awk", "tr", "grep", "tail", "cat"]) rmSync(join(bin, tool));
    });

    it("refuses to run without a config on stdin", () => {
        const result = run(server, "");
        assert.equal(result.status, 1);
        assert.match(result.stderr, /no k3s config on standard input/);
    });

    it("an agent refuses the short token, which would trust whatever CA answers", () => {
        clearLog();
        const agent = fast({ role: "agent", version: VERSION, serverIp: "10.10.0.88" });
        const result = run(agent, agentConfigYaml({ serverIp: "10.10.0.88", nodeIp: "10.10.0.99", token: "agent-s3cret" }));
        assert.equal(result.status, 1);
        assert.match(result.stderr, /the join token is not the secure K10<ca-hash>::server:<secret> form read from the server/);
        assert.doesNotMatch(result.stdout + result.stderr, /agent-s3cret/);
        assert.equal(actions(), "");
    });

    it("passes K3S_URL to the installer of an agent joining with the secure token", () => {
        clearLog();
        rmSync(join(state, "active"), { force: true });
        const agent = fast({ role: "agent", version: VERSION, serverIp: "10.10.0.88" });
        const result = run(agent, agentConfigYaml({ serverIp: "10.10.0.88", nodeIp: "10.10.0.99", token: K10 }));
        assert.equal(result.status, 0, result.stderr);
        assert.equal(actions(), `installer agent K3S_URL=https://10.10.0.88:6443 VERSION=${VERSION} SKIP_START=true\nrestart restart --no-block k3s-agent\n`);
        assert.doesNotMatch(result.stdout + result.stderr, /agent-s3cret/);
    });
});

describe("pinned host key check (run against a stand-in ssh-keyscan)", { skip: !existsSync("/bin/sh") }, () => {
    const dir = mkdtempSync(join(tmpdir(), "host-key-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const awk = spawnSync("/bin/sh", ["-c", "command -v awk"], { encoding: "utf8" }).stdout.trim();
    symlinkSync(awk, join(bin, "awk"));
    // Answers like ssh-keyscan for a non-default port, with the key in $HOSTKEY.
    writeFileSync(join(bin, "ssh-keyscan"), '#!/bin/sh\necho "# 198.51.100.7:2222 SSH-2.0-OpenSSH_9.6"\necho "[198.51.100.7]:2222 $HOSTKEY"\n');
    chmodSync(join(bin, "ssh-keyscan"), 0o755);
    const pinned = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPinned";
    const script = hostKeyCheckScript({ field: "host.hostKey", address: "198.51.100.7", port: 2222, hostKey: `${pinned} root@lab` });
    const run = (hostKey: string, path = bin) => spawnSync("/bin/sh", ["-c", script], { env: { PATH: path, HOSTKEY: hostKey }, encoding: "utf8" });

    it("passes when the host presents the pinned key (the comment does not matter)", () => {
        const result = run(pinned);
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /host\.hostKey: 198\.51\.100\.7:2222 presents the pinned host key/);
    });

    it("stops with both keys and what to do when the host presents another", () => {
        const result = run("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther");
        assert.equal(result.status, 1);
        assert.equal(
            result.stderr.trim(),
            "host.hostKey: the SSH host key of 198.51.100.7:2222 is ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther, not the pinned ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPinned. Nothing was sent to the host. If the host was rebuilt, check its new key on its console (cat /etc/ssh/ssh_host_ed25519_key.pub) and pin that; otherwise something else answers at 198.51.100.7.",
        );
    });

    it("stops when no key can be read, and leaves the check to the connection without ssh-keyscan", () => {
        const none = run("");
        assert.equal(none.status, 1);
        assert.match(none.stderr, /could not read the SSH host key of 198\.51\.100\.7:2222/);
        const empty = join(dir, "empty");
        mkdirSync(empty);
        symlinkSync(awk, join(empty, "awk"));
        const missing = run(pinned, empty);
        assert.equal(missing.status, 0);
        assert.match(missing.stderr, /ssh-keyscan is not installed here; .*checked by the SSH connection only/);
    });
});

describe("kubeconfig", () => {
    const k3sWrote = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
`;

    it("is read back with sudo from where k3s writes it", () => {
        assert.equal(READ_KUBECONFIG, "sudo -n cat /etc/rancher/k3s/k3s.yaml");
    });

    it("points at the reachable address and names cluster, context and user after the cluster", () => {
        const doc = parse(rewriteKubeconfig(k3sWrote, "203.0.113.7", "west"));
        assert.equal(doc.clusters[0].cluster.server, "https://203.0.113.7:6443");
        assert.equal(doc.clusters[0].name, "west");
        assert.equal(doc.clusters[0].cluster["certificate-authority-data"], "Q0E=");
        assert.deepEqual(doc.contexts[0], { context: { cluster: "west", user: "west" }, name: "west" });
        assert.equal(doc["current-context"], "west");
        assert.equal(doc.users[0].name, "west");
        assert.deepEqual(doc.users[0].user, { "client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ" });
        assert.doesNotMatch(rewriteKubeconfig(k3sWrote, "203.0.113.7", "west"), /127\.0\.0\.1|default/);
    });

    it("is deterministic and brackets IPv6", () => {
        assert.equal(rewriteKubeconfig(k3sWrote, "203.0.113.7", "west"), rewriteKubeconfig(k3sWrote, "203.0.113.7", "west"));
        assert.equal(parse(rewriteKubeconfig(k3sWrote, "2001:db8::7", "west")).clusters[0].cluster.server, "https://[2001:db8::7]:6443");
    });

    it("still rewrites the address in text it cannot parse", () => {
        assert.equal(rewriteKubeconfig("server: https://127.0.0.1:6443 [", "198.51.100.1", "x"), "server: https://198.51.100.1:6443 [");
    });
});

describe("helpers", () => {
    it("puts the nodes in the VPC's first /20", () => {
        assert.equal(nodeSubnetCidr("10.10.0.0/16"), "10.10.0.0/20");
        assert.equal(nodeSubnetCidr("10.10.0.0/22"), "10.10.0.0/22");
        assert.throws(() => nodeSubnetCidr("10.10.0.0/28"), /must be an IPv4 block from \/16 to \/24/);
        assert.throws(() => nodeSubnetCidr("10.0.0.0/8"), /must be an IPv4 block from \/16 to \/24/);
        assert.throws(() => nodeSubnetCidr("fd00::/56"), /must be an IPv4 block/);
    });

    it("tells Arm (Graviton) instance types from x86 ones", () => {
        for (const arm of ["t4g.medium", "m7gd.large", "c6gn.xlarge", "a1.large", "im4gn.large", "x2gd.large", "g5g.xlarge", "hpc7g.4xlarge", "r8g.large"]) {
            assert.equal(isArmInstanceType(arm), true, arm);
        }
        for (const x86 of ["t3.medium", "t3a.large", "m5.large", "g4dn.xlarge", "c7i.large", "m7a.large", "g5.xlarge", "g6e.xlarge", "inf2.xlarge", "mac1.metal"]) {
            assert.equal(isArmInstanceType(x86), false, x86);
        }
    });

    it("digests a config for triggers without revealing the token", () => {
        const digest = configDigest(serverConfigYaml(settings));
        assert.match(digest, /^sha256:[0-9a-f]{64}$/);
        assert.equal(digest, configDigest(serverConfigYaml(settings)));
        assert.notEqual(digest, configDigest(serverConfigYaml({ ...settings, token: "other" })));
    });
});
