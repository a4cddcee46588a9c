/**
 * Permissions as data: the AWS actions each component of an EKS member calls, and the contents
 * of the AWS managed policies the program attaches, each with its source. The tests of
 * EksCluster hold the planned roles (managed policies attached, inline policies) against
 * `PERMISSION_NEEDS`: a component whose role lacks an action it calls fails there, not at deploy
 * time (Cilium's operator without `ec2:DescribeVpcs` never gives a pod an address).
 *
 * Neutral: imports nothing of the project but lib/.
 */

/** An AWS managed policy as the program relies on it: the actions it allows (all on `*` unless noted). */
export interface ManagedPolicy {
    readonly version: string;
    readonly actions: readonly string[];
    readonly source: string;
}

const REFERENCE = "AWS Managed Policy Reference Guide";

/** The managed policies the program attaches, as their default versions read. */
export const MANAGED_POLICIES = {
    AmazonEKSWorkerNodePolicy: {
        version: "v3",
        actions: [
            "ec2:DescribeInstances",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeRouteTables",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVolumes",
            "ec2:DescribeVolumesModifications",
            "ec2:DescribeVpcs",
            "eks:DescribeCluster",
            "eks-auth:AssumeRoleForPodIdentity",
        ],
        source: `${REFERENCE}, AmazonEKSWorkerNodePolicy (v3)`,
    },
    AmazonEC2ContainerRegistryReadOnly: {
        version: "v3",
        actions: [
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:GetRepositoryPolicy",
            "ecr:DescribeRepositories",
            "ecr:ListImages",
            "ecr:DescribeImages",
            "ecr:BatchGetImage",
            "ecr:GetLifecyclePolicy",
            "ecr:GetLifecyclePolicyPreview",
            "ecr:ListTagsForResource",
            "ecr:DescribeImageScanFindings",
        ],
        source: `${REFERENCE}, AmazonEC2ContainerRegistryReadOnly`,
    },
    AmazonEKS_CNI_Policy: {
        version: "v5",
        // Plus ec2:CreateTags on network-interface/* only.
        actions: [
            "ec2:AssignPrivateIpAddresses",
            "ec2:AttachNetworkInterface",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeInstances",
            "ec2:DescribeTags",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeSubnets",
            "ec2:DetachNetworkInterface",
            "ec2:ModifyNetworkInterfaceAttribute",
            "ec2:UnassignPrivateIpAddresses",
            "ec2:CreateTags",
        ],
        source: `${REFERENCE}, AmazonEKS_CNI_Policy (v5)`,
    },
    AmazonEKSClusterPolicy: {
        version: "v8",
        actions: [
            "autoscaling:DescribeAutoScalingGroups",
            "autoscaling:UpdateAutoScalingGroup",
            "ec2:AttachVolume",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:CreateRoute",
            "ec2:CreateSecurityGroup",
            "ec2:CreateTags",
            "ec2:CreateVolume",
            "ec2:DeleteRoute",
            "ec2:DeleteSecurityGroup",
            "ec2:DeleteVolume",
            "ec2:DescribeInstances",
            "ec2:DescribeRouteTables",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVolumes",
            "ec2:DescribeVolumesModifications",
            "ec2:DescribeVpcs",
            "ec2:DescribeDhcpOptions",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeAvailabilityZones",
            "ec2:DetachVolume",
            "ec2:ModifyInstanceAttribute",
            "ec2:ModifyVolume",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:DescribeAccountAttributes",
            "ec2:DescribeAddresses",
            "ec2:DescribeInternetGateways",
            "elasticloadbalancing:AddTags",
            "elasticloadbalancing:ApplySecurityGroupsToLoadBalancer",
            "elasticloadbalancing:AttachLoadBalancerToSubnets",
            "elasticloadbalancing:ConfigureHealthCheck",
            "elasticloadbalancing:CreateListener",
            "elasticloadbalancing:CreateLoadBalancer",
            "elasticloadbalancing:CreateLoadBalancerListeners",
            "elasticloadbalancing:CreateLoadBalancerPolicy",
            "elasticloadbalancing:CreateTargetGroup",
            "elasticloadbalancing:DeleteListener",
            "elasticloadbalancing:DeleteLoadBalancer",
            "elasticloadbalancing:DeleteLoadBalancerListeners",
            "elasticloadbalancing:DeleteTargetGroup",
            "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
            "elasticloadbalancing:DeregisterTargets",
            "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
            "elasticloadbalancing:DescribeLoadBalancerPolicies",
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeTargetGroupAttributes",
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetHealth",
            "elasticloadbalancing:DetachLoadBalancerFromSubnets",
            "elasticloadbalancing:ModifyListener",
            "elasticloadbalancing:ModifyLoadBalancerAttributes",
            "elasticloadbalancing:ModifyTargetGroup",
            "elasticloadbalancing:ModifyTargetGroupAttributes",
            "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
            "elasticloadbalancing:RegisterTargets",
            "elasticloadbalancing:SetLoadBalancerPoliciesForBackendServer",
            "elasticloadbalancing:SetLoadBalancerPoliciesOfListener",
            "kms:DescribeKey",
        ],
        source: `${REFERENCE}, AmazonEKSClusterPolicy (v8)`,
    },
} as const satisfies Record<string, ManagedPolicy>;

