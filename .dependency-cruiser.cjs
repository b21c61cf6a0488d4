/**
 * The import table of DESIGN.md, enforced: each module under src/ may import only the modules
 * listed for it. A module may always import its own files and node/npm packages.
 */
const allowed = {
  kernel: [],
  store: ['kernel'],
  blob: ['kernel'],
  registry: ['kernel', 'store', 'blob'],
  // CloudWatch Logs' domain: log groups, streams and events in the store (not in DESIGN.md's table yet).
  logs: ['kernel', 'store'],
  // Identity and secrets: IAM, STS, SSM parameters, Secrets Manager.
  iam: ['kernel', 'store'],
  // CloudWatch metrics (alarms to come).
  metrics: ['kernel', 'store'],
  // Application Auto Scaling: its policies act through CloudWatch alarms.
  autoscaling: ['kernel', 'store', 'metrics'],
  // ELBv2: load balancers, target groups, listeners and rules, targets, and their data plane.
  elb: ['kernel', 'store'],
  scheduler: ['kernel'],
  // Kubernetes objects, their storage and watches, and their controllers.
  kube: ['kernel', 'store', 'wire'],
  // The Kubernetes API face: REST, watch, discovery and OpenAPI over the kube module.
  'kube-api': ['kernel', 'kube'],
  'control-plane': ['kernel', 'store', 'scheduler', 'wire', 'logs', 'iam', 'elb'],
  // The billing meter keeps its ledger in the store (DESIGN.md lists kernel and control-plane).
  fargate: ['kernel', 'store', 'control-plane'],
  agent: ['kernel', 'wire'],
  wire: ['kernel'],
  'aws-api': ['kernel', 'control-plane', 'registry', 'fargate', 'logs', 'iam', 'metrics', 'autoscaling', 'elb'],
  server: null, // the composition root may import everything
  cli: ['server', 'kernel'],
};

const modules = Object.keys(allowed);
const forbidden = modules
  .filter((m) => allowed[m] !== null)
  .map((m) => {
    const others = modules.filter((o) => o !== m && !allowed[m].includes(o));
    return {
      name: `${m}-imports`,
      comment: `src/${m} may import only: ${allowed[m].join(', ') || 'nothing else in src'}`,
      severity: 'error',
      from: { path: `^src/${m}/` },
      to: { path: `^src/(${others.join('|')})/` },
    };
  });

forbidden.push({
  name: 'no-unknown-module',
  comment: 'every file under src/ belongs to a module of the DESIGN.md table',
  severity: 'error',
  from: { path: '^src/' },
  to: { path: `^src/(?!(${modules.join('|')})/)` },
});
// A module is used through its public face, `index.ts`: what it exports there is all that other
// modules may import. Test helpers (`test-*.ts`) may reach inside, as tests do.
forbidden.push({
  name: 'no-deep-import',
  comment: "import another module through its index.ts, not its files (add what is missing to that module's face)",
  severity: 'error',
  from: { path: '^src/([^/]+)/', pathNot: '(^|/)test-[^/]+\\.ts$' },
  to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
});
forbidden.push({
  name: 'no-circular',
  severity: 'error',
  from: {},
  to: { circular: true },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.test\\.ts$|-conformance\\.ts$)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
