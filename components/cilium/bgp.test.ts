import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateCiliumResource } from "../../test/cilium-crds";
import { BGP_AUTH_SECRET, bgpApiVersion, bgpResources, type BgpSettings } from "./bgp";

const lab: BgpSettings = {
    localASN: 65001,
    peers: [{ name: "tor-switch", address: "192.168.10.200", asn: 65000, authenticated: false }],
    advertise: { podCIDRs: true, loadBalancerIPs: true },
    loadBalancerPool: "172.16.1.0/24",
};

describe("bgpResources", () => {
    const variants: Array<[string, BgpSettings]> = [
        ["the hand-run lab's", lab],
        ["two routers, one authenticated, IPv6 and a 32-bit ASN", { ...lab, localASN: 4200000001, peers: [...lab.peers, { name: "spine", address: "2001:db8::1", asn: 4200000000, authenticated: true }] }],
        ["pod ranges only, no pool", { ...lab, advertise: { podCIDRs: true, loadBalancerIPs: false }, loadBalancerPool: undefined }],
        ["LoadBalancer addresses only", { ...lab, advertise: { podCIDRs: false, loadBalancerIPs: true } }],
        ["a router two hops away (ebgpMultihop, the hand-run lab's)", { ...lab, peers: [{ ...lab.peers[0], ebgpMultihop: 2 }] }],
    ];
    for (const [label, settings] of variants) {
        it(`${label} resources fit the Cilium v2 CRD schemas`, async () => {
            for (const cr of bgpResources("west", "1.19.6", settings)) {
                assert.deepEqual(await validateCiliumResource(cr), [], `${cr.kind} ${cr.metadata.name}`);
            }
        });
    }

    it("peers every node with the routers under the local ASN, each through its own peer config", () => {
        const [cluster, ...rest] = bgpResources("west", "1.19.6", variants[1][1]);
        assert.equal(cluster.kind, "CiliumBGPClusterConfig");
        assert.equal(cluster.spec.nodeSelector, undefined, "every node peers");
        const instances = cluster.spec.bgpInstances as Array<{ localASN: number; peers: Array<{ name: string; peerConfigRef: { name: string } }> }>;
        assert.equal(instances[0].localASN, 4200000001);
        const peerConfigs = rest.filter((r) => r.kind === "CiliumBGPPeerConfig");
        assert.deepEqual(instances[0].peers.map((p) => p.peerConfigRef.name).sort(), peerConfigs.map((p) => p.metadata.name).sort());
        const spine = peerConfigs.find((p) => p.metadata.name === "west-spine")!;
        assert.equal(spine.spec.authSecretRef, BGP_AUTH_SECRET);
        assert.equal(peerConfigs.find((p) => p.metadata.name === "west-tor-switch")!.spec.authSecretRef, undefined);
    });

    it("sets ebgpMultihop per peer, only where given", () => {
        const resources = bgpResources("west", "1.19.6", { ...lab, peers: [{ ...lab.peers[0], ebgpMultihop: 2 }, { name: "spine", address: "192.168.10.201", asn: 65000, authenticated: false }] });
        const peerConfig = (name: string) => resources.find((r) => r.metadata.name === name)!.spec;
        assert.equal(peerConfig("west-tor-switch").ebgpMultihop, 2);
        assert.equal("ebgpMultihop" in peerConfig("west-spine"), false);
    });

    it("advertises what the peer configs select, and satisfies the advertisement's CEL rules", () => {
        const resources = bgpResources("west", "1.19.6", lab);
        const advert = resources.find((r) => r.kind === "CiliumBGPAdvertisement")!;
        for (const peer of resources.filter((r) => r.kind === "CiliumBGPPeerConfig")) {
            const families = peer.spec.families as Array<{ advertisements: { matchLabels: Record<string, string> } }>;
            for (const [k, v] of Object.entries(families[0].advertisements.matchLabels)) {
                assert.equal(advert.metadata.labels?.[k], v);
            }
        }
        // The CRD's x-kubernetes-validations, by hand: service only with Service, no selector on PodCIDR.
        for (const a of advert.spec.advertisements as Array<{ advertisementType: string; service?: unknown; selector?: unknown }>) {
            assert.equal(a.service !== undefined, a.advertisementType === "Service");
            assert.ok(a.advertisementType !== "PodCIDR" || a.selector === undefined);
        }
        assert.deepEqual((advert.spec.advertisements as Array<{ advertisementType: string }>).map((a) => a.advertisementType), ["PodCIDR", "Service"]);
        // Peer timers: keepalive not above hold time (the peer config's CEL rule).
        const timers = resources.find((r) => r.kind === "CiliumBGPPeerConfig")!.spec.timers as { holdTimeSeconds: number; keepAliveTimeSeconds: number };
        assert.ok(timers.keepAliveTimeSeconds <= timers.holdTimeSeconds);
        assert.deepEqual(resources.find((r) => r.kind === "CiliumLoadBalancerIPPool")!.spec, { blocks: [{ cidr: "172.16.1.0/24" }] });
    });

    it("uses cilium.io/v2 from 1.18 and v2alpha1 before", () => {
        assert.equal(bgpApiVersion("1.19.6"), "cilium.io/v2");
        assert.equal(bgpApiVersion("1.18.1"), "cilium.io/v2");
        assert.equal(bgpApiVersion("1.17.6"), "cilium.io/v2alpha1");
        assert.ok(bgpResources("west", "1.17.6", lab).every((r) => r.apiVersion === "cilium.io/v2alpha1"));
    });

    it("would be refused by the schemas if a field were wrong", async () => {
        const [cluster] = bgpResources("west", "1.19.6", lab);
        const broken = { ...cluster, spec: { bgpInstances: [{ name: "x", localASN: 0, peers: [{ name: "p", peerAddress: "router" }] }] } };
        assert.ok((await validateCiliumResource(broken)).length >= 2, "localASN below 1 and the missing peer ASN reference");
    });
});
