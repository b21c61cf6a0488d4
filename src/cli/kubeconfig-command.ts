import type { Command } from 'commander';
import { kubeconfig } from '../server/index.js';
import { defaultEndpoint } from './endpoint.js';

/** `berth kubeconfig`: a kubeconfig for kubectl, printed (`berth kubeconfig > ~/.kube/config`). */
export function addKubeconfigCommand(program: Command): void {
  program
    .command('kubeconfig')
    .description("print a kubeconfig that points kubectl at berth's Kubernetes API")
    .option('--endpoint <url>', 'the berth endpoint (default: AWS_ENDPOINT_URL, else http://localhost:4566)')
    .option('--cluster <name>', 'the Kubernetes cluster', 'default')
    .action((o: { endpoint?: string; cluster: string }) => {
      process.stdout.write(kubeconfig(o.endpoint ?? defaultEndpoint(), o.cluster));
    });
}
