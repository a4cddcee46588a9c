import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { z } from "zod";
import { stackConfigSchemas } from "../stacks/schema";
import { DEFAULT_CILIUM_VERSION } from "../lib/defaults";
import { renderConfigReference, spliceReference, undocumentedFields } from "./config-reference";

describe("config reference", () => {
    it("documents every field of every clustermesh:* section", () => {
        assert.deepEqual(undocumentedFields(), []);
    });

    it("flags a field added without a description", () => {
        const withNewField = { ...stackConfigSchemas, cluster: stackConfigSchemas.cluster.extend({ zone: z.string().optional() }).describe("cluster") };
        assert.deepEqual(undocumentedFields(withNewField), ["clustermesh:cluster.zone"]);
    });

    it("is in sync with the README (run npm run docs after changing stacks/schema.ts)", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        assert.equal(spliceReference(readme, renderConfigReference()), readme);
    });

    it("lists every key of the schema with its default", () => {
        const reference = renderConfigReference();
        for (const [section, schema] of Object.entries(stackConfigSchemas)) {
            for (const key of Object.keys(schema.shape)) {
                assert.ok(reference.includes(`\`clustermesh:${section}.${key}\``), `clustermesh:${section}.${key} missing`);
            }
        }
        assert.ok(reference.includes(`| \`clustermesh:cilium.version\` | string | no | \`"${DEFAULT_CILIUM_VERSION}"\``), "the Cilium version's default is listed");
    });
});
