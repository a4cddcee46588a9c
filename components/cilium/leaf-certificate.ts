import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { MeshCaMaterial } from "../mesh/certificate-authority";

export interface LeafSubject {
    readonly commonName: string;
    readonly dnsNames: readonly string[];
    readonly ipAddresses: readonly string[];
    /** Client certificate (admin, remote, local) rather than a server one. */
    readonly client: boolean;
}

export interface LeafCertificate {
    /** Certificate, PEM. */
    readonly certPem: pulumi.Output<string>;
    /** Private key, PEM. Secret. */
    readonly keyPem: pulumi.Output<string>;
}

/** Three years, renewed by the first `up` within 30 days of expiry rather than on every render. */
const LEAF_VALIDITY_HOURS = 3 * 365 * 24;
const LEAF_EARLY_RENEWAL_HOURS = 30 * 24;

/**
 * Issues one clustermesh-apiserver certificate signed by the mesh CA, as Pulumi resources
 * (`${name}-key`, `${name}-csr`, `${name}-cert`), so the Helm values are identical on every run.
 */
export function issueLeafCertificate(name: string, subject: LeafSubject, ca: MeshCaMaterial, opts: pulumi.CustomResourceOptions): LeafCertificate {
    const key = new tls.PrivateKey(
        `${name}-key`,
        { algorithm: "ECDSA", ecdsaCurve: "P256" },
        { ...opts, additionalSecretOutputs: ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"] },
    );
    const request = new tls.CertRequest(
        `${name}-csr`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName: subject.commonName },
            dnsNames: [...subject.dnsNames],
            ipAddresses: [...subject.ipAddresses],
        },
        opts,
    );
    const cert = new tls.LocallySignedCert(
        `${name}-cert`,
        {
            certRequestPem: request.certRequestPem,
            caCertPem: ca.certPem,
            caPrivateKeyPem: pulumi.secret(ca.privateKeyPem),
            validityPeriodHours: LEAF_VALIDITY_HOURS,
            earlyRenewalHours: LEAF_EARLY_RENEWAL_HOURS,
            allowedUses: subject.client ? ["digital_signature", "key_encipherment", "client_auth"] : ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
        },
        opts,
    );
    return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
}
