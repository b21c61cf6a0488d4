import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { waitUntilTasksStopped } from '@aws-sdk/client-ecs';
import { startAgentFixture, waitOpts, type AgentFixture } from './agent-fixture.js';
import { kubectlFor, kubeTools } from './kube-helpers.js';

// kubectl attach and kubectl run -it: a container's own process, its stdin held open and its
// terminal kept by its monitor on berth's agent (and an ECS container's, as docker run -i -t).
describe('stdin and terminals of containers: kubectl attach, run -it, ECS interactive and pseudoTerminal', () => {
  let fx: AgentFixture;
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  before(async () => {
    fx = await startAgentFixture();
    k = await kubectlFor(fx.berth.endpoint, fx.berth.dataDir);
  });
  after(async () => fx?.dispose());
  const { jsonpath, until } = kubeTools(
    () => k,
    () => fx.imageUri,
  );

  it('kubectl run -it --rm: a shell on a terminal, typed into, its exit code, the pod gone after', async () => {
    // kubectl's terminal a pty that script(1) makes; the keys typed once the shell is there.
    const term = await new Promise<{ code: number; out: string }>((resolve) => {
      const inner = `stty rows 30 cols 100; kubectl run term -it --rm --restart=Never --image=${fx.imageUri} -- sh`;
      const child = spawn('script', ['-qec', inner, '/dev/null'], {
        env: { ...process.env, KUBECONFIG: k.kubeconfig },
      });
      let out = '';
      let typed = false;
      const onData = (d: Buffer) => {
        out += d.toString();
        // The shell's prompt (busybox's `/ # `): kubectl is attached and the shell reads.
        if (!typed && out.includes('/ # ')) {
          typed = true;
          child.stdin.write('echo attached-$((6*7)) $(stty size); tty; exit 3\r');
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      // A prompt printed before kubectl attached is not seen again: a newline asks for another.
      const nudge = setInterval(() => typed || child.stdin.write('\r'), 2000);
      // Not for ever: a session that never ends fails with what it printed.
      const limit = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.once('exit', (code) => {
        clearInterval(nudge);
        clearTimeout(limit);
        resolve({ code: code ?? -1, out });
      });
    });
    assert.match(term.out, /attached-42 30 100/, term.out);
    assert.match(term.out, /\/dev\/pts\/\d+/, term.out);
    assert.match(term.out, /pod "term" deleted/, term.out);
    assert.equal(term.code, 3, term.out);
    assert.equal(await k.ok(['get', 'pods', '-o', 'name']), '');
  });

  it('kubectl attach -i: input to the process’s stdin, its output back, its stdin closed at the end of input', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'reader' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'main',
            image: fx.imageUri,
            stdin: true,
            stdinOnce: true,
            command: ['sh', '-c', 'while read l; do echo echo:$l; done; echo bye'],
          },
        ],
      },
    };
    await k.ok(['apply', '-f', '-'], JSON.stringify(pod));
    await until(
      'reader running',
      () => jsonpath(['get', 'pod', 'reader'], '{.status.phase}'),
      (v) => v === 'Running',
    );
    const r = await k.kubectl(['attach', '-i', 'reader'], 'a\nb\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'echo:a\necho:b\nbye\n');
    await until(
      'reader done',
      () => jsonpath(['get', 'pod', 'reader'], '{.status.phase}'),
      (v) => v === 'Succeeded',
    );
    // A pod that has ended is not attached to.
    const late = await k.kubectl(['attach', 'reader']);
    assert.notEqual(late.code, 0);
    assert.match(late.stderr, /cannot attach a container in a completed pod; current phase is Succeeded/);
  });

  it('gives an ECS container with pseudoTerminal a terminal, and with interactive a stdin left open', async () => {
    await fx.register('tty', [
      {
        name: 'term',
        image: fx.imageUri,
        essential: false,
        memory: 32,
        pseudoTerminal: true,
        // A moment before it ends: what a terminal holds when its last writer exits may be lost.
        command: ['sh', '-c', 'tty; sleep 1'],
      },
      {
        name: 'in',
        image: fx.imageUri,
        essential: true,
        memory: 32,
        interactive: true,
        // A read on a closed stdin (docker run without -i) returns at once; on one held open it waits.
        command: ['sh', '-c', 'a=$(date +%s); read -t 2 line; echo waited $(($(date +%s) - a))'],
      },
    ]);
    const arn = await fx.runTask('tty');
    await waitUntilTasksStopped(waitOpts(fx), { tasks: [arn] });
    const term = (await fx.logs(arn, 'term')).stdout;
    assert.match(term, /^\/dev\/pts\/\d+/, term);
    const waited = (await fx.logs(arn, 'in')).stdout;
    assert.match(waited, /^waited [1-9]/, waited);
  });
});
