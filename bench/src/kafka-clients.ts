// Kafka client benchmark: @platformatic/kafka vs kafkajs against the local
// single-node Kafka (infra/kafka/start-single.sh, 127.0.0.1:9092).
//
//   npm run kafka:start
//   node --import tsx bench/src/kafka-clients.ts        (or: npm run bench -- kafka-clients)
//   npm run kafka:stop
//
// Options (run(opts) / --key value flags): bootstrap, batchedMessages (200000),
// oneByOneMessages (5000), pipelinedMessages (20000), pipelineDepth (32),
// batchSize (1000), batchesInFlight (4), messageSize (1024), repeats (3),
// clients (comma list), write (true: write bench/results/kafka-clients.{json,md}).
//
// Every measurement: fresh 3-partition topic, acks=all, uncompressed 1 KiB
// values with distinct keys; the median of `repeats` runs. Producers are
// idempotent, except in the phases with several sends in flight for a client
// that cannot do that idempotently (probed, and marked in the results).
// Clients are interleaved run by run so that drift on the box hits both alike.
// Kafka: KAFKA_BROKERS, --bootstrap, or the local single node (started if down).
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { loadavg, totalmem } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  Admin,
  Consumer as PltConsumer,
  MessagesStreamModes,
  ProduceAcks,
  Producer as PltProducer,
} from '@platformatic/kafka'
import { Kafka, Partitioners, logLevel } from 'kafkajs'
import { ensureKafka, machine, median, progress, repoRoot, table, writeResult } from './lib/stats.ts'

interface Summary {
  median: number
  runs: number[]
}

function summarize(runs: readonly number[]): Summary {
  return { median: Math.round(median(runs)), runs: runs.map((r) => Math.round(r)) }
}

export interface KafkaClientsOptions {
  bootstrap?: string
  batchedMessages?: number
  oneByOneMessages?: number
  pipelinedMessages?: number
  pipelineDepth?: number
  batchSize?: number
  batchesInFlight?: number
  messageSize?: number
  repeats?: number
  clients?: string
  write?: boolean
}

type Settings = Required<KafkaClientsOptions>

const defaults: Settings = {
  bootstrap: '', // '' = KAFKA_BROKERS, or the local single node (started if needed)
  batchedMessages: 200_000,
  oneByOneMessages: 5_000,
  pipelinedMessages: 20_000,
  pipelineDepth: 32,
  batchSize: 1_000,
  batchesInFlight: 4,
  messageSize: 1_024,
  repeats: 3,
  clients: '@platformatic/kafka,kafkajs',
  write: true,
}

interface BenchMessage {
  key: Buffer
  value: Buffer
}

interface BenchProducer {
  send(topic: string, messages: BenchMessage[]): Promise<void>
  close(): Promise<void>
}

interface ConsumeMeasurement {
  /** messages/s from the first delivered message to the Nth */
  rate: number
  /** ms from starting the consumer (connect + group join + first fetch) to the first message */
  startupMs: number
}

interface ClientAdapter {
  name: string
  version: string
  /** acks=all always; idempotent (producer id + per-partition sequence numbers) when asked. */
  createProducer(idempotent: boolean): Promise<BenchProducer>
  consume(topic: string, count: number, groupId: string): Promise<ConsumeMeasurement>
}

// ---------------------------------------------------------------- adapters

