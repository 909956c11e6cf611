/**
 * Layer rules, checked by `npm run lint` (dependency-cruiser). Why each exists is in CONTRIBUTING.md.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'shared-is-a-leaf',
      comment: 'shared/ is imported by server, ingest and client alike: it imports nothing of ours but itself (and no Node-only module).',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(server|db|ingest|client|scripts|tests|config)/' },
    },
    {
      name: 'shared-runs-in-browsers',
      severity: 'error',
      from: { path: '^shared/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'client-only-over-the-wire',
      comment: 'The client reaches the server over HTTP and socket.io only; it shares types and schemas through shared/.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^(server|db|ingest|scripts)/' },
    },
    {
      name: 'db-below-server',
      comment: 'db/ is the storage layer: it never imports the server, the worker or the client.',
      severity: 'error',
      from: { path: '^db/' },
      to: { path: '^(server|ingest|client|scripts)/' },
    },
    {
      name: 'ingest-only-over-http',
      comment: 'Ingest workers talk to the server over its HTTP API only; they share contracts through shared/.',
      severity: 'error',
      from: { path: '^ingest/' },
      to: { path: '^(server|db|client|scripts)/' },
    },
    {
      name: 'server-not-on-workers-or-client',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^(ingest|client|scripts)/' },
    },
    {
      name: 'demo-data-is-data',
      comment: 'The demo city and catalog (demo/) are data that the seed and the simulator import; they import only shared/.',
      severity: 'error',
      from: { path: '^demo/' },
      to: { path: '^(server|db|ingest|client|scripts|tests)/' },
    },
    {
      name: 'demo-data-only-for-demo-code',
      comment: 'Only the seed, the simulator, scripts and tests know the demo city; the product reads its catalog from the database.',
      severity: 'error',
      from: { path: '^(server|db|ingest|client|shared)/', pathNot: '^(db/seed|ingest/sources/simulator)/' },
      to: { path: '^demo/' },
    },
    {
      name: 'no-circular',
      comment: 'Import circles hide which module owns what; break them by moving the shared part down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|data|tests/artifacts)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
