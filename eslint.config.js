// ESLint (flat config), run by `npm run lint` and by `npm test` before the tests.
// TypeScript is linted with type information (typescript-eslint's project service
// reads tsconfig.json, which covers src/, test/ and bench/); the agent page
// (web/*.js, a browser module) and this file get the rules that need no types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { defineConfig } from 'eslint/config';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'test-artifacts/'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    rules: {
      // The ones the review asked for: a promise nobody awaits loses its error,
      // a promise where a void callback is expected (an event handler) loses its
      // rejection, and a switch over a union must name every member.
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return a promise the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Off: `async` is used on purpose where an interface is promise-returning but an
      // implementation has nothing to await (Fastify plugins and hooks, the in-memory
      // stores of the demo): it keeps the contract that a throw arrives as a rejection.
      '@typescript-eslint/require-await': 'off',
      // `_`-prefixed names are deliberately unused (a parameter an interface requires).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read JSON bodies of any shape (the helpers' `body: any`) and check them with
    // assertions: a body of an unexpected shape fails the assertion, which is the test.
    // The no-unsafe-* rules (which stop untyped values spreading in the gateway) stay on
    // everywhere else.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['web/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    files: ['*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
);
