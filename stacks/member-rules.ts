/**
 * What a component would refuse of one member, checked here first, for every member, with the
 * file, the key, the value and the fix: versions inside what the program supports, regions from
 * the AWS list, instance types the node image runs on, node counts in order, SSH users and node
 * addresses the install can use, and no host taken by two stacks. The components keep their own
 * checks as a second line; a property test (stacks/accepted-runs.test.ts) runs the program for
 * every generated configuration these rules accept.
 */
import { isAwsRegion, AWS_REGIONS } from "../lib/aws-regions";
import { parseAddress } from "../lib/cidr";
import { ciliumMinor, SUPPORTED_CILIUM_MINORS } from "../lib/cilium-version";
import { INSTANCE_TYPE, isArmInstanceType } from "../lib/instance-types";
import { kubernetesVersionProblem } from "../lib/kubernetes-versions";
import { byCodePoint } from "../lib/order";
import { isAwsBuilt } from "./build";
import type { MeshMember } from "./load";
import type { Problem } from "./problems";

/** The region closest to a typo (`us-wset-2` -> `us-west-2`), by edit distance. */
function closestRegion(region: string): string | undefined {
    const distance = (a: string, b: string): number => {
        const row = Array.from({ length: b.length + 1 }, (_, i) => i);
        for (let i = 1; i <= a.length; i++) {
            let previous = row[0];
            row[0] = i;
            for (let j = 1; j <= b.length; j++) {
                const current = row[j];
                row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.length];
    };
    const best = [...AWS_REGIONS].sort((a, b) => distance(region, a) - distance(region, b) || byCodePoint(a, b))[0];
    return distance(region, best) <= 3 ? best : undefined;
}

function checkMember(m: MeshMember): Problem[] {
    const problems: Problem[] = [];
    const problem = (key: string, value: unknown, message: string, fix: string) => problems.push({ file: m.file, key, value, message, fix });
    const minor = ciliumMinor(m.cilium.version);
    const supported = SUPPORTED_CILIUM_MINORS.some((r) => r.minor === minor);

    if (isAwsBuilt(m) && m.cluster.region !== undefined && !isAwsRegion(m.cluster.region)) {
        const meant = closestRegion(m.cluster.region);
        problem("clustermesh:cluster.region", m.cluster.region, "is not an AWS region of the aws partition (lib/aws-regions.ts)", meant ? `did you mean ${meant}?` : "use a region such as us-west-2");
    }
    if (m.cluster.kind === "k3s") {
        const k8s = supported ? kubernetesVersionProblem(m.k3s.version, minor) : undefined;
        if (k8s) problem("clustermesh:k3s.version", m.k3s.version, k8s, "use e.g. v1.33.5+k3s1");
        if (m.k3s.host === undefined) {
            const type = m.k3s.instanceType;
            if (!INSTANCE_TYPE.test(type)) {
                problem("clustermesh:k3s.instanceType", type, "is not an EC2 instance type", "use e.g. t3.medium");
            } else if (isArmInstanceType(type)) {
                problem("clustermesh:k3s.instanceType", type, "is an Arm (Graviton) type, and the k3s VMs run an Ubuntu amd64 image", "use an x86 type such as t3.medium (EKS members take Arm types: their AMI follows the instance type)");
            }
        }
        const hosts = m.k3s.host ? [["host", m.k3s.host] as const, ...m.k3s.agentHosts.map((h, i) => [`agentHosts[${i}]`, h] as const)] : [];
        for (const [field, host] of hosts) {
            if (host.user.trim() === "" || /\s/.test(host.user)) {
                problem(`clustermesh:k3s.${field}.user`, host.user, host.user.trim() === "" ? "is blank" : "holds white space, which no SSH user name does", "give an SSH user with passwordless sudo, e.g. user: ubuntu (the default)");
            }
            if (host.address.trim() !== host.address || host.address.trim() === "") {
                problem(`clustermesh:k3s.${field}.address`, host.address, "is blank or has white space around it", "give the address you SSH to, e.g. 198.51.100.7");
            }
            const nodeIp = host.privateAddress ?? host.address;
            if (!parseAddress(nodeIp)) {
                const key = host.privateAddress === undefined ? `clustermesh:k3s.${field}.address` : `clustermesh:k3s.${field}.privateAddress`;
                problem(key, nodeIp, "is not an IP address, and k3s's node-ip and the mesh's node addresses need one", `set clustermesh:k3s.${field}.privateAddress to the node's IP address`);
            }
        }
    }
    if (m.cluster.kind === "eks") {
        const k8s = supported ? kubernetesVersionProblem(m.eks.version, minor) : undefined;
        if (k8s) problem("clustermesh:eks.version", m.eks.version, k8s, "use e.g. 1.33");
        if (!INSTANCE_TYPE.test(m.eks.instanceType)) {
            problem("clustermesh:eks.instanceType", m.eks.instanceType, "is not an EC2 instance type", "use e.g. t3.large");
        }
        const { minSize, desiredSize, maxSize } = m.eks;
        if (minSize > maxSize) {
            problem("clustermesh:eks.minSize", minSize, `is larger than maxSize ${maxSize}`, `use minSize <= desiredSize <= maxSize, e.g. minSize: ${Math.min(minSize, maxSize)}`);
        } else if (desiredSize < minSize || desiredSize > maxSize) {
            problem("clustermesh:eks.desiredSize", desiredSize, `is outside minSize ${minSize} to maxSize ${maxSize}`, `use minSize <= desiredSize <= maxSize, e.g. desiredSize: ${Math.min(Math.max(desiredSize, minSize), maxSize)}`);
        }
    }
    if (m.cluster.kind === "kind") {
        const tag = /:(v\d+\.\d+\.\d+)(@|$)/.exec(m.kind.nodeImage)?.[1];
        const k8s = tag && supported ? kubernetesVersionProblem(tag, minor) : undefined;
        if (k8s) problem("clustermesh:kind.nodeImage", m.kind.nodeImage, k8s, "use e.g. kindest/node:v1.33.1");
    }
    return problems;
}

/**
 * Two stacks on one existing host would both install k3s there, each overwriting the other's
 * config.yaml and join token; one host listed twice in one stack would join itself. Each host
 * (by SSH address and by node address) belongs to one node of one member; the newer is told.
 */
function checkHostsTaken(members: readonly MeshMember[]): Problem[] {
    const problems: Problem[] = [];
    const owner = new Map<string, { member: MeshMember; key: string }>();
    const ordered = [...members].sort((a, b) => a.seniority - b.seniority || a.cluster.id - b.cluster.id || byCodePoint(a.file, b.file));
    for (const m of ordered) {
        if (m.cluster.kind !== "k3s" || !m.k3s.host) continue;
        const hosts = [["host", m.k3s.host] as const, ...m.k3s.agentHosts.map((h, i) => [`agentHosts[${i}]`, h] as const)];
        for (const [field, host] of hosts) {
            const names = [...new Set([`${host.address}:${host.port}`, ...(host.privateAddress ? [`node ${host.privateAddress}`] : [`node ${host.address}`])])];
            for (const name of names) {
                const key = `clustermesh:k3s.${field}.${name.startsWith("node ") && host.privateAddress ? "privateAddress" : "address"}`;
                const first = owner.get(name);
                if (first) {
                    const where = first.member === m ? `this stack's ${first.key}` : `${first.key} of ${first.member.cluster.name} (${first.member.file})`;
                    problems.push({
                        file: m.file,
                        key,
                        value: name.startsWith("node ") ? name.slice(5) : host.address,
                        message: `is also ${where}: two k3s installs on one host overwrite each other's config and join token`,
                        fix: "give every node of every stack a host of its own",
                    });
                    break;
                }
                owner.set(name, { member: m, key });
            }
        }
    }
    return problems;
}

export function checkMemberInputs(members: readonly MeshMember[]): Problem[] {
    return [...members.flatMap(checkMember), ...checkHostsTaken(members)];
}
