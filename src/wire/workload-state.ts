import { z } from 'zod';

/**
 * A workload's state in the host's words, which every face maps to its own (ECS: PROVISIONING …
 * STOPPED and its stop codes; Kubernetes: pod phases and container states). The host never
 * speaks a face's words.
 */

/** A workload's phases in lifecycle order: a workload only ever moves forward through them. */
export const WORKLOAD_PHASES = [
  /** Its sandbox (network of its own, cgroup) is being made. */
  'preparing',
  /** Its images are being pulled. */
  'pulling',
  /** Its containers are being created and started. */
  'starting',
  /** Every essential container runs. */
  'running',
  /** Its containers are being stopped. */
  'stopping',
  /** Its sandbox is being taken down. */
  'tearing-down',
  'stopped',
] as const;
export type WorkloadPhase = (typeof WORKLOAD_PHASES)[number];

/** A container's state: not started yet (or waiting to be started again), running, or exited. */
export const CONTAINER_STATES = ['waiting', 'running', 'exited'] as const;
export type ContainerStateWord = (typeof CONTAINER_STATES)[number];

/** What a container's health check (or a workload's essential containers' checks) last said. */
export const HEALTH_STATES = ['healthy', 'unhealthy', 'unknown'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/**
 * Why a workload ended before it was asked to stop: it failed to start (an image could not be
 * pulled, its sandbox could not be made, a container could not be started, or the face already
 * refused it in its own words: `refused`), or an essential container exited.
 */
export const endedSchema = z.object({
  cause: z.enum(['image-pull', 'sandbox', 'container-start', 'refused', 'essential-exited']),
  message: z.string().max(1024).optional(),
});
export type Ended = z.infer<typeof endedSchema>;

/** Why a container stopped beyond its exit code: killed out of memory, or it could not start. */
export const containerFailureSchema = z.object({
  cause: z.enum(['oom-killed', 'image-pull', 'container-start']),
  message: z.string().max(1024).optional(),
});
export type ContainerFailure = z.infer<typeof containerFailureSchema>;

/**
 * ECS's words for phases and container states: the control plane's ECS face answers in them, and
 * so does the host's task metadata endpoint, which is ECS's API served where the task runs.
 */
export const ECS_TASK_STATUS: Readonly<Record<WorkloadPhase, string>> = {
  preparing: 'PROVISIONING',
  pulling: 'PENDING',
  starting: 'ACTIVATING',
  running: 'RUNNING',
  stopping: 'STOPPING',
  'tearing-down': 'DEPROVISIONING',
  stopped: 'STOPPED',
};
export const ECS_CONTAINER_STATUS: Readonly<Record<ContainerStateWord, string>> = {
  waiting: 'PENDING',
  running: 'RUNNING',
  exited: 'STOPPED',
};
