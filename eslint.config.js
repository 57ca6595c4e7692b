// ESLint runs on Babel's TypeScript parser: pure JavaScript, so `npm ci` needs no platform binaries.
// Types and unused names are the type checker's job (tsconfig: strict, noUnusedLocals).
import babelParser from '@babel/eslint-parser';
import js from '@eslint/js';

export default [
  { ignores: ['node_modules/**', 'data/**', 'coverage/**', 'test/artifacts/**', 'dist/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    languageOptions: {
      parser: babelParser,
      parserOptions: {
        requireConfigFile: false,
        babelOptions: { babelrc: false, configFile: false, presets: ['@babel/preset-typescript'] },
      },
    },
    rules: {
      'no-undef': 'off',
      'no-unused-vars': 'off',
      'no-redeclare': 'off',
      'no-dupe-class-members': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['error', 'warn'] }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-implicit-coercion': 'error',
      'no-throw-literal': 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      'no-param-reassign': 'error',
      'require-await': 'off',
    },
  },
  { files: ['src/cli.ts', 'src/*-command.ts', 'src/bin.mjs', 'test/**'], rules: { 'no-console': 'off' } },
];
