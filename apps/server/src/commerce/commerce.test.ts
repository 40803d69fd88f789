// The commerce scenarios on the embedded mode: PGlite and the log driver, every service in one process.
import { describe } from 'node:test';
import { embeddedInfra } from './stack.ts';
import { commerceSuite } from './commerce.suite.ts';

describe('commerce on the embedded mode (PGlite + log driver)', () => {
  commerceSuite('embedded', () => embeddedInfra(), { orders: 1000, stock: 100, timeoutMs: 90_000, notifications: false });
});
