/**
 * Cilium Helm values for one mesh member, built by a pure function so they can be unit tested,
 * printed by the plan and checked against the real chart (`../shared/tools/cilium-check`).
 * Keys are emitted in sorted order: the same inputs always give byte-identical values, so a
 * second `pulumi up` shows no diff.
 */
import { ciliumAtLeast } from "../../lib/cilium-version";
import { certificateBlocks } from "../../lib/mesh-ca";
import type { ClusterMeshPeer } from "../../lib/contract";
import type { ClusterKind } from "../cluster/mesh-cluster";
import { byCodePoint } from "../../lib/order";

export type { ClusterMeshPeer };

/** The Cilium settings of one member that shape its values. */
export interface CiliumSettings {
    /** Cilium Helm chart version, e.g. `1.20.0`: members at most one minor apart. */
    readonly version: string;
    /** `tunnel` (overlay) or `native` routing: the same on every member. */
    readonly routingMode: "tunnel" | "native";
    /** Overlay protocol with `routingMode: tunnel`. */
    readonly tunnelProtocol: "vxlan" | "geneve";
    /** `cluster-pool` (pods from the member's pod CIDR) or `eni` (EKS only, pods take VPC addresses). */
    readonly ipam: "cluster-pool" | "eni";
    /** Cilium replaces kube-proxy. */
    readonly kubeProxyReplacement: boolean;
    /** Mesh size limit (`clustermesh.maxConnectedClusters`), 255 or 511: the same on every member. */
    readonly maxConnectedClusters: 255 | 511;
    /** NodePort of the clustermesh-apiserver when it is not behind a load balancer. */
    readonly apiserverNodePort: number;
    /** Multi-Cluster Services API support. */
    readonly mcsAPI: boolean;
    /** The release whose pre-flight check runs beside this one (`buildPreflightValues`), if any. */
    readonly preflight?: string;
}

/** The Helm release name of a member's Cilium: the one the agents, the operator and the clustermesh-apiserver come from. */
export const CILIUM_RELEASE_NAME = "cilium";
/** The Helm release name of the pre-flight check, as Cilium's upgrade guide names it. */
export const PREFLIGHT_RELEASE_NAME = "cilium-preflight";

/** A certificate and its key, base64-encoded PEM as the chart expects. */
export interface CertificatePair {
    readonly cert: string;
    readonly key: string;
}

/**
 * What the values say about one member's certificates. The clustermesh-apiserver's own leaf
 * certificates are not values: they are Secrets the program creates before the release
 * (CLUSTERMESH_CERTIFICATE_SECRETS), which Cilium 1.20 requires and 1.18/1.19 accept.
 */
export interface ClusterMeshCertificates {
    /** The CA that issues this member's certificates (the chart's `tls.ca`, which Hubble's certificates come from too). */
    readonly ca: CertificatePair;
    /**
     * The PEM certificates of every CA this member trusts (`tls.caBundle`, which overrides each
     * certificate's `ca.crt`): the mesh CA, and during a CA rotation the old and the new one.
     */
    readonly trustBundle: string;
}

/**
 * The Secrets the chart mounts for the clustermesh-apiserver and KVStoreMesh when
 * `clustermesh.apiserver.tls.auto.enabled` is false (chart values.yaml: "you need to pre-create
 * the following secrets"), by the leaf certificate each holds. Each has `tls.crt` and `tls.key`,
 * and `ca.crt` (unused while `tls.caBundle` is on).
 */
export const CLUSTERMESH_CERTIFICATE_SECRETS = {
    server: "clustermesh-apiserver-server-cert",
    admin: "clustermesh-apiserver-admin-cert",
    remote: "clustermesh-apiserver-remote-cert",
    local: "clustermesh-apiserver-local-cert",
} as const;

/**
 * One PEM bundle of the CAs a member trusts: each certificate once, in a fixed order (sorted), so
 * the order the trust list is given in never shows as a diff.
 */
export function trustBundle(caCertPems: readonly string[]): string {
    return certificateBlocks(caCertPems.join("\n")).sort(byCodePoint).map((block) => `${block}\n`).join("");
}

