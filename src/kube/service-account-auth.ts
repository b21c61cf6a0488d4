import { BerthError, own, uuid } from '../kernel/index.js';
import type { ReadTx } from '../store/index.js';
import { clusterKeys } from './cluster-keys.js';
import type { KubeDeps } from './deps.js';
import { NODE, POD, SECRET } from './kinds.js';
import { SERVICE_ACCOUNT } from './service-account-kind.js';
import type { KindDef } from './kind-def.js';
import { invalidObject, invalidValue, type Cause } from './names.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import {
  API_AUDIENCE,
  extendedToken,
  serviceAccountClaims,
  tokenId,
  TOKEN_ISSUER,
  TokenSigner,
  type Bound,
  type TokenClaims,
} from './service-account-tokens.js';
import { timestamp } from './write-rules.js';

/**
 * The service account issuer's OIDC discovery (ServiceAccountIssuerDiscovery): its configuration,
 * and its keys to check tokens with, for those outside the cluster who verify its tokens.
 */
export function issuerDiscovery(deps: KubeDeps, cluster: string): { config: object; jwks: object } | undefined {
  const signer = deps.store.read((tx) => signerOf(tx, cluster));
  if (!signer) return undefined;
  return {
    config: {
      issuer: TOKEN_ISSUER,
      jwks_uri: `${TOKEN_ISSUER}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    },
    jwks: { keys: [signer.jwk()] },
  };
}

/** Who a request comes from, as authentication.k8s.io's UserInfo says it. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

const signers = new Map<string, TokenSigner>();

/** The signer of a cluster's tokens, or undefined for a cluster with no keys (made at startup). */
export function signerOf(tx: ReadTx, cluster: string): TokenSigner | undefined {
  const keys = tx.get(clusterKeys, cluster)?.value;
  if (!keys) return undefined;
  const have = signers.get(cluster);
  if (have && have.publicKeyPem === keys.tokenPublicKey) return have;
  const made = new TokenSigner(keys);
  signers.set(cluster, made);
  return made;
}

function lookup(tx: ReadTx, cluster: string, kind: KindDef, name: string, namespace?: string): KubeObject | undefined {
  const scope = { cluster, kind, ...(namespace !== undefined ? { namespace } : {}) };
  return tx.get(kubeObjects, objectKey(scope, name))?.value.object;
}

/** Whether what a token names is still there, with the uid it had: the reason it is not, else undefined. */
function boundProblem(tx: ReadTx, cluster: string, c: TokenClaims): string | undefined {
  const k = c['kubernetes.io'];
  const checks: [KindDef, Bound | undefined, string, string | undefined][] = [
    [SERVICE_ACCOUNT, k.serviceaccount, 'serviceaccounts', k.namespace],
    [POD, k.pod, 'pods', k.namespace],
    [SECRET, k.secret, 'secrets', k.namespace],
    // A pod's token names its node too, but is bound to the pod: the node is checked only when bound to it.
    [NODE, k.pod ? undefined : k.node, 'nodes', undefined],
  ];
  for (const [kind, bound, resource, ns] of checks) {
    if (!bound) continue;
    const o = lookup(tx, cluster, kind, bound.name, ns);
    if (!o || metaOf(o).deletionTimestamp) return `${resource} "${bound.name}" not found`;
    if (metaOf(o).uid !== bound.uid)
      return `${kind.kind} UID (${metaOf(o).uid ?? ''}) does not match claim (${bound.uid})`;
  }
  return undefined;
}

function userOf(c: TokenClaims): UserInfo {
  const k = c['kubernetes.io'];
  const extra: Record<string, string[]> = { 'authentication.kubernetes.io/credential-id': [`JTI=${c.jti}`] };
  if (k.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
  }
  if (k.node) {
    extra['authentication.kubernetes.io/node-name'] = [k.node.name];
    extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
  }
  return {
    username: c.sub,
    uid: k.serviceaccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`, 'system:authenticated'],
    extra,
  };
}

