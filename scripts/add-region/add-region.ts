/**
 * Adds a member to the mesh by writing its stack file: the next free cluster id, the next free
 * ranges (from `clustermesh:mesh.addressing` when the mesh plans them), everything else copied
 * from an existing member, then the whole mesh validated. Nothing is written when anything is
 * wrong.
 */
import * as fs from "fs";
import * as path from "path";
import { isMap, parseDocument, type Document } from "yaml";
import { ciliumAtLeast, isClusterName } from "../../lib/cilium-version";
import { AddressingError, planNewMember, type NewMemberAddresses } from "../../stacks/addressing";
import { inspectMesh } from "../../stacks";
import { isAwsBuilt } from "../../stacks/build";
import { loadStacks, stackFileNames, stackNameOf, type MeshMember } from "../../stacks/load";
import { Suggestions } from "../../stacks/suggest";
import { factsOfMember } from "../../stacks/validate";
import { formatProblem, sortProblems } from "../../stacks/problems";
import { placeholdersOf, type PlaceholderWarning } from "../../stacks/placeholders";

export interface AddRegionOptions {
    /** Stack and cluster name of the new member. */
    readonly name: string;
    /** AWS region it is built in. */
    readonly region: string;
    /** Cluster kind; default: the template's. */
    readonly kind?: "k3s" | "eks";
    /** Stack whose file is copied; default: the AWS-built member of the same kind with the highest id. */
    readonly from?: string;
    /** How the user named the project directory (`--dir`), repeated in the next steps; none: the current one. */
    readonly dirArg?: string;
}

export interface AddedRegion {
    readonly file: string;
    readonly template: string;
    readonly addresses: NewMemberAddresses;
    /** What to run next, one command a line. */
    readonly next: string[];
    /** Placeholders the new file carries (copied from the template): a real deploy needs real values there. */
    readonly placeholders: PlaceholderWarning[];
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

    // The template as a YAML document, so its comments (why a value is what it is) carry over.
    const doc = parseDocument(fs.readFileSync(path.join(dir, template.file), "utf8"));
    const config = doc.get("config");
    if (!isMap(config)) {
        throw new AddRegionError(`${template.file} has no config map to copy`);
    }
    for (const item of [...config.items]) {
        // Secrets are encrypted per stack; a copy would not decrypt in the new one.
        const value = doc.getIn(["config", item.key]);
        if (isMap(value) && value.has("secure")) {
            doc.deleteIn(["config", item.key]);
        }
    }
    const setIn = (section: string, key: string, value: unknown) => {
        if (!doc.hasIn(["config", section])) {
            doc.setIn(["config", section], doc.createNode({}));
        }
        doc.setIn(["config", section, key], value);
    };
    setIn("clustermesh:cluster", "name", options.name);
    setIn("clustermesh:cluster", "id", addresses.id);
    setIn("clustermesh:cluster", "kind", kind);
    setIn("clustermesh:cluster", "region", options.region);
    setIn("clustermesh:cluster", "vpcCIDR", addresses.vpcCIDR);
    setIn("clustermesh:cluster", "podCIDR", addresses.podCIDR);
    setIn("clustermesh:cluster", "serviceCIDR", addresses.serviceCIDR);
    // A new member comes up unlinked (README: Bootstrap order); `clustermesh mesh up` links it.
    setIn("clustermesh:mesh", "link", false);
    for (const key of ["host", "agentHosts"]) {
        if (doc.hasIn(["config", "clustermesh:k3s", key])) doc.deleteIn(["config", "clustermesh:k3s", key]);
    }
    const k3s = doc.getIn(["config", "clustermesh:k3s"]);
    if (k3s !== undefined && (kind !== "k3s" || (isMap(k3s) && k3s.items.length === 0))) {
        doc.deleteIn(["config", "clustermesh:k3s"]);
    }
    if (kind !== "eks" && doc.hasIn(["config", "clustermesh:eks"])) doc.deleteIn(["config", "clustermesh:eks"]);
    const nodePort = nodePortFor(loaded.members, template);
    if (nodePort !== undefined) {
        setIn("clustermesh:cilium", "apiserverNodePort", nodePort);
    }
    retitle(doc, template.stack, options.name);

    const file = `Pulumi.${options.name}.yaml`;
    const target = path.join(dir, file);
    const text = doc.toString();
    fs.writeFileSync(target, text, { flag: "wx" });
    const check = inspectMesh(dir);
    if (check.problems.length > 0) {
        fs.rmSync(target);
        throw new AddRegionError(`the mesh would not validate with ${file}, so it was not written:\n${sortProblems(check.problems).map(formatProblem).join("\n")}`);
    }
    const dirFlag = options.dirArg !== undefined ? ` --dir ${shellWord(options.dirArg)}` : "";
    return {
        file,
        template: template.stack,
        addresses,
        next: [
            `clustermesh plan --stack ${options.name}${dirFlag}`,
            `git add ${options.dirArg !== undefined ? shellWord(path.join(options.dirArg, file)) : file}`,
            `pulumi stack init ${options.name}${options.dirArg !== undefined ? ` --cwd ${shellWord(options.dirArg)}` : ""}`,
            `clustermesh mesh up --stacks ${options.name}${dirFlag}`,
        ],
        placeholders: placeholdersOf(file, doc.toJS()),
    };
}

/** `word` as one shell word: as is when plain, else single-quoted. */
function shellWord(word: string): string {
    return /^[A-Za-z0-9_./:@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * The template's head comment names it ("The east member of the mesh ..."); the copy's says
 * where it came from instead, the rest of the comment kept.
 */
function retitle(doc: Document, from: string, to: string): void {
    const note = ` Pulumi.${to}.yaml: written by clustermesh add-region from Pulumi.${from}.yaml; the comments below are that file's.`;
    doc.commentBefore = doc.commentBefore ? `${note}\n${doc.commentBefore}` : note;
}
