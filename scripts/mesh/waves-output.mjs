// node scripts/mesh/waves-output.mjs PLAN.json: GITHUB_OUTPUT lines `waveN=<JSON list of stacks>`
// for waves 1..MAX_WAVES of a dry-run document (scripts/mesh/dry-run.ts), `[]` for a wave the
// plan does not have. .github/workflows/mesh.yml has one job per wave, so a plan with more waves
// than that fails here, before anything runs.
import { readFileSync } from "node:fs";

export const MAX_WAVES = 4;
const doc = JSON.parse(readFileSync(process.argv[2], "utf8"));
if (doc.format !== "clustermesh-dry-run/v1") {
    console.error(`${process.argv[2]} is not a dry-run document (format ${JSON.stringify(doc.format)})`);
    process.exit(2);
}
if (doc.waves.length > MAX_WAVES) {
    console.error(`the plan has ${doc.waves.length} waves; .github/workflows/mesh.yml runs at most ${MAX_WAVES}: add wave jobs there`);
    process.exit(1);
}
for (let n = 1; n <= MAX_WAVES; n++) {
    const wave = doc.waves.find((w) => w.wave === n);
    process.stdout.write(`wave${n}=${JSON.stringify(wave ? wave.steps.map((s) => s.stack) : [])}\n`);
}
