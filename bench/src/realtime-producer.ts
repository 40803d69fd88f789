// Child process of the realtime benchmark: writes `bench` events into the embedded log on PostgreSQL at a steady rate.
import { EventRegistry, createLogDriver, openDatabase, silentLogger } from '@millrace/platform';

const [url, rateArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg);
const db = await openDatabase({ url: url! });
const bus = createLogDriver({ db, registry: new EventRegistry([]), log: silentLogger() });
const stopAt = Date.now() + Number(secondsArg) * 1000;
// ticks of 100 ms (10 events/s is one event per tick)
let owed = 0;
let n = 0;
while (Date.now() < stopAt) {
  const tick = Date.now();
  owed += rate / 10;
  const batch = Math.floor(owed);
  owed -= batch;
  if (batch > 0) await bus.produce(Array.from({ length: batch }, () => ({ type: 'bench.item-added', key: `k${n % 10}`, data: { t: Date.now(), n: n++ } })), { source: 'bench' });
  const wait = 100 - (Date.now() - tick);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
await bus.close();
await db.close();
process.send!({ kind: 'done', sent: n }, () => process.exit(0));