function platformaticAdapter(brokers: string[], version: string): ClientAdapter {
  return {
    name: '@platformatic/kafka',
    version,
    async createProducer(idempotent) {
      const producer = new PltProducer({
        clientId: 'bench-platformatic',
        bootstrapBrokers: brokers,
        idempotent,
        acks: ProduceAcks.ALL,
      })
      return {
        async send(topic, messages) {
          await producer.send({ messages: messages.map((m) => ({ topic, key: m.key, value: m.value })) })
        },
        close: () => producer.close(),
      }
    },
    async consume(topic, count, groupId) {
      const t0 = performance.now()
      const consumer = new PltConsumer({
        clientId: 'bench-platformatic',
        groupId,
        bootstrapBrokers: brokers,
        maxWaitTime: 500,
        autocommit: true,
      })
      try {
        const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST })
        let seen = 0
        let first = 0
        let last = 0
        await new Promise<void>((resolve, reject) => {
          stream.on('error', reject)
          stream.on('data', () => {
            if (seen === 0) first = performance.now()
            seen++
            if (seen === count) {
              last = performance.now()
              resolve()
            }
          })
        })
        await stream.close()
        return { rate: (count - 1) / ((last - first) / 1000), startupMs: first - t0 }
      } finally {
        await consumer.close(true)
      }
    },
  }
}

function kafkajsAdapter(brokers: string[], version: string): ClientAdapter {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.WARN })
  return {
    name: 'kafkajs',
    version,
    async createProducer(idempotent) {
      const producer = kafka.producer({
        idempotent,
        maxInFlightRequests: 5,
        createPartitioner: Partitioners.DefaultPartitioner,
      })
      await producer.connect()
      return {
        async send(topic, messages) {
          await producer.send({ topic, acks: -1, messages })
        },
        close: () => producer.disconnect(),
      }
    },
    async consume(topic, count, groupId) {
      const t0 = performance.now()
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 })
      try {
        await consumer.connect()
        await consumer.subscribe({ topics: [topic], fromBeginning: true })
        let seen = 0
        let first = 0
        let last = 0
        await new Promise<void>((resolve, reject) => {
          consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error))
          // eachBatch: kafkajs's fastest consumption path (already-decoded message arrays)
          consumer
            .run({
              eachBatchAutoResolve: true,
              eachBatch: async ({ batch }) => {
                if (seen >= count) return
                if (seen === 0) first = performance.now()
                seen += batch.messages.length
                if (seen >= count) {
                  last = performance.now()
                  resolve()
                }
              },
            })
            .catch(reject)
        })
        return { rate: (count - 1) / ((last - first) / 1000), startupMs: first - t0 }
      } finally {
        await consumer.disconnect()
      }
    },
  }
}

// ---------------------------------------------------------------- helpers

async function kafkaVersion(): Promise<string> {
  try {
    const pom = await readFile(join(repoRoot, 'infra', 'kafka', 'pom.xml'), 'utf8')
    return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** Installed version of a dependency (walks up from its entry point: package.json may not be exported). */
async function packageVersion(name: string): Promise<string> {
  let dir = dirname(createRequire(import.meta.url).resolve(name))
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === name && pkg.version) return pkg.version
    } catch {
      // no package.json here
    }
    const up = dirname(dir)
    if (up === dir) return 'unknown'
    dir = up
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function pool(workers: number, jobs: number, job: (index: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(workers, jobs) }, async () => {
      while (next < jobs) await job(next++)
    }),
  )
}

class Topics {
  readonly #admin: Admin
  readonly #offsets: PltConsumer
  readonly #created: string[] = []
  #seq = 0

  constructor(brokers: string[]) {
    this.#admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: brokers })
    this.#offsets = new PltConsumer({ clientId: 'bench-admin', groupId: 'bench-admin-offsets', bootstrapBrokers: brokers })
  }

  /** Creates a fresh 3-partition topic and waits until every partition has a leader. */
  async fresh(label: string): Promise<string> {
    const topic = `bench-${label.replace(/[^a-zA-Z0-9]+/g, '-')}-${Date.now().toString(36)}-${this.#seq++}`
    await this.#admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 })
    this.#created.push(topic)
    const deadline = Date.now() + 15_000
    for (;;) {
      const md = await this.#admin.metadata({ topics: [topic], forceUpdate: true })
      const parts = md.topics.get(topic)?.partitions ?? []
      if (parts.length === 3 && parts.every((p) => p.leader >= 0)) break
      if (Date.now() > deadline) throw new Error(`topic ${topic}: partitions have no leader after 15 s`)
      await sleep(100)
    }
    // The metadata can name a leader shortly before that broker serves the partition
    // (NOT_LEADER_OR_FOLLOWER, which makes clients retry and skews the first run):
    // wait until ListOffsets, which only the serving leader answers, works.
    for (;;) {
      try {
        await this.count(topic)
        break
      } catch (e) {
        if (Date.now() > deadline) throw e
        await sleep(100)
      }
    }
    await sleep(250)
    return topic
  }

