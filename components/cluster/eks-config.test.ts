import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse } from "yaml";
import { overlaps, parseCidr } from "../../lib/cidr";
import {
    accessPolicyArn,
    adminPrincipalArn,
    amiTypeFor,
    apiServerHost,
    assumeRolePolicy,
    CILIUM_AGENT_NOT_READY_TAINT,
    CLUSTERMESH_LB_ANNOTATIONS,
    EKS_UNSUPPORTED_ZONE_IDS,
    eksSubnetCidrs,
    kubeconfigYaml,
    kubectlTaint,
    loadBalancerNameOf,
    managedPolicyArn,
    serviceCidrProblem,
} from "./eks-config";

const input = { clusterName: "east", eksName: "east", region: "us-east-1", endpoint: "https://ABC123.gr7.us-east-1.eks.amazonaws.com", caData: "Q0EgZGF0YQ==" };

describe("kubeconfigYaml", () => {
    const doc = parse(kubeconfigYaml(input)) as Record<string, any>;

    it("authenticates with aws eks get-token through exec, storing no credential", () => {
        const user = doc.users[0];
        assert.equal(user.name, "east");
        assert.deepEqual(user.user, {
            exec: {
                apiVersion: "client.authentication.k8s.io/v1beta1",
                command: "aws",
                args: ["eks", "get-token", "--cluster-name", "east", "--region", "us-east-1", "--output", "json"],
                interactiveMode: "Never",
            },
        });
    });

    it("points at the endpoint with the cluster CA, one context named after the cluster", () => {
        assert.deepEqual(doc.clusters, [{ name: "east", cluster: { server: input.endpoint, "certificate-authority-data": "Q0EgZGF0YQ==" } }]);
        assert.deepEqual(doc.contexts, [{ name: "east", context: { cluster: "east", user: "east" } }]);
        assert.equal(doc["current-context"], "east");
    });

    it("passes the EKS name to get-token, which may differ from the kubeconfig's names", () => {
        const other = parse(kubeconfigYaml({ ...input, eksName: "east-eks-1" })) as Record<string, any>;
        assert.deepEqual((other.users[0].user.exec.args as string[]).slice(2, 4), ["--cluster-name", "east-eks-1"]);
        assert.equal(other.clusters[0].name, "east");
    });

    it("is byte-identical for the same input, keys in a fixed order, long values never folded", () => {
        assert.equal(kubeconfigYaml(input), kubeconfigYaml({ ...input }));
        assert.deepEqual(Object.keys(doc), ["apiVersion", "kind", "clusters", "contexts", "current-context", "users"]);
        const ca = "A".repeat(3000);
        const text = kubeconfigYaml({ ...input, caData: ca });
        assert.ok(text.split("\n").some((line) => line.endsWith(`certificate-authority-data: ${ca}`)));
    });
});

describe("apiServerHost", () => {
    it("is the endpoint's host name, without scheme, port or path (Cilium k8sServiceHost)", () => {
        assert.equal(apiServerHost("https://ABC123.gr7.us-east-1.eks.amazonaws.com"), "abc123.gr7.us-east-1.eks.amazonaws.com");
        assert.equal(apiServerHost("https://abc.yl4.eu-west-1.eks.amazonaws.com:443/"), "abc.yl4.eu-west-1.eks.amazonaws.com");
    });

    it("refuses what is not an https URL, naming the value", () => {
        assert.throws(() => apiServerHost("abc.eks.amazonaws.com"), /"abc\.eks\.amazonaws\.com" is not a URL/);
        assert.throws(() => apiServerHost("http://abc.eks.amazonaws.com"), /not an https URL/);
    });
});

