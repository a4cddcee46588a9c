/**
 * A stand-in MeshCluster for component tests: a real k8s.Provider and a deletion anchor, no
 * cloud resources. Import it only after installMockEngine (it registers resources).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MeshCluster } from "../components/cluster/mesh-cluster";

export class TestCluster extends pulumi.ComponentResource implements MeshCluster {
    readonly clusterName: string;
    readonly kind: "k3s" | "eks";
    readonly provider: k8s.Provider;
    readonly kubeconfig: pulumi.Output<string>;
    readonly apiServerHost = pulumi.output("10.10.0.10");
    readonly apiServerPort = pulumi.output(6443);
    readonly nodeAddresses = pulumi.output(["10.10.0.10"]);
    readonly deletionAnchor: pulumi.Resource;
    /** What attachCni was called with. */
    readonly attached: pulumi.Resource[] = [];

    constructor(name: string, kind: "k3s" | "eks" = "k3s") {
        super("clustermesh:test:TestCluster", name);
        this.clusterName = name;
        this.kind = kind;
        this.kubeconfig = pulumi.secret(`kubeconfig of ${name}`);
        this.provider = new k8s.Provider(`${name}-provider`, { kubeconfig: this.kubeconfig, clusterIdentifier: name }, { parent: this });
        this.deletionAnchor = this.provider;
        this.registerOutputs({});
    }

    attachCni(cni: pulumi.Resource): pulumi.Resource[] {
        this.attached.push(cni);
        return [];
    }
}
