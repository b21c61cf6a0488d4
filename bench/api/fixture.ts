import WebSocket from 'ws';

/** A call of the ECS API, signed as the caller likes (open mode: any SigV4 shape). */
export type EcsCall = (op: string, body: object) => Promise<Record<string, unknown>>;

/**
 * A cluster `bench` with one minimal agent holding an instance (tasks are placed and stay
 * PENDING, never started) and 100 tasks. Returns the task ARNs and the agent, to close.
 */
export async function benchCluster(
  endpoint: string,
  call: EcsCall,
  /** In strict mode: the agent's signed upgrade header and the host it was signed for. */
  signedAgent?: { authorization: string; hostname: string },
): Promise<{ arns: string[]; agent: WebSocket }> {
  const agentHeaders: Record<string, string> = signedAgent ? { authorization: signedAgent.authorization } : {};
  await call('CreateCluster', { clusterName: 'bench' });
  const ws = new WebSocket(`${endpoint.replace('http', 'ws')}/agent/v1`, { headers: agentHeaders });
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  ws.send(
    JSON.stringify({
      type: 'hello',
      cluster: 'bench',
      agentVersion: 'bench',
      ...(signedAgent ? { hostname: signedAgent.hostname } : {}),
      resources: { cpu: 1_000_000, memory: 10_000_000, ports: [], gpus: 0 },
      attributes: [],
    }),
  );
  await new Promise((r) => setTimeout(r, 500));
  await call('RegisterTaskDefinition', {
    family: 'bench',
    networkMode: 'none',
    containerDefinitions: [{ name: 'c', image: 'busybox', memory: 16, cpu: 1 }],
  });
  const arns: string[] = [];
  for (let i = 0; i < 10; i++) {
    const r = (await call('RunTask', { cluster: 'bench', taskDefinition: 'bench', count: 10 })) as {
      tasks: { taskArn: string }[];
    };
    arns.push(...r.tasks.map((t) => t.taskArn));
  }
  if (arns.length !== 100) throw new Error(`placed ${arns.length} tasks, not 100`);
  return { arns, agent: ws };
}
