import { metaOf, type KubeObject } from './meta.js';
import { fieldValue, Missing, noun, valueOf, type Data } from './pod-config-data.js';
import type { Container } from './pod-rules.js';
import { API_SERVICE_IP } from './service-rules.js';

/** A container's environment, command and args as the kubelet resolves them. */
export type Lookup = (kind: 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim', name: string) => KubeObject | undefined;

export interface ContainerConfig {
  env: { name: string; value: string }[];
  secretEnv: { name: string; from: string; value: string }[];
  addressEnv: string[];
  command?: string[];
  args?: string[];
}

/**
 * `$(NAME)` in a value becomes the variable's value when it is defined earlier, `$$` a `$`; any
 * other `$(...)` stays as written (the kubelet's expansion). One pass, linear in the value.
 */
export function expand(value: string, vars: Map<string, string>): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i] as string;
    if (c !== '$' || i + 1 >= value.length) {
      out += c;
      i++;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const end = value.indexOf(')', i + 2);
      const name = end < 0 ? undefined : value.slice(i + 2, end);
      if (name !== undefined && vars.has(name)) {
        out += vars.get(name) as string;
        i = end + 1;
      } else {
        out += '$(';
        i += 2;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The `kubernetes` Service's variables (docker links' style, as for every Service the kubelet names). */
export const API_SERVICE_ENV: readonly [string, string][] = [
  ['KUBERNETES_SERVICE_HOST', API_SERVICE_IP],
  ['KUBERNETES_SERVICE_PORT', '443'],
  ['KUBERNETES_SERVICE_PORT_HTTPS', '443'],
  ['KUBERNETES_PORT', `tcp://${API_SERVICE_IP}:443`],
  ['KUBERNETES_PORT_443_TCP', `tcp://${API_SERVICE_IP}:443`],
  ['KUBERNETES_PORT_443_TCP_PROTO', 'tcp'],
  ['KUBERNETES_PORT_443_TCP_PORT', '443'],
  ['KUBERNETES_PORT_443_TCP_ADDR', API_SERVICE_IP],
];

export function containerConfig(
  pod: KubeObject,
  c: Container,
  lookup: Lookup,
  hostIP: string | undefined,
): ContainerConfig {
  const ns = metaOf(pod).namespace ?? '';
  const plain = new Map<string, string>();
  const secret = new Map<string, { from: string; value: string }>();
  const address: string[] = [];
  const set = (name: string, value: string, from?: string) => {
    plain.delete(name);
    secret.delete(name);
    const i = address.indexOf(name);
    if (i >= 0) address.splice(i, 1);
    if (from === undefined) plain.set(name, value);
    else secret.set(name, { from, value });
  };
  const get = (kind: 'ConfigMap' | 'Secret', name: string, optional: boolean | undefined) => {
    const o = lookup(kind, name);
    if (!o && !optional) throw new Missing(`${noun(kind)} "${name}" not found`);
    return o;
  };
  // The API server's own Service, as the kubelet gives it to every container (its env can override).
  for (const [name, value] of API_SERVICE_ENV) set(name, value);
  for (const e of c.envFrom ?? []) {
    const kind = e.configMapRef ? 'ConfigMap' : 'Secret';
    const ref = e.configMapRef ?? e.secretRef ?? {};
    const o = get(kind, ref.name ?? '', ref.optional);
    if (!o) continue;
    for (const k of Object.keys((o as Data).data ?? {}).sort()) {
      const v = (valueOf(kind, o, k) as Buffer).toString('utf8');
      set(`${e.prefix ?? ''}${k}`, v, kind === 'Secret' ? `secret/${ns}/${ref.name ?? ''}/${k}` : undefined);
    }
  }
  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    if (!from) {
      set(e.name, expand(e.value ?? '', plain));
      continue;
    }
    const ref = from.configMapKeyRef ?? from.secretKeyRef;
    if (ref) {
      const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const o = get(kind, ref.name ?? '', ref.optional);
      if (!o) continue;
      const v = valueOf(kind, o, ref.key);
      if (!v) {
        if (ref.optional) continue;
        throw new Missing(`couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name ?? ''}`);
      }
      set(e.name, v.toString('utf8'), kind === 'Secret' ? `secret/${ns}/${ref.name ?? ''}/${ref.key}` : undefined);
    } else if (from.fieldRef) {
      const v = fieldValue(pod, from.fieldRef.fieldPath, hostIP);
      if (v === undefined) {
        set(e.name, '');
        plain.delete(e.name);
        address.push(e.name);
      } else set(e.name, v);
    }
  }
  return {
    env: [...plain].map(([name, value]) => ({ name, value })),
    secretEnv: [...secret].map(([name, s]) => ({ name, ...s })),
    addressEnv: address,
    ...(c.command ? { command: c.command.map((a) => expand(a, plain)) } : {}),
    ...(c.args ? { args: c.args.map((a) => expand(a, plain)) } : {}),
  };
}
