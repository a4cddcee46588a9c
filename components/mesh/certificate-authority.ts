import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { failOnProblems } from "../problems";

/** CA material as every member's Cilium needs it: PEM text, the key secret. */
export interface MeshCaMaterial {
    readonly certPem: pulumi.Input<string>;
    /** Secret. */
    readonly privateKeyPem: pulumi.Input<string>;
}

export interface MeshCertificateAuthorityArgs {
    /** Common name of the CA certificate. Default `Cilium ClusterMesh CA`. */
    commonName?: string;
    /** Organization of the CA certificate. Default `clustermesh`. */
    organization?: string;
    /**
     * Validity in hours. Default 87600 (10 years): the CA outlives every leaf certificate, and
     * rotating it is a deliberate action (README: Rotate the mesh CA), never a side effect of `up`.
     */
    validityPeriodHours?: number;
}

/**
 * One CA for the whole mesh. Every member's Cilium gets the same `tls.ca.cert/key`; with a CA per
 * cluster (the chart's `genCA`) members do not trust each other ("Cilium CA certificates do not
 * match"). The key and certificate are Pulumi resources, so a second `up` keeps them.
 */
export class MeshCertificateAuthority extends pulumi.ComponentResource implements MeshCaMaterial {
    /** The CA certificate, PEM. */
    public readonly certPem: pulumi.Output<string>;
    /** The CA private key, PEM. Secret. */
    public readonly privateKeyPem: pulumi.Output<string>;

    constructor(name: string, args: MeshCertificateAuthorityArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const validityPeriodHours = args.validityPeriodHours ?? 87600;
        failOnProblems(
            `MeshCertificateAuthority ${name}`,
            !Number.isInteger(validityPeriodHours) || validityPeriodHours < 24 * 30
                ? [`validityPeriodHours ${validityPeriodHours} is too short; use at least 720 (30 days), e.g. 87600`]
                : [],
            opts,
        );
        super("clustermesh:mesh:MeshCertificateAuthority", name, {}, opts);
        const key = new tls.PrivateKey(
            `${name}-key`,
            { algorithm: "ECDSA", ecdsaCurve: "P256" },
            { parent: this, additionalSecretOutputs: ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"] },
        );
        const cert = new tls.SelfSignedCert(
            `${name}-cert`,
            {
                privateKeyPem: key.privateKeyPem,
                isCaCertificate: true,
                validityPeriodHours,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
                subject: { commonName: args.commonName ?? "Cilium ClusterMesh CA", organization: args.organization ?? "clustermesh" },
            },
            { parent: this },
        );
        this.certPem = cert.certPem;
        this.privateKeyPem = pulumi.secret(key.privateKeyPem);
        this.registerOutputs({ certPem: this.certPem, privateKeyPem: this.privateKeyPem });
    }
}
