/**
 * The Kubernetes minors this program builds clusters of (k3s releases, EKS versions, kind node
 * images): the window every supported Cilium minor is tested on (lib/cilium-version.ts), so a
 * typo (`v1.3.5+k3s1`, `1.99`) or a release no Cilium here supports is refused before anything is
 * built. Neutral: imports lib/ only.
 */
import { SUPPORTED_CILIUM_MINORS } from "./cilium-version";

/** A Kubernetes minor as a comparable number: `1.33` -> 33. */
function minorOf(version: string): number | undefined {
    const m = /^v?1\.(0|[1-9]\d*)(\.|$|\+|-)/.exec(version);
    return m ? Number(m[1]) : undefined;
}

/** The Kubernetes minors `ciliumMinor`'s row says it is tested on, or every supported row's union. */
export function kubernetesWindow(ciliumMinor?: string): { oldest: string; newest: string } {
    const rows = SUPPORTED_CILIUM_MINORS.filter((r) => ciliumMinor === undefined || r.minor === ciliumMinor);
    const use = rows.length > 0 ? rows : SUPPORTED_CILIUM_MINORS;
    const oldest = Math.max(...use.map((r) => minorOf(r.kubernetes.oldest) ?? 0));
    const newest = Math.min(...use.map((r) => minorOf(r.kubernetes.newest) ?? 0));
    return { oldest: `1.${oldest}`, newest: `1.${newest}` };
}

/**
 * Why a Kubernetes version (`1.33`, `v1.33.5+k3s1`, `v1.33.1`) is outside what the cluster's
 * Cilium minor is tested on, or undefined when it is inside (or unparsable: the schema's to report).
 */
export function kubernetesVersionProblem(version: string, ciliumMinor: string): string | undefined {
    const minor = minorOf(version);
    if (minor === undefined) {
        return undefined;
    }
    const window = kubernetesWindow(ciliumMinor);
    if (minor < (minorOf(window.oldest) ?? 0) || minor > (minorOf(window.newest) ?? 0)) {
        return `is Kubernetes 1.${minor}, outside ${window.oldest}-${window.newest}, the minors Cilium ${ciliumMinor} is tested on (lib/cilium-version.ts)`;
    }
    return undefined;
}
