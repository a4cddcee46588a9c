import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { overlaps, parseCidr } from "../lib/cidr";
import { loadStackConfigs } from "./load";
import { formatProblem, MeshConfigError } from "./problems";
import { member, stackConfig, type MemberSpec } from "../test/stack-files";
import { knownRoutes, validateMesh } from "./validate";

const NATIVE_CLUSTER_POOL = (stack: string): string =>
    `Pulumi.${stack}.yaml: clustermesh:cilium.routingMode native with cluster-pool IPAM needs a route for every remote pod CIDR on both sides, which nothing in a mesh of separate VPCs or hosts provides (VPC peering only carries addresses inside the peer VPC); use routingMode tunnel, ipam eni with native routing on an all-EKS mesh (pods then hold VPC addresses), or advertise every member's pod ranges over BGP (clustermesh:bgp)`;

const west: MemberSpec = { stack: "west", id: 1 };
const east: MemberSpec = { stack: "east", id: 2 };

/** Every problem, formatted, for a mesh of these specs (shape problems included). */
function problemsOf(specs: MemberSpec[]): string[] {
    const loaded = loadStackConfigs(specs.map((spec, seniority) => ({ file: `Pulumi.${spec.stack}.yaml`, doc: { config: stackConfig(spec) }, seniority })));
    return [...loaded.problems.map(formatProblem), ...validateMesh(loaded.members, loaded.suggestions).problems.map(formatProblem)];
}

describe("the reference mesh", () => {
    it("west and east as shipped validate cleanly", () => {
        assert.deepEqual(problemsOf([west, east]), []);
    });
});

