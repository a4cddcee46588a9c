/**
 * Stand-in `tls` provider for the engine tests (pulumi-tls/provider/v5 is not served by the Go
 * module proxy here, so the real one cannot be built). It implements the four resources the
 * program uses with real keys and certificates: keys from node:crypto, certificates signed by
 * `openssl` (X.509 v3 with the extensions the upstream provider writes for `allowedUses`,
 * `isCaCertificate`, `dnsNames`, `ipAddresses`). Property names and validation follow the
 * upstream schema (pulumi-tls `tls:index/privateKey:PrivateKey` and friends, from the
 * hashicorp/terraform-provider-tls docs).
 */
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Failure, type Props, type ResourceType, UNKNOWN, isUnknown, str } from "./server";

const ALGORITHMS = ["RSA", "ECDSA", "ED25519"] as const;
// terraform-provider-tls: ecdsa_curve one of P224, P256, P384, P521.
const CURVES: Record<string, { node: string; ssh?: string; sshCurve?: string }> = {
    P224: { node: "secp224r1" },
    P256: { node: "prime256v1", ssh: "ecdsa-sha2-nistp256", sshCurve: "nistp256" },
    P384: { node: "secp384r1", ssh: "ecdsa-sha2-nistp384", sshCurve: "nistp384" },
    P521: { node: "secp521r1", ssh: "ecdsa-sha2-nistp521", sshCurve: "nistp521" },
};
// terraform-provider-tls allowed_uses → X.509 key usage / extended key usage.
const KEY_USAGE: Record<string, string> = {
    digital_signature: "digitalSignature",
    content_commitment: "nonRepudiation",
    key_encipherment: "keyEncipherment",
    data_encipherment: "dataEncipherment",
    key_agreement: "keyAgreement",
    cert_signing: "keyCertSign",
    crl_signing: "cRLSign",
    encipher_only: "encipherOnly",
    decipher_only: "decipherOnly",
};
const EXT_KEY_USAGE: Record<string, string> = {
    any_extended: "anyExtendedKeyUsage",
    server_auth: "serverAuth",
    client_auth: "clientAuth",
    code_signing: "codeSigning",
    email_protection: "emailProtection",
    timestamping: "timeStamping",
    ocsp_signing: "OCSPSigning",
};

function sshString(b: Buffer | string): Buffer {
    const body = typeof b === "string" ? Buffer.from(b) : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    return Buffer.concat([len, body]);
}

