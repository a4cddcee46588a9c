import * as aws from "@pulumi/aws";
import { offeredZones } from "../network/zones";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "../../lib/cidr";
import { DEFAULT_EKS_INSTANCE_TYPE, DEFAULT_EKS_NODES, DEFAULT_EKS_VERSION } from "../../lib/defaults";
import {
    accessPolicyArn,
    adminPrincipalArn,
    amiTypeFor,
    apiServerHost,
    assumeRolePolicy,
    CILIUM_AGENT_NOT_READY_TAINT,
    CLUSTERMESH_LB_ANNOTATIONS,
    EKS_LOG_TYPES,
    EKS_ROOT_DEVICE,
    EKS_UNSUPPORTED_ZONE_IDS,
    kmsPolicyDocument,
    NODE_METADATA_OPTIONS,
    NODE_ROOT_VOLUME_GIB,
    type EksLogType,
    eksSubnetCidrs,
    eksCorefile,
    kubeconfigYaml,
    loadBalancerNameOf,
    managedPolicyArn,
    serviceCidrProblem,
} from "./eks-config";
import type { MeshCluster } from "./mesh-cluster";
import { AwsNetwork } from "../network/aws-network";
import { EKS_COREDNS_ADDON } from "../../lib/version-gates";
import { allowDocument, CILIUM_OPERATOR_ENI_ACTIONS, serviceAccountTrustPolicy, type ManagedPolicyName } from "../../lib/aws-permissions";
import { failOnProblems } from "../problems";

export interface EksClusterArgs {
    /**
     * Cilium `cluster.name`; also the EKS cluster's name, the kubeconfig's cluster/user/context
     * name and the Kubernetes provider's `clusterIdentifier`. Letters, digits, `-` and `_`,
     * starting alphanumeric, at most 100 characters (EKS's rule; the mesh allows 32).
     */
    clusterName: string;
    /**
     * AWS region the cluster is in, written into the kubeconfig's `aws eks get-token --region`.
     * It must be the region of the AWS provider the component uses (see the class comment):
     * resources follow the provider, the kubeconfig follows this.
     */
    region: string;
    /**
     * CIDR of the new VPC, IPv4, /16 to /19: its first two /20s become the cluster's subnets
     * (`eksSubnetCidrs`). Must not overlap any other network of the mesh.
     */
    vpcCidr: string;
    /**
     * Service CIDR: EKS `kubernetesNetworkConfig.serviceIpv4Cidr` (CoreDNS gets its 10th
     * address). IPv4, /12 to /24, inside 10/8, 172.16/12 or 192.168/16, outside `vpcCidr`.
     * Fixed at creation: changing it replaces the cluster.
     */
    serviceCidr: string;
    /** Kubernetes minor version of the control plane and nodes, e.g. `1.33`. Default `1.33`. */
    kubernetesVersion?: string;
    /** Instance type of the managed node group; Graviton types get the ARM AMI. Default `t3.large`. */
    instanceType?: string;
    /**
     * Node count when the group is created. Default 2. Ignored afterwards (`ignoreChanges`),
     * so an autoscaler or a manual scale is not undone by the next `up`.
     */
    desiredSize?: number;
    /** Fewest nodes the group scales to. Default 1. */
    minSize?: number;
    /** Most nodes the group scales to. Default 3. */
    maxSize?: number;
    /**
     * The only sources of the public API endpoint (`vpcConfig.publicAccessCidrs`): where
     * `pulumi up` and kubectl run. Required; `0.0.0.0/0` is refused. Nodes and peers use the
     * private endpoint, which this list does not limit.
     */
    operatorCidrs: string[];
    /**
     * Cilium runs in ENI mode (pods take VPC addresses): the Cilium operator then manages ENIs
     * through the EC2 API, with a role of its own (`ciliumOperatorRoleArn`, IRSA). Default false
     * (overlay, no EC2 API calls).
     */
    eniIpam?: boolean;
    /**
     * Serve the MCS-API zone `clusterset.local` from the CoreDNS add-on (its `corefile`
     * configuration value, see components/cilium/mcs-dns.ts). The chart's auto-configure Job
     * cannot do it here: it is a Helm hook and this cluster has no node until after the
     * release. Default false.
     */
    clustersetDns?: boolean;
    /**
     * Envelope encryption of Kubernetes Secrets with KMS (`encryptionConfig`): `{}` creates a
     * customer-managed key with yearly rotation, `{ kmsKeyArn }` uses yours (symmetric, same
     * region). The cluster role gets Encrypt/Decrypt/ListGrants/DescribeKey on the key. EKS
     * cannot turn encryption off once on. Default: off (EKS's own encryption at rest only).
     */
    secretsEncryption?: { kmsKeyArn?: string };
    /**
     * Control-plane log types sent to CloudWatch Logs (`enabledClusterLogTypes`); EKS writes
     * them to the log group `/aws/eks/<clusterName>/cluster`, kept until you set a retention.
     * Default none.
     */
    enabledLogTypes?: EksLogType[];
}

