import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { installMockEngine, peek, settle, type MockEngine, type RecordedResource } from "../../scripts/plan/mock-engine";
import { CILIUM_OPERATOR_ENI_ACTIONS, grantedActions, missingActions, OPERATOR_ONLY_ACTIONS, PERMISSION_NEEDS, type RoleOf } from "../../lib/aws-permissions";
import type { EksCluster as EksClusterType, EksClusterArgs } from "./eks-cluster";

let engine: MockEngine;
let Eks: typeof EksClusterType;
let cluster: EksClusterType;
let west: EksClusterType;

const get = (name: string): RecordedResource => {
    const r = engine.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}`);
    return r;
};
const args: EksClusterArgs = { clusterName: "east", region: "us-east-1", vpcCidr: "10.20.0.0/16", serviceCidr: "10.22.0.0/16", operatorCidrs: ["203.0.113.10/32"] };

before(async () => {
    engine = await installMockEngine("east");
    const aws = await import("@pulumi/aws");
    Eks = (await import("./eks-cluster")).EksCluster;
    cluster = new Eks("east", args);
    const provider = new aws.Provider("west-aws", { region: "us-west-2" });
    west = new Eks("west", { ...args, clusterName: "west", region: "us-west-2", vpcCidr: "10.10.0.0/16", serviceCidr: "10.12.0.0/16" }, { provider });
    await settle();
});

describe("EksCluster resources", () => {
    it("is a clustermesh:cluster:EksCluster whose every child is parented to it", () => {
        const component = get("east");
        assert.equal(component.type, "clustermesh:cluster:EksCluster");
        const network = engine.resources.find((r) => r.type === "clustermesh:network:AwsNetwork" && r.name === "east")!;
        assert.equal(network.parent, component.urn, "the AwsNetwork is a child of the cluster");
        const children = engine.resources.filter((r) => r.name.startsWith("east-"));
        assert.ok(children.length > 10);
        const networkRoles = ["east-vpc", "east-igw", "east-routes", "east-default-route", "east-subnet-1", "east-subnet-2", "east-subnet-1-routes", "east-subnet-2-routes"];
        for (const r of children) {
            const parent = networkRoles.includes(r.name) ? network : component;
            assert.equal(r.parent, parent.urn, `${r.name} is not a child of ${parent.type}`);
        }
        assert.deepEqual(children.map((r) => `${r.type} ${r.name}`).sort(), [
            "aws:ec2/internetGateway:InternetGateway east-igw",
            "aws:ec2/route:Route east-default-route",
            "aws:ec2/routeTable:RouteTable east-routes",
            "aws:ec2/routeTableAssociation:RouteTableAssociation east-subnet-1-routes",
            "aws:ec2/routeTableAssociation:RouteTableAssociation east-subnet-2-routes",
            "aws:ec2/subnet:Subnet east-subnet-1",
            "aws:ec2/subnet:Subnet east-subnet-2",
            "aws:ec2/vpc:Vpc east-vpc",
            "aws:eks/accessEntry:AccessEntry east-admin-access",
            "aws:eks/accessPolicyAssociation:AccessPolicyAssociation east-admin-policy",
            "aws:eks/cluster:Cluster east-eks",
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider east-oidc",
            "aws:iam/role:Role east-cluster-role",
            "aws:iam/role:Role east-node-role",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment east-cluster-policy",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment east-node-AmazonEC2ContainerRegistryReadOnly",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment east-node-AmazonEKSWorkerNodePolicy",
            "pulumi:providers:kubernetes east-provider",
        ]);
    });

    it("builds EKS without self-managed add-ons, with API authentication, the operators' CIDRs and the member's service CIDR", () => {
        const eks = get("east-eks");
        assert.equal(eks.inputs.name, "east");
        assert.equal(eks.inputs.version, "1.33");
        assert.equal(eks.inputs.bootstrapSelfManagedAddons, false);
        assert.deepEqual(eks.inputs.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
        assert.deepEqual(eks.inputs.kubernetesNetworkConfig, { serviceIpv4Cidr: "10.22.0.0/16" });
        assert.deepEqual(eks.inputs.vpcConfig, {
            subnetIds: ["east-subnet-1-id", "east-subnet-2-id"],
            endpointPublicAccess: true,
            publicAccessCidrs: ["203.0.113.10/32"],
            endpointPrivateAccess: true,
        });
        assert.ok(eks.dependsOn.includes(get("east-cluster-policy").urn), "the cluster keeps its policy until deleted");
        assert.equal(JSON.parse(get("east-cluster-role").inputs.assumeRolePolicy as string).Statement[0].Principal.Service, "eks.amazonaws.com");
        assert.equal(get("east-cluster-policy").inputs.policyArn, "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy");
    });

    it("carves two public /20 subnets in two zones, tagged for internal load balancers", () => {
        const subnets = ["east-subnet-1", "east-subnet-2"].map(get);
        assert.deepEqual(subnets.map((s) => s.inputs.cidrBlock), ["10.20.0.0/20", "10.20.16.0/20"]);
        assert.deepEqual(subnets.map((s) => s.inputs.availabilityZone), ["mock-region-1a", "mock-region-1b"]);
        for (const s of subnets) {
            assert.equal(s.inputs.mapPublicIpOnLaunch, true);
            const tags = s.inputs.tags as Record<string, string>;
            assert.equal(tags["kubernetes.io/role/internal-elb"], "1");
            assert.equal(tags["kubernetes.io/cluster/east"], "shared");
        }
        assert.deepEqual(get("east-default-route").inputs, { routeTableId: "east-routes-id", destinationCidrBlock: "0.0.0.0/0", gatewayId: "east-igw-id" });
        assert.equal(get("east-subnet-2-routes").inputs.subnetId, "east-subnet-2-id");
    });

    it("has an OIDC provider for the cluster's issuer, leaving the thumbprint to IAM", () => {
        const oidc = get("east-oidc");
        assert.equal(oidc.inputs.url, "https://oidc.eks.mock.amazonaws.com/id/east-eks");
        assert.deepEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
        assert.equal(oidc.inputs.thumbprintLists, undefined);
    });

    it("makes whoever runs Pulumi cluster admin through an access entry", async () => {
        const entry = get("east-admin-access");
        assert.equal(entry.inputs.principalArn, "arn:aws:iam::123456789012:user/mock");
        assert.equal(entry.inputs.clusterName, "east");
        assert.equal(entry.inputs.type, "STANDARD");
        const policy = get("east-admin-policy");
        assert.equal(policy.inputs.principalArn, "arn:aws:iam::123456789012:user/mock");
        assert.equal(policy.inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
        assert.deepEqual(policy.inputs.accessScope, { type: "cluster" });
        assert.ok(policy.dependsOn.includes(entry.urn));
        assert.equal((await peek(cluster.adminPrincipalArn)).value, "arn:aws:iam::123456789012:user/mock");
    });

    it("gives nodes the worker and ECR policies, not the VPC CNI's", () => {
        assert.equal(JSON.parse(get("east-node-role").inputs.assumeRolePolicy as string).Statement[0].Principal.Service, "ec2.amazonaws.com");
        const policies = engine.resources.filter((r) => r.name.startsWith("east-node-") && r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
        assert.deepEqual(policies.map((p) => p.inputs.policyArn).sort(), [
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        ]);
        assert.ok(!engine.resources.some((r) => typeof r.inputs.policyArn === "string" && r.inputs.policyArn.includes("CNI")));
    });

    it("passes the component's AWS provider to every AWS child, not to the Kubernetes provider", () => {
        const provider = get("west-aws").urn;
        const children = engine.resources.filter((r) => r.name.startsWith("west-") && r.type.startsWith("aws:"));
        assert.ok(children.length > 10);
        for (const r of children) {
            assert.equal(r.provider, provider, `${r.name} does not use west-aws`);
        }
        assert.equal(get("west-provider").provider, undefined);
        assert.equal(get("east-vpc").provider, undefined);
    });
});

describe("EksCluster as a MeshCluster", () => {
    it("has a secret kubeconfig using aws eks get-token", async () => {
        const { value, secret } = await peek(cluster.kubeconfig);
        assert.equal(secret, true);
        const doc = parse(value) as Record<string, any>;
        assert.equal(doc.users[0].user.exec.apiVersion, "client.authentication.k8s.io/v1beta1");
        assert.equal(doc.users[0].user.exec.command, "aws");
        assert.deepEqual((doc.users[0].user.exec.args as string[]).slice(0, 6), ["eks", "get-token", "--cluster-name", "east", "--region", "us-east-1"]);
        assert.equal(doc.clusters[0].cluster.server, "https://east-eks.mock.eks.amazonaws.com");
        assert.equal(Buffer.from(doc.clusters[0].cluster["certificate-authority-data"], "base64").toString().startsWith("-----BEGIN CERTIFICATE-----"), true);
        assert.match(value, /get-token/);
    });

    it("has a Kubernetes provider with the secret kubeconfig and a stable identity, usable once the admin policy is in", () => {
        const provider = get("east-provider");
        assert.equal(provider.type, "pulumi:providers:kubernetes");
        assert.equal(provider.inputs.clusterIdentifier, "east");
        assert.ok(provider.secretInputs.includes("kubeconfig"));
        assert.match(String(provider.inputs.kubeconfig), /get-token/);
        assert.ok(provider.dependsOn.includes(get("east-admin-policy").urn));
        assert.equal(cluster.provider.urn !== undefined, true);
    });

    it("offers the API host and port Cilium needs, and the network the mesh link needs", async () => {
        assert.equal(cluster.kind, "eks");
        assert.equal(cluster.clusterName, "east");
        assert.equal((await peek(cluster.apiServerHost)).value, "east-eks.mock.eks.amazonaws.com");
        assert.equal((await peek(cluster.apiServerPort)).value, 443);
        assert.equal((await peek(cluster.securityGroupId)).value, "sg-east-eks");
        assert.equal((await peek(cluster.vpcId)).value, "east-vpc-id");
        assert.equal((await peek(cluster.vpcCidr)).value, "10.20.0.0/16");
        assert.equal((await peek(cluster.routeTableId)).value, "east-routes-id");
        assert.deepEqual((await peek(cluster.subnetIds)).value, ["east-subnet-1-id", "east-subnet-2-id"]);
        assert.equal((await peek(cluster.oidcIssuer)).value, "https://oidc.eks.mock.amazonaws.com/id/east-eks");
        assert.equal(cluster.deletionAnchor, cluster.eksCluster);
    });

    it("has no node addresses, and asks for an internal NLB for the clustermesh-apiserver instead", async () => {
        assert.deepEqual((await peek(cluster.nodeAddresses)).value, []);
        assert.deepEqual(cluster.clustermeshServiceAnnotations, {
            "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        });
    });
});

describe("EksCluster.attachCni", () => {
    it("creates no node and no CoreDNS before the CNI", () => {
        assert.ok(!engine.resources.some((r) => r.type === "aws:eks/nodeGroup:NodeGroup" || r.type === "aws:eks/addon:Addon"));
        assert.equal(cluster.nodeGroup, undefined);
    });

    it("then creates a tainted node group after the CNI, and CoreDNS after the nodes", async () => {
        // Any custom resource stands in for the Cilium release.
        const cni = new (await import("@pulumi/random")).RandomPet("cni", {});
        const ready = cluster.attachCni(cni);
        await settle();

        const nodes = get("east-nodes");
        const coredns = get("east-coredns");
        assert.equal(ready.length, 2);
        assert.equal(ready[0], cluster.nodeGroup);

        assert.equal(nodes.type, "aws:eks/nodeGroup:NodeGroup");
        assert.equal(nodes.parent, get("east").urn);
        assert.deepEqual(nodes.inputs.taints, [{ key: "node.cilium.io/agent-not-ready", value: "true", effect: "NO_EXECUTE" }]);
        assert.deepEqual(nodes.inputs.scalingConfig, { desiredSize: 2, minSize: 1, maxSize: 3 });
        assert.deepEqual(nodes.inputs.instanceTypes, ["t3.large"]);
        assert.equal(nodes.inputs.amiType, "AL2023_x86_64_STANDARD");
        assert.deepEqual(nodes.inputs.subnetIds, ["east-subnet-1-id", "east-subnet-2-id"]);
        assert.equal(nodes.inputs.clusterName, "east");
        assert.ok(nodes.dependsOn.includes(get("cni").urn), "nodes wait for the CNI");
        for (const prerequisite of ["east-node-AmazonEKSWorkerNodePolicy", "east-node-AmazonEC2ContainerRegistryReadOnly", "east-default-route", "east-subnet-1-routes"]) {
            assert.ok(nodes.dependsOn.includes(get(prerequisite).urn), `nodes wait for ${prerequisite}`);
        }
        assert.deepEqual(get("east-nodes").ignoreChanges, ["scalingConfig.desiredSize"]);

        assert.equal(coredns.type, "aws:eks/addon:Addon");
        assert.equal(coredns.parent, get("east").urn);
        assert.equal(coredns.inputs.addonName, "coredns");
        assert.equal(coredns.inputs.clusterName, "east");
        assert.equal(coredns.inputs.resolveConflictsOnCreate, "OVERWRITE");
        assert.ok(coredns.dependsOn.includes(nodes.urn), "CoreDNS after the nodes");
    });

    it("refuses a second CNI", async () => {
        const cni = new (await import("@pulumi/random")).RandomPet("cni-2", {});
        assert.throws(() => cluster.attachCni(cni), /EksCluster east: attachCni was already called/);
        await settle();
        assert.equal(engine.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && r.parent === get("east").urn).length, 1);
    });

    it("creates the node group and CoreDNS with the component's AWS provider", async () => {
        const cni = new (await import("@pulumi/random")).RandomPet("west-cni", {});
        west.attachCni(cni);
        await settle();
        assert.equal(get("west-nodes").provider, get("west-aws").urn);
        assert.equal(get("west-coredns").provider, get("west-aws").urn);
    });

    it("serves clusterset.local from the CoreDNS add-on's corefile with clustersetDns (MCS-API), and only then", async () => {
        const cni = new (await import("@pulumi/random")).RandomPet("mcs-cni", {});
        const mcs = new Eks("mcs", { ...args, clusterName: "mcs", vpcCidr: "10.40.0.0/16", serviceCidr: "10.42.0.0/16", clustersetDns: true });
        mcs.attachCni(cni);
        await settle();
        const corefile = (JSON.parse(get("mcs-coredns").inputs.configurationValues as string) as { corefile: string }).corefile;
        assert.match(corefile, /kubernetes cluster\.local clusterset\.local in-addr\.arpa ip6\.arpa \{[^}]*multicluster clusterset\.local/);
        assert.equal(get("west-coredns").inputs.configurationValues, undefined);
    });

    it("finds its load balancer's addresses from the host name (the ENIs described ELB net/<name>/<id>)", async () => {
        const ips = await peek(cluster.loadBalancerAddresses("a1234-0abc.elb.us-east-1.amazonaws.com"));
        const lookup = engine.invokes.find((i) => i.token === "aws:ec2/getNetworkInterfaces:getNetworkInterfaces");
        assert.deepEqual(lookup?.args.filters, [{ name: "description", values: ["ELB net/a1234/*"] }]);
        assert.ok(ips.value.length > 0 && ips.value.every((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)));
        assert.deepEqual((await peek(cluster.loadBalancerAddresses("not-a-load-balancer.example.com"))).value, []);
    });

    it("uses the ARM AMI and the given counts and version for Graviton nodes", async () => {
        const cni = new (await import("@pulumi/random")).RandomPet("arm-cni", {});
        const arm = new Eks("arm", { ...args, clusterName: "arm", vpcCidr: "10.30.0.0/19", serviceCidr: "10.32.0.0/16", instanceType: "m7g.large", minSize: 0, desiredSize: 0, maxSize: 5, kubernetesVersion: "1.34" });
        arm.attachCni(cni);
        await settle();
        assert.equal(get("arm-nodes").inputs.amiType, "AL2023_ARM_64_STANDARD");
        assert.deepEqual(get("arm-nodes").inputs.scalingConfig, { desiredSize: 0, minSize: 0, maxSize: 5 });
        assert.equal(get("arm-eks").inputs.version, "1.34");
        assert.deepEqual(get("arm-subnet-2").inputs.cidrBlock, "10.30.16.0/20");
    });
});

describe("EksCluster argument validation", () => {
    const refuse = async (name: string, bad: Partial<EksClusterArgs>, message: RegExp) => {
        await settle();
        const before = engine.resources.length;
        assert.throws(() => new Eks(name, { ...args, ...bad }), message);
        await settle();
        assert.equal(engine.resources.length, before, "nothing is registered for refused arguments");
    };

    it("reports every problem at once, naming the argument, the value and the fix", async () => {
        await refuse(
            "bad",
            { vpcCidr: "10.20.0.0/24", operatorCidrs: [], minSize: 3, desiredSize: 1 },
            /^Error: EksCluster bad: vpcCidr 10\.20\.0\.0\/24 must be \/16 to \/19: .*; node counts must satisfy minSize 3 <= desiredSize 1 <= maxSize 3; operatorCidrs is empty; give the address you run pulumi from, e\.g\. 203\.0\.113\.10\/32$/,
        );
    });

    it("refuses names, regions and versions EKS would refuse", async () => {
        await refuse("bad-name", { clusterName: "east cluster" }, /clusterName "east cluster" is not an EKS cluster name/);
        await refuse("bad-region", { region: "useast1" }, /region "useast1" is not an AWS region name such as us-east-1/);
        await refuse("bad-version", { kubernetesVersion: "v1.33" }, /kubernetesVersion v1\.33 is not a Kubernetes minor version such as 1\.33/);
        await refuse("bad-type", { instanceType: "large" }, /instanceType "large" is not an EC2 instance type/);
    });

    it("refuses VPC and service CIDRs EKS refuses", async () => {
        await refuse("ipv6", { vpcCidr: "fd00::/56" }, /vpcCidr fd00::\/56 is not an IPv4 CIDR block/);
        await refuse("bad-service", { serviceCidr: "10.20.128.0/20" }, /serviceCidr 10\.20\.128\.0\/20 overlaps vpcCidr 10\.20\.0\.0\/16/);
        await refuse("bad-service-2", { serviceCidr: "100.64.0.0/16" }, /must lie inside 10\.0\.0\.0\/8/);
        await refuse("bad-service-3", { serviceCidr: "10.22.0.0/26" }, /between \/12 and \/24/);
    });

    it("refuses an API open to the internet or CIDRs that are not CIDRs", async () => {
        await refuse("open", { operatorCidrs: ["0.0.0.0/0"] }, /operatorCidrs 0\.0\.0\.0\/0 would open the Kubernetes API to the whole internet/);
        await refuse("typo", { operatorCidrs: ["203.0.113.10"] }, /operatorCidrs 203\.0\.113\.10 is not a CIDR block; write e\.g\. 203\.0\.113\.10\/32/);
    });

    it("refuses node counts that are not whole numbers or leave no room for a node", async () => {
        await refuse("fractional", { desiredSize: 1.5 }, /must be whole numbers/);
        await refuse("empty", { minSize: 0, desiredSize: 0, maxSize: 0 }, /maxSize at least 1/);
    });
});

describe("EksCluster permissions as data (lib/aws-permissions.ts)", () => {
    /** The planned roles of cluster `prefix`, each with what its managed and inline policies grant. */
    function rolesOf(prefix: string): Map<RoleOf, Set<string>> {
        const roles = new Map<RoleOf, Set<string>>();
        for (const role of engine.resources.filter((r) => r.type === "aws:iam/role:Role" && r.name.startsWith(`${prefix}-`))) {
            const trust = String(role.inputs.assumeRolePolicy);
            const purpose: RoleOf = trust.includes("ec2.amazonaws.com") ? "node" : trust.includes("eks.amazonaws.com") ? "cluster" : "cilium-operator";
            const managed = engine.resources
                .filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.inputs.role === role.name)
                .map((r) => String(r.inputs.policyArn).split("/").pop()!);
            const inline = engine.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.role === role.id).map((r) => String(r.inputs.policy));
            roles.set(purpose, grantedActions(managed, inline));
        }
        return roles;
    }

    before(async () => {
        new Eks("eni", { ...args, clusterName: "eni", vpcCidr: "10.40.0.0/16", serviceCidr: "10.42.0.0/16", eniIpam: true });
        await settle();
    });

    it("grants every planned role what its components call, in overlay and in ENI mode", () => {
        for (const [prefix, eni] of [["east", false], ["eni", true]] as const) {
            const roles = rolesOf(prefix);
            for (const need of PERMISSION_NEEDS.filter((n) => n.when === "always" || eni)) {
                const granted = roles.get(need.role);
                assert.ok(granted, `${prefix}: no ${need.role} role for ${need.component}`);
                assert.deepEqual(missingActions(need.actions, granted), [], `${prefix}: ${need.component} (${need.source})`);
            }
        }
    });

    it("old behaviour: the node role with AmazonEKS_CNI_Policy lacks what Cilium's operator needs in ENI mode", () => {
        const old = grantedActions(["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonEKS_CNI_Policy"], []);
        assert.deepEqual(missingActions(CILIUM_OPERATOR_ENI_ACTIONS, old), ["ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries"]);
        // DescribeVpcs etc. came from the worker policy; the prefix-list actions from nowhere.
    });

    it("gives the operator a role of its own, bound to its service account, and the node role no ENI action", () => {
        const roles = rolesOf("eni");
        for (const action of OPERATOR_ONLY_ACTIONS) {
            assert.ok(!roles.get("node")!.has(action), `node role grants ${action}`);
        }
        const operator = engine.resources.find((r) => r.name === "eni-cilium-operator-role")!;
        const trust = JSON.parse(String(operator.inputs.assumeRolePolicy)) as { Statement: Array<{ Action: string; Condition: { StringEquals: Record<string, string> } }> };
        assert.equal(trust.Statement[0].Action, "sts:AssumeRoleWithWebIdentity");
        assert.ok(Object.values(trust.Statement[0].Condition.StringEquals).includes("system:serviceaccount:kube-system:cilium-operator"));
        assert.equal(rolesOf("east").get("cilium-operator"), undefined, "overlay mode calls no EC2 API");
    });
});

describe("EksCluster node and control-plane hardening (issue 13)", () => {
    it("gives the node group a launch template: IMDSv2 required, hop limit 1, encrypted gp3 root volume, no security groups", () => {
        const template = get("east-nodes-template");
        assert.equal(template.type, "aws:ec2/launchTemplate:LaunchTemplate");
        assert.equal(template.parent, get("east").urn);
        assert.deepEqual(template.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
        assert.deepEqual(template.inputs.blockDeviceMappings, [
            { deviceName: "/dev/xvda", ebs: { volumeSize: 20, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
        ]);
        // EKS attaches the cluster security group only when the template names none.
        assert.equal(template.inputs.vpcSecurityGroupIds, undefined);
        assert.equal(template.inputs.instanceType, undefined);
        const nodes = get("east-nodes");
        assert.deepEqual(Object.keys(nodes.inputs.launchTemplate as object).sort(), ["id", "version"]);
        assert.equal((nodes.inputs.launchTemplate as { id: string }).id, "east-nodes-template-id");
        assert.equal(get("west-nodes-template").provider, get("west-aws").urn);
    });

    it("leaves secrets encryption and control-plane logs off by default", () => {
        assert.equal(get("east-eks").inputs.encryptionConfig, undefined);
        assert.equal(get("east-eks").inputs.enabledClusterLogTypes, undefined);
        assert.ok(!engine.resources.some((r) => r.name === "east-secrets-key" || r.name === "east-cluster-kms"));
    });

    it("envelope-encrypts Secrets with a new rotating KMS key the cluster role may use, and sends the chosen logs", async () => {
        new Eks("sealed", { ...args, clusterName: "sealed", vpcCidr: "10.50.0.0/16", serviceCidr: "10.52.0.0/16", secretsEncryption: {}, enabledLogTypes: ["audit", "api"] });
        await settle();
        const key = get("sealed-secrets-key");
        assert.equal(key.type, "aws:kms/key:Key");
        assert.equal(key.inputs.enableKeyRotation, true);
        const eks = get("sealed-eks");
        // The new key's ARN is only known after deploy; the mock leaves it unknown.
        assert.deepEqual((eks.inputs.encryptionConfig as { resources: string[] }).resources, ["secrets"]);
        assert.deepEqual(eks.inputs.enabledClusterLogTypes, ["api", "audit"]);
        const policy = get("sealed-cluster-kms");
        assert.equal(policy.inputs.role, "sealed-cluster-role-id");
        assert.ok(eks.dependsOn.includes(policy.urn));
        assert.ok(eks.dependsOn.includes(policy.urn), "the cluster is created once its role may use the key");
    });

    it("uses a key the caller brings, creating none", async () => {
        const arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        new Eks("byok", { ...args, clusterName: "byok", vpcCidr: "10.60.0.0/16", serviceCidr: "10.62.0.0/16", secretsEncryption: { kmsKeyArn: arn } });
        await settle();
        assert.ok(!engine.resources.some((r) => r.name === "byok-secrets-key"));
        assert.deepEqual(get("byok-eks").inputs.encryptionConfig, { resources: ["secrets"], provider: { keyArn: arn } });
        const statement = JSON.parse(String(get("byok-cluster-kms").inputs.policy)).Statement[0];
        assert.deepEqual([statement.Resource, statement.Action], [arn, ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"]]);
    });

    it("refuses a KMS ARN that is not one and log types EKS does not have", () => {
        assert.throws(() => new Eks("bad-kms", { ...args, secretsEncryption: { kmsKeyArn: "alias/mine" } }), /secretsEncryption\.kmsKeyArn "alias\/mine" is not a KMS key ARN/);
        assert.throws(() => new Eks("bad-logs", { ...args, enabledLogTypes: ["api", "kubelet" as "api", "api"] }), /enabledLogTypes\[1\] "kubelet" is not an EKS log type; .*enabledLogTypes lists api twice/);
    });
});
