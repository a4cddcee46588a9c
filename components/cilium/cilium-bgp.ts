import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseAddress, parseCidr } from "../../lib/cidr";
import type { MeshCluster } from "../cluster/mesh-cluster";
import { failOnProblems } from "../problems";
import { apiserverLoadBalancerService, BGP_AUTH_SECRET, bgpResources, type BgpSettings } from "./bgp";

export interface CiliumBgpArgs {
    /** The cluster: its provider and deletion anchor are used. */
    cluster: MeshCluster;
    /** Cilium version of the cluster: decides the resources' API version. */
    ciliumVersion: string;
    /** Local ASN, routers, advertisements and the optional LB-IPAM pool. */
    bgp: BgpSettings;
    /** TCP MD5 password for the peers marked `authenticated`. Required when any is. Made secret here. */
    password?: pulumi.Input<string>;
    /**
     * What must exist first: the Cilium release (`CiliumRelease.ready`), whose operator
     * registers the BGP and LB-IPAM CRDs.
     */
    dependsOn: pulumi.Resource[];
    /**
     * Publish the clustermesh-apiserver as a LoadBalancer Service at this address of
     * `bgp.loadBalancerPool`, created after the pool (`apiserverLoadBalancerService`). Default: not published.
     */
    apiserverAddress?: string;
}

/**
 * The BGP control plane's configuration of one cluster (`CiliumBGPClusterConfig`,
 * `CiliumBGPPeerConfig`, `CiliumBGPAdvertisement`) and its LB-IPAM pool, created after the
 * Cilium release (Cilium's operator registers their CRDs; the chart must have
 * `bgpControlPlane.enabled`). The optional password goes into a Secret in kube-system, the
 * namespace the agents read BGP secrets from.
 */
export class CiliumBgp extends pulumi.ComponentResource {
    /** The custom resources, in the order `bgpResources` gives them. */
    public readonly resources: k8s.apiextensions.CustomResource[];
    /** The clustermesh-apiserver's LoadBalancer Service at `apiserverAddress`, when asked for. */
    public readonly apiserverService?: k8s.core.v1.Service;

    constructor(name: string, args: CiliumBgpArgs, opts?: pulumi.ComponentResourceOptions) {
        failOnProblems(`CiliumBgp ${name}`, bgpProblems(args), opts);
        super("clustermesh:cilium:CiliumBgp", name, {}, opts);
        const inCluster: pulumi.CustomResourceOptions = { parent: this, provider: args.cluster.provider, deletedWith: args.cluster.deletionAnchor };
        const secret =
            args.password !== undefined
                ? [
                      new k8s.core.v1.Secret(
                          `${name}-auth`,
                          { metadata: { name: BGP_AUTH_SECRET, namespace: "kube-system" }, stringData: pulumi.secret(pulumi.output(args.password).apply((password) => ({ password }))) },
                          { ...inCluster, dependsOn: args.dependsOn },
                      ),
                  ]
                : [];
        const specs = bgpResources(args.cluster.clusterName, args.ciliumVersion, args.bgp);
        this.resources = specs.map(
            (cr) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${cr.kind.replace(/^Cilium/, "").toLowerCase()}-${cr.metadata.name}`,
                    { apiVersion: cr.apiVersion, kind: cr.kind, metadata: cr.metadata, spec: cr.spec },
                    { ...inCluster, dependsOn: [...args.dependsOn, ...secret] },
                ),
        );
        if (args.apiserverAddress !== undefined) {
            const service = apiserverLoadBalancerService(args.apiserverAddress);
            const pools = this.resources.filter((_, i) => specs[i].kind === "CiliumLoadBalancerIPPool");
            // After the pool: Pulumi waits for the Service's address, which only the pool can give.
            this.apiserverService = new k8s.core.v1.Service(
                `${name}-apiserver-lb`,
                { metadata: service.metadata, spec: { ...service.spec, ports: service.spec.ports.map((p) => ({ ...p })) } },
                { ...inCluster, dependsOn: [...args.dependsOn, ...pools] },
            );
        }
        this.registerOutputs({});
    }
}

function bgpProblems(args: CiliumBgpArgs): string[] {
    const problems: string[] = [];
    const { bgp } = args;
    const asn = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 4294967295;
    if (!asn(bgp.localASN)) {
        problems.push(`bgp.localASN ${bgp.localASN} is not an ASN; use 1-4294967295, e.g. 65001`);
    }
    if (bgp.peers.length === 0) {
        problems.push("bgp.peers is empty; give at least the router the nodes peer with");
    }
    const names = new Set<string>();
    for (const peer of bgp.peers) {
        if (names.has(peer.name)) {
            problems.push(`bgp.peers lists ${peer.name} twice; give every peer its own name`);
        }
        names.add(peer.name);
        if (!parseAddress(peer.address)) {
            problems.push(`bgp.peers ${peer.name}: address ${JSON.stringify(peer.address)} is not an IP address`);
        }
        if (!asn(peer.asn)) {
            problems.push(`bgp.peers ${peer.name}: asn ${peer.asn} is not an ASN; use 1-4294967295`);
        }
        if (peer.ebgpMultihop !== undefined) {
            if (!Number.isInteger(peer.ebgpMultihop) || peer.ebgpMultihop < 1 || peer.ebgpMultihop > 255) {
                problems.push(`bgp.peers ${peer.name}: ebgpMultihop ${peer.ebgpMultihop} is outside 1-255 (CiliumBGPPeerConfig); use e.g. 2`);
            } else if (peer.asn === bgp.localASN) {
                problems.push(`bgp.peers ${peer.name}: ebgpMultihop applies to eBGP only, but the peer is in the cluster's own AS ${bgp.localASN}; remove it`);
            }
        }
    }
    if (bgp.peers.some((p) => p.authenticated) && args.password === undefined) {
        problems.push("a peer is authenticated but no password is given; pass password (the secret clustermesh:bgpPassword)");
    }
    const pool = bgp.loadBalancerPool === undefined ? undefined : parseCidr(bgp.loadBalancerPool);
    if (bgp.loadBalancerPool !== undefined && !pool) {
        problems.push(`bgp.loadBalancerPool ${bgp.loadBalancerPool} is not a CIDR block; write e.g. 172.16.1.0/24`);
    }
    if (args.apiserverAddress !== undefined) {
        const address = parseAddress(args.apiserverAddress);
        if (!address) {
            problems.push(`apiserverAddress ${JSON.stringify(args.apiserverAddress)} is not an IP address`);
        } else if (!pool || pool.family !== address.family || address.first < pool.first || address.first > pool.last) {
            problems.push(`apiserverAddress ${args.apiserverAddress} is not in bgp.loadBalancerPool ${bgp.loadBalancerPool ?? "(none)"}: LB-IPAM would never give it, and the wait for its address never ends`);
        }
    }
    return problems;
}
