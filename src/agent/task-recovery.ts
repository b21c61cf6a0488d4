import type { LocalTask } from './task-state.js';

/** What recovering a task needs of its runner and the runtime. */
export interface RecoveryOps {
  /** The runtime's word for a container's state (`created`, `running`…); undefined when it has none. */
  status(container: string): Promise<string | undefined>;
  /** Deletes a container and what it left behind, so that it can be made again. */
  discard(container: string): Promise<void>;
  /** Undoes the task's network, which may be half set up. */
  tearDownNetwork(): Promise<void>;
  now(): number;
}

/**
 * A task an agent finds saved when it starts may have got further than its state says. It is
 * saved once its network is up and before any container starts, then again once they have
 * (TaskRunner.provision), so a container it calls PENDING may since have been created, or even
 * started. One that started is adopted: its process runs once, and its exit is read from its
 * monitor like any other's. One that was only created never ran its process: it is deleted, to
 * be made again. A task cut off before that first save started nothing: whatever it created is
 * deleted and its network torn down, and it is provisioned afresh.
 */
export async function recoverTask(t: LocalTask, ops: RecoveryOps): Promise<void> {
  if (t.cleanedUp || t.phase === 'stopped') return;
  const provisioning = t.phase === 'preparing';
  for (const [name, st] of Object.entries(t.containers)) {
    if (st.state !== 'waiting') continue;
    const status = await ops.status(name);
    if (status === undefined) continue;
    if (provisioning || status === 'created') await ops.discard(name);
    else {
      st.state = 'running';
      st.startedAt ??= ops.now();
    }
  }
  if (provisioning) await ops.tearDownNetwork();
}
