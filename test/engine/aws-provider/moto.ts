/**
 * A small EC2 Query-API client for the engine tests' `aws` stand-in, against `moto_server`
 * (Python moto) at `CLUSTERMESH_ENGINE_MOTO_ENDPOINT` (e.g. http://127.0.0.1:5000). With it the
 * EC2 types moto covers are created in moto, so AWS's own rules are checked for real (a subnet
 * outside its VPC's CIDR, a peering accepted in the wrong region, a VPC deleted before its
 * subnets) instead of being answered with made-up ids.
 *
 * moto does not verify signatures: a form POST (Action=…&Version=2016-11-15) with an
 * Authorization header naming a fake key is enough. The header's credential scope is what moto
 * reads the region from (moto 5.2 core/responses.py `get_region_from_url`: the URL's host, else
 * the user agent, else the Authorization header's scope), so each call names its region there.
 * Never for users, never against AWS.
 */
import { ProviderError } from "../providers/server";

/** The EC2 API version every EC2 SDK sends (moto serves the same shapes). */
const EC2_VERSION = "2016-11-15";

/** An element of an XML document: its name, its child elements, and its text (for a leaf). */
export interface XmlElement {
    readonly name: string;
    readonly children: XmlElement[];
    readonly text: string;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string): string {
    return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
        if (ref.startsWith("#x")) return String.fromCodePoint(parseInt(ref.slice(2), 16));
        if (ref.startsWith("#")) return String.fromCodePoint(parseInt(ref.slice(1), 10));
        return ENTITIES[ref] ?? whole;
    });
}

/**
 * Parses the XML EC2 answers with (elements, attributes ignored, text, entities, CDATA). Not a
 * general XML parser: no DTDs, no namespaces beyond ignoring them; enough for moto's and AWS's
 * responses, which are generated from the API's shapes.
 */
export function parseXml(xml: string): XmlElement {
    const root: XmlElement = { name: "#document", children: [], text: "" };
    const stack: Array<{ el: XmlElement; text: string[] }> = [{ el: root, text: [] }];
    const token = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
    let at = 0;
    for (const m of xml.matchAll(token)) {
        if (m.index !== at) throw new Error(`not XML at offset ${at}: ${JSON.stringify(xml.slice(at, at + 40))}`);
        at = m.index + m[0].length;
        const top = stack[stack.length - 1];
        const [, cdata, closing, name, , selfClosing, text] = m;
        if (cdata !== undefined) top.text.push(cdata);
        else if (text !== undefined) top.text.push(decode(text));
        else if (name === undefined) continue; // a comment or a declaration
        else if (closing) {
            if (top.el.name !== name || stack.length === 1) throw new Error(`XML: </${name}> closes <${top.el.name}>`);
            stack.pop();
            (top.el as { text: string }).text = top.el.children.length === 0 ? top.text.join("") : "";
        } else {
            const el: XmlElement = { name: name.replace(/^[\w-]+:/, ""), children: [], text: "" };
            top.el.children.push(el);
            if (!selfClosing) stack.push({ el, text: [] });
        }
    }
    if (at !== xml.length) throw new Error(`not XML at offset ${at}`);
    if (stack.length !== 1) throw new Error(`XML: <${stack[stack.length - 1].el.name}> is never closed`);
    const [document] = root.children;
    if (!document || root.children.length !== 1) throw new Error("XML: not one root element");
    return document;
}

/**
 * An element as plain data, the way EC2's XML reads: a leaf is its text; an element whose
 * children are all `<item>` (EC2's lists: `vpcSet`, `tagSet`, …) is an array, also when it is
 * empty and its name says it is a list (`…Set`); anything else is an object by child name.
 */
export function toValue(el: XmlElement): unknown {
    if (el.children.length === 0) return /Set$/.test(el.name) && el.text.trim() === "" ? [] : el.text;
    if (el.children.every((c) => c.name === "item")) return el.children.map(toValue);
    const out: Record<string, unknown> = {};
    for (const c of el.children) out[c.name] = toValue(c);
    return out;
}

/** An error AWS (here moto) answered with: its code (`InvalidSubnet.Range`) and message. */
export class AwsError extends ProviderError {
    constructor(
        readonly action: string,
        readonly code: string,
        readonly awsMessage: string,
    ) {
        super(`${action}: ${code}: ${awsMessage}`);
    }
}

