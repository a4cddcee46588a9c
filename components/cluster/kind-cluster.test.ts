import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { installMockEngine, peek, settle, type MockEngine, type RecordedResource } from "../../scripts/plan/mock-engine";
import { kindClusterSchema, validateStructural } from "../../test/openapi-schema";

let engine: MockEngine;
let Kind: typeof import("./kind-cluster").KindCluster;

const get = (name: string): RecordedResource => {
    const r = engine.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}; have ${engine.resources.map((x) => x.name).join(", ")}`);
    return r;
};

before(async () => {
    engine = await installMockEngine("west");
    Kind = (await import("./kind-cluster")).KindCluster;
});

describe("KindCluster", () => {
    let cluster: InstanceType<typeof Kind>;
    before(async () => {
        cluster = new Kind("west", { clusterName: "west", podCIDR: "10.0.0.0/16", serviceCIDR: "10.2.0.0/16", workers: 2, network: "clustermesh-lab", networkSubnet: "172.30.0.0/16" });
        await settle();
    });

    it("runs local commands only, all under the component, and a provider for the cluster", () => {
        assert.equal(get("west").type, "clustermesh:cluster:KindCluster");
        const children = engine.resources.filter((r) => r.parent === get("west").urn);
        assert.deepEqual(children.map((r) => [r.name, r.type]).sort(), [
            ["west-cluster", "command:local:Command"],
            ["west-kubeconfig", "command:local:Command"],
            ["west-network", "command:local:Command"],
            ["west-node-addresses", "command:local:Command"],
            ["west-prerequisites", "command:local:Command"],
            ["west-provider", "pulumi:providers:kubernetes"],
        ]);
    });

    it("checks the prerequisites before the network, and creates the network before the cluster", () => {
        const prerequisites = get("west-prerequisites");
        assert.deepEqual(prerequisites.dependsOn, [], "nothing comes before the check");
        assert.match(String(prerequisites.inputs.create), /command -v docker/);
        assert.ok(get("west-network").dependsOn.includes(prerequisites.urn));
        assert.ok(get("west-cluster").dependsOn.includes(get("west-network").urn));
        assert.ok(get("west-kubeconfig").dependsOn.includes(get("west-cluster").urn));
    });

    it("creates the cluster from a valid kind config on standard input, and deletes it on destroy", () => {
        const create = get("west-cluster");
        const config = parse(String(create.inputs.stdin));
        assert.deepEqual(validateStructural(kindClusterSchema(), config), []);
        assert.equal(config.nodes.length, 3);
        assert.match(String(create.inputs.create), /KIND_EXPERIMENTAL_DOCKER_NETWORK='clustermesh-lab' kind create cluster --name 'west'/);
        assert.equal(create.inputs.delete, "kind delete cluster --name 'west'");
        assert.match(String(get("west-network").inputs.delete), /docker network rm 'clustermesh-lab'/);
    });

    it("reads the kubeconfig as a secret with logging off, into the provider", async () => {
        const read = get("west-kubeconfig");
        assert.equal(read.inputs.create, "kind get kubeconfig --name 'west'");
        assert.equal(read.inputs.logging, "none");
        assert.deepEqual([...read.additionalSecretOutputs].sort(), ["stderr", "stdout"]);
        assert.ok(get("west-provider").secretInputs.includes("kubeconfig"));
        assert.equal(get("west-provider").inputs.clusterIdentifier, "west");
        assert.equal((await peek(cluster.kubeconfig)).secret, true);
    });

    it("gives Cilium the control-plane container as API host and peers the node containers' addresses", async () => {
        assert.equal((await peek(cluster.apiServerHost)).value, "west-control-plane");
        assert.equal((await peek(cluster.apiServerPort)).value, 6443);
        const addresses = (await peek(cluster.nodeAddresses)).value;
        assert.ok(addresses.length > 0 && addresses.every((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)), String(addresses));
        // In-cluster objects are deleted with the `kind create cluster` command.
        assert.equal((await peek(cluster.deletionAnchor.urn)).value, get("west-cluster").urn);
    });

    it("refuses bad arguments before creating anything", () => {
        const before = engine.resources.length;
        assert.throws(
            () => new Kind("bad", { clusterName: "Bad_Name", podCIDR: "172.30.0.0/16", serviceCIDR: "10.2.0.0/33", workers: -1 }),
            (err: Error) =>
                /clusterName "Bad_Name"/.test(err.message) &&
                /serviceCIDR "10.2.0.0\/33"/.test(err.message) &&
                /podCIDR 172.30.0.0\/16 overlaps networkSubnet 172.30.0.0\/16/.test(err.message) &&
                /workers -1/.test(err.message),
        );
        assert.equal(engine.resources.length, before);
    });
});
