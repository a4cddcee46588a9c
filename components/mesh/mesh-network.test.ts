import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseCidr } from "../../lib/cidr";
import { linkMember } from "../../stack-args";
import { member as memberOf, type MemberSpec } from "../../test/stack-files";

const member = (spec: MemberSpec) => linkMember(memberOf(spec));
import { meshIngress, ownedPeerings, peerSources } from "./mesh-network";

const west = member({ stack: "west", id: 1 });
const east = member({ stack: "east", id: 2 });
const north = member({ stack: "north", id: 3 });

describe("mesh ingress for a 3-cluster mesh", () => {
    it("lets in one range covering the peers' VPCs, on exactly the ClusterMesh ports", () => {
        const ingress = meshIngress(west, [north, east]);
        assert.equal(ingress.sources.length, 1);
        const entry = parseCidr(ingress.sources[0].cidr)!;
        for (const peer of ["10.20.0.0/16", "10.30.0.0/16"].map((c) => parseCidr(c)!)) {
            assert.ok(entry.first <= peer.first && peer.last <= entry.last, `${entry.text} covers ${peer.text}`);
        }
        assert.ok(entry.prefix >= 8, "stays inside 10.0.0.0/8");
        assert.match(ingress.sources[0].description, /east, north/);
        assert.deepEqual(
            ingress.ports.map((p) => `${p.protocol} ${p.fromPort}-${p.toPort}`),
            ["tcp 32379-32379", "tcp 4240-4240", "icmp 8-0", "tcp 4244-4244", "udp 8472-8472"],
        );
    });

    it("opens no etcd port, and no NodePort on EKS (its load balancer's node port is random and opened by the cloud provider)", () => {
        const eks = member({ stack: "east", id: 2, kind: "eks" });
        for (const self of [west, eks]) {
            const ports = meshIngress(self, [north]).ports.map((p) => p.fromPort);
            assert.ok(!ports.includes(2379));
            assert.equal(ports.includes(32379), self !== eks);
        }
    });

    it("never lets in anything wider than a private block", () => {
        for (const self of [west, east, north]) {
            const peers = [west, east, north].filter((m) => m !== self);
            for (const source of meshIngress(self, peers).sources) {
                assert.notEqual(parseCidr(source.cidr)!.prefix < 8, true, `${source.cidr} is wider than a private block`);
            }
        }
    });

    it("opens nothing when there are no peers", () => {
        assert.deepEqual(meshIngress(west, []), { sources: [], ports: [] });
    });

    it("follows the member's own NodePort and tunnel protocol", () => {
        const geneve = member({ stack: "west", id: 1, cilium: { tunnelProtocol: "geneve", apiserverNodePort: 32400 } });
        const ports = meshIngress(geneve, [east]).ports.map((p) => `${p.protocol} ${p.fromPort}`);
        assert.ok(ports.includes("udp 6081") && !ports.includes("udp 8472"));
        assert.ok(ports.includes("tcp 32400"));
    });

    it("lets every protocol in from the peers with native routing (pods talk directly), in one rule", () => {
        const native = member({ stack: "west", id: 1, kind: "eks", cilium: { routingMode: "native", ipam: "eni" } });
        const peer = member({ stack: "east", id: 2, kind: "eks", cilium: { routingMode: "native", ipam: "eni" } });
        const ingress = meshIngress(native, [peer]);
        assert.deepEqual(ingress.ports.map((p) => p.protocol), ["-1"]);
        assert.deepEqual(ingress.sources.map((s) => s.cidr), ["10.20.0.0/16"]);
    });

    it("uses host addresses for peers on existing machines", () => {
        const onPrem = member({
            stack: "lab",
            id: 4,
            k3s: { host: { address: "198.51.100.7", privateAddress: "172.30.1.89" }, agentHosts: [{ address: "172.30.1.90" }] },
            extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } },
        });
        assert.deepEqual(peerSources(onPrem), ["172.30.1.89/32", "172.30.1.90/32"]);
        assert.deepEqual(meshIngress(west, [onPrem]).sources.map((s) => s.cidr), ["172.30.1.88/30"]);
        const publicHost = member({ stack: "edge", id: 5, k3s: { host: { address: "198.51.100.7" } }, extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } } });
        assert.deepEqual(meshIngress(west, [publicHost]).sources.map((s) => s.cidr), ["198.51.100.7/32"]);
    });
});

describe("VPC peering ownership", () => {
    it("gives each AWS pair to its lower cluster id, so every pair is peered exactly once", () => {
        const all = [west, east, north];
        const pairs = all.flatMap((self) => ownedPeerings(self, all.filter((m) => m !== self)).map((p) => `${self.name}-${p.name}`));
        assert.deepEqual(pairs.sort(), ["east-north", "west-east", "west-north"]);
    });

    it("peers nothing with clusters on existing hosts", () => {
        const onPrem = member({ stack: "lab", id: 4, k3s: { host: { address: "172.30.1.89" } }, extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } } });
        assert.deepEqual(ownedPeerings(west, [onPrem]), []);
        assert.deepEqual(ownedPeerings(onPrem, [west]), []);
    });
});

describe("security-group rule count (AWS counts a prefix-list rule as the list's maxEntries)", () => {
    it("is the same for every mesh size from 2 to 255 AWS members, and within the default quota of 60", () => {
        fc.assert(
            fc.property(fc.integer({ min: 2, max: 255 }), fc.constantFrom<"k3s" | "eks">("k3s", "eks"), fc.constantFrom("vxlan", "geneve"), (size, kind, tunnelProtocol) => {
                const members = Array.from({ length: size }, (_, i) => member({ stack: `m${i + 1}`, id: i + 1, block: i + 10, kind: i === 0 ? kind : "k3s", cilium: { tunnelProtocol } }));
                const ingress = meshIngress(members[0], members.slice(1));
                const rules = ingress.ports.length * ingress.sources.length;
                // Besides the mesh rules, a k3s node group holds SSH, API and intra-VPC rules.
                assert.ok(rules + 3 <= 60, `${rules} mesh rules at ${size} members`);
                assert.equal(ingress.sources.length, 1);
            }),
            { numRuns: 20 },
        );
    });
});
