/**
 * One stack = one mesh member: config -> cluster -> mesh link -> Cilium -> app.
 *
 * The whole mesh (every Pulumi.<stack>.yaml declaring clustermesh:cluster) is loaded and
 * validated first; any problem stops the run before a single resource is registered.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    CiliumBgp,
    CiliumRelease,
    ClusterMeshLink,
    EksCluster,
    GlobalServiceApp,
    K3sCluster,
    KindCluster,
    MeshCertificateAuthority,
    TransitGatewayHub,
    type MeshCaMaterial,
    type MeshCluster,
} from "./components";
import {
    CLUSTERMESH_LOAD_BALANCER_PORT,
    departingPeers,
    loadBalancerEndpoint,
    nodePortEndpoint,
    STACK_OUTPUTS,
    missingCaGenerationMessage,
    missingCaOutputMessage,
    type ClusterMeshPeer,
    type MemberNetworkOutputs,
    type TransitGatewayOutputs,
} from "./lib/contract";
import { meshDeviceMtu } from "./lib/aws-mtu";
import { caResourceName, generationKey, issuingGeneration, meshCaOutput, trustedGenerations, usedGenerations } from "./lib/mesh-ca";
import { transitGatewayAsn } from "./lib/topology";
import { bgpSettings, clusterSpec, linkMember } from "./stack-args";
import { awsPlacement, coveringCidr, knownRoutes, loadMesh, MeshConfigError, projectDir, transitHubOwners, type Mesh } from "./stacks";

function loadOrExplain(): Mesh {
    try {
        // A project folder of its own (examples/kind-lab) runs this program through `main`:
        // its stack files are beside its Pulumi.yaml, not beside the program.
        return loadMesh(projectDir(pulumi.runtime.getRootDirectory()), pulumi.getStack());
    } catch (err) {
        // RunError prints the message alone, without a stack trace: the message is the fix.
        throw err instanceof MeshConfigError ? new pulumi.RunError(err.message) : err;
    }
}

const mesh = loadOrExplain();
const { self, peers } = mesh;
const name = self.cluster.name;
const config = new pulumi.Config("clustermesh");
const stackPrefix = self.mesh.stackPrefix ?? `${pulumi.getOrganization()}/${pulumi.getProject()}`;
const departure = departingPeers(process.env, { stack: self.stack, name }, peers.map((p) => ({ stack: p.stack, name: p.cluster.name })));
if (departure.problem) {
    // Before any resource: a stray CLUSTERMESH_DEPARTING must not unlink anyone.
    throw new pulumi.RunError(departure.problem);
}
const departing = departure.departing;
const placement = awsPlacement(self);

for (const note of mesh.notes) {
    void pulumi.log.warn(note);
}

const awsProvider = placement ? new aws.Provider(`${name}-aws`, { region: placement.region as aws.Region }) : undefined;

// The mesh CA lives in the stack of the lowest cluster id; every other member reads it from
// there, so that stack comes up first (README: Bootstrap order). The owner holds one CA per
// generation anyone uses (lib/mesh-ca.ts; validation makes its own file name them all), so a
// rotation adds the new CA before any member trusts it and drops the old one last.
const caOwner = mesh.members[0];
const ownCas =
    caOwner === self ? new Map(usedGenerations(self.mesh.ca).map((g) => [g, new MeshCertificateAuthority(caResourceName(g))] as const)) : undefined;
function caOfGeneration(generation: number): MeshCaMaterial {
    const own = ownCas?.get(generation);
    if (own) {
        return own;
    }
    const ref = (caRef ??= new pulumi.StackReference(`${name}-ca-ref`, { name: `${stackPrefix}/${caOwner.stack}` }));
    // Not requireOutput: on a stack that exists without the output it fails with a stack trace.
    // An owner deployed before CA generations exported generation 1 alone, as meshCaCertPem/KeyPem.
    const generations = ref.getOutput(STACK_OUTPUTS.caGenerations);
    const legacy = { certPem: ref.getOutput(STACK_OUTPUTS.caCertPem), privateKeyPem: ref.getOutput(STACK_OUTPUTS.caKeyPem) };
    const read = (field: "certPem" | "privateKeyPem"): pulumi.Output<string> =>
        pulumi.all([generations, legacy[field]]).apply(([all, single]: [unknown, unknown]) => {
            const entry = (all as Record<string, Record<string, unknown>> | undefined)?.[generationKey(generation)];
            const value = entry?.[field] ?? (generation === 1 ? single : undefined);
            if (typeof value !== "string") {
                throw new pulumi.RunError(
                    all === undefined && generation === 1
                        ? missingCaOutputMessage(caOwner.stack, field === "certPem" ? STACK_OUTPUTS.caCertPem : STACK_OUTPUTS.caKeyPem)
                        : missingCaGenerationMessage(caOwner.stack, generation),
                );
            }
            return value;
        });
    return { certPem: read("certPem"), privateKeyPem: pulumi.secret(read("privateKeyPem")) };
}
let caRef: pulumi.StackReference | undefined;
const ca: MeshCaMaterial = caOfGeneration(issuingGeneration(self.mesh.ca));
const trustedCaCertPems = trustedGenerations(self.mesh.ca).map((g) => (g === issuingGeneration(self.mesh.ca) ? ca : caOfGeneration(g)).certPem);

const spec = clusterSpec(self, () => config.requireSecret("sshPrivateKey"));
function buildCluster(): K3sCluster | EksCluster | KindCluster {
    switch (spec.kind) {
        case "eks":
            return new EksCluster(name, spec.args, { provider: awsProvider });
        case "k3s":
            return new K3sCluster(name, spec.args, { provider: awsProvider });
        case "kind":
            return new KindCluster(name, spec.args);
    }
}
const cluster = buildCluster();
const meshCluster: MeshCluster = cluster;

const bgp = bgpSettings(self);

// Transit mesh: the lowest cluster id of each region owns its Transit Gateway (README: Choosing a topology).
const topology = self.network.topology;
const ownsHub = placement !== undefined && transitHubOwners(mesh.members).has(name);
const hub =
    ownsHub && placement
        ? new TransitGatewayHub(`${name}-hub`, { clusterName: name, region: placement.region, amazonSideAsn: transitGatewayAsn(self.cluster.id) }, { provider: awsProvider })
        : undefined;
// The narrowest path to the other AWS members (Transit Gateway, inter-region peering: 8500) sizes Cilium's MTU.
const awsPeerRegions = peers.flatMap((p) => awsPlacement(p)?.region ?? []);
const mtu = placement ? meshDeviceMtu(topology, placement.region, awsPeerRegions) : undefined;

const link = new ClusterMeshLink(`${name}-link`, {
    self: linkMember(self),
    peers: peers.map(linkMember),
    link: self.mesh.link,
    departing,
    stackPrefix,
    network:
        !(cluster instanceof KindCluster) && cluster.securityGroupId && cluster.vpcId && cluster.routeTableId
            ? { securityGroupId: cluster.securityGroupId, vpcId: cluster.vpcId, routeTableId: cluster.routeTableId, subnetIds: cluster.subnetIds }
            : undefined,
    awsProvider,
    topology,
    ownHub: hub ? { transitGatewayId: hub.transitGatewayId, routeTableId: hub.routeTableId } : undefined,
    meshSupernet: self.mesh.addressing?.vpc,
});
for (const pending of link.pendingPeers) {
    void pulumi.log.info(`${name}: not linked to ${pending.name}: ${pending.reason}`);
}

const cilium = new CiliumRelease(`${name}-cilium`, {
    cluster: meshCluster,
    clusterId: self.cluster.id,
    podCIDR: self.cluster.podCIDR,
    cilium: self.cilium,
    chartArchive: self.cilium.chart,
    ca,
    trustedCaCertPems,
    peers: link.peers,
    nativeRoutingCIDR: self.cilium.routingMode === "native" ? coveringCidr(mesh.members.map((m) => m.cluster.podCIDR)) : undefined,
    // kind members share one Docker network (one L2 segment): routes to peers' pods go straight to their nodes.
    mtu,
    autoDirectNodeRoutes: cluster instanceof KindCluster && self.cilium.routingMode === "native" && bgp === undefined,
    bgpControlPlane: bgp !== undefined,
    operatorRoleArn: cluster instanceof EksCluster ? cluster.ciliumOperatorRoleArn : undefined,
    apiserverServiceAnnotations: cluster instanceof EksCluster ? cluster.clustermeshServiceAnnotations : undefined,
    apiserverLoadBalancerSourceRanges: cluster instanceof EksCluster ? link.ingress.sources.map((s) => s.cidr) : undefined,
});

// BGP peering and LB-IPAM: after the release, whose operator registers the CRDs.
const bgpConfig = bgp
    ? new CiliumBgp(`${name}-bgp`, {
          cluster: meshCluster,
          ciliumVersion: self.cilium.version,
          bgp,
          password: bgp.peers.some((p) => p.authenticated) ? config.requireSecret("bgpPassword") : undefined,
          dependsOn: cilium.ready,
          apiserverAddress: self.bgp.apiserverAddress,
      })
    : undefined;

const app = self.app.enabled ? new GlobalServiceApp(`${name}-app`, { cluster: meshCluster, app: self.app, dependsOn: cilium.ready }) : undefined;

/** How peers reach this cluster's clustermesh-apiserver: node addresses and the NodePort, or the EKS load balancer. */
function endpoint(): pulumi.Output<ClusterMeshPeer> {
    if (cluster instanceof EksCluster) {
        const service = k8s.core.v1.Service.get(`${name}-clustermesh-service`, "kube-system/clustermesh-apiserver", {
            provider: cluster.provider,
            dependsOn: cilium.ready,
            parent: cilium,
        });
        // Peers dial the load balancer's addresses as `ips` (`<name>.mesh.cilium.io`, named by
        // the server certificate), on the load balancer's port, as cilium-cli does (DESIGN §7).
        const ingress = service.status.apply((status) => status?.loadBalancer?.ingress?.[0]);
        const ips = ingress.apply((i) => (i?.ip ? pulumi.output([i.ip]) : cluster.loadBalancerAddresses(i?.hostname ?? "")));
        return ips.apply((addresses) => loadBalancerEndpoint(name, addresses));
    }
    const lbAddress = bgp ? self.bgp.apiserverAddress : undefined;
    if (lbAddress !== undefined) {
        // A LoadBalancer service at a fixed LB-IPAM address advertised over BGP: peers dial it
        // as an `ips` entry, so the certificate's *.mesh.cilium.io name still matches.
        return pulumi.output(nodePortEndpoint(name, [lbAddress], CLUSTERMESH_LOAD_BALANCER_PORT));
    }
    return cluster.nodeAddresses.apply((ips) => nodePortEndpoint(name, ips, self.cilium.apiserverNodePort));
}