/**
 * The values that keep the chart from writing the clustermesh-apiserver certificates itself.
 * 1.20 refuses certificates as values (templates/validate.yaml: "The support for providing
 * Cluster Mesh certs and keys as helm values has been removed") and has no `enableSecrets`; 1.18
 * and 1.19 would render empty Secrets of those names over ours unless `enableSecrets` is false.
 */
export function clustermeshTlsValues(version: string): HelmValues {
    return { auto: { enabled: false }, ...(ciliumAtLeast(version, 1, 20) ? {} : { enableSecrets: false }) };
}

export interface CiliumValuesInput {
    readonly clusterName: string;
    readonly clusterId: number;
    readonly kind: ClusterKind;
    readonly podCIDR: string;
    readonly cilium: CiliumSettings;
    /** API server as the nodes reach it (kube-proxy replacement needs it before Services work). */
    readonly apiServerHost: string;
    readonly apiServerPort: number;
    readonly certificates: ClusterMeshCertificates;
    /** Peers to connect to; this cluster's own entry, if present, is dropped. */
    readonly peers: readonly ClusterMeshPeer[];
    /** Native routing only: a CIDR covering every member's pods, so pod-to-pod traffic is not masqueraded. */
    readonly nativeRoutingCIDR?: string;
    /** Annotations of the clustermesh-apiserver Service (EKS: an internal load balancer). */
    readonly apiserverServiceAnnotations?: Readonly<Record<string, string>>;
    /** With a load balancer: the only ranges it accepts (the peers'), instead of everything. */
    readonly apiserverLoadBalancerSourceRanges?: readonly string[];
    /** Number of Cilium operator replicas; 1 fits single-node k3s, where a second replica cannot schedule. */
    readonly operatorReplicas?: number;
    /**
     * Native routing only: install routes to other nodes' pod ranges directly, which works when
     * every node of the mesh is on one L2 segment (kind members on one Docker network). Default false.
     */
    readonly autoDirectNodeRoutes?: boolean;
    /** Run Cilium's BGP control plane (`bgpControlPlane.enabled`). Default false. */
    readonly bgpControlPlane?: boolean;
    /**
     * The device MTU Cilium sizes its routes and tunnel by (`MTU`), when the path between
     * members carries less than the nodes' own interface (AWS Transit Gateway and inter-region
     * peering: 8500 against EC2's 9001, lib/aws-mtu.ts). Default: Cilium detects it.
     */
    readonly mtu?: number;
    /**
     * ENI mode on EKS: the IAM role the Cilium operator's service account assumes (IRSA,
     * `eks.amazonaws.com/role-arn`), holding the EC2 actions of ENI IPAM
     * (lib/aws-permissions.ts). Default: none (the operator would fall back to the node role).
     */
    readonly operatorRoleArn?: string;
}

export type HelmValues = { [key: string]: HelmValue };
export type HelmValue = string | number | boolean | null | HelmValue[] | HelmValues;

/** Deep copy with object keys sorted; arrays keep their order. */
export function sortKeys<T extends HelmValue>(value: T): T {
    if (Array.isArray(value)) {
        return value.map((v) => sortKeys(v)) as T;
    }
    if (value !== null && typeof value === "object") {
        const object: HelmValues = value;
        return Object.fromEntries(
            Object.keys(object)
                .sort()
                .map((k) => [k, sortKeys(object[k])]),
        ) as T;
    }
    return value;
}

/** Peer entries in a stable order (by name), without this cluster's own entry. */
export function peerEntries(clusterName: string, peers: readonly ClusterMeshPeer[]): HelmValues[] {
    return [...peers]
        .filter((p) => p.name !== clusterName)
        .sort((a, b) => byCodePoint(a.name, b.name))
        .map((p) => {
            const entry: HelmValues = { name: p.name, port: p.port };
            if (p.address !== undefined) {
                entry.address = p.address;
            }
            if (p.ips !== undefined && p.ips.length > 0) {
                entry.ips = [...p.ips];
            }
            return entry;
        });
}

