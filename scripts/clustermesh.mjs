#!/usr/bin/env node
// `npx clustermesh ...` (package.json "bin"): registers tsx's loaders, as `node --import tsx`
// does, then runs the TypeScript entry, scripts/clustermesh.ts, in this same process.
import "tsx";

await import("./clustermesh.ts");
