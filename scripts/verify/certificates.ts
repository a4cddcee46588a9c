/**
 * Certificate expiry, as `npm run verify` reports it: the mesh CA and every clustermesh
 * certificate the cluster holds, each with its expiry date and days left; the check fails when
 * one expires within `RENEW_BEFORE_DAYS`. Pure over PEM text and a date, so it is tested with
 * fixed certificates and a moved clock.
 */
import { X509Certificate } from "crypto";
import type { CheckResult } from "./checks";
import { byCodePoint } from "../../lib/order";

/** Fail this many days before an expiry (the leaf certificates' `earlyRenewalHours`, 30 days). */
export const RENEW_BEFORE_DAYS = 30;

/**
 * Secrets in kube-system that hold clustermesh certificates, and their certificate keys: the
 * CA the chart writes from `tls.ca` and the clustermesh-apiserver's server, admin, remote and
 * KVStoreMesh local client certificates.
 */
export const CLUSTERMESH_CERTIFICATE_SECRETS: ReadonlyArray<{ readonly secret: string; readonly keys: readonly string[] }> = [
    { secret: "cilium-ca", keys: ["ca.crt"] },
    { secret: "clustermesh-apiserver-server-cert", keys: ["tls.crt", "ca.crt"] },
    { secret: "clustermesh-apiserver-admin-cert", keys: ["tls.crt", "ca.crt"] },
    { secret: "clustermesh-apiserver-remote-cert", keys: ["tls.crt", "ca.crt"] },
    { secret: "clustermesh-apiserver-local-cert", keys: ["tls.crt", "ca.crt"] },
];

/** One certificate as read from the cluster: where it came from and its PEM. */
export interface CertificateSource {
    /** e.g. `kube-system/cilium-ca ca.crt`. */
    readonly source: string;
    readonly pem: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The expiry check over what could be read. Each certificate is listed once (by fingerprint), soonest expiry first. */
export function checkCertificates(sources: readonly CertificateSource[], now: Date, renewBeforeDays = RENEW_BEFORE_DAYS): CheckResult {
    const name = "certificate expiry";
    const seen = new Map<string, { source: string; subject: string; ca: boolean; validTo: Date }>();
    const unreadable: string[] = [];
    for (const { source, pem } of sources) {
        let cert: X509Certificate;
        try {
            cert = new X509Certificate(pem);
        } catch {
            unreadable.push(source);
            continue;
        }
        if (!seen.has(cert.fingerprint256)) {
            seen.set(cert.fingerprint256, { source, subject: cert.subject.replace(/\n/g, ", "), ca: cert.ca, validTo: new Date(cert.validTo) });
        }
    }
    if (seen.size === 0) {
        return { name, ok: false, detail: `no clustermesh certificate could be read (looked in kube-system: ${CLUSTERMESH_CERTIFICATE_SECRETS.map((s) => s.secret).join(", ")})` };
    }
    const certs = [...seen.values()].sort((a, b) => a.validTo.getTime() - b.validTo.getTime() || byCodePoint(a.source, b.source));
    const days = (c: { validTo: Date }) => Math.floor((c.validTo.getTime() - now.getTime()) / DAY_MS);
    const soon = certs.filter((c) => days(c) < renewBeforeDays);
    const lines = certs.map((c) => {
        const left = days(c);
        const when = left < 0 ? `EXPIRED ${-left} days ago` : `${left} days left`;
        return `${c.ca ? "mesh CA" : c.subject} (${c.source}) expires ${c.validTo.toISOString().slice(0, 10)}, ${when}`;
    });
    const fixes: string[] = [];
    if (soon.some((c) => !c.ca)) {
        fixes.push(`run pulumi up on the stack: it re-issues clustermesh certificates within ${renewBeforeDays} days of their expiry`);
    }
    if (soon.some((c) => c.ca)) {
        fixes.push("rotate the mesh CA (README: Rotate the mesh CA)");
    }
    const unread = unreadable.length > 0 ? `; not a certificate: ${unreadable.join(", ")}` : "";
    return soon.length > 0
        ? { name, ok: false, detail: `${soon.length} of ${certs.length} expire within ${renewBeforeDays} days: ${lines.join("; ")}${unread}; ${fixes.join("; ")}` }
        : { name, ok: true, detail: `${lines.join("; ")}${unread}` };
}
