// Fraud rules and review on PGlite with the embedded log bus.
import { createEventBus, EventRegistry, platformContract, silentLogger } from '@millrace/platform';
import { contract as identityContract } from '@millrace/identity/contract';
import { contract } from './contract.ts';
import { reviewSuite } from './review.suite.ts';

reviewSuite('PGlite + log', async () => undefined, (db) =>
  createEventBus({ db, registry: new EventRegistry([platformContract, contract, identityContract]), log: silentLogger() }));