/** Bad configurations, each with the exact message a user sees. */
const badConfigurations: Array<{ rule: string; specs: MemberSpec[]; expected: string[] }> = [
    {
        rule: "duplicate cluster.id",
        specs: [west, { ...east, id: 1, block: 2 }],
        expected: ["Pulumi.east.yaml: clustermesh:cluster.id 1 is already used by west (Pulumi.west.yaml); pick an unused id such as 2"],
    },
    {
        rule: "cluster.id 0",
        specs: [west, { ...east, id: 0 }],
        expected: ["Pulumi.east.yaml: clustermesh:cluster.id 0 means 'not in a mesh'; pick an unused id such as 2"],
    },
    {
        rule: "cluster.id above 255",
        specs: [west, { ...east, id: 300, block: 2 }],
        expected: [
            "Pulumi.east.yaml: clustermesh:cluster.id 300 is outside 1-255 (ids up to 511 need clustermesh:cilium.maxConnectedClusters 511 on every member); pick an unused id such as 2",
        ],
    },
    {
        rule: "cluster.id in the ENI-refused range",
        specs: [
            { stack: "west", id: 1, kind: "eks", cilium: { ipam: "eni", routingMode: "native" } },
            { stack: "east", id: 130, block: 2, kind: "eks", cilium: { ipam: "eni", routingMode: "native" } },
        ],
        expected: [
            "Pulumi.east.yaml: clustermesh:cluster.id 130 is refused in ENI mode: ids 128-255 and 384-511 break network policies there (cilium #21330); pick an unused id such as 2",
        ],
    },
    {
        rule: "invalid cluster.name",
        specs: [west, { ...east, cluster: { name: "East_Region" } }],
        expected: [
            "Pulumi.east.yaml: clustermesh:cluster.name East_Region is not a valid Cilium cluster name (at most 32 lower-case alphanumerics and '-', starting and ending alphanumeric); use e.g. east-region",
        ],
    },
    {
        rule: "cluster.name longer than 32",
        specs: [west, { ...east, cluster: { name: "a".repeat(33) } }],
        expected: [
            `Pulumi.east.yaml: clustermesh:cluster.name ${"a".repeat(33)} is not a valid Cilium cluster name (at most 32 lower-case alphanumerics and '-', starting and ending alphanumeric); use e.g. ${"a".repeat(32)}`,
        ],
    },
    {
        rule: "duplicate cluster.name",
        specs: [west, { ...east, cluster: { name: "west" } }],
        expected: ["Pulumi.east.yaml: clustermesh:cluster.name west is already used by Pulumi.west.yaml (clustermesh:cluster.name); give every cluster its own name, e.g. east"],
    },
    {
        rule: "the name default",
        specs: [west, { ...east, cluster: { name: "default" } }],
        expected: [
            "Pulumi.east.yaml: clustermesh:cluster.name default only goes with cluster.id 0, which is outside any mesh (the chart refuses it); use a name of its own, e.g. east",
        ],
    },
    {
        rule: "pod CIDR overlapping a peer's service CIDR",
        specs: [west, { ...east, cluster: { podCIDR: "10.12.0.0/16" } }],
        expected: [
            "Pulumi.east.yaml: clustermesh:cluster.podCIDR 10.12.0.0/16 overlaps clustermesh:cluster.serviceCIDR 10.12.0.0/16 of west (Pulumi.west.yaml); use a free range of the same size such as 10.13.0.0/16",
        ],
    },
    {
        rule: "the chart's default pod pool 10.0.0.0/8 overlapping everything",
        specs: [west, { ...east, cluster: { podCIDR: "10.0.0.0/8", vpcCIDR: "172.20.0.0/16", serviceCIDR: "172.21.0.0/16" } }],
        expected: [
            "Pulumi.east.yaml: clustermesh:cluster.podCIDR 10.0.0.0/8 overlaps clustermesh:cluster.podCIDR 10.11.0.0/16 of west (Pulumi.west.yaml); pick a range that overlaps nothing in the mesh",
            "Pulumi.east.yaml: clustermesh:cluster.podCIDR 10.0.0.0/8 overlaps clustermesh:cluster.serviceCIDR 10.12.0.0/16 of west (Pulumi.west.yaml); pick a range that overlaps nothing in the mesh",
            "Pulumi.east.yaml: clustermesh:cluster.podCIDR 10.0.0.0/8 overlaps clustermesh:cluster.vpcCIDR 10.10.0.0/16 of west (Pulumi.west.yaml); pick a range that overlaps nothing in the mesh",
        ],
    },
    {
        rule: "a cluster's own pod and service CIDRs overlapping",
        specs: [west, { ...east, cluster: { serviceCIDR: "10.21.128.0/20" } }],
        expected: [
            "Pulumi.east.yaml: clustermesh:cluster.serviceCIDR 10.21.128.0/20 overlaps its own clustermesh:cluster.podCIDR 10.21.0.0/16; use a free range of the same size such as 10.22.0.0/20",
        ],
    },
    {
        rule: "maxConnectedClusters differing",
        specs: [west, { ...east, cilium: { maxConnectedClusters: 511 } }],
        expected: ["Pulumi.east.yaml: clustermesh:cilium.maxConnectedClusters 511 differs from 255 on west (Pulumi.west.yaml); set 255 on every member"],
    },
    {
        rule: "routing mode differing",
        specs: [west, { ...east, cilium: { routingMode: "native" } }],
        expected: [
            "Pulumi.east.yaml: clustermesh:cilium.routingMode native differs from tunnel on west (Pulumi.west.yaml); set tunnel on every member",
            NATIVE_CLUSTER_POOL("east"),
        ],
    },
    {
        rule: "native routing with cluster-pool IPAM across members (no pod routes between VPCs)",
        specs: [
            { ...west, cilium: { routingMode: "native" } },
            { ...east, cilium: { routingMode: "native" } },
        ],
        expected: [NATIVE_CLUSTER_POOL("east"), NATIVE_CLUSTER_POOL("west")],
    },
    {
        rule: "tunnel protocol differing",
        specs: [west, { ...east, cilium: { tunnelProtocol: "geneve" } }],
        expected: ["Pulumi.east.yaml: clustermesh:cilium.tunnelProtocol geneve differs from vxlan on west (Pulumi.west.yaml); set vxlan on every member"],
    },
    {
        rule: "Cilium minors two apart (more than a rolling upgrade passes through)",
        specs: [
            { ...west, cilium: { version: "1.20.0" } },
            { ...east, cilium: { version: "1.18.12" } },
        ],
        expected: [
            "Pulumi.west.yaml: clustermesh:cilium.version 1.20.0 is 2 minors from 1.18.12 on east (Pulumi.east.yaml); members of one mesh may be one minor apart while it is upgraded, one minor at a time (Cilium's upgrade guide; ClusterMesh across one minor is what cilium #28355 tests); upgrade east (Pulumi.east.yaml) to 1.19 first (clustermesh mesh upgrade --cilium 1.19.6), or set 1.18.12 here",
        ],
    },
    {
        rule: "Cilium minors one apart (a rolling upgrade half done) are accepted",
        specs: [
            { ...west, cilium: { version: "1.20.0" } },
            { ...east, cilium: { version: "1.19.6" } },
        ],
        expected: [],
    },
    {
        rule: "Cilium 1.18.0",
        specs: [
            { ...west, cilium: { version: "1.18.0" } },
            { ...east, cilium: { version: "1.18.12" } },
        ],
        expected: ["Pulumi.west.yaml: clustermesh:cilium.version 1.18.0 breaks global-service load-balancing (cilium #40848); use 1.18.1 or later, e.g. 1.18.12"],
    },
    {
        rule: "a pre-flight check two minors from the running release",
        specs: [
            { ...west, cilium: { version: "1.18.12", preflight: "1.20.0" } },
            { ...east, cilium: { version: "1.18.12" } },
        ],
        expected: [
            "Pulumi.west.yaml: clustermesh:cilium.preflight 1.20.0 is 2 minors from clustermesh:cilium.version 1.18.12; Cilium upgrades and rolls back one minor at a time (its upgrade guide); pre-flight 1.19.6 first (clustermesh mesh upgrade --cilium 1.19.6 does both steps)",
        ],
    },
    {
        rule: "a pre-flight check of the release already running",
        specs: [
            { ...west, cilium: { version: "1.19.6", preflight: "1.19.6" } },
            { ...east, cilium: { version: "1.19.6" } },
        ],
        expected: [
            "Pulumi.west.yaml: clustermesh:cilium.preflight 1.19.6 is the release this member runs already (clustermesh:cilium.version 1.19.6); the pre-flight check is for the release it moves to; remove clustermesh:cilium.preflight, or set the release you upgrade to",
        ],
    },
    {
        rule: "a pre-flight check of a refused release",
        specs: [
            { ...west, cilium: { version: "1.18.12", preflight: "1.18.0" } },
            { ...east, cilium: { version: "1.18.12" } },
        ],
        expected: ["Pulumi.west.yaml: clustermesh:cilium.preflight 1.18.0 breaks global-service load-balancing (cilium #40848); use 1.18.1 or later, e.g. 1.18.12"],
    },
    {
        rule: "a pre-flight check one minor up (the first step of an upgrade) is accepted",
        specs: [
            { ...west, cilium: { version: "1.19.6", preflight: "1.20.0" } },
            { ...east, cilium: { version: "1.19.6" } },
        ],
        expected: [],
    },
    {
        rule: "Cilium of a minor the program does not support",
        specs: [
            { ...west, cilium: { version: "1.15.3" } },
            { ...east, cilium: { version: "1.15.3", apiserverNodePort: 32380 } },
        ],
        expected: [
            "Pulumi.east.yaml: clustermesh:cilium.version 1.15.3 is of Cilium 1.15, which this program does not support (it supports 1.18, 1.19, 1.20: the minors with a reference chart its values are checked against); use e.g. 1.20.0",
            "Pulumi.west.yaml: clustermesh:cilium.version 1.15.3 is of Cilium 1.15, which this program does not support (it supports 1.18, 1.19, 1.20: the minors with a reference chart its values are checked against); use e.g. 1.20.0",
        ],
    },
    {
        rule: "same NodePort with kube-proxy replacement before 1.18.2",
        specs: [
            { ...west, cilium: { version: "1.18.1" } },
            { ...east, cilium: { version: "1.18.1" } },
        ],
        expected: [
            "Pulumi.east.yaml: clustermesh:cilium.apiserverNodePort 32379 is also used by west (Pulumi.west.yaml); with kube-proxy replacement before Cilium 1.18.2 each cluster needs its own clustermesh-apiserver NodePort (cilium #24692); use 32380, or Cilium 1.18.2 or later",
        ],
    },
    {
        rule: "ENI IPAM on k3s",
        specs: [{ ...west, cilium: { ipam: "eni", routingMode: "native" } }],
        expected: ["Pulumi.west.yaml: clustermesh:cilium.ipam eni needs an EKS cluster (ENI IPAM hands out VPC addresses); use cluster-pool"],
    },
    {
        rule: "AWS-built cluster without region, VPC and operator addresses",
        specs: [{ ...west, cluster: { region: undefined, vpcCIDR: undefined, operatorCIDRs: [] } }],
        expected: [
            "Pulumi.west.yaml: clustermesh:cluster.operatorCIDRs is empty; nothing could reach the Kubernetes API of a k3s cluster on a new EC2 VM (no clustermesh:k3s.host); add the address you run pulumi from, e.g. operatorCIDRs: [203.0.113.10/32]",
            "Pulumi.west.yaml: clustermesh:cluster.region is missing; a k3s cluster on a new EC2 VM (no clustermesh:k3s.host) needs an AWS region; add e.g. region: us-west-2",
            "Pulumi.west.yaml: clustermesh:cluster.vpcCIDR is missing; a k3s cluster on a new EC2 VM (no clustermesh:k3s.host) is built in a new VPC; add a free range such as vpcCIDR: 10.30.0.0/16",
        ],
    },
    {
        rule: "an EKS VPC too small for two /20 subnets",
        specs: [west, { ...east, kind: "eks", cluster: { vpcCIDR: "10.20.0.0/20" } }],
        expected: ["Pulumi.east.yaml: clustermesh:cluster.vpcCIDR 10.20.0.0/20 is a /20, outside /16 to /19: AWS allows VPCs of at most a /16 (VPC user guide) and an EKS cluster's nodes get two /20 subnets in two zones; use a range that fits, e.g. 10.30.0.0/16 (free in the whole mesh)"],
    },
    {
        rule: "operator CIDR open to the internet",
        specs: [{ ...west, cluster: { operatorCIDRs: ["0.0.0.0/0"] } }],
        expected: [
            "Pulumi.west.yaml: clustermesh:cluster.operatorCIDRs 0.0.0.0/0 opens SSH and the Kubernetes API to the whole internet; list only the addresses you run pulumi from, e.g. 203.0.113.10/32",
        ],
    },
    {
        rule: "existing host without its SSH key",
        specs: [{ ...west, k3s: { host: { address: "172.30.1.89" } } }],
        expected: [
            "Pulumi.west.yaml: clustermesh:sshPrivateKey is missing; the k3s server on clustermesh:k3s.host is installed over SSH with it; run: pulumi config set --secret -s west clustermesh:sshPrivateKey < ~/.ssh/id_ed25519",
        ],
    },
    {
        rule: "SSH key in plain text",
        specs: [{ ...west, k3s: { host: { address: "172.30.1.89" } }, extra: { "clustermesh:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----" } }],
        expected: [
            "Pulumi.west.yaml: clustermesh:sshPrivateKey is stored in plain text; store it encrypted: pulumi config set --secret clustermesh:sshPrivateKey (and remove the plain value)",
        ],
    },
    {
        rule: "existing host inside a pod CIDR",
        specs: [{ ...west, k3s: { host: { address: "10.21.0.5" } }, extra: { "clustermesh:sshPrivateKey": { secure: "v1:abc" } } }, east],
        expected: [
            "Pulumi.west.yaml: clustermesh:k3s.host.address 10.21.0.5 lies inside clustermesh:cluster.podCIDR 10.21.0.0/16 of east (Pulumi.east.yaml), so node traffic would be routed as pod or service traffic; move clustermesh:cluster.podCIDR of east to a range that does not hold the node addresses",
        ],
    },
    {
        rule: "a mistyped key",
        specs: [{ ...west, cluster: { podCIDRs: "10.11.0.0/16" } }],
        expected: [
            "Pulumi.west.yaml: clustermesh:cluster.podCIDRs 10.11.0.0/16 is not a known key; did you mean podCIDR? Known keys: name, id, kind, region, podCIDR, serviceCIDR, vpcCIDR, operatorCIDRs, allowWideOperatorCIDRs",
        ],
    },
    {
        rule: "a mistyped section",
        specs: [{ ...west, extra: { "clustermesh:clium": { version: "1.19.6" } } }],
        expected: ["Pulumi.west.yaml: clustermesh:clium is not a known key; did you mean clustermesh:cilium?"],
    },
    {
        rule: "a missing key",
        specs: [{ ...west, cluster: { id: undefined } }],
        expected: ["Pulumi.west.yaml: clustermesh:cluster.id is missing; add it under clustermesh:cluster, e.g. id: 1"],
    },
    {
        rule: "a wrong type",
        specs: [{ ...west, cluster: { id: "one" } }],
        expected: ['Pulumi.west.yaml: clustermesh:cluster.id "one" is a string, not a number; write a number, e.g. id: 1'],
    },
    {
        rule: "a malformed CIDR",
        specs: [{ ...west, cluster: { podCIDR: "10.11.0.1/16" } }],
        expected: [
            "Pulumi.west.yaml: clustermesh:cluster.podCIDR 10.11.0.1/16 is not a CIDR block; write it as address/prefix with the host bits zero, e.g. 10.11.0.0/16 (free in the whole mesh)",
        ],
    },
    {
        // Issue 13: the fix used to offer 10.11.0.0/16, west's pod CIDR.
        rule: "a malformed CIDR next to the member holding its network",
        specs: [west, { ...east, cluster: { podCIDR: "10.11.0.1/16" } }],
        expected: [
            "Pulumi.east.yaml: clustermesh:cluster.podCIDR 10.11.0.1/16 is not a CIDR block; write it as address/prefix with the host bits zero, e.g. 10.13.0.0/16 (free in the whole mesh)",
        ],
    },
    {
        // Issue 13: used to read `clustermesh:cluster.id 2 is not a number`.
        rule: "a number written as a string",
        specs: [west, { ...east, cluster: { id: "2" } }],
        expected: ['Pulumi.east.yaml: clustermesh:cluster.id "2" is a string, not a number; write it without quotes: id: 2'],
    },
    {
        rule: "a boolean written as a string",
        specs: [west, { ...east, mesh: { link: "true" } }],
        expected: ['Pulumi.east.yaml: clustermesh:mesh.link "true" is a string, not a boolean; write it without quotes: link: true'],
    },
    {
        // Issue 13: used to say only "must be >=30000" and point at the README.
        rule: "an apiserver NodePort outside the NodePort range",
        specs: [west, { ...east, cilium: { apiserverNodePort: 80 } }],
        expected: ["Pulumi.east.yaml: clustermesh:cilium.apiserverNodePort 80 is outside the Kubernetes NodePort range 30000-32767; use e.g. apiserverNodePort: 32380"],
    },
    {
        rule: "an apiserver NodePort above the NodePort range",
        specs: [west, { ...east, cilium: { apiserverNodePort: 40000 } }],
        expected: ["Pulumi.east.yaml: clustermesh:cilium.apiserverNodePort 40000 is outside the Kubernetes NodePort range 30000-32767; use e.g. apiserverNodePort: 32380"],
    },
    {
        rule: "a count outside its range",
        specs: [{ ...west, k3s: { agents: 51 } }],
        expected: ["Pulumi.west.yaml: clustermesh:k3s.agents 51 is outside 0-50; use e.g. agents: 50"],
    },
    {
        rule: "a malformed pinned host key",
        specs: [{ ...west, k3s: { host: { address: "172.30.1.89", hostKey: "AAAAC3NzaC1lZDI1NTE5" } }, extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } } }],
        expected: [
            "Pulumi.west.yaml: clustermesh:k3s.host.hostKey AAAAC3NzaC1lZDI1NTE5 is not an SSH public key such as ssh-ed25519 AAAAC3Nza... (a known_hosts line without the host name); see the config reference in the README",
        ],
    },
    {
        rule: "a KMS key for EKS secrets without encryptSecrets",
        specs: [west, { ...east, kind: "eks", eks: { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/abc" } }],
        expected: [
            "Pulumi.east.yaml: clustermesh:eks.kmsKeyArn arn:aws:kms:us-east-1:123456789012:key/abc is set but clustermesh:eks.encryptSecrets is false, so no Secret would be encrypted with it; set clustermesh:eks.encryptSecrets: true, or remove kmsKeyArn",
        ],
    },
    {
        rule: "an EKS log type EKS does not have",
        specs: [west, { ...east, kind: "eks", eks: { logTypes: ["api", "kubelet"] } }],
        expected: ['Pulumi.east.yaml: clustermesh:eks.logTypes[1] kubelet is not an allowed value; use one of "api", "audit", "authenticator", "controllerManager", "scheduler"'],
    },
    {
        rule: "an unknown cluster kind",
        specs: [{ ...west, kind: "gke" as "k3s" }],
        expected: ['Pulumi.west.yaml: clustermesh:cluster.kind gke is not an allowed value; use one of "k3s", "eks", "kind"'],
    },
    {
        rule: "app names differing across clusters",
        specs: [west, { ...east, app: { name: "echo2" } }],
        expected: [
            "Pulumi.east.yaml: clustermesh:app.name echo2 differs from echo on west (Pulumi.west.yaml); a service is global only under the same name in every cluster; set echo on every member",
        ],
    },
    {
        rule: "ServiceExport without the MCS-API",
        specs: [{ ...west, app: { serviceExport: true } }],
        expected: [
            "Pulumi.west.yaml: clustermesh:app.serviceExport true needs the MCS-API, which clustermesh:cilium.mcsAPI leaves off; set clustermesh:cilium.mcsAPI: true, or serviceExport: false",
        ],
    },
    {
        rule: "a pod CIDR smaller than one node's range",
        specs: [{ ...west, cluster: { podCIDR: "10.11.0.0/25" } }],
        expected: ["Pulumi.west.yaml: clustermesh:cluster.podCIDR 10.11.0.0/25 is a /25, outside /8 to /24: Cilium's cluster-pool IPAM gives each node a /24 from it (clusterPoolIPv4MaskSize 24) and the program fills the IPv4 pool list (clusterPoolIPv4PodCIDRList); use a range that fits, e.g. 10.31.0.0/16 (free in the whole mesh)"],
    },
];

describe("each mesh rule rejects a bad configuration with its message", () => {
    for (const { rule, specs, expected } of badConfigurations) {
        it(rule, () => {
            assert.deepEqual(problemsOf(specs).sort(), [...expected].sort());
        });
    }
});

describe("reporting", () => {
    it("reports every problem at once, across files", () => {
        const problems = problemsOf([
            { ...west, cilium: { version: "1.18.0" } },
            { ...east, id: 1, block: 2, cluster: { podCIDR: "10.11.0.0/16" }, cilium: { version: "1.20.0" } },
        ]);
        const keys = problems.map((p) => p.split(" ").slice(0, 2).join(" "));
        for (const key of [
            "Pulumi.east.yaml: clustermesh:cluster.id",
            "Pulumi.east.yaml: clustermesh:cluster.podCIDR",
            "Pulumi.east.yaml: clustermesh:cilium.version",
            "Pulumi.west.yaml: clustermesh:cilium.version",
        ]) {
            assert.ok(keys.includes(key), `${key} reported in:\n${problems.join("\n")}`);
        }
    });

    it("MeshConfigError lists the problems in a stable order", () => {
        const members = [member(west), { ...member({ ...east, id: 1, block: 2 }), seniority: 1 }];
        const error = new MeshConfigError(validateMesh(members).problems);
        assert.match(error.message, /^The mesh configuration has 1 problem; nothing was built:\n {2}- Pulumi\.east\.yaml: clustermesh:cluster\.id 1 is already used/);
    });

    it("suggests distinct free ids for several clashes", () => {
        const problems = problemsOf([west, { ...east, id: 1, block: 2 }, { stack: "north", id: 1, block: 3 }]);
        assert.deepEqual(problems.sort(), [
            "Pulumi.east.yaml: clustermesh:cluster.id 1 is already used by west (Pulumi.west.yaml); pick an unused id such as 2",
            "Pulumi.north.yaml: clustermesh:cluster.id 1 is already used by west (Pulumi.west.yaml); pick an unused id such as 3",
        ]);
    });

    it("accepts ids up to 511 when every member allows 511", () => {
        const specs = [
            { ...west, cilium: { maxConnectedClusters: 511 } },
            { ...east, id: 500, cilium: { maxConnectedClusters: 511 } },
        ];
        assert.deepEqual(problemsOf(specs), []);
    });

    it("refuses a mesh larger than maxConnectedClusters", () => {
        const members = Array.from({ length: 256 }, (_, i) => member({ stack: `r${i + 1}`, id: i + 1, block: i + 10, cilium: { maxConnectedClusters: 255 } }));
        const problems = validateMesh(members).problems.map(formatProblem);
        assert.ok(problems.some((p) => p.includes("is smaller than the mesh, which has 256 members; set 511 on every member, or remove members")), problems.join("\n"));
    });
});

describe("notes", () => {
    it("say when clusters on existing hosts and in AWS need a route the program does not build", () => {
        const lab = member({ stack: "lab", id: 3, block: 3, k3s: { host: { address: "172.30.1.89" } }, extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } } });
        const { notes, problems } = validateMesh([member(west), lab]);
        assert.deepEqual(problems, []);
        assert.deepEqual(notes, [
            "lab (Pulumi.lab.yaml) runs on existing hosts and west (Pulumi.west.yaml) in AWS VPCs: their node addresses must reach each other (VPN, Direct Connect or public addresses); the program opens the ports but builds no such route.",
        ]);
    });
});

