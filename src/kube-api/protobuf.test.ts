import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { decodeProtobuf } from './protobuf.js';

// Bodies as kubectl 1.32 sent them (`kubectl -n t create configmap app --from-literal=color=blue
// --from-literal=size=2`, `kubectl -n t create secret generic creds --from-literal=user=admin`).
const CONFIG_MAP =
  '6b3873000a0f0a0276311209436f6e6669674d617012300a140a0361707012001a017422002a00320038004200120d0a05636f6c6f721204626c756512090a0473697a651201321a002200';
const SECRET =
  '6b3873000a0c0a0276311206536563726574122f0a160a05637265647312001a017422002a00320038004200120d0a0475736572120561646d696e1a064f70617175651a002200';

// `kubectl -n t create deployment web --image=busybox`.
const DEPLOYMENT =
  '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b0010a200a0377656212001a017422002a003200380042005a0a0a036170701203776562127e0801120c0a0a0a0361707012037765621a640a1c0a0012001a0022002a003200380042005a0a0a036170701203776562124412260a0762757379626f78120762757379626f782a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200';

describe('protobuf bodies', () => {
  it('decodes what kubectl sends into the object’s JSON form', () => {
    assert.deepEqual(decodeProtobuf(Buffer.from(CONFIG_MAP, 'hex')), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app', namespace: 't' },
      data: { color: 'blue', size: '2' },
    });
    assert.deepEqual(decodeProtobuf(Buffer.from(SECRET, 'hex')), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 't' },
      data: { user: Buffer.from('admin').toString('base64') },
      type: 'Opaque',
    });
  });

  it('decodes a Deployment kubectl creates, its pod template and empty fields left out', () => {
    const d = decodeProtobuf(Buffer.from(DEPLOYMENT, 'hex')) as { spec: Record<string, unknown>; metadata: unknown };
    assert.deepEqual(d.metadata, { name: 'web', namespace: 't', labels: { app: 'web' } });
    assert.equal(d.spec['replicas'], 1);
    assert.deepEqual(d.spec['selector'], { matchLabels: { app: 'web' } });
    assert.deepEqual(d.spec['template'], {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'busybox', image: 'busybox', resources: {}, stdin: false, stdinOnce: false, tty: false }],
        hostNetwork: false,
        hostPID: false,
        hostIPC: false,
      },
    });
    assert.deepEqual(d.spec['strategy'], {});
    assert.equal(d.spec['paused'], false);
  });

  it('refuses a truncated body, a field it does not know, and a kind it does not decode', () => {
    const bad = (e: unknown) => e instanceof BerthError && e.detail.reason === 'malformed';
    assert.throws(() => decodeProtobuf(Buffer.from(CONFIG_MAP.slice(0, 60), 'hex')), bad);
    assert.throws(() => decodeProtobuf(Buffer.from('6b38730012', 'hex')), bad);
    assert.throws(() => decodeProtobuf(Buffer.from('{"kind":"ConfigMap"}')), /k8s magic/);
    // A ConfigMap named x with a field 9 (a varint) that ConfigMap does not have.
    const field = (n: number, body: Buffer) => Buffer.concat([Buffer.from([(n << 3) | 2, body.length]), body]);
    const typeMeta = field(1, Buffer.concat([field(1, Buffer.from('v1')), field(2, Buffer.from('ConfigMap'))]));
    const raw = Buffer.concat([field(1, field(1, Buffer.from('x'))), Buffer.from([0x48, 0x01])]);
    const body = Buffer.concat([Buffer.from('6b387300', 'hex'), typeMeta, field(2, raw)]);
    assert.throws(() => decodeProtobuf(body), /field 9 is not one berth knows/);
    assert.deepEqual(
      decodeProtobuf(Buffer.concat([Buffer.from('6b387300', 'hex'), typeMeta, field(2, raw.subarray(0, -2))])),
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x' },
      },
    );
    const pod = Buffer.concat([Buffer.from('6b3873000a090a02763112035061641200', 'hex')]);
    assert.throws(
      () => decodeProtobuf(pod),
      (e: unknown) =>
        e instanceof BerthError &&
        e.detail.reason === 'unsupported-media-type' &&
        /v1\/Pad sent as protobuf/.test(e.message),
    );
  });

  it('decodes an Eviction, as kubectl drain sends one', () => {
    // Length-delimited fields (wire type 2) and one varint (wire type 0), by hand.
    const field = (n: number, body: Buffer) => Buffer.concat([Buffer.of((n << 3) | 2, body.length), body]);
    const text = (n: number, v: string) => field(n, Buffer.from(v));
    const meta = field(1, Buffer.concat([text(1, 'web-0'), text(3, 'default')]));
    const options = field(2, Buffer.concat([Buffer.of((1 << 3) | 0, 30), text(5, 'All')]));
    const raw = Buffer.concat([meta, options]);
    const body = Buffer.concat([
      Buffer.from('k8s\0', 'latin1'),
      field(1, Buffer.concat([text(1, 'policy/v1'), text(2, 'Eviction')])),
      field(2, raw),
    ]);
    assert.deepEqual(decodeProtobuf(body), {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'web-0', namespace: 'default' },
      deleteOptions: { gracePeriodSeconds: 30, dryRun: ['All'] },
    });
  });
});
