import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DEFAULT_USER_AGENT, PACKAGE_VERSION } from './version.js';

it('PACKAGE_VERSION follows package.json (bump both)', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(PACKAGE_VERSION).toBe(pkg.version);
  expect(DEFAULT_USER_AGENT).toBe(`dockline/${pkg.version}`);
});
