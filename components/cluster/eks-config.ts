/**
 * Pure pieces of the EKS cluster, kept apart from the resources so they are tested without
 * mocks: the kubeconfig (exec auth through `aws eks get-token`), the API server host Cilium
 * needs, subnet carving, the node taint that keeps pods off nodes until Cilium runs, IAM trust
 * policies and ARNs, the admin principal, and the clustermesh-apiserver's load-balancer
 * annotations.
 */
import { stringify as toYaml } from "yaml";
import { nthAddress, overlaps, parseCidr } from "../../lib/cidr";
import { isArmInstanceType } from "../../lib/instance-types";

/**
 * Cilium's own "not ready" taint (the agent's `agent-not-ready-taint-key` default), in the
 * form the EKS node group API takes. Nodes join with it; the Cilium agent removes it once it
 * manages the node's networking, so no pod lands on a node without it. NoExecute rather than
 * NoSchedule also evicts pods that slipped on while the agent restarts. Cilium's EKS guide
 * recommends exactly `node.cilium.io/agent-not-ready=true:NoExecute` for managed node groups.
 */
export const CILIUM_AGENT_NOT_READY_TAINT = { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NO_EXECUTE" } as const;

/** A node-group taint as `kubectl taint` and the Cilium docs write it: `key=value:NoExecute`. */
export function kubectlTaint(taint: { key: string; value?: string; effect: string }): string {
    const effect = taint.effect
        .toLowerCase()
        .split("_")
        .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
        .join("");
    return `${taint.key}${taint.value === undefined ? "" : `=${taint.value}`}:${effect}`;
}

/**
 * Annotations that make the clustermesh-apiserver Service (type LoadBalancer) an internal
 * Network Load Balancer. EKS nodes come and go, so mesh peers cannot be given node addresses;
 * they get the load balancer's DNS name instead, reached over the peered VPCs.
 *
 * These are the in-tree (legacy) AWS cloud provider's annotations, which the EKS control plane
 * serves without the AWS Load Balancer Controller being installed: `aws-load-balancer-type:
 * nlb` picks an NLB over a Classic ELB and `aws-load-balancer-internal` any non-"false" value
 * makes it internal (kubernetes/cloud-provider-aws docs/service_controller.md and
 * pkg/providers/v1/aws.go, ServiceAnnotationLoadBalancerType/-Internal). The Load Balancer
 * Controller's own docs mark `aws-load-balancer-internal` deprecated in favour of
 * `aws-load-balancer-scheme`, but that annotation only means something to the controller,
 * which this project does not install. The NLB picks its subnets by the
 * `kubernetes.io/role/internal-elb` tag set on the cluster's subnets.
 */
export const CLUSTERMESH_LB_ANNOTATIONS: Readonly<Record<string, string>> = Object.freeze({
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
});

/**
 * The name of the load balancer behind an ELB host name (`<name>-<id>.elb.<region>.amazonaws.com`,
 * `internal-` in front for some internal ones); undefined for anything else. Its network
 * interfaces are described `ELB net/<name>/<id>`, which is how its addresses are found.
 */
export function loadBalancerNameOf(hostname: string): string | undefined {
    const label = hostname.split(".")[0] ?? "";
    const match = /^(?:internal-)?(.+)-[0-9a-f]+$/.exec(label);
    return hostname.includes(".elb.") && match ? match[1] : undefined;
}

/**
 * Availability-zone ids EKS refuses control-plane subnets in (UnsupportedAvailabilityZoneException),
 * as eksctl avoids them (pkg/az/az.go, zoneIDsToAvoid). Zone ids, not names: names are shuffled
 * per account.
 */
export const EKS_UNSUPPORTED_ZONE_IDS: readonly string[] = ["cac1-az3", "cnn1-az4", "use1-az3", "usw1-az2"];

export interface KubeconfigInput {
    /** Names the kubeconfig's cluster, user and context (Cilium `cluster.name`). */
    clusterName: string;
    /** The EKS cluster's name, passed to `aws eks get-token`. */
    eksName: string;
    region: string;
    /** The API server URL, `https://…eks.amazonaws.com`. */
    endpoint: string;
    /** Base64 PEM of the cluster CA (`certificateAuthority.data`). */
    caData: string;
}

/**
 * Kubeconfig that authenticates with `aws eks get-token`, so no credential is stored in it
 * (only in the operator's AWS session). Keys are written in one fixed order and long values
 * are never folded, so the same input always gives the same bytes and no spurious diff.
 * `--output json` guards against an `output = text` in the operator's AWS CLI profile, which
 * would hand kubectl something that is not an ExecCredential.
 */
export function kubeconfigYaml(input: KubeconfigInput): string {
    const name = input.clusterName;
    return toYaml(
        {
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name, cluster: { server: input.endpoint, "certificate-authority-data": input.caData } }],
            contexts: [{ name, context: { cluster: name, user: name } }],
            "current-context": name,
            users: [
                {
                    name,
                    user: {
                        exec: {
                            apiVersion: "client.authentication.k8s.io/v1beta1",
                            command: "aws",
                            args: ["eks", "get-token", "--cluster-name", input.eksName, "--region", input.region, "--output", "json"],
                            interactiveMode: "Never",
                        },
                    },
                },
            ],
        },
        { lineWidth: 0 },
    );
}

