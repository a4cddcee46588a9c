// `node --require ./scripts/ts-require.cjs`: runs this project's TypeScript as CommonJS, each
// .ts file transpiled by TypeScript itself (transpileModule, with tsconfig.json's module
// settings) and kept in a cache under the temporary directory, keyed by path, source and
// compiler version. npm test runs the test files with it instead of tsx: tsx's require hook
// also inspects every .js file a test loads, and loading Pulumi through it cost ~0.6 s of CPU
// in each of the suite's ~70 test processes. Only .ts files are touched; everything else
// loads as Node loads it. Type errors are tsc's business (npm test runs it beside the tests).
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.join(__dirname, "..");
let ts;
const typescript = () => (ts ??= require(require.resolve("typescript", { paths: [root] })));
// The output depends on the compiler and tsconfig.json besides the file: both are in the key.
const version = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json", { paths: [root] }), "utf8")).version;
const configHash = crypto.createHash("sha256").update(fs.readFileSync(path.join(root, "tsconfig.json"))).digest("hex");
const uid = typeof process.getuid === "function" ? process.getuid() : "user";
const cacheDir = path.join(os.tmpdir(), `clustermesh-ts-require-${uid}`);
fs.mkdirSync(cacheDir, { recursive: true });

let compilerOptions;
function options() {
    if (compilerOptions) return compilerOptions;
    const t = typescript();
    const config = t.readConfigFile(path.join(root, "tsconfig.json"), t.sys.readFile);
    const parsed = t.convertCompilerOptionsFromJson(config.config.compilerOptions, root).options;
    compilerOptions = { ...parsed, module: t.ModuleKind.CommonJS, noEmit: false, inlineSourceMap: true, sourceMap: false, declaration: false };
    return compilerOptions;
}

// Source maps stay off as in plain Node (tsx turns them on): with them on, Node reads the map of
// every module that names one, Pulumi's hundreds of .js.map files too, ~0.3 s per process.
// The output carries an inline map, so NODE_OPTIONS=--enable-source-maps shows .ts lines.
require.extensions[".ts"] = function (module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    const key = crypto.createHash("sha256").update(`${version}\0${configHash}\0${filename}\0`).update(source).digest("hex");
    const cached = path.join(cacheDir, `${key}.js`);
    let code;
    try {
        code = fs.readFileSync(cached, "utf8");
    } catch {
        code = typescript().transpileModule(source, { fileName: filename, compilerOptions: options() }).outputText;
        const temporary = `${cached}.${process.pid}`;
        fs.writeFileSync(temporary, code);
        fs.renameSync(temporary, cached);
    }
    module._compile(code, filename);
};
