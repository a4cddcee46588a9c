import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MeshCluster } from "../cluster/mesh-cluster";
import { failOnProblems } from "../problems";
import { appConfigProblems, type GlobalServiceAppSettings, appLabels, containerArgs, containerEnv, globalServiceAnnotations, SERVICE_PORT, serviceExport, serviceFqdn } from "./app-manifests";

export interface GlobalServiceAppArgs {
    /**
     * The cluster to deploy to. Every object uses its `provider` and is deleted with its
     * `deletionAnchor` (once the cluster is gone its API server cannot be asked to delete
     * anything, pulumi-kubernetes #2675). Required.
     */
    cluster: MeshCluster;
    /**
     * The app (`clustermesh:app`, defaults applied by the stack schema): name and namespace
     * (identical in every cluster, or the Service is not merged into one global service), image,
     * args, port, replicas, shared, affinity, serviceExport. `enabled` is the caller's business.
     * Required.
     */
    app: GlobalServiceAppSettings;
    /**
     * What the workloads wait for, usually the CNI (`CiliumRelease.ready`): pods cannot get an
     * address before Cilium runs. Default: nothing.
     */
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
    /** The namespace of the Deployment and the Service (the same in every cluster). */
    public readonly namespace: pulumi.Output<string>;
    /** In-cluster DNS name of the global service, `<name>.<namespace>.svc.cluster.local`. */
    public readonly serviceFqdn: pulumi.Output<string>;

    constructor(name: string, args: GlobalServiceAppArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before even the component registers, so a bad config leaves nothing behind.
        failOnProblems(`GlobalServiceApp ${name}`, appConfigProblems(args.app), opts);
        super("clustermesh:app:GlobalServiceApp", name, {}, opts);
        const { app, cluster } = args;
        const inCluster: pulumi.CustomResourceOptions = {
            parent: this,
            provider: cluster.provider,
            deletedWith: cluster.deletionAnchor,
            dependsOn: args.dependsOn,
        };
        const labels = appLabels(app);

        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: app.namespace } }, inCluster);
        new k8s.apps.v1.Deployment(
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
                                    env: containerEnv(cluster.clusterName, app),
                                    ports: [{ name: "http", containerPort: app.port, protocol: "TCP" }],
                                    // A pod joins the global service's backends only once it answers.
                                    readinessProbe: { tcpSocket: { port: app.port }, periodSeconds: 5 },
                                    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                                },
                            ],
                        },
                    },
                },
            },
            inCluster,
        );
        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name: app.name, namespace: namespace.metadata.name, labels, annotations: globalServiceAnnotations(app) },
                spec: {
                    type: "ClusterIP",
                    selector: labels,
                    ports: [{ name: "http", port: SERVICE_PORT, targetPort: app.port, protocol: "TCP" }],
                },
            },
            inCluster,
        );
        if (app.serviceExport) {
            // The CRD comes with Cilium's MCS-API support (clustermesh:cilium.mcsAPI), hence the CNI dependency.
            new k8s.apiextensions.CustomResource(`${name}-service-export`, serviceExport(app), {
                ...inCluster,
                dependsOn: [service, ...(args.dependsOn ?? [])],
            });
        }
        this.serviceName = service.metadata.name;
        this.namespace = namespace.metadata.name;
        this.serviceFqdn = pulumi.all([service.metadata.name, namespace.metadata.name]).apply(([n, ns]) => serviceFqdn({ name: n, namespace: ns }));
        this.registerOutputs({ serviceName: this.serviceName, namespace: this.namespace, serviceFqdn: this.serviceFqdn });
    }
}
