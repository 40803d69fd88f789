// Live events: the stream pushed by the realtime gateway, newest first, with filters, pause, counts, rate chart and details.
import { memo, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { SparkChart } from '../ui/spark-chart.tsx';
import { ConnectionBadge } from './connection-badge.tsx';
import { matchesFilter, type EntryFilter, type LiveEntry, type LogSnapshot } from './event-log.ts';
import { useLive, useLogSnapshot } from './live-connection.tsx';

const RATE_WINDOW = 60;

export function LiveEventsPage() {
  const { log, connection, channels, channelsError } = useLive();
  const live = useLogSnapshot(log);
  const [paused, setPaused] = useState<LogSnapshot | null>(null);
  const [filter, setFilter] = useState<EntryFilter>({});
  const [selected, setSelected] = useState<LiveEntry | null>(null);
  const rate = useRate(useCallback(() => log.rate(), [log]));
  const ids = { topic: useId(), type: useId(), key: useId(), types: useId() };

  const shown = paused ?? live;
  const rows = useMemo(() => shown.entries.filter((e) => matchesFilter(e, filter)), [shown, filter]);
  const types = useMemo(() => [...new Set(live.entries.map((e) => e.event.type))].sort(), [live]);
  const topics = useMemo(() => [...new Set([...channels.map((c) => c.topic), ...Object.keys(live.countsByTopic)])].sort(), [channels, live]);
  const refused = channels.filter((c) => c.status === 'refused');
  const unrecovered = channels.filter((c) => c.status === 'subscribed' && !c.recovered);

  // closing the details puts keyboard focus back on the row that opened them
  const closeDetails = useCallback(() => {
    const id = selected?.event.id;
    setSelected(null);
    if (id) window.requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-event-id="${CSS.escape(id)}"] button`)?.focus());
  }, [selected]);

  useEffect(() => {
    if (!selected) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && closeDetails();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selected, closeDetails]);

  return (
    <div className="page live-page">
      <header className="page-head">
        <h1>Live events</h1>
        <ConnectionBadge connection={connection} />
        <div className="spacer" />
        <button type="button" onClick={() => setPaused(paused ? null : live)} aria-pressed={paused !== null} data-testid="pause-toggle">
          {paused ? `Resume${live.total > paused.total ? ` (${live.total - paused.total} new)` : ''}` : 'Pause'}
        </button>
        <button type="button" onClick={() => { log.clear(); setPaused(null); setSelected(null); }}>
          Clear
        </button>
      </header>

      {channelsError && <p className="error" role="alert">Could not load the channels: {channelsError}</p>}
      {refused.map((c) => (
        <p key={c.topic} className="notice" role="status">
          Not following <strong>{c.topic}</strong>: {c.detail}
        </p>
      ))}
      {unrecovered.length > 0 && (
        <p className="notice" role="status" data-testid="not-recovered">
          Some events of {unrecovered.map((c) => c.topic).join(', ')} could not be replayed after the connection came back; the list may have gaps.
        </p>
      )}

      <section className="summary-row" aria-label="Stream summary">
        <div className="card stat">
          <h2>Events per second</h2>
          {/* the last whole second: the current one is still filling */}
          <p className="big" data-testid="events-per-second">{rate.at(-2) ?? 0}</p>
          <SparkChart values={rate} kind="bars" label={`Events per second, last ${RATE_WINDOW} seconds`} testId="rate-chart" />
        </div>
        <div className="card stat">
          <h2>Received</h2>
          <p className="big" data-testid="events-total">{live.total}</p>
          <ul className="chips" aria-label="Events per topic">
            {topics.map((t) => (
              <li key={t}>
                <button
                  type="button"
                  className="chip"
                  aria-pressed={filter.topic === t}
                  data-testid="topic-count"
                  data-topic={t}
                  onClick={() => setFilter((f) => ({ ...f, topic: f.topic === t ? '' : t }))}
                >
                  {t} <span className="count">{live.countsByTopic[t] ?? 0}</span>
                </button>
              </li>
            ))}
            {topics.length === 0 && <li className="muted">{channels.length === 0 && !channelsError ? 'Loading channels…' : 'No channels'}</li>}
          </ul>
        </div>
      </section>

      <form className="filters" role="search" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor={ids.topic}>Channel</label>
          <select id={ids.topic} value={filter.topic ?? ''} onChange={(e) => setFilter((f) => ({ ...f, topic: e.target.value }))} data-testid="filter-topic">
            <option value="">All channels</option>
            {topics.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.type}>Event type</label>
          <input id={ids.type} type="search" list={ids.types} placeholder="e.g. user-registered" value={filter.type ?? ''} onChange={(e) => setFilter((f) => ({ ...f, type: e.target.value }))} data-testid="filter-type" />
          <datalist id={ids.types}>
            {types.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor={ids.key}>Key contains</label>
          <input id={ids.key} type="search" value={filter.key ?? ''} onChange={(e) => setFilter((f) => ({ ...f, key: e.target.value }))} data-testid="filter-key" />
        </div>
        <p className="muted shown-count" aria-live="polite">
          {rows.length === shown.entries.length ? `${rows.length} shown` : `${rows.length} of ${shown.entries.length} shown`}
          {paused && ' · paused'}
        </p>
      </form>

      <div className={`stream-layout${selected ? ' with-details' : ''}`}>
        <section className="card stream" aria-label="Events, newest first">
          <div className="stream-head" aria-hidden="true">
            <span>Time</span>
            <span>Type</span>
            <span>Key</span>
            <span>Channel</span>
          </div>
          <ol className="stream-rows" data-testid="event-list">
            {rows.map((e) => (
              <EventRow key={e.event.id} entry={e} selected={selected?.event.id === e.event.id} onSelect={setSelected} />
            ))}
          </ol>
          {rows.length === 0 && <p className="empty">{shown.entries.length === 0 ? 'Waiting for events…' : 'No event matches the filters.'}</p>}
        </section>
        {selected && <EventDetails entry={selected} onClose={closeDetails} />}
      </div>
    </div>
  );
}

const EventRow = memo(function EventRow({ entry, selected, onSelect }: { entry: LiveEntry; selected: boolean; onSelect: (e: LiveEntry) => void }) {
  const { event } = entry;
  return (
    <li data-testid="event-row" data-event-id={event.id} data-event-type={event.type}>
      <button type="button" className="stream-row" aria-pressed={selected} onClick={() => onSelect(entry)}>
        <time dateTime={event.time}>{formatTime(event.time)}</time>
        <span className="type">{event.type}</span>
        <span className="key" title={event.key}>
          {event.key}
        </span>
        <span className="channel">{entry.topic}</span>
      </button>
    </li>
  );
});

function EventDetails({ entry, onClose }: { entry: LiveEntry; onClose: () => void }) {
  const headingId = useId();
  return (
    <aside className="card details" aria-labelledby={headingId} data-testid="event-details">
      <div className="details-head">
        <h2 id={headingId}>{entry.event.type}</h2>
        <button type="button" onClick={onClose} aria-label="Close details" autoFocus>
          ×
        </button>
      </div>
      <dl className="facts">
        <dt>Channel</dt>
        <dd>{entry.channel}</dd>
        <dt>Partition</dt>
        <dd>{entry.partition}</dd>
        <dt>Position</dt>
        <dd>
          <code>{entry.position}</code>
        </dd>
        <dt>Received</dt>
        <dd>{new Date(entry.receivedAt).toLocaleTimeString()}</dd>
      </dl>
      <pre className="json" data-testid="event-json" tabIndex={0} aria-label="Envelope JSON">
        {JSON.stringify(entry.event, null, 2)}
      </pre>
    </aside>
  );
}

/** The per-second counts, re-read every second so the chart scrolls even when nothing arrives. */
function useRate(read: () => number[]): number[] {
  const [rate, setRate] = useState(read);
  useEffect(() => {
    const t = window.setInterval(() => setRate(read()), 1000);
    return () => window.clearInterval(t);
  }, [read]);
  return rate;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