describe("eksSubnetCidrs", () => {
    it("takes the first two /20s of the VPC", () => {
        assert.deepEqual(eksSubnetCidrs("10.20.0.0/16"), ["10.20.0.0/20", "10.20.16.0/20"]);
        assert.deepEqual(eksSubnetCidrs("172.16.32.0/19"), ["172.16.32.0/20", "172.16.48.0/20"]);
    });

    it("refuses a VPC too small for two /20s, or not IPv4", () => {
        assert.throws(() => eksSubnetCidrs("10.20.0.0/20"), /vpcCidr 10\.20\.0\.0\/20 must be an IPv4 block of \/19 or larger/);
        assert.throws(() => eksSubnetCidrs("fd00::/48"), /IPv4/);
        assert.throws(() => eksSubnetCidrs("10.20.0.1/16"), /vpcCidr 10\.20\.0\.1\/16/);
    });

    it("always gives two disjoint /20s inside any /16 to /19 VPC", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 16, max: 19 }), (n, prefix) => {
                const base = (n >>> (32 - prefix)) << (32 - prefix);
                const vpcText = `${[24, 16, 8, 0].map((s) => (base >>> s) & 255).join(".")}/${prefix}`;
                const vpc = parseCidr(vpcText)!;
                const [a, b] = eksSubnetCidrs(vpcText).map((c) => parseCidr(c)!);
                for (const s of [a, b]) {
                    assert.equal(s.prefix, 20);
                    assert.ok(vpc.first <= s.first && s.last <= vpc.last);
                }
                assert.ok(!overlaps(a, b));
            }),
        );
    });
});

describe("serviceCidrProblem", () => {
    it("accepts a private /12 to /24 block outside the VPC", () => {
        assert.equal(serviceCidrProblem("10.22.0.0/16", "10.20.0.0/16"), undefined);
        assert.equal(serviceCidrProblem("172.20.0.0/24", "10.20.0.0/16"), undefined);
        assert.equal(serviceCidrProblem("192.168.0.0/16", "10.20.0.0/16"), undefined);
    });

    it("explains each EKS rule it breaks", () => {
        assert.match(serviceCidrProblem("10.22.0.0/25", "10.20.0.0/16")!, /between \/12 and \/24/);
        assert.match(serviceCidrProblem("10.0.0.0/8", "10.20.0.0/16")!, /between \/12 and \/24/);
        assert.match(serviceCidrProblem("100.64.0.0/16", "10.20.0.0/16")!, /inside 10\.0\.0\.0\/8, 172\.16\.0\.0\/12 or 192\.168\.0\.0\/16/);
        assert.match(serviceCidrProblem("10.20.128.0/20", "10.20.0.0/16")!, /overlaps vpcCidr 10\.20\.0\.0\/16/);
        assert.match(serviceCidrProblem("fd00::/108", "10.20.0.0/16")!, /not an IPv4 CIDR block/);
        assert.match(serviceCidrProblem("10.22.0.0", "10.20.0.0/16")!, /not an IPv4 CIDR block/);
    });
});

describe("IAM", () => {
    it("lets the EKS control plane assume and tag the cluster role, and EC2 assume the node role", () => {
        assert.deepEqual(JSON.parse(assumeRolePolicy("eks.amazonaws.com")), {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
        });
        assert.deepEqual(JSON.parse(assumeRolePolicy("ec2.amazonaws.com")).Statement, [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: ["sts:AssumeRole"] }]);
    });

    it("builds managed and access policy ARNs in the account's partition", () => {
        assert.equal(managedPolicyArn("aws", "AmazonEKSClusterPolicy"), "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy");
        assert.equal(managedPolicyArn("aws-cn", "AmazonEKSWorkerNodePolicy"), "arn:aws-cn:iam::aws:policy/AmazonEKSWorkerNodePolicy");
        assert.equal(accessPolicyArn("aws", "AmazonEKSClusterAdminPolicy"), "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
    });
});

