import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test/harness/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      // `import vscode = require('vscode')`: esbuild then emits a plain require instead of copying the whole API
      // namespace per file (`import * as`), which cost ~10 ms of activation.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      'no-console': 'off',
    },
  },
  {
    // The core must stay free of VS Code so it runs (and is tested) in plain Node.
    files: [
      'src/common/**/*.ts',
      'src/feldera/**/*.ts',
      'src/download/**/*.ts',
      'src/profile/**/*.ts',
      'src/sql/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'The core must not import vscode.' }] }],
    },
  },
);
