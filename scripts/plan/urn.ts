/**
 * Pulumi's URN rule, pure: `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, where the
 * qualified type is the parent URN's whole type part, `$`, the resource's type, and the root
 * stack is never part of the chain (@pulumi/pulumi resource.js `createUrn`;
 * sdk/go/common/resource/urn.go `NewURN`). The mock monitor keeps only the parent's last type,
 * so the plan forms URNs here, as the real engine will.
 */

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The type part of a URN. */
export function typeChainOf(urn: string): string {
    return urn.split("::")[2] ?? "";
}

/** The qualified type the engine puts in a URN of `type` under `parentUrn`. */
export function qualifiedType(type: string, parentUrn: string | undefined): string {
    const chain = parentUrn ? typeChainOf(parentUrn) : "";
    return chain === "" || chain === STACK_TYPE ? type : `${chain}$${type}`;
}

export function formUrn(stack: string, project: string, type: string, name: string, parentUrn: string | undefined): string {
    return `urn:pulumi:${stack}::${project}::${qualifiedType(type, parentUrn)}::${name}`;
}

export interface UrnRecord {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    readonly provider?: string;
    readonly dependsOn: readonly string[];
    readonly deletedWith?: string;
}

/**
 * What would make the real engine refuse or misread a recording: a URN not formed by the rule
 * from its parent, two resources with one URN (the engine's "Duplicate resource URN"), or a
 * parent, provider, dependency or `deletedWith` that names no recorded resource.
 */
export function urnProblems(resources: readonly UrnRecord[]): string[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const r of resources) {
        const [, stack = "", project = ""] = /^urn:pulumi:([^:]*)::([^:]*)::/.exec(r.urn) ?? [];
        const expected = formUrn(stack, project, r.type, r.name, r.parent);
        if (r.urn !== expected) problems.push(`${r.name}: URN ${r.urn}, the engine forms ${expected}`);
        if (seen.has(r.urn)) problems.push(`${r.name}: duplicate URN ${r.urn}`);
        seen.add(r.urn);
    }
    const known = new Set(resources.map((r) => r.urn));
    for (const r of resources) {
        for (const [what, urn] of [["parent", r.parent], ["provider", r.provider], ["deletedWith", r.deletedWith], ...r.dependsOn.map((d) => ["dependency", d] as const)] as const) {
            if (urn && !known.has(urn)) problems.push(`${r.name}: its ${what} ${urn} is no recorded resource`);
        }
    }
    return problems;
}
