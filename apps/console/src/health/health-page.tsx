// Health: readiness checks, what runs (mode, database, event log, services), platform numbers from /metrics, dead letters.
import { useEffect, useState } from 'react';
import { api, apiStatus, apiText } from '../api/http.ts';
import { formatNumber, SparkChart } from '../ui/spark-chart.tsx';
import { parsePrometheus, platformNumbers, type PlatformNumbers } from './prometheus.ts';
import { usePoll } from './use-poll.ts';

const POLL_MS = 5000;
const HISTORY = 60;

/** `GET /api/platform/status`. */
export interface PlatformStatus {
  readonly mode: 'embedded' | 'distributed';
  readonly database: { readonly kind: 'pglite'; readonly path: string } | { readonly kind: 'postgresql' };
  readonly eventLog: { readonly driver: 'log' } | { readonly driver: 'kafka'; readonly brokers: readonly string[] };
  readonly services: readonly string[];
  readonly startedAt: string;
}

interface Readiness {
  readonly status: 'ready' | 'not-ready';
  readonly checks: Readonly<Record<string, { ok: boolean; error?: string }>>;
}

interface DeadLetter {
  readonly id: string;
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly position: string;
  readonly key: string | null;
  readonly eventId: string | null;
  readonly errorCode: string;
  readonly error: string;
  readonly attempts: number;
  readonly status: 'dead' | 'redriven' | 'discarded';
  readonly createdAt: string;
}

interface Point {
  readonly at: number;
  readonly n: PlatformNumbers;
}

const TILES: readonly { key: keyof PlatformNumbers; title: string; kind: 'counter' | 'gauge' }[] = [
  { key: 'produced', title: 'Events produced', kind: 'counter' },
  { key: 'relayed', title: 'Events relayed', kind: 'counter' },
  { key: 'consumed', title: 'Events consumed', kind: 'counter' },
  { key: 'deadLettered', title: 'Dead-lettered', kind: 'counter' },
  { key: 'outboxBacklog', title: 'Outbox backlog', kind: 'gauge' },
  { key: 'consumerLag', title: 'Consumer lag', kind: 'gauge' },
];