  /** Sum of the end offsets of all partitions. */
  async count(topic: string): Promise<number> {
    const offsets = await this.#offsets.listOffsets({ topics: [topic] })
    return (offsets.get(topic) ?? []).reduce((sum, o) => sum + Number(o), 0)
  }

  async cleanup(): Promise<void> {
    if (this.#created.length > 0) {
      try {
        await this.#admin.deleteTopics({ topics: this.#created.splice(0) })
      } catch (e) {
        console.warn(`could not delete bench topics: ${(e as Error).message}`)
      }
    }
    await this.#offsets.close()
    await this.#admin.close()
  }
}

// ---------------------------------------------------------------- results

type Phase = 'batched' | 'batchedConcurrent' | 'oneByOne' | 'pipelined'

interface ClientResult {
  version: string
  installs_from_npm_only: boolean
  install_note: string
  maintenance_note: string
  /** idempotent producer, 1 send of batchSize messages in flight */
  produce_batched_msgs_per_s: Summary | null
  /** batchesInFlight sends of batchSize messages in flight (idempotent only if the client survives that) */
  produce_batched_concurrent_msgs_per_s: Summary | null
  /** idempotent producer, one message per send, each awaited */
  produce_one_by_one_msgs_per_s: Summary | null
  /** one message per send, pipelineDepth sends in flight (idempotent only if the client survives that) */
  produce_pipelined_msgs_per_s: Summary | null
  consume_msgs_per_s: Summary | null
  consume_startup_ms: Summary | null
  /** probe: an idempotent producer with several sends in flight to the same partitions */
  concurrent_idempotent_sends: { ok: boolean; error?: string } | null
  idempotent_producer_in: Record<'batched' | 'batched_concurrent' | 'one_by_one' | 'pipelined', boolean> | null
  error?: string
}

const notes: Record<string, { installs_from_npm_only: boolean; install_note: string; maintenance_note: string }> = {
  '@platformatic/kafka': {
    installs_from_npm_only: true,
    install_note: 'Pure TypeScript/JavaScript, no native addon: installs from the npm registry alone. Pinned to 1.35.0, the last 1.x (2.x needs Node 22).',
    maintenance_note:
      'Actively maintained by Platformatic (1.x line ends at 1.35.0, 2.x releases continue: 2.12.1 on npm). Declares support for Kafka 3.5.0-4.1.0. ' +
      'Caveats seen here with 1.35.0: (1) the idempotent producer advances a partition\'s sequence number only when the ' +
      'response arrives, so two send() calls in flight to the same partition fail with OUT_OF_ORDER_SEQUENCE_NUMBER ' +
      '(its own producer stream sends one batch at a time); (2) the idempotent producer (retries default to MAX_SAFE_INTEGER) retries a produce against ' +
      'the leader it looked up before the first try, so when that broker is killed (kill -9) send() never settles, even ' +
      'after leadership moved; set a finite `retries` and retry send() at the application level (metadata then refreshes).',
  },
  kafkajs: {
    installs_from_npm_only: true,
    install_note: 'Pure JavaScript, no native addon: installs from the npm registry alone.',
    maintenance_note:
      'Effectively unmaintained: the latest stable release is still 2.2.4 (only 2.3.0 betas since); the maintainers publicly ' +
      'asked for new maintainers. No newer protocol features (e.g. KIP-848 consumer groups); works against Kafka 4 through older API versions.',
  },
}

