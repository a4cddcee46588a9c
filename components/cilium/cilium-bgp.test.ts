import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, settle, type MockEngine } from "../../scripts/plan/mock-engine";
import type { BgpSettings } from "./bgp";

let engine: MockEngine;
let CiliumBgp: typeof import("./cilium-bgp").CiliumBgp;
let cluster: import("../../test/test-cluster").TestCluster;
let release: import("@pulumi/pulumi").Resource;

const settings: BgpSettings = {
    localASN: 65001,
    peers: [{ name: "tor", address: "192.168.10.200", asn: 65000, authenticated: true }],
    advertise: { podCIDRs: true, loadBalancerIPs: false },
};

before(async () => {
    engine = await installMockEngine("west");
    CiliumBgp = (await import("./cilium-bgp")).CiliumBgp;
    const { TestCluster } = await import("../../test/test-cluster");
    const k8s = await import("@pulumi/kubernetes");
    cluster = new TestCluster("west");
    release = new k8s.core.v1.ConfigMap("west-release-stand-in", { data: {} }, { provider: cluster.provider });
});

describe("CiliumBgp", () => {
    it("creates the password secret and the resources on the cluster's provider, after what it is given", async () => {
        new CiliumBgp("west-bgp", { cluster, ciliumVersion: "1.19.6", bgp: settings, password: "s3cret", dependsOn: [release] });
        await settle();
        const children = engine.resources.filter((r) => r.name.startsWith("west-bgp-"));
        assert.deepEqual(children.map((r) => r.type).sort(), [
            "kubernetes:cilium.io/v2:CiliumBGPAdvertisement",
            "kubernetes:cilium.io/v2:CiliumBGPClusterConfig",
            "kubernetes:cilium.io/v2:CiliumBGPPeerConfig",
            "kubernetes:core/v1:Secret",
        ]);
        const releaseUrn = engine.resources.find((r) => r.name === "west-release-stand-in")!.urn;
        for (const r of children) {
            assert.ok(r.dependsOn.includes(releaseUrn), `${r.name} waits for the release`);
            assert.equal(r.provider, engine.resources.find((x) => x.name === "west-provider")!.urn);
            assert.ok(r.deletedWith);
        }
        const secret = children.find((r) => r.type === "kubernetes:core/v1:Secret")!;
        assert.ok(secret.secretInputs.includes("stringData"));
        assert.deepEqual(secret.inputs.stringData, { password: "s3cret" });
    });

    it("publishes the clustermesh-apiserver at its pool address with a Service created after the pool", async () => {
        const pooled: BgpSettings = { ...settings, peers: [{ ...settings.peers[0], authenticated: false }], loadBalancerPool: "172.16.1.0/24", advertise: { podCIDRs: true, loadBalancerIPs: true } };
        new CiliumBgp("lb-bgp", { cluster, ciliumVersion: "1.19.6", bgp: pooled, dependsOn: [release], apiserverAddress: "172.16.1.10" });
        await settle();
        const service = engine.resources.find((r) => r.name === "lb-bgp-apiserver-lb")!;
        const pool = engine.resources.find((r) => r.type === "kubernetes:cilium.io/v2:CiliumLoadBalancerIPPool" && r.name.startsWith("lb-bgp-"))!;
        assert.ok(service.dependsOn.includes(pool.urn), "the Service waits for an address only the pool gives");
        const spec = service.inputs.spec as { type: string; selector: Record<string, string>; ports: Array<{ port: number }> };
        assert.equal(spec.type, "LoadBalancer");
        assert.deepEqual(spec.selector, { "k8s-app": "clustermesh-apiserver" });
        assert.deepEqual(spec.ports.map((p) => p.port), [2379]);
        assert.deepEqual((service.inputs.metadata as { annotations: Record<string, string> }).annotations, { "lbipam.cilium.io/ips": "172.16.1.10" });
        assert.throws(
            () => new CiliumBgp("outside", { cluster, ciliumVersion: "1.19.6", bgp: pooled, dependsOn: [], apiserverAddress: "172.16.2.10" }),
            /apiserverAddress 172.16.2.10 is not in bgp.loadBalancerPool 172.16.1.0\/24/,
        );
    });

    it("refuses bad settings before creating anything, naming each", () => {
        const count = engine.resources.length;
        const bad: BgpSettings = { ...settings, localASN: 0, peers: [settings.peers[0], { ...settings.peers[0], address: "router" }], loadBalancerPool: "172.16.1.1/24" };
        assert.throws(
            () => new CiliumBgp("bad", { cluster, ciliumVersion: "1.19.6", bgp: bad, dependsOn: [] }),
            (err: Error) =>
                /localASN 0/.test(err.message) &&
                /lists tor twice/.test(err.message) &&
                /address "router" is not an IP address/.test(err.message) &&
                /no password is given/.test(err.message) &&
                /loadBalancerPool 172.16.1.1\/24 is not a CIDR block/.test(err.message),
        );
        assert.equal(engine.resources.length, count);
    });
});
