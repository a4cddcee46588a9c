/**
 * Facts about Cilium releases and names that both the config layer (stacks/) and the
 * components need: version comparison, the releases the mesh refuses, and Cilium's
 * `cluster.name` rule. Neutral: imports nothing from the rest of the project.
 */

/** Oldest Cilium minor whose chart has the values this program sets (KVStoreMesh default, mcsapi). */
export const OLDEST_CILIUM = { major: 1, minor: 16 } as const;

/**
 * Releases refused outright, with the reason and the fix. 1.18.0 broke global-service
 * load-balancing (cilium #40848).
 */
export const REFUSED_CILIUM_RELEASES: Readonly<Record<string, { reason: string; fix: string }>> = {
    "1.18.0": { reason: "breaks global-service load-balancing (cilium #40848)", fix: "use 1.18.1 or later, e.g. 1.19.6" },
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
    if (!ciliumAtLeast(version, OLDEST_CILIUM.major, OLDEST_CILIUM.minor)) {
        return { reason: `is older than ${OLDEST_CILIUM.major}.${OLDEST_CILIUM.minor}, the first release with KVStoreMesh on by default`, fix: "use e.g. 1.19.6" };
    }
    return undefined;
}

/** Cilium's `cluster.name` rule: at most 32 lower-case alphanumerics and '-', starting and ending alphanumeric. */
export const CLUSTER_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
export const CLUSTER_NAME_MAX_LENGTH = 32;

export function isClusterName(name: string): boolean {
    return CLUSTER_NAME_PATTERN.test(name);
}
