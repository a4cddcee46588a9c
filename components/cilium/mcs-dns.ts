/**
 * DNS for the Multi-Cluster Services API: CoreDNS must serve `clusterset.local` from the
 * ServiceImports Cilium creates. Pure, so each Corefile piece is tested on its own.
 *
 * The chart's own way (1.19 `clustermesh.mcsapi.corednsAutoConfigure`) is a post-install hook
 * Job that edits the `coredns` ConfigMap. It fits neither cluster kind here: k3s rewrites that
 * ConfigMap on every server start (extra zones belong in `coredns-custom`, k3s #4397), and an
 * EKS cluster has no node to run the Job until after the release, while Helm waits for hooks
 * (DESIGN §7). 1.18's chart has no auto-configuration at all. So the program configures it,
 * on every supported version: k3s through `coredns-custom`, EKS through the CoreDNS add-on's
 * `corefile` configuration value (`eksCorefile` in components/cluster/eks-config.ts). CoreDNS must be 1.12.2 or later (the kubernetes plugin's
 * `multicluster` option; the chart's values say the same).
 */

/** The MCS-API's DNS zone. */
export const CLUSTERSET_DOMAIN = "clusterset.local";

/** What CoreDNS needs to read to answer for the zone, as the chart's own ClusterRole grants it. */
export const CORE_DNS_SERVICE_IMPORT_RULES = [{ apiGroups: ["multicluster.x-k8s.io"], resources: ["serviceimports"], verbs: ["list", "watch"] }];

/**
 * A server block for the zone, for k3s's `coredns-custom` ConfigMap under a `*.server` key
 * (k3s's Corefile imports `/etc/coredns/custom/*.server` at its top level).
 */
export function clustersetServerBlock(): string {
    return [
        `${CLUSTERSET_DOMAIN}:53 {`,
        "    errors",
        "    cache 30",
        `    kubernetes ${CLUSTERSET_DOMAIN} {`,
        `        multicluster ${CLUSTERSET_DOMAIN}`,
        "    }",
        "}",
        "",
    ].join("\n");
}