describe("kind members", () => {
    const kindWest: MemberSpec = { stack: "west", id: 1, kind: "kind", cilium: { routingMode: "native" } };
    const kindEast: MemberSpec = { stack: "east", id: 2, kind: "kind", cilium: { routingMode: "native" } };

    it("two kind members on one Docker network, natively routed, validate cleanly", () => {
        assert.deepEqual(problemsOf([kindWest, kindEast]), []);
    });

    it("cannot share a mesh with AWS members unless routes are declared both ways", () => {
        const problems = problemsOf([{ ...kindWest, cilium: {} }, east]);
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^Pulumi\.west\.yaml: clustermesh:cluster\.kind kind is a kind cluster on this machine's Docker network, in one mesh with AWS members \(east \(Pulumi\.east\.yaml\)\) and no declared route between them/);
        assert.match(problems[0], /declare the routes both ways: the VPCs in clustermesh:mesh\.externalRoutes of west, 172\.\d+\.0\.0\/16 in that of each AWS member$/);
        const subnet = /(172\.\d+\.0\.0\/16)/.exec(problems[0])![1];
        const oneWay = problemsOf([{ ...kindWest, cilium: {}, mesh: { externalRoutes: ["10.20.0.0/16"] } }, east]);
        assert.equal(oneWay.length, 1, "a route declared on the kind side only is not enough");
        assert.deepEqual(problemsOf([{ ...kindWest, cilium: {}, mesh: { externalRoutes: ["10.20.0.0/16"] } }, { ...east, mesh: { externalRoutes: [subnet] } }]), []);
    });

    it("join one Docker network whose subnet overlaps no pod or service range", () => {
        // Tunnelled, so only the network rules speak (natively, the split network would also leave pods unrouted).
        const tunnel = { cilium: { routingMode: "tunnel" } };
        assert.deepEqual(problemsOf([{ ...kindWest, ...tunnel }, { ...kindEast, ...tunnel, kindNodes: { network: "other", networkSubnet: "10.11.0.0/16" } }]), [
            "Pulumi.east.yaml: clustermesh:kind.network other differs from clustermesh on west (Pulumi.west.yaml); every kind member of a mesh joins one Docker network; set clustermesh on every member",
            "Pulumi.east.yaml: clustermesh:kind.networkSubnet 10.11.0.0/16 differs from 172.30.0.0/16 on west (Pulumi.west.yaml); every kind member of a mesh joins one Docker network; set 172.30.0.0/16 on every member",
            "Pulumi.east.yaml: clustermesh:kind.networkSubnet 10.11.0.0/16 overlaps clustermesh:cluster.podCIDR 10.11.0.0/16 of west (Pulumi.west.yaml); node containers would sit inside a pod or service range; use a Docker subnet apart from the mesh's ranges, e.g. 10.13.0.0/16",
        ]);
    });
});

