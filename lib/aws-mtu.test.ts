import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AWS_PATH_MTU, meshDeviceMtu } from "./aws-mtu";

describe("meshDeviceMtu", () => {
    it("gives Cilium 8500 across a Transit Gateway or inter-region peering, nothing where every path carries 9001", () => {
        assert.equal(meshDeviceMtu("transit-gateway", "us-west-2", ["us-west-2"]), 8500, "even in one region the Transit Gateway carries 8500");
        assert.equal(meshDeviceMtu("peering", "us-west-2", ["us-east-1"]), 8500);
        assert.equal(meshDeviceMtu("peering", "us-west-2", ["us-west-2", "us-east-1"]), 8500, "the narrowest path decides");
        assert.equal(meshDeviceMtu("peering", "us-west-2", ["us-west-2"]), undefined);
        assert.equal(meshDeviceMtu("transit-gateway", "us-west-2", []), undefined);
    });
    it("every path has its source", () => {
        for (const p of Object.values(AWS_PATH_MTU)) assert.ok(p.source.length > 0 && p.mtu > 1500);
    });
});
