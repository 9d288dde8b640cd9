// Shared jest configuration: TypeScript (and the ESM-only @noble/* files) are transformed by SWC to
// CommonJS, and workspace packages resolve to their sources, so tests need no build step.
const path = require('node:path');
const root = __dirname;

module.exports = function jestConfig(packageDir) {
  return {
    rootDir: packageDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.(t|j|mj)s$': [
        '@swc/jest',
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
        },
      ],
    },
    transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/)?(@noble|@scure))'],
    moduleNameMapper: {
      '^@layersec/test-vectors$': path.join(root, 'test-vectors/index.ts'),
      '^@layersec/([a-z0-9-]+)$': path.join(root, 'packages/$1/src/index.ts'),
      '^@layersec/([a-z0-9-]+)/(.*)$': path.join(root, 'packages/$1/src/$2/index.ts'),
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
    testTimeout: 60000,
    passWithNoTests: true,
    reporters: ['default', path.join(root, 'scripts/jest-summary-reporter.cjs')],
  };
};
