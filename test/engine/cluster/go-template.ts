/**
 * The slice of Go's text/template that `docker ... --format` / `-f` takes in this project's
 * scripts (components/cluster/kind-config.ts) and in kind's own use: field paths (`.A.B`),
 * `index` with string keys, parenthesised pipelines, `range ... end`, `json`, `join`, plain text.
 * Anything else is an error naming the construct, so a new script's template is noticed rather
 * than printed wrong.
 */

type Value = unknown;

interface Node {
    readonly kind: "text" | "action" | "range";
    readonly text?: string;
    readonly expr?: string;
    readonly body?: Node[];
}

function parse(template: string): Node[] {
    const tokens = template.split(/(\{\{-?\s*[\s\S]*?\s*-?\}\})/).filter((t) => t !== "");
    const root: Node[] = [];
    const stack: Node[][] = [root];
    for (const token of tokens) {
        const m = /^\{\{-?\s*([\s\S]*?)\s*-?\}\}$/.exec(token);
        const top = stack[stack.length - 1];
        if (!m) {
            top.push({ kind: "text", text: token });
            continue;
        }
        const expr = m[1];
        if (expr.startsWith("range ")) {
            const node: Node = { kind: "range", expr: expr.slice(6).trim(), body: [] };
            top.push(node);
            stack.push(node.body as Node[]);
        } else if (expr === "end") {
            if (stack.length === 1) {
                throw new Error(`template ${JSON.stringify(template)}: {{end}} without {{range}}`);
            }
            stack.pop();
        } else if (/^(if|with|else|define|template|block)\b/.test(expr)) {
            throw new Error(`template ${JSON.stringify(template)}: {{${expr.split(" ")[0]}}} is not simulated by the docker stand-in`);
        } else {
            top.push({ kind: "action", expr });
        }
    }
    if (stack.length !== 1) {
        throw new Error(`template ${JSON.stringify(template)}: {{range}} without {{end}}`);
    }
    return root;
}

function field(value: Value, path: string): Value {
    let v = value;
    for (const part of path.split(".").filter((p) => p !== "")) {
        v = v !== null && typeof v === "object" ? (v as Record<string, Value>)[part] : undefined;
    }
    return v;
}

/** Splits `index .X "k"` style arguments, keeping quoted strings and parenthesised groups whole. */
function args(expr: string): string[] {
    const out: string[] = [];
    let i = 0;
    while (i < expr.length) {
        if (expr[i] === " ") {
            i++;
            continue;
        }
        let j = i;
        if (expr[i] === '"') {
            j = i + 1;
            while (j < expr.length && expr[j] !== '"') {
                j += expr[j] === "\\" ? 2 : 1;
            }
            j++;
        } else if (expr[i] === "(") {
            let depth = 0;
            for (; j < expr.length; j++) {
                depth += expr[j] === "(" ? 1 : expr[j] === ")" ? -1 : 0;
                if (depth === 0) {
                    j++;
                    break;
                }
            }
            // A field path may follow a group: (index .X "k").IPAddress
            while (j < expr.length && expr[j] !== " ") {
                j++;
            }
        } else {
            while (j < expr.length && expr[j] !== " ") {
                j++;
            }
        }
        out.push(expr.slice(i, j));
        i = j;
    }
    return out;
}

function evaluate(expr: string, dot: Value): Value {
    const parts = args(expr.trim());
    if (parts.length === 0) {
        throw new Error("empty template action");
    }
    const [head, ...rest] = parts;
    if (head === "index") {
        let v = evaluate(rest[0], dot);
        for (const key of rest.slice(1)) {
            const k = evaluate(key, dot);
            v = v !== null && typeof v === "object" ? (v as Record<string, Value>)[String(k)] : undefined;
        }
        return v;
    }
    if (head === "json") {
        return JSON.stringify(evaluate(rest.join(" "), dot));
    }
    if (head === "join") {
        const list = evaluate(rest[0], dot);
        return Array.isArray(list) ? list.join(String(evaluate(rest[1], dot))) : "";
    }
    if (rest.length > 0) {
        throw new Error(`template function ${head} is not simulated by the docker stand-in`);
    }
    if (head.startsWith('"')) {
        return JSON.parse(head) as string;
    }
    if (head.startsWith("(")) {
        const close = head.lastIndexOf(")");
        return field(evaluate(head.slice(1, close), dot), head.slice(close + 1));
    }
    if (head === ".") {
        return dot;
    }
    if (head.startsWith(".")) {
        return field(dot, head);
    }
    throw new Error(`template term ${head} is not simulated by the docker stand-in`);
}

/** Go's default formatting of a value in a template: maps as map[k:v], lists as [a b], nothing as <no value>. */
function show(v: Value): string {
    if (v === undefined || v === null) {
        return "<no value>";
    }
    if (Array.isArray(v)) {
        return `[${v.map(show).join(" ")}]`;
    }
    if (typeof v === "object") {
        const map = v as Record<string, Value>;
        return `map[${Object.keys(map).sort().map((k) => `${k}:${show(map[k])}`).join(" ")}]`;
    }
    return typeof v === "string" ? v : JSON.stringify(v);
}

function render(nodes: Node[], dot: Value): string {
    let out = "";
    for (const n of nodes) {
        if (n.kind === "text") {
            out += n.text;
        } else if (n.kind === "action") {
            out += show(evaluate(n.expr as string, dot));
        } else {
            const list = evaluate(n.expr as string, dot);
            const items = Array.isArray(list) ? list : list !== null && typeof list === "object" ? Object.keys(list).sort().map((k) => (list as Record<string, Value>)[k]) : [];
            for (const item of items) {
                out += render(n.body as Node[], item);
            }
        }
    }
    return out;
}

/** Renders a Go template against a value (docker's `--format`). */
export function goTemplate(template: string, value: Value): string {
    return render(parse(template), value);
}
