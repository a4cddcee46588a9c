/**
 * The example meshes, each a Pulumi project of its own under examples/, run through the real
 * program under the mock engine: the kind lab (two kind clusters, native routing, kube-proxy
 * replacement, MCS-API) and two k3s clusters on existing hosts routed over BGP.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { finder, record, type Recording } from "./test/record-program";
import { listStacks } from "./scripts/list-stacks";
import { validateCiliumResource } from "./test/cilium-crds";
import { kindClusterSchema, validateStructural } from "./test/openapi-schema";
import { TYPESCRIPT_NODE_ARGS } from "./test/typescript-node";



/** A copy of an example with `clustermesh:mesh.link: true` in every stack file. */
function linkedCopy(example: string): string {
    const source = path.join(__dirname, "examples", example);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `clustermesh-${example}-`));
    for (const file of fs.readdirSync(source)) {
        const text = fs.readFileSync(path.join(source, file), "utf8");
        if (/^Pulumi\.[^.]+\.yaml$/.test(file)) {
            const doc = parse(text) as { config: Record<string, Record<string, unknown>> };
            doc.config["clustermesh:mesh"] = { ...doc.config["clustermesh:mesh"], link: true };
            fs.writeFileSync(path.join(dir, file), stringify(doc));
        } else {
            fs.writeFileSync(path.join(dir, file), text);
        }
    }
    return dir;
}

type Values = Record<string, any>;

const kindLab = path.join(__dirname, "examples", "kind-lab");
const bgpHosts = path.join(__dirname, "examples", "bgp-hosts");
const kindLinked = linkedCopy("kind-lab");
const bgpLinked = linkedCopy("bgp-hosts");
// One run per example (each a whole program in its own process), of the linked west stack:
// everything an unlinked run builds, plus the peer entry.
const runs = {
    kindWest: record(kindLinked, "west"),
    bgpWest: record(bgpLinked, "west"),
    kindMesh: planAll(kindLinked),
    bgpMesh: planAll(bgpLinked),
};

interface MeshPlan {
    connectivity: { pairs: Array<{ from: string; to: string; status: string; hop?: string; message?: string }> };
    mesh: { problems: unknown[] };
}

