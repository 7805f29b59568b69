import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'data/',
      'coverage/',
      'public/vendor/',
      'tests/bench/results/',
    ],
  },
  js.configs.recommended,
  {
    files: ['*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly' },
    },
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // Server code must use crypto randomness, never Math.random, and never render raw input.
    files: ['server/**/*.ts', 'models/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use crypto.randomInt / randomBytes.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='render'] > MemberExpression.arguments[object.name='req'][property.name=/^(query|body)$/]",
          message: 'Never render a view with raw request input.',
        },
        {
          // The same input spread into the locals (`res.render(view, { ...req.body })`).
          selector:
            "CallExpression[callee.property.name='render'] SpreadElement > MemberExpression[object.name='req'][property.name=/^(query|body)$/]",
          message: 'Never render a view with raw request input.',
        },
      ],
    },
  },
  {
    files: ['public/js/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        io: 'readonly',
        localStorage: 'readonly',
        fetch: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        FormData: 'readonly',
        URLSearchParams: 'readonly',
        navigator: 'readonly',
        HTMLElement: 'readonly',
        Intl: 'readonly',
      },
    },
  },
);
