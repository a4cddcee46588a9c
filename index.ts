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
    CiliumRelease,
    ClusterMeshLink,
    EksCluster,
    GlobalServiceApp,
    K3sCluster,
    MeshCertificateAuthority,
    type ClusterMeshPeer,
    type MeshCaMaterial,
    type MeshCluster,
} from "./components";
import { coveringCidr, isAwsBuilt, loadMesh, MeshConfigError, projectDir, type Mesh } from "./stacks";

function loadOrExplain(): Mesh {
    try {
        return loadMesh(projectDir(), pulumi.getStack());
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
const departing = (process.env.CLUSTERMESH_DEPARTING ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && s !== name && s !== self.stack);

for (const note of mesh.notes) {
    void pulumi.log.warn(note);
}

const awsProvider = isAwsBuilt(self) ? new aws.Provider(`${name}-aws`, { region: self.cluster.region as aws.Region }) : undefined;

// The mesh CA lives in the stack of the lowest cluster id; every other member reads it from
// there, so that stack comes up first (README: Bootstrap order).
const caOwner = mesh.members[0];
const ownCa = caOwner === self ? new MeshCertificateAuthority("mesh-ca") : undefined;
const ca: MeshCaMaterial =
    ownCa ??
    (() => {
        const ref = new pulumi.StackReference(`${name}-ca-ref`, { name: `${stackPrefix}/${caOwner.stack}` });
        return {
            certPem: ref.requireOutput("meshCaCertPem") as pulumi.Output<string>,
            privateKeyPem: pulumi.secret(ref.requireOutput("meshCaKeyPem") as pulumi.Output<string>),
        };
    })();

const cluster: K3sCluster | EksCluster =
    self.cluster.kind === "eks"
        ? new EksCluster(
              name,
              {
                  clusterName: name,
                  region: self.cluster.region!,
                  vpcCidr: self.cluster.vpcCIDR!,
                  serviceCidr: self.cluster.serviceCIDR,
                  kubernetesVersion: self.eks.version,
                  instanceType: self.eks.instanceType,
                  desiredSize: self.eks.desiredSize,
                  minSize: self.eks.minSize,
                  maxSize: self.eks.maxSize,
                  operatorCidrs: self.cluster.operatorCIDRs,
                  eniIpam: self.cilium.ipam === "eni",
                  clustersetDns: self.cilium.mcsAPI,
              },
              { provider: awsProvider },
          )
        : new K3sCluster(
              name,
              {
                  clusterName: name,
                  podCIDR: self.cluster.podCIDR,
                  serviceCIDR: self.cluster.serviceCIDR,
                  version: self.k3s.version,
                  kubeProxyReplacement: self.cilium.kubeProxyReplacement,
                  ...(self.k3s.host
                      ? { host: { ...self.k3s.host, privateKey: config.requireSecret("sshPrivateKey") }, agentHosts: self.k3s.agentHosts }
                      : {
                            ec2: {
                                vpcCidr: self.cluster.vpcCIDR!,
                                instanceType: self.k3s.instanceType,
                                agents: self.k3s.agents,
                                operatorCidrs: self.cluster.operatorCIDRs,
                            },
                        }),
              },
              { provider: awsProvider },
          );
const meshCluster: MeshCluster = cluster;

const link = new ClusterMeshLink(`${name}-link`, {
    self,
    peers,
    link: self.mesh.link,
    departing,
    stackPrefix,
    network:
        cluster.securityGroupId && cluster.vpcId && cluster.routeTableId
            ? { securityGroupId: cluster.securityGroupId, vpcId: cluster.vpcId, routeTableId: cluster.routeTableId }
            : undefined,
    awsProvider,
});
for (const pending of link.pendingPeers) {
    void pulumi.log.info(`${name}: not linked to ${pending.name}: ${pending.reason}`);
}

const cilium = new CiliumRelease(`${name}-cilium`, {
    cluster: meshCluster,
    clusterId: self.cluster.id,
    podCIDR: self.cluster.podCIDR,
    cilium: self.cilium,
    ca,
    peers: link.peers,
    nativeRoutingCIDR: self.cilium.routingMode === "native" ? coveringCidr(mesh.members.map((m) => m.cluster.podCIDR)) : undefined,
    apiserverServiceAnnotations: cluster instanceof EksCluster ? cluster.clustermeshServiceAnnotations : undefined,
    apiserverLoadBalancerSourceRanges: cluster instanceof EksCluster ? link.ingress.sources.map((s) => s.cidr) : undefined,
});

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
        return ips.apply((addresses) => ({ name, port: 2379, ips: addresses }));
    }
    return cluster.nodeAddresses.apply((ips) => ({ name, port: self.cilium.apiserverNodePort, ips }));
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
export const network =
    cluster.vpcId && cluster.routeTableId
        ? pulumi.all([cluster.vpcId, cluster.routeTableId, cluster.securityGroupId]).apply(([vpcId, routeTableId, securityGroupId]) => ({
              vpcId,
              vpcCidr: self.cluster.vpcCIDR!,
              routeTableId,
              region: self.cluster.region!,
              // The nodes' security group, where the mesh rules go (read by the connectivity check).
              ...(securityGroupId ? { securityGroupId } : {}),
          }))
        : undefined;
/** The SSH key of new EC2 VMs, for `pulumi stack output sshPrivateKey --show-secrets`. Secret. */
export const sshPrivateKey = cluster instanceof K3sCluster && cluster.sshPrivateKey ? pulumi.secret(cluster.sshPrivateKey) : undefined;
/** The AWS quotas this stack declares (defaults: AWS's), for the connectivity check. */
export const meshQuotas = self.mesh.quotas;
/** Ranges reached through routes the program does not build, as declared, for the connectivity check. */
export const externalRoutes = self.mesh.externalRoutes.length > 0 ? self.mesh.externalRoutes : undefined;
export const meshCaCertPem = ownCa?.certPem;
export const meshCaKeyPem = ownCa ? pulumi.secret(ownCa.privateKeyPem) : undefined;
