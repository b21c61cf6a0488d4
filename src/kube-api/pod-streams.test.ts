import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as tcpConnect } from 'node:net';
import { WebSocket } from 'ws';
import { SpdyTestClient, wsClientFrame, WsFrameReader } from './test-spdy-client.js';
import {
  createObject,
  getObject,
  HOST_ID_ANNOTATION,
  NODE,
  POD,
  PodHosts,
  workloadIdOf,
  type ExecListener,
  type ExecRequest,
  type PodExecSource,
  type TerminalSize,
} from '../kube/index.js';
import { testKube } from '../kube/test-kube.js';

import { exitStatus, parseSize } from './pod-exec.js';
import { podStreamsUpgrade } from './pod-streams.js';

const scope = { cluster: 'c', kind: POD, namespace: 'default' };

/** A command twin: it answers input in capitals, keeps resizes, and exits 3 at end of input. */
class EchoExec implements PodExecSource {
  readonly requests: (ExecRequest & { hostId: string })[] = [];
  readonly sizes: TerminalSize[] = [];
  hungUp = 0;
  flooded = 0;
  open(hostId: string, q: ExecRequest, l: ExecListener) {
    this.requests.push({ hostId, ...q });
    // As the agent session's channels do: a session that ended takes nothing more.
    let ended = false;
    const exit = (o: { code: number } | { error: string }) => {
      ended = true;
      l.exit(o);
    };
    if (q.port === 1) exit({ error: 'connect ECONNREFUSED' });
    else if (q.command[0] === 'flood') {
      // A command whose output never stops: 1 MiB at a time until it is hung up on.
      const chunk = Buffer.alloc(1024 * 1024, 120);
      const tick = setInterval(() => {
        // (256 MiB at most, so that a server that never cuts it fails the test, not the machine.)
        if (ended || this.flooded >= 256 * 1024 * 1024) return clearInterval(tick);
        this.flooded += chunk.length;
        l.output('stdout', chunk);
      }, 1);
    } else if (q.port === undefined) l.output('stderr', Buffer.from('ready\n'));
    return {
      write: (d: Buffer) => l.output('stdout', Buffer.from(d.toString().toUpperCase())),
      eof: () => exit({ code: q.port ? 0 : 3 }),
      resize: (s: TerminalSize) => this.sizes.push(s),
      hangUp: () => {
        if (!ended) this.hungUp++;
        ended = true;
      },
    };
  }
}

interface Session {
  frames: Buffer[];
  closed: Promise<void>;
  ws: WebSocket;
  protocol: string;
}

