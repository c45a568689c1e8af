// Lint guards what review would miss: I/O in workflow code, floating promises,
// console output from library code.
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'dgram', 'dns', 'tls',
  'os', 'worker_threads', 'cluster', 'process', 'crypto', 'timers', 'timers/promises', 'path',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', 'bin/**', 'eslint.config.mjs'] },
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
          { group: ['**/activities/*', '**/activities'], allowTypeImports: true, message: 'Workflows import activities as types only.' },
          { group: ['**/src/kafka/*', '**/src/llm/*', '**/src/infra/*', '**/src/telemetry/*'], message: 'No I/O modules in workflow code.' },
        ],
      }],
    },
  },
  {
    // Entry points and test code may print; library code logs through the logger.
    files: ['src/cli/**/*.ts', 'src/infra/**/*.ts', 'src/main/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
