/**
 * Inputs that were accepted and planned although wrong, or crashed a component after the CA and
 * providers had been registered: each is refused by validation now, naming the file and key.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { inspectMesh } from "./index";
import { loadStackConfigs } from "./load";
import { formatProblem } from "./problems";
import { stackConfig, type MemberSpec } from "./sample-stacks";
import { validateMesh } from "./validate";

const west: MemberSpec = { stack: "west", id: 1 };
const east: MemberSpec = { stack: "east", id: 2 };

/** Every problem (shape and mesh) of a mesh of `specs`, as printed. */
export function problemsOf(specs: readonly MemberSpec[], extra: ReadonlyArray<{ file: string; doc: unknown }> = []): string[] {
    const loaded = loadStackConfigs([...specs.map((s) => ({ file: `Pulumi.${s.stack}.yaml`, doc: { config: stackConfig(s) } })), ...extra]);
    return [...loaded.problems, ...validateMesh(loaded.members, loaded.suggestions).problems].map(formatProblem);
}

/** Asserts a problem at `file: key` matching `pattern`. */
function refused(specs: readonly MemberSpec[], file: string, key: string, pattern: RegExp): void {
    const problems = problemsOf(specs);
    const hit = problems.find((p) => p.startsWith(`${file}: ${key}`) && pattern.test(p));
    assert.ok(hit, `expected a problem at ${file}: ${key} matching ${String(pattern)}; got ${JSON.stringify(problems)}`);
}

describe("strict CIDRs (one parser, lib/cidr.ts)", () => {
    it("accepts the shipped shape", () => {
        assert.deepEqual(problemsOf([west, east]), []);
    });
    for (const [value, why] of [
        ["10.021.0.0/16", "a leading zero (read as octal 17 by some tools)"],
        ["10.21.0/16", "three parts"],
        ["10.21.0.0/016", "a prefix with a leading zero"],
        ["010.21.0.0/16", "a leading zero in the first part"],
    ]) {
        it(`refuses podCIDR ${value}: ${why}`, () => {
            refused([west, { ...east, cluster: { podCIDR: value } }], "Pulumi.east.yaml", "clustermesh:cluster.podCIDR", /is not a CIDR block; write it as address\/prefix/);
        });
    }
    it("refuses an IPv6 pod range (it would land in Cilium's IPv4 pool list)", () => {
        refused([west, { ...east, cluster: { podCIDR: "fd00:21::/48" } }], "Pulumi.east.yaml", "clustermesh:cluster.podCIDR", /IPv6 range where an IPv4 one is needed/);
    });
    it("refuses a /30 service range (no room for cluster-dns)", () => {
        refused([west, { ...east, cluster: { serviceCIDR: "10.22.0.0/30" } }], "Pulumi.east.yaml", "clustermesh:cluster.serviceCIDR", /outside \/12 to \/28/);
    });
    for (const vpc of ["10.0.0.0/8", "10.20.0.0/28", "fd00:20::/56"]) {
        it(`refuses vpcCIDR ${vpc} on an EC2 k3s member`, () => {
            refused([west, { ...east, cluster: { vpcCIDR: vpc } }], "Pulumi.east.yaml", "clustermesh:cluster.vpcCIDR", /range that fits, e\.g\. 10\.\d+\.0\.0\/16/);
        });
    }
    it("refuses operator ranges that together open SSH and 6443 to every address", () => {
        refused([{ ...west, cluster: { operatorCIDRs: ["0.0.0.0/1", "128.0.0.0/1"] } }, east], "Pulumi.west.yaml", "clustermesh:cluster.operatorCIDRs", /covers every IPv4 address together/);
        // Even with the explicit opt-in.
        refused([{ ...west, cluster: { operatorCIDRs: ["0.0.0.0/1", "128.0.0.0/1"], allowWideOperatorCIDRs: true } }, east], "Pulumi.west.yaml", "clustermesh:cluster.operatorCIDRs", /covers every IPv4 address/);
    });
    it("refuses operator ranges wider than a /16 unless the file opts in", () => {
        refused([{ ...west, cluster: { operatorCIDRs: ["198.18.0.0/15"] } }, east], "Pulumi.west.yaml", "clustermesh:cluster.operatorCIDRs", /131,072 addresses.*allowWideOperatorCIDRs: true/);
        assert.deepEqual(problemsOf([{ ...west, cluster: { operatorCIDRs: ["198.18.0.0/15"], allowWideOperatorCIDRs: true } }, east]), []);
    });
});

