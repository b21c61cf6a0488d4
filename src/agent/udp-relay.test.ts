import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'node:test';
import { UdpRelay } from './udp-relay.js';

/** A UDP backend that answers each datagram with its name and what it got. */
async function echo(name: string): Promise<Socket> {
  const s = createSocket('udp4');
  s.on('message', (m, from) => s.send(`${name}:${m.toString()}`, from.port, from.address));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

/** A sender of its own (one flow): sends and waits for one reply, or '' after a short while. */
async function client() {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const ask = (port: number, msg: string) =>
    new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve(''), 300);
      s.once('message', (m, from) => {
        clearTimeout(timer);
        resolve(from.port === port ? m.toString() : `from another port ${from.port}`);
      });
      s.send(msg, port, '127.0.0.1');
    });
  return { ask, close: () => s.close() };
}

const to = (s: Socket) => ({ ip: '127.0.0.1', port: s.address().port });

test('a UDP service port keeps each sender with one backend, picks backends in turn, and drops with none', async (t) => {
  const [a, b] = await Promise.all([echo('a'), echo('b')]);
  const relay = await UdpRelay.open('127.0.0.1', 0, [to(a), to(b)]);
  const [one, two] = await Promise.all([client(), client()]);
  t.after(() => {
    for (const s of [a, b]) s.close();
    relay.close();
    one.close();
    two.close();
  });
  assert.equal(await one.ask(relay.port, 'x'), 'a:x', 'the reply comes back from the service port');
  assert.equal(await one.ask(relay.port, 'y'), 'a:y', 'the same sender stays with its backend');
  assert.equal(await two.ask(relay.port, 'z'), 'b:z');
  assert.equal(relay.flowCount, 2);
  // Backend a is no longer ready: its flow ends, and its sender goes to b.
  relay.setBackends([to(b)]);
  assert.equal(relay.flowCount, 1);
  assert.equal(await one.ask(relay.port, 'w'), 'b:w');
  relay.setBackends([]);
  const three = await client();
  t.after(() => three.close());
  assert.equal(await three.ask(relay.port, 'q'), '', 'with no backend the datagram is dropped');
});

test('an idle UDP flow is forgotten', async (t) => {
  const a = await echo('a');
  const relay = await UdpRelay.open('127.0.0.1', 0, [to(a)], 50);
  const one = await client();
  t.after(() => {
    a.close();
    relay.close();
    one.close();
  });
  assert.equal(await one.ask(relay.port, 'x'), 'a:x');
  assert.equal(relay.flowCount, 1);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(relay.flowCount, 0);
  await assert.rejects(UdpRelay.open('127.0.0.1', relay.port, []), /EADDRINUSE/);
});