export type ManagedPolicyName = keyof typeof MANAGED_POLICIES;

/** Whose role a need belongs to. */
export type RoleOf = "cluster" | "node" | "cilium-operator";

/** What one component calls, on whose role, when, and where that is documented. */
export interface PermissionNeed {
    readonly component: string;
    readonly role: RoleOf;
    /** When the need applies: always, or only in ENI mode. */
    readonly when: "always" | "eni";
    readonly actions: readonly string[];
    readonly source: string;
}

/**
 * Cilium's operator in ENI mode (Cilium docs, network/concepts/ipam/eni "Required Privileges").
 * Not needed here: `DescribeTags` (ENI GC with neither --cluster-name nor --eni-gc-tags; the
 * chart passes cluster.name), `UnassignPrivateIpAddresses` (aws-release-excess-ips off),
 * `AssignIpv6Addresses` (IPv4 only), `DescribeInstances` (no --instance-tags-filter).
 */
export const CILIUM_OPERATOR_ENI_ACTIONS = [
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:CreateNetworkInterface",
    "ec2:AttachNetworkInterface",
    "ec2:ModifyNetworkInterfaceAttribute",
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateTags",
    "ec2:DescribeManagedPrefixLists",
    "ec2:GetManagedPrefixListEntries",
] as const;

export const PERMISSION_NEEDS: readonly PermissionNeed[] = [
    {
        component: "Cilium operator (ENI IPAM)",
        role: "cilium-operator",
        when: "eni",
        actions: CILIUM_OPERATOR_ENI_ACTIONS,
        source: "Cilium docs, AWS ENI IPAM, Required Privileges (Documentation/network/concepts/ipam/eni.rst)",
    },
    {
        component: "kubelet and node bootstrap",
        role: "node",
        when: "always",
        actions: ["ec2:DescribeInstances", "eks:DescribeCluster", "ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        source: "Amazon EKS User Guide, Amazon EKS node IAM role (AmazonEKSWorkerNodePolicy, AmazonEC2ContainerRegistryReadOnly); EKS add-on images come from ECR",
    },
    {
        component: "the in-tree AWS cloud provider's NLB for the clustermesh-apiserver",
        role: "cluster",
        when: "always",
        actions: [
            "elasticloadbalancing:CreateLoadBalancer",
            "elasticloadbalancing:CreateTargetGroup",
            "elasticloadbalancing:CreateListener",
            "elasticloadbalancing:RegisterTargets",
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeTargetGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:AuthorizeSecurityGroupIngress",
        ],
        source: "cloud-provider-aws pkg/providers/v1/aws_loadbalancer.go (ensureLoadBalancerv2); Amazon EKS User Guide, cluster IAM role (AmazonEKSClusterPolicy)",
    },
];

/** ENI write actions that belong to the operator's own role, never to the node role (a process on a node could otherwise create ENIs). */
export const OPERATOR_ONLY_ACTIONS: readonly string[] = ["ec2:CreateNetworkInterface", "ec2:AttachNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:ModifyNetworkInterfaceAttribute"];

/** Every action a role is granted by its managed policies and inline policy documents. */
export function grantedActions(managed: readonly string[], inlineDocuments: readonly string[]): Set<string> {
    const granted = new Set<string>();
    for (const name of managed) {
        const policy = (MANAGED_POLICIES as Record<string, ManagedPolicy>)[name];
        for (const a of policy?.actions ?? []) granted.add(a);
    }
    for (const doc of inlineDocuments) {
        const parsed = JSON.parse(doc) as { Statement?: Array<{ Effect?: string; Action?: string | string[] }> };
        for (const s of parsed.Statement ?? []) {
            if (s.Effect === "Allow") for (const a of [s.Action ?? []].flat()) granted.add(a);
        }
    }
    return granted;
}

/** The actions of `needs` missing from `granted`. */
export function missingActions(needs: readonly string[], granted: ReadonlySet<string>): string[] {
    return needs.filter((a) => !granted.has(a));
}

/** An inline policy document allowing `actions` on every resource. */
export function allowDocument(actions: readonly string[]): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [...actions].sort(), Resource: "*" }] });
}

/**
 * The trust policy of an IAM role for a Kubernetes service account (IRSA): the cluster's OIDC
 * provider, for exactly `namespace/serviceAccount` and the STS audience (Amazon EKS User Guide,
 * IAM roles for service accounts, "Assign IAM roles to Kubernetes service accounts").
 */
export function serviceAccountTrustPolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): string {
    const issuer = issuerUrl.replace(/^https:\/\//, "");
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${issuer}:aud`]: "sts.amazonaws.com" } },
            },
        ],
    });
}
