// One lint gate for src, test, bench and scripts: typescript-eslint's recommended rules plus a few that catch real bugs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.testenv/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      'no-console': ['error', { allow: ['error'] }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name=/^(only|skip|todo)$/]',
          message: 'No focused or skipped tests.',
        },
      ],
    },
  },
  // The layering of src/: cli → agent → sync → stages → kube → core. A module imports only from layers below
  // it, and the stages (source, render, plan, apply, inventory, health, status) never import each other.
  ...layers(),
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);

function layers() {
  const stages = ['source', 'render', 'plan', 'apply', 'inventory', 'health', 'status'];
  const above = {
    core: ['kube', ...stages, 'sync', 'agent', 'cli'],
    kube: [...stages, 'sync', 'agent', 'cli'],
    sync: ['agent', 'cli'],
    agent: ['cli'],
    cli: [],
  };
  for (const stage of stages) above[stage] = [...stages.filter((s) => s !== stage), 'sync', 'agent', 'cli'];
  return Object.entries(above)
    .filter(([, banned]) => banned.length > 0)
    .map(([layer, banned]) => ({
      files: [`src/${layer}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: `^(\\.\\./)+(${banned.join('|')})/`,
                message: `src/${layer} may not import this layer: imports go cli → agent → sync → stages → kube → core, and stages never import each other.`,
              },
            ],
          },
        ],
      },
    }));
}