/** The error of an EC2 error response (`<Response><Errors><Error><Code>…`), or undefined. */
export function errorOf(action: string, doc: XmlElement): AwsError | undefined {
    if (doc.name !== "Response" && doc.name !== "ErrorResponse") return undefined;
    const errors = doc.children.find((c) => c.name === "Errors") ?? doc;
    const error = errors.children.find((c) => c.name === "Error");
    if (!error) return undefined;
    const field = (n: string) => error.children.find((c) => c.name === n)?.text ?? "";
    return new AwsError(action, field("Code") || "UnknownError", field("Message"));
}

export type Params = Readonly<Record<string, string | number | boolean | undefined>>;

/** The form body of a Query-API call; undefined parameters are left out, the rest sorted so a request is the same every run. */
export function formBody(action: string, params: Params): string {
    const pairs: Array<[string, string]> = [
        ["Action", action],
        ["Version", EC2_VERSION],
    ];
    for (const key of Object.keys(params).sort()) {
        const value = params[key];
        if (value !== undefined) pairs.push([key, String(value)]);
    }
    return new URLSearchParams(pairs).toString();
}

/**
 * `TagSpecification.1.…` for a create call (keys sorted), or nothing when there are no tags:
 * EC2 refuses a tag specification without tags (InvalidParameterValue).
 */
export function tagSpecification(resourceType: string, tags: unknown): Record<string, string> {
    const entries = tagEntries(tags);
    if (entries.length === 0) return {};
    const out: Record<string, string> = { "TagSpecification.1.ResourceType": resourceType };
    entries.forEach(([k, v], i) => {
        out[`TagSpecification.1.Tag.${i + 1}.Key`] = k;
        out[`TagSpecification.1.Tag.${i + 1}.Value`] = v;
    });
    return out;
}

/** A Pulumi `tags` input as sorted pairs. */
export function tagEntries(tags: unknown): Array<[string, string]> {
    if (tags === null || typeof tags !== "object") return [];
    return Object.entries(tags as Record<string, unknown>)
        .filter(([, v]) => typeof v === "string")
        .map(([k, v]): [string, string] => [k, v as string])
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `Name.1.Key=v`… for a list parameter (`Filter.1.Value.1`, `VpcId.1`). */
export function listParams(prefix: string, values: readonly string[]): Record<string, string> {
    return Object.fromEntries(values.map((v, i) => [`${prefix}.${i + 1}`, v]));
}

/** `Filter.N.Name` / `Filter.N.Value.M` from `{ name: [values] }`. */
export function filterParams(filters: Readonly<Record<string, readonly string[]>>): Record<string, string> {
    const out: Record<string, string> = {};
    Object.entries(filters).forEach(([name, values], i) => {
        out[`Filter.${i + 1}.Name`] = name;
        Object.assign(out, listParams(`Filter.${i + 1}.Value`, values));
    });
    return out;
}

/** Posts one EC2 call to moto in `region` and returns the response's top element as plain data. */
export type Ec2Call = (region: string, action: string, params?: Params) => Promise<Record<string, unknown>>;

/** The EC2 client for `endpoint`; `fetchFn` is replaceable for tests. */
export function ec2Client(endpoint: string, fetchFn: typeof fetch = fetch): Ec2Call {
    const url = endpoint.replace(/\/*$/, "/");
    return async (region, action, params = {}) => {
        // A fake key and signature: moto reads only the credential scope (its region, the account from the key id's default).
        const authorization = `AWS4-HMAC-SHA256 Credential=AKIAENGINETESTMOTO00/20260101/${region}/ec2/aws4_request, SignedHeaders=content-type;host, Signature=${"0".repeat(64)}`;
        const res = await fetchFn(url, {
            method: "POST",
            headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", Authorization: authorization },
            body: formBody(action, params),
        });
        const text = await res.text();
        let doc: XmlElement;
        try {
            doc = parseXml(text);
        } catch (e) {
            throw new ProviderError(`${action}: moto at ${endpoint} answered HTTP ${res.status} with no EC2 response (${(e as Error).message}): ${text.slice(0, 200)}`);
        }
        const error = errorOf(action, doc);
        if (error) throw error;
        if (!res.ok) throw new ProviderError(`${action}: moto answered HTTP ${res.status}: ${text.slice(0, 200)}`);
        return toValue(doc) as Record<string, unknown>;
    };
}

/** The moto endpoint of this run, or undefined (then the stand-in stays deterministic). */
export function motoEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const e = env.CLUSTERMESH_ENGINE_MOTO_ENDPOINT;
    return e ? e : undefined;
}
