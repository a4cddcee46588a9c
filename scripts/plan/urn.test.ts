import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createUrn } from "@pulumi/pulumi/resource";
import { formUrn, urnProblems, type UrnRecord } from "./urn";

/** What the Pulumi SDK itself forms, for the engine's rule (resource.js createUrn). */
async function sdkUrn(name: string, type: string, parent: string | undefined, project: string, stack: string): Promise<string> {
    const urn = createUrn(name, type, parent, project, stack) as unknown as { promise(): Promise<string> };
    return urn.promise();
}

const token = fc.tuple(fc.constantFrom("aws", "kubernetes", "clustermesh", "tls"), fc.stringMatching(/^[a-z][a-z0-9/]{0,12}$/), fc.stringMatching(/^[A-Z][A-Za-z]{0,12}$/)).map(([p, m, t]) => `${p}:${m}:${t}`);
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);

describe("URNs as the engine forms them", () => {
    it("agree with the Pulumi SDK's createUrn for any chain of components, under the stack or not", async () => {
        await fc.assert(
            fc.asyncProperty(fc.array(fc.tuple(token, name), { minLength: 1, maxLength: 5 }), fc.boolean(), async (chain, underStack) => {
                const stack = "west";
                const project = "clustermesh";
                let parent: string | undefined = underStack ? `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}` : undefined;
                for (const [type, n] of chain) {
                    const ours = formUrn(stack, project, type, n, parent);
                    assert.equal(ours, await sdkUrn(n, type, parent, project, stack));
                    parent = ours;
                }
            }),
            { numRuns: 100 },
        );
    });

    it("finds a URN formed from the parent's last type only, a duplicate and a dangling reference", () => {
        const root: UrnRecord = { urn: "urn:pulumi:w::p::a:b:Cluster::west", type: "a:b:Cluster", name: "west", dependsOn: [] };
        const network: UrnRecord = { urn: "urn:pulumi:w::p::a:b:Cluster$a:b:Network::west", type: "a:b:Network", name: "west", parent: root.urn, dependsOn: [] };
        const good: UrnRecord = { urn: "urn:pulumi:w::p::a:b:Cluster$a:b:Network$aws:ec2/vpc:Vpc::west-vpc", type: "aws:ec2/vpc:Vpc", name: "west-vpc", parent: network.urn, dependsOn: [] };
        assert.deepEqual(urnProblems([root, network, good]), []);
        const mockStyle = { ...good, urn: "urn:pulumi:w::p::a:b:Network$aws:ec2/vpc:Vpc::west-vpc" };
        assert.match(urnProblems([root, network, mockStyle]).join("\n"), /west-vpc: URN .*Network\$aws.*, the engine forms .*Cluster\$a:b:Network\$aws/);
        assert.match(urnProblems([root, network, good, good]).join("\n"), /duplicate URN/);
        assert.match(urnProblems([root, { ...good, parent: network.urn, dependsOn: ["urn:pulumi:w::p::x:y:Z::gone"] }, network]).join("\n"), /dependency urn:pulumi:w::p::x:y:Z::gone is no recorded resource/);
    });
});
