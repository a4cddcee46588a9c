import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { agentConfigYaml, clusterDns, installScript, nodeSubnetCidr, rewriteKubeconfig, serverConfigYaml } from "./k3s-config";

const settings = { podCIDR: "10.11.0.0/16", serviceCIDR: "10.12.0.0/16", nodeIp: "10.10.0.88", tlsSans: ["203.0.113.7"], kubeProxyReplacement: true, token: "s3cret" };

describe("k3s server config", () => {
    const config = parse(serverConfigYaml(settings)) as Record<string, unknown>;

    it("leaves networking to Cilium: no flannel, no network policy, no kube-proxy, no traefik or servicelb", () => {
        assert.equal(config["flannel-backend"], "none");
        assert.equal(config["disable-network-policy"], true);
        assert.equal(config["disable-kube-proxy"], true);
        assert.deepEqual(config.disable, ["servicelb", "traefik"]);
    });

    it("uses the member's CIDRs, with cluster-dns inside the service CIDR", () => {
        assert.equal(config["cluster-cidr"], "10.11.0.0/16");
        assert.equal(config["service-cidr"], "10.12.0.0/16");
        assert.equal(config["cluster-dns"], "10.12.0.10");
        assert.equal(clusterDns("10.22.0.0/16"), "10.22.0.10");
    });

    it("serves the API on the node and operator addresses, with a private kubeconfig", () => {
        assert.equal(config["node-ip"], "10.10.0.88");
        assert.deepEqual(config["tls-san"], ["10.10.0.88", "203.0.113.7"]);
        assert.equal(config["write-kubeconfig-mode"], "0600");
        assert.equal(config.token, "s3cret");
    });

    it("keeps kube-proxy when Cilium does not replace it", () => {
        assert.equal((parse(serverConfigYaml({ ...settings, kubeProxyReplacement: false })) as Record<string, unknown>)["disable-kube-proxy"], false);
    });

    it("is byte-identical for the same input", () => {
        assert.equal(serverConfigYaml(settings), serverConfigYaml({ ...settings, tlsSans: [...settings.tlsSans] }));
    });
});

describe("k3s agent config", () => {
    it("joins the server on its private address", () => {
        assert.deepEqual(parse(agentConfigYaml({ serverIp: "10.10.0.88", nodeIp: "10.10.0.99", token: "t" })), { "node-ip": "10.10.0.99", server: "https://10.10.0.88:6443", token: "t" });
    });
});

describe("install script", () => {
    const script = installScript("server", "v1.33.5+k3s1", serverConfigYaml(settings));

    it("pins the k3s version and installs the server role from the official script", () => {
        assert.match(script, /curl -sfL https:\/\/get\.k3s\.io \| sudo INSTALL_K3S_VERSION='v1\.33\.5\+k3s1' sh -s - server/);
    });

    it("writes the config root-only and does nothing when it is unchanged", () => {
        assert.match(script, /sudo install -m 0600 "\$tmp" \/etc\/rancher\/k3s\/config\.yaml/);
        assert.match(script, /if sudo cmp -s "\$tmp" \/etc\/rancher\/k3s\/config\.yaml && systemctl is-active --quiet k3s/);
    });

    it("waits for the API's /readyz, not for node readiness, with a deadline", () => {
        assert.match(script, /k3s kubectl get --raw \/readyz/);
        assert.match(script, /seq 1 120/);
        assert.doesNotMatch(script, /wait --for=condition=Ready node/);
    });

    it("agents install the agent role and do not wait on the API", () => {
        const agent = installScript("agent", "v1.33.5+k3s1", agentConfigYaml({ serverIp: "a", nodeIp: "b", token: "t" }));
        assert.match(agent, /sh -s - agent/);
        assert.match(agent, /systemctl is-active --quiet k3s-agent/);
        assert.doesNotMatch(agent, /readyz/);
    });
});

describe("kubeconfig rewrite", () => {
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
users:
- name: default
  user:
    client-certificate-data: Q0VSVA==
`;

    it("points at the reachable address and names everything after the cluster", () => {
        const doc = parse(rewriteKubeconfig(k3sWrote, "203.0.113.7", "west"));
        assert.equal(doc.clusters[0].cluster.server, "https://203.0.113.7:6443");
        assert.equal(doc.clusters[0].name, "west");
        assert.deepEqual(doc.contexts[0], { context: { cluster: "west", user: "west" }, name: "west" });
        assert.equal(doc["current-context"], "west");
        assert.equal(doc.users[0].name, "west");
        assert.equal(doc.users[0].user["client-certificate-data"], "Q0VSVA==");
    });

    it("still rewrites the address in text it cannot parse", () => {
        assert.equal(rewriteKubeconfig("server: https://127.0.0.1:6443 [", "198.51.100.1", "x"), "server: https://198.51.100.1:6443 [");
    });
});

describe("node subnet", () => {
    it("is the VPC's first /20", () => {
        assert.equal(nodeSubnetCidr("10.10.0.0/16"), "10.10.0.0/20");
        assert.equal(nodeSubnetCidr("10.10.0.0/22"), "10.10.0.0/22");
        assert.throws(() => nodeSubnetCidr("10.10.0.0/28"), /must be an IPv4 block of \/24 or larger/);
    });
});
