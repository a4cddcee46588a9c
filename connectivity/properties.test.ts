/**
 * Properties of the connectivity model over generated meshes of 2 to 64 members (k3s on EC2,
 * EKS, k3s on existing hosts; VXLAN or Geneve; MCS-API or not; default or raised quotas; with
 * or without declared routes to the hosts). The plans are built in memory the way the program
 * builds them (test-plans.ts, held to the real program in model.test.ts). Expected reasons are
 * worked out from the generated configuration alone, not from the model.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { MeshMember } from "../stacks/load";
import { member, type MemberSpec } from "../test/stack-files";
import { isAwsBuilt } from "../stacks/build";
import { checkConnectivity } from "./model";
import { syntheticPlans } from "./test-plans";

interface Mesh {
    members: MeshMember[];
    routesDeclared: boolean;
}

const meshArb = fc
    .record({
        size: fc.integer({ min: 2, max: 64 }),
        kinds: fc.array(fc.constantFrom("ec2", "eks", "host"), { minLength: 64, maxLength: 64 }),
        tunnelProtocol: fc.constantFrom("vxlan", "geneve"),
        mcsAPI: fc.boolean(),
        raised: fc.boolean(),
        routesDeclared: fc.boolean(),
    })
    .map(({ size, kinds, tunnelProtocol, mcsAPI, raised, routesDeclared }): Mesh => {
        const members = Array.from({ length: size }, (_, i) => {
            // EKS needs a /16-/19 VPC: only the first nine members (10.<n>0.0.0/16) can be EKS.
            const kind = i < 9 ? kinds[i] : kinds[i] === "host" ? "host" : "ec2";
            const host = kind === "host";
            const spec: MemberSpec = {
                stack: `m${i + 1}`,
                id: i + 1,
                block: i < 9 ? i + 1 : i + 10,
                kind: kind === "eks" ? "eks" : "k3s",
                cilium: { tunnelProtocol, mcsAPI },
                ...(host ? { k3s: { host: { address: `172.20.${Math.floor(i / 200)}.${(i % 200) + 1}` } } } : {}),
                extra: {
                    ...(host ? { "clustermesh:sshPrivateKey": { secure: "v1:x" } } : {}),
                },
                mesh: {
                    link: true,
                    ...(raised ? { quotas: { vpcPeerings: 125, routesPerTable: 1000 } } : {}),
                    ...(routesDeclared ? { externalRoutes: host ? ["10.0.0.0/8", "172.16.0.0/12"] : ["172.16.0.0/12"] } : {}),
                },
            };
            return member(spec);
        });
        return { members, routesDeclared };
    });

/** Why a member fails every pair it is in, from its configuration: the AWS quotas a full mesh of peerings needs. */
function quotaReasons(mesh: Mesh, m: MeshMember): boolean {
    if (!isAwsBuilt(m)) {
        return false;
    }
    const aws = mesh.members.filter(isAwsBuilt).length;
    // Each VPC peers with every other AWS VPC; its table routes to each and has a default route.
    return aws - 1 > m.mesh.quotas.vpcPeerings || aws > m.mesh.quotas.routesPerTable;
}

