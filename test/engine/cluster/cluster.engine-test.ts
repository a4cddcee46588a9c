/**
 * Self-test of the test cluster (not part of `npm test`: it needs the binaries of
 * scripts/engine/build-cluster.sh and takes about a minute). Run it with
 *
 *     node --import tsx --test test/engine/cluster/cluster.engine-test.ts
 *
 * It skips, saying why, when the binaries are not built. It starts a cluster, applies a
 * Deployment, a DaemonSet, a Job and a LoadBalancer Service and waits for kwok and the Cilium
 * simulators to make them ready; then runs the kind lab's own scripts (kind-config.ts) through
 * the kind and docker stand-ins: network, create, kubeconfig, node addresses, delete.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { createClusterScript, deleteClusterScript, kindClusterConfig, kindConfigYaml, kubeconfigScript, networkDeleteScript, networkScript, nodeAddressesScript, parseNodeAddresses } from "../../../components/cluster/kind-config";
import { startCluster, type RunningCluster } from "./cluster";
import { KubeClient, waitFor, type KubeObject } from "./kube-client";
import { skipReason } from "./paths";
import { OWNER_PID_ENV, STATE_DIR_ENV } from "./stand-in-state";

const skip = skipReason();
if (skip) {
    process.stdout.write(`# skipping the test cluster self-test: ${skip}\n`);
}
const BIN = resolve(__dirname, "..", "bin");

const labels = (app: string): Record<string, string> => ({ app });
const podTemplate = (app: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    metadata: { labels: labels(app) },
    spec: { containers: [{ name: app, image: "registry.k8s.io/pause:3.10" }], ...extra },
});

describe("the test cluster", { skip }, () => {
    let cluster: RunningCluster | undefined;
    after(async () => cluster?.stop());

    it("starts on 127.0.0.1 with Ready kwok nodes", async () => {
        cluster = await startCluster({ name: "selftest", nodes: 2, log: () => undefined });
        assert.match(cluster.server, /^https:\/\/127\.0\.0\.1:\d+$/);
        const nodes = await cluster.client.list("/api/v1/nodes");
        assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), ["selftest-control-plane", "selftest-worker"]);
        assert.ok(readFileSync(cluster.kubeconfigPath, "utf8").includes("client-certificate-data"));
    });

    it("makes a Deployment available, a DaemonSet ready on every node and a Job complete", async () => {
        const c = cluster!.client;
        await c.apply({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: { replicas: 2, selector: { matchLabels: labels("web") }, template: podTemplate("web") } });
        // The control plane carries kind's NoSchedule taint: tolerate it to land everywhere.
        await c.apply({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "default" }, spec: { selector: { matchLabels: labels("agent") }, template: podTemplate("agent", { hostNetwork: true, tolerations: [{ operator: "Exists" }] }) } });
        await c.apply({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "once", namespace: "default" }, spec: { template: podTemplate("once", { restartPolicy: "Never" }) } });
        await waitFor("Deployment web available", 120_000, async () => {
            const d = await c.get("/apis/apps/v1/namespaces/default/deployments/web");
            return d.status?.availableReplicas === 2 ? true : undefined;
        });
        await waitFor("DaemonSet agent ready on 2 nodes", 120_000, async () => {
            const d = await c.get("/apis/apps/v1/namespaces/default/daemonsets/agent");
            return d.status?.numberReady === 2 && d.status.desiredNumberScheduled === 2 ? true : undefined;
        });
        await waitFor("Job once complete", 120_000, async () => {
            const j = await c.get("/apis/batch/v1/namespaces/default/jobs/once");
            return j.status?.succeeded === 1 ? true : undefined;
        });
    });

    it("registers Cilium's and the MCS-API CRDs when the operator appears, and LB-IPAM gives a LoadBalancer an address from the pool", async () => {
        const c = cluster!.client;
        const crd = (name: string): Promise<KubeObject | undefined> => c.getOrUndefined(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        assert.equal(await crd("ciliumnodes.cilium.io"), undefined, "no Cilium CRD before the operator");
        await c.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cilium-config", namespace: "kube-system" }, data: { "clustermesh-enable-mcs-api": "true", "clustermesh-mcs-api-install-crds": "true" } });
        await c.apply({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "cilium-operator", namespace: "kube-system" }, spec: { replicas: 1, selector: { matchLabels: labels("cilium-operator") }, template: podTemplate("cilium-operator", { tolerations: [{ operator: "Exists" }] }) } });
        for (const name of ["ciliumnodes.cilium.io", "ciliumloadbalancerippools.cilium.io", "ciliumbgpclusterconfigs.cilium.io", "serviceexports.multicluster.x-k8s.io"]) {
            await waitFor(`CRD ${name} established`, 60_000, async () => {
                const found = await crd(name);
                return ((found?.status?.conditions ?? []) as Array<{ type: string; status: string }>).some((x) => x.type === "Established" && x.status === "True") ? true : undefined;
            });
        }
        await waitFor("the pool is accepted", 30_000, async () => {
            await c.apply({ apiVersion: "cilium.io/v2", kind: "CiliumLoadBalancerIPPool", metadata: { name: "lab" }, spec: { blocks: [{ cidr: "172.30.255.0/28" }] } }, "/apis/cilium.io/v2/ciliumloadbalancerippools");
            return true;
        });
        await c.apply({ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { type: "LoadBalancer", selector: labels("web"), ports: [{ port: 80 }] } });
        const ip = await waitFor("the LoadBalancer address", 60_000, async () => {
            const s = await c.get("/api/v1/namespaces/default/services/web");
            return (s.status?.loadBalancer as { ingress?: Array<{ ip: string }> } | undefined)?.ingress?.[0]?.ip;
        });
        assert.equal(ip, "172.30.255.1", "the first usable address of the pool");
    });

    it("stops every process and removes its data folder", async () => {
        const { pid, dataDir } = cluster!;
        await cluster!.stop();
        assert.throws(() => process.kill(-pid, 0), "the process group is gone");
        assert.equal(existsSync(dataDir), false);
    });
});

describe("the kind and docker stand-ins run the kind lab's own scripts", { skip }, () => {
    const state = mkdtempSync(join(tmpdir(), "clustermesh-kind-selftest-"));
    const env = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}`, [STATE_DIR_ENV]: state, [OWNER_PID_ENV]: String(process.pid), KUBECONFIG: join(state, "kubeconfig") };
    const sh = (script: string, stdin?: string): { code: number | null; stdout: string; stderr: string } => {
        const r = spawnSync("/bin/sh", ["-c", script], { env, input: stdin, encoding: "utf8", timeout: 300_000 });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    after(() => {
        sh(deleteClusterScript("lab"));
        rmSync(state, { recursive: true, force: true });
    });
    const network = "clustermesh-lab";
    const subnet = "172.30.0.0/16";

    it("network, create (idempotent), kubeconfig, node addresses", () => {
        assert.equal(sh(networkScript(network, subnet)).code, 0);
        assert.equal(sh(networkScript(network, subnet)).code, 0, "the network script is idempotent");
        const clash = sh(networkScript(network, "172.31.0.0/16"));
        assert.equal(clash.code, 1);
        assert.match(clash.stderr, /exists with subnet\(s\) 172\.30\.0\.0\/16, not 172\.31\.0\.0\/16/);

        const config = kindConfigYaml(kindClusterConfig({ clusterName: "lab", workers: 1, nodeImage: "kindest/node:v1.33.1", podSubnet: "10.1.0.0/16", serviceSubnet: "10.2.0.0/16", kubeProxyReplacement: true }));
        const created = sh(createClusterScript("lab", network), config);
        assert.equal(created.code, 0, created.stderr);
        assert.equal(sh(createClusterScript("lab", network), config).code, 0, "create is idempotent");
        assert.equal(sh("kind get clusters").stdout, "lab\n");

        const kubeconfig = sh(kubeconfigScript("lab"));
        assert.equal(kubeconfig.code, 0, kubeconfig.stderr);
        const doc = parse(kubeconfig.stdout) as { "current-context": string; clusters: Array<{ cluster: { server: string; "certificate-authority-data": string } }>; users: Array<{ user: Record<string, string> }> };
        assert.equal(doc["current-context"], "kind-lab");
        const server = doc.clusters[0].cluster.server;
        assert.match(server, /^https:\/\/127\.0\.0\.1:\d+$/);
        assert.ok(readFileSync(env.KUBECONFIG, "utf8").includes("kind-lab"), "merged into $KUBECONFIG as kind does");

        const addresses = sh(nodeAddressesScript("lab", network));
        assert.equal(addresses.code, 0, addresses.stderr);
        const ips = parseNodeAddresses(addresses.stdout);
        assert.deepEqual(ips, ["172.30.0.2", "172.30.0.3"], "control plane then worker, in the network's order");

        // The network is in use: the component's delete script leaves it.
        assert.equal(sh(networkDeleteScript(network)).code, 0);
        assert.equal(sh(`docker network inspect ${network} >/dev/null`).code, 0, "the network survives while a cluster uses it");
    });

    it("serves the cluster at the kubeconfig's address with the nodes at the containers' addresses", async () => {
        const doc = parse(sh(kubeconfigScript("lab")).stdout) as { clusters: Array<{ cluster: { server: string; "certificate-authority-data": string } }>; users: Array<{ user: Record<string, string> }> };
        const b64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");
        const client = new KubeClient({ server: doc.clusters[0].cluster.server, caPem: b64(doc.clusters[0].cluster["certificate-authority-data"]), certPem: b64(doc.users[0].user["client-certificate-data"]), keyPem: b64(doc.users[0].user["client-key-data"]) });
        const nodes = await client.list("/api/v1/nodes");
        const internal = nodes
            .map((n) => [n.metadata.name, ((n.status?.addresses ?? []) as Array<{ type: string; address: string }>).find((a) => a.type === "InternalIP")?.address])
            .sort();
        assert.deepEqual(internal, [["lab-control-plane", "172.30.0.2"], ["lab-worker", "172.30.0.3"]]);
        const dns = await client.get("/api/v1/namespaces/kube-system/services/kube-dns");
        assert.equal(dns.spec?.clusterIP, "10.2.0.10", "kube-dns at the 10th service address, as kubeadm puts it");
        assert.equal(await client.getOrUndefined("/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy"), undefined, "kubeProxyMode none: no kube-proxy");
    });

    it("delete removes the cluster, its nodes and its kubeconfig entry; then the network goes", () => {
        const deleted = sh(deleteClusterScript("lab"));
        assert.equal(deleted.code, 0, deleted.stderr);
        assert.match(deleted.stderr, /Deleting cluster "lab" \.\.\./);
        assert.equal(sh("kind get clusters").stdout, "");
        assert.equal(sh("kind get nodes --name lab").stdout, "");
        assert.equal(sh(kubeconfigScript("lab")).code, 1);
        assert.ok(!readFileSync(env.KUBECONFIG, "utf8").includes("kind-lab"));
        assert.equal(sh(deleteClusterScript("lab")).code, 0, "deleting a missing cluster succeeds, as kind's does");
        assert.equal(sh(networkDeleteScript(network)).code, 0);
        assert.equal(sh(`docker network inspect ${network}`).code, 1, "the network is gone");
        assert.equal(existsSync(join(state, "clusters", "lab")), false);
    });
});