/**
 * A bearer token's user: undefined when it is not one of the cluster's tokens (another kind of
 * credential), else the user or why the token is refused (expired, forged, or naming a service
 * account or pod that is gone).
 */
export function authenticate(
  deps: KubeDeps,
  cluster: string,
  token: string,
  audiences?: readonly string[],
): { user: UserInfo } | { error: string } | undefined {
  return deps.store.read((tx) => {
    const signer = signerOf(tx, cluster);
    const checked = signer?.check(token, Math.floor(deps.clock.now().getTime() / 1000), audiences);
    if (!checked || 'error' in checked) return checked;
    const problem = boundProblem(tx, cluster, checked.claims);
    return problem ? { error: `invalid bearer token, ${problem}` } : { user: userOf(checked.claims) };
  });
}

const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;
const EXTENDED_SECONDS = 365 * 24 * 60 * 60;
const BINDABLE: Record<string, KindDef> = { Pod: POD, Secret: SECRET, Node: NODE };

type TokenRequestSpec = {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } | null;
};

function specCauses(s: TokenRequestSpec): Cause[] {
  const causes: Cause[] = [];
  const secs = s.expirationSeconds;
  if (secs !== undefined && secs !== null) {
    if (!Number.isInteger(secs)) causes.push(invalidValue('spec.expirationSeconds', secs, 'must be an integer'));
    else if (secs < MIN_SECONDS)
      causes.push(invalidValue('spec.expirationSeconds', secs, 'may not specify a duration less than 10 minutes'));
    else if (secs > MAX_SECONDS)
      causes.push(invalidValue('spec.expirationSeconds', secs, 'may not specify a duration larger than 2^32 seconds'));
  }
  if (s.audiences !== undefined && s.audiences !== null && !Array.isArray(s.audiences))
    causes.push(invalidValue('spec.audiences', s.audiences, 'must be a list of strings'));
  const ref = s.boundObjectRef;
  if (ref) {
    if (!ref.kind || own(BINDABLE, ref.kind) === undefined)
      causes.push({
        field: 'spec.boundObjectRef.kind',
        message: `Unsupported value: "${ref.kind ?? ''}": supported values: "Pod", "Secret", "Node"`,
      });
    if (!ref.name) causes.push({ field: 'spec.boundObjectRef.name', message: 'Required value' });
  }
  return causes;
}

/**
 * The serviceaccounts/token subresource (`kubectl create token`): a token for the service
 * account, for the audiences asked (the API server's by default), bound to a pod, secret or node
 * if asked. Returns the TokenRequest with its status.
 */