export const clusterName = name;
export const clusterId = self.cluster.id;
export const kind = self.cluster.kind;
export const region = self.cluster.region;
export const kubeconfig = pulumi.secret(cluster.kubeconfig);
export const clustermeshEndpoint = endpoint();
export const ciliumVersion = cilium.version;
export const linkedPeers = link.linkedPeers;
export const pendingPeers = link.pendingPeers;
export const appServiceName = app?.serviceName;
export const appNamespace = app?.namespace;
/** The BGP and LB-IPAM resources created (kind/name), when BGP is on. */
export const bgpResources = bgpConfig ? bgpConfig.resources.map((r) => pulumi.interpolate`${r.kind}/${r.metadata.name}`) : undefined;
export const network: pulumi.Output<MemberNetworkOutputs> | undefined =
    placement && !(cluster instanceof KindCluster) && cluster.vpcId && cluster.routeTableId
        ? pulumi.all([cluster.vpcId, cluster.routeTableId, cluster.securityGroupId]).apply(([vpcId, routeTableId, securityGroupId]) => ({
              vpcId,
              vpcCidr: placement.vpcCIDR,
              routeTableId,
              region: placement.region,
              // The nodes' security group, where the mesh rules go (read by the connectivity check).
              ...(securityGroupId ? { securityGroupId } : {}),
          }))
        : undefined;
