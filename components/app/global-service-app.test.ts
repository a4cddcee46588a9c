import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, peek, settle, type MockEngine, type RecordedResource } from "../../scripts/lib/mock-engine";
import { appSchema } from "../../stacks/schema";
import { containerArgs, globalServiceAnnotations, serviceExport } from "./app-manifests";

let engine: MockEngine;
let cluster: import("../../scripts/lib/test-cluster").TestCluster;
let App: typeof import("./global-service-app").GlobalServiceApp;
const get = (name: string): RecordedResource => {
    const r = engine.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}`);
    return r;
};
const app = (overrides: Record<string, unknown> = {}) => appSchema.parse(overrides);

before(async () => {
    engine = await installMockEngine("west");
    const { TestCluster } = await import("../../scripts/lib/test-cluster");
    App = (await import("./global-service-app")).GlobalServiceApp;
    cluster = new TestCluster("west");
});

describe("global service annotations", () => {
    it("marks the service global and shared; omits affinity for none (cilium #46623)", () => {
        assert.deepEqual(globalServiceAnnotations(app()), { "service.cilium.io/global": "true", "service.cilium.io/shared": "true" });
    });
    it("sets affinity local or remote when asked, and shared false", () => {
        assert.equal(globalServiceAnnotations(app({ affinity: "local" }))["service.cilium.io/affinity"], "local");
        assert.equal(globalServiceAnnotations(app({ affinity: "remote" }))["service.cilium.io/affinity"], "remote");
        assert.equal(globalServiceAnnotations(app({ shared: false }))["service.cilium.io/shared"], "false");
    });
    it("gives the echo image arguments that print the answering cluster", () => {
        assert.deepEqual(containerArgs(app()), ["-listen=:$(PORT)", "-text=$(CLUSTER_NAME)"]);
        assert.equal(containerArgs(app({ image: "nginx:1.27" })), undefined);
        assert.deepEqual(containerArgs(app({ image: "nginx:1.27", args: ["-x"] })), ["-x"]);
    });
    it("exports the service under its own name and namespace", () => {
        assert.deepEqual(serviceExport(app()), { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ServiceExport", metadata: { name: "echo", namespace: "mesh-demo" } });
    });
});

describe("GlobalServiceApp", () => {
    let instance: InstanceType<typeof App>;
    before(async () => {
        const cni = new (await import("@pulumi/random")).RandomPet("cni", {});
        instance = new App("west-app", { cluster, app: app({ affinity: "local" }), dependsOn: [cni] });
        await settle();
    });

    it("creates namespace, deployment and service with exact names, the same in every cluster", () => {
        assert.deepEqual(get("west-app-namespace").inputs.metadata, { name: "mesh-demo" });
        const deployment = get("west-app-deployment");
        assert.equal((deployment.inputs.metadata as any).name, "echo");
        const service = get("west-app-service");
        assert.equal((service.inputs.metadata as any).name, "echo");
        assert.equal((service.inputs.metadata as any).namespace, "mesh-demo");
        assert.deepEqual((service.inputs.metadata as any).annotations, {
            "service.cilium.io/affinity": "local",
            "service.cilium.io/global": "true",
            "service.cilium.io/shared": "true",
        });
        assert.deepEqual((service.inputs.spec as any).ports, [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }]);
    });

    it("runs the echo container, told which cluster it is in", () => {
        const container = (get("west-app-deployment").inputs.spec as any).template.spec.containers[0];
        assert.equal(container.image, "hashicorp/http-echo:1.0.0");
        assert.deepEqual(container.env, [
            { name: "CLUSTER_NAME", value: "west" },
            { name: "PORT", value: "8080" },
        ]);
        assert.equal((get("west-app-deployment").inputs.spec as any).replicas, 2);
    });

    it("uses the cluster's provider, is deleted with the cluster, and waits for the CNI", () => {
        for (const name of ["west-app-namespace", "west-app-deployment", "west-app-service"]) {
            assert.equal(get(name).provider, get("west-provider").urn, name);
            assert.equal(get(name).deletedWith, get("west-provider").urn, name);
            assert.equal(get(name).parent, get("west-app").urn, name);
        }
        assert.ok(get("west-app-deployment").dependsOn.includes(get("cni").urn));
        assert.ok(!engine.resources.some((r) => r.name === "west-app-service-export"));
    });

    it("outputs the service's name, namespace and FQDN", async () => {
        assert.equal((await peek(instance.serviceName)).value, "echo");
        assert.equal((await peek(instance.serviceFqdn)).value, "echo.mesh-demo.svc.cluster.local");
    });

    it("adds a ServiceExport only when asked", async () => {
        new App("mcs-app", { cluster, app: app({ name: "mcs", serviceExport: true }) });
        await settle();
        const exported = get("mcs-app-service-export");
        assert.equal(exported.inputs.kind, "ServiceExport");
        assert.deepEqual(exported.inputs.metadata, { name: "mcs", namespace: "mesh-demo" });
        assert.ok(exported.dependsOn.includes(get("mcs-app-service").urn));
    });
});
