/**
 * A resource-provider plugin server for the engine tests' stand-in providers (aws, tls, random,
 * command): the `pulumirpc.ResourceProvider` gRPC service (the Node.js SDK's generated
 * `@pulumi/pulumi/proto/provider_grpc_pb`), started the way the CLI starts every plugin: the
 * engine's address as the last argument, the port printed on stdout
 * (sdk/v3 go/common/resource/plugin/plugin.go).
 *
 * Written on the raw service rather than `@pulumi/pulumi/provider`'s `main`, because that one
 * drops the provider's configuration (`Configure` ignores its variables: a region is lost) and
 * never previews. Here a provider gets its configuration, `preview` on create/update, and the
 * engine's unknown value as `UNKNOWN`. Secrets are not accepted (`acceptSecrets: false`): the
 * engine then strips them on the way in and marks the matching outputs secret again on the way
 * out, so a provider never needs to know about them.
 */
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";

/** The engine's wire value for "not known until apply" (sdk/v3 go/common/resource/plugin/rpc.go UnknownStringValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;

/** A problem with one input, as the engine prints it beside the resource. */
export interface Failure {
    readonly property: string;
    readonly reason: string;
}

/** What a resource type implements. `check` defaults to accepting the inputs as they are. */
export interface ResourceType {
    /** Input names whose change means a new resource (ForceNew in the upstream schema). */
    readonly replaceOnChanges?: readonly string[];
    check?(news: Props, olds: Props): Failure[];
    /** Outputs for a new resource; in a preview, unknown computed outputs are `UNKNOWN`. */
    create(inputs: Props, ctx: CallContext): Promise<{ id: string; outs: Props }> | { id: string; outs: Props };
    update?(id: string, olds: Props, news: Props, ctx: CallContext): Promise<Props> | Props;
    delete?(id: string, outs: Props, ctx: CallContext): Promise<void> | void;
    /** The resource as it is now, or undefined if it is gone (a refresh then drops it). */
    read?(id: string, outs: Props, ctx: CallContext): Promise<Props | undefined>;
}

/** A data source (invoke). */
export type Invoke = (args: Props, ctx: CallContext) => Promise<Props> | Props;

export interface CallContext {
    /** The provider's configuration (`aws:region` and the like, or an explicit provider's inputs), by key without the package prefix. */
    readonly config: Readonly<Record<string, string>>;
    readonly preview: boolean;
    readonly urn: string;
}

export interface ProviderDefinition {
    readonly name: string;
    readonly version: string;
    /** By type token, e.g. `aws:ec2/vpc:Vpc`. */
    readonly resources: Readonly<Record<string, ResourceType>>;
    readonly invokes?: Readonly<Record<string, Invoke>>;
}

/** The type token of a URN (`urn:pulumi:stack::project::parent$type::name`). */
export function urnType(urn: string): string {
    const qualified = urn.split("::")[2] ?? "";
    return qualified.split("$").pop() ?? "";
}

/** The resource name of a URN. */
export function urnName(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

export function isUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(isUnknown);
    if (value !== null && typeof value === "object") return Object.values(value).some(isUnknown);
    return false;
}

/** Stable JSON (keys sorted by code point) for comparing property values. */
export function stableJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((value as Props)[k])}`).join(",")}}`;
    }
    return JSON.stringify(value ?? null);
}

/** An error the engine shows as the operation's failure. */
export class ProviderError extends Error {}

function struct(props: Props | undefined): structproto.Struct {
    // undefined is not a protobuf value: drop it.
    return structproto.Struct.fromJavaScript(JSON.parse(JSON.stringify(props ?? {})));
}

function plain(s: structproto.Struct | undefined): Props {
    return s?.toJavaScript() ?? {};
}

/** A property value as text: strings as they are, anything else as JSON ("" when absent). */
export function str(value: unknown): string {
    if (value === undefined || value === null) return "";
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return `${value}`;
    return JSON.stringify(value);
}

type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

function fail(callback: Callback<never>, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    callback({ name: "ProviderError", message, code: grpc.status.UNKNOWN, details: message, metadata: new grpc.Metadata() });
}

