/**
 * Writes a linked sample mesh (k3s, EKS with MCS-API, k3s) into a new temporary directory and
 * prints its path: scripts/check-chart.sh plans it so linked peers, the EKS load balancer and
 * MCS-API values are checked against the real chart too, not only the shipped stacks.
 */
import { writeProject } from "../../stacks/sample-stacks";

process.stdout.write(
    writeProject([
        { stack: "west", id: 1, mesh: { link: true } },
        { stack: "east", id: 2, kind: "eks", mesh: { link: true }, cilium: { mcsAPI: true }, app: { serviceExport: true } },
        { stack: "north", id: 3, mesh: { link: true } },
    ]),
);