/** The managed policies of the node role (their contents: lib/aws-permissions.ts). */
export const NODE_MANAGED_POLICIES: readonly ManagedPolicyName[] = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"];

/** The Cilium chart's operator service account (serviceAccounts.operator.name). */
export const CILIUM_OPERATOR_SERVICE_ACCOUNT = "cilium-operator";

/** EKS's cluster name rule (CreateCluster). */
const EKS_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/**
 * An EKS cluster for the mesh, built for Cilium: no self-managed add-ons
 * (`bootstrapSelfManagedAddons: false`: no aws-node, no kube-proxy, Cilium replaces both), API
 * authentication with an access entry making whoever runs Pulumi cluster admin, an OIDC
 * provider for IAM roles of service accounts, and a new VPC with two public subnets.
 *
 * Nodes must not join before Cilium is installed: `attachCni` creates the managed node group
 * (tainted `node.cilium.io/agent-not-ready=true:NoExecute` until the Cilium agent runs) and
 * then the CoreDNS add-on, which only becomes ACTIVE once pods can run.
 *
 * AWS provider: as with pulumi-eks's `Cluster`, pass a region's `aws.Provider` as `provider`
 * in the resource options (`new EksCluster(name, args, { provider })`); every AWS child and
 * data source inherits it through `parent`. Without one, the default provider (the stack's
 * `aws:region` and ambient credentials) is used. Either way `args.region` must name the same
 * region, and the kubeconfig's `aws eks get-token` runs with the operator's ambient AWS
 * credentials (environment or `AWS_PROFILE`), not the provider's.
 */