const confluent: ClientResult = {
  version: '1.10.1',
  installs_from_npm_only: false,
  install_note:
    'Not installable here. `npm i @confluentinc/kafka-javascript` (1.10.1, checked in a throwaway directory outside the repo) ' +
    'runs `node-pre-gyp install --fallback-to-build`: the prebuilt binary comes from GitHub releases ' +
    '(confluent-kafka-javascript-v1.10.1-node-v115-linux-glibc-x64.tar.gz), not the npm registry, and the download failed; ' +
    'the fallback source build of the bundled librdkafka then tries to download zlib, OpenSSL, zstd and curl sources, which ' +
    'also failed (make: No rule to make target ../deps/librdkafka/config.h). npm exit 1 after ~13 s.',
  maintenance_note:
    "Maintained by Confluent (librdkafka-based, KafkaJS-compatible API), but needs a native binary that on this project's " +
    'machines (npm registry only) can be neither downloaded nor built.',
  produce_batched_msgs_per_s: null,
  produce_batched_concurrent_msgs_per_s: null,
  produce_one_by_one_msgs_per_s: null,
  produce_pipelined_msgs_per_s: null,
  consume_msgs_per_s: null,
  consume_startup_ms: null,
  concurrent_idempotent_sends: null,
  idempotent_producer_in: null,
  error: 'not installable from the npm registry alone',
}

/** `--key value`, `--key=value` and `--flag` (kebab-case or camelCase keys). */
function parseArgs(args: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (let i = 0; i < args.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(args[i] as string)
    if (!m) throw new Error(`unexpected argument: ${args[i]}`)
    const key = (m[1] as string).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
    if (m[2] !== undefined) out[key] = m[2]
    else if (i + 1 < args.length && !(args[i + 1] as string).startsWith('--')) out[key] = args[++i]
    else out[key] = true
  }
  return out
}

