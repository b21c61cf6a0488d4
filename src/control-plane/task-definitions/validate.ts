import { invalidParameter, notImplemented } from '../../kernel/index.js';
import { isFargatePair, parseCpu, parseMemory } from './resources.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the input is the model-checked request, read field by field */
type Input = Record<string, any>;

const clientError = (message: string, field?: string) =>
  invalidParameter(message, { reason: 'definition-invalid', ...(field ? { field } : {}) });

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;

export interface CheckedTaskDefinition {
  cpuUnits?: number;
  memoryMiB?: number;
  networkMode: string;
  fargateCompatible: boolean;
}

/**
 * The semantic checks ECS makes on RegisterTaskDefinition beyond the model's shapes, each naming
 * the container and field at fault.
 */
/**
 * A container's dockerSecurityOptions: `no-new-privileges`, and `seccomp:unconfined` (what berth's
 * ECS containers are without it); AppArmor, SELinux labels and credential specs are not run here.
 */
function checkSecurityOptions(options: unknown, field: string): void {
  if (options === undefined) return;
  if (!Array.isArray(options) || options.some((o) => typeof o !== 'string'))
    throw clientError('dockerSecurityOptions must be a list of strings.', field);
  for (const o of options as string[]) {
    if (o === 'no-new-privileges' || o === 'seccomp:unconfined' || o === 'seccomp=unconfined') continue;
    if (/^(apparmor|label|credentialspec)[:=]/.test(o)) throw notImplemented(`dockerSecurityOptions '${o}'`);
    throw clientError(
      `Invalid dockerSecurityOptions value '${o}': valid values are "no-new-privileges" | "apparmor:PROFILE" | "label:value" | "credentialspec:CredentialSpecFilePath".`,
      field,
    );
  }
}

