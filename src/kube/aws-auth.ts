import { parse } from 'yaml';
import type { KubeDeps } from './deps.js';
import { CONFIG_MAP } from './kinds.js';
import { kubeObjects, objectKey } from './object.js';
import type { UserInfo } from './service-account-auth.js';

/** Who an EKS token's signature says the caller is (berth's IAM, as GetCallerIdentity answers). */
export interface AwsIdentity {
  /** The caller's ARN: `…:root`, `…:user/<name>`, `arn:aws:sts::…:assumed-role/<role>/<session>`. */
  arn: string;
  account: string;
  /** For an assumed role: the role's own ARN and the session's name. */
  role?: { arn: string; sessionName: string };
  /** The account's own keys (the credentials file). */
  root: boolean;
}

type Mapping = { userarn?: string; rolearn?: string; username?: string; groups?: string[] };

function mappings(deps: KubeDeps, cluster: string, key: 'mapUsers' | 'mapRoles'): Mapping[] {
  const cm = deps.store.read((tx) =>
    tx.get(kubeObjects, objectKey({ cluster, kind: CONFIG_MAP, namespace: 'kube-system' }, 'aws-auth')),
  )?.value.object;
  const text = (cm?.['data'] as Record<string, string> | undefined)?.[key];
  if (typeof text !== 'string') return [];
  try {
    const list: unknown = parse(text, { maxAliasCount: 10 });
    return Array.isArray(list) ? (list.filter((m) => typeof m === 'object' && m !== null) as Mapping[]) : [];
  } catch {
    return [];
  }
}

/**
 * The Kubernetes user of an AWS caller, as EKS's authenticator makes it: the account's own keys
 * are the cluster's creator, in `system:masters`; another caller is named by the `aws-auth`
 * ConfigMap in kube-system (`mapUsers` by user ARN, `mapRoles` by role ARN; `{{SessionName}}`,
 * `{{AccountID}}` in a user name filled in), else by its ARN with no groups of its own.
 */
export function awsUser(deps: KubeDeps, cluster: string, id: AwsIdentity): UserInfo {
  const extra = { arn: [id.arn], accountId: [id.account] };
  if (id.root) return { username: id.arn, groups: ['system:masters', 'system:authenticated'], extra };
  const m = id.role
    ? mappings(deps, cluster, 'mapRoles').find((x) => x.rolearn === id.role?.arn)
    : mappings(deps, cluster, 'mapUsers').find((x) => x.userarn === id.arn);
  const fill = (s: string) =>
    s.replaceAll('{{SessionName}}', id.role?.sessionName ?? '').replaceAll('{{AccountID}}', id.account);
  const groups = (m?.groups ?? []).filter((g): g is string => typeof g === 'string');
  return {
    username: m?.username ? fill(m.username) : id.arn,
    groups: [...groups, 'system:authenticated'],
    extra,
  };
}