function settingsFrom(opts: readonly string[] | KafkaClientsOptions): Settings {
  const o: Record<string, unknown> = Array.isArray(opts) ? parseArgs(opts) : { ...(opts as KafkaClientsOptions) }
  const s: Settings = { ...defaults }
  for (const key of Object.keys(defaults) as (keyof Settings)[]) {
    const v = o[key]
    if (v === undefined) continue
    if (typeof defaults[key] === 'number') {
      const n = Number(v)
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key} must be a positive number`)
      ;(s as Record<string, unknown>)[key] = n
    } else if (typeof defaults[key] === 'boolean') {
      ;(s as Record<string, unknown>)[key] = v === true || v === 'true' || v === '1' || v === 1
    } else {
      ;(s as Record<string, unknown>)[key] = String(v)
    }
  }
  return s
}

// ---------------------------------------------------------------- main

/** The innermost distinct messages of an error (client errors nest: AggregateError/MultipleErrors -> causes). */
function errorSummary(e: unknown): string {
  const out = new Set<string>()
  const walk = (x: unknown, depth: number): void => {
    if (!(x instanceof Error) || depth > 6) return
    const nested = [...(((x as { errors?: unknown[] }).errors ?? []) as unknown[]), (x as { cause?: unknown }).cause].filter(
      (n) => n instanceof Error,
    )
    if (nested.length === 0) {
      const code = (x as { apiId?: unknown }).apiId
      out.add(`${x.message}${typeof code === 'string' ? ` (${code})` : ''}`)
    }
    for (const n of nested) walk(n, depth + 1)
  }
  walk(e, 0)
  return out.size > 0 ? [...out].join('; ') : String(e)
}

export async function run(opts: readonly string[] | KafkaClientsOptions = []): Promise<unknown> {
  const s = settingsFrom(opts)
  const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100)
  const brokers = s.bootstrap ? s.bootstrap.split(',').map((b) => b.trim()) : await ensureKafka()
  s.bootstrap = brokers.join(',')
  const wanted = s.clients.split(',').map((c) => c.trim())
  const all = [
    platformaticAdapter(brokers, await packageVersion('@platformatic/kafka')),
    kafkajsAdapter(brokers, await packageVersion('kafkajs')),
  ]
  const adapters = all.filter((a) => wanted.includes(a.name))
  if (adapters.length === 0) throw new Error(`no known client in --clients=${s.clients}`)

  progress(
    `kafka-clients: bootstrap ${s.bootstrap}, ${s.repeats} runs each; batched ${fmt(s.batchedMessages)} msgs ` +
      `(${s.batchSize}/send; 1 and ${s.batchesInFlight} in flight), one-by-one ${fmt(s.oneByOneMessages)}, ` +
      `pipelined ${fmt(s.pipelinedMessages)} (${s.pipelineDepth} in flight), ${s.messageSize} B values, acks=all`,
  )

  const topics = new Topics(brokers)
  try {
    await topics.fresh('probe')
  } catch (e) {
    await topics.cleanup().catch(() => {})
    throw new Error(`cannot use Kafka at ${s.bootstrap} (${(e as Error).message}). Start it with: npm run kafka:start`)
  }

  const value = randomBytes(s.messageSize)
  const makeMessages = (n: number): BenchMessage[] =>
    Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`key-${i}`), value }))
  const batchedMessages = makeMessages(s.batchedMessages)
  const batches: BenchMessage[][] = []
  for (let i = 0; i < batchedMessages.length; i += s.batchSize) batches.push(batchedMessages.slice(i, i + s.batchSize))
  const singles = makeMessages(Math.max(s.oneByOneMessages, s.pipelinedMessages, 200)).map((m) => [m])

  interface State {
    runs: Record<Phase | 'consume' | 'startup', number[]>
    filled: string[] // topics filled by the serial batched runs, consumed later
    idempotent?: BenchProducer
    plain?: BenchProducer
    concurrentIdempotent?: { ok: boolean; error?: string }
    error?: string
  }
  const state = new Map<string, State>()
  for (const a of adapters) {
    state.set(a.name, { runs: { batched: [], batchedConcurrent: [], oneByOne: [], pipelined: [], consume: [], startup: [] }, filled: [] })
  }
  const st = (a: ClientAdapter): State => state.get(a.name) as State
  const live = (): ClientAdapter[] => adapters.filter((a) => st(a).error === undefined)
  const guard = async (a: ClientAdapter, what: string, fn: () => Promise<void>): Promise<void> => {
    if (st(a).error !== undefined) return
    try {
      await fn()
    } catch (e) {
      console.error(`[${a.name}] FAILED ${what}: ${errorSummary(e)}`)
      st(a).error = `${what}: ${errorSummary(e)}`
    }
  }
  // Several sends in flight stay idempotent only where the client supports it (see the probe).
  const concurrentUsesIdempotent = (a: ClientAdapter): boolean => st(a).concurrentIdempotent?.ok === true
  const producerFor = (a: ClientAdapter, phase: Phase): BenchProducer => {
    const serial = phase === 'batched' || phase === 'oneByOne'
    const p = serial || concurrentUsesIdempotent(a) ? st(a).idempotent : st(a).plain
    if (!p) throw new Error('producer missing')
    return p
  }

  const produceRun = async (a: ClientAdapter, phase: Phase, r: number): Promise<void> => {
    const producer = producerFor(a, phase)
    const topic = await topics.fresh(`${a.name}-${phase}-${r}`)
    let n: number
    const t0 = performance.now()
    switch (phase) {
      case 'batched':
        n = s.batchedMessages
        for (const batch of batches) await producer.send(topic, batch)
        break
      case 'batchedConcurrent':
        n = s.batchedMessages
        await pool(s.batchesInFlight, batches.length, (i) => producer.send(topic, batches[i] as BenchMessage[]))
        break
      case 'oneByOne':
        n = s.oneByOneMessages
        for (let i = 0; i < n; i++) await producer.send(topic, singles[i] as BenchMessage[])
        break
      case 'pipelined':
        n = s.pipelinedMessages
        await pool(s.pipelineDepth, n, (i) => producer.send(topic, singles[i] as BenchMessage[]))
        break
    }
    const seconds = (performance.now() - t0) / 1000
    const rate = n / seconds
    const stored = await topics.count(topic)
    if (stored !== n) throw new Error(`${phase} run ${r}: sent ${n} messages but the topic holds ${stored}`)
    st(a).runs[phase].push(rate)
    if (phase === 'batched') st(a).filled.push(topic)
    const mode = producer === st(a).idempotent ? 'idempotent' : 'NOT idempotent'
    progress(`[${a.name}] produce ${phase} run ${r}/${s.repeats} (${mode}): ${fmt(n)} msgs in ${seconds.toFixed(2)} s = ${fmt(rate)} msg/s`)
  }

  try {
    for (const a of adapters) {
      await guard(a, 'producer setup', async () => {
        st(a).idempotent = await a.createProducer(true)
        st(a).plain = await a.createProducer(false)
        const warm = await topics.fresh(`${a.name}-warmup`)
        for (const p of [st(a).idempotent, st(a).plain] as BenchProducer[]) {
          for (let i = 0; i < 10 && i < batches.length; i++) await p.send(warm, batches[i] as BenchMessage[])
          for (let i = 0; i < 200; i++) await p.send(warm, singles[i] as BenchMessage[])
        }
        progress(`[${a.name}] ${a.version}: producers connected and warmed up`)
      })
      // Probe: an idempotent producer with several sends in flight to the same partitions.
      await guard(a, 'concurrent idempotent probe', async () => {
        const probeProducer = await a.createProducer(true)
        const probe = await topics.fresh(`${a.name}-probe`)
        try {
          await probeProducer.send(probe, singles[0] as BenchMessage[]) // producer id first, serially
          const small = batches.slice(0, 8).map((b) => b.slice(0, 100))
          await pool(4, small.length, (i) => probeProducer.send(probe, small[i] as BenchMessage[]))
          st(a).concurrentIdempotent = { ok: true }
        } catch (e) {
          st(a).concurrentIdempotent = { ok: false, error: errorSummary(e) }
        } finally {
          await probeProducer.close().catch(() => {})
        }
        const c = st(a).concurrentIdempotent
        progress(
          `[${a.name}] idempotent producer with 4 sends in flight: ${c?.ok ? 'ok' : `FAILS (${c?.error}); concurrent phases use a non-idempotent acks=all producer`}`,
        )
      })
    }
    for (const phase of ['batched', 'batchedConcurrent', 'oneByOne', 'pipelined'] as const) {
      for (let r = 1; r <= s.repeats; r++) {
        for (const a of live()) await guard(a, `produce ${phase} run ${r}`, () => produceRun(a, phase, r))
      }
    }
    for (const a of adapters) {
      for (const key of ['idempotent', 'plain'] as const) {
        const p = st(a)[key]
        st(a)[key] = undefined
        await p?.close().catch(() => {})
      }
    }
    for (let r = 1; r <= s.repeats; r++) {
      for (const a of live()) {
        await guard(a, `consume run ${r}`, async () => {
          const topic = st(a).filled[r - 1]
          if (!topic) throw new Error('no pre-filled topic')
          const m = await a.consume(topic, s.batchedMessages, `bench-${a.name.replace(/\W+/g, '-')}-${Date.now()}-${r}`)
          st(a).runs.consume.push(m.rate)
          st(a).runs.startup.push(m.startupMs)
          progress(
            `[${a.name}] consume run ${r}/${s.repeats}: ${fmt(s.batchedMessages)} msgs at ${fmt(m.rate)} msg/s ` +
              `(first message after ${fmt(m.startupMs)} ms)`,
          )
        })
      }
    }
  } finally {
    for (const a of adapters) {
      await st(a).idempotent?.close().catch(() => {})
      await st(a).plain?.close().catch(() => {})
    }
    await topics.cleanup()
  }

  // ------------------------------------------------------------ report
  const clients: Record<string, ClientResult> = {}
  const sum = (xs: number[]): Summary | null => (xs.length > 0 ? summarize(xs) : null)
  for (const a of adapters) {
    const { runs, concurrentIdempotent, error } = st(a)
    const note = notes[a.name] as (typeof notes)[string]
    clients[a.name] = {
      version: a.version,
      ...note,
      produce_batched_msgs_per_s: sum(runs.batched),
      produce_batched_concurrent_msgs_per_s: sum(runs.batchedConcurrent),
      produce_one_by_one_msgs_per_s: sum(runs.oneByOne),
      produce_pipelined_msgs_per_s: sum(runs.pipelined),
      consume_msgs_per_s: sum(runs.consume),
      consume_startup_ms: sum(runs.startup),
      concurrent_idempotent_sends: concurrentIdempotent ?? null,
      idempotent_producer_in: {
        batched: true,
        batched_concurrent: concurrentUsesIdempotent(a),
        one_by_one: true,
        pipelined: concurrentUsesIdempotent(a),
      },
      ...(error !== undefined ? { error } : {}),
    }
  }
  clients['@confluentinc/kafka-javascript'] = confluent

  const plt = clients['@platformatic/kafka']
  const kjs = clients.kafkajs
  type RateKey =
    | 'produce_batched_msgs_per_s'
    | 'produce_batched_concurrent_msgs_per_s'
    | 'produce_one_by_one_msgs_per_s'
    | 'produce_pipelined_msgs_per_s'
    | 'consume_msgs_per_s'
  const ratio = (key: RateKey): string => {
    const x = plt?.[key]
    const y = kjs?.[key]
    return x && y ? `${(x.median / y.median).toFixed(2)}x` : 'n/a'
  }
  const choice = '@platformatic/kafka'
  const reasons = [
    'Installs from the npm registry alone (pure JS), like kafkajs; @confluentinc/kafka-javascript cannot be installed on these machines.',
    'Actively maintained, declares Kafka 4.x support and speaks current protocol versions; kafkajs has had no stable release since 2.2.4 and its maintainers asked for successors.',
    `Throughput, median ratio @platformatic/kafka / kafkajs: batched produce ${ratio('produce_batched_msgs_per_s')}, ` +
      `batched produce with ${s.batchesInFlight} in flight ${ratio('produce_batched_concurrent_msgs_per_s')}, ` +
      `one-by-one produce ${ratio('produce_one_by_one_msgs_per_s')}, pipelined produce ${ratio('produce_pipelined_msgs_per_s')}, ` +
      `consume ${ratio('consume_msgs_per_s')}.`,
    'Typed API (TypeScript first), promise and callback styles, stream-based consumer with backpressure.',
    'Design around two 1.35.0 caveats: (1) an idempotent producer must have only one send() in flight (sequence numbers ' +
      'advance only when a response arrives, so concurrent sends fail with OUT_OF_ORDER_SEQUENCE_NUMBER): serialize sends ' +
      'per producer and batch many messages into each send instead; (2) set a finite `retries` and retry send() at the ' +
      'application level, because an idempotent send whose leader was killed retries that dead broker forever.',
  ]

  const result = {
    generated_at: new Date().toISOString(),
    machine: {
      ...machine(),
      memory_gib: Math.round(totalmem() / 2 ** 30),
      // 1/5/15-min load averages: well above ~1.5 on 2 cores means something else competed for the CPU
      loadavg_before: loadBefore,
      loadavg_after: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    kafka_version: await kafkaVersion(),
    kafka_setup: 'single KRaft node (broker+controller) from infra/kafka/start-single.sh on the same machine, 512 MiB heap',
    settings: {
      message_value_bytes: s.messageSize,
      acks: 'all',
      compression: 'none',
      partitions: 3,
      runs: s.repeats,
      batched: { messages: s.batchedMessages, messages_per_send: s.batchSize, sends_in_flight: 1, idempotent: true },
      batched_concurrent: {
        messages: s.batchedMessages,
        messages_per_send: s.batchSize,
        sends_in_flight: s.batchesInFlight,
        idempotent: 'where the client supports concurrent idempotent sends (see concurrent_idempotent_sends), else acks=all only',
      },
      one_by_one: { messages: s.oneByOneMessages, idempotent: true, note: 'one message per send(), each awaited before the next' },
      pipelined: {
        messages: s.pipelinedMessages,
        sends_in_flight: s.pipelineDepth,
        idempotent: 'as batched_concurrent',
        note: 'one message per send()',
      },
      consume: {
        messages: s.batchedMessages,
        note:
          'new consumer group, from the earliest offset, of a topic filled by a batched run; rate from first to last message; ' +
          'kafkajs via eachBatch, @platformatic/kafka via the stream "data" event; autocommit on',
      },
    },
    clients,
    choice,
    reasons,
  }

  const cell = (v: Summary | null | undefined, idempotent = true): string => (v ? `${fmt(v.median)}${idempotent ? '' : ' ¹'}` : 'n/a')
  const rows = Object.entries(clients).map(([name, c]) => [
    `${name} ${c.version}`,
    c.installs_from_npm_only ? 'yes' : 'no',
    cell(c.produce_batched_msgs_per_s),
    cell(c.produce_batched_concurrent_msgs_per_s, c.idempotent_producer_in?.batched_concurrent ?? true),
    cell(c.produce_one_by_one_msgs_per_s),
    cell(c.produce_pipelined_msgs_per_s, c.idempotent_producer_in?.pipelined ?? true),
    cell(c.consume_msgs_per_s),
  ])
  const md = [
    '# Kafka client benchmark',
    '',
    `Generated ${result.generated_at} by \`bench/src/kafka-clients.ts\` on ${result.machine.cpus} CPUs (${result.machine.cpu_model}), ` +
      `Node ${result.machine.node}, against Apache Kafka ${result.kafka_version} (${result.kafka_setup}).`,
    '',
    `Messages/s, median of ${s.repeats} runs; ${s.messageSize} B values, acks=all, idempotent producer unless marked, ` +
      '3 partitions, fresh topic per run; client and broker share the 2 cores.',
    '',
    table(
      [
        'client',
        'npm-only install',
        `produce batched (${s.batchSize}/send, 1 in flight)`,
        `produce batched (${s.batchSize}/send, ${s.batchesInFlight} in flight)`,
        'produce one-by-one (awaited)',
        `produce pipelined (1/send, ${s.pipelineDepth} in flight)`,
        `consume (${fmt(s.batchedMessages)} msgs)`,
      ],
      rows,
    ),
    '',
    ...Object.entries(clients)
      .filter(([, c]) => c.concurrent_idempotent_sends?.ok === false)
      .map(
        ([name, c]) =>
          `¹ not idempotent (acks=all only): ${name} fails with several idempotent sends in flight ` +
          `(${c.concurrent_idempotent_sends?.error}).\n`,
      ),
    `**Choice: ${choice}**`,
    '',
    ...reasons.map((r) => `- ${r}`),
    '',
    '## Notes',
    '',
    ...Object.entries(clients).map(
      ([name, c]) => `- **${name}**: ${c.install_note} ${c.maintenance_note}${c.error ? ` Error: ${c.error}` : ''}`,
    ),
  ].join('\n')

  if (s.write) writeResult('kafka-clients', result, md)
  else console.log(md)
  return result
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e)
      process.exit(1)
    },
  )
}
