import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "../../stacks/cidr";
import { apiServerHost, assumeRolePolicy, CILIUM_AGENT_NOT_READY_TAINT, CLUSTERMESH_LB_ANNOTATIONS, eksSubnetCidrs, kubeconfigYaml } from "./eks-config";
import type { MeshCluster } from "./mesh-cluster";

export interface EksClusterArgs {
    /** Cilium `cluster.name`; also the EKS cluster's name. */
    clusterName: string;
    /** AWS region, for the kubeconfig's `aws eks get-token`. */
    region: string;
    /** VPC CIDR (/19 or larger); nodes use two /20s in two zones. */
    vpcCidr: string;
    /** Service CIDR (`kubernetesNetworkConfig.serviceIpv4Cidr`), /12 to /24 in a private range. */
    serviceCidr: string;
    /** Kubernetes version. Default `1.33`. */
    kubernetesVersion?: string;
    /** Node instance type. Default `t3.large`. */
    instanceType?: string;
    /** Node counts. Defaults 2, 1, 3. */
    desiredSize?: number;
    minSize?: number;
    maxSize?: number;
    /** The only sources of the public API endpoint: where `pulumi up` runs. */
    operatorCidrs: string[];
}

/**
 * An EKS cluster for the mesh: no self-managed add-ons (no aws-node, no kube-proxy: Cilium
 * replaces both), API authentication with an access entry for whoever runs Pulumi, an OIDC
 * provider. Its nodes join only after Cilium is installed (`attachCni`), tainted until the
 * Cilium agent is ready; CoreDNS comes after them. Pass a region's `aws.Provider` as `provider`
 * in the options (as pulumi-eks does).
 */
export class EksCluster extends pulumi.ComponentResource implements MeshCluster {
    public readonly clusterName: string;
    public readonly kind = "eks" as const;
    public readonly provider: k8s.Provider;
    /** Kubeconfig using `aws eks get-token`. Secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly apiServerHost: pulumi.Output<string>;
    public readonly apiServerPort: pulumi.Output<number>;
    /**
     * Empty: EKS nodes are replaced at will, so peers reach this cluster through the
     * clustermesh-apiserver's internal load balancer (`clustermeshServiceAnnotations`), not node IPs.
     */
    public readonly nodeAddresses: pulumi.Output<string[]>;
    public readonly deletionAnchor: pulumi.Resource;
    /** Annotations that make the clustermesh-apiserver Service an internal NLB. */
    public readonly clustermeshServiceAnnotations: Record<string, string> = { ...CLUSTERMESH_LB_ANNOTATIONS };
    public readonly eksCluster: aws.eks.Cluster;
    public readonly vpcId: pulumi.Output<string>;
    public readonly routeTableId: pulumi.Output<string>;
    /** The cluster security group (control plane and managed nodes). */
    public readonly securityGroupId: pulumi.Output<string>;
    /** Set once `attachCni` ran. */
    public nodeGroup?: aws.eks.NodeGroup;