export function validateTaskDefinition(input: Input): CheckedTaskDefinition {
  if (!NAME.test(input.family ?? '')) {
    throw clientError(
      'Family contains invalid characters: up to 255 letters, numbers, hyphens and underscores are allowed.',
      'family',
    );
  }
  const containers: Input[] = input.containerDefinitions ?? [];
  if (containers.length === 0) throw clientError('Container list cannot be empty.', 'containerDefinitions');
  if (containers.length > 10)
    throw clientError('Too many containers: a task definition has at most 10.', 'containerDefinitions');
  const networkMode: string = input.networkMode ?? 'bridge';
  const fargate = (input.requiresCompatibilities ?? []).includes('FARGATE');
  const cpuUnits = input.cpu !== undefined ? parseCpu(input.cpu) : undefined;
  const memoryMiB = input.memory !== undefined ? parseMemory(input.memory) : undefined;
  const names = new Set<string>();
  const volumes = new Set<string>((input.volumes ?? []).map((v: Input) => v.name));

  containers.forEach((c, i) => {
    const where = `containerDefinitions[${i}]`;
    if (!c.name) throw clientError('Container.name should not be null or empty.', `${where}.name`);
    if (!NAME.test(c.name))
      throw clientError(`Container name '${c.name}' contains invalid characters.`, `${where}.name`);
    if (names.has(c.name))
      throw clientError(`Duplicate container name '${c.name}': container names must be unique.`, `${where}.name`);
    names.add(c.name);
    if (!c.image) throw clientError('Container.image should not be null or empty.', `${where}.image`);
    if (memoryMiB === undefined && c.memory === undefined && c.memoryReservation === undefined) {
      throw clientError(
        `Invalid setting for container '${c.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
        `${where}.memory`,
      );
    }
    if (c.memory !== undefined && c.memory < 6) {
      throw clientError(
        `Invalid setting for container '${c.name}'. The 'memory' must be at least 6 MiB.`,
        `${where}.memory`,
      );
    }
    if (c.memory !== undefined && c.memoryReservation !== undefined && c.memoryReservation > c.memory) {
      throw clientError(
        `Invalid setting for container '${c.name}'. 'memoryReservation' must be less than or equal to 'memory'.`,
        `${where}.memoryReservation`,
      );
    }
    checkSecurityOptions(c.dockerSecurityOptions, `${where}.dockerSecurityOptions`);
    if (memoryMiB !== undefined && c.memory !== undefined && c.memory > memoryMiB) {
      throw clientError(
        `Invalid setting for container '${c.name}'. 'memory' (${c.memory}) exceeds the task's memory (${memoryMiB}).`,
        `${where}.memory`,
      );
    }
    for (const [j, pm] of (c.portMappings ?? []).entries()) {
      if (
        (networkMode === 'awsvpc' || networkMode === 'host') &&
        pm.hostPort !== undefined &&
        pm.containerPort !== undefined &&
        pm.hostPort !== pm.containerPort
      ) {
        throw clientError(
          `When networkMode=${networkMode}, the containerPort and hostPort values must match.`,
          `${where}.portMappings[${j}]`,
        );
      }
    }
    if (c.links?.length && networkMode !== 'bridge') {
      throw clientError(`Links are not supported when networkMode=${networkMode}.`, `${where}.links`);
    }
    for (const [j, mp] of (c.mountPoints ?? []).entries()) {
      if (mp.sourceVolume && !volumes.has(mp.sourceVolume)) {
        throw clientError(
          `Invalid 'mountPoints' for container '${c.name}': unknown volume '${mp.sourceVolume}'.`,
          `${where}.mountPoints[${j}].sourceVolume`,
        );
      }
    }
    if (fargate && c.privileged)
      throw clientError(`Fargate does not support privileged containers ('${c.name}').`, `${where}.privileged`);
  });

  containers.forEach((c, i) => {
    for (const [j, d] of (c.dependsOn ?? []).entries()) {
      if (!names.has(d.containerName) || d.containerName === c.name) {
        throw clientError(
          `Invalid 'dependsOn' for container '${c.name}': container '${d.containerName}' is not another container of this task definition.`,
          `containerDefinitions[${i}].dependsOn[${j}].containerName`,
        );
      }
    }
    for (const [j, v] of (c.volumesFrom ?? []).entries()) {
      if (!names.has(v.sourceContainer)) {
        throw clientError(
          `Invalid 'volumesFrom' for container '${c.name}': unknown container '${v.sourceContainer}'.`,
          `containerDefinitions[${i}].volumesFrom[${j}].sourceContainer`,
        );
      }
    }
  });
  if (!containers.some((c) => c.essential !== false)) {
    throw clientError('Task definition must contain at least one essential container.', 'containerDefinitions');
  }
  const fargateCompatible =
    networkMode === 'awsvpc' && cpuUnits !== undefined && memoryMiB !== undefined && isFargatePair(cpuUnits, memoryMiB);
  if (fargate) {
    if (networkMode !== 'awsvpc') throw clientError("Fargate only supports network mode 'awsvpc'.", 'networkMode');
    if (cpuUnits === undefined || memoryMiB === undefined) {
      throw clientError(
        "Fargate requires that 'cpu' and 'memory' be defined at the task level.",
        cpuUnits === undefined ? 'cpu' : 'memory',
      );
    }
    if (!isFargatePair(cpuUnits, memoryMiB)) {
      throw clientError(
        `No Fargate configuration exists for given values: ${cpuUnits} CPU, ${memoryMiB} memory. See the Amazon ECS documentation for the valid values.`,
        'memory',
      );
    }
    if ((input.volumes ?? []).some((v: Input) => v.host?.sourcePath)) {
      throw clientError('Fargate does not support host volumes (host.sourcePath).', 'volumes');
    }
    if ((input.volumes ?? []).some((v: Input) => v.dockerVolumeConfiguration)) {
      throw clientError('Fargate does not support Docker volumes (dockerVolumeConfiguration).', 'volumes');
    }
    if (input.pidMode === 'host')
      throw clientError("Fargate does not support pidMode 'host'; only 'task' is supported.", 'pidMode');
    if (input.ipcMode !== undefined && input.ipcMode !== 'none')
      throw clientError(`Fargate does not support ipcMode '${String(input.ipcMode)}'.`, 'ipcMode');
    containers.forEach((c, i) => {
      if (c.dockerSecurityOptions?.length)
        throw clientError(
          `Fargate does not support dockerSecurityOptions ('${c.name}').`,
          `containerDefinitions[${i}].dockerSecurityOptions`,
        );
      if (c.linuxParameters?.devices?.length)
        throw clientError(
          `Fargate does not support devices ('${c.name}').`,
          `containerDefinitions[${i}].linuxParameters.devices`,
        );
    });
  }
  const eph = input.ephemeralStorage as { sizeInGiB?: number } | undefined;
  if (
    eph !== undefined &&
    (!Number.isInteger(eph.sizeInGiB) || (eph.sizeInGiB as number) < 21 || (eph.sizeInGiB as number) > 200)
  ) {
    throw clientError(
      `Invalid 'ephemeralStorage': sizeInGiB must be between 21 and 200 (it is ${String(eph.sizeInGiB)}).`,
      'ephemeralStorage.sizeInGiB',
    );
  }
  return {
    networkMode,
    fargateCompatible,
    ...(cpuUnits !== undefined ? { cpuUnits } : {}),
    ...(memoryMiB !== undefined ? { memoryMiB } : {}),
  };
}

/** The agent capabilities a task definition needs, as ECS lists them in requiresAttributes. */
export function requiredAttributes(input: Input, networkMode: string): { name: string }[] {
  const out = new Set<string>();
  const containers: Input[] = input.containerDefinitions ?? [];
  for (const c of containers) {
    const driver = c.logConfiguration?.logDriver;
    if (driver) out.add(`com.amazonaws.ecs.capability.logging-driver.${driver}`);
    if (c.healthCheck) out.add('ecs.capability.container-health-check');
    if (c.dependsOn?.length) out.add('ecs.capability.container-ordering');
    if (c.dockerLabels) out.add('com.amazonaws.ecs.capability.docker-remote-api.1.18');
  }
  if (networkMode === 'awsvpc') out.add('ecs.capability.task-eni');
  if (input.taskRoleArn) out.add('com.amazonaws.ecs.capability.task-iam-role');
  return [...out].sort().map((name) => ({ name }));
}