/**
 * Cilium's `k8sServiceHost`: the endpoint's host name without scheme, port or path. Cilium
 * replaces kube-proxy, so it must reach the API server before any Service works; the port is
 * always 443 on EKS.
 */
export function apiServerHost(endpoint: string): string {
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        throw new Error(`EKS endpoint ${JSON.stringify(endpoint)} is not a URL such as https://ABC.gr7.us-east-1.eks.amazonaws.com`);
    }
    if (url.protocol !== "https:" || url.hostname === "") {
        throw new Error(`EKS endpoint ${JSON.stringify(endpoint)} is not an https URL with a host name`);
    }
    return url.hostname;
}

/**
 * The two subnets of the cluster: the first two /20s of the VPC, one per availability zone
 * (EKS wants its control-plane ENIs in at least two zones). Nodes and the control plane share
 * them. Why /20 and public:
 * - Cilium's overlay (cluster-pool IPAM) gives pods addresses from the pod CIDR, not the VPC,
 *   so the subnets hold only nodes, the control plane's ENIs and the internal NLB: 4091 usable
 *   addresses each is ample, and still enough if a member switches to ENI IPAM later;
 * - public (routed to an internet gateway, public IPs on launch) so nodes pull images and
 *   reach AWS APIs without a NAT gateway, the cheapest layout that works; nothing listens on
 *   them from the internet (the cluster security group admits only itself and mesh rules);
 * - the rest of the VPC (from the third /20 on) stays free for private subnets later.
 * The VPC must therefore be a /19 or larger (AWS allows /16 at most).
 */
export function eksSubnetCidrs(vpcCidr: string): [string, string] {
    const vpc = parseCidr(vpcCidr);
    if (!vpc || vpc.family !== "ipv4" || vpc.prefix > 19) {
        throw new Error(`vpcCidr ${vpcCidr} must be an IPv4 block of /19 or larger, to hold two /20 subnets`);
    }
    return [`${nthAddress(vpc, 0)}/20`, `${nthAddress(vpc, 4096)}/20`];
}

/**
 * Why `serviceCidr` cannot be the EKS `kubernetesNetworkConfig.serviceIpv4Cidr`, or undefined
 * when it can. EKS takes only an IPv4 block between /12 and /24 inside 10/8, 172.16/12 or
 * 192.168/16 that does not overlap the VPC.
 */
export function serviceCidrProblem(serviceCidr: string, vpcCidr: string): string | undefined {
    const service = parseCidr(serviceCidr);
    if (!service || service.family !== "ipv4") {
        return `serviceCidr ${serviceCidr} is not an IPv4 CIDR block; write e.g. 10.22.0.0/16`;
    }
    if (service.prefix < 12 || service.prefix > 24) {
        return `serviceCidr ${serviceCidr} must be between /12 and /24 for EKS; use e.g. a /16`;
    }
    const privateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((r) => parseCidr(r)!);
    if (!privateRanges.some((r) => r.first <= service.first && service.last <= r.last)) {
        return `serviceCidr ${serviceCidr} must lie inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 for EKS`;
    }
    const vpc = parseCidr(vpcCidr);
    if (vpc && overlaps(vpc, service)) {
        return `serviceCidr ${serviceCidr} overlaps vpcCidr ${vpcCidr}; EKS refuses that, pick a block outside the VPC`;
    }
    return undefined;
}

/** The services the cluster's two IAM roles trust. */
export type TrustedService = "eks.amazonaws.com" | "ec2.amazonaws.com";

/**
 * Trust policy (JSON) letting `service` assume a role: the EKS control plane for the cluster
 * role, EC2 instances for the node role. EKS also tags its sessions (`sts:TagSession`, in the
 * AWS-documented cluster role trust policy); EC2 instance profiles only assume.
 */
export function assumeRolePolicy(service: TrustedService): string {
    const actions = service === "eks.amazonaws.com" ? ["sts:AssumeRole", "sts:TagSession"] : ["sts:AssumeRole"];
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions }],
    });
}

/** ARN of an AWS-managed IAM policy in `partition` (`aws`, `aws-cn`, `aws-us-gov`). */
export function managedPolicyArn(partition: string, policy: string): string {
    return `arn:${partition}:iam::aws:policy/${policy}`;
}

/** ARN of an EKS access policy, e.g. `AmazonEKSClusterAdminPolicy`. */
export function accessPolicyArn(partition: string, policy: string): string {
    return `arn:${partition}:eks::aws:cluster-access-policy/${policy}`;
}

