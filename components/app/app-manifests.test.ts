import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { appSchema, type AppConfig } from "../../stacks/schema";
import { appConfigProblems, appLabels, containerArgs, containerEnv, globalServiceAnnotations, serviceExport, serviceFqdn } from "./app-manifests";

const app = (overrides: Record<string, unknown> = {}): AppConfig => appSchema.parse(overrides);

describe("globalServiceAnnotations", () => {
    it("marks the service global and shared, and omits affinity for none (cilium #46623)", () => {
        assert.deepEqual(globalServiceAnnotations(app()), { "service.cilium.io/global": "true", "service.cilium.io/shared": "true" });
        assert.ok(!("service.cilium.io/affinity" in globalServiceAnnotations(app({ affinity: "none" }))));
    });
    it("sets affinity local or remote when asked", () => {
        assert.deepEqual(globalServiceAnnotations(app({ affinity: "local" })), {
            "service.cilium.io/affinity": "local",
            "service.cilium.io/global": "true",
            "service.cilium.io/shared": "true",
        });
        assert.equal(globalServiceAnnotations(app({ affinity: "remote" }))["service.cilium.io/affinity"], "remote");
    });
    it("writes shared as the string false, still global", () => {
        assert.deepEqual(globalServiceAnnotations(app({ shared: false })), { "service.cilium.io/global": "true", "service.cilium.io/shared": "false" });
    });
    it("lists its keys in a stable order", () => {
        assert.deepEqual(Object.keys(globalServiceAnnotations(app({ affinity: "remote", shared: false }))), [
            "service.cilium.io/affinity",
            "service.cilium.io/global",
            "service.cilium.io/shared",
        ]);
    });
});

describe("container", () => {
    it("gives the echo image arguments that print the answering cluster", () => {
        assert.deepEqual(containerArgs(app()), ["-listen=:$(PORT)", "-text=$(CLUSTER_NAME)"]);
    });
    it("keeps another image's own arguments unless some are configured", () => {
        assert.equal(containerArgs(app({ image: "nginx:1.27" })), undefined);
        assert.deepEqual(containerArgs(app({ image: "nginx:1.27", args: ["-x"] })), ["-x"]);
        assert.deepEqual(containerArgs(app({ args: [] })), []);
    });
    it("sets the variables the arguments expand from", () => {
        assert.deepEqual(containerEnv("west", app({ port: 9090 })), [
            { name: "CLUSTER_NAME", value: "west" },
            { name: "PORT", value: "9090" },
        ]);
    });
    it("labels without the cluster name, so the selector is the same everywhere", () => {
        assert.deepEqual(appLabels(app({ name: "web" })), { "app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "clustermesh" });
    });
});

describe("service names", () => {
    it("gives the in-cluster FQDN", () => {
        assert.equal(serviceFqdn(app()), "echo.mesh-demo.svc.cluster.local");
    });
    it("exports the service under its own name and namespace", () => {
        assert.deepEqual(serviceExport(app({ name: "web", namespace: "shop" })), {
            apiVersion: "multicluster.x-k8s.io/v1alpha1",
            kind: "ServiceExport",
            metadata: { name: "web", namespace: "shop" },
        });
    });
});

describe("appConfigProblems", () => {
    it("accepts the defaults", () => {
        assert.deepEqual(appConfigProblems(app()), []);
    });
    it("names each bad field, its value and the fix", () => {
        const bad = { ...app(), name: "Echo", namespace: "Mesh_Demo", image: " ", port: 0, replicas: -1, affinity: "nearest" } as unknown as AppConfig;
        const problems = appConfigProblems(bad);
        assert.equal(problems.length, 6);
        assert.match(problems[0], /app\.name "Echo" is not a DNS-1035 label/);
        assert.match(problems[1], /app\.namespace "Mesh_Demo"/);
        assert.match(problems[2], /app\.image/);
        assert.match(problems[3], /app\.port 0 is not a TCP port; use 1-65535/);
        assert.match(problems[4], /app\.replicas -1/);
        assert.match(problems[5], /app\.affinity "nearest"/);
    });
});
