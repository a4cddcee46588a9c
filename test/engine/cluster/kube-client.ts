/**
 * A minimal Kubernetes API client over node:https with client certificates: what the harness
 * needs to create nodes, register CRDs, apply objects and patch statuses, with no dependency on
 * kubectl (whose version on the machine is unknown) or a client library.
 */
import { request } from "node:https";

export interface KubeCredentials {
    /** https://127.0.0.1:PORT */
    readonly server: string;
    readonly caPem: string;
    readonly certPem: string;
    readonly keyPem: string;
}

/** A Kubernetes API error, with the status code and the server's message. */
export class KubeError extends Error {
    constructor(
        readonly status: number,
        readonly method: string,
        readonly path: string,
        readonly body: string,
    ) {
        super(`${method} ${path}: HTTP ${status}: ${KubeError.messageOf(body)}`);
    }

    private static messageOf(body: string): string {
        try {
            const parsed = JSON.parse(body) as { message?: string };
            return parsed.message ?? body.slice(0, 300);
        } catch {
            return body.slice(0, 300);
        }
    }
}

/** Any Kubernetes object, loosely typed. */
export interface KubeObject {
    apiVersion?: string;
    kind?: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
    spec?: Record<string, unknown> & { [key: string]: unknown };
    status?: Record<string, unknown>;
    data?: Record<string, string>;
    [key: string]: unknown;
}

/** Resource paths of the kinds the harness touches (core and a few groups); anything else through `path` directly. */
const KNOWN_PATHS: Record<string, { prefix: string; plural: string; namespaced: boolean }> = {
    "v1/Namespace": { prefix: "/api/v1", plural: "namespaces", namespaced: false },
    "v1/Node": { prefix: "/api/v1", plural: "nodes", namespaced: false },
    "v1/Service": { prefix: "/api/v1", plural: "services", namespaced: true },
    "v1/ServiceAccount": { prefix: "/api/v1", plural: "serviceaccounts", namespaced: true },
    "v1/ConfigMap": { prefix: "/api/v1", plural: "configmaps", namespaced: true },
    "v1/Pod": { prefix: "/api/v1", plural: "pods", namespaced: true },
    "apps/v1/Deployment": { prefix: "/apis/apps/v1", plural: "deployments", namespaced: true },
    "apps/v1/DaemonSet": { prefix: "/apis/apps/v1", plural: "daemonsets", namespaced: true },
    "batch/v1/Job": { prefix: "/apis/batch/v1", plural: "jobs", namespaced: true },
    "storage.k8s.io/v1/StorageClass": { prefix: "/apis/storage.k8s.io/v1", plural: "storageclasses", namespaced: false },
    "rbac.authorization.k8s.io/v1/ClusterRole": { prefix: "/apis/rbac.authorization.k8s.io/v1", plural: "clusterroles", namespaced: false },
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": { prefix: "/apis/rbac.authorization.k8s.io/v1", plural: "clusterrolebindings", namespaced: false },
    "apiextensions.k8s.io/v1/CustomResourceDefinition": { prefix: "/apis/apiextensions.k8s.io/v1", plural: "customresourcedefinitions", namespaced: false },
};

/** The collection path of an object (`/api/v1/namespaces/ns/services`), from the table above. */
export function collectionPath(apiVersion: string, kind: string, namespace?: string): string {
    const known = KNOWN_PATHS[`${apiVersion}/${kind}`];
    if (!known) {
        throw new Error(`kube-client: no path known for ${apiVersion} ${kind}; add it to KNOWN_PATHS or use request()`);
    }
    return known.namespaced ? `${known.prefix}/namespaces/${namespace ?? "default"}/${known.plural}` : `${known.prefix}/${known.plural}`;
}

export class KubeClient {
    constructor(private readonly creds: KubeCredentials) {}

    /** One request; resolves with the parsed JSON body, rejects with KubeError on a status >= 400. */
    request<T = unknown>(method: string, path: string, body?: unknown, contentType = "application/json", timeoutMs = 30_000): Promise<T> {
        const url = new URL(path, this.creds.server);
        const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
        return new Promise<T>((resolve, reject) => {
            const req = request(
                {
                    method,
                    hostname: url.hostname,
                    port: url.port,
                    path: `${url.pathname}${url.search}`,
                    ca: this.creds.caPem,
                    cert: this.creds.certPem,
                    key: this.creds.keyPem,
                    headers: { Accept: "application/json", ...(payload !== undefined ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) } : {}) },
                    timeout: timeoutMs,
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        if ((res.statusCode ?? 500) >= 400) {
                            reject(new KubeError(res.statusCode ?? 500, method, path, text));
                            return;
                        }
                        try {
                            resolve((text ? JSON.parse(text) : {}) as T);
                        } catch {
                            resolve(text as unknown as T);
                        }
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
            req.on("error", reject);
            if (payload !== undefined) {
                req.write(payload);
            }
            req.end();
        });
    }

    get<T = KubeObject>(path: string): Promise<T> {
        return this.request<T>("GET", path);
    }

    /** The object at `path`, or undefined on 404. */
    async getOrUndefined<T = KubeObject>(path: string): Promise<T | undefined> {
        try {
            return await this.get<T>(path);
        } catch (e) {
            if (e instanceof KubeError && e.status === 404) {
                return undefined;
            }
            throw e;
        }
    }

    async list<T = KubeObject>(path: string): Promise<T[]> {
        const result = await this.get<{ items?: T[] }>(path);
        return result.items ?? [];
    }

    /** Creates the object, or leaves the existing one as it is (409); returns true when created. */
    async createIfAbsent(obj: KubeObject): Promise<boolean> {
        try {
            await this.request("POST", collectionPath(obj.apiVersion ?? "", obj.kind ?? "", obj.metadata.namespace), obj);
            return true;
        } catch (e) {
            if (e instanceof KubeError && e.status === 409) {
                return false;
            }
            throw e;
        }
    }

    /** Server-side apply of one object (field manager `clustermesh-test-harness`). */
    apply(obj: KubeObject, collection?: string): Promise<KubeObject> {
        const base = collection ?? collectionPath(obj.apiVersion ?? "", obj.kind ?? "", obj.metadata.namespace);
        return this.request<KubeObject>("PATCH", `${base}/${obj.metadata.name}?fieldManager=clustermesh-test-harness&force=true`, obj, "application/apply-patch+yaml");
    }

    /** A JSON merge patch of an object's status subresource. */
    patchStatus(objectPath: string, status: unknown): Promise<KubeObject> {
        return this.request<KubeObject>("PATCH", `${objectPath}/status`, { status }, "application/merge-patch+json");
    }
}

/** Resolves when `check` returns a value other than undefined; rejects after `timeoutMs` with `what` and the last error. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, intervalMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const value = await check();
            if (value !== undefined) {
                return value;
            }
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ""}`);
        }
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}