    private readonly nodeRole: aws.iam.Role;
    private readonly subnetIds: pulumi.Output<string>[];
    private readonly args: EksClusterArgs;
    private readonly name: string;

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clustermesh:cluster:EksCluster", name, {}, opts);
        validateArgs(name, args);
        this.name = name;
        this.args = args;
        this.clusterName = args.clusterName;
        const child: pulumi.CustomResourceOptions = { parent: this };
        const tags = (role: string) => ({ Name: `${args.clusterName}-${role}`, "clustermesh/cluster": args.clusterName });

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags("vpc") }, child);
        const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags("igw") }, child);
        const routes = new aws.ec2.RouteTable(`${name}-routes`, { vpcId: vpc.id, tags: tags("routes") }, child);
        new aws.ec2.Route(`${name}-default-route`, { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: gateway.id }, child);
        const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this });
        this.subnetIds = eksSubnetCidrs(args.vpcCidr).map((cidr, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-subnet-${i + 1}`,
                { vpcId: vpc.id, cidrBlock: cidr, availabilityZone: zones.names[i], mapPublicIpOnLaunch: true, tags: { ...tags(`nodes-${i + 1}`), "kubernetes.io/role/internal-elb": "1" } },
                child,
            );
            new aws.ec2.RouteTableAssociation(`${name}-subnet-${i + 1}-routes`, { routeTableId: routes.id, subnetId: subnet.id }, child);
            return subnet.id;
        });

        const clusterRole = new aws.iam.Role(`${name}-cluster-role`, { assumeRolePolicy: assumeRolePolicy("eks.amazonaws.com"), tags: tags("cluster") }, child);
        const clusterPolicy = new aws.iam.RolePolicyAttachment(`${name}-cluster-policy`, { role: clusterRole.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy" }, child);

        this.eksCluster = new aws.eks.Cluster(
            `${name}-eks`,
            {
                name: args.clusterName,
                version: args.kubernetesVersion ?? "1.33",
                roleArn: clusterRole.arn,
                // No aws-node and no kube-proxy: Cilium is the CNI and replaces kube-proxy.
                bootstrapSelfManagedAddons: false,
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
                kubernetesNetworkConfig: { serviceIpv4Cidr: args.serviceCidr },
                vpcConfig: { subnetIds: this.subnetIds, endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: args.operatorCidrs },
                tags: tags("eks"),
            },
            { parent: this, dependsOn: [clusterPolicy] },
        );

        new aws.iam.OpenIdConnectProvider(
            `${name}-oidc`,
            // No thumbprint: AWS trusts EKS's OIDC issuers through its own CA library.
            { url: this.eksCluster.identities.apply((ids) => ids[0].oidcs?.[0]?.issuer ?? ""), clientIdLists: ["sts.amazonaws.com"], tags: tags("oidc") },
            child,
        );

        // Whoever runs Pulumi administers the cluster; an assumed role's session ARN is turned into the role's ARN.
        const caller = aws.getCallerIdentityOutput({}, { parent: this });
        const principal = aws.iam.getSessionContextOutput({ arn: caller.arn }, { parent: this }).issuerArn;
        const adminEntry = new aws.eks.AccessEntry(`${name}-admin-access`, { clusterName: this.eksCluster.name, principalArn: principal, type: "STANDARD" }, child);
        const adminPolicy = new aws.eks.AccessPolicyAssociation(
            `${name}-admin-policy`,
            { clusterName: this.eksCluster.name, principalArn: principal, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } },
            { parent: this, dependsOn: [adminEntry] },
        );

        this.nodeRole = new aws.iam.Role(`${name}-node-role`, { assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"), tags: tags("nodes") }, child);
        // No CNI policy: Cilium's overlay never calls the EC2 API the way aws-node does.
        for (const policy of ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"]) {
            new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: this.nodeRole.name, policyArn: `arn:aws:iam::aws:policy/${policy}` }, child);
        }

        this.kubeconfig = pulumi.secret(
            pulumi.all([this.eksCluster.name, this.eksCluster.endpoint, this.eksCluster.certificateAuthority]).apply(([eksName, endpoint, ca]) =>
                kubeconfigYaml({ clusterName: args.clusterName, eksName, region: args.region, endpoint, caData: ca.data ?? "" }),
            ),
        );
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig, clusterIdentifier: args.clusterName }, { parent: this, dependsOn: [adminPolicy] });
        this.apiServerHost = this.eksCluster.endpoint.apply(apiServerHost);
        this.apiServerPort = pulumi.output(443);
        this.nodeAddresses = pulumi.output([]);
        this.deletionAnchor = this.eksCluster;
        this.vpcId = vpc.id;
        this.routeTableId = routes.id;
        this.securityGroupId = this.eksCluster.vpcConfig.apply((c) => c.clusterSecurityGroupId);
        this.registerOutputs({ kubeconfig: this.kubeconfig, apiServerHost: this.apiServerHost, vpcId: this.vpcId, securityGroupId: this.securityGroupId });
    }

    /** Creates the node group once Cilium exists, then CoreDNS on the nodes. Call once. */
    attachCni(cni: pulumi.Resource): pulumi.Resource[] {
        if (this.nodeGroup) {
            throw new Error(`EksCluster ${this.name}: attachCni was already called; a cluster has one CNI`);
        }
        const args = this.args;
        this.nodeGroup = new aws.eks.NodeGroup(
            `${this.name}-nodes`,
            {
                clusterName: this.eksCluster.name,
                nodeRoleArn: this.nodeRole.arn,
                subnetIds: this.subnetIds,
                instanceTypes: [args.instanceType ?? "t3.large"],
                scalingConfig: { desiredSize: args.desiredSize ?? 2, minSize: args.minSize ?? 1, maxSize: args.maxSize ?? 3 },
                taints: [CILIUM_AGENT_NOT_READY_TAINT],
                tags: { "clustermesh/cluster": args.clusterName },
            },
            // The autoscaler owns desiredSize once the group runs; a later `up` must not reset it.
            { parent: this, dependsOn: [cni], ignoreChanges: ["scalingConfig.desiredSize"] },
        );
        const coredns = new aws.eks.Addon(
            `${this.name}-coredns`,
            { clusterName: this.eksCluster.name, addonName: "coredns", resolveConflictsOnCreate: "OVERWRITE" },
            { parent: this, dependsOn: [this.nodeGroup] },
        );
        return [this.nodeGroup, coredns];
    }
}

function validateArgs(name: string, args: EksClusterArgs): void {
    const problems: string[] = [];
    for (const [field, value] of [
        ["vpcCidr", args.vpcCidr],
        ["serviceCidr", args.serviceCidr],
    ]) {
        if (!parseCidr(value)) {
            problems.push(`${field} ${value} is not a CIDR block`);
        }
    }
    if (parseCidr(args.vpcCidr) && parseCidr(args.vpcCidr)!.prefix > 19) {
        problems.push(`vpcCidr ${args.vpcCidr} is smaller than /19; EKS needs two /20 subnets`);
    }
    if (args.operatorCidrs.length === 0 || args.operatorCidrs.includes("0.0.0.0/0")) {
        problems.push("operatorCidrs must list the addresses you run pulumi from (not empty, not 0.0.0.0/0)");
    }
    const [min, desired, max] = [args.minSize ?? 1, args.desiredSize ?? 2, args.maxSize ?? 3];
    if (!(min <= desired && desired <= max)) {
        problems.push(`node counts min ${min} <= desired ${desired} <= max ${max} do not hold`);
    }
    if (problems.length > 0) {
        throw new Error(`EksCluster ${name}: ${problems.join("; ")}`);
    }
}
