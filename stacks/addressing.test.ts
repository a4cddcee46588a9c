import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { overlaps, parseCidr } from "../lib/cidr";
import { member } from "../test/stack-files";
import { validateMesh } from "./validate";

const addressing = { vpc: "10.100.0.0/14", pods: "10.104.0.0/15", services: "10.106.0.0/15" };
const inside = { vpcCIDR: "10.100.0.0/16", podCIDR: "10.104.0.0/16", serviceCIDR: "10.106.0.0/16" };

describe("clustermesh:mesh.addressing", () => {
    it("accepts members inside the planned supernets", () => {
        const west = member({ stack: "west", id: 1, cluster: inside, mesh: { addressing } });
        const east = member({ stack: "east", id: 2, cluster: { vpcCIDR: "10.101.0.0/16", podCIDR: "10.105.0.0/16", serviceCIDR: "10.107.0.0/16" }, mesh: { addressing } });
        assert.deepEqual(validateMesh([west, east]).problems, []);
    });

    it("names a range outside its supernet and a member that plans differently", () => {
        const west = member({ stack: "west", id: 1, cluster: inside, mesh: { addressing } });
        const east = member({ stack: "east", id: 2, cluster: { vpcCIDR: "10.101.0.0/16", podCIDR: "10.50.0.0/16", serviceCIDR: "10.107.0.0/16" }, mesh: { addressing } });
        const north = member({ stack: "north", id: 3, cluster: { vpcCIDR: "10.102.0.0/16", podCIDR: "10.104.128.0/17", serviceCIDR: "10.106.128.0/17" }, mesh: { addressing: { ...addressing, vpc: "10.96.0.0/12" } } });
        const problems = validateMesh([west, east, north]).problems;
        const outside = problems.find((p) => p.file === "Pulumi.east.yaml" && p.key === "clustermesh:cluster.podCIDR")!;
        assert.match(outside.message, /lies outside the mesh's planned supernet 10\.104\.0\.0\/15/);
        const differs = problems.find((p) => p.file === "Pulumi.north.yaml" && p.key === "clustermesh:mesh.addressing")!;
        assert.match(differs.message, /differs from addressing \(vpc 10\.100\.0\.0\/14/);
    });

    it("offers, for every range outside its supernet, a free block of the same size inside it, never one offered twice", () => {
        // Members 2..n put their pod range outside the pods supernet: every fix must name a block
        // inside 10.104.0.0/15 of that member's size that no member and no other fix uses.
        const members = [member({ stack: "m1", id: 1, cluster: inside, mesh: { addressing } })];
        const sizes = [17, 18, 20, 24, 19, 22];
        sizes.forEach((prefix, i) => {
            members.push(
                member({
                    stack: `m${i + 2}`,
                    id: i + 2,
                    cluster: { vpcCIDR: `10.${101 + (i % 3)}.${i * 16}.0/20`, podCIDR: `10.${60 + i}.0.0/${prefix}`, serviceCIDR: `10.107.${i * 16}.0/20` },
                    mesh: { addressing },
                }),
            );
        });
        const supernet = parseCidr(addressing.pods)!;
        const taken = members.flatMap((m) => [m.cluster.podCIDR, m.cluster.serviceCIDR, m.cluster.vpcCIDR ?? ""]).flatMap((c) => parseCidr(c) ?? []);
        const offered = validateMesh(members)
            .problems.filter((p) => p.key === "clustermesh:cluster.podCIDR" && /planned supernet/.test(p.message))
            .map((p) => ({ problem: p, range: parseCidr(/such as (\S+),/.exec(p.fix ?? "")?.[1] ?? "")! }));
        assert.equal(offered.length, sizes.length);
        offered.forEach(({ problem, range }, i) => {
            assert.ok(range, `${problem.file}: the fix names a range: ${problem.fix}`);
            assert.equal(range.prefix, parseCidr(String(problem.value))!.prefix, `${problem.file}: same size as ${problem.value}`);
            assert.ok(range.first >= supernet.first && range.last <= supernet.last, `${range.text} lies inside ${supernet.text}`);
            for (const used of taken) assert.ok(!overlaps(range, used), `${range.text} overlaps ${used.text}, already in the mesh`);
            for (const other of offered.slice(0, i)) assert.ok(!overlaps(range, other.range), `${range.text} was already offered`);
        });
    });

    it("says the supernet is full, and to widen it, when no block of that size is left", () => {
        const tight = { vpc: "10.100.0.0/16", pods: "10.104.0.0/16", services: "10.106.0.0/16" };
        const west = member({ stack: "west", id: 1, cluster: { vpcCIDR: "10.100.0.0/16", podCIDR: "10.104.0.0/16", serviceCIDR: "10.106.0.0/16" }, mesh: { addressing: tight } });
        const east = member({ stack: "east", id: 2, cluster: { vpcCIDR: "10.100.0.0/16", podCIDR: "10.50.0.0/16", serviceCIDR: "10.106.0.0/16" }, mesh: { addressing: tight } });
        const outside = validateMesh([west, east]).problems.find((p) => p.file === "Pulumi.east.yaml" && p.key === "clustermesh:cluster.podCIDR" && /supernet/.test(p.message))!;
        assert.match(outside.fix ?? "", /no free \/16 is left inside 10\.104\.0\.0\/16: widen the supernet on every member/);
    });
});