/** Serves `def` as a plugin; resolves once the port is printed. */
export async function serve(def: ProviderDefinition, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
    let config: Record<string, string> = {};
    const typeOf = (urn: string): ResourceType => {
        const t = def.resources[urnType(urn)];
        if (!t) throw new ProviderError(`${def.name} (engine-test provider): resource type ${urnType(urn)} is not implemented here`);
        return t;
    };
    const ctx = (urn: string, preview: boolean): CallContext => ({ config, preview, urn });

    const impl: Record<string, (call: { request: never }, callback: Callback<never>) => void> = {};
    const method = <Req, Res>(name: string, fn: (req: Req) => Promise<Res> | Res) => {
        impl[name] = (call, callback) => {
            Promise.resolve()
                .then(() => fn(call.request as Req))
                .then((res) => (callback as Callback<Res>)(null, res))
                .catch((err: unknown) => fail(callback, err));
        };
    };

    method("getPluginInfo", () => new plugproto.PluginInfo().setVersion(def.version));
    method("getSchema", () => new provproto.GetSchemaResponse().setSchema(JSON.stringify({ name: def.name, version: def.version })));
    method("checkConfig", (req: provproto.CheckRequest) => new provproto.CheckResponse().setInputs(req.getNews()));
    method("diffConfig", (req: provproto.DiffRequest) => {
        const changed = stableJson(plain(req.getOlds())) !== stableJson(plain(req.getNews()));
        return new provproto.DiffResponse().setChanges(changed ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
    });
    method("configure", (req: provproto.ConfigureRequest) => {
        const vars: Record<string, string> = {};
        req.getVariablesMap().forEach((value, key) => {
            // `aws:config:region` → `region`
            vars[key.split(":").pop() ?? key] = value;
        });
        for (const [key, value] of Object.entries(plain(req.getArgs()))) {
            if (typeof value === "string") vars[key] = value;
            else if (value !== undefined && value !== null && key !== "version") vars[key] = JSON.stringify(value);
        }
        config = vars;
        return new provproto.ConfigureResponse().setAcceptsecrets(false).setAcceptresources(false).setSupportspreview(true).setAcceptoutputs(false);
    });
    method("check", (req: provproto.CheckRequest) => {
        const news = plain(req.getNews());
        const failures = typeOf(req.getUrn()).check?.(news, plain(req.getOlds())) ?? [];
        return new provproto.CheckResponse()
            .setInputs(struct(news))
            .setFailuresList(failures.map((f) => new provproto.CheckFailure().setProperty(f.property).setReason(f.reason)));
    });
    method("diff", (req: provproto.DiffRequest) => {
        const t = typeOf(req.getUrn());
        const olds = plain(req.getOldInputs() ?? req.getOlds());
        const news = plain(req.getNews());
        const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].sort();
        const diffs = keys.filter((k) => stableJson(olds[k]) !== stableJson(news[k]));
        const replaces = diffs.filter((k) => (t.replaceOnChanges ?? []).includes(k));
        return new provproto.DiffResponse()
            .setChanges(diffs.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE)
            .setDiffsList(diffs)
            .setReplacesList(replaces);
    });
    method("create", async (req: provproto.CreateRequest) => {
        const { id, outs } = await typeOf(req.getUrn()).create(plain(req.getProperties()), ctx(req.getUrn(), req.getPreview()));
        return new provproto.CreateResponse().setId(req.getPreview() ? "" : id).setProperties(struct(outs));
    });
    method("update", async (req: provproto.UpdateRequest) => {
        const t = typeOf(req.getUrn());
        const olds = plain(req.getOlds());
        const news = plain(req.getNews());
        const outs = t.update ? await t.update(req.getId(), olds, news, ctx(req.getUrn(), req.getPreview())) : { ...olds, ...news };
        return new provproto.UpdateResponse().setProperties(struct(outs));
    });
    method("delete", async (req: provproto.DeleteRequest) => {
        await typeOf(req.getUrn()).delete?.(req.getId(), plain(req.getProperties()), ctx(req.getUrn(), false));
        return new emptyproto.Empty();
    });
    method("read", async (req: provproto.ReadRequest) => {
        const t = typeOf(req.getUrn());
        const outs = plain(req.getProperties());
        const now = t.read ? await t.read(req.getId(), outs, ctx(req.getUrn(), false)) : outs;
        const res = new provproto.ReadResponse();
        if (now === undefined) return res; // no id: gone
        return res.setId(req.getId()).setProperties(struct(now)).setInputs(req.getInputs() ?? struct({}));
    });
    method("invoke", async (req: provproto.InvokeRequest) => {
        const fn = def.invokes?.[req.getTok()];
        if (!fn) throw new ProviderError(`${def.name} (engine-test provider): function ${req.getTok()} is not implemented here`);
        const out = await fn(plain(req.getArgs()), { config, preview: req.getPreview(), urn: "" });
        return new provproto.InvokeResponse().setReturn(struct(out));
    });
    method("cancel", () => new emptyproto.Empty());
    method("attach", () => new emptyproto.Empty());

    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    server.addService(provrpc.ResourceProviderService, impl as unknown as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    void argv; // the engine's address: these providers call nothing back
    process.stdout.write(`${port}\n`);
}