export class EksCluster extends pulumi.ComponentResource implements MeshCluster {
    public readonly clusterName: string;
    public readonly kind = "eks" as const;
    /** Kubernetes provider for in-cluster objects; its `clusterIdentifier` is the cluster name. */
    public readonly provider: k8s.Provider;
    /** Kubeconfig using `aws eks get-token`. Secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The EKS endpoint's host name (Cilium `k8sServiceHost`). */
    public readonly apiServerHost: pulumi.Output<string>;
    /** Always 443 on EKS (Cilium `k8sServicePort`). */
    public readonly apiServerPort: pulumi.Output<number>;
    /**
     * Always empty: EKS nodes are replaced at will (upgrades, scaling, repairs), so no node IP
     * is a stable clustermesh endpoint. Peers must reach this cluster through its
     * clustermesh-apiserver Service made an internal NLB (`clustermeshServiceAnnotations`),
     * i.e. a ClusterMesh peer entry with `address` (the NLB's DNS name), not `ips`.
     */
    public readonly nodeAddresses: pulumi.Output<string[]>;
    /** The EKS control plane: once it is gone, in-cluster objects are gone with it. */
    public readonly deletionAnchor: pulumi.Resource;
    /**
     * Annotations for the clustermesh-apiserver Service (type LoadBalancer) that make it an
     * internal Network Load Balancer, served by the EKS control plane's in-tree AWS cloud
     * provider (no AWS Load Balancer Controller needed). See `CLUSTERMESH_LB_ANNOTATIONS`.
     */
    public readonly clustermeshServiceAnnotations: Readonly<Record<string, string>> = CLUSTERMESH_LB_ANNOTATIONS;
    public readonly eksCluster: aws.eks.Cluster;
    /** The VPC side: VPC, internet route, the two subnets and their route table. */
    public readonly network: AwsNetwork;
    /** The new VPC, for peering. */
    public readonly vpcId: pulumi.Output<string>;
    /** The VPC's CIDR (`args.vpcCidr`), for peers' routes and security-group rules. */
    public readonly vpcCidr: pulumi.Output<string>;
    /** The route table of both subnets, where routes to peered VPCs go. */
    public readonly routeTableId: pulumi.Output<string>;
    /**
     * The EKS cluster security group (`vpcConfig.clusterSecurityGroupId`). Managed node groups
     * without a launch template get only this group, so rules admitting mesh traffic
     * (VXLAN, health, clustermesh) go here. EKS lets members of the group reach each other.
     */
    public readonly securityGroupId: pulumi.Output<string>;
    /** The two subnets (nodes, control-plane ENIs, internal NLB). */
    public readonly subnetIds: pulumi.Output<string[]>;
    /** OIDC provider for IAM roles of service accounts (IRSA). */
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/…`). */
    public readonly oidcIssuer: pulumi.Output<string>;
    /**
     * The node IAM role: worker and ECR read-only policies only, in every mode. Cilium's ENI
     * IPAM calls the EC2 API from its operator, which has a role of its own (`ciliumOperatorRoleArn`).
     */
    public readonly nodeRole: aws.iam.Role;
    /**
     * ENI mode: the IAM role of Cilium's operator (IRSA, service account
     * kube-system/cilium-operator), with the EC2 actions of ENI IPAM; give it to the Cilium
     * values (`eks.amazonaws.com/role-arn`). Undefined in overlay mode.
     */
    public readonly ciliumOperatorRoleArn?: pulumi.Output<string>;
    /** The IAM principal given cluster admin through an access entry. */
    public readonly adminPrincipalArn: pulumi.Output<string>;

    private readonly name: string;
    private readonly args: EksClusterArgs;
    private readonly subnetIdList: pulumi.Output<string>[];
    /** What nodes need before they can join: their policies and the subnets' internet route. */
    private readonly nodePrerequisites: pulumi.Resource[];
    private attached?: [aws.eks.NodeGroup, aws.eks.Addon];

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before registering anything, so a bad argument leaves no half-built component behind.
        failOnProblems(`EksCluster ${name}`, eksProblems(args), opts);
        super("clustermesh:cluster:EksCluster", name, {}, opts);
        this.name = name;
        this.args = args;
        this.clusterName = args.clusterName;
        const child: pulumi.CustomResourceOptions = { parent: this };
        const invoke: pulumi.InvokeOutputOptions = { parent: this };
        const tags = (role: string): Record<string, string> => ({ Name: `${args.clusterName}-${role}`, "clustermesh/cluster": args.clusterName });
        const partition = aws.getPartitionOutput({}, invoke).partition;

        // Network: one VPC, one route table to an internet gateway, two public subnets.
        // Two zones EKS supports where the node group's instance type is offered.
        const zones = offeredZones([args.instanceType ?? DEFAULT_EKS_INSTANCE_TYPE], 2, invoke, EKS_UNSUPPORTED_ZONE_IDS);
        this.network = new AwsNetwork(
            name,
            {
                clusterName: args.clusterName,
                vpcCidr: args.vpcCidr,
                subnets: eksSubnetCidrs(args.vpcCidr).map((cidrBlock, i) => ({
                    role: `subnet-${i + 1}`,
                    associationRole: `subnet-${i + 1}-routes`,
                    cidrBlock,
                    availabilityZone: zones[i],
                    // The in-tree cloud provider places internal load balancers by these tags
                    // (cloud-provider-aws pkg/providers/v1/aws.go, findSubnets/findELBSubnets).
                    tags: { [`kubernetes.io/cluster/${args.clusterName}`]: "shared", "kubernetes.io/role/internal-elb": "1" },
                })),
                formerParent: this,
            },
            { parent: this },
        );
        this.subnetIdList = this.network.subnetIds;

        // Control plane.
        const clusterRole = new aws.iam.Role(`${name}-cluster-role`, { assumeRolePolicy: assumeRolePolicy("eks.amazonaws.com"), tags: tags("cluster") }, child);
        const clusterPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-cluster-policy`,
            { role: clusterRole.name, policyArn: partition.apply((p) => managedPolicyArn(p, "AmazonEKSClusterPolicy")) },
            child,
        );
        // Secrets envelope encryption: a new rotating key unless the caller brings one.
        let secretsKeyArn: pulumi.Output<string> | undefined;
        const clusterDependencies: pulumi.Resource[] = [clusterPolicy];
        if (args.secretsEncryption) {
            secretsKeyArn = args.secretsEncryption.kmsKeyArn
                ? pulumi.output(args.secretsEncryption.kmsKeyArn)
                : new aws.kms.Key(
                      `${name}-secrets-key`,
                      { description: `Envelope encryption of Kubernetes Secrets in EKS cluster ${args.clusterName}`, enableKeyRotation: true, deletionWindowInDays: 30, tags: tags("secrets") },
                      child,
                  ).arn;
            clusterDependencies.push(
                new aws.iam.RolePolicy(`${name}-cluster-kms`, { role: clusterRole.id, policy: secretsKeyArn.apply(kmsPolicyDocument) }, child),
            );
        }
        this.eksCluster = new aws.eks.Cluster(
            `${name}-eks`,
            {
                name: args.clusterName,
                version: args.kubernetesVersion ?? DEFAULT_EKS_VERSION,
                roleArn: clusterRole.arn,
                // No aws-node, kube-proxy or CoreDNS at creation: Cilium is the CNI and replaces
                // kube-proxy; CoreDNS comes as a managed add-on once nodes run (attachCni).
                bootstrapSelfManagedAddons: false,
                accessConfig: {
                    authenticationMode: "API",
                    // The creator's implicit entry would clash with the explicit one below, and
                    // could not be seen or changed in code.
                    bootstrapClusterCreatorAdminPermissions: false,
                },
                kubernetesNetworkConfig: { serviceIpv4Cidr: args.serviceCidr },
                ...(secretsKeyArn ? { encryptionConfig: { resources: ["secrets"], provider: { keyArn: secretsKeyArn } } } : {}),
                ...(args.enabledLogTypes?.length ? { enabledClusterLogTypes: [...args.enabledLogTypes].sort() } : {}),
                vpcConfig: {
                    subnetIds: this.subnetIdList,
                    endpointPublicAccess: true,
                    publicAccessCidrs: args.operatorCidrs,
                    // Nodes (and Cilium, before any Service works) reach the API inside the VPC.
                    endpointPrivateAccess: true,
                },
                tags: tags("eks"),
            },
            // Without the policy attached for its whole life, EKS cannot clean up the ENIs and
            // security groups it made when the cluster is deleted (the provider's own advice).
            { parent: this, dependsOn: clusterDependencies },
        );

        // IRSA. No thumbprint list: IAM then fetches the issuer's top intermediate CA
        // thumbprint itself (CreateOpenIDConnectProvider, ThumbprintList), which is what
        // pulumi-eks computes client-side with a TLS handshake (nodejs/eks/cluster/cert-thumprint.ts),
        // and AWS validates its own EKS issuers against its trusted CA library anyway.
        this.oidcIssuer = this.eksCluster.identities.apply((ids) => ids[0]?.oidcs?.[0]?.issuer ?? "");
        const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, { url: this.oidcIssuer, clientIdLists: ["sts.amazonaws.com"], tags: tags("oidc") }, child);
        this.oidcProviderArn = oidc.arn;

        // Whoever runs Pulumi administers the cluster (what the console's "creator admin"
        // would do, but visible and in code). getSessionContext resolves an assumed-role
        // session to its role with the path (terraform-aws-eks does the same).
        const caller = aws.getCallerIdentityOutput({}, invoke);
        const session = aws.iam.getSessionContextOutput({ arn: caller.arn }, invoke);
        this.adminPrincipalArn = pulumi.all([caller.arn, session.issuerArn]).apply(([arn, issuer]) => adminPrincipalArn(arn, issuer));
        const adminEntry = new aws.eks.AccessEntry(
            `${name}-admin-access`,
            { clusterName: this.eksCluster.name, principalArn: this.adminPrincipalArn, type: "STANDARD", tags: tags("admin") },
            child,
        );
        const adminPolicy = new aws.eks.AccessPolicyAssociation(
            `${name}-admin-policy`,
            {
                clusterName: this.eksCluster.name,
                principalArn: this.adminPrincipalArn,
                policyArn: partition.apply((p) => accessPolicyArn(p, "AmazonEKSClusterAdminPolicy")),
                accessScope: { type: "cluster" },
            },
            { parent: this, dependsOn: [adminEntry] },
        );

        // Node role, used by attachCni: what kubelet and the node's bootstrap call
        // (lib/aws-permissions.ts PERMISSION_NEEDS), nothing more. No ENI actions, in any mode.
        this.nodeRole = new aws.iam.Role(`${name}-node-role`, { assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"), tags: tags("nodes") }, child);
        const nodePolicies = NODE_MANAGED_POLICIES.map(
            (policy) => new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: this.nodeRole.name, policyArn: partition.apply((p) => managedPolicyArn(p, policy)) }, child),
        );
        this.nodePrerequisites = [...nodePolicies, ...this.network.ready];

        // ENI mode: Cilium's operator calls the EC2 API (Cilium's ENI "Required Privileges",
        // beyond AmazonEKS_CNI_Policy: DescribeVpcs, DescribeRouteTables, ...). It gets a role of
        // its own through IRSA (the OIDC provider above), bound to kube-system/cilium-operator, so
        // no other process on a node can create ENIs with the node's credentials.
        if (args.eniIpam) {
            const operatorRole = new aws.iam.Role(
                `${name}-cilium-operator-role`,
                {
                    description: `Cilium operator (ENI IPAM) of EKS cluster ${args.clusterName}`,
                    assumeRolePolicy: pulumi.all([oidc.arn, this.oidcIssuer]).apply(([arn, issuer]) => serviceAccountTrustPolicy(arn, issuer, "kube-system", CILIUM_OPERATOR_SERVICE_ACCOUNT)),
                    tags: tags("cilium-operator"),
                },
                child,
            );
            const operatorPolicy = new aws.iam.RolePolicy(`${name}-cilium-operator-eni`, { role: operatorRole.id, policy: allowDocument(CILIUM_OPERATOR_ENI_ACTIONS) }, child);
            // The ARN once its policy is in place: the operator's credentials work from its first start.
            this.ciliumOperatorRoleArn = pulumi.all([operatorRole.arn, operatorPolicy.id]).apply(([arn]) => arn);
        }

        this.kubeconfig = pulumi.secret(
            pulumi
                .all([this.eksCluster.name, this.eksCluster.endpoint, this.eksCluster.certificateAuthority])
                .apply(([eksName, endpoint, ca]) => kubeconfigYaml({ clusterName: args.clusterName, eksName, region: args.region, endpoint, caData: ca.data ?? "" })),
        );
        // Only usable once the admin policy is associated; the stable clusterIdentifier keeps a
        // changed kubeconfig (new CA, endpoint) from replacing every in-cluster object.
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig, clusterIdentifier: args.clusterName }, { parent: this, dependsOn: [adminPolicy] });

        this.apiServerHost = this.eksCluster.endpoint.apply(apiServerHost);
        this.apiServerPort = pulumi.output(443);
        this.nodeAddresses = pulumi.output<string[]>([]);
        this.deletionAnchor = this.eksCluster;
        this.vpcId = this.network.vpcId;
        this.vpcCidr = this.network.vpcCidr;
        this.routeTableId = this.network.routeTableId;
        this.securityGroupId = this.eksCluster.vpcConfig.clusterSecurityGroupId;
        this.subnetIds = pulumi.all(this.subnetIdList);
        this.registerOutputs({
            kubeconfig: this.kubeconfig,
            apiServerHost: this.apiServerHost,
            apiServerPort: this.apiServerPort,
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            routeTableId: this.routeTableId,
            securityGroupId: this.securityGroupId,
            subnetIds: this.subnetIds,
            oidcProviderArn: this.oidcProviderArn,
            adminPrincipalArn: this.adminPrincipalArn,
        });
    }

    /**
     * The private addresses of the clustermesh-apiserver's internal NLB, given its host name:
     * the addresses of its network interfaces (described `ELB net/<name>/<id>`, one per subnet,
     * fixed for the load balancer's life). Peers get them as `ips`, so they dial
     * `<name>.mesh.cilium.io`, which the server certificate names (`*.mesh.cilium.io`), as
     * cilium-cli's `clustermesh connect` does; the NLB's own host name is not in the
     * certificate, and cannot be: it only exists after the release that needs the certificate.
     */
    loadBalancerAddresses(hostname: pulumi.Input<string>): pulumi.Output<string[]> {
        const opts: pulumi.InvokeOptions = { parent: this };
        return pulumi.output(hostname).apply(async (host) => {
            const lb = loadBalancerNameOf(host);
            if (!lb) {
                return [];
            }
            const { ids } = await aws.ec2.getNetworkInterfaces({ filters: [{ name: "description", values: [`ELB net/${lb}/*`] }] }, opts);
            const interfaces = await Promise.all([...ids].sort().map((id) => aws.ec2.getNetworkInterface({ id }, opts)));
            return interfaces.map((eni) => eni.privateIp).sort();
        });
    }

    /** The managed node group, once `attachCni` has created it. */
    public get nodeGroup(): aws.eks.NodeGroup | undefined {
        return this.attached?.[0];
    }

    /**
     * Creates the node group once the CNI (the Cilium release) exists, then the CoreDNS add-on
     * once there are nodes; both are children of this component. Returns [nodeGroup, coredns]:
     * what in-cluster workloads wait for. A cluster has one CNI, so a second call throws.
     */
    attachCni(cni: pulumi.Resource): pulumi.Resource[] {
        if (this.attached) {
            throw new Error(`EksCluster ${this.name}: attachCni was already called; a cluster has one CNI and one node group`);
        }
        const args = this.args;
        const instanceType = args.instanceType ?? DEFAULT_EKS_INSTANCE_TYPE;
        const nodeTags = { Name: `${args.clusterName}-nodes`, "clustermesh/cluster": args.clusterName };
        // Without a launch template, IMDSv2 and root-volume encryption would depend on the
        // account's defaults. No security groups here: EKS then attaches the cluster security
        // group, where the mesh link puts its rules. No instance type or AMI either: the node
        // group keeps choosing those (amiType).
        const template = new aws.ec2.LaunchTemplate(
            `${this.name}-nodes-template`,
            {
                description: `Nodes of EKS cluster ${args.clusterName}: IMDSv2 only, encrypted root volume`,
                metadataOptions: { ...NODE_METADATA_OPTIONS },
                blockDeviceMappings: [
                    {
                        deviceName: EKS_ROOT_DEVICE,
                        ebs: { volumeSize: NODE_ROOT_VOLUME_GIB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                    },
                ],
                tagSpecifications: ["instance", "volume"].map((resourceType) => ({ resourceType, tags: nodeTags })),
                tags: nodeTags,
            },
            { parent: this },
        );
        const nodeGroup = new aws.eks.NodeGroup(
            `${this.name}-nodes`,
            {
                clusterName: this.eksCluster.name,
                nodeRoleArn: this.nodeRole.arn,
                subnetIds: this.subnetIdList,
                instanceTypes: [instanceType],
                amiType: amiTypeFor(instanceType),
                scalingConfig: { desiredSize: args.desiredSize ?? DEFAULT_EKS_NODES.desired, minSize: args.minSize ?? DEFAULT_EKS_NODES.min, maxSize: args.maxSize ?? DEFAULT_EKS_NODES.max },
                // Pods stay off a node until the Cilium agent on it is ready and removes this.
                taints: [{ ...CILIUM_AGENT_NOT_READY_TAINT }],
                // A new template version rolls the nodes (the group replaces them one by one).
                launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
                tags: nodeTags,
            },
            {
                parent: this,
                // Nodes joining before Cilium exists would sit NotReady and the group's creation
                // would fail; they also need their policies and a route out to register.
                dependsOn: [cni, ...this.nodePrerequisites],
                // desiredSize is only the starting count: the cluster autoscaler or an operator
                // owns it afterwards, and a later `up` must not scale the group back.
                ignoreChanges: ["scalingConfig.desiredSize"],
            },
        );
        const coredns = new aws.eks.Addon(
            `${this.name}-coredns`,
            // OVERWRITE: take over any CoreDNS objects left from a previous install.
            {
                clusterName: this.eksCluster.name,
                addonName: "coredns",
                // Pinned per Kubernetes version (lib/version-gates.ts): unpinned, EKS picks its
                // default, which may predate the multicluster plugin MCS-API's corefile needs.
                addonVersion: EKS_COREDNS_ADDON[args.kubernetesVersion ?? DEFAULT_EKS_VERSION].addonVersion,
                resolveConflictsOnCreate: "OVERWRITE",
                ...(args.clustersetDns ? { configurationValues: JSON.stringify({ corefile: eksCorefile() }), resolveConflictsOnUpdate: "OVERWRITE" } : {}),
            },
            // The add-on turns ACTIVE only when its pods run, i.e. on nodes with Cilium ready.
            { parent: this, dependsOn: [nodeGroup] },
        );
        this.attached = [nodeGroup, coredns];
        return [nodeGroup, coredns];
    }
}

