import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import { AWS_REGIONS } from "./aws-regions";

describe("AWS_REGIONS", () => {
    it("is the aws partition of @pulumi/aws's Region enum (no GovCloud, China or ISO)", () => {
        const enums = fs.readFileSync(require.resolve("@pulumi/aws/types/enums/index.d.ts"), "utf8");
        const block = enums.slice(enums.indexOf("export declare const Region: {"), enums.indexOf("};", enums.indexOf("export declare const Region: {")));
        const regions = [...new Set([...block.matchAll(/"([a-z]{2}(-[a-z]+)+-\d)"/g)].map((m) => m[1]))]
            .filter((r) => !/^(us-gov|cn|us-iso|eu-iso)/.test(r))
            .sort();
        assert.deepEqual([...AWS_REGIONS], regions);
    });
});
