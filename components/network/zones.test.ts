import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, peek, type MockEngine } from "../../scripts/plan/mock-engine";
import { zonesOffering } from "./zones";

describe("zonesOffering", () => {
    it("keeps the region's order and only zones where every instance type is offered", () => {
        const available = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1e"];
        // us-east-1e (use1-az3 in many accounts) offers no t3.
        assert.deepEqual(zonesOffering(available, [["us-east-1a", "us-east-1b", "us-east-1c"]]), ["us-east-1a", "us-east-1b", "us-east-1c"]);
        assert.deepEqual(zonesOffering(available, [["us-east-1b", "us-east-1e"], ["us-east-1e", "us-east-1a", "us-east-1b"]]), ["us-east-1b", "us-east-1e"]);
        assert.deepEqual(zonesOffering(available, []), available);
    });
});

describe("offeredZones", () => {
    let engine: MockEngine;
    let offeredZones: typeof import("./zones").offeredZones;
    before(async () => {
        engine = await installMockEngine("zones");
        // The region's first zone lacks the type: the old code's names[0] would have taken it.
        const call = engine.call.bind(engine);
        engine.call = (args) => {
            const result = call(args);
            return args.token === "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings" ? { ...result, locations: ["mock-region-1c", "mock-region-1b"] } : result;
        };
        offeredZones = (await import("./zones")).offeredZones;
    });

    it("asks EC2 where the instance type is offered and skips the zones that lack it", async () => {
        assert.deepEqual((await peek(offeredZones(["t3.medium"], 1, {}))).value, ["mock-region-1b"]);
        assert.deepEqual((await peek(offeredZones(["t3.large"], 2, {}))).value, ["mock-region-1b", "mock-region-1c"]);
        const asked = engine.invokes.filter((i) => i.token === "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings");
        assert.deepEqual(asked[0].args.filters, [{ name: "instance-type", values: ["t3.medium"] }]);
        assert.equal(asked[0].args.locationType, "availability-zone");
    });
});
