/**
 * Mesh CA generations: which CAs a member trusts (`tls.caBundle`) and which one issues its
 * clustermesh certificates, from its `clustermesh:mesh.ca`. A rotation moves every member through
 * three states, each a mesh in which every pair trusts the other's issuer (the chart's
 * `tls.caBundle` exists for exactly this: "allowing for CA rotation with no down-time"):
 *   1. trust the old and the new CA, issued by the old  (generation N+1, trustPrevious, issuer previous)
 *   2. trust both, issued by the new                     (issuer current)
 *   3. trust the new only                                (trustPrevious false)
 * Neutral: imports nothing of the project.
 */

export interface MeshCaState {
    readonly generation: number;
    readonly trustPrevious: boolean;
    readonly issuer: "current" | "previous";
}

export const FIRST_CA_STATE: MeshCaState = { generation: 1, trustPrevious: false, issuer: "current" };

/** The generation whose CA issues this member's certificates. */
export function issuingGeneration(s: MeshCaState): number {
    return s.issuer === "previous" ? s.generation - 1 : s.generation;
}

/** The generations whose CAs this member trusts, oldest first. */
export function trustedGenerations(s: MeshCaState): number[] {
    return s.trustPrevious && s.generation > 1 ? [s.generation - 1, s.generation] : [s.generation];
}

/** Every generation a member needs the CA of (to trust or to sign with), oldest first. */
export function usedGenerations(s: MeshCaState): number[] {
    return [...new Set([...trustedGenerations(s), issuingGeneration(s)])].sort((a, b) => a - b);
}

/** The PEM certificate blocks of `text`, each once, in the order they appear. */
export function certificateBlocks(text: string): string[] {
    return [...new Set(text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [])];
}

/** What a stack exports as `meshCa`: its state with the generations it trusts and is issued by, for rotate-ca. */
export function meshCaOutput(s: MeshCaState): MeshCaState & { readonly trusted: number[]; readonly issuing: number } {
    return { ...s, trusted: trustedGenerations(s), issuing: issuingGeneration(s) };
}

/** The stack-output key of one generation's CA in the CA owner's `meshCaGenerations`. */
export function generationKey(generation: number): string {
    return String(generation);
}

/** The resource name of a generation's MeshCertificateAuthority: generation 1 keeps the name it always had. */
export function caResourceName(generation: number): string {
    return generation === 1 ? "mesh-ca" : `mesh-ca-${generation}`;
}
