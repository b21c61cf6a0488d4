import type { TaskDefinitionRecord } from '../tables.js';
import { parseCpu, parseMemory } from '../task-definitions/resources.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- container definitions are the verbatim registered input */
type Json = Record<string, any>;

export interface Overrides {
  cpu?: string;
  memory?: string;
  containerOverrides?: { name?: string; cpu?: number; memory?: number; memoryReservation?: number }[];
}

/** The containers of a task definition with the request's overrides applied. */
export function effectiveContainers(td: TaskDefinitionRecord, overrides: Overrides = {}): Json[] {
  const containers = (td.input.containerDefinitions as Json[]) ?? [];
  return containers.map((c) => {
    const o = overrides.containerOverrides?.find((x) => x.name === c.name);
    return o
      ? { ...c, ...Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'name')) }
      : c;
  });
}

/**
 * The one host-port rule: in bridge mode a mapping binds its fixed `hostPort` (none or 0: a free
 * one, which the agent picks); in host and awsvpc mode the container's own port.
 */
export function hostPortOf(networkMode: string, pm: { containerPort?: number; hostPort?: number }): number | undefined {
  return networkMode === 'bridge' ? pm.hostPort || undefined : (pm.hostPort ?? pm.containerPort);
}

/**
 * What a task reserves on an instance: task-level cpu/memory when set (or overridden), else the
 * sum over its containers (memory counts the hard limit, or the soft one when only that is set);
 * and the fixed host ports its mappings bind in bridge and host mode.
 */
export function taskReservation(td: TaskDefinitionRecord, overrides: Overrides = {}) {
  const containers = effectiveContainers(td, overrides);
  const cpu =
    overrides.cpu !== undefined
      ? parseCpu(overrides.cpu)
      : (td.cpuUnits ?? containers.reduce((s, c) => s + (c.cpu ?? 0), 0));
  const memory =
    overrides.memory !== undefined
      ? parseMemory(overrides.memory)
      : (td.memoryMiB ?? containers.reduce((s, c) => s + (c.memory ?? c.memoryReservation ?? 0), 0));
  const networkMode = (td.input.networkMode as string | undefined) ?? 'bridge';
  const ports: string[] = [];
  // Only bridge and host tasks bind the instance's ports; awsvpc tasks have addresses of their own.
  if (networkMode === 'bridge' || networkMode === 'host') {
    for (const c of containers) {
      for (const pm of (c.portMappings ?? []) as Json[]) {
        const hostPort = hostPortOf(networkMode, pm);
        if (hostPort) ports.push(`${hostPort}/${pm.protocol ?? 'tcp'}`);
      }
    }
  }
  const gpus = containers.reduce(
    (s, c) =>
      s +
      ((c.resourceRequirements ?? []) as Json[])
        .filter((r) => r.type === 'GPU')
        .reduce((n, r) => n + Number(r.value), 0),
    0,
  );
  return { cpu, memory, ports, gpus, networkMode, containers };
}
