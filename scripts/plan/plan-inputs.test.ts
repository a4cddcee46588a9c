import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RecordedResource } from "./mock-engine";
import { KNOWN_AFTER_DEPLOY, planInputs, planResources, REDACTED } from "./report";

function recorded(partial: Partial<RecordedResource> & Pick<RecordedResource, "type" | "name" | "inputs">): RecordedResource {
    return {
        urn: `urn:pulumi:s::p::${partial.type}::${partial.name}`,
        id: `${partial.name}-id`,
        custom: true,
        dependsOn: [],
        explicitDependsOn: [],
        ignoreChanges: [],
        additionalSecretOutputs: [],
        replaceOnChanges: [],
        aliases: [],
        secretInputs: [],
        secretValues: [],
        standInValues: [],
        ...partial,
    };
}

describe("plan resources carry their inputs", () => {
    it("redacts secret inputs, keys anywhere and the Helm values' keys, and marks unknowns", () => {
        const release = recorded({
            type: "kubernetes:helm.sh/v3:Release",
            name: "r",
            inputs: { values: { tls: { ca: { cert: "CERT", key: "KEY" } }, cluster: { name: "west" } }, chart: "cilium" },
            secretInputs: ["values"],
        });
        assert.deepEqual(planInputs(release), { chart: "cilium", values: { cluster: { name: "west" }, tls: { ca: { cert: "(issued at deploy)", key: REDACTED } } } });
        const command = recorded({
            type: "command:remote:Command",
            name: "c",
            inputs: { connection: { host: "h", privateKey: "k" }, create: "echo", stdin: "-----BEGIN PRIVATE KEY-----\nx", keyName: { __pulumiUnknown: true }, triggers: ["04da6b54-80e4-46f7-96ec-b56ff0331ba9"] },
            secretInputs: ["connection"],
        });
        assert.deepEqual(planInputs(command), { connection: REDACTED, create: "echo", stdin: REDACTED, keyName: KNOWN_AFTER_DEPLOY, triggers: [KNOWN_AFTER_DEPLOY] });
        // A value the engine marked secret is redacted in any input it reached, plain or not.
        const leaked = recorded({ type: "command:remote:Command", name: "l", inputs: { create: "join --token s3cret-token-value-0001" } });
        assert.deepEqual(planInputs(leaked, ["s3cret-token-value-0001"]), { create: REDACTED });
    });

    it("names each resource's id, dependencies and inputs; component resources have none", () => {
        const vpc = recorded({ type: "aws:ec2/vpc:Vpc", name: "west-vpc", inputs: { cidrBlock: "10.10.0.0/16" } });
        const provider = recorded({ type: "pulumi:providers:aws", name: "west-aws", inputs: {} });
        const table = recorded({ type: "aws:ec2/routeTable:RouteTable", name: "west-routes", inputs: { vpcId: "west-vpc-id" }, dependsOn: [vpc.urn, provider.urn], explicitDependsOn: [provider.urn], provider: provider.urn });
        const component = recorded({ type: "clustermesh:cluster:K3sCluster", name: "west", inputs: {}, custom: false });
        const plan = planResources([table, vpc, component, provider]);
        assert.deepEqual(plan.find((r) => r.name === "west-routes"), {
            urn: table.urn,
            type: table.type,
            name: "west-routes",
            provider: provider.urn,
            id: "west-routes-id",
            dependencies: [vpc.urn, provider.urn],
            dependsOn: [provider.urn],
            inputs: { vpcId: "west-vpc-id" },
        });
        assert.deepEqual(plan.find((r) => r.name === "west"), { urn: component.urn, type: component.type, name: "west" });
    });

    it("shows each resource option that changes a deploy, and only when it is set", () => {
        const parent = recorded({ type: "clustermesh:cluster:K3sCluster", name: "west", inputs: {}, custom: false });
        const options = {
            protect: true,
            retainOnDelete: true,
            deleteBeforeReplace: true,
            deletedWith: parent.urn,
            ignoreChanges: ["ami"],
            replaceOnChanges: ["triggers[*]"],
            additionalSecretOutputs: ["privateIp"],
            customTimeouts: { create: "20m" },
            aliases: ["urn:pulumi:s::p::aws:ec2/instance:Instance::west-server"],
        };
        const withAll = recorded({ type: "aws:ec2/instance:Instance", name: "west-server", inputs: {}, parent: parent.urn, ...options });
        const [shown] = planResources([withAll]);
        for (const [key, value] of Object.entries(options)) assert.deepEqual((shown as unknown as Record<string, unknown>)[key], value, key);
        const [bare] = planResources([recorded({ type: "aws:ec2/vpc:Vpc", name: "v", inputs: {} })]);
        for (const key of Object.keys(options)) assert.ok(!(key in bare), `${key} appears although it is not set`);
    });
});
