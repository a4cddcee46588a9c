/**
 * The CustomResourceDefinitions that Cilium registers at run time rather than through its Helm
 * chart, as minimal structural CRDs generated here (the upstream schemas are not copied):
 *
 * - Cilium's own CRDs: the operator creates them when it starts (cilium/cilium
 *   pkg/k8s/apis/cilium.io/client/register.go, `CreateCustomResourceDefinitions`, from the
 *   YAML in pkg/k8s/apis/cilium.io/client/crds/{v2,v2alpha1}). The kinds and versions below are
 *   those of the npm package `@kubernetes-models/cilium` (generated from those same CRD files);
 *   crds.test.ts fails when the package gains a kind this table lacks.
 * - The Multi-Cluster Services API CRDs (multicluster.x-k8s.io/v1alpha1): Cilium 1.19+'s
 *   operator installs them when `clustermesh.mcsapi.installCRDs` (cilium-config key
 *   `clustermesh-mcs-api-install-crds`, chart templates/cilium-configmap.yaml; the operator's
 *   ClusterRole gains CRD create for it, templates/cilium-operator/clusterrole.yaml). The program
 *   itself creates them for 1.18 (components/cilium/values.ts `mcsApiCrdSpecs`), which is reused
 *   here so both sides agree.
 *
 * What a minimal CRD does not do: validate the spec (every version keeps unknown fields; the
 * unit tests check the program's custom resources against the real schemas, test/cilium-crds.ts),
 * convert between versions (strategy None; the storage version is v2 where both exist), or print
 * columns.
 */
import { mcsApiCrdSpecs } from "../../../components/cilium/values";
import type { KubeObject } from "./kube-client";

/** One Cilium custom resource kind: its names, scope and the API versions the operator serves. */
export interface CiliumCrdRow {
    readonly kind: string;
    readonly plural: string;
    readonly scope: "Cluster" | "Namespaced";
    /** Served versions; the first is the storage version. */
    readonly versions: readonly ("v2" | "v2alpha1")[];
    /** Has a `/status` subresource (spec and status are written apart). */
    readonly status: boolean;
}

/**
 * Cilium's CRDs (group cilium.io). Scope and subresources from the kubebuilder markers of the
 * types in cilium/cilium pkg/k8s/apis/cilium.io/{v2,v2alpha1}/types.go and the BGP, LB-IPAM
 * and pool types beside them.
 */
