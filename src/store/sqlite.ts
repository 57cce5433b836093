import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database } from './database.js'

/** Opens a SQLite file in WAL mode; one writer, readers never block it. */
export function openSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const connection = new SQLite(path)
  connection.pragma('journal_mode = WAL')
  connection.pragma('busy_timeout = 5000')
  // FULL makes every commit durable before it is acknowledged: a confirmed enrolment survives a crash.
  connection.pragma('synchronous = FULL')
  connection.pragma('foreign_keys = ON')
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) })
}
