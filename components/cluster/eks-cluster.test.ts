import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { installMockEngine, peek, settle, type MockEngine, type RecordedResource } from "../../scripts/lib/mock-engine";
import { apiServerHost, eksSubnetCidrs } from "./eks-config";

let engine: MockEngine;
let Eks: typeof import("./eks-cluster").EksCluster;
let cluster: InstanceType<typeof Eks>;
const get = (name: string): RecordedResource => {
    const r = engine.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}`);
    return r;
};
const args = { clusterName: "east", region: "us-east-1", vpcCidr: "10.20.0.0/16", serviceCidr: "10.22.0.0/16", operatorCidrs: ["203.0.113.10/32"] };

before(async () => {
    engine = await installMockEngine("east");
    Eks = (await import("./eks-cluster")).EksCluster;
    cluster = new Eks("east", args);
    await settle();
});

describe("EksCluster", () => {
    it("builds EKS without self-managed add-ons, with API authentication and the member's service CIDR", () => {
        const eks = get("east-eks");
        assert.equal(eks.type, "aws:eks/cluster:Cluster");
        assert.equal(eks.parent, get("east").urn);
        assert.equal(eks.inputs.bootstrapSelfManagedAddons, false);
        assert.deepEqual(eks.inputs.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
        assert.deepEqual(eks.inputs.kubernetesNetworkConfig, { serviceIpv4Cidr: "10.22.0.0/16" });
        const vpc = eks.inputs.vpcConfig as { publicAccessCidrs: string[]; subnetIds: string[] };
        assert.deepEqual(vpc.publicAccessCidrs, ["203.0.113.10/32"]);
        assert.equal(vpc.subnetIds.length, 2);
    });

    it("gives whoever runs Pulumi an admin access entry and has an OIDC provider", () => {
        assert.equal(get("east-admin-access").inputs.principalArn, "arn:aws:iam::123456789012:user/mock");
        assert.equal(get("east-admin-policy").inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
        assert.equal(get("east-oidc").inputs.url, "https://oidc.eks.mock.amazonaws.com/id/east-eks");
    });

    it("has a secret kubeconfig using aws eks get-token, and a provider with a stable identity", async () => {
        const { value, secret } = await peek(cluster.kubeconfig);
        assert.equal(secret, true);
        const doc = parse(value);
        assert.deepEqual(doc.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", "east", "--region", "us-east-1", "--output", "json"]);
        assert.equal(doc.clusters[0].cluster.server, "https://east-eks.mock.eks.amazonaws.com");
        assert.equal(get("east-provider").inputs.clusterIdentifier, "east");
        assert.equal((await peek(cluster.apiServerHost)).value, "east-eks.mock.eks.amazonaws.com");
    });

    it("creates no node before the CNI; then a tainted node group after it and CoreDNS after the nodes", async () => {
        assert.ok(!engine.resources.some((r) => r.type === "aws:eks/nodeGroup:NodeGroup"));
        // Any custom resource stands in for the Cilium release (a component's dependsOn expands to its children).
        const cni = new (await import("@pulumi/random")).RandomPet("cni", {});
        const ready = cluster.attachCni(cni);
        await settle();
        assert.equal(ready.length, 2);
        const nodes = get("east-nodes");
        assert.equal(nodes.parent, get("east").urn);
        assert.deepEqual(nodes.inputs.taints, [{ effect: "NO_EXECUTE", key: "node.cilium.io/agent-not-ready", value: "true" }]);
        assert.ok(nodes.dependsOn.includes(get("cni").urn));
        const coredns = get("east-coredns");
        assert.equal(coredns.inputs.addonName, "coredns");
        assert.ok(coredns.dependsOn.includes(nodes.urn));
        assert.throws(() => cluster.attachCni(cni), /attachCni was already called/);
    });

    it("offers its load-balancer annotations and network ids to the mesh", async () => {
        assert.equal(cluster.clustermeshServiceAnnotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "true");
        assert.deepEqual((await peek(cluster.nodeAddresses)).value, []);
        assert.equal((await peek(cluster.securityGroupId)).value, "sg-east-eks");
    });

    it("refuses bad arguments, all at once", () => {
        assert.throws(
            () => new Eks("bad", { ...args, vpcCidr: "10.20.0.0/24", operatorCidrs: [], minSize: 3, desiredSize: 1 }),
            /vpcCidr 10\.20\.0\.0\/24 is smaller than \/19.*operatorCidrs must list.*min 3 <= desired 1/,
        );
    });
});

describe("eks-config", () => {
    it("carves two /20s and strips the endpoint to a host", () => {
        assert.deepEqual(eksSubnetCidrs("10.20.0.0/16"), ["10.20.0.0/20", "10.20.16.0/20"]);
        assert.equal(apiServerHost("https://ABC.gr7.us-east-1.eks.amazonaws.com"), "abc.gr7.us-east-1.eks.amazonaws.com");
    });
});