export function requestToken(
  deps: KubeDeps,
  cluster: string,
  namespace: string,
  name: string,
  body: KubeObject,
): KubeObject {
  const spec = (typeof body['spec'] === 'object' && body['spec'] !== null ? body['spec'] : {}) as TokenRequestSpec;
  const causes = specCauses(spec);
  if (causes.length) throw invalidObject('TokenRequest', name, causes, 'authentication.k8s.io');
  return deps.store.read((tx) => {
    const sa = lookup(tx, cluster, SERVICE_ACCOUNT, name, namespace);
    if (!sa)
      throw new BerthError('NotFound', `serviceaccounts "${name}" not found`, { name, resource: 'serviceaccounts' });
    const signer = signerOf(tx, cluster);
    if (!signer) throw new BerthError('NotImplemented', 'this cluster has no token signing key');
    const ref = spec.boundObjectRef ?? undefined;
    let bound: { kind: string; o: KubeObject } | undefined;
    if (ref?.kind && ref.name) {
      const kind = own(BINDABLE, ref.kind) as KindDef;
      const o = lookup(tx, cluster, kind, ref.name, kind.namespaced ? namespace : undefined);
      if (!o)
        throw new BerthError('NotFound', `${kind.plural} "${ref.name}" not found`, {
          name: ref.name,
          resource: kind.plural,
        });
      if (ref.uid && ref.uid !== metaOf(o).uid)
        throw new BerthError(
          'Conflict',
          `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        );
      bound = { kind: ref.kind, o };
    }
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    const seconds = spec.expirationSeconds ?? 3600;
    const audiences = spec.audiences?.length ? spec.audiences : [API_AUDIENCE];
    const asBound = (o: KubeObject): Bound => ({ name: metaOf(o).name ?? '', uid: metaOf(o).uid ?? '' });
    const token = signer.mint(
      serviceAccountClaims({
        namespace,
        serviceAccount: asBound(sa),
        audiences,
        issuedAt: now,
        expiresAt: now + seconds,
        jti: uuid(),
        ...(bound?.kind === 'Pod' ? { pod: asBound(bound.o) } : {}),
        ...(bound?.kind === 'Secret' ? { secret: asBound(bound.o) } : {}),
        ...(bound?.kind === 'Node' ? { node: asBound(bound.o) } : {}),
      }),
    );
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: timestamp(deps) },
      spec: {
        audiences,
        expirationSeconds: seconds,
        boundObjectRef: ref
          ? { kind: ref.kind, apiVersion: ref.apiVersion ?? 'v1', name: ref.name, uid: metaOf(bound?.o ?? {}).uid }
          : null,
      },
      status: { token, expirationTimestamp: new Date((now + seconds) * 1000).toISOString().replace(/\.\d+Z$/, 'Z') },
    };
  });
}

/**
 * The token a pod's projected volume holds, as the kubelet requests it: bound to the pod and its
 * node, renewed at four fifths of its life (the same claims until then, so the same token: RS256
 * is deterministic). The kube-api-access token asked for 3607 s lasts a year, as the API server
 * extends it. Returns the token or what is missing.
 */
export function podToken(
  tx: ReadTx,
  cluster: string,
  pod: KubeObject,
  request: { audience?: string; expirationSeconds?: number },
  nowMs: number,
): { token: string } | { missing: string } {
  const signer = signerOf(tx, cluster);
  if (!signer) return { missing: 'this cluster has no token signing key' };
  const ns = metaOf(pod).namespace ?? '';
  const saName = ((pod['spec'] as { serviceAccountName?: string }).serviceAccountName ?? 'default') || 'default';
  const sa = lookup(tx, cluster, SERVICE_ACCOUNT, saName, ns);
  if (!sa) return { missing: `failed to fetch token: serviceaccounts "${saName}" not found` };
  const nodeName = (pod['spec'] as { nodeName?: string }).nodeName ?? '';
  const node = nodeName ? lookup(tx, cluster, NODE, nodeName) : undefined;
  const seconds = request.expirationSeconds ?? 3600;
  const renew = Math.min(Math.floor(seconds * 0.8), 24 * 60 * 60);
  const created = Math.floor(Date.parse(metaOf(pod).creationTimestamp ?? '') / 1000) || Math.floor(nowMs / 1000);
  const issuedAt = created + Math.max(0, Math.floor((Math.floor(nowMs / 1000) - created) / renew)) * renew;
  const extended = extendedToken(request);
  const asBound = (o: KubeObject): Bound => ({ name: metaOf(o).name ?? '', uid: metaOf(o).uid ?? '' });
  const podUid = metaOf(pod).uid ?? '';
  const token = signer.mint(
    serviceAccountClaims({
      namespace: ns,
      serviceAccount: asBound(sa),
      audiences: [request.audience || API_AUDIENCE],
      issuedAt,
      expiresAt: issuedAt + (extended ? EXTENDED_SECONDS : seconds),
      ...(extended ? { warnAfter: issuedAt + seconds } : {}),
      pod: asBound(pod),
      ...(node ? { node: asBound(node) } : {}),
      jti: tokenId(podUid, request.audience ?? '', seconds, issuedAt),
    }),
  );
  return { token };
}
