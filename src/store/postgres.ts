import { type Dialect, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from './database.js'

const INT8_OID = 20

// Epoch milliseconds fit a double exactly; pg would hand int8 back as strings otherwise.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

// A request that needs the database answers within two seconds even while it is down: connecting
// gives up after this long, and the request is answered 503 (see store/errors.ts).
const CONNECT_TIMEOUT_MS = 1500

export interface PostgresOptions {
  poolSize?: number
  /** Told about connections the pool lost while idle (a restart, a fail-over); they are replaced on demand. */
  onConnectionError?: (error: Error) => void
  /** Wraps the dialect (the store's write observer: src/store/write-observer.ts). */
  wrapDialect?: (dialect: Dialect) => Dialect
}

/** Opens a pooled PostgreSQL connection; several server processes may share the database. */
export function openPostgres(url: string, options: PostgresOptions = {}): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS })
  // A client whose server goes away (a restart, a fail-over) emits 'error'. The pool listens only
  // while the client is idle; during a query nobody would, and an unheard 'error' event ends the
  // process. The query itself is rejected (the request answers 503) and the pool drops the dead
  // client on release, so a listener for the whole life of each client is all that is missing.
  pool.on('connect', (client) => client.on('error', (error) => options.onConnectionError?.(error)))
  // Idle clients are reported by the listener above; the pool's own re-emission needs a listener too.
  pool.on('error', () => {})
  return new Kysely<Database>({ dialect: (options.wrapDialect ?? ((dialect) => dialect))(new PostgresDialect({ pool })) })
}
