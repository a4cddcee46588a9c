/**
 * Pulumi's mock engine (`pulumi.runtime.setMocks`) wrapped to record what a program would
 * build: every resource with its type, name, parent, provider, dependencies, `deletedWith`
 * and which inputs are secret. It powers both `npm run plan` and the component tests, so
 * the tests check exactly what the plan shows.
 *
 * Cloud-assigned outputs (ids, addresses, kubeconfigs, certificates) are filled with
 * deterministic stand-ins derived from the resource's name and inputs: two runs of the same
 * program record byte-identical results.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { instancePrivateIp, loadBalancerInterfaceIp } from "./stand-ins";
import { formUrn, typeChainOf } from "./urn";

export interface RecordedResource {
    /**
     * The URN the real engine gives it: the parent's whole qualified type chain, `$`, its type
     * (the root stack never in the chain). The mock monitor's own URNs keep only the parent's
     * last type, so they are translated here (see `qualifiedType`).
     */
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** The id the mock engine assigned (`<name>-id`; a stack reference's is its name). */
    readonly id: string;
    /** Whether Pulumi manages it directly (false for component resources). */
    readonly custom: boolean;
    /** URN of the parent; undefined for the stack itself. */
    readonly parent?: string;
    /** URN of the explicit provider, when one was passed. */
    readonly provider?: string;
    /** Every resource it waits for: its inputs' resources and `dependsOn` (the state's `dependencies`). */
    readonly dependsOn: readonly string[];
    /** The ones only the `dependsOn` option adds (no input refers to them): the option as the program set it. */
    readonly explicitDependsOn: readonly string[];
    readonly deletedWith?: string;
    /** Resource options the real engine honours that the mocks would otherwise drop. */
    readonly ignoreChanges: readonly string[];
    readonly additionalSecretOutputs: readonly string[];
    /** `retainOnDelete`: Pulumi forgets the resource instead of deleting it. */
    readonly retainOnDelete?: boolean;
    /** `protect`: the engine refuses to delete (or replace) it. */
    readonly protect?: boolean;
    /** `deleteBeforeReplace`: a replacement deletes the old one first (a name or address that cannot exist twice). */
    readonly deleteBeforeReplace?: boolean;
    /** `replaceOnChanges`: inputs whose change replaces it although the provider would update in place. */
    readonly replaceOnChanges: readonly string[];
    /** `customTimeouts`, as the Go durations the engine reads ("20m"); only the ones set. */
    readonly customTimeouts?: Readonly<Partial<Record<"create" | "update" | "delete", string>>>;
    /** `aliases`: the former URNs the engine matches in the state, so a move is not a replace. */
    readonly aliases: readonly string[];
    /** Inputs with secrets unwrapped (see `secretInputs`). */
    readonly inputs: Record<string, unknown>;
    /** Top-level input names whose value is (or contains) a secret. */
    readonly secretInputs: readonly string[];
    /**
     * Every string the engine marks secret here: a secret input that is a string (a nested one
     * makes its whole top-level input secret on the wire, so only whole ones are seen), each
     * output named in `additionalSecretOutputs`, and the stack's secret config values. The plan
     * redacts these wherever they appear.
     */
    readonly secretValues: readonly string[];
    /**
     * Strings the mock engine made up where the cloud or cluster assigns the real value at deploy
     * (ids, addresses, certificates, command output, a peer's deployed outputs, data-source
     * answers): the plan marks every value that is, or holds, one of them as a stand-in.
     */
    readonly standInValues: readonly string[];
}

/** What a StackReference to a peer stack returns under mocks: its outputs by stack name. */
export type StackOutputs = Record<string, Record<string, unknown>>;

export interface MockEngineOptions {
    /** Outputs of other stacks, keyed by stack name (the last segment of the reference). */
    readonly stackOutputs?: StackOutputs;
    /** The node containers a kind member's `-node-addresses` command prints (stand-ins.ts `kindStandInAddresses`). */
    readonly kindNodeAddresses?: readonly string[];
    /**
     * Strings the stack files give (names, CIDRs, host addresses): a peer's output that equals one
     * came from its stack file, not from a deploy, so it is never marked a stand-in.
     */
    readonly configured?: Iterable<string>;
}