/** `npm run plan -- --all --json` of a folder: the mesh's problems and the connectivity model's verdicts. */
function planAll(dir: string): Promise<MeshPlan> {
    return new Promise((resolve, reject) => {
        execFile(process.execPath, [...TYPESCRIPT_NODE_ARGS, path.join(__dirname, "scripts/plan.ts"), "--all", "--json", "--dir", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
            err ? reject(new Error(`plan --all ${dir}: ${stderr}${stdout}`)) : resolve(JSON.parse(stdout) as MeshPlan),
        );
    });
}

describe("examples are meshes of their own", () => {
    it("each folder is a Pulumi project whose main is the program, with its own stacks", () => {
        for (const dir of [kindLab, bgpHosts]) {
            const project = parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as { name: string; main: string };
            assert.equal(path.resolve(dir, project.main), __dirname);
            assert.notEqual(project.name, "clustermesh", "a project name of its own: its stacks never meet the shipped ones");
            assert.deepEqual(listStacks(dir), ["east", "west"]);
        }
        // Stack discovery is per folder: the shipped mesh does not see the examples' files.
        assert.deepEqual(listStacks(__dirname), ["east", "west"]);
    });
});

describe("the connectivity model on the linked examples", () => {
    it("counts the kind mesh's shared Docker network and BGP-advertised pod ranges as routes: every pair connects", async () => {
        for (const [label, run] of [["kind-lab", runs.kindMesh], ["bgp-hosts", runs.bgpMesh]] as const) {
            const plan = await run;
            assert.deepEqual(plan.mesh.problems, [], label);
            assert.equal(plan.connectivity.pairs.length, 2, label);
            for (const pair of plan.connectivity.pairs) {
                assert.equal(pair.status, "ok", `${label}: ${pair.from} -> ${pair.to}: ${pair.hop ?? ""} ${pair.message ?? ""}`);
            }
        }
    });

    it("exports the routes the site router (or the shared network) carries for the model", async () => {
        const bgp = await runs.bgpWest;
        assert.deepEqual(bgp.outputs.externalRoutes.value, ["10.21.0.0/16", "172.16.2.0/24"], "east's advertised pods and pool");
        const kind = await runs.kindWest;
        assert.deepEqual(kind.outputs.externalRoutes.value, ["10.1.0.0/16", "172.30.0.0/16"], "east's pods and the lab's Docker network");
    });
});

describe("the kind lab (examples/kind-lab)", () => {
    let rec: Recording;
    let get: ReturnType<typeof finder>;
    before(async () => {
        rec = await runs.kindWest;
        get = finder(rec);
    });

    it("builds a KindCluster and nothing on AWS", () => {
        assert.equal(get("west").type, "clustermesh:cluster:KindCluster");
        assert.ok(!rec.resources.some((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws"));
        assert.equal(rec.outputs.kind.value, "kind");
        assert.equal(rec.outputs.network, undefined);
    });

    it("checks prerequisites first, then network, cluster, kubeconfig, Cilium and the app in order", () => {
        const after = (later: string, earlier: string) => assert.ok(get(later).dependsOn.includes(get(earlier).urn), `${later} waits for ${earlier}`);
        after("west-network", "west-prerequisites");
        after("west-cluster", "west-network");
        after("west-kubeconfig", "west-cluster");
        const release = get("west-cilium-release");
        assert.equal(release.provider, get("west-provider").urn);
        assert.ok(get("west-app-deployment").dependsOn.includes(release.urn) || get("west-app").dependsOn.includes(release.urn));
    });

    it("installs Cilium as the hand-run lab did: native routing on the shared network, kube-proxy replacement, MCS-API", () => {
        const values = get("west-cilium-release").inputs.values as Values;
        assert.equal(values.routingMode, "native");
        assert.equal(values.autoDirectNodeRoutes, true);
        assert.equal(values.ipv4NativeRoutingCIDR, "10.0.0.0/15");
        assert.equal(values.kubeProxyReplacement, true);
        assert.equal(values.k8sServiceHost, "west-control-plane");
        assert.equal(values.k8sServicePort, 6443);
        assert.equal(values.clustermesh.mcsapi.enabled, true);
        assert.deepEqual(values.clustermesh.apiserver.service, { nodePort: 32379, type: "NodePort" });
        assert.equal(values.bgpControlPlane, undefined);
        assert.equal(get("west-app-service-export").type, "kubernetes:multicluster.x-k8s.io/v1alpha1:ServiceExport");
    });

    it("gives kind a valid v1alpha4 config: no default CNI, no kube-proxy, the lab's ranges", () => {
        const config = parse(String(get("west-cluster").inputs.stdin)) as { networking: Record<string, unknown>; nodes: unknown[] };
        assert.deepEqual(validateStructural(kindClusterSchema(), config), []);
        assert.equal(config.networking.podSubnet, "10.0.0.0/16");
        assert.equal(config.networking.serviceSubnet, "10.2.0.0/16");
        assert.equal(config.networking.disableDefaultCNI, true);
        assert.equal(config.networking.kubeProxyMode, "none");
        assert.equal(config.nodes.length, 2);
    });

    it("on destroy deletes the cluster with kind, and every in-cluster object with it", () => {
        const cluster = get("west-cluster");
        assert.equal(cluster.inputs.delete, "kind delete cluster --name 'west'");
        for (const r of rec.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.startsWith("pulumi:providers"))) {
            assert.equal(r.deletedWith, cluster.urn, `${r.name} is deleted with the cluster`);
        }
    });

    it("exports a secret kubeconfig and the node containers' addresses with its NodePort", () => {
        assert.equal(rec.outputs.kubeconfig.secret, true);
        const endpoint = rec.outputs.clustermeshEndpoint.value as { name: string; port: number; ips: string[] };
        assert.equal(endpoint.port, 32379);
        assert.ok(endpoint.ips.length > 0);
    });

    it("linked, lists east's node containers and NodePort as its peer", () => {
        const values = get("west-cilium-release").inputs.values as Values;
        const [peer] = values.clustermesh.config.clusters as Array<{ name: string; port: number; ips: string[] }>;
        assert.equal(peer.name, "east");
        assert.equal(peer.port, 32380);
        assert.ok(peer.ips.length > 0 && peer.ips.every((ip) => ip.startsWith("172.30.")), `east's nodes are on the lab's Docker network: ${peer.ips.join(", ")}`);
    });
});

describe("the BGP mesh of existing hosts (examples/bgp-hosts)", () => {
    let rec: Recording;
    let get: ReturnType<typeof finder>;
    before(async () => {
        rec = await runs.bgpWest;
        get = finder(rec);
    });

    it("enables the BGP control plane and publishes the clustermesh-apiserver at its pool address", () => {
        const values = get("west-cilium-release").inputs.values as Values;
        assert.deepEqual(values.bgpControlPlane, { enabled: true });
        assert.equal(values.routingMode, "native");
        assert.equal(values.autoDirectNodeRoutes, false, "pod routes come from the router, not from a shared L2");
        // The chart's Service stays a NodePort (Helm would wait for ever for an LB-IPAM address
        // whose pool comes after the release); a Service of its own, after the pool, publishes it.
        assert.deepEqual(values.clustermesh.apiserver.service, { nodePort: 32379, type: "NodePort" });
        const lb = get("west-bgp-apiserver-lb");
        assert.ok(lb.dependsOn.includes(get("west-bgp-loadbalancerippool-west-pool").urn));
        assert.deepEqual((lb.inputs.metadata as { annotations: Record<string, string> }).annotations, { "lbipam.cilium.io/ips": "172.16.1.10" });
        assert.deepEqual(rec.outputs.clustermeshEndpoint.value, { name: "west", port: 2379, ips: ["172.16.1.10"] });
    });

    it("creates every BGP and LB-IPAM resource after Cilium, valid against the CRD schemas", async () => {
        const release = get("west-cilium-release");
        const crs = rec.resources.filter((r) => r.type.startsWith("kubernetes:cilium.io/"));
        assert.deepEqual(crs.map((r) => r.type).sort(), [
            "kubernetes:cilium.io/v2:CiliumBGPAdvertisement",
            "kubernetes:cilium.io/v2:CiliumBGPClusterConfig",
            "kubernetes:cilium.io/v2:CiliumBGPPeerConfig",
            "kubernetes:cilium.io/v2:CiliumLoadBalancerIPPool",
        ]);
        for (const cr of crs) {
            assert.ok(cr.dependsOn.includes(release.urn), `${cr.name} waits for the release (its operator registers the CRDs)`);
            assert.equal(cr.provider, get("west-provider").urn);
            assert.ok(cr.deletedWith);
            const body = { apiVersion: cr.inputs.apiVersion as string, kind: cr.inputs.kind as string, metadata: cr.inputs.metadata, spec: cr.inputs.spec };
            assert.deepEqual(await validateCiliumResource(body), [], cr.name);
        }
        const cluster = crs.find((r) => r.type.endsWith("CiliumBGPClusterConfig"))!;
        const [instance] = (cluster.inputs.spec as { bgpInstances: Array<{ localASN: number; peers: Array<{ peerAddress: string; peerASN: number }> }> }).bgpInstances;
        assert.equal(instance.localASN, 65001);
        assert.deepEqual(instance.peers.map((p) => [p.peerAddress, p.peerASN]), [["192.168.10.200", 65000]]);
    });

    it("keeps the BGP password secret, in the namespace Cilium reads BGP secrets from", () => {
        const secret = get("west-bgp-auth");
        assert.equal(secret.type, "kubernetes:core/v1:Secret");
        assert.deepEqual(secret.inputs.metadata, { name: "clustermesh-bgp-auth", namespace: "kube-system" });
        assert.ok(secret.secretInputs.includes("stringData"));
        const peer = rec.resources.find((r) => r.type.endsWith("CiliumBGPPeerConfig"))!;
        assert.equal((peer.inputs.spec as { authSecretRef: string }).authSecretRef, "clustermesh-bgp-auth");
        assert.ok(peer.dependsOn.includes(secret.urn));
    });

    it("linked, dials east's load-balancer address on 2379", () => {
        const values = get("west-cilium-release").inputs.values as Values;
        assert.deepEqual(values.clustermesh.config.clusters, [{ ips: ["172.16.2.10"], name: "east", port: 2379 }]);
    });
});
