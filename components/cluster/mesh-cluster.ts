import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** The cluster kinds a `MeshCluster` can be. */
export type ClusterKind = "k3s" | "eks" | "kind";

/**
 * What every cluster component (K3sCluster, EksCluster, KindCluster) offers the Cilium release, the mesh
 * link and the app. Components take this object rather than loose strings, so a caller cannot
 * wire one cluster's kubeconfig to another cluster's Cilium.
 */
export interface MeshCluster {
    /** Cilium `cluster.name`. */
    readonly clusterName: string;
    /** `k3s`, `eks` or `kind`: Cilium's values differ per kind (API server address, node readiness). */
    readonly kind: ClusterKind;
    /** Kubernetes provider for in-cluster objects, built from the secret kubeconfig. */
    readonly provider: k8s.Provider;
    /** Kubeconfig reaching the API server from where `pulumi up` runs. Secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /**
     * Host and port of the API server as seen from the nodes: Cilium's `k8sServiceHost` and
     * `k8sServicePort`, needed because kube-proxy replacement runs before any Service works.
     */
    readonly apiServerHost: pulumi.Output<string>;
    readonly apiServerPort: pulumi.Output<number>;
    /**
     * Addresses mesh peers reach this cluster's nodes on (private addresses across peered
     * VPCs): the `ips` of this cluster's clustermesh-apiserver endpoint.
     */
    readonly nodeAddresses: pulumi.Output<string[]>;
    /**
     * The resource in-cluster objects are deleted with (`deletedWith`): once it is gone the API
     * server is unreachable, and Helm releases ignore `deleteUnreachable` (pulumi-kubernetes #2675).
     */
    readonly deletionAnchor: pulumi.Resource;
    /**
     * Called with the CNI release once it exists. EKS creates its tainted node group and the
     * CoreDNS add-on here (nodes must not join before Cilium is installed); k3s has nothing to do.
     * Returns what in-cluster workloads should wait for.
     */
    attachCni(cni: pulumi.Resource): pulumi.Resource[];
}