describe("clustermesh:bgp", () => {
    const host = (stack: string, id: number, address: string): MemberSpec => ({
        stack,
        id,
        k3s: { host: { address } },
        extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } },
        cilium: { routingMode: "native" },
    });
    const bgp = { enabled: true, localASN: 65001, peers: [{ name: "tor", address: "192.168.10.200", asn: 65000 }], loadBalancerPool: "172.16.1.0/24", apiserverAddress: "172.16.1.10" };

    it("two existing-host members peering with their routers, natively routed, validate cleanly", () => {
        const eastBgp = { ...bgp, localASN: 65002, loadBalancerPool: "172.16.2.0/24", apiserverAddress: "172.16.2.10" };
        assert.deepEqual(problemsOf([{ ...host("west", 1, "192.168.10.100"), bgp }, { ...host("east", 2, "192.168.20.100"), bgp: eastBgp }]), []);
    });

    it("refuses overlapping pools between members", () => {
        assert.deepEqual(problemsOf([{ ...host("west", 1, "192.168.10.100"), bgp }, { ...host("east", 2, "192.168.20.100"), bgp: { ...bgp, localASN: 65002, apiserverAddress: "172.16.1.20" } }]), [
            "Pulumi.east.yaml: clustermesh:bgp.loadBalancerPool 172.16.1.0/24 overlaps clustermesh:bgp.loadBalancerPool 172.16.1.0/24 of west (Pulumi.west.yaml); both clusters would advertise the same addresses; give every cluster a pool of its own",
        ]);
    });

    it("takes ebgpMultihop for an eBGP router and refuses it for an iBGP one", () => {
        const multihop = (asn: number) => ({ ...bgp, peers: [{ name: "tor", address: "192.168.10.200", asn, ebgpMultihop: 2 }] });
        assert.deepEqual(problemsOf([{ ...host("west", 1, "192.168.10.100"), bgp: multihop(65000) }]), []);
        assert.deepEqual(problemsOf([{ ...host("west", 1, "192.168.10.100"), bgp: multihop(65001) }]), [
            "Pulumi.west.yaml: clustermesh:bgp.peers[0].ebgpMultihop 2 applies to eBGP only, but tor is in the cluster's own AS 65001 (iBGP), where Cilium ignores it; remove ebgpMultihop, or peer with a router in another AS",
        ]);
    });

    it("reports every BGP mistake at once", () => {
        const west = {
            ...host("west", 1, "192.168.10.100"),
            bgp: {
                enabled: true,
                peers: [
                    { name: "tor", address: "router", asn: 65000, authenticated: true },
                    { name: "tor", address: "192.168.10.201", asn: 65000 },
                ],
                loadBalancerPool: "10.21.0.0/24",
                apiserverAddress: "172.16.9.1",
                advertise: { loadBalancerIPs: false },
            },
        };
        const ec2 = { stack: "east", id: 2, bgp: { enabled: true, localASN: 65002, peers: [{ name: "tor", address: "10.0.0.1", asn: 1 }] } };
        const off = { stack: "north", id: 3, block: 3, bgp: { localASN: 65003 } };
        assert.deepEqual(problemsOf([{ ...west, cilium: {} }, ec2, off]), [
            "Pulumi.west.yaml: clustermesh:bgp.localASN is missing; the cluster needs its own autonomous system number; add e.g. localASN: 65001",
            "Pulumi.west.yaml: clustermesh:bgp.peers[0].address router is not an IP address; give the router's address, e.g. 192.168.10.200",
            "Pulumi.west.yaml: clustermesh:bgp.peers[1].name tor is used by another peer of this cluster; give it a name of its own, e.g. tor-2",
            "Pulumi.west.yaml: clustermesh:bgpPassword is missing; a peer is authenticated (clustermesh:bgp.peers[].authenticated); run: pulumi config set --secret -s west clustermesh:bgpPassword",
            "Pulumi.west.yaml: clustermesh:bgp.loadBalancerPool 10.21.0.0/24 overlaps clustermesh:cluster.podCIDR 10.21.0.0/16 of east (Pulumi.east.yaml); pick a range apart from every range of the mesh, e.g. 10.23.0.0/24",
            "Pulumi.west.yaml: clustermesh:bgp.apiserverAddress 172.16.9.1 lies outside clustermesh:bgp.loadBalancerPool 10.21.0.0/24; pick an address inside 10.21.0.0/24",
            "Pulumi.west.yaml: clustermesh:bgp.advertise.loadBalancerIPs false leaves LoadBalancer addresses unadvertised, so no router learns the clustermesh-apiserver's address (clustermesh:bgp.apiserverAddress) and peers cannot reach it; set advertise.loadBalancerIPs: true, or remove apiserverAddress",
            "Pulumi.east.yaml: clustermesh:bgp.enabled true is set on a k3s cluster on a new EC2 VM; VPC routing does not take BGP from nodes; use BGP on k3s with clustermesh:k3s.host or on kind, or set enabled: false",
            "Pulumi.north.yaml: clustermesh:bgp.enabled false leaves BGP off, but other clustermesh:bgp keys are set and would be ignored; set enabled: true, or remove the other keys",
        ]);
    });
});

