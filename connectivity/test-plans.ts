/**
 * Plans of generated meshes for the property tests and the benchmark, built in memory from the
 * same pure functions the program uses (Cilium values, certificate subjects, mesh ingress,
 * peering ownership, the mock engine's stand-in outputs), with the resource names, ids and
 * inputs the program gives them. Planning 64 or 255 members for real takes minutes; this takes
 * milliseconds. `test-plans.test.ts` holds it to the real program: on a real mesh both give
 * the same connectivity verdicts and the same network resources.
 */
import { buildCiliumValues, CLUSTERMESH_CERTIFICATE_SECRETS, leafCertificateSubjects, trustBundle } from "../components/cilium/values";
import { caResourceName, issuingGeneration, trustedGenerations } from "../lib/mesh-ca";
import { CLUSTERMESH_LB_ANNOTATIONS } from "../components/cluster/eks-config";
import { meshIngress, ownedPeerings } from "../components/mesh/mesh-network";
import { fakePem } from "../scripts/plan/mock-engine";
import { deployedOutputs } from "../scripts/plan/run-program";
import { coveringCidr } from "../lib/cidr";
import { toPeer } from "../lib/contract";
import { linkMember } from "../stack-args";
import type { MeshMember } from "../stacks/load";
import { isAwsBuilt } from "../stacks/build";
import { meshVpcs } from "../stacks/validate";
import { hubPeerings, regionHubs } from "../lib/topology";
import { TYPES, type MemberPlan, type PlannedResource } from "./plans";

const pair = { cert: "(issued at deploy)", key: "[secret]" };

