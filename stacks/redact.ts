/**
 * What a refusal may print of a value. Refusals end up in terminals, CI logs and the pull-request
 * workflow's job summary, so a value that may be a secret is never printed: anything shaped like
 * a private key, a PEM block, a cloud access key or a long token, and any value under a key whose
 * name says secret. Values of keys the schema does not know are shown as a short prefix at most
 * (a password pasted under a misspelt key stays out of the log). No value prints a raw newline.
 */

/** Shapes of secrets: PEM blocks, OpenSSH private keys, AWS access key ids, long base64/hex runs. */
const SECRET_SHAPES: readonly RegExp[] = [
    /-----BEGIN [A-Z0-9 ]*-----/, // any PEM block: private keys, certificates with keys beside them
    /PRIVATE KEY/,
    /\b(AKIA|ASIA)[0-9A-Z]{16}\b/, // AWS access key id
    /K10[0-9a-f]{16,}::/, // k3s secure join token
    /[A-Za-z0-9+/_-]{40,}={0,2}/, // a long base64 or hex run: a key, a token, a password hash
];

/** Key names that say their value is secret. */
const SECRET_KEY_NAME = /pass(word)?|secret|token|private|credential|apikey|api_key|privatekey/i;

/** The longest prefix of an unknown key's value that is shown. */
export const UNKNOWN_VALUE_PREFIX = 16;

/** True when `text` looks like a secret (see SECRET_SHAPES). An SSH public key line is not one. */
export function looksSecret(text: string): boolean {
    if (/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/.test(text.trim())) {
        return false; // a public key, pinned on purpose
    }
    return SECRET_SHAPES.some((shape) => shape.test(text));
}

/** True when a key's name says its value is secret (`bgpPassword`, `token`, `privateKey`...). */
export function isSecretKeyName(key: string): boolean {
    return SECRET_KEY_NAME.test(key);
}

function containsSecret(value: unknown): boolean {
    // An image digest is a long hex run and no secret.
    if (typeof value === "string") return looksSecret(value.replace(/@?sha256:[0-9a-f]{64}/g, ""));
    if (Array.isArray(value)) return value.some(containsSecret);
    if (value !== null && typeof value === "object") return Object.values(value).some(containsSecret);
    return false;
}

/** Newlines and other control characters as visible escapes, so one problem stays one line. */
export function oneLine(text: string): string {
    return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/** A value fit to print in a refusal of `key`: secrets replaced by a note, never a raw newline. */
export function printable(key: string, value: unknown): unknown {
    if (value === undefined) return undefined;
    if (isSecretKeyName(key.replace(/^clustermesh:/, "")) || containsSecret(value)) {
        return "[value hidden: it may be a secret]";
    }
    return value;
}

/**
 * What is shown of the value of a key the schema does not know: a short prefix of a string,
 * a number or boolean as it is, the shape of anything else; nothing when it may be a secret.
 */
export function preview(key: string, value: unknown): unknown {
    if (value === undefined) return undefined;
    if (isSecretKeyName(key) || containsSecret(value)) return "[value hidden: it may be a secret]";
    if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
    if (typeof value === "string") return value.length > UNKNOWN_VALUE_PREFIX ? `${value.slice(0, UNKNOWN_VALUE_PREFIX)}…` : value;
    return Array.isArray(value) ? `[a list of ${value.length}]` : "{a map}";
}