describe("native routing across members", () => {
    const native = "native with cluster-pool IPAM needs a route for every remote pod CIDR on both sides";
    const router = { enabled: true, localASN: 65001, peers: [{ name: "tor", address: "192.168.10.200", asn: 65000 }] };
    const host = (stack: string, id: number, address: string, bgp?: Record<string, unknown>): MemberSpec => ({
        stack,
        id,
        k3s: { host: { address } },
        extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } },
        cilium: { routingMode: "native" },
        ...(bgp ? { bgp } : {}),
    });

    it("is allowed when every member's pod ranges are routed: all kind on one Docker network, or all advertising over BGP", () => {
        assert.deepEqual(problemsOf([
            { stack: "west", id: 1, kind: "kind", cilium: { routingMode: "native" } },
            { stack: "east", id: 2, kind: "kind", cilium: { routingMode: "native" } },
        ]), []);
        assert.deepEqual(problemsOf([host("west", 1, "192.168.10.100", router), host("east", 2, "192.168.20.100", { ...router, localASN: 65002 })]), []);
    });

    it("is refused when one member's pods are not advertised, on both sides", () => {
        const half = problemsOf([host("west", 1, "192.168.10.100", router), host("east", 2, "192.168.20.100", { ...router, localASN: 65002, advertise: { podCIDRs: false } })]);
        assert.deepEqual(half.map((l) => l.split(":")[0]).sort(), ["Pulumi.east.yaml", "Pulumi.west.yaml"]);
        assert.ok(half.every((l) => l.includes(native)), half.join("\n"));
    });
});

