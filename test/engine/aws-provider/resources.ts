/**
 * The AWS resource types and data sources the program uses (grep `aws\.` in components/ and
 * index.ts), as the engine-test `aws` provider knows them: what each one requires, which input
 * changes replace it (ForceNew in the upstream Terraform schema, hashicorp/terraform-provider-aws
 * docs per resource), which outputs AWS computes, and the id's shape.
 *
 * Never a provider for users: it exists so `pulumi preview` and `up` run through the real engine
 * with AWS's resource model, not AWS.
 */

/** One AWS resource type. */
export interface AwsType {
    /** The id's prefix, as AWS forms it (`vpc-…`); `name` uses the resource's name input. */
    readonly id: string;
    /** Inputs that must be present (Required in the upstream schema). */
    readonly required: readonly string[];
    /** Inputs whose change replaces the resource (ForceNew upstream). */
    readonly replace: readonly string[];
    /** Outputs AWS computes (unknown in a preview). */
    readonly computed: readonly string[];
}

const tagsAll = ["tagsAll"];

export const AWS_TYPES: Readonly<Record<string, AwsType>> = {
    "aws:ec2/vpc:Vpc": { id: "vpc-", required: [], replace: ["cidrBlock", "instanceTenancy"], computed: ["arn", "defaultRouteTableId", "defaultSecurityGroupId", "defaultNetworkAclId", "mainRouteTableId", "ownerId", "dhcpOptionsId", ...tagsAll] },
    "aws:ec2/subnet:Subnet": { id: "subnet-", required: ["vpcId"], replace: ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"], computed: ["arn", "ownerId", ...tagsAll] },
    "aws:ec2/internetGateway:InternetGateway": { id: "igw-", required: [], replace: [], computed: ["arn", "ownerId", ...tagsAll] },
    "aws:ec2/routeTable:RouteTable": { id: "rtb-", required: ["vpcId"], replace: ["vpcId"], computed: ["arn", "ownerId", ...tagsAll] },
    "aws:ec2/route:Route": { id: "r-", required: ["routeTableId"], replace: ["routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"], computed: ["instanceOwnerId", "origin", "state"] },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": { id: "rtbassoc-", required: ["routeTableId"], replace: ["subnetId", "gatewayId"], computed: [] },
    "aws:ec2/securityGroup:SecurityGroup": { id: "sg-", required: [], replace: ["name", "namePrefix", "vpcId", "description"], computed: ["arn", "ownerId", ...tagsAll] },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": { id: "sgr-", required: ["securityGroupId", "ipProtocol"], replace: ["securityGroupId"], computed: ["arn", "securityGroupRuleId", ...tagsAll] },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": { id: "sgr-", required: ["securityGroupId", "ipProtocol"], replace: ["securityGroupId"], computed: ["arn", "securityGroupRuleId", ...tagsAll] },
    "aws:ec2/managedPrefixList:ManagedPrefixList": { id: "pl-", required: ["name", "maxEntries", "addressFamily"], replace: ["addressFamily"], computed: ["arn", "ownerId", "version", ...tagsAll] },
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": { id: "pcx-", required: ["vpcId", "peerVpcId"], replace: ["vpcId", "peerVpcId", "peerOwnerId", "peerRegion"], computed: ["acceptStatus", ...tagsAll] },
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": { id: "pcx-", required: ["vpcPeeringConnectionId"], replace: ["vpcPeeringConnectionId"], computed: ["acceptStatus", "peerOwnerId", "peerRegion", "peerVpcId", "vpcId", ...tagsAll] },
    "aws:ec2/keyPair:KeyPair": { id: "name", required: ["publicKey"], replace: ["publicKey", "keyName", "keyNamePrefix"], computed: ["arn", "fingerprint", "keyPairId", "keyType", ...tagsAll] },
    "aws:ec2/instance:Instance": { id: "i-", required: [], replace: ["ami", "subnetId", "keyName", "availabilityZone", "privateIp", "associatePublicIpAddress"], computed: ["arn", "privateIp", "privateDns", "publicIp", "publicDns", "primaryNetworkInterfaceId", "instanceState", ...tagsAll] },
    "aws:ec2/eip:Eip": { id: "eipalloc-", required: [], replace: ["domain"], computed: ["allocationId", "publicIp", "publicDns", "privateIp", "arn", ...tagsAll] },
    "aws:ec2/launchTemplate:LaunchTemplate": { id: "lt-", required: [], replace: ["name", "namePrefix"], computed: ["arn", "latestVersion", "defaultVersion", ...tagsAll] },
    "aws:ec2transitgateway/transitGateway:TransitGateway": { id: "tgw-", required: [], replace: ["amazonSideAsn"], computed: ["arn", "associationDefaultRouteTableId", "propagationDefaultRouteTableId", "ownerId", ...tagsAll] },
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": { id: "tgw-attach-", required: ["transitGatewayId", "vpcId", "subnetIds"], replace: ["transitGatewayId", "vpcId"], computed: ["vpcOwnerId", ...tagsAll] },
    "aws:ec2transitgateway/peeringAttachment:PeeringAttachment": { id: "tgw-attach-", required: ["transitGatewayId", "peerTransitGatewayId", "peerRegion"], replace: ["transitGatewayId", "peerTransitGatewayId", "peerRegion", "peerAccountId"], computed: ["state", ...tagsAll] },
    "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter": { id: "tgw-attach-", required: ["transitGatewayAttachmentId"], replace: ["transitGatewayAttachmentId"], computed: ["peerAccountId", "peerRegion", "peerTransitGatewayId", "transitGatewayId", ...tagsAll] },
    "aws:ec2transitgateway/route:Route": { id: "tgw-rtb-", required: ["destinationCidrBlock", "transitGatewayRouteTableId"], replace: ["destinationCidrBlock", "transitGatewayRouteTableId", "transitGatewayAttachmentId", "blackhole"], computed: [] },
    "aws:iam/role:Role": { id: "name", required: ["assumeRolePolicy"], replace: ["name", "namePrefix", "path"], computed: ["arn", "createDate", "uniqueId", ...tagsAll] },
    "aws:iam/rolePolicy:RolePolicy": { id: "name", required: ["role", "policy"], replace: ["role", "name", "namePrefix"], computed: [] },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { id: "name", required: ["role", "policyArn"], replace: ["role", "policyArn"], computed: [] },
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": { id: "arn", required: ["url"], replace: ["url"], computed: ["arn", ...tagsAll] },
    "aws:kms/key:Key": { id: "uuid", required: [], replace: ["customerMasterKeySpec", "keySpec"], computed: ["arn", "keyId", ...tagsAll] },
    "aws:eks/cluster:Cluster": { id: "name", required: ["roleArn", "vpcConfig"], replace: ["name", "roleArn", "encryptionConfig", "kubernetesNetworkConfig"], computed: ["arn", "endpoint", "certificateAuthority", "identities", "platformVersion", "status", "clusterId", "createdAt", ...tagsAll] },
    "aws:eks/nodeGroup:NodeGroup": { id: "name", required: ["clusterName", "nodeRoleArn", "subnetIds", "scalingConfig"], replace: ["clusterName", "nodeGroupName", "nodeRoleArn", "subnetIds", "instanceTypes", "amiType", "capacityType", "diskSize"], computed: ["arn", "resources", "status", ...tagsAll] },
    "aws:eks/addon:Addon": { id: "name", required: ["clusterName", "addonName"], replace: ["clusterName", "addonName"], computed: ["arn", "createdAt", "modifiedAt", ...tagsAll] },
    "aws:eks/accessEntry:AccessEntry": { id: "name", required: ["clusterName", "principalArn"], replace: ["clusterName", "principalArn", "type"], computed: ["accessEntryArn", "createdAt", "modifiedAt", "userName", "kubernetesGroups", ...tagsAll] },
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": { id: "name", required: ["clusterName", "policyArn", "principalArn", "accessScope"], replace: ["clusterName", "policyArn", "principalArn", "accessScope"], computed: ["associatedAt", "modifiedAt"] },
};
