import { createContext, newRequestId, type Clock, notImplemented, type Logger } from '../kernel/index.js';
import { rootPrincipal } from '../iam/index.js';
import { authenticate, type AuthConfig } from './auth.js';
import { authorizeCall, type Decide } from './authorize.js';
import { AwsError, protocolErrors, toAwsError } from './errors.js';
import { decodeInput, validationMessage } from './model/decode.js';
import { CBOR_PATH, cborProtocol } from './protocols/cbor.js';
import { jsonProtocol } from './protocols/json.js';
import type { Protocol } from './protocols/protocol.js';
import { queryParams, queryProtocol } from './protocols/query.js';
import { restJsonProtocol } from './protocols/rest-json.js';
import { header, type RawRequest, type RawResponse } from './raw.js';
import type { AwsService } from './service.js';
import { unservedMessage, unservedRestXml } from './unserved.js';

export interface DispatchDeps {
  /** The services, by model: which one a request is for, how it is decoded and answered. */
  services: readonly AwsService[];
  /**
   * The services with handlers bound to the region a call is signed for (AWS regions share
   * nothing); undefined for a name that is not a region. Without it `services` serves every call.
   */
  regional?: (region: string) => Promise<readonly AwsService[] | undefined> | readonly AwsService[] | undefined;
  auth: AuthConfig;
  /** In strict mode, decides each call by the account's IAM policies. */
  decide?: Decide;
  accountId: string;
  clock: Clock;
  logger: Logger;
}

const protocols: Record<string, Protocol> = {
  json: jsonProtocol,
  query: queryProtocol,
  'rest-json': restJsonProtocol,
  'smithy-rpc-v2-cbor': cborProtocol,
};

/**
 * The protocol a request speaks. A service with several (CloudWatch: CBOR, JSON, query) is asked
 * in whichever the client chose, told apart as its SDKs send them: a /service/…/operation/… path
 * (CBOR), an X-Amz-Target header (JSON), else form parameters (query).
 */
function protocolOf(service: AwsService, req?: RawRequest): Protocol {
  const spoken = service.model.metadata.protocols;
  if (req && spoken && spoken.length > 1) {
    if (spoken.includes('smithy-rpc-v2-cbor') && CBOR_PATH.test(req.path)) return cborProtocol;
    if (spoken.includes('json') && header(req, 'x-amz-target') !== undefined) return jsonProtocol;
    if (spoken.includes('query')) return queryProtocol;
  }
  const p = protocols[service.model.metadata.protocol];
  if (!p) throw new Error(`protocol ${service.model.metadata.protocol} is not supported`);
  return p;
}

/** Whether a request that names no known service looks like the query protocol. */
function looksLikeQuery(req: RawRequest): boolean {
  return header(req, 'x-amz-target') === undefined && queryParams(req).has('Action');
}

function credentialService(req: RawRequest): string | undefined {
  const cred = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(header(req, 'authorization') ?? '');
  if (cred) return cred[1];
  const q = /(?:^|&)X-Amz-Credential=[^&]*?%2F\d{8}%2F[^&]*?%2F([^&%]+)%2F/.exec(req.rawQuery);
  return q?.[1];
}

/** Finds the service a request is for: by X-Amz-Target prefix, else by its credential scope. */
export function resolveService(req: RawRequest, services: readonly AwsService[]): AwsService | undefined {
  const cbor = CBOR_PATH.exec(req.path);
  if (cbor) return services.find((s) => s.model.metadata.targetPrefix === cbor[1]);
  const target = header(req, 'x-amz-target');
  if (target !== undefined) {
    const prefix = target.slice(0, target.lastIndexOf('.'));
    return services.find((s) => s.model.metadata.targetPrefix === prefix);
  }
  const name = credentialService(req);
  return name ? services.find((s) => s.signingName === name) : undefined;
}

/**
 * An error found before dispatch (while the body was read), written in the protocol of the
 * service the request names: XML for the query protocol, JSON otherwise.
 */
export function earlyError(
  req: RawRequest,
  services: readonly AwsService[],
  err: AwsError,
  requestId: string,
): RawResponse {
  const service = resolveService(req, services);
  const protocol = service ? protocolOf(service, req) : looksLikeQuery(req) ? queryProtocol : jsonProtocol;
  return protocol.error(service, err, requestId);
}

/** One AWS API call, from raw request to raw response. It translates; the handlers decide. */
export async function dispatch(req: RawRequest, deps: DispatchDeps, signal?: AbortSignal): Promise<RawResponse> {
  const requestId = newRequestId();
  const service = resolveService(req, deps.services);
  const protocol = service ? protocolOf(service, req) : looksLikeQuery(req) ? queryProtocol : jsonProtocol;
  const isQuery = protocol === queryProtocol;
  try {
    const { claims, key } = authenticate(req, deps.auth, isQuery, deps.clock.now(), service?.signingName);
    const regional = deps.regional ? await deps.regional(claims.region) : deps.services;
    if (!regional) {
      throw protocolErrors.invalidSignature(
        isQuery,
        `Credential should be scoped to a valid region, not '${claims.region}'.`,
      );
    }
    if (!service) {
      const target = header(req, 'x-amz-target');
      if (target !== undefined) throw protocolErrors.unknownOperation(target);
      const xml = unservedRestXml(claims.service, requestId);
      if (xml) return xml;
      throw protocolErrors.unknownOperation(`for service '${claims.service}': ${unservedMessage(claims.service)}`);
    }
    const { op, labels } = protocol.operation(req, service);
    const raw = protocol.input(req, service, op, labels);
    let input: unknown = {};
    if (op.input) {
      const decoded = decodeInput(service.model, op.input.shape, raw);
      if (decoded.typeErrors.length > 0) throw protocolErrors.serialization(decoded.typeErrors.join('; '));
      if (decoded.constraintErrors.length > 0) {
        throw new AwsError(service.validationErrorCode, validationMessage(decoded.constraintErrors), 400);
      }
      input = decoded.value;
    }
    const principal = key?.principal ?? rootPrincipal(deps.accountId);
    const served = regional.find((s) => s.id === service.id);
    if (deps.auth.mode === 'strict' && deps.decide)
      authorizeCall(deps.decide, {
        principal,
        service,
        ...(served?.resourceTags ? { resourceTags: served.resourceTags } : {}),
        operation: op.name,
        input,
        region: claims.region,
        accountId: deps.accountId,
        ...(req.remoteAddress ? { sourceIp: req.remoteAddress } : {}),
        now: deps.clock.now(),
      });
    const handler = served?.handlers[op.name];
    if (!handler) throw notImplemented(`${service.model.metadata.serviceId} ${op.name}`);
    const ctx = createContext({
      requestId,
      accountId: deps.accountId,
      region: claims.region,
      accessKeyId: claims.accessKeyId,
      caller: { arn: principal.arn, userId: principal.userId },
      ...(signal ? { signal } : {}),
    });
    const output = await handler(input, ctx);
    return protocol.result(service, op, output, requestId);
  } catch (e) {
    const err = toAwsError(e, service);
    // A call berth does not implement is the caller's news, not a fault of berth's: no stack.
    if (err.status === 501) deps.logger.debug({ requestId, code: err.code, message: err.message }, 'not implemented');
    else if (err.status >= 500)
      deps.logger.error({ requestId, err: String((e as Error)?.stack ?? e) }, 'request failed');
    return protocol.error(service, err, requestId);
  }
}