describe("knownRoutes", () => {
    it("gives a BGP member the pods and pools its BGP peers advertise, and a kind member its network and peers' pods", () => {
        const bgp = (localASN: number, pool: string, advertise = { podCIDRs: true, loadBalancerIPs: true }) => ({ enabled: true, localASN, peers: [{ name: "tor", address: "192.168.10.200", asn: 65000 }], loadBalancerPool: pool, advertise });
        const members = [
            member({ stack: "west", id: 1, k3s: { host: { address: "192.168.10.100" } }, extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } }, bgp: bgp(65001, "172.16.1.0/24") }),
            member({ stack: "east", id: 2, k3s: { host: { address: "192.168.20.100" } }, extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } }, bgp: bgp(65002, "172.16.2.0/24") }),
            member({ stack: "north", id: 3, k3s: { host: { address: "192.168.30.100" } }, extra: { "clustermesh:sshPrivateKey": { secure: "v1:x" } }, bgp: bgp(65003, "172.16.3.0/24", { podCIDRs: false, loadBalancerIPs: false }) }),
        ];
        assert.deepEqual(knownRoutes(members[0], members), ["10.21.0.0/16", "172.16.2.0/24"]);
        assert.deepEqual(knownRoutes(members[2], members), ["10.11.0.0/16", "10.21.0.0/16", "172.16.1.0/24", "172.16.2.0/24"]);
        const kinds = [member({ stack: "west", id: 1, kind: "kind" }), member({ stack: "east", id: 2, kind: "kind" })];
        assert.deepEqual(knownRoutes(kinds[0], kinds), ["10.21.0.0/16", "172.30.0.0/16"]);
        assert.deepEqual(knownRoutes(member({ stack: "west", id: 1 }), [member({ stack: "west", id: 1 }), member({ stack: "east", id: 2 })]), []);
    });
});

