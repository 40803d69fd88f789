// The house rule: services import @millrace/platform and other services' contract.ts only; the platform never imports services or apps.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'service-imports-only-contracts',
      comment: "A service may import another service's contract.ts, nothing else of it.",
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/([^/]+)/', pathNot: ['^services/$1/', '^services/[^/]+/contract\\.ts$'] },
    },
    {
      name: 'platform-never-imports-services-or-apps',
      severity: 'error',
      from: { path: '^packages/platform/' },
      to: { path: '^(services|apps)/' },
    },
    {
      name: 'services-never-import-apps',
      severity: 'error',
      from: { path: '^services/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-deep-platform-imports',
      comment: 'Use the public entries @millrace/platform, @millrace/platform/testing, /kafka and /realtime-client, not files inside them.',
      severity: 'error',
      from: { path: '^(services|apps)/' },
      to: { path: '^packages/platform/src/', pathNot: ['^packages/platform/src/index\\.ts$', '^packages/platform/src/testing/index\\.ts$', '^packages/platform/src/kafka\\.ts$', '^packages/platform/src/realtime/client\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'default'] },
    exclude: { path: '(node_modules|\\.tmp|data|dist)/' },
  },
};
