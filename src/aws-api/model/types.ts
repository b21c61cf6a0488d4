/** The parts of a botocore `service-2.json` model that berth reads. */
export interface ServiceModel {
  metadata: {
    apiVersion: string;
    endpointPrefix: string;
    protocol: 'json' | 'query' | 'rest-json' | 'rest-xml' | 'ec2' | 'smithy-rpc-v2-cbor';
    /** Every protocol the service speaks, the preferred first (CloudWatch: CBOR, JSON, query). */
    protocols?: string[];
    /** Present on a service once served by the query protocol: its errors name the old code too. */
    awsQueryCompatible?: object;
    jsonVersion?: string;
    targetPrefix?: string;
    signingName?: string;
    serviceId: string;
    xmlNamespace?: string;
  };
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
}

export interface OperationModel {
  name: string;
  http: { method: string; requestUri: string; responseCode?: number };
  input?: ShapeRef;
  output?: ShapeRef & { resultWrapper?: string };
  errors?: ShapeRef[];
}

export interface ShapeRef {
  shape: string;
  location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  locationName?: string;
  flattened?: boolean;
  xmlNamespace?: { uri: string };
  timestampFormat?: 'iso8601' | 'unixTimestamp' | 'rfc822';
  jsonvalue?: boolean;
  idempotencyToken?: boolean;
  queryName?: string;
}

interface ShapeBase {
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  timestampFormat?: 'iso8601' | 'unixTimestamp' | 'rfc822';
  flattened?: boolean;
  locationName?: string;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  exception?: boolean;
  payload?: string;
  document?: boolean;
}

export type Shape =
  | (ShapeBase & { type: 'structure'; members: Record<string, ShapeRef>; required?: string[] })
  | (ShapeBase & { type: 'list'; member: ShapeRef })
  | (ShapeBase & { type: 'map'; key: ShapeRef; value: ShapeRef })
  | (ShapeBase & {
      type:
        | 'string'
        | 'integer'
        | 'long'
        | 'boolean'
        | 'timestamp'
        | 'blob'
        | 'double'
        | 'float'
        | 'bigdecimal'
        | 'biginteger';
    });

export type StructureShape = Extract<Shape, { type: 'structure' }>;
