import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { member } from "../../stacks/test-fixtures";
import { meshIngressRules, ownedPeerings, peerSources } from "./mesh-network";

const west = member({ stack: "west", id: 1 });
const east = member({ stack: "east", id: 2 });
const north = member({ stack: "north", id: 3 });

describe("mesh ingress rules for a 3-cluster mesh", () => {
    it("open exactly the ClusterMesh ports, from exactly the peers' VPCs", () => {
        const rules = meshIngressRules(west, [north, east]).map((r) => `${r.cidr} ${r.protocol} ${r.fromPort}-${r.toPort}`);
        const expected = ["10.20.0.0/16", "10.30.0.0/16"].flatMap((cidr) => [
            `${cidr} tcp 32379-32379`,
            `${cidr} tcp 2379-2379`,
            `${cidr} tcp 4240-4240`,
            `${cidr} icmp 8-0`,
            `${cidr} tcp 4244-4244`,
            `${cidr} udp 8472-8472`,
        ]);
        assert.deepEqual(rules, expected);
    });

    it("never opens anything to the internet or to the member's own range", () => {
        for (const self of [west, east, north]) {
            const peers = [west, east, north].filter((m) => m !== self);
            for (const rule of meshIngressRules(self, peers)) {
                assert.notEqual(rule.cidr, "0.0.0.0/0");
                assert.notEqual(rule.cidr, self.cluster.vpcCIDR);
            }
        }
    });

    it("follows the member's own NodePort and tunnel protocol", () => {
        const geneve = member({ stack: "west", id: 1, cilium: { tunnelProtocol: "geneve", apiserverNodePort: 32400 } });
        const ports = meshIngressRules(geneve, [east]).map((r) => `${r.protocol} ${r.fromPort}`);
        assert.ok(ports.includes("udp 6081") && !ports.includes("udp 8472"));
        assert.ok(ports.includes("tcp 32400"));
    });

    it("lets pod traffic in from peers' pod CIDRs with native routing", () => {
        const native = member({ stack: "west", id: 1, cilium: { routingMode: "native" } });
        const peer = member({ stack: "east", id: 2, cilium: { routingMode: "native" } });
        const pods = meshIngressRules(native, [peer]).filter((r) => r.protocol === "-1");
        assert.deepEqual(pods.map((r) => r.cidr), ["10.21.0.0/16"]);
        assert.equal(meshIngressRules(native, [peer]).some((r) => r.protocol === "udp"), false);
    });

    it("uses host addresses for peers on existing machines", () => {
        const onPrem = member({
            stack: "lab",
            id: 4,
            k3s: { host: { address: "198.51.100.7", privateAddress: "172.30.1.89" }, agentHosts: [{ address: "172.30.1.90" }] },
            extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } },
        });
        assert.deepEqual(peerSources(onPrem), ["172.30.1.89/32", "172.30.1.90/32"]);
        assert.deepEqual([...new Set(meshIngressRules(west, [onPrem]).map((r) => r.role.split("-").slice(0, 2).join("-")))], ["lab-1", "lab-2"]);
    });
});

describe("VPC peering ownership", () => {
    it("gives each AWS pair to its lower cluster id, so every pair is peered exactly once", () => {
        const all = [west, east, north];
        const pairs = all.flatMap((self) => ownedPeerings(self, all.filter((m) => m !== self)).map((p) => `${self.cluster.name}-${p.cluster.name}`));
        assert.deepEqual(pairs.sort(), ["east-north", "west-east", "west-north"]);
    });

    it("peers nothing with clusters on existing hosts", () => {
        const onPrem = member({ stack: "lab", id: 4, k3s: { host: { address: "172.30.1.89" } }, extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } } });
        assert.deepEqual(ownedPeerings(west, [onPrem]), []);
        assert.deepEqual(ownedPeerings(onPrem, [west]), []);
    });
});