const ASSUMED_ROLE = /^arn:([a-z0-9-]+):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[^/]+$/;
const ROLE = /^arn:([a-z0-9-]+):iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]+)$/;

/**
 * The IAM principal an EKS access entry must name for whoever runs Pulumi.
 *
 * `sts get-caller-identity` reports a session (`arn:aws:sts::…:assumed-role/<role>/<session>`)
 * for anyone on temporary credentials (SSO, CI OIDC, `assume-role`), and EKS refuses a session
 * ARN: the entry must name the role. The session ARN omits the role's path, and EKS matches the
 * full role ARN including it (IAM Identity Center roles live under
 * `/aws-reserved/sso.amazonaws.com/`; a path-less ARN fails with "invalid principal",
 * terraform-aws-modules/terraform-aws-eks #2969). So:
 * - `issuerArn`, IAM's own answer (`aws.iam.getSessionContext`, path included), wins when it
 *   names the same role;
 * - otherwise the role ARN is rebuilt from the session, correct for roles without a path;
 * - an IAM user's ARN is already a principal and is returned as is;
 * - a federated-user session cannot be an access entry, which is explained rather than sent.
 */
export function adminPrincipalArn(callerArn: string, issuerArn?: string): string {
    const session = ASSUMED_ROLE.exec(callerArn);
    if (session) {
        const [, partition, account, role] = session;
        const issuer = issuerArn ? ROLE.exec(issuerArn) : null;
        if (issuer && issuer[1] === partition && issuer[2] === account && issuer[3] === role) {
            return issuerArn!;
        }
        return `arn:${partition}:iam::${account}:role/${role}`;
    }
    if (/^arn:[a-z0-9-]+:sts::\d{12}:federated-user\//.test(callerArn)) {
        throw new Error(
            `the caller ${callerArn} is a federated-user session, which cannot be given an EKS access entry; run pulumi as an IAM role or user`,
        );
    }
    return callerArn;
}

/**
 * EKS AMI type for an instance type: AL2023 (kernel 6.1, well above Cilium's minimum), ARM for
 * Graviton families (a `g` after the generation digit: t4g, m7g, c6gn, r8gd, is4gen), x86
 * otherwise. AL2 AMIs end with Kubernetes 1.32, and EKS rejects an ARM instance type on an x86
 * AMI. GPU and Bottlerocket AMIs are out of scope: pick them with a launch template.
 */
export function amiTypeFor(instanceType: string): "AL2023_ARM_64_STANDARD" | "AL2023_x86_64_STANDARD" {
    return isArmInstanceType(instanceType) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/**
 * The EKS CoreDNS add-on's Corefile (its default) with the MCS-API zone `clusterset.local` added
 * to the kubernetes plugin and `multicluster` on: what the Cilium chart's auto-configure Job would
 * write, which cannot run on EKS before nodes exist (components/cilium/mcs-dns.ts). Needs
 * CoreDNS 1.12.2 or later.
 */
export function eksCorefile(): string {
    return [
        ".:53 {",
        "    errors",
        "    health {",
        "        lameduck 5s",
        "    }",
        "    ready",
        "    kubernetes cluster.local clusterset.local in-addr.arpa ip6.arpa {",
        "        pods insecure",
        "        fallthrough in-addr.arpa ip6.arpa",
        "        multicluster clusterset.local",
        "    }",
        "    prometheus :9153",
        "    forward . /etc/resolv.conf",
        "    cache 30",
        "    loop",
        "    reload",
        "    loadbalance",
        "}",
        "",
    ].join("\n");
}

/** Control-plane log types EKS can send to CloudWatch Logs (`enabledClusterLogTypes`). */
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
export type EksLogType = (typeof EKS_LOG_TYPES)[number];

/** Root device of the EKS-optimized AL2023 AMIs (x86 and Arm). */
export const EKS_ROOT_DEVICE = "/dev/xvda";
/** Root volume of each node, GiB: EKS's default disk size for managed node groups. */
export const NODE_ROOT_VOLUME_GIB = 20;

/**
 * Instance metadata of the nodes: IMDSv2 only (session tokens; IMDSv1's plain GETs are what
 * SSRF bugs steal credentials with), and a hop limit of 1, so a pod in its own network
 * namespace (one hop further) cannot reach the node role's credentials. Cilium's agent and
 * operator run in the host network namespace and still reach IMDS (the operator needs it for
 * ENI IPAM); nothing else this project runs needs it.
 */
export const NODE_METADATA_OPTIONS = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } as const;

/** What the EKS cluster role may do with the secrets-encryption key (EKS user guide, "Encrypt Kubernetes secrets"). */
export const EKS_KMS_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"] as const;

/** An inline policy document granting the cluster role `EKS_KMS_ACTIONS` on one key. */
export function kmsPolicyDocument(keyArn: string): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [...EKS_KMS_ACTIONS], Resource: keyArn }] });
}
