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
    /**
     * TTL of the eBGP session (`CiliumBGPPeerConfig.spec.ebgpMultihop`, 1-255): more than 1 when
     * the router is not directly connected to the nodes. Default: Cilium's 1.
     */
    readonly ebgpMultihop?: number;
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
                        ...(peer.ebgpMultihop !== undefined ? { ebgpMultihop: peer.ebgpMultihop } : {}),
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

/** Name of the LoadBalancer Service that publishes the clustermesh-apiserver at its LB-IPAM address. */
export const APISERVER_LB_SERVICE = "clustermesh-apiserver-lb";

/** A Service as `kubectl apply` would send it (the fields this program sets). */
export interface ServiceSpec {
    readonly metadata: { readonly name: string; readonly namespace: string; readonly annotations: Readonly<Record<string, string>>; readonly labels: Readonly<Record<string, string>> };
    readonly spec: {
        readonly type: "LoadBalancer";
        readonly selector: Readonly<Record<string, string>>;
        readonly ports: ReadonlyArray<{ readonly name: string; readonly port: number; readonly targetPort: number; readonly protocol: "TCP" }>;
    };
}

/**
 * The clustermesh-apiserver published at `address` of the LB-IPAM pool, as a Service of its own
 * beside the chart's (which stays a NodePort). Not the chart's Service made a LoadBalancer: Helm's
 * wait counts a LoadBalancer Service ready only once it has an address (helm pkg/kube/ready.go),
 * LB-IPAM gives none without a `CiliumLoadBalancerIPPool`, and the pool's CRD is registered by the
 * operator of that very release, so the release would wait for ever (DESIGN §8). This Service comes
 * after the pool; Pulumi waits for its address, which the pool then provides. Same selector and
 * port as the chart's (templates/clustermesh-apiserver/service.yaml); the address is asked for with
 * Cilium's `lbipam.cilium.io/ips` annotation (Cilium docs, LB IPAM "Requesting IPs").
 */
export function apiserverLoadBalancerService(address: string): ServiceSpec {
    return {
        metadata: {
            name: APISERVER_LB_SERVICE,
            namespace: "kube-system",
            annotations: { "lbipam.cilium.io/ips": address },
            labels: { "app.kubernetes.io/part-of": "clustermesh", "k8s-app": "clustermesh-apiserver" },
        },
        spec: { type: "LoadBalancer", selector: { "k8s-app": "clustermesh-apiserver" }, ports: [{ name: "apiserv", port: 2379, targetPort: 2379, protocol: "TCP" }] },
    };
}
