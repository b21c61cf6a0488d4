import type { AwsError } from '../errors.js';
import type { AwsService } from '../service.js';

const shapeByCode = new WeakMap<object, Map<string, string>>();

/**
 * A service that was once a query service (CloudWatch) names an error by its shape in `__type`
 * and by its query code in `x-amzn-query-error` (`InvalidParameterValue;Sender`), which the SDKs
 * match on. Others name it by its code alone.
 */
export function queryCompatible(
  service: AwsService | undefined,
  err: AwsError,
): { type: string; headers: Record<string, string> } {
  if (!service?.model.metadata.awsQueryCompatible) return { type: err.code, headers: {} };
  let byCode = shapeByCode.get(service.model);
  if (!byCode) {
    byCode = new Map();
    for (const [name, shape] of Object.entries(service.model.shapes)) {
      const code = (shape as { error?: { code?: string } }).error?.code;
      if (code) byCode.set(code, name);
    }
    shapeByCode.set(service.model, byCode);
  }
  return {
    type: byCode.get(err.code) ?? err.code,
    headers: { 'x-amzn-query-error': `${err.code};${err.sender ? 'Sender' : 'Receiver'}` },
  };
}