describe('pods/exec over websockets', () => {
  let url = '';
  let hosts: PodHosts;
  const exec = new EchoExec();
  const server = createServer();
  let deps: Awaited<ReturnType<typeof testKube>>;

  before(async () => {
    deps = await testKube();
    await createObject(
      deps,
      { cluster: 'c', kind: NODE },
      {
        kind: 'Node',
        metadata: { name: 'box', annotations: { [HOST_ID_ANNOTATION]: 'h1' } },
      },
    );
    const pod = (name: string, containers: string[]) =>
      createObject(deps, scope, {
        kind: 'Pod',
        metadata: { name },
        spec: { nodeName: 'box', containers: containers.map((c) => ({ name: c, image: 'app' })) },
      });
    await pod('p', ['main']);
    await pod('two', ['a', 'b']);
    await createObject(deps, scope, {
      kind: 'Pod',
      metadata: { name: 'shell' },
      spec: { nodeName: 'box', containers: [{ name: 'main', image: 'app', stdin: true, stdinOnce: true, tty: true }] },
    });
    hosts = new PodHosts(deps, 'c');
    server.on(
      'upgrade',
      podStreamsUpgrade({ strict: false, cluster: (n) => (n === 'c' ? deps : undefined), pods: () => hosts, exec }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/k8s/c/api/v1/namespaces/default/pods`;
  });
  after(() => {
    hosts.close();
    server.close();
  });

  const metaUid = () => (getObject(deps, scope, 'p')['metadata'] as { uid?: string }).uid;

  const connect = (path: string, protocols = ['v5.channel.k8s.io']) =>
    new Promise<Session>((resolve, reject) => {
      const ws = new WebSocket(`${url}/${path}`, protocols);
      const frames: Buffer[] = [];
      const closed = new Promise<void>((r) => ws.on('close', () => r()));
      ws.on('message', (d: Buffer) => frames.push(d));
      ws.on('open', () => resolve({ frames, closed, ws, protocol: ws.protocol }));
      ws.on('unexpected-response', (_req, res: IncomingMessage) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(Object.assign(new Error(body), { status: res.statusCode })));
      });
      ws.on('error', reject);
    });

  it('runs a command: input in, output and the exit status out, a resize passed on', async () => {
    const s = await connect('p/exec?command=sh&command=-c&command=cat&stdin=true&stdout=true&stderr=true&tty=false');
    assert.equal(s.protocol, 'v5.channel.k8s.io');
    s.ws.send(Buffer.concat([Buffer.of(0), Buffer.from('hi')]));
    s.ws.send(Buffer.concat([Buffer.of(4), Buffer.from('{"Width":100,"Height":30}')]));
    s.ws.send(Buffer.of(255, 0));
    await s.closed;
    const pod = getObject(deps, scope, 'p');
    assert.deepEqual(exec.requests[0], {
      hostId: 'h1',
      taskId: workloadIdOf(pod),
      container: 'main',
      command: ['sh', '-c', 'cat'],
      tty: false,
      stdin: true,
    });
    assert.deepEqual(
      s.frames.map((f) => [f[0], f.subarray(1).toString()]),
      [
        [2, 'ready\n'],
        [1, 'HI'],
        [
          3,
          JSON.stringify({
            metadata: {},
            status: 'Failure',
            message: 'command terminated with non-zero exit code: error executing command [sh -c cat], exit code 3',
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: '3' }] },
          }),
        ],
      ],
    );
    assert.deepEqual(exec.sizes, [], 'no terminal: a resize is not passed on');
  });

  it('passes resizes to a terminal, speaks v4 to a client that offers only it, and hangs up when it leaves', async () => {
    const s = await connect('p/exec?command=sh&stdin=True&stdout=1&tty=t', ['v4.channel.k8s.io']);
    assert.equal(s.protocol, 'v4.channel.k8s.io');
    s.ws.send(Buffer.concat([Buffer.of(4), Buffer.from('{"Width":100,"Height":30}')]));
    s.ws.send(Buffer.concat([Buffer.of(4), Buffer.from('{"Width":-1,"__proto__":{}}')]));
    s.ws.send(Buffer.of(255, 0)); // not a v4 message: ignored
    await new Promise((r) => setTimeout(r, 50));
    s.ws.close();
    await s.closed;
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(exec.sizes, [{ width: 100, height: 30 }]);
    assert.equal(exec.hungUp >= 1, true);
    assert.deepEqual(s.frames, [], 'stderr was not asked for');
  });

  it('attaches to a container’s own process: its stdin and terminal as far as the container holds them', async () => {
    const before = exec.requests.length;
    const s = await connect('shell/attach?stdin=true&stdout=true&stderr=true&tty=true');
    s.ws.send(Buffer.concat([Buffer.of(0), Buffer.from('ls')]));
    s.ws.send(Buffer.concat([Buffer.of(4), Buffer.from('{"Width":90,"Height":20}')]));
    s.ws.send(Buffer.of(255, 0));
    await s.closed;
    assert.deepEqual(exec.requests[before], {
      hostId: 'h1',
      taskId: workloadIdOf(getObject(deps, scope, 'shell')),
      container: 'main',
      command: [],
      tty: true,
      stdin: true,
      attach: true,
    });
    // The end of the attached process is no command's failure: Success, whatever its code.
    assert.deepEqual(
      s.frames.map((f) => [f[0], f.subarray(1).toString()]),
      [
        [2, 'ready\n'],
        [1, 'LS'],
        [3, JSON.stringify({ metadata: {}, status: 'Success' })],
      ],
    );
    assert.deepEqual(exec.sizes.at(-1), { width: 90, height: 20 });
    // A container with no stdin or terminal of its own: the client's are not passed on.
    const plain = await connect('p/attach?stdin=true&stdout=true&tty=true');
    plain.ws.close();
    await plain.closed;
    assert.equal(exec.requests[before + 1]?.stdin, false);
    assert.equal(exec.requests[before + 1]?.tty, false);
  });

  it('cuts the stream of a client that does not read: what waits for it stays bounded, the command is hung up on', async () => {
    const hungUp = exec.hungUp;
    const { port } = new URL(url);
    const socket = tcpConnect(Number(port), '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(
      `GET ${new URL(url).pathname}/p/exec?command=flood&stdout=true HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
        'Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n',
    );
    // Read nothing: the output piles up on the server's side.
    socket.pause();
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    for (let i = 0; i < 200 && exec.hungUp === hungUp; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(exec.hungUp, hungUp + 1, 'the command was hung up on');
    assert.ok(exec.flooded < 64 * 1024 * 1024, `held at most the limit and the socket's buffers: ${exec.flooded}`);
    socket.resume();
    await closed;
  });

  it("refuses before the upgrade with the API server's words", async () => {
    const cases: [string, number, RegExp][] = [
      ['nope/exec?command=sh&stdout=true', 404, /pods \\?"nope\\?" not found/],
      ['p/exec?stdout=true', 400, /you must specify at least one command for the container/],
      ['p/exec?command=sh', 400, /you must specify at least 1 of stdin, stdout, stderr/],
      [
        'two/exec?command=sh&stdout=true',
        400,
        /a container name must be specified for pod two, choose one of: \[a b\]/,
      ],
      ['p/exec?command=sh&stdout=true&container=zz', 400, /container zz is not valid for pod p/],
      ['p/proxy', 405, /pods\/proxy is not implemented in berth yet/],
      ['p/attach', 400, /you must specify at least 1 of stdin, stdout, stderr/],
      ['p/attach?stdout=true&container=zz', 400, /container zz is not valid for pod p/],
    ];
    for (const [path, status, message] of cases)
      await assert.rejects(connect(path), (e: Error & { status?: number }) => {
        assert.equal(e.status, status, path);
        assert.match(e.message, message, path);
        assert.equal((JSON.parse(e.message) as { kind: string }).kind, 'Status');
        return true;
      });
  });

  it('reads sizes and writes exit statuses as kubectl expects them', () => {
    assert.deepEqual(parseSize(Buffer.from('{"Width":80,"Height":24}')), { width: 80, height: 24 });
    for (const bad of [
      '{"Width":80}',
      '{"Width":0,"Height":0}',
      '[]',
      'null',
      '{"Width":1e9,"Height":1}',
      'x',
      '{"Width":1.5,"Height":2}',
    ])
      assert.equal(parseSize(Buffer.from(bad)), undefined, bad);
    assert.deepEqual(exitStatus(['ls'], { code: 0 }), { metadata: {}, status: 'Success' });
    assert.deepEqual(exitStatus(['ls'], { error: 'The agent disconnected.' }), {
      metadata: {},
      status: 'Failure',
      message: 'The agent disconnected.',
      reason: 'InternalError',
    });
  });

  it('forwards connections over SPDY, raw or tunnelled in a websocket, one error and data stream pair each', async () => {
    const port = (server.address() as AddressInfo).port;
    const path = '/k8s/c/api/v1/namespaces/default/pods/p/portforward';
    // Raw: an HTTP upgrade to SPDY/3.1, then frames on the socket.
    const sock = tcpConnect(port, '127.0.0.1');
    let head = '';
    const upgraded = new Promise<void>((resolve) => {
      const onData = (d: Buffer) => {
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.off('data', onData);
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        head = head.slice(0, end);
        sock.on('data', (b: Buffer) => raw.feed(b));
        if (rest.length) raw.feed(rest);
        resolve();
      };
      sock.on('data', onData);
    });
    const raw = new SpdyTestClient((b) => sock.write(b));
    sock.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n`,
    );
    await upgraded;
    assert.match(head, /^HTTP\/1.1 101 Switching Protocols/);
    assert.match(head, /X-Stream-Protocol-Version: portforward.k8s.io/);
    await raw.open(1, { streamType: 'error', port: '8080', requestID: '0' }, true);
    await raw.open(3, { streamType: 'data', port: '8080', requestID: '0' });
    raw.data(3, 'hello');
    raw.data(3, '', true);
    assert.deepEqual(await raw.read(100), ['reply 1 0', 'reply 3 0', 'data 3 HELLO', 'data 3  FIN', 'data 1  FIN']);
    const last = exec.requests.at(-1);
    assert.equal(last?.port, 8080);
    assert.deepEqual(last?.command, []);
    // Nothing listens on port 1: the error stream says so, as the kubelet words it.
    await raw.open(5, { streamType: 'error', port: '1', requestID: '1' }, true);
    await raw.open(7, { streamType: 'data', port: '1', requestID: '1' });
    const out = await raw.read(100);
    assert.equal(out[2], `data 5 error forwarding port 1 to pod p, uid ${String(metaUid())}: connect ECONNREFUSED`);
    await raw.open(9, { streamType: 'error', port: '99999', requestID: '2' }, true);
    await raw.open(11, { streamType: 'data', port: '99999', requestID: '2' });
    assert.match((await raw.read(100))[2] ?? '', /invalid port "99999"/);
    sock.destroy();

    // Tunnelled: the websocket subprotocol kubectl asks for first.
    const ws = tcpConnect(port, '127.0.0.1');
    let wsHead = '';
    const tunnel = new SpdyTestClient((b) => ws.write(wsClientFrame(b)));
    const frames = new WsFrameReader((m) => tunnel.feed(m));
    const open = new Promise<void>((resolve) => {
      const onData = (d: Buffer) => {
        wsHead += d.toString('latin1');
        const end = wsHead.indexOf('\r\n\r\n');
        if (end < 0) return;
        ws.off('data', onData);
        ws.on('data', (b: Buffer) => frames.feed(b));
        frames.feed(Buffer.from(wsHead.slice(end + 4), 'latin1'));
        wsHead = wsHead.slice(0, end);
        resolve();
      };
      ws.on('data', onData);
    });
    ws.write(
      `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n\r\n`,
    );
    await open;
    assert.match(wsHead, /^HTTP\/1.1 101 Switching Protocols/);
    assert.match(wsHead, /Sec-WebSocket-Protocol: SPDY\/3.1\+portforward.k8s.io/);
    await tunnel.open(1, { streamtype: 'error', port: '80', requestid: '0' }, true);
    await tunnel.open(3, { streamtype: 'data', port: '80', requestid: '0' });
    tunnel.data(3, 'abc', true);
    assert.deepEqual(await tunnel.read(100), ['reply 1 0', 'reply 3 0', 'data 3 ABC', 'data 3  FIN', 'data 1  FIN']);
    ws.destroy();
  });

  it('forwards ports over websocket channels, as the Python client asks', async () => {
    const s = await connect('p/portforward?ports=80,1', ['v4.channel.k8s.io']);
    s.ws.send(Buffer.concat([Buffer.of(0), Buffer.from('hi')]));
    await new Promise((r) => setTimeout(r, 50));
    const before = exec.hungUp;
    s.ws.close();
    await s.closed;
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      s.frames.map((f, i) => [f[0], i < 4 ? f.readUInt16LE(1) : f.subarray(1).toString()]),
      [
        [0, 80],
        [1, 80],
        [2, 1],
        [3, 1],
        [3, `error forwarding port 1 to pod p, uid ${String(metaUid())}: connect ECONNREFUSED`],
        [0, 'HI'],
      ],
    );
    assert.equal(exec.hungUp, before + 1, 'the open connection is hung up when the client leaves');
    await assert.rejects(connect('p/portforward?ports=0', ['v4.channel.k8s.io']), /invalid port \\"0\\"/);
    await assert.rejects(connect('p/portforward', ['v4.channel.k8s.io']), /at least one port must be given/);
  });
});
