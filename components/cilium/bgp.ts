/**
 * Cilium's BGP control plane (BGPv2) and LB-IPAM as plain custom resources, built by pure
 * functions: `CiliumBGPClusterConfig` (the local ASN and the routers every node peers with),
 * one `CiliumBGPPeerConfig` per router (families, timers, graceful restart, the optional
 * password), `CiliumBGPAdvertisement` (pod ranges and LoadBalancer addresses) and
 * `CiliumLoadBalancerIPPool`. The tests validate each against Cilium's CRD schemas
 * (test/cilium-crds.ts).
 */
import { ciliumAtLeast } from "../../lib/cilium-version";
import { byCodePoint } from "../../lib/order";

/** One router the nodes peer with. */
export interface BgpPeer {
    /** Name of the peer, unique among the peers (a DNS-1123 label). */
    readonly name: string;
    /** The router's IP address. */
    readonly address: string;
    /** The router's autonomous system number. */
    readonly asn: number;
    /** Authenticate the session with the TCP MD5 password (the `BGP_AUTH_SECRET` secret). */
    readonly authenticated: boolean;
}

/** A member's BGP settings. */
export interface BgpSettings {
    /** The cluster's own ASN. */
    readonly localASN: number;
    /** Routers every node peers with; at least one. */
    readonly peers: readonly BgpPeer[];
    /** What the nodes advertise: their pod ranges, the LoadBalancer addresses. */
    readonly advertise: { readonly podCIDRs: boolean; readonly loadBalancerIPs: boolean };
    /** LB-IPAM range for LoadBalancer services. Default: no pool. */
    readonly loadBalancerPool?: string;
}

/** A custom resource as `kubectl apply` would send it. */
export interface CustomResourceSpec {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
    readonly spec: Record<string, unknown>;
}

/** Secret (in kube-system, `bgpControlPlane.secretsNamespace`) holding the TCP MD5 password under `password`. */
export const BGP_AUTH_SECRET = "clustermesh-bgp-auth";
/** Label the peer configs select advertisements by. */
export const BGP_ADVERTISE_LABEL = { advertise: "bgp" } as const;
/** A service labelled with this key is not advertised (every other LoadBalancer address is). */
export const BGP_SKIP_SERVICE_LABEL = "clustermesh/no-advertise";

/**
 * The API version of the BGP and LB-IPAM resources: `cilium.io/v2` from Cilium 1.18 (where the
 * BGPv2 and LB-IPAM APIs were promoted), `cilium.io/v2alpha1` before (1.16, 1.17).
 */
export function bgpApiVersion(ciliumVersion: string): "cilium.io/v2" | "cilium.io/v2alpha1" {
    return ciliumAtLeast(ciliumVersion, 1, 18) ? "cilium.io/v2" : "cilium.io/v2alpha1";
}

/** Every BGP and LB-IPAM resource of one cluster, in a stable order. */
export function bgpResources(clusterName: string, ciliumVersion: string, bgp: BgpSettings): CustomResourceSpec[] {
    const apiVersion = bgpApiVersion(ciliumVersion);
    const peerConfig = (peer: BgpPeer): string => `${clusterName}-${peer.name}`;
    const resources: CustomResourceSpec[] = [
        {
            apiVersion,
            kind: "CiliumBGPClusterConfig",
            metadata: { name: `${clusterName}-bgp` },
            spec: {
                // No node selector: every node of the cluster peers with the routers.
                bgpInstances: [
                    {
                        name: `instance-${bgp.localASN}`,
                        localASN: bgp.localASN,
                        peers: [...bgp.peers]
                            .sort((a, b) => byCodePoint(a.name, b.name))
                            .map((peer) => ({ name: peer.name, peerASN: peer.asn, peerAddress: peer.address, peerConfigRef: { name: peerConfig(peer) } })),
                    },
                ],
            },
        },
        ...[...bgp.peers]
            .sort((a, b) => byCodePoint(a.name, b.name))
            .map(
                (peer): CustomResourceSpec => ({
                    apiVersion,
                    kind: "CiliumBGPPeerConfig",
                    metadata: { name: peerConfig(peer) },
                    spec: {
                        ...(peer.authenticated ? { authSecretRef: BGP_AUTH_SECRET } : {}),
                        // The hand-run lab's timers: a lost router is noticed in seconds, not minutes.
                        timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3 },
                        gracefulRestart: { enabled: true, restartTimeSeconds: 15 },
                        families: [{ afi: "ipv4", safi: "unicast", advertisements: { matchLabels: { ...BGP_ADVERTISE_LABEL } } }],
                    },
                }),
            ),
    ];
    const advertisements: Array<Record<string, unknown>> = [];
    if (bgp.advertise.podCIDRs) {
        advertisements.push({ advertisementType: "PodCIDR" });
    }
    if (bgp.advertise.loadBalancerIPs) {
        advertisements.push({
            advertisementType: "Service",
            service: { addresses: ["LoadBalancerIP"] },
            selector: { matchExpressions: [{ key: BGP_SKIP_SERVICE_LABEL, operator: "DoesNotExist" }] },
        });
    }
    if (advertisements.length > 0) {
        resources.push({
            apiVersion,
            kind: "CiliumBGPAdvertisement",
            metadata: { name: `${clusterName}-advertisements`, labels: { ...BGP_ADVERTISE_LABEL } },
            spec: { advertisements },
        });
    }
    if (bgp.loadBalancerPool !== undefined) {
        resources.push({
            apiVersion,
            kind: "CiliumLoadBalancerIPPool",
            metadata: { name: `${clusterName}-pool` },
            spec: { blocks: [{ cidr: bgp.loadBalancerPool }] },
        });
    }
    return resources;
}
