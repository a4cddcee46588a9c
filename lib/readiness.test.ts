import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { buildCiliumValues, buildPreflightValues, type CiliumValuesInput, type HelmValues } from "../components/cilium/values";
import { member } from "../test/stack-files";
import { ciliumChartWaits, READINESS, type ChartObject } from "./readiness";

const certs = (tag: string) => ({ cert: Buffer.from(`${tag}-cert`).toString("base64"), key: Buffer.from(`${tag}-key`).toString("base64") });

/** Values the program builds for a member (the real builder), with extra chart keys on top. */
function planned(kind: CiliumValuesInput["kind"], cilium: Record<string, unknown>, extra: Partial<CiliumValuesInput> = {}, on: HelmValues = {}): { version: string; values: HelmValues } {
    const m = member({ stack: "west", id: 1, cilium });
    const values = buildCiliumValues({
        clusterName: "west",
        clusterId: 1,
        kind,
        podCIDR: m.cluster.podCIDR,
        cilium: m.cilium,
        apiServerHost: "10.10.0.10",
        apiServerPort: 6443,
        certificates: { ca: certs("ca"), trustBundle: "-----BEGIN CERTIFICATE-----\nY2E=\n-----END CERTIFICATE-----\n" },
        peers: [{ name: "east", port: 32379, ips: ["10.20.0.10"] }],
        ...extra,
    });
    return { version: m.cilium.version, values: merge(values, on) };
}

function merge(a: HelmValues, b: HelmValues): HelmValues {
    const out: HelmValues = { ...a };
    for (const [k, v] of Object.entries(b)) {
        const here = out[k];
        out[k] = v !== null && typeof v === "object" && !Array.isArray(v) && here !== null && typeof here === "object" && !Array.isArray(here) ? merge(here, v) : v;
    }
    return out;
}

