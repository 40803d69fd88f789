// Child process of the realtime benchmark: opens N WebSocket clients on one channel and reports delivery latency.
import WebSocket from 'ws';

const [url, countArg, seconds] = process.argv.slice(2);
const count = Number(countArg);
const lat: number[] = [];
let received = 0;
let open = 0;
let failed = 0;
let measuring = false;

for (let i = 0; i < count; i++) {
  const ws = new WebSocket(url!, ['millrace.v1']);
  ws.on('open', () => {
    open++;
    ws.send(JSON.stringify({ op: 'subscribe', id: '1', channel: 'bench' }));
  });
  ws.on('error', () => failed++);
  ws.on('message', (data: Buffer) => {
    if (!measuring) return;
    const s = data.toString('latin1');
    const at = s.indexOf('"t":');
    if (at < 0) return;
    received++;
    // one in 16 messages is timed: enough samples, little CPU taken from the gateway
    if ((received & 15) === 0) {
      let t = 0;
      for (let j = at + 4, c = s.charCodeAt(j); c >= 48 && c <= 57; c = s.charCodeAt(++j)) t = t * 10 + (c - 48);
      lat.push(Date.now() - t);
    }
  });
  if (i % 200 === 199) await new Promise((r) => setTimeout(r, 20));
}
const deadline = Date.now() + 60_000;
while (open + failed < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
process.send!({ kind: 'ready', open, failed });
process.on('message', async (m: { kind: string }) => {
  if (m.kind !== 'go') return;
  measuring = true;
  const started = Date.now();
  await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
  measuring = false;
  const elapsed = (Date.now() - started) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil((p / 100) * lat.length) - 1))] ?? NaN;
  process.send!({ kind: 'done', received, perSecond: received / elapsed, p50: pct(50), p99: pct(99), open, failed }, () => process.exit(0));
});
