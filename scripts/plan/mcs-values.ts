/**
 * Prints the west stack's Cilium values with MCS-API on for a given chart version, for
 * scripts/check-chart.sh: the MCS-API keys moved between 1.18 and 1.19.
 */
import { buildCiliumValues } from "../../components/cilium/values";
import { member } from "../../stacks/sample-stacks";
import { redactValues } from "./report";

const version = process.argv[2] ?? "1.20.0";
const west = member({ stack: "west", id: 1, cilium: { version, mcsAPI: true } });
const redacted = { cert: "[secret]", key: "[secret]" };
const values = buildCiliumValues({
    clusterName: "west",
    clusterId: 1,
    kind: "k3s",
    podCIDR: west.cluster.podCIDR,
    cilium: west.cilium,
    apiServerHost: "10.10.0.10",
    apiServerPort: 6443,
    certificates: { ca: redacted, trustBundle: "(issued at deploy)" },
    peers: [{ name: "east", port: 32379, ips: ["10.20.0.10"] }],
});
process.stdout.write(`${JSON.stringify(redactValues(values), null, 2)}\n`);