/** Keys of a peer's outputs that its stack file decides (run-program.ts `deployedOutputs`): never stand-ins. */
const CONFIGURED_OUTPUT_KEYS = new Set(["clusterName", "meshCa", "vpcCidr", "region", "name", "port"]);

/** Every string leaf of `value`, skipping the subtrees under `skip` keys. */
function stringLeaves(value: unknown, skip: ReadonlySet<string> = new Set()): string[] {
    if (typeof value === "string") return value === "" ? [] : [value];
    if (Array.isArray(value)) return value.flatMap((v) => stringLeaves(v, skip));
    if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => (skip.has(k) ? [] : stringLeaves(v, skip)));
    return [];
}

/** Data sources whose answers are facts of the request, not of an account or region: never stand-ins. */
const FACTUAL_INVOKES = new Set(["aws:iam/getPolicyDocument:getPolicyDocument", "aws:iam/getSessionContext:getSessionContext", "aws:index/getPartition:getPartition"]);

/** A deterministic number in [0, modulo) from a string. */
function stableNumber(text: string, modulo: number): number {
    return createHash("sha256").update(text).digest().readUInt32BE(0) % modulo;
}

/** A fake, clearly-labelled PEM body: the plan never needs a real key, and tests compare by value. */
export function fakePem(kind: string, name: string): string {
    const body = Buffer.from(`mock ${kind} for ${name}`).toString("base64");
    return `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
}

function isSecretValue(value: unknown): boolean {
    return rpc.isRpcSecret(value);
}

function unwrapDeep(value: unknown, secrets?: Set<string>): { value: unknown; secret: boolean } {
    if (isSecretValue(value)) {
        const inner = unwrapDeep(rpc.unwrapRpcSecret(value), secrets).value;
        if (typeof inner === "string") {
            secrets?.add(inner);
        }
        return { value: inner, secret: true };
    }
    if (Array.isArray(value)) {
        const items = value.map((v) => unwrapDeep(v, secrets));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const inner = unwrapDeep(v, secrets);
            secret ||= inner.secret;
            out[k] = inner.value;
        }
        return { value: out, secret };
    }
    return { value, secret: false };
}

/** What a registration carries besides its inputs, read off the monitor request (URNs as the mock monitor forms them). */
interface RequestMeta {
    parent?: string;
    provider?: string;
    dependsOn: string[];
    /** The resources each input refers to: what `dependsOn` adds is the rest. */
    inputDependencies?: string[];
    deletedWith?: string;
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
    retainOnDelete?: boolean;
    protect?: boolean;
    deleteBeforeReplace?: boolean;
    replaceOnChanges?: string[];
    customTimeouts?: Partial<Record<"create" | "update" | "delete", string>>;
    /** Aliases that name a former parent (`{ parent }` or `{ noParent }`), as that parent's URN ("" for none). */
    aliasParents?: string[];
}

/** The URN the real engine forms for `type`/`name` under `parentUrn` in the current stack and project. */
export function engineUrn(type: string, name: string, parentUrn: string | undefined): string {
    return formUrn(pulumi.getStack(), pulumi.getProject(), type, name, parentUrn);
}

export class MockEngine implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    /** Data-source calls (invokes) with their arguments, in order. */
    readonly invokes: Array<{ token: string; args: Record<string, unknown> }> = [];
    private readonly pending = new Map<string, RequestMeta>();
    /** The mock monitor's URN of each recorded resource → the real engine's. */
    private readonly realUrns = new Map<string, string>();
    private readonly subnetCidrs = new Map<string, string>();
    /** Data-source answers made up so far: a resource registered after a call may carry them in its inputs. */
    private readonly invokeStandIns = new Set<string>();
    private readonly configured: ReadonlySet<string>;

    constructor(private readonly options: MockEngineOptions = {}) {
        this.configured = new Set(options.configured ?? []);
    }

    /** What this registration's outputs make up: its id and every computed string its inputs did not give. */
    private standInsOf(args: pulumi.runtime.MockResourceArgs, id: string, inputs: Record<string, unknown>, outputs: Record<string, unknown>): string[] {
        if (args.type === "pulumi:pulumi:StackReference") {
            return stringLeaves(outputs.outputs, CONFIGURED_OUTPUT_KEYS).filter((v) => !this.configured.has(v));
        }
        const computed = Object.entries(outputs).flatMap(([k, v]) => (JSON.stringify(v) === JSON.stringify(inputs[k]) ? [] : stringLeaves(v)));
        // A data-source answer is recorded with the resources whose inputs carry it.
        const answered = stringLeaves(inputs).filter((v) => this.invokeStandIns.has(v));
        return [...(args.custom === false ? [] : [id]), ...computed, ...answered].filter((v) => !this.configured.has(v));
    }

    /** Called from the monitor hook with the raw request, before `newResource`. */
    noteRequest(type: string, name: string, meta: RequestMeta): void {
        this.pending.set(`${type}::${name}`, meta);
    }

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const unwrapped: Record<string, unknown> = {};
        const secretInputs: string[] = [];
        const secretValues = new Set<string>();
        for (const [key, raw] of Object.entries(args.inputs ?? {})) {
            const { value, secret } = unwrapDeep(raw, secretValues);
            unwrapped[key] = value;
            if (secret) {
                secretInputs.push(key);
            }
        }
        const meta = this.pending.get(`${args.type}::${args.name}`) ?? { dependsOn: [], ignoreChanges: [], additionalSecretOutputs: [] };
        this.pending.delete(`${args.type}::${args.name}`);
        const id = args.type === "pulumi:pulumi:StackReference" ? args.name : `${args.name}-id`;
        const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
        for (const [key, value] of Object.entries(runtimeConfig.allConfig())) {
            if (isConfigSecret?.(key)) {
                secretValues.add(value);
            }
        }
        const outputs = this.fakeOutputs(args, unwrapped);
        for (const name of meta.additionalSecretOutputs) {
            const output = unwrapDeep(outputs[name] ?? args.inputs?.[name], secretValues).value;
            if (typeof output === "string") {
                secretValues.add(output);
            }
        }
        // The mock monitor's URN (runtime/mocks.js newUrn keeps only the parent's last type): what
        // the program and later registrations refer to this resource by.
        const mockUrn = `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${meta.parent ? `${typeChainOf(meta.parent).split("$").pop()}$${args.type}` : args.type}::${args.name}`;
        const real = (urn: string | undefined): string | undefined => (urn ? (this.realUrns.get(urn) ?? urn) : undefined);
        const parent = real(meta.parent);
        const urn = engineUrn(args.type, args.name, parent);
        this.realUrns.set(mockUrn, urn);
        const providerUrn = meta.provider ? meta.provider.split("::").slice(0, 4).join("::") : undefined;
        this.resources.push({
            urn,
            type: args.type,
            name: args.name,
            id,
            custom: args.custom ?? true,
            parent,
            provider: real(providerUrn),
            dependsOn: meta.dependsOn.map((d) => real(d) ?? d).sort(),
            explicitDependsOn: meta.dependsOn
                .filter((d) => !(meta.inputDependencies ?? []).includes(d))
                .map((d) => real(d) ?? d)
                .sort(),
            deletedWith: real(meta.deletedWith),
            ignoreChanges: meta.ignoreChanges,
            additionalSecretOutputs: meta.additionalSecretOutputs,
            retainOnDelete: meta.retainOnDelete ?? false,
            protect: meta.protect ?? false,
            deleteBeforeReplace: meta.deleteBeforeReplace ?? false,
            replaceOnChanges: meta.replaceOnChanges ?? [],
            ...(meta.customTimeouts && Object.keys(meta.customTimeouts).length > 0 ? { customTimeouts: meta.customTimeouts } : {}),
            aliases: (meta.aliasParents ?? []).map((p) => engineUrn(args.type, args.name, real(p || undefined))).sort(),
            inputs: unwrapped,
            secretInputs: secretInputs.sort(),
            secretValues: [...secretValues].sort(),
            standInValues: [...new Set(this.standInsOf(args, id, unwrapped, outputs))].sort(),
        });
        return { id, state: { ...args.inputs, ...outputs } };
    }

    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        this.invokes.push({ token: args.token, args: args.inputs as Record<string, unknown> });
        const result = this.answer(args);
        if (!FACTUAL_INVOKES.has(args.token)) {
            const asked = new Set(stringLeaves(args.inputs));
            for (const v of stringLeaves(result)) if (!asked.has(v) && !this.configured.has(v)) this.invokeStandIns.add(v);
        }
        return result;
    }

    private answer(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        switch (args.token) {
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                return { names: ["a", "b", "c"].map((z) => `mock-region-1${z}`), zoneIds: ["az1", "az2", "az3"] };
            case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
                // Every mock zone offers every type (the choice itself is tested in components/network/zones.test.ts).
                return { locations: ["a", "b", "c"].map((z) => `mock-region-1${z}`), locationTypes: ["availability-zone"], instanceTypes: [] };
            case "aws:ec2/getAmi:getAmi":
                return { id: "ami-mock-ubuntu", architecture: "x86_64" };
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/mock", userId: "mock" };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com" };
            case "aws:index/getRegion:getRegion":
                return { name: "mock-region-1", region: "mock-region-1" };
            case "aws:iam/getPolicyDocument:getPolicyDocument":
                return { json: JSON.stringify({ Version: "2012-10-17", Statement: args.inputs.statements ?? [] }) };
            case "aws:iam/getSessionContext:getSessionContext":
                return { arn: args.inputs.arn, issuerArn: args.inputs.arn, issuerName: "mock", sessionName: "" };
            case "aws:ec2/getNetworkInterfaces:getNetworkInterfaces": {
                // A load balancer's interfaces, one per subnet the engine has recorded.
                const filter = JSON.stringify(args.inputs.filters ?? []);
                return { ids: [...this.subnetCidrs.keys()].map((_, i) => `eni-${stableNumber(filter, 1e8)}-${i + 1}`) };
            }
            case "aws:ec2/getNetworkInterface:getNetworkInterface": {
                const id = String(args.inputs.id);
                const subnet = [...this.subnetCidrs.values()][Number(id.split("-").pop()) - 1] ?? "10.0.0.0/24";
                return { id, privateIp: loadBalancerInterfaceIp(subnet) };
            }
            case "aws:ssm/getParameter:getParameter":
                return { value: "ami-mock-eks", insecureValue: "ami-mock-eks" };
            default:
                return args.inputs as pulumi.runtime.MockCallResult;
        }
    }

    /** Deterministic stand-ins for what the cloud would assign. */
    private fakeOutputs(args: pulumi.runtime.MockResourceArgs, inputs: Record<string, unknown>): Record<string, unknown> {
        const octet = (salt: string): number => 10 + stableNumber(`${args.name}:${salt}`, 200);
        switch (args.type) {
            case "pulumi:pulumi:StackReference": {
                const reference = typeof inputs.name === "string" ? inputs.name : args.name;
                const stack = reference.split("/").pop() ?? "";
                const outputs = this.options.stackOutputs?.[stack];
                if (!outputs) {
                    throw new Error(`mock: stack reference to ${reference}, which has no outputs (was it deployed?)`);
                }
                return { outputs, secretOutputNames: [] };
            }
            case "aws:ec2/subnet:Subnet":
                this.subnetCidrs.set(`${args.name}-id`, String(inputs.cidrBlock));
                return { arn: `arn:aws:ec2:mock:subnet/${args.name}` };
            case "aws:ec2/instance:Instance": {
                const subnet = this.subnetCidrs.get(String(inputs.subnetId)) ?? "10.0.0.0/24";
                return { privateIp: instancePrivateIp(subnet, args.name), publicIp: `198.51.100.${octet("public")}`, arn: `arn:aws:ec2:mock:instance/${args.name}` };
            }
            case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
                return { arn: `arn:aws:iam::123456789012:oidc-provider/${(typeof inputs.url === "string" ? inputs.url : args.name).replace(/^https:\/\//, "")}` };
            case "aws:iam/role:Role":
                // IAM names a role without a name after the resource (with a suffix AWS picks).
                return { name: typeof inputs.name === "string" ? inputs.name : args.name, arn: `arn:aws:iam::123456789012:role/${typeof inputs.name === "string" ? inputs.name : args.name}` };
            case "aws:ec2/eip:Eip":
                return { publicIp: `203.0.113.${octet("eip")}`, allocationId: `eipalloc-${args.name}` };
            case "aws:ec2transitgateway/transitGateway:TransitGateway":
                return { associationDefaultRouteTableId: `tgw-rtb-${args.name}`, propagationDefaultRouteTableId: `tgw-rtb-${args.name}`, arn: `arn:aws:ec2:mock:transit-gateway/${args.name}` };
            case "aws:eks/cluster:Cluster":
                return {
                    endpoint: `https://${args.name}.mock.eks.amazonaws.com`,
                    certificateAuthority: { data: Buffer.from(fakePem("CERTIFICATE", `${args.name} eks ca`)).toString("base64") },
                    identities: [{ oidcs: [{ issuer: `https://oidc.eks.mock.amazonaws.com/id/${args.name}` }] }],
                    arn: `arn:aws:eks:mock:123456789012:cluster/${args.name}`,
                    vpcConfig: { ...(inputs.vpcConfig as object), clusterSecurityGroupId: `sg-${args.name}` },
                };
            case "tls:index/privateKey:PrivateKey":
                return {
                    privateKeyPem: fakePem("PRIVATE KEY", args.name),
                    privateKeyOpenssh: fakePem("OPENSSH PRIVATE KEY", args.name),
                    publicKeyOpenssh: `ssh-ed25519 ${Buffer.from(`mock ${args.name}`).toString("base64")} mock`,
                    publicKeyPem: fakePem("PUBLIC KEY", args.name),
                };
            case "tls:index/selfSignedCert:SelfSignedCert":
            case "tls:index/locallySignedCert:LocallySignedCert":
                return { certPem: fakePem("CERTIFICATE", args.name) };
            case "tls:index/certRequest:CertRequest":
                return { certRequestPem: fakePem("CERTIFICATE REQUEST", args.name) };
            case "kubernetes:core/v1:Service":
                // Read back (Service.get) for an EKS clustermesh endpoint: the load balancer's name.
                // Shaped like an NLB's: `<load balancer name>-<id>.elb.<region>.amazonaws.com`.
                return args.id
                    ? { status: { loadBalancer: { ingress: [{ hostname: `a${stableNumber(args.name, 1e9)}-${stableNumber(`${args.name}:id`, 1e9).toString(16)}.elb.mock-region-1.amazonaws.com` }] } } }
                    : {};
            case "random:index/randomPassword:RandomPassword":
                return { result: `mock-password-${args.name}` };
            case "command:local:Command":
                // A kind cluster's node containers (KindCluster's `-node-addresses` command prints
                // one address per line): a documentation-range stand-in per cluster.
                if (args.name.endsWith("-node-addresses")) {
                    const addresses = this.options.kindNodeAddresses ?? [`192.0.2.${stableNumber(args.name, 200) + 10}`];
                    return { stdout: addresses.map((a) => `${a}\n`).join(""), stderr: "" };
                }
                return { stdout: `mock stdout of ${args.name}`, stderr: "" };
            case "command:remote:Command":
                return { stdout: `mock stdout of ${args.name}`, stderr: "" };
            default:
                return {};
        }
    }
}