export function HealthPage() {
  const ready = usePoll((signal) => apiStatus<Readiness>('/readyz', { signal }), POLL_MS);
  const status = usePoll((signal) => api<PlatformStatus>('/api/platform/status', { signal }), POLL_MS);
  const metrics = usePoll(async (signal) => platformNumbers(parsePrometheus(await apiText('/metrics', { signal }))), POLL_MS);
  const dead = usePoll((signal) => api<{ items: DeadLetter[] }>('/api/platform/dead-letters?status=dead', { signal }), POLL_MS);
  const history = useHistory(metrics.value, metrics.updatedAt);

  return (
    <div className="page health-page">
      <header className="page-head">
        <h1>Health</h1>
        {ready.value && (
          <span className={`badge ${ready.value.body.status === 'ready' ? 'badge-connected' : 'badge-closed'}`} data-testid="readiness" data-state={ready.value.body.status}>
            <span className="dot" aria-hidden="true" />
            {ready.value.body.status === 'ready' ? 'Ready' : 'Not ready'}
          </span>
        )}
        <div className="spacer" />
        <p className="muted">Refreshed every {POLL_MS / 1000} s</p>
      </header>

      <div className="grid two">
        <section className="card" aria-labelledby="readiness-h">
          <h2 id="readiness-h">Readiness checks</h2>
          {ready.error && <p className="error" role="alert">{ready.error.message}</p>}
          <ul className="checks" data-testid="readiness-checks">
            {Object.entries(ready.value?.body.checks ?? {}).map(([name, c]) => (
              <li key={name} data-check={name} data-ok={String(c.ok)}>
                <span className={`dot ${c.ok ? 'ok' : 'bad'}`} aria-hidden="true" />
                <strong>{humanize(name)}</strong> {c.ok ? 'reachable' : <span className="error-text">{c.error ?? 'failing'}</span>}
              </li>
            ))}
          </ul>
        </section>

        <section className="card" aria-labelledby="platform-h">
          <h2 id="platform-h">Platform</h2>
          {status.error && <p className="error" role="alert">{status.error.message}</p>}
          {status.value && <StatusFacts status={status.value} />}
        </section>
      </div>

      <section aria-labelledby="numbers-h">
        <h2 id="numbers-h" className="section-title">
          Event flow
        </h2>
        {metrics.error && <p className="error" role="alert">Metrics unavailable: {metrics.error.message}</p>}
        <div className="grid tiles">
          {TILES.map((t) => (
            <MetricTile key={t.key} title={t.title} kind={t.kind} history={history} field={t.key} />
          ))}
        </div>
      </section>

      <section className="card" aria-labelledby="dead-h">
        <h2 id="dead-h">Dead letters</h2>
        {dead.error && <p className="error" role="alert">{dead.error.message}</p>}
        {dead.value && dead.value.items.length === 0 && <p className="muted" data-testid="dead-letters-empty">None: every consumed event was applied.</p>}
        {dead.value && dead.value.items.length > 0 && (
          <div className="table-wrap">
            <table data-testid="dead-letters">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Group</th>
                  <th scope="col">Topic / position</th>
                  <th scope="col">Key</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {dead.value.items.map((d) => (
                  <tr key={d.id} data-testid="dead-letter-row">
                    <td>{new Date(d.createdAt).toLocaleString()}</td>
                    <td>{d.group}</td>
                    <td>
                      <code>
                        {d.topic}[{d.partition}]@{d.position}
                      </code>
                    </td>
                    <td>{d.key ?? '—'}</td>
                    <td>{d.attempts}</td>
                    <td>
                      <code>{d.errorCode}</code> {d.error}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function StatusFacts({ status }: { status: PlatformStatus }) {
  const rows: [string, string][] = [
    ['Mode', status.mode === 'embedded' ? 'embedded (one process, PGlite, outbox as the event log)' : 'distributed'],
    ['Database', status.database.kind === 'pglite' ? `PGlite in ${status.database.path}` : 'PostgreSQL'],
    ['Event log', status.eventLog.driver === 'kafka' ? `Apache Kafka (${status.eventLog.brokers.join(', ')})` : 'embedded log (outbox tables)'],
    ['Services', status.services.join(', ')],
    ['Started', `${new Date(status.startedAt).toLocaleString()} (${since(status.startedAt)} ago)`],
  ];
  return (
    <dl className="facts" data-testid="platform-status">
      {rows.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function MetricTile({ title, kind, history, field }: { title: string; kind: 'counter' | 'gauge'; history: readonly Point[]; field: keyof PlatformNumbers }) {
  const last = history.at(-1)?.n[field];
  // counters are charted as a rate (per second between polls), gauges as their value
  const series =
    kind === 'gauge'
      ? history.map((p) => p.n[field])
      : history.slice(1).map((p, i) => Math.max(0, (p.n[field] - history[i]!.n[field]) / Math.max(0.001, (p.at - history[i]!.at) / 1000)));
  return (
    <div className="card stat" data-testid={`metric-${field}`}>
      <h3>{title}</h3>
      <p className="big" data-value={last ?? ''}>
        {last === undefined ? '—' : formatNumber(last)}
      </p>
      <p className="muted small">{kind === 'counter' ? `${formatNumber(series.at(-1) ?? 0)}/s now` : 'current'}</p>
      <SparkChart values={series} label={kind === 'counter' ? `${title} per second` : title} />
    </div>
  );
}

function useHistory(value: PlatformNumbers | undefined, at: number | undefined): readonly Point[] {
  const [history, setHistory] = useState<readonly Point[]>([]);
  useEffect(() => {
    if (!value || at === undefined) return;
    setHistory((h) => [...h.slice(-(HISTORY - 1)), { at, n: value }]);
  }, [value, at]);
  return history;
}

function humanize(name: string): string {
  return name.replace(/([A-Z])/g, (c) => ` ${c.toLowerCase()}`).replace(/^./, (c) => c.toUpperCase());
}

function since(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d`;
}
