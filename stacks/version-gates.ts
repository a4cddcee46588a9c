/**
 * The version gates of lib/version-gates.ts held against every member: a feature on a
 * component version that cannot serve it is refused before anything is built, naming both
 * versions and one that works.
 */
import { COREDNS_MULTICLUSTER, corednsOfKindImage, EKS_COREDNS_ADDON, k3sShipsMulticluster, kindImageFor, versionAtLeast } from "../lib/version-gates";
import type { MeshMember } from "./load";
import type { Problem } from "./problems";

const gate = COREDNS_MULTICLUSTER;
const needs = `clustermesh:cilium.mcsAPI needs ${gate.component} ${gate.minimum} or later (the multicluster plugin, ${gate.source.split(";")[0]})`;

export function checkVersionGates(members: readonly MeshMember[]): Problem[] {
    const problems: Problem[] = [];
    for (const m of members) {
        const problem = (key: string, value: unknown, message: string, fix: string) => problems.push({ file: m.file, key, value, message, fix });
        const mcs = m.cilium.mcsAPI;
        switch (m.cluster.kind) {
            case "kind": {
                const ships = corednsOfKindImage(m.kind.nodeImage);
                if (mcs && ships && !versionAtLeast(ships.coredns, gate.minimum)) {
                    problem("clustermesh:kind.nodeImage", m.kind.nodeImage, `ships CoreDNS ${ships.coredns} (${ships.source}), but ${needs}`, `use ${kindImageFor(gate) ?? "a newer kind node image"}, or turn MCS-API off`);
                }
                break;
            }
            case "k3s": {
                const ships = k3sShipsMulticluster(m.k3s.version);
                if (mcs && ships && !ships.ok) {
                    problem("clustermesh:k3s.version", m.k3s.version, `ships CoreDNS older than 1.12.2 (${ships.source}), but ${needs}`, "use v1.33.5+k3s1 (CoreDNS 1.12.3) or later, or turn MCS-API off");
                }
                break;
            }
            case "eks": {
                const addon = EKS_COREDNS_ADDON[m.eks.version];
                const known = Object.keys(EKS_COREDNS_ADDON).sort();
                if (!addon) {
                    problem("clustermesh:eks.version", m.eks.version, `has no pinned CoreDNS add-on version (lib/version-gates.ts EKS_COREDNS_ADDON knows ${known.join(", ")})`, `use one of ${known.join(", ")}, or add the add-on version EKS lists for ${m.eks.version} to the table`);
                } else if (mcs && !versionAtLeast(addon.coredns, gate.minimum)) {
                    const works = known.find((k) => versionAtLeast(EKS_COREDNS_ADDON[k].coredns, gate.minimum));
                    problem("clustermesh:eks.version", m.eks.version, `runs the CoreDNS add-on ${addon.addonVersion} (CoreDNS ${addon.coredns}, ${addon.source}), but ${needs}`, `use EKS ${works ?? "a newer version"} (add-on ${works ? EKS_COREDNS_ADDON[works].addonVersion : "?"}), or turn MCS-API off`);
                }
                break;
            }
        }
    }
    return problems;
}