/**
 * Installs the mock engine for `stack` and hooks the monitor so each recorded resource knows
 * its parent, provider, dependencies and `deletedWith`. Call before importing the program.
 */
export async function installMockEngine(stack: string, options: MockEngineOptions = {}, project = "clustermesh"): Promise<MockEngine> {
    const engine = new MockEngine(options);
    await pulumi.runtime.setMocks(engine, project, stack, true, "organization");
    const monitor = settings.getMonitor() as unknown as Record<"registerResource" | "readResource", (req: RegisterRequest, callback: unknown) => unknown>;
    // Stack references and `.get` are reads, everything else registrations; both carry a parent.
    for (const method of ["registerResource", "readResource"] as const) {
        const original = monitor[method].bind(monitor);
        monitor[method] = (req: RegisterRequest, callback: unknown) => {
            engine.noteRequest(req.getType(), req.getName(), {
                parent: req.getParent() || undefined,
                provider: req.getProvider() || undefined,
                dependsOn: req.getDependenciesList?.() ?? [],
                inputDependencies: [...(req.getPropertydependenciesMap?.()?.entries() ?? [])].flatMap(([, deps]) => deps.getUrnsList()),
                deletedWith: req.getDeletedwith?.() || undefined,
                ignoreChanges: req.getIgnorechangesList?.() ?? [],
                additionalSecretOutputs: req.getAdditionalsecretoutputsList?.() ?? [],
                retainOnDelete: req.getRetainondelete?.() ?? false,
                protect: req.getProtect?.() ?? false,
                deleteBeforeReplace: req.getDeletebeforereplace?.() ?? false,
                replaceOnChanges: req.getReplaceonchangesList?.() ?? [],
                customTimeouts: timeoutsOf(req.getCustomtimeouts?.()),
                aliasParents: (req.getAliasesList?.() ?? []).flatMap((alias) => {
                    const spec = alias.getSpec?.();
                    if (!spec) return [];
                    return spec.getNoparent?.() ? [""] : spec.getParenturn?.() ? [spec.getParenturn()] : [];
                }),
            });
            return original(req, callback);
        };
    }
    return engine;
}

