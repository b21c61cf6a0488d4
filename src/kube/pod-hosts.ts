import type { Logger } from '../kernel/index.js';
import type { ExecHandle, ExecListener, ExecRequest, WorkloadSpec } from '../wire/index.js';
import type { KubeDeps } from './deps.js';
import { CONFIG_MAP, NODE, POD, SECRET, SERVICE_ACCOUNT } from './kinds.js';
import { podToken } from './service-account-auth.js';
import { extendedToken } from './service-account-tokens.js';
import type { Volume } from './pod-sources.js';
import { PERSISTENT_VOLUME_CLAIM } from './storage-kinds.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject, type StoredObject } from './object.js';
import { removeObject } from './objects.js';
import { heldStatus, podStatusFrom, type PodReport } from './pod-status.js';
import { isHeld, podConfig, type Held, type Lookup } from './pod-config.js';
import type { ReadTx } from '../store/index.js';
import { podWorkload, workloadIdOf } from './pod-workload.js';
import { timestamp } from './write-rules.js';
import { recordEvent } from './events.js';
import { podEvents } from './kubelet-events.js';

/** The kinds a pod's configuration names, by the name a Lookup gives them. */
const LOOKED_UP = { ConfigMap: CONFIG_MAP, Secret: SECRET, PersistentVolumeClaim: PERSISTENT_VOLUME_CLAIM } as const;

/** A berth host as Kubernetes sees it: the node it is. */
export const HOST_ID_ANNOTATION = 'berth.dev/host-id';

/**
 * A cluster's pods on berth's hosts: the agent gateway's "other face" (control-plane's
 * ForeignWorkloads, matched by shape). It keeps an index from the store's commits — pods by node,
 * workload ids to pods, nodes to hosts — so that a host's set is read without a scan, and tells
 * the gateway which hosts a commit concerns. Reports become the pods' status; a pod being deleted
 * goes once its host says its workload has stopped.
 */
export class PodHosts {
  private readonly pods = new Map<string, KubeObject>();
  private readonly byWorkload = new Map<string, string>();
  private readonly byNode = new Map<string, Set<string>>();
  private readonly hostOfNode = new Map<string, string>();
  private readonly nodeOfHost = new Map<string, string>();
  private readonly addressOfNode = new Map<string, string>();
  /** Pods held for a ConfigMap or Secret they name, with why (so the status is written once per reason). */
  private readonly held = new Map<string, string>();
  private readonly configPrefixes: string[];
  private readonly listeners = new Set<(hostId: string) => void>();
  private readonly unsubscribe: () => void;
  private readonly podPrefix: string;
  private readonly nodePrefix: string;
  private readonly renewal = setInterval(() => this.renewTokens(), 60_000).unref();

  constructor(
    private readonly deps: KubeDeps,
    private readonly cluster: string,
    private readonly logger?: Logger,
  ) {
    this.podPrefix = resourcePrefix({ cluster, kind: POD });
    this.nodePrefix = resourcePrefix({ cluster, kind: NODE });
    this.configPrefixes = [CONFIG_MAP, SECRET, PERSISTENT_VOLUME_CLAIM, SERVICE_ACCOUNT].map((kind) =>
      resourcePrefix({ cluster, kind }),
    );
    this.unsubscribe = deps.store.subscribe((changes) => {
      const hosts = new Set<string>();
      for (const c of changes) {
        if (c.table !== kubeObjects.name) continue;
        const o = c.type === 'put' ? (c.value as StoredObject).object : undefined;
        if (c.key.startsWith(this.podPrefix)) for (const h of this.setPod(c.key, o)) hosts.add(h);
        else if (c.key.startsWith(this.nodePrefix)) for (const h of this.setNode(c.key, o)) hosts.add(h);
        else for (const h of this.namespaceHosts(c.key)) hosts.add(h);
      }
      for (const h of hosts) for (const l of this.listeners) l(h);
    });
    deps.store.read((tx) => {
      for (const e of tx.list(kubeObjects, { prefix: this.nodePrefix })) this.setNode(e.key, e.value.object);
      for (const e of tx.list(kubeObjects, { prefix: this.podPrefix })) this.setPod(e.key, e.value.object);
    });
  }