describe("stack files by Pulumi's rules (stacks/stack-files.ts)", () => {
    const write = (files: Record<string, MemberSpec | string>): string => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clustermesh-files-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: clustermesh\nruntime: nodejs\n");
        for (const [file, spec] of Object.entries(files)) {
            fs.writeFileSync(path.join(dir, file), typeof spec === "string" ? spec : stringify({ config: stackConfig(spec) }));
        }
        return dir;
    };
    const printed = (dir: string) => {
        const { members, problems } = inspectMesh(dir);
        return { members: members.map((m) => m.stack), problems: problems.map(formatProblem) };
    };

    it("loads a stack whose name has dots (Pulumi.eu.central.yaml is the stack eu.central)", () => {
        const result = printed(write({ "Pulumi.west.yaml": west, "Pulumi.eu.central.yaml": { stack: "eu-central", id: 2 } }));
        assert.deepEqual(result, { members: ["west", "eu.central"], problems: [] });
    });

    it("refuses a .yml twin beside the .yaml file instead of making two members of one stack", () => {
        const { problems } = printed(write({ "Pulumi.west.yaml": west, "Pulumi.east.yaml": east, "Pulumi.east.yml": { ...east, id: 3, block: 3 } }));
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^Pulumi\.east\.yml: \(file name\) is a twin of Pulumi\.east\.yaml.*did you mean to edit Pulumi\.east\.yaml\?/);
    });

    it("refuses keys without the clustermesh: namespace, and config written outside config:, with a did-you-mean", () => {
        const cfg = stackConfig(east) as Record<string, unknown>;
        const { problems } = printed(
            write({
                "Pulumi.west.yaml": west,
                "Pulumi.east.yaml": stringify({ config: { ...cfg, cilium: { version: "1.19.6" } } }),
                "Pulumi.north.yaml": stringify({ config: stackConfig({ stack: "north", id: 3 }), "clustermesh:mesh": { link: true } }),
            }),
        );
        assert.ok(problems.some((p) => /^Pulumi\.east\.yaml: cilium .*has no namespace.*did you mean clustermesh:cilium\?/.test(p)), problems.join("\n"));
        assert.ok(problems.some((p) => /^Pulumi\.north\.yaml: clustermesh:mesh .*not a key of a Pulumi stack file.*did you mean to put it under config:\?/.test(p)), problems.join("\n"));
    });

    it("a missing folder and a folder without stack files are problems, not an empty mesh", () => {
        assert.match(printed(path.join(os.tmpdir(), "clustermesh-no-such-folder-19")).problems.join(), /\(project folder\) does not exist/);
        assert.match(printed(write({})).problems.join(), /\(project folder\) holds no stack file/);
    });

    it("outside git, which file a clash blames does not follow modification times", () => {
        const blame = (older: string) => {
            const dir = write({ "Pulumi.west.yaml": west, "Pulumi.east.yaml": { ...east, cluster: { podCIDR: "10.11.0.0/16" } } });
            const newer = older === "Pulumi.west.yaml" ? "Pulumi.east.yaml" : "Pulumi.west.yaml";
            fs.utimesSync(path.join(dir, older), new Date(2020, 0, 1), new Date(2020, 0, 1));
            fs.utimesSync(path.join(dir, newer), new Date(2024, 0, 1), new Date(2024, 0, 1));
            return printed(dir).problems;
        };
        assert.deepEqual(blame("Pulumi.west.yaml"), blame("Pulumi.east.yaml"));
    });
});

describe("refusals print no secret and no raw newline (stacks/redact.ts)", () => {
    const pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----";
    it("a private key pasted into hostKey is refused without being echoed", () => {
        const problems = problemsOf([west, { ...east, k3s: { host: { address: "198.51.100.7", hostKey: pem } }, extra: { "clustermesh:sshPrivateKey": { secure: "x" } } }]);
        const hit = problems.find((p) => p.includes("clustermesh:k3s.host.hostKey"));
        assert.ok(hit, problems.join("\n"));
        assert.doesNotMatch(hit, /BEGIN|b3BlbnNz|PRIVATE KEY-/);
        assert.doesNotMatch(problems.join(""), /\n/);
    });
    it("a BGP password under a wrong key is refused without being echoed", () => {
        const problems = problemsOf([west, { ...east, bgp: { enabled: false, password: "hunter2-correct-horse" } }]);
        const hit = problems.find((p) => p.includes("clustermesh:bgp.password"));
        assert.ok(hit, problems.join("\n"));
        assert.doesNotMatch(hit, /hunter2/);
    });
    it("an unknown key's value shows a short prefix at most", () => {
        const problems = problemsOf([west, { ...east, cluster: { notes: "a long free-text value that goes on and on" } }]);
        const hit = problems.find((p) => p.includes("clustermesh:cluster.notes"));
        assert.ok(hit && hit.includes("a long free-text…") && !hit.includes("on and on"), hit);
    });
});

