// Fuzzing every widgets endpoint on PGlite, 200 runs each.
import { fuzzSuite } from './fuzz.suite.ts';

fuzzSuite('PGlite', async () => undefined, 200);