describe("suggestions are free in the whole mesh (issue 13)", () => {
    /** Every CIDR and `id: N` / `such as N` offered in a fix. */
    function offered(lines: string[]): { ranges: string[]; ids: number[] } {
        const fixes = lines.map((l) => l.slice(l.lastIndexOf(";")));
        return {
            ranges: fixes.flatMap((f) => f.match(/\d+\.\d+\.\d+\.\d+\/\d+/g) ?? []),
            ids: fixes.flatMap((f) => [...f.matchAll(/(?:id: |unused id such as )(\d+)/g)].map((m) => Number(m[1]))),
        };
    }

    it("no offered range overlaps a range any file uses, and no offered id is taken, whatever member is broken", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 2, max: 6 }),
                fc.nat(),
                fc.constantFrom<(s: MemberSpec, index: number) => MemberSpec>(
                    (s) => ({ ...s, cluster: { podCIDR: "10.11.0.1/16" } }),
                    (s) => ({ ...s, cluster: { serviceCIDR: "10.21.0.7/16" } }),
                    (s) => ({ ...s, cluster: { podCIDR: "10.31.0.0/25" } }),
                    (s) => ({ ...s, cluster: { serviceCIDR: "10.42.0.0/8" } }),
                    (s) => ({ ...s, cluster: { vpcCIDR: undefined } }),
                    (s) => ({ ...s, cluster: { podCIDR: undefined, id: undefined } }),
                    (s, index) => ({ ...s, id: index === 0 ? 2 : 1, block: index + 1 }),
                    (s) => ({ ...s, cluster: { id: "x" } }),
                ),
                (size, pick, breakIt) => {
                    const specs: MemberSpec[] = Array.from({ length: size }, (_, i) => ({ stack: `r${i + 1}`, id: i + 1 }));
                    const victim = pick % size;
                    specs[victim] = breakIt(specs[victim], victim);
                    const lines = problemsOf(specs);
                    assert.ok(lines.length > 0);
                    const { ranges, ids } = offered(lines);
                    const used = specs.flatMap((s) => Object.values(stackConfig(s)["clustermesh:cluster"] as Record<string, unknown>)).filter((v): v is string => typeof v === "string");
                    for (const r of ranges) {
                        const range = parseCidr(r)!;
                        const clash = used.map((u) => parseCidr(u)).find((u) => u !== undefined && overlaps(u, range) && u.text !== "203.0.113.10/32");
                        assert.equal(clash, undefined, `${r} offered in:\n${lines.join("\n")}`);
                    }
                    const takenIds = specs.map((s) => stackConfig(s)["clustermesh:cluster"] as { id?: unknown }).map((c) => c.id);
                    for (const id of ids) {
                        assert.ok(!takenIds.includes(id), `id ${id} offered in:\n${lines.join("\n")}`);
                    }
                    assert.equal(new Set(ranges).size, ranges.length, `one range offered twice:\n${lines.join("\n")}`);
                },
            ),
            { numRuns: 60 },
        );
    });
});
