/**
 * Test support: validates the Cilium custom resources the program plans against Cilium's CRD
 * schemas, as compiled by the npm package `@kubernetes-models/cilium` (MIT; generated from the
 * `openAPIV3Schema` of cilium/cilium's `pkg/k8s/apis/cilium.io/client/crds`). The package is
 * ESM, loaded with a dynamic import. What it checks: types, required fields, enums, patterns,
 * formats and bounds; CRD schemas allow unknown fields (the API server prunes them), so each
 * test also holds the spec's keys to the fields the program means to write.
 */
type CompiledValidator = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; keyword: string; params: unknown; message?: string }> | null };

const SCHEMA_PREFIX: Record<string, string> = {
    "cilium.io/v2": "ComGithubCiliumCiliumPkgK8sApisCiliumIoV2",
    "cilium.io/v2alpha1": "ComGithubCiliumCiliumPkgK8sApisCiliumIoV2alpha1",
};

const loaded = new Map<string, Promise<CompiledValidator>>();

/**
 * Node's own import() of an ESM package, which no TypeScript transpiler may turn into a
 * require() (TypeScript's CommonJS output does, for any specifier; npm test compiles with it,
 * scripts/ts-require.cjs), since require() of these ESM-only packages fails.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a constant body: the one way to keep a real import() in CommonJS output
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

function validatorFor(apiVersion: string, kind: string): Promise<CompiledValidator> {
    const prefix = SCHEMA_PREFIX[apiVersion];
    if (!prefix) {
        return Promise.reject(new Error(`no Cilium CRD schema for ${apiVersion}`));
    }
    const key = `${prefix}${kind}`;
    if (!loaded.has(key)) {
        const specifier = `@kubernetes-models/cilium/_schemas/${key}`;
        loaded.set(key, (importEsm(specifier) as Promise<{ validate: CompiledValidator }>).then((m) => m.validate));
    }
    return loaded.get(key)!;
}

/** Every violation of the CRD schema of the resource's apiVersion and kind, as `<path> <what>`; empty when valid. */
export async function validateCiliumResource(resource: { apiVersion: string; kind: string }): Promise<string[]> {
    const validate = await validatorFor(resource.apiVersion, resource.kind);
    if (validate(resource)) {
        return [];
    }
    return (validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.keyword} ${JSON.stringify(e.params)}`);
}