describe("what a component would refuse is refused first (stacks/member-rules.ts)", () => {
    const key = { "clustermesh:sshPrivateKey": { secure: "v1:x" } };
    const onHost = (spec: MemberSpec, host: Record<string, unknown>, agentHosts: unknown[] = []): MemberSpec => ({
        ...spec,
        cluster: { vpcCIDR: undefined, operatorCIDRs: undefined, region: undefined },
        k3s: { host, agentHosts },
        extra: key,
    });
    it("Cilium 1.99.0: a minor with no reference chart", () => {
        refused([{ ...west, cilium: { version: "1.99.0" } }, { ...east, cilium: { version: "1.99.0" } }], "Pulumi.west.yaml", "clustermesh:cilium.version", /Cilium 1\.99, which this program does not support/);
    });
    it("region us-wset-2, with the region it probably meant", () => {
        refused([west, { ...east, cluster: { region: "us-wset-2" } }], "Pulumi.east.yaml", "clustermesh:cluster.region", /not an AWS region.*did you mean us-west-2\?/);
    });
    it("k3s, EKS and kind versions outside the Kubernetes window", () => {
        refused([west, { ...east, k3s: { version: "v1.19.5+k3s1" } }], "Pulumi.east.yaml", "clustermesh:k3s.version", /Kubernetes 1\.19, outside 1\.3\d-1\.3\d, the minors Cilium 1\.\d+ is tested on/);
        refused([west, { ...east, kind: "eks", eks: { version: "1.99" } }], "Pulumi.east.yaml", "clustermesh:eks.version", /Kubernetes 1\.99/);
        refused([{ ...west, kind: "kind" }, { ...east, kind: "kind", cilium: { apiserverNodePort: 32380 }, kindNodes: { nodeImage: "kindest/node:v1.21.1" } }], "Pulumi.east.yaml", "clustermesh:kind.nodeImage", /Kubernetes 1\.21/);
    });
    it("version numbers with a leading zero, which Helm, k3s and EKS would not read as the number the checks saw", () => {
        const both = (cilium: Record<string, unknown>) => [{ ...west, cilium }, { ...east, cilium: { ...cilium, apiserverNodePort: 32380 } }];
        refused(both({ version: "1.019.6" }), "Pulumi.west.yaml", "clustermesh:cilium.version", /is not a Cilium release such as 1\.20\.0/);
        refused(both({ version: "1.20.00" }), "Pulumi.west.yaml", "clustermesh:cilium.version", /is not a Cilium release/);
        refused(both({ chart: "/charts/cilium-1.020.0.tgz" }), "Pulumi.west.yaml", "clustermesh:cilium.chart", /is not a Cilium chart archive/);
        refused([west, { ...east, k3s: { version: "v1.033.5+k3s1" } }], "Pulumi.east.yaml", "clustermesh:k3s.version", /is not a k3s release/);
        refused([west, { ...east, kind: "eks", eks: { version: "1.033" } }], "Pulumi.east.yaml", "clustermesh:eks.version", /is not a Kubernetes minor version/);
    });
    it("an Arm instance type for the k3s VMs (Ubuntu amd64 image)", () => {
        refused([west, { ...east, k3s: { instanceType: "t4g.medium" } }], "Pulumi.east.yaml", "clustermesh:k3s.instanceType", /Arm \(Graviton\)/);
        refused([west, { ...east, k3s: { instanceType: "a1.large" } }], "Pulumi.east.yaml", "clustermesh:k3s.instanceType", /Arm \(Graviton\)/);
    });
    it("a blank SSH user, and a host name without a node IP", () => {
        refused([west, onHost(east, { address: "198.51.100.7", user: " " })], "Pulumi.east.yaml", "clustermesh:k3s.host.user", /is blank/);
        refused([west, onHost(east, { address: "k3s.example.com" })], "Pulumi.east.yaml", "clustermesh:k3s.host.address", /not an IP address.*privateAddress/);
    });
    it("minSize > maxSize, and desiredSize outside them", () => {
        refused([west, { ...east, kind: "eks", eks: { minSize: 4, maxSize: 2 } }], "Pulumi.east.yaml", "clustermesh:eks.minSize", /larger than maxSize 2/);
        refused([west, { ...east, kind: "eks", eks: { desiredSize: 5, maxSize: 3 } }], "Pulumi.east.yaml", "clustermesh:eks.desiredSize", /outside minSize 1 to maxSize 3/);
    });
    it("two stacks on one existing host", () => {
        refused([onHost(west, { address: "198.51.100.7" }), onHost(east, { address: "198.51.100.7" })], "Pulumi.east.yaml", "clustermesh:k3s.host.address", /also clustermesh:k3s\.host\.address of west/);
        refused([west, onHost(east, { address: "198.51.100.7", privateAddress: "192.168.1.7" }, [{ address: "198.51.100.8", privateAddress: "192.168.1.7" }])], "Pulumi.east.yaml", "clustermesh:k3s.agentHosts[0].privateAddress", /also this stack's clustermesh:k3s\.host\.privateAddress/);
    });
});
