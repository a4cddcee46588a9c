import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { linkMember } from "../../stack-args";
import { member as memberOf, type MemberSpec } from "../../test/stack-files";

const member = (spec: MemberSpec) => linkMember(memberOf(spec));
import { meshIngress, ownedPeerings, peerSources } from "./mesh-network";

const west = member({ stack: "west", id: 1 });
const east = member({ stack: "east", id: 2 });
const north = member({ stack: "north", id: 3 });

describe("mesh ingress for a 3-cluster mesh", () => {
    it("lets in exactly the peers' VPCs on exactly the ClusterMesh ports", () => {
        const ingress = meshIngress(west, [north, east]);
        assert.deepEqual(ingress.sources, [
            { cidr: "10.20.0.0/16", description: "east nodes" },
            { cidr: "10.30.0.0/16", description: "north nodes" },
        ]);
        assert.deepEqual(
            ingress.ports.map((p) => `${p.protocol} ${p.fromPort}-${p.toPort}`),
            ["tcp 32379-32379", "tcp 2379-2379", "tcp 4240-4240", "icmp 8-0", "tcp 4244-4244", "udp 8472-8472"],
        );
        assert.deepEqual(ingress.podSources, []);
    });

    it("never lets in the internet or the member's own range", () => {
        for (const self of [west, east, north]) {
            const peers = [west, east, north].filter((m) => m !== self);
            for (const source of meshIngress(self, peers).sources) {
                assert.notEqual(source.cidr, "0.0.0.0/0");
                assert.notEqual(source.cidr, self.aws?.vpcCidr);
            }
        }
    });

    it("opens nothing when there are no peers", () => {
        assert.deepEqual(meshIngress(west, []), { sources: [], podSources: [], ports: [] });
    });

    it("follows the member's own NodePort and tunnel protocol", () => {
        const geneve = member({ stack: "west", id: 1, cilium: { tunnelProtocol: "geneve", apiserverNodePort: 32400 } });
        const ports = meshIngress(geneve, [east]).ports.map((p) => `${p.protocol} ${p.fromPort}`);
        assert.ok(ports.includes("udp 6081") && !ports.includes("udp 8472"));
        assert.ok(ports.includes("tcp 32400"));
    });

    it("lets pod traffic in from peers' pod CIDRs with native routing, and no overlay port", () => {
        const native = member({ stack: "west", id: 1, cilium: { routingMode: "native" } });
        const peer = member({ stack: "east", id: 2, cilium: { routingMode: "native" } });
        const ingress = meshIngress(native, [peer]);
        assert.deepEqual(ingress.podSources, [{ cidr: "10.21.0.0/16", description: "east pods" }]);
        assert.equal(ingress.ports.some((p) => p.protocol === "udp"), false);
    });

    it("uses host addresses for peers on existing machines", () => {
        const onPrem = member({
            stack: "lab",
            id: 4,
            k3s: { host: { address: "198.51.100.7", privateAddress: "172.30.1.89" }, agentHosts: [{ address: "172.30.1.90" }] },
            extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } },
        });
        assert.deepEqual(peerSources(onPrem), ["172.30.1.89/32", "172.30.1.90/32"]);
        assert.deepEqual(meshIngress(west, [onPrem]).sources.map((s) => s.cidr), ["172.30.1.89/32", "172.30.1.90/32"]);
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
