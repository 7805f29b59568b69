/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is done once by `npm run typecheck`; the tests only transpile.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // otplib (TOTP) loads @scure/base and @noble/hashes 2, ES modules only: Node requires them
    // natively but Jest's loader cannot, so Jest compiles them to CommonJS.
    '^.+/node_modules/(@scure|@noble)/.+\\.js$': [
      'ts-jest',
      { diagnostics: false, tsconfig: { allowJs: true, isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['^(?!.*/node_modules/(@scure|@noble)/).*/node_modules/'],
  globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/tests/helpers/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
