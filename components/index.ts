/**
 * The components, usable outside this repository: one cluster kind per file under cluster/,
 * the Cilium release under cilium/, the mesh CA and link under mesh/, the app under app/.
 */
export * from "../lib/contract";
export * from "./network/aws-network";
export * from "./network/transit-gateway-hub";
export * from "./cluster/mesh-cluster";
export * from "./cluster/k3s-cluster";
export * from "./cluster/eks-cluster";
export * from "./cluster/kind-cluster";
export * from "./cluster/kind-config";
export * from "./cilium/bgp";
export * from "./cilium/cilium-bgp";
export * from "./cilium/cilium-release";
export * from "./cilium/values";
export * from "./mesh/certificate-authority";
export * from "./mesh/clustermesh-link";
export * from "./mesh/mesh-network";
export * from "./app/global-service-app";
export * from "./app/app-manifests";
