/**
 * `pulumi-resource-aws` for the engine tests only (never shipped, never a provider for users):
 * pulumi-aws's provider cannot be built from Go modules (it compiles against a locally patched
 * Terraform provider), so the real engine talks to this one instead. It answers for the types in
 * ./resources.ts and the data sources below with deterministic outputs: an id is the type's AWS
 * prefix and a hash of the URN, so two runs (and two machines) agree, and a second `up` has
 * nothing to change. Started by the CLI as a plugin (see scripts/engine/README.md).
 *
 * With CLUSTERMESH_ENGINE_MOTO_ENDPOINT set (the engine test's `aws` group starts moto_server),
 * the EC2 types of ./moto-types.ts are created and deleted in moto instead: ids are moto's and
 * AWS's rules are enforced (an AWS error fails the operation with AWS's code and message). A
 * preview never calls moto, so previews are the same with or without it.
 */
import { type Failure, type Props, type ResourceType, UNKNOWN, serve, str, urnName, urnType } from "../providers/server";
import { ACCOUNT_ID, AWS_DATA_SOURCES, hash, region } from "./data-sources";
import { ec2Client, motoEndpoint } from "./moto";
import { MOTO_TYPES, type MotoContext, motoDataSources, retag } from "./moto-types";
import { AWS_TYPES, type AwsType } from "./resources";

/** The version @pulumi/aws in package-lock.json asks for (the engine matches it exactly). */
export const AWS_VERSION = "7.48.0";

function service(token: string): string {
    const mod = token.split(":")[1]?.split("/")[0] ?? "";
    return mod === "ec2transitgateway" || mod === "vpc" ? "ec2" : mod;
}

function idFor(t: AwsType, urn: string, inputs: Props, reg: string): string {
    const name = str(inputs.name ?? inputs.keyName ?? inputs.nodeGroupName ?? inputs.addonName ?? urnName(urn));
    switch (t.id) {
        case "name":
            return urnType(urn) === "aws:eks/addon:Addon" || urnType(urn) === "aws:eks/nodeGroup:NodeGroup" ? `${str(inputs.clusterName)}:${name}` : name;
        case "arn":
            return `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${str(inputs.url).replace(/^https:\/\//, "")}`;
        case "uuid": {
            const h = hash(urn, 32);
            return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
        }
        default:
            return `${t.id}${hash(`${reg}/${urn}`, 17)}`;
    }
}

/** Deterministic values for what AWS computes. */
function computed(t: AwsType, token: string, id: string, inputs: Props, reg: string): Props {
    const out: Props = {};
    const svc = service(token);
    const kind = token.split(":")[2]?.replace(/^[A-Z]/, (c) => c.toLowerCase()) ?? "";
    for (const k of t.computed) {
        switch (k) {
            case "arn":
                out.arn = svc === "iam" ? `arn:aws:iam::${ACCOUNT_ID}:${kind}/${id}` : `arn:aws:${svc}:${reg}:${ACCOUNT_ID}:${kind}/${id}`;
                break;
            case "tagsAll":
                out.tagsAll = inputs.tags ?? {};
                break;
            case "ownerId":
            case "vpcOwnerId":
            case "instanceOwnerId":
                out[k] = ACCOUNT_ID;
                break;
            case "privateIp":
                out.privateIp = inputs.privateIp ?? `10.${parseInt(hash(id, 2), 16) % 256}.0.${(parseInt(hash(id + "h", 2), 16) % 250) + 4}`;
                break;
            case "publicIp":
                out.publicIp = `203.0.113.${(parseInt(hash(id, 2), 16) % 250) + 4}`;
                break;
            case "endpoint":
                out.endpoint = `https://${hash(id, 32).toUpperCase()}.gr7.${reg}.eks.amazonaws.com`;
                break;
            case "certificateAuthority":
                out.certificateAuthority = { data: Buffer.from(`engine-test CA for ${id}`).toString("base64") };
                break;
            case "identities":
                out.identities = [{ oidcs: [{ issuer: `https://oidc.eks.${reg}.amazonaws.com/id/${hash(id, 32).toUpperCase()}` }] }];
                break;
            case "status":
            case "state":
            case "instanceState":
                out[k] = k === "instanceState" ? "running" : "ACTIVE";
                break;
            case "acceptStatus":
                out.acceptStatus = "active";
                break;
            default:
                out[k] = inputs[k] ?? `${k}-${hash(`${id}/${k}`, 12)}`;
        }
    }
    return out;
}

/** A type created in moto: the deterministic outputs first, what moto answered over them. */
function motoResourceType(token: string, t: AwsType, endpoint: string): ResourceType {
    const m = MOTO_TYPES[token];
    const ec2 = ec2Client(endpoint);
    const mctx = (ctx: { config: Readonly<Record<string, string>>; urn: string }): MotoContext => ({ ec2, region: region(ctx.config), urn: ctx.urn });
    const base = resourceType(token, t);
    return {
        ...base,
        async create(inputs, ctx) {
            if (ctx.preview) return base.create(inputs, ctx);
            const { id, outs } = await m.create(inputs, mctx(ctx));
            return { id, outs: { ...inputs, ...computed(t, token, id, inputs, region(ctx.config)), ...outs } };
        },
        async update(id, olds, news, ctx) {
            // Only tags change in place here (every other change the program makes replaces, per
            // resources.ts); what AWS computed at create stays as it was, so ids never move.
            if (!ctx.preview && m.tags) await retag(mctx(ctx), id, olds.tags, news.tags);
            return { ...olds, ...news, ...("tagsAll" in olds ? { tagsAll: news.tags ?? {} } : {}) };
        },
        async delete(id, outs, ctx) {
            await m.delete(id, outs, mctx(ctx));
        },
        async read(id, outs, ctx) {
            if (m.current) {
                const now = await m.current(id, outs, mctx(ctx));
                return now && { ...outs, ...now };
            }
            if (!m.exists) return outs;
            return (await m.exists(id, outs, mctx(ctx))) ? outs : undefined;
        },
    };
}

function resourceType(token: string, t: AwsType): ResourceType {
    return {
        replaceOnChanges: t.replace,
        check(news): Failure[] {
            return t.required.filter((k) => news[k] === undefined || news[k] === null).map((k) => ({ property: k, reason: `Missing required argument: ${k} is required by ${token}` }));
        },
        create(inputs, ctx) {
            const reg = region(ctx.config);
            if (ctx.preview) return { id: "", outs: { ...inputs, ...Object.fromEntries(t.computed.map((k) => [k, inputs[k] ?? UNKNOWN])) } };
            const id = idFor(t, ctx.urn, inputs, reg);
            return { id, outs: { ...inputs, ...computed(t, token, id, inputs, reg) } };
        },
        update(id, olds, news, ctx) {
            const reg = region(ctx.config);
            return { ...olds, ...news, ...computed(t, token, id, news, reg) };
        },
        delete() {
            // Nothing outside this process holds the resource.
        },
    };
}

const moto = motoEndpoint();

void serve({
    name: "aws",
    version: AWS_VERSION,
    resources: Object.fromEntries(Object.entries(AWS_TYPES).map(([token, t]) => [token, moto && token in MOTO_TYPES ? motoResourceType(token, t, moto) : resourceType(token, t)])),
    invokes: moto ? { ...AWS_DATA_SOURCES, ...motoDataSources(ec2Client(moto), region) } : AWS_DATA_SOURCES,
});