/**
 * The MCS-API values for the chart version: the key moved in 1.19. The chart's CoreDNS
 * auto-configuration stays off: it is a post-install hook Job that EKS cannot run (no node
 * until after the release) and whose edit k3s undoes; `mcs-dns.ts` configures CoreDNS instead.
 * kind is the exception (`autoConfigureDns`): its kubeadm CoreDNS keeps the edit and its nodes
 * run the Job once Cilium is in, so the chart's own way serves (the hand-run lab edited the same
 * ConfigMap by hand).
 */
export function mcsApiValues(version: string, enabled: boolean, autoConfigureDns = false): HelmValues {
    if (ciliumAtLeast(version, 1, 19)) {
        return { mcsapi: { enabled, ...(enabled ? { corednsAutoConfigure: { enabled: autoConfigureDns } } : {}) } };
    }
    return { enableMCSAPISupport: enabled };
}

export function buildCiliumValues(input: CiliumValuesInput): HelmValues {
    const { cilium, certificates } = input;
    const eni = cilium.ipam === "eni";
    const values: HelmValues = {
        cluster: { name: input.clusterName, id: input.clusterId },
        // Without an explicit pool the chart hands out 10.0.0.0/8, which overlaps every
        // other member; cluster-pool with the member's own podCIDR keeps pods apart.
        ipam: eni
            ? { mode: "eni" }
            : { mode: "cluster-pool", operator: { clusterPoolIPv4PodCIDRList: [input.podCIDR], clusterPoolIPv4MaskSize: 24 } },
        routingMode: cilium.routingMode,
        kubeProxyReplacement: cilium.kubeProxyReplacement,
        k8sServiceHost: input.apiServerHost,
        k8sServicePort: input.apiServerPort,
        operator: { replicas: input.operatorReplicas ?? 1 },
        tls: {
            ca: { cert: certificates.ca.cert, key: certificates.ca.key },
            // The chart writes the bundle to the cilium-root-ca.crt ConfigMap, and every
            // clustermesh and Hubble component validates peers against it: trusting the old and
            // the new CA at once is what lets a CA rotate with no downtime (chart values.yaml).
            caBundle: { enabled: true, content: certificates.trustBundle },
        },
        clustermesh: {
            useAPIServer: true,
            maxConnectedClusters: cilium.maxConnectedClusters,
            config: { enabled: true, clusters: peerEntries(input.clusterName, input.peers) },
            ...mcsApiValues(cilium.version, cilium.mcsAPI, input.kind === "kind"),
            apiserver: {
                kvstoremesh: { enabled: true },
                // A LoadBalancer here is one Helm waits for (it needs an address): only where the
                // cloud gives one without this release (EKS's in-tree provider). An LB-IPAM address
                // needs a pool that can only come after the release (CiliumBgp publishes it then).
                service:
                    input.apiserverServiceAnnotations !== undefined
                        ? {
                              type: "LoadBalancer",
                              annotations: { ...input.apiserverServiceAnnotations },
                              ...(input.apiserverLoadBalancerSourceRanges?.length ? { loadBalancerSourceRanges: [...input.apiserverLoadBalancerSourceRanges] } : {}),
                          }
                        : { type: "NodePort", nodePort: cilium.apiserverNodePort },
                // Certificates issued by Pulumi (tls provider) into Secrets, instead of
                // `auto.method: helm`, which re-issues them on every render (a diff on every up).
                tls: clustermeshTlsValues(cilium.version),
            },
        },
    };
    if (cilium.routingMode === "tunnel") {
        values.tunnelProtocol = cilium.tunnelProtocol;
    } else if (!eni && input.nativeRoutingCIDR !== undefined) {
        values.ipv4NativeRoutingCIDR = input.nativeRoutingCIDR;
        values.autoDirectNodeRoutes = input.autoDirectNodeRoutes ?? false;
    }
    if (input.bgpControlPlane) {
        values.bgpControlPlane = { enabled: true };
    }
    if (eni) {
        values.eni = { enabled: true };
        // From chart 1.18 ENI mode leaves masquerading off unless asked (templates/cilium-configmap.yaml,
        // "Default values when 1.18 was initially deployed"): without it eth+ below does nothing and
        // pods reach nothing outside the VPC.
        values.enableIPv4Masquerade = true;
        values.egressMasqueradeInterfaces = "eth+";
        if (input.operatorRoleArn !== undefined) {
            values.serviceAccounts = { operator: { annotations: { "eks.amazonaws.com/role-arn": input.operatorRoleArn } } };
        }
    }
    if (input.mtu !== undefined) {
        values.MTU = input.mtu;
    }
    return sortKeys(values);
}