function eksProblems(args: EksClusterArgs): string[] {
    const problems: string[] = [];
    if (!EKS_NAME.test(args.clusterName)) {
        problems.push(`clusterName ${JSON.stringify(args.clusterName)} is not an EKS cluster name; use letters, digits, - and _, starting alphanumeric, at most 100`);
    }
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(args.region)) {
        problems.push(`region ${JSON.stringify(args.region)} is not an AWS region name such as us-east-1`);
    }
    const vpc = parseCidr(args.vpcCidr);
    if (!vpc || vpc.family !== "ipv4") {
        problems.push(`vpcCidr ${args.vpcCidr} is not an IPv4 CIDR block; write e.g. 10.20.0.0/16`);
    } else if (vpc.prefix < 16 || vpc.prefix > 19) {
        problems.push(`vpcCidr ${args.vpcCidr} must be /16 to /19: an AWS VPC is at most a /16 and the cluster needs two /20 subnets`);
    }
    const service = serviceCidrProblem(args.serviceCidr, args.vpcCidr);
    if (service) {
        problems.push(service);
    }
    if (args.kubernetesVersion !== undefined && !/^1\.\d+$/.test(args.kubernetesVersion)) {
        problems.push(`kubernetesVersion ${args.kubernetesVersion} is not a Kubernetes minor version such as 1.33`);
    } else if (!EKS_COREDNS_ADDON[args.kubernetesVersion ?? DEFAULT_EKS_VERSION]) {
        problems.push(`kubernetesVersion ${args.kubernetesVersion} has no pinned CoreDNS add-on version; use one of ${Object.keys(EKS_COREDNS_ADDON).sort().join(", ")}`);
    }
    if (args.instanceType !== undefined && !/^[a-z0-9-]+\.[a-z0-9-]+$/.test(args.instanceType)) {
        problems.push(`instanceType ${JSON.stringify(args.instanceType)} is not an EC2 instance type such as t3.large`);
    }
    const [min, desired, max] = [args.minSize ?? DEFAULT_EKS_NODES.min, args.desiredSize ?? DEFAULT_EKS_NODES.desired, args.maxSize ?? DEFAULT_EKS_NODES.max];
    if (![min, desired, max].every((n) => Number.isInteger(n) && n >= 0) || max < 1) {
        problems.push(`node counts minSize ${min}, desiredSize ${desired}, maxSize ${max} must be whole numbers, maxSize at least 1`);
    } else if (!(min <= desired && desired <= max)) {
        problems.push(`node counts must satisfy minSize ${min} <= desiredSize ${desired} <= maxSize ${max}`);
    }
    if (args.operatorCidrs.length === 0) {
        problems.push("operatorCidrs is empty; give the address you run pulumi from, e.g. 203.0.113.10/32");
    }
    for (const cidr of args.operatorCidrs) {
        if (!parseCidr(cidr)) {
            problems.push(`operatorCidrs ${cidr} is not a CIDR block; write e.g. 203.0.113.10/32`);
        } else if (cidr === "0.0.0.0/0" || cidr === "::/0") {
            problems.push(`operatorCidrs ${cidr} would open the Kubernetes API to the whole internet; list only your own addresses`);
        }
    }
    const kmsArn = args.secretsEncryption?.kmsKeyArn;
    if (kmsArn !== undefined && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/.test(kmsArn)) {
        problems.push(`secretsEncryption.kmsKeyArn ${JSON.stringify(kmsArn)} is not a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/<id>; omit it to create a key`);
    }
    for (const [i, type] of (args.enabledLogTypes ?? []).entries()) {
        if (!(EKS_LOG_TYPES as readonly string[]).includes(type)) {
            problems.push(`enabledLogTypes[${i}] ${JSON.stringify(type)} is not an EKS log type; use ${EKS_LOG_TYPES.join(", ")}`);
        } else if (args.enabledLogTypes!.indexOf(type) !== i) {
            problems.push(`enabledLogTypes lists ${type} twice; list it once`);
        }
    }
    return problems;
}