describe("adminPrincipalArn", () => {
    const session = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123abcd/alice@example.com";

    it("keeps an IAM user's ARN", () => {
        assert.equal(adminPrincipalArn("arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alice"), "arn:aws:iam::123456789012:user/alice");
    });

    it("turns an assumed-role session into its role, with the path IAM reports", () => {
        const role = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123abcd";
        assert.equal(adminPrincipalArn(session, role), role);
    });

    it("rebuilds the role ARN from the session when IAM's answer is missing or names another role", () => {
        const expected = "arn:aws:iam::123456789012:role/AWSReservedSSO_Admin_0123abcd";
        assert.equal(adminPrincipalArn(session), expected);
        assert.equal(adminPrincipalArn(session, session), expected);
        assert.equal(adminPrincipalArn(session, "arn:aws:iam::123456789012:role/Other"), expected);
        assert.equal(adminPrincipalArn(session, "arn:aws:iam::999999999999:role/AWSReservedSSO_Admin_0123abcd"), expected);
        assert.equal(adminPrincipalArn("arn:aws-us-gov:sts::123456789012:assumed-role/ci/run-42"), "arn:aws-us-gov:iam::123456789012:role/ci");
    });

    it("explains that a federated-user session cannot be an access entry", () => {
        assert.throws(() => adminPrincipalArn("arn:aws:sts::123456789012:federated-user/bob"), /federated-user session.*run pulumi as an IAM role or user/);
    });
});

describe("node group pieces", () => {
    it("taints nodes with Cilium's agent-not-ready taint, NoExecute", () => {
        assert.deepEqual(CILIUM_AGENT_NOT_READY_TAINT, { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NO_EXECUTE" });
        assert.equal(kubectlTaint(CILIUM_AGENT_NOT_READY_TAINT), "node.cilium.io/agent-not-ready=true:NoExecute");
        assert.equal(kubectlTaint({ key: "dedicated", effect: "PREFER_NO_SCHEDULE" }), "dedicated:PreferNoSchedule");
    });

    it("picks the ARM AMI for Graviton types and x86 otherwise", () => {
        // a1 is Graviton too: the two regexes the components had disagreed on it (issue 19).
        for (const type of ["a1.large", "t4g.large", "m7g.xlarge", "c6gn.large", "r8gd.2xlarge", "is4gen.large", "g5g.xlarge"]) {
            assert.equal(amiTypeFor(type), "AL2023_ARM_64_STANDARD", type);
        }
        for (const type of ["t3.large", "m7i-flex.large", "g5.xlarge", "c5n.large", "inf2.xlarge", "m5dn.large"]) {
            assert.equal(amiTypeFor(type), "AL2023_x86_64_STANDARD", type);
        }
    });

    it("avoids the zones EKS refuses control planes in", () => {
        assert.ok(EKS_UNSUPPORTED_ZONE_IDS.includes("use1-az3"));
        assert.deepEqual([...EKS_UNSUPPORTED_ZONE_IDS].sort(), EKS_UNSUPPORTED_ZONE_IDS);
    });
});

describe("CLUSTERMESH_LB_ANNOTATIONS", () => {
    it("asks the in-tree cloud provider for an internal NLB, and cannot be changed by a caller", () => {
        assert.deepEqual(CLUSTERMESH_LB_ANNOTATIONS, {
            "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        });
        assert.ok(Object.isFrozen(CLUSTERMESH_LB_ANNOTATIONS));
    });
});

describe("loadBalancerNameOf", () => {
    it("reads the load balancer's name out of an ELB host name, and nothing else", () => {
        assert.equal(loadBalancerNameOf("a0e2f1c9b8d7e6f5a4b3c2d1e0f9a8b7-0123456789abcdef.elb.us-east-1.amazonaws.com"), "a0e2f1c9b8d7e6f5a4b3c2d1e0f9a8b7");
        assert.equal(loadBalancerNameOf("internal-k8s-mesh-0123abcd.elb.eu-west-1.amazonaws.com"), "k8s-mesh");
        assert.equal(loadBalancerNameOf("east.example.com"), undefined);
        assert.equal(loadBalancerNameOf(""), undefined);
    });
});