/** The plan of every member of `members`, as the program would make it under the mock engine. */
export function syntheticPlans(members: readonly MeshMember[]): MemberPlan[] {
    const outputs = deployedOutputs(members);
    // Each generation's CA as the owner's run records it (lib/mesh-ca.ts, index.ts).
    const caCert = (generation: number): string => fakePem("CERTIFICATE", `${caResourceName(generation)}-cert`);
    const nativeCidr = coveringCidr(members.map((m) => m.cluster.podCIDR));
    return members.map((self) => {
        const n = self.cluster.name;
        const peers = members.filter((m) => m !== self);
        const linked = self.mesh.link ? peers : [];
        const eks = self.cluster.kind === "eks";
        const aws = isAwsBuilt(self);
        const ingress = meshIngress(linkMember(self), aws ? peers.map(linkMember) : []);
        const resources: PlannedResource[] = [];
        const add = (type: string, name: string, inputs: Record<string, unknown>, dependsOn?: string[]): void => {
            resources.push({ type, name, id: `${name}-id`, inputs, ...(dependsOn ? { dependencies: dependsOn } : {}) });
        };
        const release = `${n}-cilium-release`;
        const values = buildCiliumValues({
            clusterName: n,
            clusterId: self.cluster.id,
            kind: self.cluster.kind,
            podCIDR: self.cluster.podCIDR,
            cilium: self.cilium,
            apiServerHost: "(known after deploy)",
            apiServerPort: eks ? 443 : 6443,
            certificates: { ca: pair, trustBundle: trustBundle(trustedGenerations(self.mesh.ca).map(caCert)) },
            peers: linked.map((p) => toPeer({ name: p.cluster.name, stack: p.stack, file: p.file, defaultPort: p.cilium.apiserverNodePort }, outputs[p.stack].clustermeshEndpoint)),
            nativeRoutingCIDR: self.cilium.routingMode === "native" ? nativeCidr : undefined,
            apiserverServiceAnnotations: eks ? CLUSTERMESH_LB_ANNOTATIONS : undefined,
            apiserverLoadBalancerSourceRanges: eks ? ingress.sources.map((s) => s.cidr) : undefined,
        });
        add(TYPES.release, release, { skipAwait: eks, values });
        const server = leafCertificateSubjects(n).server;
        add(TYPES.certRequest, `${n}-cilium-server-csr`, { dnsNames: server.dnsNames, ipAddresses: server.ipAddresses, subject: { commonName: server.commonName } });
        for (const role of ["server", "remote"]) {
            add(TYPES.signedCert, `${n}-cilium-${role}-cert`, { caCertPem: caCert(issuingGeneration(self.mesh.ca)) });
        }
        for (const [role, secretName] of Object.entries(CLUSTERMESH_CERTIFICATE_SECRETS)) {
            add(TYPES.secret, `${n}-cilium-${role}-cert-secret`, { metadata: { name: secretName, namespace: "kube-system" }, type: "kubernetes.io/tls" });
        }
        if (self.cilium.mcsAPI) {
            add(TYPES.clusterRole, `${n}-cilium-coredns-mcsapi`, { rules: [{ apiGroups: ["multicluster.x-k8s.io"], resources: ["serviceimports"], verbs: ["list", "watch"] }] });
            if (!eks) {
                add(TYPES.configMap, `${n}-cilium-coredns-custom`, { metadata: { name: "coredns-custom", namespace: "kube-system" }, data: { "clusterset.server": "clusterset.local:53 {}" } });
            }
        }
        const group = eks ? `sg-${n}-eks` : `${n}-nodes-sg-id`;
        if (eks) {
            add(TYPES.eksCluster, `${n}-eks`, { kubernetesNetworkConfig: { serviceIpv4Cidr: self.cluster.serviceCIDR } });
            add(TYPES.nodeGroup, `${n}-nodes`, {}, [release]);
            add(TYPES.addon, `${n}-coredns`, { addonName: "coredns", ...(self.cilium.mcsAPI ? { configurationValues: JSON.stringify({ corefile: "kubernetes cluster.local clusterset.local" }) } : {}) }, [`${n}-nodes`]);
        } else if (aws) {
            for (const [label, port, cidr] of [["api", 6443, "203.0.113.10/32"], ["ssh", 22, "203.0.113.10/32"]] as const) {
                add(TYPES.ingressRule, `${n}-${label}`, { securityGroupId: group, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr });
            }
            add(TYPES.ingressRule, `${n}-intra-vpc`, { securityGroupId: group, ipProtocol: "-1", cidrIpv4: self.cluster.vpcCIDR });
        }
        const own = outputs[self.stack];
        if (aws) {
            add(TYPES.route, `${n}-default-route`, { routeTableId: `${n}-routes-id`, destinationCidrBlock: "0.0.0.0/0", gatewayId: `${n}-igw-id` });
            if (ingress.sources.length > 0) {
                add(TYPES.prefixList, `${n}-link-peers`, { maxEntries: ingress.sources.length, entries: ingress.sources.map((s) => ({ cidr: s.cidr, description: s.description })) });
                for (const port of ingress.ports) {
                    add(TYPES.ingressRule, `${n}-link-from-peers-${port.label}`, {
                        securityGroupId: group,
                        ipProtocol: port.protocol,
                        ...(port.protocol === "-1" ? {} : { fromPort: port.fromPort, toPort: port.toPort }),
                        prefixListId: `${n}-link-peers-id`,
                    });
                }
            }
            if (self.network.topology === "transit-gateway") {
                if (own.transitGateway) {
                    add("aws:ec2transitgateway/transitGateway:TransitGateway", `${n}-hub-tgw`, { defaultRouteTableAssociation: "enable", defaultRouteTablePropagation: "enable" });
                }
                if (self.mesh.link) {
                    resources.push(...transitResources(self, members, outputs));
                }
            } else for (const peer of ownedPeerings(linkMember(self), linked.map(linkMember))) {
                const p = peer.name;
                const pcx = `${n}-link-peering-${p}`;
                add(TYPES.peering, pcx, { vpcId: `${n}-vpc-id`, peerVpcId: `${p}-vpc-id`, peerRegion: peer.aws.region, autoAccept: false });
                add(TYPES.accepter, `${pcx}-accept`, { vpcPeeringConnectionId: `${pcx}-id`, autoAccept: true });
                add(TYPES.route, `${n}-link-route-to-${p}`, { routeTableId: `${n}-routes-id`, destinationCidrBlock: peer.aws.vpcCidr, vpcPeeringConnectionId: `${pcx}-id` });
                add(TYPES.route, `${n}-link-route-from-${p}`, { routeTableId: `${p}-routes-id`, destinationCidrBlock: self.cluster.vpcCIDR, vpcPeeringConnectionId: `${pcx}-id` });
            }
        }
        return {
            stack: self.stack,
            cluster: { name: n, serviceCIDR: self.cluster.serviceCIDR },
            mesh: {
                linkedPeers: linked.map((p) => p.cluster.name),
                pendingPeers: self.mesh.link ? [] : peers.map((p) => ({ name: p.cluster.name, reason: "clustermesh:mesh.link is false" })),
            },
            resources,
            outputs: {
                clustermeshEndpoint: own.clustermeshEndpoint,
                ...(own.transitGateway ? { transitGateway: own.transitGateway } : {}),
                ...(aws && own.network ? { network: { ...own.network, securityGroupId: group } } : {}),
                meshQuotas: self.mesh.quotas,
                ...(self.mesh.externalRoutes.length > 0 ? { externalRoutes: self.mesh.externalRoutes } : {}),
            },
        };
    });
}

