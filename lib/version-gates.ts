/**
 * Version gates as data: what a feature needs from a component's version, and which component
 * version each cluster kind ships, each row with its source. Validation (stacks/version-gates.ts)
 * refuses a combination that cannot work, naming both versions and one that works; the defaults
 * (lib/defaults.ts) are combinations that work, and a test holds them to these tables.
 *
 * Neutral: imports nothing of the project but lib/.
 */

/** A feature's minimum version of a component. */
export interface VersionGate {
    readonly feature: string;
    readonly component: string;
    readonly minimum: string;
    readonly source: string;
}

/**
 * MCS-API DNS: both the chart's CoreDNS auto-configure and this program's own Corefile blocks
 * (components/cilium/mcs-dns.ts, the EKS add-on's corefile) write the kubernetes plugin's
 * `multicluster` option, which CoreDNS parses only from 1.12.2 (coredns #7266). An older CoreDNS
 * fails to parse the Corefile: new pods crash-loop and clusterset.local never resolves.
 */
export const COREDNS_MULTICLUSTER: VersionGate = {
    feature: "clustermesh:cilium.mcsAPI (clusterset.local)",
    component: "CoreDNS",
    minimum: "1.12.2",
    source: "coredns #7266 (multicluster in the kubernetes plugin); Cilium chart values.yaml clustermesh.mcsapi.corednsAutoConfigure: \"CoreDNS MUST be at least in version v1.12.2\"",
};

/** A release of something and the CoreDNS it ships. */
export interface ShipsCoreDns {
    readonly coredns: string;
    readonly source: string;
}

/** The CoreDNS kubeadm installs per Kubernetes minor, i.e. the CoreDNS of a kind node image. */
export const KUBEADM_COREDNS: Readonly<Record<string, ShipsCoreDns>> = {
    "1.31": { coredns: "1.11.3", source: "coredns/deployment kubernetes/CoreDNS-k8s_version.md" },
    "1.32": { coredns: "1.11.3", source: "coredns/deployment #303 (kubeadm v1.32 keeps v1.11.3)" },
    "1.33": { coredns: "1.12.0", source: "coredns/deployment #306 (kubeadm v1.33: v1.12.0)" },
    "1.34": { coredns: "1.12.1", source: "kubernetes cmd/kubeadm/app/constants (release-1.34 CoreDNSVersion v1.12.1)" },
    "1.35": { coredns: "1.13.1", source: "kubernetes cmd/kubeadm/app/constants (release-1.35 CoreDNSVersion v1.13.1)" },
};

/**
 * The first k3s patch of each minor that ships CoreDNS 1.12.3 (k3s #12723 and its backports
 * #12727 1.33, #12729 1.32, #12731 1.31; earlier patches ship 1.12.1 or older). Minors after
 * the table ship 1.12.3 or later from their first release (k3s #12976: 1.13.1).
 */
export const K3S_COREDNS_1_12_3: Readonly<Record<string, number>> = { "1.31": 12, "1.32": 8, "1.33": 4 };
const K3S_SOURCE = "k3s #12723 (Bump coredns to 1.12.3) and backports #12727, #12729, #12731";

/** The EKS CoreDNS add-on version pinned per EKS Kubernetes minor, and the CoreDNS it runs. */
export interface EksCoreDnsAddon {
    readonly addonVersion: string;
    readonly coredns: string;
    readonly source: string;
}

const EKS_SOURCE = "Amazon EKS User Guide, Manage CoreDNS: CoreDNS versions (latest add-on version per Kubernetes version)";
export const EKS_COREDNS_ADDON: Readonly<Record<string, EksCoreDnsAddon>> = {
    "1.30": { addonVersion: "v1.11.4-eksbuild.24", coredns: "1.11.4", source: EKS_SOURCE },
    "1.31": { addonVersion: "v1.11.4-eksbuild.24", coredns: "1.11.4", source: EKS_SOURCE },
    "1.32": { addonVersion: "v1.11.4-eksbuild.24", coredns: "1.11.4", source: EKS_SOURCE },
    "1.33": { addonVersion: "v1.12.4-eksbuild.1", coredns: "1.12.4", source: EKS_SOURCE },
    "1.34": { addonVersion: "v1.12.4-eksbuild.1", coredns: "1.12.4", source: EKS_SOURCE },
};

/** `a >= b` for dotted versions (a leading `v` and any `-`/`+` suffix ignored). */
export function versionAtLeast(a: string, b: string): boolean {
    const parts = (v: string) => v.replace(/^v/, "").split(/[-+]/)[0].split(".").map((n) => Number(n) || 0);
    const [x, y] = [parts(a), parts(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
        if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
    }
    return true;
}

/** The Kubernetes minor of a kind node image `kindest/node:v1.35.0[@sha256:...]`, if it names one. */
export function kindImageMinor(image: string): string | undefined {
    const m = /:v(\d+)\.(\d+)\.\d+/.exec(image);
    return m ? `${m[1]}.${m[2]}` : undefined;
}

/** The CoreDNS a kind node image ships (kubeadm's of its Kubernetes minor). */
export function corednsOfKindImage(image: string): ShipsCoreDns | undefined {
    const minor = kindImageMinor(image);
    return minor ? KUBEADM_COREDNS[minor] : undefined;
}

/** Whether a k3s release (`v1.33.5+k3s1`) ships CoreDNS 1.12.2 or later; undefined when it is not a k3s version. */
export function k3sShipsMulticluster(version: string): { ok: boolean; source: string } | undefined {
    const m = /^v(\d+)\.(\d+)\.(\d+)\+k3s\d+$/.exec(version);
    if (!m) return undefined;
    const minor = `${m[1]}.${m[2]}`;
    const first = K3S_COREDNS_1_12_3[minor];
    const patch = Number(m[3]);
    const newer = Number(m[2]) > 33 && Number(m[1]) === 1;
    return { ok: newer || (first !== undefined && patch >= first), source: K3S_SOURCE };
}

/** The smallest kind image of the table whose CoreDNS passes `gate`. */
export function kindImageFor(gate: VersionGate): string | undefined {
    const minor = Object.keys(KUBEADM_COREDNS).find((k) => versionAtLeast(KUBEADM_COREDNS[k].coredns, gate.minimum));
    return minor ? `kindest/node:v${minor}.0` : undefined;
}
