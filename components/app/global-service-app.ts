import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AppConfig } from "../../stacks/schema";
import type { MeshCluster } from "../cluster/mesh-cluster";
import { appLabels, containerArgs, globalServiceAnnotations, serviceExport } from "./app-manifests";

export interface GlobalServiceAppArgs {
    /** The cluster to deploy to; its provider is used and its deletion anchor ends every object. */
    cluster: MeshCluster;
    /** The app: name, namespace, image, port, replicas, shared, affinity, serviceExport. */
    app: AppConfig;
    /** What must exist first, usually the CNI (`CiliumRelease.ready`). Default none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * A Deployment and a Service annotated global, in a namespace of the same name in every
 * cluster: Cilium merges Services by namespace and name across the mesh, so names are set
 * exactly, never auto-named. Optionally exported through the MCS-API.
 */
export class GlobalServiceApp extends pulumi.ComponentResource {
    /** The Service's name (the same in every cluster). */
    public readonly serviceName: pulumi.Output<string>;
    public readonly namespace: pulumi.Output<string>;
    /** In-cluster DNS name of the global service. */
    public readonly serviceFqdn: pulumi.Output<string>;

    constructor(name: string, args: GlobalServiceAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clustermesh:app:GlobalServiceApp", name, {}, opts);
        const { app, cluster } = args;
        if (app.serviceExport && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(app.namespace)) {
            throw new Error(`GlobalServiceApp ${name}: namespace ${app.namespace} is not a DNS-1123 label`);
        }
        if (!Number.isInteger(app.port) || app.port < 1 || app.port > 65535) {
            throw new Error(`GlobalServiceApp ${name}: port ${app.port} is not a TCP port (1-65535)`);
        }
        const inCluster: pulumi.CustomResourceOptions = { parent: this, provider: cluster.provider, deletedWith: cluster.deletionAnchor };
        const labels = appLabels(app);

        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: app.namespace } }, { ...inCluster, dependsOn: args.dependsOn });
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: app.name, namespace: namespace.metadata.name, labels },
                spec: {
                    replicas: app.replicas,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: {
                            containers: [
                                {
                                    name: app.name,
                                    image: app.image,
                                    args: containerArgs(app),
                                    env: [
                                        { name: "CLUSTER_NAME", value: cluster.clusterName },
                                        { name: "PORT", value: String(app.port) },
                                    ],
                                    ports: [{ name: "http", containerPort: app.port }],
                                    readinessProbe: { tcpSocket: { port: app.port }, periodSeconds: 5 },
                                    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                                },
                            ],
                        },
                    },
                },
            },
            { ...inCluster, dependsOn: args.dependsOn },
        );
        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name: app.name, namespace: namespace.metadata.name, labels, annotations: globalServiceAnnotations(app) },
                spec: { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: 80, targetPort: app.port, protocol: "TCP" }] },
            },
            { ...inCluster, dependsOn: [deployment] },
        );
        if (app.serviceExport) {
            new k8s.apiextensions.CustomResource(`${name}-service-export`, serviceExport(app), { ...inCluster, dependsOn: [service] });
        }
        this.serviceName = service.metadata.name;
        this.namespace = namespace.metadata.name;
        this.serviceFqdn = pulumi.interpolate`${service.metadata.name}.${namespace.metadata.name}.svc.cluster.local`;
        this.registerOutputs({ serviceName: this.serviceName, namespace: this.namespace, serviceFqdn: this.serviceFqdn });
    }
}
