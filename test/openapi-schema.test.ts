import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kindClusterSchema, validateStructural, type StructuralSchema } from "./openapi-schema";

const schema: StructuralSchema = {
    type: "object",
    required: ["spec"],
    properties: {
        spec: {
            type: "object",
            properties: {
                asn: { type: "integer", format: "int64", minimum: 1, maximum: 4294967295 },
                port: { type: "integer", format: "int32" },
                cidr: { type: "string", format: "cidr" },
                mode: { type: "string", enum: ["a", "b"] },
                name: { type: "string", pattern: "^[a-z]+$", maxLength: 5 },
                list: { type: "array", minItems: 1, items: { type: "object", properties: { x: { type: "boolean" } } } },
                labels: { type: "object", additionalProperties: { type: "string", maxLength: 3 } },
                free: { type: "object" },
            },
        },
    },
};

describe("validateStructural", () => {
    it("accepts a value that fits", () => {
        const ok = { spec: { asn: 65001, port: 179, cidr: "10.0.0.0/8", mode: "a", name: "tor", list: [{ x: true }], labels: { a: "bgp" }, free: { anything: [1] } } };
        assert.deepEqual(validateStructural(schema, ok), []);
    });

    it("names every violation with its path", () => {
        const bad = { spec: { asn: 0, port: 2 ** 31, cidr: "10.0.0.1/8", mode: "c", name: "Tor-Switch", list: [], labels: { a: "toolong" }, typo: 1 } };
        assert.deepEqual(validateStructural(schema, bad).sort(), [
            'spec.cidr: "10.0.0.1/8" is not a CIDR block',
            "spec.asn: 0 is outside 1..4294967295",
            "spec.labels.a: is longer than 3",
            "spec.list: has 0 items, fewer than 1",
            'spec.mode: "c" is not one of "a", "b"',
            'spec.name: "Tor-Switch" does not match ^[a-z]+$',
            "spec.name: is longer than 5",
            "spec.port: 2147483648 is outside -2147483648..2147483647",
            "spec.typo: is not a field of the schema (known: asn, port, cidr, mode, name, list, labels, free)",
        ].sort());
    });

    it("refuses wrong types and missing required fields", () => {
        assert.deepEqual(validateStructural(schema, {}), ["(root): misses the required field spec"]);
        assert.deepEqual(validateStructural(schema, { spec: { asn: "65001", list: {}, mode: 1 } }).sort(), [
            'spec.asn: must be an integer, not "65001"',
            "spec.list: must be a list, not {}",
            "spec.mode: must be a string, not 1",
        ].sort());
    });
});

describe("the kind schema kept as test data", () => {
    it("kind's Cluster schema refuses a field kind does not know", () => {
        const errors = validateStructural(kindClusterSchema(), { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", networking: { disableDefaultCni: true } });
        assert.deepEqual(errors, [
            "networking.disableDefaultCni: is not a field of the schema (known: ipFamily, apiServerPort, apiServerAddress, podSubnet, serviceSubnet, disableDefaultCNI, kubeProxyMode, dnsSearch)",
        ]);
    });
});
