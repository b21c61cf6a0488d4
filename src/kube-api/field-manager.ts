import { invalidParameter } from '../kernel/index.js';
import type { FieldManager } from '../kube/index.js';
import { queryFlag } from './query.js';

/**
 * Who a write is by, for managedFields: the request's `fieldManager`, else the product in its
 * User-Agent (`kubectl/v1.32.0 (linux/amd64) …` → `kubectl`), as the API server names it.
 */

const refuse = (kind: string, message: string) =>
  invalidParameter(`${kind}.meta.k8s.io "" is invalid: ${message}`, {
    causes: [{ field: message.slice(0, message.indexOf(':')), message: message.slice(message.indexOf(':') + 2) }],
  });

/** Printable characters only (Go's unicode.IsPrint: no controls, no separators but the space). */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|[^\S ]/u;

function checked(kind: string, name: string): string {
  if ([...name].length > 128) throw refuse(kind, `fieldManager: Too long: may not be more than 128 bytes`);
  if (UNPRINTABLE.test(name)) throw refuse(kind, `fieldManager: Invalid value: "${name}": invalid characters`);
  return name;
}

/** An Update's writer (create, update, patch other than apply), or undefined when it names none. */
export function writerOf(
  q: URLSearchParams,
  userAgent: string | undefined,
  kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions',
  subresource?: string,
): FieldManager | undefined {
  if (q.has('force')) throw refuse(kind, 'force: Forbidden: may not be specified for non-apply patch');
  const given = q.get('fieldManager');
  const manager = given ? checked(kind, given) : (userAgent ?? '').split('/')[0]?.slice(0, 128);
  return manager ? { manager, ...(subresource ? { subresource } : {}) } : undefined;
}

/** An apply's manager (required) and whether it forces conflicts. */
export function applierOf(q: URLSearchParams): { manager: string; force: boolean } {
  const given = q.get('fieldManager');
  if (!given) throw refuse('PatchOptions', 'fieldManager: Required value: is required for apply patch');
  const force = q.get('force');
  if (force !== null && !/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(force))
    throw invalidParameter(`force: Invalid value: "${force}": must be a boolean`, { reason: 'malformed' });
  return { manager: checked('PatchOptions', given), force: queryFlag(q, 'force') };
}