export interface PreflightValuesInput {
    readonly cilium: Pick<CiliumSettings, "kubeProxyReplacement">;
    /** API server as the nodes reach it: without kube-proxy the pre-flight pods reach it by address too. */
    readonly apiServerHost: string;
    readonly apiServerPort: number;
}

/**
 * The values of Cilium's pre-flight check (upgrade guide, "Running pre-flight check (Required)":
 * `--set preflight.enabled=true --set agent=false --set operator.enabled=false`, and with
 * kube-proxy replacement `k8sServiceHost`/`k8sServicePort`). The chart then renders only the
 * cilium-pre-flight-check DaemonSet, which pulls the target's agent image on every node, and the
 * Deployment that validates the cluster's network policies against the target.
 */
export function buildPreflightValues(input: PreflightValuesInput): HelmValues {
    return sortKeys({
        preflight: { enabled: true },
        agent: false,
        operator: { enabled: false },
        ...(input.cilium.kubeProxyReplacement ? { k8sServiceHost: input.apiServerHost, k8sServicePort: input.apiServerPort } : {}),
    });
}

/** The names of the leaf certificates the chart expects, with the common names Helm would give them. */
export function leafCertificateSubjects(clusterName: string): Record<"server" | "admin" | "remote" | "local", { commonName: string; dnsNames: string[]; ipAddresses: string[]; client: boolean }> {
    return {
        // The chart's own helm-generated server certificate carries these names (templates/clustermesh-apiserver/tls-helm).
        server: {
            commonName: "clustermesh-apiserver.cilium.io",
            dnsNames: ["clustermesh-apiserver.cilium.io", "*.mesh.cilium.io", "clustermesh-apiserver.kube-system.svc"],
            ipAddresses: ["127.0.0.1", "::1"],
            client: false,
        },
        admin: { commonName: `admin-${clusterName}`, dnsNames: [], ipAddresses: [], client: true },
        // authMode "migration" (the chart default) expects CN=remote for a provided remote certificate.
        remote: { commonName: "remote", dnsNames: [], ipAddresses: [], client: true },
        // KVStoreMesh's local client certificate; the chart only creates it with auto TLS, so it is issued here too.
        local: { commonName: `local-${clusterName}`, dnsNames: [], ipAddresses: [], client: true },
    };
}

/** A CustomResourceDefinition as plain data (what `kubectl apply` would send). */
export interface CrdSpec {
    readonly metadata: { name: string };
    readonly spec: {
        group: string;
        scope: "Namespaced";
        names: { kind: string; plural: string; singular: string; listKind: string; shortNames: string[] };
        versions: Array<{ name: string; served: boolean; storage: boolean; subresources: { status: Record<string, never> }; schema: { openAPIV3Schema: Record<string, unknown> } }>;
    };
}

/**
 * The Multi-Cluster Services API CRDs (sigs.k8s.io/mcs-api, multicluster.x-k8s.io/v1alpha1),
 * for Cilium 1.18 whose chart does not install them. The schema accepts the upstream fields
 * without restating them.
 */
export function mcsApiCrdSpecs(): CrdSpec[] {
    const crd = (kind: string, shortName: string): CrdSpec => {
        const plural = `${kind.toLowerCase()}s`;
        return {
            metadata: { name: `${plural}.multicluster.x-k8s.io` },
            spec: {
                group: "multicluster.x-k8s.io",
                scope: "Namespaced",
                names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`, shortNames: [shortName] },
                versions: [
                    {
                        name: "v1alpha1",
                        served: true,
                        storage: true,
                        subresources: { status: {} },
                        schema: {
                            openAPIV3Schema: {
                                type: "object",
                                properties: {
                                    spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                                    status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                                },
                            },
                        },
                    },
                ],
            },
        };
    };
    return [crd("ServiceExport", "svcex"), crd("ServiceImport", "svcim")];
}
