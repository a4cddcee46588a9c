import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { installMockEngine, peek, settle, type MockEngine, type RecordedResource } from "../../scripts/plan/mock-engine";
import { appSchema, type AppConfig } from "../../stacks/schema";

let engine: MockEngine;
let cluster: import("../cluster/mesh-cluster").MeshCluster;
let App: typeof import("./global-service-app").GlobalServiceApp;
let cni: import("@pulumi/pulumi").Resource;

const get = (name: string): RecordedResource => {
    const r = engine.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}`);
    return r;
};
const app = (overrides: Record<string, unknown> = {}): AppConfig => appSchema.parse(overrides);
const annotations = (name: string): Record<string, string> => (get(`${name}-service`).inputs.metadata as { annotations: Record<string, string> }).annotations;

before(async () => {
    engine = await installMockEngine("west");
    const pulumi = await import("@pulumi/pulumi");
    const k8s = await import("@pulumi/kubernetes");
    const { RandomPet } = await import("@pulumi/random");
    App = (await import("./global-service-app")).GlobalServiceApp;
    // A stand-in cluster whose deletion anchor is not its provider, so the two are told apart.
    const kubeconfig = pulumi.secret("kubeconfig of west");
    cluster = {
        clusterName: "west",
        kind: "k3s",
        provider: new k8s.Provider("west-provider", { kubeconfig, clusterIdentifier: "west" }),
        kubeconfig,
        apiServerHost: pulumi.output("10.10.0.10"),
        apiServerPort: pulumi.output(6443),
        nodeAddresses: pulumi.output(["10.10.0.10"]),
        deletionAnchor: new RandomPet("west-anchor", {}),
        attachCni: () => [],
    };
    cni = new RandomPet("cni", {});
});

describe("GlobalServiceApp", () => {
    let instance: InstanceType<typeof App>;
    before(async () => {
        instance = new App("west-app", { cluster, app: app(), dependsOn: [cni] });
        new App("local-app", { cluster, app: app({ name: "local", affinity: "local" }) });
        new App("remote-app", { cluster, app: app({ name: "remote", affinity: "remote" }) });
        new App("private-app", { cluster, app: app({ name: "private", shared: false }) });
        new App("mcs-app", { cluster, app: app({ name: "mcs", namespace: "mcs-demo", serviceExport: true }), dependsOn: [cni] });
        await settle();
    });

    it("registers as clustermesh:app:GlobalServiceApp with its children beneath it", () => {
        assert.equal(get("west-app").type, "clustermesh:app:GlobalServiceApp");
        assert.deepEqual(
            engine.resources.filter((r) => r.parent === get("west-app").urn).map((r) => `${r.type} ${r.name}`).sort(),
            ["kubernetes:apps/v1:Deployment west-app-deployment", "kubernetes:core/v1:Namespace west-app-namespace", "kubernetes:core/v1:Service west-app-service"],
        );
    });

    it("sets exact names, never auto-named: the same in every cluster", () => {
        assert.deepEqual(get("west-app-namespace").inputs.metadata, { name: "mesh-demo" });
        for (const role of ["deployment", "service"]) {
            const metadata = get(`west-app-${role}`).inputs.metadata as any;
            assert.equal(metadata.name, "echo", role);
            assert.equal(metadata.namespace, "mesh-demo", role);
        }
    });

    it("annotates the service global and shared, without affinity for none (cilium #46623)", () => {
        assert.deepEqual(annotations("west-app"), { "service.cilium.io/global": "true", "service.cilium.io/shared": "true" });
    });

    it("annotates affinity local and remote when asked", () => {
        assert.deepEqual(annotations("local-app"), {
            "service.cilium.io/affinity": "local",
            "service.cilium.io/global": "true",
            "service.cilium.io/shared": "true",
        });
        assert.equal(annotations("remote-app")["service.cilium.io/affinity"], "remote");
    });

    it("annotates shared false for a cluster that keeps its endpoints to itself", () => {
        assert.deepEqual(annotations("private-app"), { "service.cilium.io/global": "true", "service.cilium.io/shared": "false" });
    });

    it("serves port 80 on a ClusterIP, forwarding to the container port", () => {
        const spec = get("west-app-service").inputs.spec as any;
        assert.equal(spec.type, "ClusterIP");
        assert.deepEqual(spec.ports, [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }]);
        assert.deepEqual(spec.selector, { "app.kubernetes.io/name": "echo", "app.kubernetes.io/part-of": "clustermesh" });
    });

    it("runs the echo container, told which cluster it is in, ready once its port answers", () => {
        const spec = get("west-app-deployment").inputs.spec as any;
        const container = spec.template.spec.containers[0];
        assert.equal(spec.replicas, 2);
        assert.deepEqual(spec.selector.matchLabels, spec.template.metadata.labels);
        assert.equal(container.image, "hashicorp/http-echo:1.0.0");
        assert.deepEqual(container.args, ["-listen=:$(PORT)", "-text=$(CLUSTER_NAME)"]);
        assert.deepEqual(container.env, [
            { name: "CLUSTER_NAME", value: "west" },
            { name: "PORT", value: "8080" },
        ]);
        assert.deepEqual(container.readinessProbe.tcpSocket, { port: 8080 });
        assert.deepEqual(container.resources.requests, { cpu: "10m", memory: "16Mi" });
    });

    it("uses the cluster's provider and is deleted with the cluster", () => {
        const anchor = get("west-anchor").urn;
        for (const name of ["west-app-namespace", "west-app-deployment", "west-app-service", "mcs-app-service-export"]) {
            assert.equal(get(name).provider, get("west-provider").urn, name);
            assert.equal(get(name).deletedWith, anchor, name);
        }
    });

    it("makes its objects wait for what it is given (the CNI)", () => {
        for (const name of ["west-app-namespace", "west-app-deployment", "west-app-service"]) {
            assert.ok(get(name).dependsOn.includes(get("cni").urn), name);
        }
        assert.ok(!get("local-app-deployment").dependsOn.includes(get("cni").urn));
    });

    it("adds a ServiceExport only when asked, named as the Service, after the Service", () => {
        assert.ok(!engine.resources.some((r) => r.name === "west-app-service-export"));
        const exported = get("mcs-app-service-export");
        assert.equal(exported.type, "kubernetes:multicluster.x-k8s.io/v1alpha1:ServiceExport");
        assert.equal(exported.inputs.apiVersion, "multicluster.x-k8s.io/v1alpha1");
        assert.equal(exported.inputs.kind, "ServiceExport");
        assert.deepEqual(exported.inputs.metadata, { name: "mcs", namespace: "mcs-demo" });
        assert.ok(exported.dependsOn.includes(get("mcs-app-service").urn));
        assert.ok(exported.dependsOn.includes(get("cni").urn));
        assert.equal(exported.parent, get("mcs-app").urn);
    });

    it("outputs the service's name, namespace and FQDN", async () => {
        assert.equal((await peek(instance.serviceName)).value, "echo");
        assert.equal((await peek(instance.namespace)).value, "mesh-demo");
        assert.equal((await peek(instance.serviceFqdn)).value, "echo.mesh-demo.svc.cluster.local");
    });

    it("refuses a bad configuration before creating anything, naming the field and the fix", async () => {
        assert.throws(
            () => new App("bad-app", { cluster, app: { ...app(), port: 70000 } }),
            /GlobalServiceApp bad-app: app\.port 70000 is not a TCP port; use 1-65535/,
        );
        assert.throws(() => new App("bad-name-app", { cluster, app: { ...app(), name: "Echo" } }), /app\.name "Echo" is not a DNS-1035 label/);
        await settle();
        assert.deepEqual(engine.resources.filter((r) => r.name.startsWith("bad-")), []);
    });
});