export const CILIUM_CRDS: readonly CiliumCrdRow[] = [
    { kind: "CiliumNetworkPolicy", plural: "ciliumnetworkpolicies", scope: "Namespaced", versions: ["v2"], status: true },
    { kind: "CiliumClusterwideNetworkPolicy", plural: "ciliumclusterwidenetworkpolicies", scope: "Cluster", versions: ["v2"], status: true },
    { kind: "CiliumEndpoint", plural: "ciliumendpoints", scope: "Namespaced", versions: ["v2"], status: false },
    { kind: "CiliumIdentity", plural: "ciliumidentities", scope: "Cluster", versions: ["v2"], status: false },
    { kind: "CiliumNode", plural: "ciliumnodes", scope: "Cluster", versions: ["v2"], status: true },
    { kind: "CiliumNodeConfig", plural: "ciliumnodeconfigs", scope: "Namespaced", versions: ["v2", "v2alpha1"], status: false },
    { kind: "CiliumLocalRedirectPolicy", plural: "ciliumlocalredirectpolicies", scope: "Namespaced", versions: ["v2"], status: true },
    { kind: "CiliumEgressGatewayPolicy", plural: "ciliumegressgatewaypolicies", scope: "Cluster", versions: ["v2"], status: true },
    { kind: "CiliumEnvoyConfig", plural: "ciliumenvoyconfigs", scope: "Namespaced", versions: ["v2"], status: false },
    { kind: "CiliumClusterwideEnvoyConfig", plural: "ciliumclusterwideenvoyconfigs", scope: "Cluster", versions: ["v2"], status: false },
    { kind: "CiliumCIDRGroup", plural: "ciliumcidrgroups", scope: "Cluster", versions: ["v2", "v2alpha1"], status: false },
    { kind: "CiliumLoadBalancerIPPool", plural: "ciliumloadbalancerippools", scope: "Cluster", versions: ["v2", "v2alpha1"], status: true },
    { kind: "CiliumBGPClusterConfig", plural: "ciliumbgpclusterconfigs", scope: "Cluster", versions: ["v2", "v2alpha1"], status: true },
    { kind: "CiliumBGPPeerConfig", plural: "ciliumbgppeerconfigs", scope: "Cluster", versions: ["v2", "v2alpha1"], status: true },
    { kind: "CiliumBGPAdvertisement", plural: "ciliumbgpadvertisements", scope: "Cluster", versions: ["v2", "v2alpha1"], status: false },
    { kind: "CiliumBGPNodeConfig", plural: "ciliumbgpnodeconfigs", scope: "Cluster", versions: ["v2", "v2alpha1"], status: true },
    { kind: "CiliumBGPNodeConfigOverride", plural: "ciliumbgpnodeconfigoverrides", scope: "Cluster", versions: ["v2", "v2alpha1"], status: false },
    { kind: "CiliumEndpointSlice", plural: "ciliumendpointslices", scope: "Cluster", versions: ["v2alpha1"], status: false },
    { kind: "CiliumL2AnnouncementPolicy", plural: "ciliuml2announcementpolicies", scope: "Cluster", versions: ["v2alpha1"], status: true },
    { kind: "CiliumPodIPPool", plural: "ciliumpodippools", scope: "Cluster", versions: ["v2alpha1"], status: false },
    { kind: "CiliumGatewayClassConfig", plural: "ciliumgatewayclassconfigs", scope: "Namespaced", versions: ["v2alpha1"], status: true },
];

/** A structural schema that keeps every field: what a CRD without validation looks like. */
const OPEN_SCHEMA = {
    openAPIV3Schema: {
        type: "object",
        "x-kubernetes-preserve-unknown-fields": true,
    },
};

/** The CRD object of one Cilium kind. */
export function ciliumCrd(row: CiliumCrdRow): KubeObject {
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        // Cilium labels its CRDs with their schema version (register.go constructV1CRD).
        metadata: { name: `${row.plural}.cilium.io`, labels: { "io.cilium.k8s.crd.schema.version": "clustermesh-test-harness" } },
        spec: {
            group: "cilium.io",
            scope: row.scope,
            names: { kind: row.kind, listKind: `${row.kind}List`, plural: row.plural, singular: row.kind.toLowerCase(), categories: ["cilium"] },
            versions: row.versions.map((name, i) => ({
                name,
                served: true,
                storage: i === 0,
                schema: OPEN_SCHEMA,
                ...(row.status ? { subresources: { status: {} } } : {}),
            })),
        },
    };
}

/** Every Cilium CRD, in table order. */
export function ciliumCrds(): KubeObject[] {
    return CILIUM_CRDS.map(ciliumCrd);
}

/** The MCS-API CRDs (ServiceExport, ServiceImport), exactly as the program creates them for Cilium 1.18. */
export function mcsApiCrds(): KubeObject[] {
    return mcsApiCrdSpecs().map((crd) => ({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { ...crd.metadata }, spec: { ...crd.spec } }));
}

/** The API path of a Cilium kind's collection at its storage version (`/apis/cilium.io/v2/ciliumloadbalancerippools`). */
export function ciliumCollectionPath(kind: string, version?: "v2" | "v2alpha1"): string {
    const row = CILIUM_CRDS.find((r) => r.kind === kind);
    if (!row) {
        throw new Error(`no Cilium CRD ${kind} in CILIUM_CRDS`);
    }
    return `/apis/cilium.io/${version ?? row.versions[0]}/${row.plural}`;
}