function timeoutsOf(timeouts: { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined): RequestMeta["customTimeouts"] {
    if (!timeouts) return undefined;
    const set = Object.entries({ create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() }).filter(([, v]) => v !== "");
    return set.length > 0 ? Object.fromEntries(set) : undefined;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getDependenciesList?(): string[];
    getPropertydependenciesMap?(): { entries(): Iterable<[string, { getUrnsList(): string[] }]> } | undefined;
    getDeletedwith?(): string;
    getIgnorechangesList?(): string[];
    getAdditionalsecretoutputsList?(): string[];
    getRetainondelete?(): boolean;
    getProtect?(): boolean;
    getDeletebeforereplace?(): boolean;
    getReplaceonchangesList?(): string[];
    getCustomtimeouts?(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
    getAliasesList?(): Array<{ getSpec?(): { getNoparent?(): boolean; getParenturn(): string } | undefined }>;
}

/** Waits until every resource registration the program started has reached the engine. */
export async function settle(): Promise<void> {
    const { waitForRPCs } = settings as unknown as { waitForRPCs: (this: void) => Promise<void> };
    // A registration can start further ones from inside an apply; drain until quiet.
    for (let round = 0; round < 3; round++) {
        await waitForRPCs();
        await new Promise((resolve) => setImmediate(resolve));
    }
}

/** Reads an Output's value and whether it is secret (only for tests and the plan). */
export async function peek<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<{ value: T; secret: boolean }> {
    const out = pulumi.output(output) as pulumi.Output<T>;
    const internal = out as unknown as { promise(): Promise<T>; isSecret: Promise<boolean> };
    const [value, secret] = await Promise.all([internal.promise(), internal.isSecret]);
    return { value, secret };
}
