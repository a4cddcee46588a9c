import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "../../lib/cidr";
import type { MeshCluster } from "../cluster/mesh-cluster";
import { failOnProblems } from "../problems";
import type { MeshCaMaterial } from "../mesh/certificate-authority";
import { issueLeafCertificate, type LeafCertificate } from "./leaf-certificate";
import { chartArchiveAt, ciliumAtLeast, REFUSED_CILIUM_RELEASES } from "../../lib/cilium-version";
import { buildCiliumValues, buildPreflightValues, CILIUM_RELEASE_NAME, CLUSTERMESH_CERTIFICATE_SECRETS, PREFLIGHT_RELEASE_NAME, leafCertificateSubjects, mcsApiCrdSpecs, trustBundle, type CiliumSettings, type ClusterMeshPeer, type HelmValues } from "./values";
import { clustersetServerBlock, CORE_DNS_SERVICE_IMPORT_RULES } from "./mcs-dns";

export interface CiliumReleaseArgs {
    /** The cluster to install Cilium on; its provider, API server address and deletion anchor are used. */
    cluster: MeshCluster;
    /** Cilium `cluster.id`, unique in the mesh (1-255, or 1-511 with maxConnectedClusters 511). */
    clusterId: number;
    /** Pod CIDR handed to Cilium's cluster-pool IPAM. */
    podCIDR: string;
    /** Cilium settings of this member (version, routing, kube-proxy replacement, NodePort, MCS-API). */
    cilium: CiliumSettings;
    /** The CA that issues this member's certificates: the mesh CA (the new one once a CA rotation re-issues). */
    ca: MeshCaMaterial;
    /**
     * PEM certificates of every CA this member trusts (`tls.caBundle`). Default: `ca` alone.
     * During a CA rotation the old and the new CA, so members issued by either are trusted.
     */
    trustedCaCertPems?: pulumi.Input<pulumi.Input<string>[]>;
    /** Peers to connect to (`clustermesh.config.clusters`), usually `ClusterMeshLink.peers`. Default: none yet. */
    peers?: pulumi.Input<ClusterMeshPeer[]>;
    /** Native routing only: a CIDR covering every member's pods. Default: none. */
    nativeRoutingCIDR?: string;
    /** Annotations making the clustermesh-apiserver a load balancer instead of a NodePort (EKS). Default: NodePort. */
    apiserverServiceAnnotations?: Record<string, string>;
    /** With a load balancer, the ranges allowed to reach it (the peers'). Default: the cloud's default. */
    apiserverLoadBalancerSourceRanges?: string[];
    /** Native routing on one L2 segment (kind on one Docker network): routes to peers' pod ranges go straight to their nodes. Default false. */
    autoDirectNodeRoutes?: boolean;
    /** Enable Cilium's BGP control plane (the BGP resources come from `CiliumBgp`). Default false. */
    bgpControlPlane?: boolean;
    /** The device MTU Cilium sizes routes and tunnels by, where the mesh's path is narrower than the nodes' interface (lib/aws-mtu.ts). Default: detected. */
    mtu?: number;
    /** ENI mode on EKS: the IAM role the operator's service account assumes (IRSA). Default: none. */
    operatorRoleArn?: pulumi.Input<string>;
    /** Helm repository of the chart. Default `https://helm.cilium.io/`. */
    chartRepository?: string;
    /** A local chart archive (`cilium-<version>.tgz`) to install instead of the repository's (no internet). Default: the repository. */
    chartArchive?: string;
    /** Seconds Helm waits for the release. Default 900. */
    timeoutSeconds?: number;
}

/**
 * The Cilium Helm release of one cluster, with the clustermesh-apiserver certificates issued
 * by the mesh CA. Uses `helm.v3.Release`, not `helm.v4.Chart`: Chart skips Helm hooks and fails
 * preview when the kubeconfig is not known yet (pulumi-kubernetes #3027).
 *
 * Once the release exists it calls `cluster.attachCni(release)`: on EKS that is when the node
 * group may join. `ready` lists what workloads must wait for.
 */
export class CiliumRelease extends pulumi.ComponentResource {
    /** The Helm release. */
    public readonly release: k8s.helm.v3.Release;
    /** The values given to the chart. Secret (they hold the CA key). */
    public readonly values: pulumi.Output<HelmValues>;
    /** The chart version installed. */
    public readonly version: string;
    /** Resources in-cluster workloads should depend on: the release and what the cluster added after it. */
    public readonly ready: pulumi.Resource[];
    /** The pre-flight check's release while `cilium.preflight` is set (`${name}-preflight`). */
    public readonly preflight?: k8s.helm.v3.Release;