function sshMpint(b: Buffer): Buffer {
    let v = b;
    while (v.length > 1 && v[0] === 0 && (v[1] ?? 0) < 0x80) v = v.subarray(1);
    if ((v[0] ?? 0) & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return sshString(v);
}

function b64url(s: string): Buffer {
    return Buffer.from(s, "base64url");
}

/** OpenSSH public blob and private fields for a key (PROTOCOL.key, RFC 4253/5656/8709 encodings). */
function opensshParts(key: crypto.KeyObject, algorithm: string, curve: string): { type: string; pub: Buffer; priv: Buffer } | undefined {
    const jwk = key.export({ format: "jwk" });
    if (algorithm === "ED25519") {
        const pub = b64url(jwk.x ?? "");
        const seed = b64url(jwk.d ?? "");
        return { type: "ssh-ed25519", pub: sshString(pub), priv: Buffer.concat([sshString(pub), sshString(Buffer.concat([seed, pub]))]) };
    }
    if (algorithm === "ECDSA") {
        const c = CURVES[curve];
        if (!c?.ssh || !c.sshCurve) return undefined; // P224 has no OpenSSH encoding (upstream leaves it empty)
        const point = Buffer.concat([Buffer.from([4]), b64url(jwk.x ?? ""), b64url(jwk.y ?? "")]);
        const pub = Buffer.concat([sshString(c.sshCurve), sshString(point)]);
        return { type: c.ssh, pub, priv: Buffer.concat([pub, sshMpint(b64url(jwk.d ?? ""))]) };
    }
    const [n, e] = [b64url(jwk.n ?? ""), b64url(jwk.e ?? "")];
    const pub = Buffer.concat([sshMpint(e), sshMpint(n)]);
    const priv = Buffer.concat([sshMpint(n), sshMpint(e), sshMpint(b64url(jwk.d ?? "")), sshMpint(b64url(jwk.qi ?? "")), sshMpint(b64url(jwk.p ?? "")), sshMpint(b64url(jwk.q ?? ""))]);
    return { type: "ssh-rsa", pub, priv };
}

function opensshKeys(key: crypto.KeyObject, algorithm: string, curve: string): { publicKeyOpenssh: string; privateKeyOpenssh: string } {
    const parts = opensshParts(key, algorithm, curve);
    if (!parts) return { publicKeyOpenssh: "", privateKeyOpenssh: "" };
    const blob = Buffer.concat([sshString(parts.type), parts.pub]);
    const check = crypto.randomBytes(4);
    let section = Buffer.concat([check, check, sshString(parts.type), parts.priv, sshString("")]);
    for (let i = 1; section.length % 8 !== 0; i++) section = Buffer.concat([section, Buffer.from([i])]);
    const body = Buffer.concat([Buffer.from("openssh-key-v1\0"), sshString("none"), sshString("none"), sshString(""), Buffer.from([0, 0, 0, 1]), sshString(blob), sshString(section)]);
    const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
    return {
        publicKeyOpenssh: `${parts.type} ${blob.toString("base64")}\n`,
        privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`,
    };
}

function fingerprints(publicKeyOpenssh: string): { publicKeyFingerprintMd5: string; publicKeyFingerprintSha256: string } {
    const blob = Buffer.from(publicKeyOpenssh.split(" ")[1] ?? "", "base64");
    if (blob.length === 0) return { publicKeyFingerprintMd5: "", publicKeyFingerprintSha256: "" };
    const md5 = crypto.createHash("md5").update(blob).digest("hex").match(/../g)?.join(":") ?? "";
    const sha = `SHA256:${crypto.createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
    return { publicKeyFingerprintMd5: md5, publicKeyFingerprintSha256: sha };
}

const privateKey: ResourceType = {
    replaceOnChanges: ["algorithm", "ecdsaCurve", "rsaBits"],
    check(news) {
        const failures: Failure[] = [];
        if (!ALGORITHMS.includes(news.algorithm as never)) failures.push({ property: "algorithm", reason: `expected one of ${ALGORITHMS.join(", ")}, got ${JSON.stringify(news.algorithm)}` });
        if (news.ecdsaCurve !== undefined && !(str(news.ecdsaCurve) in CURVES)) failures.push({ property: "ecdsaCurve", reason: `expected one of ${Object.keys(CURVES).join(", ")}` });
        return failures;
    },
    create(inputs, ctx) {
        if (ctx.preview) {
            const computed = ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh", "publicKeyPem", "publicKeyOpenssh", "publicKeyFingerprintMd5", "publicKeyFingerprintSha256"];
            return { id: "", outs: { ...inputs, ...Object.fromEntries(computed.map((k) => [k, UNKNOWN])) } };
        }
        const algorithm = String(inputs.algorithm);
        const curve = str(inputs.ecdsaCurve ?? "P224");
        const rsaBits = Number(inputs.rsaBits ?? 2048);
        const { privateKey: key, publicKey: pub } =
            algorithm === "RSA"
                ? crypto.generateKeyPairSync("rsa", { modulusLength: rsaBits })
                : algorithm === "ECDSA"
                  ? crypto.generateKeyPairSync("ec", { namedCurve: CURVES[curve]?.node ?? "prime256v1" })
                  : crypto.generateKeyPairSync("ed25519");
        const pkcs8 = key.export({ format: "pem", type: "pkcs8" }).toString();
        // Upstream: PEM is PKCS#1 for RSA, SEC 1 for ECDSA, PKCS#8 for ED25519.
        const pem = algorithm === "RSA" ? key.export({ format: "pem", type: "pkcs1" }).toString() : algorithm === "ECDSA" ? key.export({ format: "pem", type: "sec1" }).toString() : pkcs8;
        const publicKeyPem = pub.export({ format: "pem", type: "spki" }).toString();
        const ssh = opensshKeys(key, algorithm, curve);
        const id = crypto.createHash("sha1").update(pub.export({ format: "der", type: "spki" })).digest("hex");
        return {
            id,
            outs: { ...inputs, ecdsaCurve: curve, rsaBits, privateKeyPem: pem, privateKeyPemPkcs8: pkcs8, publicKeyPem, ...ssh, ...fingerprints(ssh.publicKeyOpenssh) },
        };
    },
};

interface Subject {
    commonName?: string;
    organization?: string;
    organizationalUnit?: string;
    country?: string;
    locality?: string;
    province?: string;
    serialNumber?: string;
}

function subjectString(s: Subject | undefined): string {
    const parts: Array<[string, string | undefined]> = [
        ["C", s?.country],
        ["ST", s?.province],
        ["L", s?.locality],
        ["O", s?.organization],
        ["OU", s?.organizationalUnit],
        ["CN", s?.commonName],
        ["serialNumber", s?.serialNumber],
    ];
    const body = parts.filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => `/${k}=${String(v).replace(/\//g, "\\/")}`).join("");
    return body === "" ? "/" : body;
}

function usageFailures(news: Props): Failure[] {
    const uses = (news.allowedUses ?? []) as unknown[];
    return uses
        .filter((u) => !isUnknown(u) && !(String(u) in KEY_USAGE) && !(String(u) in EXT_KEY_USAGE))
        .map((u) => ({ property: "allowedUses", reason: `${JSON.stringify(u)} is not one of ${[...Object.keys(KEY_USAGE), ...Object.keys(EXT_KEY_USAGE)].join(", ")}` }));
}

/** The openssl extension section for a certificate. */
function extensions(inputs: Props, ca: boolean): string {
    const uses = ((inputs.allowedUses ?? []) as string[]).map(String);
    const ku = uses.filter((u) => u in KEY_USAGE).map((u) => KEY_USAGE[u]);
    const eku = uses.filter((u) => u in EXT_KEY_USAGE).map((u) => EXT_KEY_USAGE[u]);
    const san = [...((inputs.dnsNames ?? []) as string[]).map((d) => `DNS:${d}`), ...((inputs.ipAddresses ?? []) as string[]).map((i) => `IP:${i}`), ...((inputs.uris ?? []) as string[]).map((u) => `URI:${u}`)];
    const lines = [`basicConstraints = critical, CA:${ca ? "TRUE" : "FALSE"}`, "subjectKeyIdentifier = hash"];
    if (ku.length > 0) lines.push(`keyUsage = critical, ${ku.join(", ")}`);
    if (eku.length > 0) lines.push(`extendedKeyUsage = ${eku.join(", ")}`);
    if (san.length > 0) lines.push(`subjectAltName = ${san.join(", ")}`);
    return `[ext]\n${lines.join("\n")}\n`;
}

function withTemp<T>(fn: (dir: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-tls-"));
    try {
        return fn(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function openssl(args: string[], input?: string): string {
    return execFileSync("openssl", args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

function certOutputs(certPem: string, inputs: Props): Props {
    const x = new crypto.X509Certificate(certPem);
    const start = new Date(x.validFrom).toISOString().replace(/\.000Z$/, "Z");
    const end = new Date(x.validTo).toISOString().replace(/\.000Z$/, "Z");
    const early = Number(inputs.earlyRenewalHours ?? 0);
    const readyForRenewal = Date.now() >= new Date(x.validTo).getTime() - early * 3600_000;
    return { ...inputs, certPem, validityStartTime: start, validityEndTime: end, readyForRenewal, keyAlgorithm: x.publicKey.asymmetricKeyType === "ec" ? "ECDSA" : x.publicKey.asymmetricKeyType === "ed25519" ? "ED25519" : "RSA" };
}

/** openssl takes whole days; validityPeriodHours rounds up to them (the outputs say the real window). */
function days(inputs: Props): string {
    return String(Math.max(1, Math.ceil(Number(inputs.validityPeriodHours) / 24)));
}

const preview = (inputs: Props): Props => ({ ...inputs, certPem: UNKNOWN, validityStartTime: UNKNOWN, validityEndTime: UNKNOWN, readyForRenewal: UNKNOWN, keyAlgorithm: UNKNOWN });

const selfSignedCert: ResourceType = {
    replaceOnChanges: ["privateKeyPem", "subject", "validityPeriodHours", "allowedUses", "isCaCertificate", "dnsNames", "ipAddresses", "uris", "setSubjectKeyId", "setAuthorityKeyId"],
    check(news) {
        const failures = usageFailures(news);
        if (news.validityPeriodHours === undefined) failures.push({ property: "validityPeriodHours", reason: "Missing required argument" });
        if (news.privateKeyPem === undefined) failures.push({ property: "privateKeyPem", reason: "Missing required argument" });
        return failures;
    },
    create(inputs, ctx) {
        if (ctx.preview || isUnknown(inputs)) return { id: "", outs: preview(inputs) };
        const certPem = withTemp((dir) => {
            fs.writeFileSync(path.join(dir, "key.pem"), String(inputs.privateKeyPem), { mode: 0o600 });
            fs.writeFileSync(path.join(dir, "req.cnf"), `[req]\ndistinguished_name = dn\n[dn]\n${extensions(inputs, inputs.isCaCertificate === true)}`);
            return openssl(["req", "-x509", "-new", "-key", path.join(dir, "key.pem"), "-subj", subjectString(inputs.subject as Subject), "-days", days(inputs), "-config", path.join(dir, "req.cnf"), "-extensions", "ext", "-set_serial", `0x${crypto.randomBytes(16).toString("hex")}`]);
        });
        const outs = certOutputs(certPem, inputs);
        return { id: new crypto.X509Certificate(certPem).serialNumber, outs };
    },
};

const certRequest: ResourceType = {
    replaceOnChanges: ["privateKeyPem", "subject", "dnsNames", "ipAddresses", "uris"],
    create(inputs, ctx) {
        if (ctx.preview || isUnknown(inputs)) return { id: "", outs: { ...inputs, certRequestPem: UNKNOWN, keyAlgorithm: UNKNOWN } };
        const pem = withTemp((dir) => {
            fs.writeFileSync(path.join(dir, "key.pem"), String(inputs.privateKeyPem), { mode: 0o600 });
            const san = [...((inputs.dnsNames ?? []) as string[]).map((d) => `DNS:${d}`), ...((inputs.ipAddresses ?? []) as string[]).map((i) => `IP:${i}`)];
            fs.writeFileSync(path.join(dir, "req.cnf"), "[req]\ndistinguished_name = dn\n[dn]\n");
            const args = ["req", "-new", "-key", path.join(dir, "key.pem"), "-subj", subjectString(inputs.subject as Subject), "-config", path.join(dir, "req.cnf")];
            if (san.length > 0) args.push("-addext", `subjectAltName = ${san.join(", ")}`);
            return openssl(args);
        });
        return { id: crypto.createHash("sha1").update(pem).digest("hex"), outs: { ...inputs, certRequestPem: pem, keyAlgorithm: "ECDSA" } };
    },
};

const locallySignedCert: ResourceType = {
    replaceOnChanges: ["certRequestPem", "caCertPem", "caPrivateKeyPem", "validityPeriodHours", "allowedUses", "isCaCertificate", "setSubjectKeyId"],
    check(news) {
        const failures = usageFailures(news);
        for (const k of ["certRequestPem", "caCertPem", "caPrivateKeyPem", "validityPeriodHours"]) if (news[k] === undefined) failures.push({ property: k, reason: "Missing required argument" });
        return failures;
    },
    create(inputs, ctx) {
        if (ctx.preview || isUnknown(inputs)) return { id: "", outs: { ...preview(inputs), caKeyAlgorithm: UNKNOWN } };
        const certPem = withTemp((dir) => {
            fs.writeFileSync(path.join(dir, "csr.pem"), String(inputs.certRequestPem));
            fs.writeFileSync(path.join(dir, "ca.pem"), String(inputs.caCertPem));
            fs.writeFileSync(path.join(dir, "ca-key.pem"), String(inputs.caPrivateKeyPem), { mode: 0o600 });
            // Upstream copies the request's subject and SANs (copy_extensions) into the certificate.
            const csr = openssl(["req", "-in", path.join(dir, "csr.pem"), "-noout", "-text"]);
            const san = /X509v3 Subject Alternative Name:\s*\n\s*(.+)\n/.exec(csr)?.[1]?.replace(/IP Address:/g, "IP:") ?? "";
            const ext = extensions({ ...inputs, dnsNames: [], ipAddresses: [] }, inputs.isCaCertificate === true) + (san ? `subjectAltName = ${san}\n` : "");
            fs.writeFileSync(path.join(dir, "ext.cnf"), ext);
            return openssl(["x509", "-req", "-in", path.join(dir, "csr.pem"), "-CA", path.join(dir, "ca.pem"), "-CAkey", path.join(dir, "ca-key.pem"), "-days", days(inputs), "-extfile", path.join(dir, "ext.cnf"), "-extensions", "ext", "-set_serial", `0x${crypto.randomBytes(16).toString("hex")}`]);
        });
        const outs = { ...certOutputs(certPem, inputs), caKeyAlgorithm: new crypto.X509Certificate(String(inputs.caCertPem)).publicKey.asymmetricKeyType === "ec" ? "ECDSA" : "RSA" };
        return { id: new crypto.X509Certificate(certPem).serialNumber, outs };
    },
};

export const tlsResources: Record<string, ResourceType> = {
    "tls:index/privateKey:PrivateKey": privateKey,
    "tls:index/selfSignedCert:SelfSignedCert": selfSignedCert,
    "tls:index/certRequest:CertRequest": certRequest,
    "tls:index/locallySignedCert:LocallySignedCert": locallySignedCert,
};