/**
 * What ClusterMeshLink plans in a transit mesh: the attachment to the region's hub and the
 * routes to it; on a hub owner, the peerings to the hubs of higher owner ids, their accepters
 * and the static routes both ways.
 */
function transitResources(self: MeshMember, members: readonly MeshMember[], outputs: ReturnType<typeof deployedOutputs>): PlannedResource[] {
    const n = self.cluster.name;
    const resources: PlannedResource[] = [];
    const add = (type: string, name: string, inputs: Record<string, unknown>): void => void resources.push({ type, name, id: `${name}-id`, inputs });
    const stackOf = new Map(members.map((m) => [m.cluster.name, m.stack]));
    const hubOf = (owner: string) => outputs[stackOf.get(owner)!].transitGateway as { id: string; routeTableId: string };
    const vpcs = meshVpcs(members);
    const hubs = regionHubs(vpcs);
    const mine = hubs.find((h) => h.members.some((v) => v.name === n))!;
    const hub = hubOf(mine.owner.name);
    add(TYPES.tgwAttachment, `${n}-link-hub-attachment`, { transitGatewayId: hub.id, vpcId: `${n}-vpc-id`, subnetIds: [`${n}-subnet-id`] });
    const supernet = self.mesh.addressing?.vpc;
    const destinations = supernet ? [{ role: "mesh", cidr: supernet }] : vpcs.filter((v) => v.name !== n).map((v) => ({ role: v.name, cidr: v.vpcCidr }));
    for (const d of destinations) {
        add(TYPES.route, `${n}-link-route-to-${d.role}`, { routeTableId: `${n}-routes-id`, destinationCidrBlock: d.cidr, transitGatewayId: hub.id });
    }
    if (mine.owner.name !== n) {
        return resources;
    }
    for (const { peer } of hubPeerings(hubs).filter((p) => p.owner === mine)) {
        const peerHub = hubOf(peer.owner.name);
        const attachment = `${n}-link-hub-peering-${peer.region}`;
        add(TYPES.tgwPeering, attachment, { transitGatewayId: hub.id, peerTransitGatewayId: peerHub.id, peerRegion: peer.region });
        add(TYPES.tgwPeeringAccepter, `${attachment}-accept`, { transitGatewayAttachmentId: `${attachment}-id` });
        for (const v of peer.members) {
            add(TYPES.tgwRoute, `${n}-link-hub-route-to-${v.name}`, { transitGatewayRouteTableId: hub.routeTableId, destinationCidrBlock: v.vpcCidr, transitGatewayAttachmentId: `${attachment}-id` });
        }
        for (const v of mine.members) {
            add(TYPES.tgwRoute, `${n}-link-hub-${peer.region}-route-to-${v.name}`, { transitGatewayRouteTableId: peerHub.routeTableId, destinationCidrBlock: v.vpcCidr, transitGatewayAttachmentId: `${attachment}-id` });
        }
    }
    return resources;
}