/** The variants: what the program plans for each cluster kind and feature, and chart toggles it does not set today. */
const VARIANTS: Array<[string, { version: string; values: HelmValues }]> = [
    ["k3s, tunnel, 1.19", planned("k3s", { version: "1.19.6" })],
    ["k3s, tunnel, 1.20", planned("k3s", { version: "1.20.0" })],
    ["k3s, MCS-API, 1.18", planned("k3s", { version: "1.18.12", mcsAPI: true })],
    ["kind, native, MCS-API with the chart's CoreDNS hook, 1.19", planned("kind", { version: "1.19.6", routingMode: "native", mcsAPI: true }, { nativeRoutingCIDR: "10.0.0.0/8" })],
    ["kind, native, MCS-API with the chart's CoreDNS hook, 1.20", planned("kind", { version: "1.20.0", routingMode: "native", mcsAPI: true }, { nativeRoutingCIDR: "10.0.0.0/8" })],
    ["EKS ENI behind an NLB, 1.19", planned("eks", { version: "1.19.6", ipam: "eni", routingMode: "native" }, { apiserverServiceAnnotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" }, operatorRoleArn: "arn:aws:iam::1:role/x" })],
    ["EKS ENI behind an NLB, 1.20", planned("eks", { version: "1.20.0", ipam: "eni", routingMode: "native" }, { apiserverServiceAnnotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" }, operatorRoleArn: "arn:aws:iam::1:role/x" })],
    ["BGP, 1.19", planned("k3s", { version: "1.19.6", routingMode: "native" }, { bgpControlPlane: true, nativeRoutingCIDR: "10.0.0.0/8" })],
    ["BGP, 1.20", planned("k3s", { version: "1.20.0", routingMode: "native" }, { bgpControlPlane: true, nativeRoutingCIDR: "10.0.0.0/8" })],
    [
        "Hubble relay and UI, node-init, the ingress controller, an LB-IPAM apiserver (chart toggles)",
        planned("k3s", { version: "1.19.6" }, {}, { hubble: { relay: { enabled: true }, ui: { enabled: true } }, nodeinit: { enabled: true }, ingressController: { enabled: true }, clustermesh: { apiserver: { service: { type: "LoadBalancer", loadBalancerIP: "172.16.1.10" } } } }),
    ],
    ["envoy off, 1.18", planned("k3s", { version: "1.18.12" }, {}, { envoy: { enabled: false } })],
    // The pre-flight check's own release (components/cilium/values.ts buildPreflightValues), at each target a mesh upgrades to.
    ...(["1.19.6", "1.20.0"] as const).map((version): [string, { version: string; values: HelmValues }] => [
        `the pre-flight check, ${version}`,
        { version, values: buildPreflightValues({ cilium: { kubeProxyReplacement: true }, apiServerHost: "10.10.0.10", apiServerPort: 6443 }) },
    ]),
    ["the pre-flight check without policy validation, 1.20", { version: "1.20.0", values: merge(buildPreflightValues({ cilium: { kubeProxyReplacement: false }, apiServerHost: "10.10.0.10", apiServerPort: 6443 }), { preflight: { validateCNPs: false } }) }],
];

/** Helm as ../shared/tools/cilium-check caches it. */
function helmBinary(): string | undefined {
    const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
    const exe = path.join(cache, "cilium-check", "layer", "helm", "helm");
    return fs.existsSync(exe) ? exe : undefined;
}

const chartOf = (version: string): string => path.join(__dirname, "..", "..", "shared", "reference", `cilium-${version}.tgz`);

/** A throwaway CA (the chart decodes tls.ca to sign Hubble's certificates), made once with openssl. */
let throwawayCa: Promise<{ cert: string; key: string }> | undefined;
function ca(): Promise<{ cert: string; key: string }> {
    throwawayCa ??= (async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readiness-ca-"));
        const [crt, key] = [path.join(dir, "ca.crt"), path.join(dir, "ca.key")];
        await promisify(execFile)("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=readiness-test", "-keyout", key, "-out", crt]);
        return { cert: fs.readFileSync(crt).toString("base64"), key: fs.readFileSync(key).toString("base64") };
    })();
    return throwawayCa;
}

/** The objects of a real render that Helm waits on, as the model names them. */
async function renderedWaits(helm: string, version: string, planned: HelmValues): Promise<string[]> {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "readiness-")), "values.json");
    const values = merge(planned, { tls: { ca: await ca() } });
    fs.writeFileSync(file, JSON.stringify(values));
    const { stdout } = await promisify(execFile)(helm, ["template", "cilium", chartOf(version), "--namespace", "kube-system", "--kube-version", "1.33.0", "-f", file], { maxBuffer: 64 << 20 });
    const waited: string[] = [];
    for (const doc of parseAllDocuments(stdout)) {
        const o = doc.toJS() as { kind?: string; metadata?: { name?: string; annotations?: Record<string, string> }; spec?: { type?: string; loadBalancerIP?: string } } | null;
        if (!o?.kind) continue;
        const hook = o.metadata?.annotations?.["helm.sh/hook"] !== undefined;
        const name = o.metadata?.name ?? "";
        if (o.kind === "Job" && hook) waited.push(`Job hook/${name}/hook`);
        else if (["Deployment", "DaemonSet", "StatefulSet", "PersistentVolumeClaim"].includes(o.kind)) waited.push(`${o.kind}/${name}/${hook ? "hook" : "wait"}`);
        else if (o.kind === "Service" && o.spec?.type === "LoadBalancer") waited.push(`LoadBalancer Service/${name}/wait${o.spec.loadBalancerIP ? `/${o.spec.loadBalancerIP}` : ""}`);
    }
    return waited.sort();
}

const modelled = (objects: readonly ChartObject[]): string[] =>
    objects.map((o) => `${o.kind}/${o.name}/${o.hook ? "hook" : "wait"}${o.loadBalancerIP ? `/${o.loadBalancerIP}` : ""}`).sort();

describe("the Cilium chart's waited-on objects", () => {
    it("every kind has a readiness rule with its source", () => {
        for (const [kind, rule] of Object.entries(READINESS)) {
            assert.ok(rule.ready.length > 0 && rule.source.length > 0, kind);
        }
    });

    it("the program's LB-IPAM, MCS-API and EKS values render the waits the model expects", () => {
        const byName = (label: string) => modelled(ciliumChartWaits(VARIANTS.find(([l]) => l.startsWith(label))![1].version, VARIANTS.find(([l]) => l.startsWith(label))![1].values));
        assert.ok(byName("kind").includes("Job hook/cilium-coredns-mcsapi-autoconfig/hook"));
        assert.ok(byName("EKS").includes("LoadBalancer Service/clustermesh-apiserver/wait"));
        assert.ok(!byName("BGP").some((o) => o.startsWith("LoadBalancer Service")), "the BGP path publishes its LoadBalancer after the pool, outside the chart");
        assert.ok(byName("Hubble").includes("LoadBalancer Service/clustermesh-apiserver/wait/172.16.1.10"));
        assert.deepEqual(byName("the pre-flight check, 1.20"), ["DaemonSet/cilium-pre-flight-check/wait", "Deployment/cilium-pre-flight-check/wait"], "the pre-flight release renders only its check: no agent, no operator");
    });

    // The model against the real chart: a chart value that adds (or drops) a waited-on object fails here.
    const helm = helmBinary();
    const required = process.env.CLUSTERMESH_REQUIRE_HELM === "1";
    // Rendered side by side: each render is a separate helm process.
    let renders: Map<string, Promise<string[]>> | undefined;
    const render = (label: string, version: string, values: HelmValues): Promise<string[]> => {
        renders ??= new Map(VARIANTS.map(([l, v]) => [l, renderedWaits(helm!, v.version, v.values)]));
        return renders.get(label) ?? renderedWaits(helm!, version, values);
    };
    for (const [label, { version, values }] of VARIANTS) {
        it(`matches helm template of the real chart: ${label}`, { skip: !helm && !required ? "helm not cached yet (../shared/tools/cilium-check downloads it; npm run check:chart runs this with CLUSTERMESH_REQUIRE_HELM=1)" : false }, async () => {
            assert.ok(helm, "helm is required (CLUSTERMESH_REQUIRE_HELM=1) but not in the cilium-check cache");
            assert.ok(fs.existsSync(chartOf(version)), `no reference chart ${chartOf(version)}`);
            assert.deepEqual(modelled(ciliumChartWaits(version, values)), await render(label, version, values));
        });
    }
});
