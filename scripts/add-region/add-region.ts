/**
 * Adds a member to the mesh by writing its stack file: the next free cluster id, the next free
 * ranges (from `clustermesh:mesh.addressing` when the mesh plans them), everything else copied
 * from an existing member, then the whole mesh validated. Nothing is written when anything is
 * wrong.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ciliumAtLeast, isClusterName } from "../../lib/cilium-version";
import { AddressingError, planNewMember, type NewMemberAddresses } from "../../stacks/addressing";
import { inspectMesh } from "../../stacks";
import { isAwsBuilt } from "../../stacks/build";
import { loadStacks, stackFileNames, stackNameOf, type MeshMember } from "../../stacks/load";
import { Suggestions } from "../../stacks/suggest";
import { factsOfMember } from "../../stacks/validate";
import { formatProblem, sortProblems } from "../../stacks/problems";

export interface AddRegionOptions {
    /** Stack and cluster name of the new member. */
    readonly name: string;
    /** AWS region it is built in. */
    readonly region: string;
    /** Cluster kind; default: the template's. */
    readonly kind?: "k3s" | "eks";
    /** Stack whose file is copied; default: the AWS-built member of the same kind with the highest id. */
    readonly from?: string;
}

export interface AddedRegion {
    readonly file: string;
    readonly template: string;
    readonly addresses: NewMemberAddresses;
    /** What to run next, one command a line. */
    readonly next: string[];
}

/** The region cannot be added; the message says why and what to do. */
export class AddRegionError extends Error {}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

function chooseTemplate(members: readonly MeshMember[], options: AddRegionOptions): MeshMember {
    if (options.from !== undefined) {
        const named = members.find((m) => m.stack === options.from);
        if (!named) {
            throw new AddRegionError(`--from ${options.from} is not a mesh member; members are ${members.map((m) => m.stack).join(", ")}`);
        }
        return named;
    }
    const byIdDown = [...members].sort((a, b) => b.cluster.id - a.cluster.id);
    const aws = byIdDown.filter(isAwsBuilt);
    const template = aws.find((m) => options.kind === undefined || m.cluster.kind === options.kind) ?? aws[0] ?? byIdDown[0];
    if (!template) {
        throw new AddRegionError("the project has no mesh member to copy; write the first stack file by hand (README: Add a region)");
    }
    return template;
}

/** A free clustermesh-apiserver NodePort when the mesh needs one per cluster (kube-proxy replacement before 1.18.2, cilium #24692). */
function nodePortFor(members: readonly MeshMember[], template: MeshMember): number | undefined {
    if (!template.cilium.kubeProxyReplacement || ciliumAtLeast(template.cilium.version, 1, 18, 2)) {
        return undefined;
    }
    const port = new Suggestions(members.map(factsOfMember)).nodePort();
    if (port === undefined) {
        throw new AddRegionError("every NodePort 30000-32767 is taken by a member; use Cilium 1.18.2 or later, where members may share one (cilium #24692)");
    }
    return port;
}

/** Writes `Pulumi.<name>.yaml` into `dir` and returns what was decided. Throws AddRegionError, writing nothing, when it cannot. */
export function addRegion(dir: string, options: AddRegionOptions): AddedRegion {
    const problems: string[] = [];
    if (!isClusterName(options.name)) {
        problems.push(`--name ${options.name} is not a Cilium cluster name (at most 32 lower-case alphanumerics and '-', starting and ending alphanumeric)`);
    }
    if (!REGION.test(options.region)) {
        problems.push(`--region ${options.region} is not an AWS region name such as us-west-2`);
    }
    const taken = stackFileNames(dir).find((f) => stackNameOf(f) === options.name);
    if (taken) {
        problems.push(`${taken} exists already; pick another --name, or edit that file`);
    }
    const loaded = loadStacks(dir);
    const clash = loaded.members.find((m) => m.cluster.name === options.name);
    if (clash) {
        problems.push(`cluster name ${options.name} is already used by ${clash.file}; pick another --name`);
    }
    if (loaded.problems.length > 0) {
        problems.push(`the mesh has problems already; fix them first:\n${sortProblems(loaded.problems).map(formatProblem).join("\n")}`);
    }
    if (problems.length > 0) {
        throw new AddRegionError(problems.join("\n"));
    }
    const template = chooseTemplate(loaded.members, options);
    const kind = options.kind ?? template.cluster.kind;
    const eni = kind === "eks" && template.cilium.ipam === "eni";
    let addresses: NewMemberAddresses;
    try {
        addresses = planNewMember(loaded.members, template, eni);
    } catch (err) {
        throw err instanceof AddressingError ? new AddRegionError(err.message) : err;
    }

    const raw = parse(fs.readFileSync(path.join(dir, template.file), "utf8")) as { config?: Record<string, unknown> };
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw.config ?? {})) {
        // Secrets are encrypted per stack; a copy would not decrypt in the new one.
        if (value !== null && typeof value === "object" && "secure" in value) continue;
        config[key] = value;
    }
    const templateCluster = (config["clustermesh:cluster"] ?? {}) as Record<string, unknown>;
    config["clustermesh:cluster"] = {
        ...templateCluster,
        name: options.name,
        id: addresses.id,
        kind,
        region: options.region,
        vpcCIDR: addresses.vpcCIDR,
        podCIDR: addresses.podCIDR,
        serviceCIDR: addresses.serviceCIDR,
    };
    // A new member comes up unlinked (README: Bootstrap order); `npm run mesh -- up` links it.
    config["clustermesh:mesh"] = { ...((config["clustermesh:mesh"] ?? {}) as Record<string, unknown>), link: false };
    const k3s = { ...((config["clustermesh:k3s"] ?? {}) as Record<string, unknown>) };
    delete k3s.host;
    delete k3s.agentHosts;
    if (kind === "k3s" && Object.keys(k3s).length > 0) config["clustermesh:k3s"] = k3s;
    else delete config["clustermesh:k3s"];
    if (kind !== "eks") delete config["clustermesh:eks"];
    const nodePort = nodePortFor(loaded.members, template);
    if (nodePort !== undefined) {
        config["clustermesh:cilium"] = { ...((config["clustermesh:cilium"] ?? {}) as Record<string, unknown>), apiserverNodePort: nodePort };
    }

    const file = `Pulumi.${options.name}.yaml`;
    const target = path.join(dir, file);
    fs.writeFileSync(target, stringify({ config }), { flag: "wx" });
    const check = inspectMesh(dir);
    if (check.problems.length > 0) {
        fs.rmSync(target);
        throw new AddRegionError(`the mesh would not validate with ${file}, so it was not written:\n${sortProblems(check.problems).map(formatProblem).join("\n")}`);
    }
    return {
        file,
        template: template.stack,
        addresses,
        next: [
            `npm run plan -- --stack ${options.name}`,
            `git add ${file}`,
            `pulumi stack init ${options.name}`,
            `npm run mesh -- up --stacks ${options.name}`,
        ],
    };
}
