import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { overlaps, parseCidr } from "../../lib/cidr";
import { inspectMesh } from "../../stacks";
import { writeProject, type MemberSpec } from "../../test/stack-files";
import { addRegion, AddRegionError } from "./add-region";

const twoMembers: MemberSpec[] = [
    { stack: "west", id: 1 },
    { stack: "east", id: 2, kind: "eks" },
];

describe("npm run add-region", () => {
    it("adds ten regions in a row to a two-member mesh, each validating with the whole mesh", () => {
        const dir = writeProject(twoMembers);
        const regions = ["us-east-1", "us-east-2", "eu-west-1", "eu-central-1", "ap-south-1", "ap-northeast-1", "sa-east-1", "ca-central-1", "eu-north-1", "us-west-1"];
        regions.forEach((region, i) => {
            const added = addRegion(dir, { name: `r${i + 1}`, region, kind: i % 2 === 0 ? "k3s" : "eks" });
            assert.equal(added.addresses.id, i + 3, "the next free id");
            const { members, problems } = inspectMesh(dir);
            assert.deepEqual(problems, [], `after ${added.file}`);
            assert.equal(members.length, i + 3);
        });
        const { members } = inspectMesh(dir);
        const ranges = members.flatMap((m) => [m.cluster.vpcCIDR!, m.cluster.podCIDR, m.cluster.serviceCIDR].map((t) => parseCidr(t)!));
        for (let a = 0; a < ranges.length; a++) {
            for (let b = a + 1; b < ranges.length; b++) {
                assert.ok(!overlaps(ranges[a], ranges[b]), `${ranges[a].text} overlaps ${ranges[b].text}`);
            }
        }
        const eks = members.find((m) => m.stack === "r2")!;
        assert.equal(eks.cluster.kind, "eks");
        assert.equal(eks.mesh.link, false, "a new member comes up unlinked");
    });

    it("takes ranges from the planned supernets, and refuses clearly once they are exhausted", () => {
        const addressing = { vpc: "10.100.0.0/14", pods: "10.104.0.0/15", services: "10.106.0.0/15" };
        const dir = writeProject([
            { stack: "west", id: 1, cluster: { vpcCIDR: "10.100.0.0/16", podCIDR: "10.104.0.0/16", serviceCIDR: "10.106.0.0/16" }, mesh: { addressing } },
        ]);
        const second = addRegion(dir, { name: "east", region: "us-east-1" });
        assert.deepEqual(second.addresses, { id: 2, vpcCIDR: "10.101.0.0/16", podCIDR: "10.105.0.0/16", serviceCIDR: "10.107.0.0/16" });
        assert.throws(() => addRegion(dir, { name: "north", region: "us-east-2" }), (err: Error) => {
            assert.ok(err instanceof AddRegionError);
            assert.match(err.message, /no free \/16 is left for podCIDR in 10\.104\.0\.0\/15 \(clustermesh:mesh\.addressing\); widen that supernet on every member/);
            return true;
        });
        assert.equal(fs.existsSync(path.join(dir, "Pulumi.north.yaml")), false, "nothing written");
    });

    it("refuses when every cluster id is taken, naming the limit and the fix", () => {
        const specs: MemberSpec[] = Array.from({ length: 255 }, (_, i) => ({ stack: `m${i + 1}`, id: i + 1 }));
        const dir = writeProject(specs);
        assert.throws(() => addRegion(dir, { name: "extra", region: "us-east-1" }), /every cluster id the mesh allows is taken \(1-255; 255 members\); set clustermesh:cilium\.maxConnectedClusters: 511/);
    });

    it("skips the ids ENI mode refuses (cilium #21330)", () => {
        const specs: MemberSpec[] = Array.from({ length: 127 }, (_, i) => ({ stack: `m${i + 1}`, id: i + 1, kind: "eks", cilium: { ipam: "eni", routingMode: "native" } }));
        const dir = writeProject(specs);
        assert.throws(() => addRegion(dir, { name: "extra", region: "us-east-1", kind: "eks" }), /without 128-255 and 384-511, which ENI mode refuses/);
    });

    it("refuses a taken name, a bad name, a bad region and an unknown template at once or in turn", () => {
        const dir = writeProject(twoMembers);
        assert.throws(() => addRegion(dir, { name: "east", region: "us-east-1" }), /Pulumi\.east\.yaml exists already/);
        assert.throws(() => addRegion(dir, { name: "Bad_Name", region: "mars-1" }), (err: Error) => {
            assert.match(err.message, /--name Bad_Name is not a Cilium cluster name/);
            assert.match(err.message, /--region mars-1 is not an AWS region name/);
            return true;
        });
        assert.throws(() => addRegion(dir, { name: "north", region: "us-east-1", from: "nowhere" }), /--from nowhere is not a mesh member; members are west, east/);
    });

    it("gives the new member its own NodePort when the Cilium version needs one per cluster (cilium #24692)", () => {
        const dir = writeProject([
            { stack: "west", id: 1, cilium: { version: "1.18.1" } },
            { stack: "east", id: 2, cilium: { version: "1.18.1", apiserverNodePort: 32380 } },
        ]);
        addRegion(dir, { name: "north", region: "us-east-2" });
        const north = inspectMesh(dir).members.find((m) => m.stack === "north")!;
        assert.equal(north.cilium.apiserverNodePort, 32381);
    });
});
