/**
 * npm run fuzz [-- --runs N]
 *
 * Generated mutations of the stack files (fast-check, fixed seed), each classified: refused
 * well, refused poorly, accepted but wrong, accepted, crash; the program runs for every accepted
 * mesh, every stack. Prints the table and every case that missed a target; exit code 1 when one did.
 */
import { parseArgs } from "util";
import { runMain } from "./common/main";
import { formatReport, fuzz } from "./fuzz/run";

runMain("fuzz", async () => {
    const { values } = parseArgs({ options: { runs: { type: "string" }, help: { type: "boolean", short: "h" } } });
    if (values.help) {
        process.stdout.write("usage: npm run fuzz [-- --runs N]   (default 400 cases; the program runs for every accepted one)\n");
        return 0;
    }
    const runs = values.runs === undefined ? 400 : Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) {
        process.stderr.write(`--runs ${values.runs} is not a whole number of at least 1\n`);
        return 2;
    }
    process.stderr.write(`fuzzing ${runs} cases…\n`);
    const report = await fuzz(runs);
    process.stdout.write(`${formatReport(report)}\n`);
    return report.counts["refused poorly"] + report.counts["accepted but wrong"] + report.counts.crash > 0 ? 1 : 0;
});
