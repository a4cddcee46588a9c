/**
 * The objects a new cluster holds before anyone applies anything: the Node objects kwok then
 * drives, and (for kind stand-ins) what `kind create cluster` installs through kubeadm and its
 * manifests: CoreDNS (Deployment, Service kube-dns at the 10th service address, its RBAC),
 * kube-proxy unless `kubeProxyMode: none`, the local-path provisioner and its default
 * StorageClass `standard`. kindnet is not installed: the program always sets
 * `disableDefaultCNI: true`. Images are named as kind v0.29 names them; nothing pulls them.
 */
import { nthAddress, parseCidr } from "../../../lib/cidr";
import type { KubeObject } from "./kube-client";

/** One simulated node. */
export interface NodeSpec {
    readonly name: string;
    readonly role: "control-plane" | "worker";
    /** The node's InternalIP (for kind, its container's address on the Docker network). */
    readonly internalIP: string;
}

/** kwok manages the nodes carrying this annotation (its `--manage-nodes-with-annotation-selector`). */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";

/**
 * A Node object as kubeadm/kind registers it: the well-known labels, the control-plane role
 * label and (when there are workers) its NoSchedule taint, the InternalIP address. kwok fills
 * the rest of the status (conditions, capacity, nodeInfo) and keeps its lease.
 */
export function nodeObject(node: NodeSpec, hasWorkers: boolean, kubernetesVersion: string): KubeObject {
    const controlPlane = node.role === "control-plane";
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name: node.name,
            annotations: { [KWOK_NODE_ANNOTATION]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
            labels: {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": node.name,
                "kubernetes.io/os": "linux",
                "type": "kwok",
                ...(controlPlane ? { "node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": "" } : {}),
            },
        },
        spec: controlPlane && hasWorkers ? { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] } : {},
        status: {
            addresses: [
                { type: "InternalIP", address: node.internalIP },
                { type: "Hostname", address: node.name },
            ],
            nodeInfo: { kubeletVersion: kubernetesVersion, kubeProxyVersion: kubernetesVersion, operatingSystem: "linux", architecture: "amd64", containerRuntimeVersion: "kwok", kernelVersion: "kwok", osImage: "kwok", machineID: "", bootID: "", systemUUID: "" },
        },
    };
}

/** The 10th address of the service range: kubeadm's cluster DNS address. */
export function dnsServiceIP(serviceCIDR: string): string {
    const range = parseCidr(serviceCIDR);
    if (!range) {
        throw new Error(`serviceCIDR ${serviceCIDR} is not a CIDR block`);
    }
    return nthAddress(range, 10);
}

/** The first address of the service range: the `kubernetes` Service. */
export function apiServiceIP(serviceCIDR: string): string {
    const range = parseCidr(serviceCIDR);
    if (!range) {
        throw new Error(`serviceCIDR ${serviceCIDR} is not a CIDR block`);
    }
    return nthAddress(range, 1);
}

const COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

/** What kind installs after kubeadm init, in apply order. */
export function kindAddons(opts: { serviceCIDR: string; kubeProxy: boolean; kubernetesVersion: string }): KubeObject[] {
    const labels = { "k8s-app": "kube-dns" };
    const objects: KubeObject[] = [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "coredns", namespace: "kube-system" } },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: "system:coredns" },
            rules: [
                { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
                { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: "system:coredns" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
            subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: "kube-system" }],
        },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "coredns", namespace: "kube-system" }, data: { Corefile: COREFILE } },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "coredns", namespace: "kube-system", labels },
            spec: {
                replicas: 2,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        serviceAccountName: "coredns",
                        priorityClassName: "system-cluster-critical",
                        tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }, { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
                        containers: [{ name: "coredns", image: "registry.k8s.io/coredns/coredns:v1.12.0", args: ["-conf", "/etc/coredns/Corefile"], ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }, { name: "dns-tcp", containerPort: 53, protocol: "TCP" }, { name: "metrics", containerPort: 9153, protocol: "TCP" }] }],
                    },
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "kube-dns", namespace: "kube-system", labels: { ...labels, "kubernetes.io/name": "CoreDNS" } },
            spec: { selector: labels, clusterIP: dnsServiceIP(opts.serviceCIDR), ports: [{ name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }, { name: "metrics", port: 9153, protocol: "TCP" }] },
        },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "local-path-storage" } },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "local-path-provisioner-service-account", namespace: "local-path-storage" } },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "local-path-provisioner", namespace: "local-path-storage" },
            spec: {
                replicas: 1,
                selector: { matchLabels: { app: "local-path-provisioner" } },
                template: {
                    metadata: { labels: { app: "local-path-provisioner" } },
                    spec: {
                        serviceAccountName: "local-path-provisioner-service-account",
                        tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Equal", effect: "NoSchedule" }],
                        containers: [{ name: "local-path-provisioner", image: "docker.io/kindest/local-path-provisioner:v20250214-acbabc1a" }],
                    },
                },
            },
        },
        {
            apiVersion: "storage.k8s.io/v1",
            kind: "StorageClass",
            metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: "rancher.io/local-path",
            reclaimPolicy: "Delete",
            volumeBindingMode: "WaitForFirstConsumer",
        },
    ];
    if (opts.kubeProxy) {
        objects.push(
            { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "kube-proxy", namespace: "kube-system" } },
            {
                apiVersion: "apps/v1",
                kind: "DaemonSet",
                metadata: { name: "kube-proxy", namespace: "kube-system", labels: { "k8s-app": "kube-proxy" } },
                spec: {
                    selector: { matchLabels: { "k8s-app": "kube-proxy" } },
                    template: {
                        metadata: { labels: { "k8s-app": "kube-proxy" } },
                        spec: { hostNetwork: true, serviceAccountName: "kube-proxy", priorityClassName: "system-node-critical", tolerations: [{ operator: "Exists" }], containers: [{ name: "kube-proxy", image: `registry.k8s.io/kube-proxy:${opts.kubernetesVersion}`, securityContext: { privileged: true } }] },
                    },
                },
            },
        );
    }
    return objects;
}