    constructor(name: string, args: CiliumReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        failOnProblems(`CiliumRelease ${name}`, releaseProblems(args), opts);
        super("clustermesh:cilium:CiliumRelease", name, {}, opts);
        const { cluster } = args;
        const inCluster: pulumi.CustomResourceOptions = { parent: this, provider: cluster.provider, deletedWith: cluster.deletionAnchor };

        // The clustermesh-apiserver's leaf certificates go in the Secrets the chart mounts
        // (Cilium 1.20 takes them no other way), created before the release.
        const subjects = leafCertificateSubjects(cluster.clusterName);
        const roles = Object.keys(CLUSTERMESH_CERTIFICATE_SECRETS) as (keyof typeof CLUSTERMESH_CERTIFICATE_SECRETS)[];
        const certificateSecrets = roles.map((role) => {
            const leaf: LeafCertificate = issueLeafCertificate(`${name}-${role}`, subjects[role], args.ca, { parent: this });
            return new k8s.core.v1.Secret(
                `${name}-${role}-cert-secret`,
                {
                    metadata: { name: CLUSTERMESH_CERTIFICATE_SECRETS[role], namespace: "kube-system" },
                    type: "kubernetes.io/tls",
                    stringData: pulumi.secret({ "ca.crt": pulumi.output(args.ca.certPem), "tls.crt": leaf.certPem, "tls.key": leaf.keyPem }),
                },
                inCluster,
            );
        });

        const b64 = (pem: pulumi.Input<string>): pulumi.Output<string> => pulumi.output(pem).apply((text) => Buffer.from(text).toString("base64"));
        const trusted = pulumi.output(args.trustedCaCertPems ?? [args.ca.certPem]);
        this.values = pulumi.secret(
            pulumi
                .output({
                    apiServerHost: cluster.apiServerHost,
                    apiServerPort: cluster.apiServerPort,
                    peers: pulumi.output(args.peers ?? []),
                    operatorRoleArn: pulumi.output(args.operatorRoleArn),
                    certificates: { ca: { cert: b64(args.ca.certPem), key: b64(args.ca.privateKeyPem) }, trustBundle: trusted.apply(trustBundle) },
                })
                .apply(({ apiServerHost, apiServerPort, peers, operatorRoleArn, certificates }) =>
                    buildCiliumValues({
                        clusterName: cluster.clusterName,
                        clusterId: args.clusterId,
                        kind: cluster.kind,
                        podCIDR: args.podCIDR,
                        cilium: args.cilium,
                        apiServerHost,
                        apiServerPort,
                        certificates,
                        peers,
                        nativeRoutingCIDR: args.nativeRoutingCIDR,
                        apiserverServiceAnnotations: args.apiserverServiceAnnotations,
                        apiserverLoadBalancerSourceRanges: args.apiserverLoadBalancerSourceRanges,
                        autoDirectNodeRoutes: args.autoDirectNodeRoutes,
                        bgpControlPlane: args.bgpControlPlane,
                        mtu: args.mtu,
                        operatorRoleArn,
                    }),
                ),
        );
        this.version = args.cilium.version;

        // Cilium 1.19's operator installs the MCS-API CRDs (clustermesh.mcsapi.installCRDs, the
        // `clustermesh-mcs-api-install-crds` option); 1.18's expects them to exist already. They
        // are retained: moving to 1.19 drops them from this program, and deleting a CRD deletes
        // every ServiceExport and ServiceImport in the cluster; the 1.19 operator takes them over.
        const mcsCrds =
            args.cilium.mcsAPI && !ciliumAtLeast(args.cilium.version, 1, 19)
                ? mcsApiCrdSpecs().map(
                      (crd) =>
                          new k8s.apiextensions.v1.CustomResourceDefinition(
                              `${name}-crd-${crd.spec.names.singular}`,
                              { metadata: crd.metadata, spec: crd.spec },
                              { ...inCluster, retainOnDelete: true },
                          ),
                  )
                : [];

        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: CILIUM_RELEASE_NAME,
                ...chartOf(args, args.cilium.version),
                namespace: "kube-system",
                values: this.values,
                // On EKS no node exists until Cilium is in (the node group waits for this
                // release), so waiting for pods would never end; k3s's server node is there.
                skipAwait: cluster.kind === "eks",
                timeout: args.timeoutSeconds ?? 900,
                maxHistory: 10,
                cleanupOnFail: true,
            },
            { ...inCluster, dependsOn: [...certificateSecrets, ...mcsCrds] },
        );
        this.ready = [this.release, ...cluster.attachCni(this.release), ...this.clustersetDns(name, args, inCluster)];
        if (args.cilium.preflight !== undefined) {
            this.preflight = this.preflightRelease(name, args, args.cilium.preflight, inCluster);
        }
        this.registerOutputs({ values: this.values, version: this.version, status: this.release.status, preflightStatus: this.preflight?.status });
    }

    /**
     * Cilium's pre-flight check for the release the member moves to next, as its own Helm release
     * of that release's chart (buildPreflightValues). Always awaited, on every kind: the point is
     * that the target's image is on every node before the agents restart onto it, and on day two
     * the nodes exist (the release waits for the member's release and node group).
     */
    private preflightRelease(name: string, args: CiliumReleaseArgs, target: string, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
        const values = pulumi
            .output({ apiServerHost: args.cluster.apiServerHost, apiServerPort: args.cluster.apiServerPort })
            .apply(({ apiServerHost, apiServerPort }) => buildPreflightValues({ cilium: args.cilium, apiServerHost, apiServerPort }));
        return new k8s.helm.v3.Release(
            `${name}-preflight`,
            {
                name: PREFLIGHT_RELEASE_NAME,
                ...chartOf(args, target),
                namespace: "kube-system",
                values,
                skipAwait: false,
                timeout: args.timeoutSeconds ?? 900,
                maxHistory: 10,
                cleanupOnFail: true,
            },
            { ...opts, dependsOn: this.ready },
        );
    }

    /**
     * MCS-API DNS (mcs-dns.ts): CoreDNS may read ServiceImports, and on k3s serves
     * `clusterset.local` from `coredns-custom`, which k3s keeps across restarts (k3s #4397).
     * On EKS the zone comes with the CoreDNS add-on's corefile (EksCluster `clustersetDns`).
     */
    private clustersetDns(name: string, args: CiliumReleaseArgs, opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
        if (!args.cilium.mcsAPI) {
            return [];
        }
        // Not the chart's own name (coredns-mcsapi): a release that once had auto-configure on
        // keeps that ClusterRole (helm.sh/resource-policy: keep), and creating it again would clash.
        const roleName = "clustermesh-coredns-mcsapi";
        const role = new k8s.rbac.v1.ClusterRole(`${name}-coredns-mcsapi`, { metadata: { name: roleName }, rules: CORE_DNS_SERVICE_IMPORT_RULES }, opts);
        const binding = new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-coredns-mcsapi-binding`,
            {
                metadata: { name: roleName },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
                subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: "kube-system" }],
            },
            { ...opts, dependsOn: [role] },
        );
        if (args.cluster.kind !== "k3s") {
            return [role, binding];
        }
        const custom = new k8s.core.v1.ConfigMap(
            `${name}-coredns-custom`,
            { metadata: { name: "coredns-custom", namespace: "kube-system" }, data: { "clusterset.server": clustersetServerBlock() } },
            opts,
        );
        return [role, binding, custom];
    }
}

/**
 * Where a release's chart comes from: a local archive is resolved by the provider from the file
 * (its version is in its name, the archive of `version` beside the configured one); otherwise the
 * named chart at the version from the repository.
 */
function chartOf(args: CiliumReleaseArgs, version: string): Pick<k8s.helm.v3.ReleaseArgs, "chart" | "version" | "repositoryOpts"> {
    return args.chartArchive !== undefined
        ? { chart: chartArchiveAt(args.chartArchive, version) }
        : { chart: "cilium", version, repositoryOpts: { repo: args.chartRepository ?? "https://helm.cilium.io/" } };
}

function releaseProblems(args: CiliumReleaseArgs): string[] {
    const problems: string[] = [];
    const max = args.cilium.maxConnectedClusters;
    if (!Number.isInteger(args.clusterId) || args.clusterId < 1 || args.clusterId > max) {
        problems.push(`clusterId ${args.clusterId} is outside 1-${max}; pick an id unused in the mesh`);
    }
    if (!parseCidr(args.podCIDR)) {
        problems.push(`podCIDR ${args.podCIDR} is not a CIDR block; write e.g. 10.11.0.0/16`);
    }
    if (args.nativeRoutingCIDR !== undefined && !parseCidr(args.nativeRoutingCIDR)) {
        problems.push(`nativeRoutingCIDR ${args.nativeRoutingCIDR} is not a CIDR block`);
    }
    for (const [key, version] of [["version", args.cilium.version], ["preflight", args.cilium.preflight]] as const) {
        const refused = version === undefined ? undefined : REFUSED_CILIUM_RELEASES[version];
        if (refused) {
            problems.push(`cilium.${key} ${version} ${refused.reason}; ${refused.fix}`);
        }
    }
    if (args.cilium.preflight !== undefined && args.cilium.preflight === args.cilium.version) {
        problems.push(`cilium.preflight ${args.cilium.preflight} is the release installed already; the pre-flight check is for the release the member moves to`);
    }
    return problems;
}
