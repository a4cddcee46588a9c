/**
 * scripts/plan/at-version.ts DIR VERSION → prints the path of a copy of the project DIR with every
 * stack file set to Cilium VERSION (`clustermesh:cilium.version`, and `clustermesh:cilium.chart`
 * moved to the archive of that version when a stack installs from one). For scripts/check-chart.sh:
 * every shipped and example stack must pass the real chart of every supported minor, not only the
 * one its file names, so a member can be upgraded (or rolled back) one minor without surprises.
 * The caller removes the copy.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { chartArchiveAt } from "../../lib/cilium-version";
import { setStackFileValue } from "../mesh/stack-file-edit";

const [dir, version] = process.argv.slice(2);
if (!dir || !version || !/^\d+\.\d+\.\d+$/.test(version)) {
    process.stderr.write("usage: at-version.ts DIR VERSION (e.g. . 1.20.0)\n");
    process.exit(2);
}
const copy = fs.mkdtempSync(path.join(os.tmpdir(), `clustermesh-at-${version}-`));
for (const name of fs.readdirSync(dir).sort()) {
    const stack = /^Pulumi\.(.+)\.ya?ml$/.exec(name)?.[1];
    if (!/^Pulumi(\..+)?\.ya?ml$/.test(name)) continue;
    fs.copyFileSync(path.join(dir, name), path.join(copy, name));
    if (stack === undefined) continue;
    setStackFileValue(copy, stack, "clustermesh:cilium.version", version);
    const chart = parseDocument(fs.readFileSync(path.join(copy, name), "utf8")).getIn(["config", "clustermesh:cilium", "chart"]);
    if (typeof chart === "string") {
        setStackFileValue(copy, stack, "clustermesh:cilium.chart", chartArchiveAt(chart, version));
    }
}
process.stdout.write(`${copy}\n`);
