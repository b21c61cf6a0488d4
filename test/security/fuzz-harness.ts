import type { FastifyInstance } from 'fastify';
import type { AwsService } from '../../src/aws-api/service.js';
import { awsServices } from '../../src/server/app.js';
import { inputFor, rng, type Rng } from './generate.js';
import { testApp } from '../../src/server/test-app.js';

/**
 * Drives every implemented operation of every AWS service berth serves with generated requests,
 * in process (fastify's inject: the real parsers, validators and handlers, no sockets), and
 * counts what came back. Used by the security tests and by `npm run fuzz`.
 */
export interface FuzzReport {
  requests: number;
  byStatusClass: Record<string, number>;
  /** 5xx answers other than 501 NotImplemented: each one is a fault. */
  faults: { op: string; status: number; body: string; input: string }[];
  slowest: { op: string; ms: number };
}

export interface SendResult {
  status: number;
  text: string;
  body: Record<string, unknown> & { __type?: string; message?: string };
}

export interface Fuzzer {
  app: FastifyInstance;
  services: readonly AwsService[];
  run(opts: { perOperation?: number; seconds?: number; seed?: number }): Promise<FuzzReport>;
  /** One signed call of a served service (`ecs`, `ecr`, `logs`, `sts`): a JSON body, or text as given. */
  send(serviceId: string, op: string, body: object | string): Promise<SendResult>;
  close(): Promise<void>;
}

const signedFor = (service: string) => ({
  'x-amz-date': '20240101T000000Z',
  authorization: `AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab`,
});

export async function startFuzzer(): Promise<Fuzzer> {
  const t = await testApp();
  const { app, registry, controlPlane } = t;
  const services = awsServices({ registry, controlPlane });
  const call = async (service: AwsService, op: string, body: string) => {
    const m = service.model.metadata;
    const headers =
      m.protocol === 'query'
        ? { 'content-type': 'application/x-www-form-urlencoded', ...signedFor(service.signingName) }
        : {
            'content-type': `application/x-amz-json-${m.jsonVersion ?? '1.1'}`,
            'x-amz-target': `${m.targetPrefix}.${op}`,
            ...signedFor(service.signingName),
          };
    return app.inject({ method: 'POST', url: '/', headers, payload: body });
  };
  const one = async (service: AwsService, op: string, r: Rng, report: FuzzReport) => {
    const model = service.model;
    const input = inputFor(model, model.operations[op]?.input?.shape, r);
    const body =
      model.metadata.protocol === 'query'
        ? `Action=${encodeURIComponent(op)}&Version=${model.metadata.apiVersion}`
        : JSON.stringify(input);
    const t0 = performance.now();
    const res = await call(service, op, body);
    const ms = performance.now() - t0;
    report.requests++;
    const cls = `${Math.floor(res.statusCode / 100)}xx`;
    report.byStatusClass[cls] = (report.byStatusClass[cls] ?? 0) + 1;
    if (res.statusCode >= 500 && res.statusCode !== 501) {
      report.faults.push({
        op: `${service.id}.${op}`,
        status: res.statusCode,
        body: res.body.slice(0, 300),
        input: body.slice(0, 300),
      });
    }
    if (ms > report.slowest.ms) report.slowest = { op: `${service.id}.${op}`, ms };
  };
  return {
    app,
    services,
    async run({ perOperation = 10, seconds, seed = 1 }) {
      const r = rng(seed);
      const report: FuzzReport = { requests: 0, byStatusClass: {}, faults: [], slowest: { op: '', ms: 0 } };
      const deadline = seconds === undefined ? Infinity : Date.now() + seconds * 1000;
      const ops = services.flatMap((s) => Object.keys(s.handlers).map((op) => [s, op] as const));
      for (let round = 0; seconds !== undefined ? Date.now() < deadline : round < perOperation; round++) {
        for (const [s, op] of ops) {
          await one(s, op, r, report);
          if (Date.now() >= deadline) break;
        }
      }
      return report;
    },
    async send(serviceId, op, body) {
      const service = services.find((s) => s.id === serviceId);
      if (!service) throw new Error(`berth serves no ${serviceId}`);
      const r = await call(service, op, typeof body === 'string' ? body : JSON.stringify(body));
      let parsed: SendResult['body'] = {};
      try {
        parsed = r.json();
      } catch {
        /* an XML answer */
      }
      return { status: r.statusCode, text: r.body, body: parsed };
    },
    close: () => t.dispose(),
  };
}
