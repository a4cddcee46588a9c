/**
 * Facts about Cilium releases and names that both the config layer (stacks/) and the
 * components need: version comparison, the releases the mesh refuses, and Cilium's
 * `cluster.name` rule. Neutral: imports nothing from the rest of the project.
 */

/**
 * The Cilium minors this program supports: one row per minor with the reference chart its
 * values are checked against (`../shared/reference/cilium-<chart>.tgz`, `cilium-check`) and the
 * Kubernetes minors that release is e2e-tested on. A version of any other minor is refused: the
 * values builder knows nothing about its keys (Helm accepts unknown keys silently). Adding a
 * minor is adding a row (with its chart), nothing else.
 */
export const SUPPORTED_CILIUM_MINORS: ReadonlyArray<{
    readonly minor: string;
    /** The chart release the values are checked against. */
    readonly referenceChart: string;
    /** Kubernetes minors Cilium e2e-tests this release on (inclusive). */
    readonly kubernetes: { readonly oldest: string; readonly newest: string };
    readonly source: string;
    /**
     * What to read before moving a mesh to this minor (`clustermesh mesh upgrade` prints it): the
     * minor's upgrade notes in Cilium's upgrade guide, and the one change this program's users
     * meet first.
     */
    readonly upgradeNotes: { readonly url: string; readonly summary: string };
}> = [
    {
        minor: "1.18",
        referenceChart: "1.18.12",
        kubernetes: { oldest: "1.30", newest: "1.33" },
        source: "cilium v1.18 Documentation/network/kubernetes/compatibility.rst (1.30-1.33); chart kubeVersion >= 1.21",
        upgradeNotes: {
            url: "https://docs.cilium.io/en/v1.18/operations/upgrade/#upgrade-notes",
            summary: "1.18.0 breaks global-service load-balancing (cilium #40848): use 1.18.1 or later",
        },
    },
    {
        minor: "1.19",
        referenceChart: "1.19.6",
        kubernetes: { oldest: "1.30", newest: "1.35" },
        // 1.35 (December 2025) was released before 1.19 branched; the kind lab needs its CoreDNS for MCS-API (stacks/version-gates.ts).
        source: "chart 1.19.6 (kubeVersion >= 1.21); Kubernetes minors in standard support while 1.19 is current (1.35 since December 2025)",
        upgradeNotes: {
            url: "https://docs.cilium.io/en/v1.19/operations/upgrade/#upgrade-notes",
            summary: "MCS-API CRDs installed by the operator (clustermesh.mcsapi.installCRDs); clustermesh.enableMCSAPISupport becomes clustermesh.mcsapi.enabled",
        },
    },
    {
        minor: "1.20",
        referenceChart: "1.20.0",
        kubernetes: { oldest: "1.31", newest: "1.35" },
        // The reference material holds the 1.20.0 chart but not its compatibility page: the window is
        // the Kubernetes minors in standard support when 1.20 branched, kept inside 1.19's newest so
        // an upgrade never has to move Kubernetes in the same step.
        source: "chart 1.20.0 (kubeVersion >= 1.21; clustermesh certificates only as pre-created Secrets, templates/validate.yaml); Kubernetes minors in standard support when 1.20 branched",
        upgradeNotes: {
            url: "https://docs.cilium.io/en/v1.20/operations/upgrade/#upgrade-notes",
            summary: "clustermesh-apiserver certificates only as pre-created Secrets (chart validate.yaml); auto-generated ones last 365 days; clustermesh.enableMCSAPISupport removed",
        },
    },
];

/**
 * How far apart members' Cilium minors may be: one. Cilium upgrades and rolls back one minor at a
 * time (docs.cilium.io operations/upgrade, "upgrade to the latest patch of the current minor, then
 * one minor"), and its CI tests ClusterMesh with one cluster upgraded and the other not (cilium
 * #28355), so a mesh half on N and half on N+1 is the tested state of a rolling upgrade.
 */
export const MAX_CILIUM_MINOR_SKEW = 1;

/** The minor's position in SUPPORTED_CILIUM_MINORS, or -1. */
export function supportedMinorIndex(version: string): number {
    return SUPPORTED_CILIUM_MINORS.findIndex((row) => row.minor === ciliumMinor(version));
}

/** Oldest Cilium minor the program supports (the first row of SUPPORTED_CILIUM_MINORS). */
export const OLDEST_CILIUM = { major: 1, minor: Number(SUPPORTED_CILIUM_MINORS[0].minor.split(".")[1]) } as const;

/**
 * Releases refused outright, with the reason and the fix. 1.18.0 broke global-service
 * load-balancing (cilium #40848).
 */
export const REFUSED_CILIUM_RELEASES: Readonly<Record<string, { reason: string; fix: string }>> = {
    "1.18.0": { reason: "breaks global-service load-balancing (cilium #40848)", fix: "use 1.18.1 or later, e.g. 1.18.12" },
};

function versionParts(version: string): [number, number, number] {
    const [major, minor, patch] = version.split(".").map(Number);
    return [major, minor, patch];
}

/** `1.19.6` -> `1.19`. */
export function ciliumMinor(version: string): string {
    const [major, minor] = versionParts(version);
    return `${major}.${minor}`;
}

/** True when `version` is at least `major.minor.patch`. */
export function ciliumAtLeast(version: string, major: number, minor: number, patch = 0): boolean {
    const [a, b, c] = versionParts(version);
    return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
}

/** Why `version` cannot be used, or undefined when it can (refused release or too old). */
export function ciliumVersionProblem(version: string): { reason: string; fix: string } | undefined {
    const refused = REFUSED_CILIUM_RELEASES[version];
    if (refused) {
        return refused;
    }
    const minor = ciliumMinor(version);
    if (!SUPPORTED_CILIUM_MINORS.some((row) => row.minor === minor)) {
        const supported = SUPPORTED_CILIUM_MINORS.map((row) => row.minor).join(", ");
        const newest = SUPPORTED_CILIUM_MINORS[SUPPORTED_CILIUM_MINORS.length - 1];
        return {
            reason: `is of Cilium ${minor}, which this program does not support (it supports ${supported}: the minors with a reference chart its values are checked against)`,
            fix: `use e.g. ${newest.referenceChart}`,
        };
    }
    return undefined;
}

const CHART_ARCHIVE = /(?:^|\/)cilium-(\d+\.\d+\.\d+)\.tgz$/;

/** The Cilium version in a local chart archive's name (`/charts/cilium-1.20.0.tgz` -> `1.20.0`), or undefined. */
export function chartArchiveVersion(file: string): string | undefined {
    return CHART_ARCHIVE.exec(file)?.[1];
}

/** The same archive path for another version: `helm pull` names the file after it. */
export function chartArchiveAt(file: string, version: string): string {
    return file.replace(/cilium-\d+\.\d+\.\d+\.tgz$/, `cilium-${version}.tgz`);
}

/** Cilium's `cluster.name` rule: at most 32 lower-case alphanumerics and '-', starting and ending alphanumeric. */
export const CLUSTER_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
export const CLUSTER_NAME_MAX_LENGTH = 32;

export function isClusterName(name: string): boolean {
    return CLUSTER_NAME_PATTERN.test(name);
}