describe("connectivity of generated meshes (2..64 members)", () => {
    it("is ok for every pair, or fails on the one real reason the configuration has", () => {
        fc.assert(
            fc.property(meshArb, (mesh) => {
                const report = checkConnectivity(syntheticPlans(mesh.members));
                const byStack = new Map(mesh.members.map((m) => [m.stack, m]));
                assert.equal(report.pairs.length, mesh.members.length * (mesh.members.length - 1));
                for (const p of report.pairs) {
                    const a = byStack.get(p.from)!;
                    const b = byStack.get(p.to)!;
                    const expected = new Set<string>();
                    if (!mesh.routesDeclared && (!isAwsBuilt(a) || !isAwsBuilt(b))) {
                        expected.add("route");
                    }
                    if (quotaReasons(mesh, a) || quotaReasons(mesh, b)) {
                        expected.add("quota");
                    }
                    if (expected.size === 0) {
                        assert.equal(p.status, "ok", `${p.from} -> ${p.to}: ${p.hop}: ${p.message}`);
                    } else {
                        assert.equal(p.status, "fail", `${p.from} -> ${p.to} should fail on ${[...expected].join(" or ")}`);
                        assert.ok(expected.has(p.hop!), `${p.from} -> ${p.to} fails on ${p.hop} (${p.message}), expected ${[...expected].join(" or ")}`);
                        assert.ok(p.message && p.resource && p.fix, "a failing pair names the resource, the problem and the fix");
                    }
                }
            }),
            { numRuns: 25 },
        );
    });

    it("never plans more rules in a security group than its declared quota", () => {
        fc.assert(
            fc.property(meshArb, (mesh) => {
                const report = checkConnectivity(syntheticPlans(mesh.members));
                const groups = report.quotas.filter((q) => q.quota === "security group rules");
                assert.equal(groups.length, mesh.members.filter(isAwsBuilt).length);
                for (const g of groups) {
                    assert.ok(g.used <= g.limit, `${g.id}: ${g.used} rules over ${g.limit}`);
                }
            }),
            { numRuns: 25 },
        );
    });

    it("catches the old peer prefix list (one entry per peer, six rules): over 60 rules at 11 members", () => {
        const members = Array.from({ length: 11 }, (_, i) => member({ stack: `m${i + 1}`, id: i + 1, block: i < 9 ? i + 1 : i + 10, mesh: { link: true } }));
        const plans = syntheticPlans(members).map((plan) => ({
            ...plan,
            resources: [
                // Before: every peer's VPC as its own entry, and the etcd rule besides.
                ...plan.resources.map((r) =>
                    r.type === "aws:ec2/managedPrefixList:ManagedPrefixList"
                        ? { ...r, inputs: { ...r.inputs, maxEntries: 10, entries: members.filter((m) => m.stack !== plan.stack).map((m) => ({ cidr: m.cluster.vpcCIDR })) } }
                        : r,
                ),
                {
                    type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                    name: `${plan.stack}-link-from-peers-etcd`,
                    inputs: { securityGroupId: `${plan.cluster.name}-nodes-sg-id`, ipProtocol: "tcp", fromPort: 2379, toPort: 2379, prefixListId: `${plan.cluster.name}-link-peers-id` },
                },
            ],
        }));
        const report = checkConnectivity(plans);
        assert.ok(report.pairs.every((p) => p.status === "fail" && p.hop === "quota"));
        assert.match(report.pairs[0].message!, /63 security group rules planned for m1-nodes-sg-id, over the quota of 60/);
        const now = checkConnectivity(syntheticPlans(members));
        assert.equal(now.summary.failed, 0);
    });
});

describe("native routing with ENI IPAM (pods hold VPC addresses)", () => {
    const eni = (stack: string, id: number) =>
        member({ stack, id, kind: "eks", cilium: { routingMode: "native", ipam: "eni" }, mesh: { link: true } });

    it("connects an all-EKS mesh both ways: pod ranges are the peered VPCs, let in on every protocol", () => {
        const report = checkConnectivity(syntheticPlans([eni("west", 1), eni("east", 2), eni("north", 3)]));
        assert.deepEqual(report.summary, { ok: 6, notLinked: 0, failed: 0 });
    });

    it("fails on pod-route when the peers' pod traffic is not let in", () => {
        const plans = syntheticPlans([eni("west", 1), eni("east", 2)]).map((p) =>
            p.stack === "east" ? { ...p, resources: p.resources.filter((r) => r.name !== "east-link-from-peers-native") } : p,
        );
        const report = checkConnectivity(plans);
        assert.deepEqual(report.pairs.map((p) => `${p.from}->${p.to} ${p.hop}`), ["west->east pod-route", "east->west pod-route"]);
        assert.match(report.pairs[0].message!, /does not let west's 10\.10\.0\.0\/16 in on all protocols \(pod traffic from west\)/);
    });
});
