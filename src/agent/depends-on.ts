import type { LocalTask } from './task-state.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- container definitions are the registered JSON */
type Json = Record<string, any>;

/**
 * Which of the running containers may be told to stop now. Stop reverses the start order of
 * `dependsOn`: a container is signalled only once every running container that depends on it has
 * stopped, so (for example) a proxy outlives the application that needs it.
 */
export function stoppable(containers: Json[], running: ReadonlySet<string>): string[] {
  return containers
    .filter((c) => running.has(c.name))
    .filter(
      (c) =>
        !containers.some(
          (other) =>
            running.has(other.name) &&
            other.name !== c.name &&
            ((other.dependsOn ?? []) as Json[]).some((d) => d.containerName === c.name),
        ),
    )
    .map((c) => c.name as string);
}

/** Whether a container's dependsOn conditions hold now (START, COMPLETE, SUCCESS, HEALTHY). */
export function dependsOnMet(c: Json, task: LocalTask): boolean {
  return ((c.dependsOn ?? []) as Json[]).every((d) => {
    const dep = task.containers[d.containerName];
    if (!dep) return false;
    switch (d.condition) {
      case 'COMPLETE':
        return dep.lastStatus === 'STOPPED';
      case 'SUCCESS':
        return dep.lastStatus === 'STOPPED' && dep.exitCode === 0;
      case 'HEALTHY':
        return dep.healthStatus === 'HEALTHY';
      default:
        return dep.lastStatus !== 'PENDING';
    }
  });
}
