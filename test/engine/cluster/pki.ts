/**
 * The test cluster's certificates, made locally with the openssl CLI (no network): one CA, the
 * API server's serving certificate (127.0.0.1, localhost, the in-cluster names and the first
 * service address), a client certificate per component with the identity kubeadm gives it, and
 * the service-account signing key pair. ECDSA P-256 keys keep generation well under a second.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A certificate and its key, as paths and as PEM. */
export interface CertPair {
    readonly certPath: string;
    readonly keyPath: string;
    readonly certPem: string;
    readonly keyPem: string;
}

/** Every file the control plane needs. */
export interface ClusterPki {
    readonly ca: CertPair;
    readonly apiserver: CertPair;
    /** CN kubernetes-admin, O system:masters (what kind's kubeconfig carries). */
    readonly admin: CertPair;
    /** CN system:kube-controller-manager (bound by the default RBAC policy). */
    readonly controllerManager: CertPair;
    /** CN system:kube-scheduler (bound by the default RBAC policy). */
    readonly scheduler: CertPair;
    /** The service-account signing key (private) and its public key. */
    readonly serviceAccountKeyPath: string;
    readonly serviceAccountPubPath: string;
}

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function newKey(dir: string, name: string): string {
    const path = join(dir, `${name}.key`);
    openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path], dir);
    return path;
}

function pair(certPath: string, keyPath: string): CertPair {
    return { certPath, keyPath, certPem: readFileSync(certPath, "utf8"), keyPem: readFileSync(keyPath, "utf8") };
}

/** Signs a certificate for `subject` with the CA; `sans` (DNS:/IP: entries) make it a serving certificate. */
function signed(dir: string, name: string, subject: string, ca: CertPair, usage: "server" | "client", sans: string[] = []): CertPair {
    const key = newKey(dir, name);
    const csr = join(dir, `${name}.csr`);
    const ext = join(dir, `${name}.ext`);
    openssl(["req", "-new", "-key", key, "-subj", subject, "-out", csr], dir);
    writeFileSync(
        ext,
        [
            "basicConstraints=critical,CA:FALSE",
            "keyUsage=critical,digitalSignature,keyEncipherment",
            `extendedKeyUsage=${usage === "server" ? "serverAuth" : "clientAuth"}`,
            ...(sans.length > 0 ? [`subjectAltName=${sans.join(",")}`] : []),
            "",
        ].join("\n"),
    );
    const cert = join(dir, `${name}.crt`);
    openssl(["x509", "-req", "-in", csr, "-CA", ca.certPath, "-CAkey", ca.keyPath, "-CAcreateserial", "-days", "30", "-sha256", "-extfile", ext, "-out", cert], dir);
    return pair(cert, key);
}

/**
 * Writes the PKI into `dir` (which must exist). `serverNames` are extra DNS names of the API
 * server (e.g. kind's `<name>-control-plane`), `firstServiceIP` the `kubernetes` Service address.
 */
export function generatePki(dir: string, opts: { clusterName: string; serverNames: string[]; firstServiceIP: string }): ClusterPki {
    const caKey = newKey(dir, "ca");
    const caCert = join(dir, "ca.crt");
    openssl(
        ["req", "-x509", "-new", "-key", caKey, "-subj", `/CN=${opts.clusterName}-ca`, "-days", "30", "-sha256", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature", "-out", caCert],
        dir,
    );
    const ca = pair(caCert, caKey);
    const dns = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", ...opts.serverNames];
    const apiserver = signed(dir, "apiserver", "/CN=kube-apiserver", ca, "server", [...dns.map((d) => `DNS:${d}`), "IP:127.0.0.1", `IP:${opts.firstServiceIP}`]);
    const admin = signed(dir, "admin", "/O=system:masters/CN=kubernetes-admin", ca, "client");
    const controllerManager = signed(dir, "controller-manager", "/CN=system:kube-controller-manager", ca, "client");
    const scheduler = signed(dir, "scheduler", "/CN=system:kube-scheduler", ca, "client");
    const saKey = newKey(dir, "sa");
    const saPub = join(dir, "sa.pub");
    openssl(["pkey", "-in", saKey, "-pubout", "-out", saPub], dir);
    return { ca, apiserver, admin, controllerManager, scheduler, serviceAccountKeyPath: saKey, serviceAccountPubPath: saPub };
}

/** A kubeconfig for one user of the cluster, certificates embedded (the shape `kind get kubeconfig` prints). */
export function kubeconfigYaml(opts: { contextName: string; server: string; ca: CertPair; user: CertPair; userName: string }): string {
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    return [
        "apiVersion: v1",
        "clusters:",
        "- cluster:",
        `    certificate-authority-data: ${b64(opts.ca.certPem)}`,
        `    server: ${opts.server}`,
        `  name: ${opts.contextName}`,
        "contexts:",
        "- context:",
        `    cluster: ${opts.contextName}`,
        `    user: ${opts.userName}`,
        `  name: ${opts.contextName}`,
        `current-context: ${opts.contextName}`,
        "kind: Config",
        "preferences: {}",
        "users:",
        `- name: ${opts.userName}`,
        "  user:",
        `    client-certificate-data: ${b64(opts.user.certPem)}`,
        `    client-key-data: ${b64(opts.user.keyPem)}`,
        "",
    ].join("\n");
}
