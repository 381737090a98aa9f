// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * typescript-eslint's strict type-checked rules over src/, scripts/ and test/ (`npm test` runs this first, so a lint
 * error fails CI). Where a rule is set, the line says why.
 */
export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', 'data/', 'coverage/', 'test-results/', 'public/', '**/*.cjs', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // With noUncheckedIndexedAccess every index is `T | undefined`; `!` after a lookup the code has just made sure
      // of (a key taken from the same map, an index inside the length) is the idiom, not an escape.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Numbers in messages and ids are meant as their decimal text.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Mongoose schemas are declared as object literals, as its documentation does; its types call them classes.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      // Documents read back from the database may predate a field their type declares (figure documents before
      // `ratedUnits`, answers before `unitAncestors`): the `??` and `?.` on them are the defence, which a type-level
      // rule cannot see.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // `_`-prefixed names are kept on purpose (a destructured field left out, a callback's unused position).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // supertest types every response body as `any`; the tests read it to check its shape, which is the point.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
