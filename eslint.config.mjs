// Lint guards what review would miss: I/O in workflow code, production code reaching into
// development tooling, floating promises, console output from library code, long functions.
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'dgram', 'dns', 'tls',
  'os', 'worker_threads', 'cluster', 'process', 'crypto', 'timers', 'timers/promises', 'path',
];

/** Production code: everything that ships in the package. */
const production = ['app/**/*.ts', 'src/**/*.ts', 'consumers/**/*.ts', 'operator/**/*.ts', 'workflows/**/*.ts', 'activities/**/*.ts'];

/**
 * The one door from production code into development tooling: offline mode starts the
 * stand-in model server through this module, loaded on demand by app/service/modelAccess.ts.
 */
const offlineSwitch = 'app/service/modelAccess.ts';
const offlineModule = /dev\/standIn\/offlineModelServer(\.js)?$/.source;

const noDevImports = {
  group: ['**/dev/**', '**/dev', '**/test/**', '**/test'],
  message: 'Production code does not import development or test tooling (dev/, test/); offline mode goes through app/service/modelAccess.ts.',
};
const noDynamicDevImport = (allowed) => ({
  selector: allowed
    ? `ImportExpression[source.value=/(^|\\/)(dev|test)\\//]:not([source.value=/${offlineModule}/])`
    : 'ImportExpression[source.value=/(^|\\/)(dev|test)\\//]',
  message: 'Production code does not load development or test tooling; offline mode goes through app/service/modelAccess.ts.',
});

/** Imports point down and inwards: each zone may not reach the zones above it. */
const above = (zones, allowTypeImports = false) => ({
  group: zones.flatMap((zone) => [`**/${zone}/**`, `**/${zone}`]),
  allowTypeImports,
  message: `Imports point down: this zone does not import ${zones.join(', ')} (see the README's Layout).`,
});
const layering = [
  { files: ['src/**/*.ts'], patterns: [above(['app', 'consumers', 'operator', 'activities']), above(['workflows'], true)] },
  { files: ['consumers/**/*.ts'], patterns: [above(['app', 'operator', 'activities']), above(['workflows'], true)] },
  { files: ['operator/**/*.ts'], patterns: [above(['app', 'consumers', 'activities']), above(['workflows'], true)] },
  { files: ['activities/**/*.ts'], patterns: [above(['app', 'consumers', 'operator']), above(['workflows'], true)] },
];

export default tseslint.config(
  // globalSetup.mjs is loaded by the test runner as plain JavaScript, outside the TypeScript project.
  { ignores: ['node_modules/**', '.cache/**', 'dist/**', 'eslint.config.mjs', 'test/support/globalSetup.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's describe/it return promises the runner itself awaits.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Functions a reader takes in at once: split at the seams instead of marking sections.
    files: production,
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
      'no-restricted-imports': ['error', { patterns: [noDevImports] }],
      'no-restricted-syntax': ['error', noDynamicDevImport(false)],
    },
  },
  ...layering.map(({ files, patterns }) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns: [noDevImports, ...patterns] }] } })),
  {
    files: [offlineSwitch],
    rules: { 'no-restricted-syntax': ['error', noDynamicDevImport(true)] },
  },
  {
    // Workflow code is replayed: it must not reach the network, the disk, the clock or
    // anything else nondeterministic. Only types may come from activities.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'No Node built-ins in workflow code.' })),
          { name: 'kafkajs', message: 'No I/O in workflow code.' },
          { name: 'openai', message: 'No I/O in workflow code.' },
          { name: '@temporalio/client', message: 'Workflows use @temporalio/workflow only.' },
          { name: '@temporalio/worker', message: 'Workflows use @temporalio/workflow only.' },
        ],
        patterns: [
          noDevImports,
          { group: ['**/activities/*', '**/activities'], allowTypeImports: true, message: 'Workflows import activities as types only.' },
          {
            // An allow-list: of src/, workflow code may use the contracts and the trace-context
            // module; anything else of src/ (logging, config, clients) only as types.
            regex: '(^|/)src/(?!contracts/|telemetry/traceContext$|telemetry/runSessionAttributes$)',
            allowTypeImports: true,
            message: 'Workflow code uses only src/contracts, src/telemetry/traceContext and src/telemetry/runSessionAttributes (other modules as types only).',
          },
          { group: ['**/app/**', '**/operator/**', '**/consumers/**'], message: 'No I/O modules in workflow code.' },
        ],
      }],
    },
  },
  {
    // Entry points, development tooling and tests may print; library code logs through the logger.
    files: ['app/cli/**/*.ts', 'app/demo/**/*.ts', 'app/service/serviceMain.ts', 'dev/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
