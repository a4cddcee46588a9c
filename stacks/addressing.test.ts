import assert from "node:assert/strict";
import { describe, it } from "node:test";
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
});