  /** Updates the index for a pod (or its removal); returns the hosts concerned. */
  private setPod(key: string, o: KubeObject | undefined): string[] {
    const hosts: string[] = [];
    const was = this.pods.get(key);
    const wasNode = was && (was['spec'] as { nodeName?: string }).nodeName;
    if (!o) this.held.delete(key);
    if (was) {
      this.byWorkload.delete(workloadIdOf(was));
      if (wasNode) this.byNode.get(wasNode)?.delete(key);
      const h = wasNode && this.hostOfNode.get(wasNode);
      if (h) hosts.push(h);
      this.pods.delete(key);
    }
    if (o) {
      this.pods.set(key, o);
      this.byWorkload.set(workloadIdOf(o), key);
      const node = (o['spec'] as { nodeName?: string }).nodeName;
      if (node) {
        const set = this.byNode.get(node) ?? new Set<string>();
        set.add(key);
        this.byNode.set(node, set);
        const h = this.hostOfNode.get(node);
        if (h && !hosts.includes(h)) hosts.push(h);
      }
    }
    return hosts;
  }

  private setNode(key: string, o: KubeObject | undefined): string[] {
    const name = key.slice(this.nodePrefix.length);
    const old = this.hostOfNode.get(name);
    if (old) this.nodeOfHost.delete(old);
    this.hostOfNode.delete(name);
    this.addressOfNode.delete(name);
    const host = o ? metaOf(o).annotations?.[HOST_ID_ANNOTATION] : undefined;
    if (host) {
      this.hostOfNode.set(name, host);
      this.nodeOfHost.set(host, name);
      const addr = (
        (o?.['status'] as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? []
      ).find((a) => a.type === 'InternalIP')?.address;
      if (addr) this.addressOfNode.set(name, addr);
    }
    return [...new Set([old, host].filter((h): h is string => Boolean(h)))];
  }

  /**
   * The hosts of pods in the namespace of a ConfigMap, Secret or claim that changed: a held pod
   * may start now, and a running one's volume of its files is to follow (what a pod's spec does
   * not change goes to no host: the feeds send only what differs).
   */
  private namespaceHosts(key: string): string[] {
    const prefix = this.configPrefixes.find((p) => key.startsWith(p));
    if (!prefix) return [];
    const ns = key.slice(prefix.length).split('/')[0] as string;
    const hosts = new Set<string>();
    for (const pod of this.pods.values()) {
      const node = (pod['spec'] as { nodeName?: string }).nodeName;
      const h = node && metaOf(pod).namespace === ns ? this.hostOfNode.get(node) : undefined;
      if (h) hosts.add(h);
    }
    return [...hosts];
  }

  private lookup(tx: ReadTx, namespace: string): Lookup {
    return (kind, name) =>
      tx.get(kubeObjects, objectKey({ cluster: this.cluster, kind: LOOKED_UP[kind], namespace }, name))?.value.object;
  }

  forHost(host: { id: string }): WorkloadSpec[] {
    const node = this.nodeOfHost.get(host.id);
    if (!node) return [];
    const hostIP = this.addressOfNode.get(node);
    const now = this.deps.clock.now().getTime();
    return this.deps.store.read((tx) => {
      const out: WorkloadSpec[] = [];
      for (const key of this.byNode.get(node) ?? []) {
        const pod = this.pods.get(key);
        const phase = (pod?.['status'] as { phase?: string } | undefined)?.phase;
        // A pod that has finished is not run again: its workload is left out once it is stopped.
        if (!pod || phase === 'Succeeded' || phase === 'Failed') continue;
        const tokens = (req: { audience?: string; expirationSeconds?: number }) =>
          podToken(tx, this.cluster, pod, req, now);
        const config = podConfig(pod, this.lookup(tx, metaOf(pod).namespace ?? ''), hostIP, tokens);
        // A pod being deleted, or running already (what it named since gone), goes on to its node
        // even when held: the node keeps the configuration it started it with.
        if (isHeld(config) && !metaOf(pod).deletionTimestamp && phase !== 'Running') this.hold(key, config);
        else {
          this.held.delete(key);
          out.push(podWorkload(pod, isHeld(config) ? undefined : config));
        }
      }
      return out;
    });
  }

  /** Records, once per reason, that a pod waits for something it names: its status and the kubelet's event. */
  private hold(key: string, h: Held): void {
    if (this.held.get(key) === h.message) return;
    this.held.set(key, h.message);
    void (async () => {
      let pod: KubeObject | undefined;
      await this.deps.store.transact((tx) => {
        pod = undefined;
        const e = tx.get(kubeObjects, key);
        if (!e || metaOf(e.value.object).deletionTimestamp) return;
        const node = (e.value.object['spec'] as { nodeName?: string }).nodeName;
        const status = heldStatus(
          e.value.object,
          h,
          node ? this.addressOfNode.get(node) : undefined,
          timestamp(this.deps),
        );
        pod = e.value.object;
        tx.put(kubeObjects, { key, object: { ...pod, status } });
      });
      if (pod)
        await recordEvent(
          this.deps,
          this.cluster,
          pod,
          'Warning',
          h.volume ? 'FailedMount' : 'Failed',
          h.volume ? h.message : `Error: ${h.message}`,
          'kubelet',
        );
    })().catch((e: unknown) => this.logger?.warn?.({ pod: key, err: String(e) }, 'pod status not written'));
  }

  watch(listener: (hostId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether a host is one of the cluster's nodes, and whether pods are bound to it. */
  nodeState(hostId: string): 'none' | 'empty' | 'pods' {
    const node = this.nodeOfHost.get(hostId);
    if (node === undefined) return 'none';
    return (this.byNode.get(node)?.size ?? 0) > 0 ? 'pods' : 'empty';
  }

  /** The node a host is, and the host a node is (undefined: none). */
  nodeName(hostId: string): string | undefined {
    return this.nodeOfHost.get(hostId);
  }
  hostOfNodeName(node: string): string | undefined {
    return this.hostOfNode.get(node);
  }

  owns(workloadId: string): boolean {
    return this.byWorkload.has(workloadId);
  }

  /** The host the pod's node is, and the node's address. */
  nodeOf(pod: KubeObject): { hostId?: string; address?: string } {
    const node = (pod['spec'] as { nodeName?: string }).nodeName;
    if (!node) return {};
    const hostId = this.hostOfNode.get(node);
    const address = this.addressOfNode.get(node);
    return { ...(hostId ? { hostId } : {}), ...(address ? { address } : {}) };
  }

  async report(host: { id: string }, r: PodReport): Promise<void> {
    const key = this.byWorkload.get(r.taskId);
    if (!key) return;
    let events: [KubeObject, 'Normal' | 'Warning', string, string][] = [];
    await this.deps.store.transact((tx) => {
      events = [];
      const e = tx.get(kubeObjects, key);
      if (!e || workloadIdOf(e.value.object) !== r.taskId) return;
      const pod = e.value.object;
      const node = (pod['spec'] as { nodeName?: string }).nodeName;
      if (!node || this.hostOfNode.get(node) !== host.id) return;
      const scope = { cluster: this.cluster, kind: POD, namespace: metaOf(pod).namespace as string };
      if (metaOf(pod).deletionTimestamp && r.phase === 'stopped') {
        removeObject(tx, scope, key, this.deps.clock.now().getTime());
        return;
      }
      const status = podStatusFrom(pod, r, this.addressOfNode.get(node), timestamp(this.deps));
      if (JSON.stringify(status) === JSON.stringify(pod['status'])) return;
      events = podEvents(pod, status);
      tx.put(kubeObjects, { key, object: { ...pod, status } });
    });
    for (const [pod, type, reason, message] of events)
      await recordEvent(this.deps, this.cluster, pod, type, reason, message, 'kubelet');
    this.logger?.debug?.({ pod: key, phase: r.phase }, 'pod report');
  }

  /** The pod a workload id is, if any. */
  podKey(workloadId: string): string | undefined {
    return this.byWorkload.get(workloadId);
  }

  /**
   * Every minute, the hosts of pods with a projected token that expires (not the year-long
   * kube-api-access one): their specs are made again, and a token past four fifths of its life
   * is sent renewed (an unchanged spec sends nothing).
   */
  private renewTokens(): void {
    const hosts = new Set<string>();
    for (const pod of this.pods.values()) {
      const s = pod['spec'] as { nodeName?: string; volumes?: Volume[] };
      const expiring = (s.volumes ?? []).some((v) =>
        (v.projected?.sources ?? []).some((src) => src.serviceAccountToken && !extendedToken(src.serviceAccountToken)),
      );
      const h = expiring && s.nodeName ? this.hostOfNode.get(s.nodeName) : undefined;
      if (h) hosts.add(h);
    }
    for (const h of hosts) for (const l of this.listeners) l(h);
  }

  close(): void {
    clearInterval(this.renewal);
    this.unsubscribe();
  }
}

/** Where a pod's container output is read: the agent of the host that runs it. */
export interface PodLogSource {
  read(
    hostId: string,
    workloadId: string,
    container: string,
    q: { limit?: number; fromEnd?: boolean; startTime?: number },
  ): Promise<{ timestamp: number; stream: string; message: string }[]>;
}

/** What a streamed command's two ends say to each other (the agent wire's words). */
export type { ExecHandle, ExecListener, ExecRequest, TerminalSize } from '../wire/index.js';

/** Where commands run in a pod's containers (kubectl exec): the agent of the host that runs it. */
export interface PodExecSource {
  open(hostId: string, q: ExecRequest, listener: ExecListener): ExecHandle;
}
