/**
 * ECS's own words for a container definition's members (and the task definition's that reach a
 * host): none may appear in the neutral workload or in the agent. Generic words (name, image,
 * command, user, hostname, privileged, essential, cpu, memory) are not listed.
 */
export const ECS_WORDS = [
  'entryPoint',
  'environment',
  'environmentFiles',
  'mountPoints',
  'volumesFrom',
  'portMappings',
  'dependsOn',
  'logConfiguration',
  'healthCheck',
  'linuxParameters',
  'dockerLabels',
  'readonlyRootFilesystem',
  'workingDirectory',
  'memoryReservation',
  'dnsServers',
  'dnsSearchDomains',
  'extraHosts',
  'ulimits',
  'stopTimeout',
  'startTimeout',
  'repositoryCredentials',
  'firelensConfiguration',
  'networkMode',
  'taskRoleArn',
  'sourceVolume',
  'containerName',
  'sourceContainer',
];
