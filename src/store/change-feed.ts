import pg from 'pg'

/** The NOTIFY channel of migration 0003's triggers. */
export const SESSION_CHANGE_CHANNEL = 'portcullis_session_change'

// Reconnection waits 100 ms, doubling up to 5 s, each with jitter so that many processes that
// lost the database together do not all come back in the same millisecond.
const FIRST_RETRY_MS = 100
const LAST_RETRY_MS = 5_000
// A silent network (no reset, no error) would leave the listener deaf without knowing it; a
// round trip every few seconds finds that out, and the cache's age bound covers the meantime.
const HEARTBEAT_MS = 5_000
const CLOSE_WAIT_MS = 1_000
// As the pool's (src/store/postgres.ts): a database that does not answer is retried, not waited on.
const CONNECT_TIMEOUT_MS = 1_500
/** The listener's application_name, followed by its schema. */
export const LISTENER_NAME = 'portcullis-session-changes'

/** What the feed reports about itself; the store's logger, or nothing. */
export interface FeedLog {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
}

/**
 * Changes to what a session check reads (sessions, users, factors), committed by any process on
 * this PostgreSQL schema. A reader may keep an answer only while `trusted`: then every such
 * change, from any process, is reported to `subscribe`'s listeners, and `generation` moves with
 * each one, so a read that overlapped a change can tell and is not kept.
 */
export interface SessionChanges {
  /**
   * True while the listener is subscribed and no write of this process to those tables is under
   * way. The first call starts the listener; until it is subscribed, and whenever it is lost,
   * this is false and nothing may be answered from memory.
   */
  readonly trusted: boolean
  /** Moves on every reported change, on each start and end of a local write, and when the listener comes or goes. */
  readonly generation: number
  /** `userId` changed, or (null) anything may have: the listener was lost or a write of unknown effect ran. */
  subscribe(listener: (userId: string | null) => void): void
  /** For the store's own write observer (src/store/write-observer.ts). */
  localWriteStarted(): void
  localWriteEnded(): void
  close(): Promise<void>
}

type State = 'idle' | 'connecting' | 'listening' | 'waiting' | 'closed'

/** A dedicated connection that LISTENs on the channel, reconnecting with backoff; never throws, never crashes the process. */
export function createSessionChanges(url: string, log?: FeedLog): SessionChanges {
  let state: State = 'idle'
  let client: pg.Client | null = null
  let schema: string | null = null
  let generation = 0
  let localWrites = 0
  let failures = 0
  let retry: NodeJS.Timeout | undefined
  let heartbeat: NodeJS.Timeout | undefined
  const listeners = new Set<(userId: string | null) => void>()

  const emit = (userId: string | null) => {
    generation++
    for (const listener of listeners) listener(userId)
  }

  async function connect(): Promise<void> {
    state = 'connecting'
    const candidate = new pg.Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: LISTENER_NAME })
    client = candidate
    candidate.on('error', (error) => lost(candidate, error))
    candidate.on('end', () => lost(candidate, new Error('connection ended')))
    candidate.on('notification', (message) => {
      if (candidate !== client || message.channel !== SESSION_CHANGE_CHANNEL || !message.payload) return
      let change: { schema?: unknown; user?: unknown }
      try {
        change = JSON.parse(message.payload) as typeof change
      } catch {
        return emit(null)
      }
      if (change.schema !== schema) return
      emit(typeof change.user === 'string' ? change.user : null)
    })
    try {
      await candidate.connect()
      // Named after its schema, so an operator (or a test) can tell whose listener a backend is.
      const { rows } = await candidate.query<{ schema: string; ready: boolean }>(
        `SELECT current_schema() AS schema, to_regprocedure(quote_ident(current_schema()) || '.portcullis_session_change()') IS NOT NULL AS ready,
           set_config('application_name', left('${LISTENER_NAME} ' || current_schema(), 63), false)`,
      )
      // Without the triggers nobody would ever notify: caching then would serve revoked sessions.
      if (!rows[0]?.ready) throw new Error('the session change triggers are missing (migration 0003): run `portcullis migrate`')
      schema = rows[0].schema
      await candidate.query(`LISTEN ${SESSION_CHANGE_CHANNEL}`)
      if (candidate !== client) return
      state = 'listening'
      if (failures > 0) log?.info({ failures }, 'session change listener subscribed again; session checks are cached again')
      failures = 0
      emit(null)
      heartbeat = setInterval(() => {
        candidate.query({ text: 'SELECT 1', query_timeout: HEARTBEAT_MS } as pg.QueryConfig).catch((error: unknown) => lost(candidate, error))
      }, HEARTBEAT_MS)
      heartbeat.unref()
    } catch (error) {
      lost(candidate, error)
    }
  }

  function lost(which: pg.Client, error: unknown): void {
    if (which !== client) return
    client = null
    clearInterval(heartbeat)
    const wasListening = state === 'listening'
    // Keep a listener: a late 'error' on a dropped client must not become an uncaught exception.
    which.removeAllListeners()
    which.on('error', () => {})
    which.end().catch(() => {})
    if (state === 'closed') return
    state = 'waiting'
    if (wasListening) emit(null)
    const delay = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** failures) * (0.5 + Math.random() / 2)
    failures++
    if (failures === 1 || failures % 10 === 0) {
      log?.warn(
        { err: error instanceof Error ? error.message : String(error), retryInMs: Math.round(delay), failures },
        'session change listener lost; every session check reads the database until it is back',
      )
    }
    retry = setTimeout(() => void connect(), delay)
    retry.unref()
  }

  return {
    get trusted() {
      if (state === 'idle') void connect()
      return state === 'listening' && localWrites === 0
    },
    get generation() {
      return generation
    },
    subscribe(listener) {
      listeners.add(listener)
    },
    localWriteStarted() {
      localWrites++
      emit(null)
    },
    localWriteEnded() {
      localWrites--
      emit(null)
    },
    async close() {
      state = 'closed'
      clearTimeout(retry)
      clearInterval(heartbeat)
      const open = client
      client = null
      if (!open) return
      open.removeAllListeners()
      open.on('error', () => {})
      // end() can wait on a dead socket; shutting down must not.
      await Promise.race([open.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())])
    },
  }
}
