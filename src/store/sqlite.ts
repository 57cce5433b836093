import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely'
import type { Database } from './database.js'

// Enough for every distinct statement the features issue; `IN (…)` lists of other lengths come and go.
const STATEMENT_CACHE_SIZE = 500

/** Opens a SQLite file in WAL mode; one writer, readers never block it. */
export function openSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const connection = new SQLite(path)
  connection.pragma('journal_mode = WAL')
  connection.pragma('busy_timeout = 5000')
  // FULL makes every commit durable before it is acknowledged: a confirmed enrolment survives a crash.
  connection.pragma('synchronous = FULL')
  connection.pragma('foreign_keys = ON')
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(connection, STATEMENT_CACHE_SIZE) }) })
}

/**
 * Kysely prepares every query anew, and compiling SQL costs SQLite more than running an indexed
 * read (about 2×, measured on the session check): statements are kept by SQL text, least recently
 * used first out. Reuse is safe: better-sqlite3 runs a statement to completion synchronously, and
 * Kysely's single-connection mutex keeps a streaming iterator from sharing it.
 */
function withStatementCache(connection: SQLite.Database, size: number): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>()
  return {
    prepare(sql) {
      let statement = statements.get(sql)
      if (statement) {
        statements.delete(sql)
      } else {
        statement = connection.prepare(sql)
        if (statements.size >= size) statements.delete(statements.keys().next().value as string)
      }
      statements.set(sql, statement)
      return statement
    },
    close: () => connection.close(),
  }
}
