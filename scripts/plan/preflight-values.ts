/**
 * Prints the pre-flight check's values (`clustermesh:cilium.preflight`) with or without kube-proxy
 * replacement (the only setting they depend on), for scripts/check-chart.sh: the pre-flight release
 * is a second release of the target's chart, so its values must pass every chart a member may move
 * to, as the member's own do.
 *   preflight-values.ts kpr|kube-proxy
 */
import { buildPreflightValues } from "../../components/cilium/values";

const [mode = "kpr"] = process.argv.slice(2);
if (mode !== "kpr" && mode !== "kube-proxy") {
    process.stderr.write("usage: preflight-values.ts kpr|kube-proxy\n");
    process.exit(2);
}
const values = buildPreflightValues({ cilium: { kubeProxyReplacement: mode === "kpr" }, apiServerHost: "10.10.0.10", apiServerPort: 6443 });
process.stdout.write(`${JSON.stringify(values, null, 2)}\n`);
