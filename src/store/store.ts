import { type Kysely, Migrator, sql } from 'kysely'
import { ConfigError } from '../errors.js'
import { createSessionChanges, type FeedLog, type SessionChanges } from './change-feed.js'
import type { Database } from './database.js'
import { migrationProvider } from './migrations/index.js'
import { openPostgres } from './postgres.js'
import { openSqlite } from './sqlite.js'
import { observeWrites } from './write-observer.js'

export type Dialect = 'sqlite' | 'postgres'

/** A handle to run queries on: the store's own, or an open transaction's. */
export type Executor = Kysely<Database>

/** The database every feature store queries; services never learn which dialect it is. */
export interface Store {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  /** Applies every pending migration. */
  migrate(): Promise<void>
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>
  /**
   * A number that changes whenever one of `tables` may have changed: an update or delete of a
   * listed table (and an insert too, listed as `insert:<table>`) from this process, or (SQLite) a
   * commit by any other connection to the file. Null where that cannot be
   * known without a round trip (PostgreSQL): a reader must not cache by it there, but may
   * through `sessionChanges`.
   */
  changeStamp(tables: readonly string[]): number | null
  /**
   * PostgreSQL: the changes any process commits to what a session check reads, reported through
   * LISTEN/NOTIFY, so that a cache may drop what they make stale. Null on SQLite (see changeStamp).
   */
  readonly sessionChanges: SessionChanges | null
  close(): Promise<void>
}

export interface StoreEvents {
  /** A pooled connection was lost (the database restarted or failed over); the next query connects afresh. */
  onConnectionError?: (error: Error) => void
  /** Where the PostgreSQL change listener reports losing and regaining its connection. */
  log?: FeedLog
}

/**
 * Opens the database named by a URL: `sqlite:PATH` or `postgres://…`.
 * @throws ConfigError for any other scheme.
 */
export function openStore(url: string, events: StoreEvents = {}): Store {
  if (url.startsWith('sqlite:')) {
    const sqlite = openSqlite(url.slice('sqlite:'.length))
    return { ...wrap(sqlite.db, 'sqlite', sqlite.changeStamp, null), close: sqlite.close }
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const changes = createSessionChanges(url, events.log)
    return wrap(openPostgres(url, { ...events, wrapDialect: (dialect) => observeWrites(dialect, changes) }), 'postgres', () => null, changes)
  }
  throw new ConfigError([{ path: 'databaseUrl', message: 'must be sqlite:PATH or postgres://…' }])
}

function wrap(db: Kysely<Database>, dialect: Dialect, changeStamp: Store['changeStamp'], sessionChanges: SessionChanges | null): Store {
  return {
    db,
    dialect,
    changeStamp,
    sessionChanges,
    async migrate() {
      // PostgreSQL introspection lists every schema, so Kysely would take another schema's
      // migration tables for ours; naming the current schema keeps it to the one we migrate.
      const schema = dialect === 'postgres' ? (await sql<{ name: string }>`select current_schema() as name`.execute(db)).rows[0]?.name : undefined
      const migrator = new Migrator({ db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) })
      const { error, results } = await migrator.migrateToLatest()
      const failed = results?.find((result) => result.status === 'Error')
      if (error) throw new Error(`Migration ${failed?.migrationName ?? ''} failed`, { cause: error })
    },
    async ping() {
      try {
        // A builder query, not raw SQL: raw SQL counts as a write of unknown tables (see write-tracking.ts).
        await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute()
        return true
      } catch {
        return false
      }
    },
    async close() {
      await sessionChanges?.close()
      await db.destroy()
    },
  }
}
