/**
 * Defaults shared by the stack schema (stacks/schema.ts fills them into the config) and the
 * components (which apply them when an `Args` field is left out). One place, so the config
 * reference and a component used on its own never disagree.
 */

/** Cilium Helm chart version. */
export const DEFAULT_CILIUM_VERSION = "1.20.0";
/** k3s release installed (INSTALL_K3S_VERSION). */
export const DEFAULT_K3S_VERSION = "v1.33.5+k3s1";
/** Kubernetes version of EKS clusters. */
export const DEFAULT_EKS_VERSION = "1.33";
/** NodePort of the clustermesh-apiserver (the chart's default). */
export const DEFAULT_APISERVER_NODE_PORT = 32379;
/** EC2 instance type of k3s VMs (x86: the node image is amd64). */
export const DEFAULT_K3S_INSTANCE_TYPE = "t3.medium";
/** Instance type of the EKS managed node group. */
export const DEFAULT_EKS_INSTANCE_TYPE = "t3.large";
/** EKS node group sizes. */
export const DEFAULT_EKS_NODES = { desired: 2, min: 1, max: 3 } as const;
/** The global-service app's image: echoes the answering cluster's name, which `npm run verify` counts. */
export const DEFAULT_ECHO_IMAGE = "hashicorp/http-echo:1.0.0";
/** kind node image (the Kubernetes version of kind clusters); kind v0.29's default. */
// Kubernetes 1.35 (kind v0.31.0): its kubeadm CoreDNS 1.13.1 serves MCS-API's multicluster plugin
// (lib/version-gates.ts); 1.33's 1.12.0 cannot.
export const DEFAULT_KIND_NODE_IMAGE = "kindest/node:v1.35.0";
/** The Docker network every kind member of a mesh joins (KIND_EXPERIMENTAL_DOCKER_NETWORK). */
export const DEFAULT_KIND_NETWORK = "clustermesh";
/** Subnet of that Docker network: apart from kind's own default (172.18.0.0/16) and the lab's pod and service ranges. */
export const DEFAULT_KIND_NETWORK_SUBNET = "172.30.0.0/16";
