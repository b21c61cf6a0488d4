import type { ContainerSpec } from '../wire/index.js';
import type { LocalTask } from './task-state.js';

/**
 * Which of the running containers may be told to stop now. Stop reverses the start order: a
 * container is signalled only once every running container that starts after it has stopped, so
 * (for example) a proxy outlives the application that needs it.
 */
export function stoppable(containers: readonly ContainerSpec[], running: ReadonlySet<string>): string[] {
  return containers
    .filter((c) => running.has(c.name))
    .filter(
      (c) =>
        !containers.some(
          (other) =>
            running.has(other.name) && other.name !== c.name && other.startAfter.some((d) => d.container === c.name),
        ),
    )
    .map((c) => c.name);
}

/** Whether a container's start conditions hold now: started, completed, succeeded, healthy. */
export function dependsOnMet(c: ContainerSpec, task: LocalTask): boolean {
  return c.startAfter.every((d) => {
    const dep = task.containers[d.container];
    if (!dep) return false;
    switch (d.condition) {
      case 'completed':
        return dep.state === 'exited';
      case 'succeeded':
        return dep.state === 'exited' && dep.exitCode === 0;
      case 'healthy':
        return dep.health === 'healthy';
      default:
        return dep.state !== 'waiting';
    }
  });
}