/** The SSH key of new EC2 VMs, for `pulumi stack output sshPrivateKey --show-secrets`. Secret. */
export const sshPrivateKey = cluster instanceof K3sCluster && cluster.sshPrivateKey ? pulumi.secret(cluster.sshPrivateKey) : undefined;
/** The region's Transit Gateway, exported by its hub owner in a transit mesh (`STACK_OUTPUTS.transitGateway`). */
export const transitGateway: pulumi.Output<TransitGatewayOutputs> | undefined =
    hub && placement ? pulumi.all([hub.transitGatewayId, hub.routeTableId]).apply(([id, routeTableId]) => ({ id, routeTableId, region: placement.region })) : undefined;
/** The AWS quotas this stack declares (defaults: AWS's), for the connectivity check of `npm run plan`. */
export const meshQuotas = self.mesh.quotas;
/**
 * Ranges reached through routes the program does not build, for the connectivity check: as
 * declared, plus what BGP peers advertise and a kind mesh's shared network (`knownRoutes`).
 */
const routesOutside = [...new Set([...self.mesh.externalRoutes, ...knownRoutes(self, mesh.members)])];
export const externalRoutes = routesOutside.length > 0 ? routesOutside : undefined;
/** The CA owner's issuing CA (what a member of generation 1 reads, as before CA generations). */
const ownIssuer = ownCas?.get(issuingGeneration(self.mesh.ca));
export const meshCaCertPem = ownIssuer?.certPem;
export const meshCaKeyPem = ownIssuer ? pulumi.secret(ownIssuer.privateKeyPem) : undefined;
/** Every CA generation the owner holds, by generation (`STACK_OUTPUTS.caGenerations`). Secret: it holds the keys. */
export const meshCaGenerations = ownCas
    ? pulumi.secret(pulumi.all(Object.fromEntries([...ownCas].map(([g, c]) => [generationKey(g), pulumi.all({ certPem: c.certPem, privateKeyPem: c.privateKeyPem })]))))
    : undefined;
/** This member's CA state, for clustermesh mesh rotate-ca to tell what is deployed from what is only written. */
export const meshCa = meshCaOutput(self.mesh.ca);
