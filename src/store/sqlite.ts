import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely'
import type { Database } from './database.js'

// Enough for every distinct statement the features issue; `IN (…)` lists of other lengths come and go.
const STATEMENT_CACHE_SIZE = 500

export interface SqliteStore {
  db: Kysely<Database>
  /** See Store.changeStamp. */
  changeStamp(tables: readonly string[]): number
}

/** Opens a SQLite file in WAL mode; one writer, readers never block it. */
export function openSqlite(path: string): SqliteStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const connection = new SQLite(path)
  connection.pragma('journal_mode = WAL')
  connection.pragma('busy_timeout = 5000')
  // FULL makes every commit durable before it is acknowledged: a confirmed enrolment survives a crash.
  connection.pragma('synchronous = FULL')
  connection.pragma('foreign_keys = ON')
  const writes = new WriteCounter()
  const otherCommits = commitsByOtherConnections(connection)
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(connection, STATEMENT_CACHE_SIZE, writes) }) }),
    changeStamp: (tables) => writes.total(tables) + otherCommits(),
  }
}

/**
 * SQLite's data_version: it moves whenever another connection — another process, such as the
 * CLI — commits to the file. Reading it costs about as much as the session read itself, so it is
 * read once per event-loop turn and shared by the requests of that turn: a commit elsewhere is
 * seen from the next turn on, a millisecond or so later, as if the request had come a moment sooner.
 */
function commitsByOtherConnections(connection: SQLite.Database): () => number {
  const dataVersion = connection.prepare('PRAGMA data_version').pluck()
  let thisTurn: number | undefined
  const forget = () => {
    thisTurn = undefined
  }
  return () => {
    if (thisTurn === undefined) {
      thisTurn = dataVersion.get() as number
      setImmediate(forget)
    }
    return thisTurn
  }
}

// Statements that open or end a transaction write no table.
const TRANSACTION_CONTROL = /^\s*(?:begin|commit|end|rollback|savepoint|release)\b/i
// The table right after the verb, past an optional schema ("main"."sessions").
const WRITTEN_TABLE = /^\s*(?:insert\s+(?:or\s+\w+\s+)?into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+(?:(?:"[^"]+"|\w+)\.)?(?:"([^"]+)"|(\w+))/i
// An insert that can only add rows ("insert or replace" and "do update" upserts change existing ones).
const PLAIN_INSERT = /^\s*insert\s+into\b/i
const UPSERT = /\bon\s+conflict\b[\s\S]*\bdo\s+update\b/i
const READ_ONLY = /^\s*(?:select|pragma|explain)\b/i
const WRITE_WORD = /\b(?:insert|update|delete|replace)\b/i

/**
 * Counts the writes this connection runs, per table: inserts that only add rows under
 * `insert:<table>`, every other write under `<table>`. A write whose table it cannot read (DDL,
 * raw SQL of another shape) counts against every table, so a reader that trusts the count is
 * never told "unchanged" wrongly.
 */
class WriteCounter {
  private readonly byTable = new Map<string, number>()
  private unknown = 0

  /**
   * What a statement changes: a key as above, null for nothing, or '*' for anything. A write with
   * RETURNING is a "reader" to better-sqlite3, so the SQL text decides, not the driver.
   */
  static tableOf(sql: string, reader: boolean): string | null {
    if (TRANSACTION_CONTROL.test(sql)) return null
    const match = WRITTEN_TABLE.exec(sql)
    if (match) {
      const table = match[1] ?? match[2] ?? '*'
      return table !== '*' && PLAIN_INSERT.test(sql) && !UPSERT.test(sql) ? `insert:${table}` : table
    }
    if (!reader) return '*'
    return READ_ONLY.test(sql) || !WRITE_WORD.test(sql) ? null : '*'
  }

  count(table: string): void {
    if (table === '*') this.unknown++
    else this.byTable.set(table, (this.byTable.get(table) ?? 0) + 1)
  }

  total(tables: readonly string[]): number {
    let sum = this.unknown
    for (const table of tables) sum += this.byTable.get(table) ?? 0
    return sum
  }
}

/**
 * Kysely prepares every query anew, and compiling SQL costs SQLite more than running an indexed
 * read (about 2×, measured on the session check): statements are kept by SQL text, least recently
 * used first out. Reuse is safe: better-sqlite3 runs a statement to completion synchronously, and
 * Kysely's single-connection mutex keeps a streaming iterator from sharing it.
 */
function withStatementCache(connection: SQLite.Database, size: number, writes: WriteCounter): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>()
  return {
    prepare(sql) {
      let statement = statements.get(sql)
      if (statement) {
        statements.delete(sql)
      } else {
        statement = counted(connection.prepare(sql), sql, writes)
        if (statements.size >= size) statements.delete(statements.keys().next().value as string)
      }
      statements.set(sql, statement)
      return statement
    },
    close: () => connection.close(),
  }
}

/** A write statement that counts each run against its table, however it is run; reads are handed over as they are. */
function counted(statement: SQLite.Statement, sql: string, writes: WriteCounter): SqliteStatement {
  const table = WriteCounter.tableOf(sql, statement.reader)
  if (table === null) return statement
  // Counted before the write, so a failed write invalidates as well: too often is harmless, too rarely is not.
  const count = () => writes.count(table)
  return {
    reader: statement.reader,
    all(parameters) {
      count()
      return statement.all(parameters)
    },
    iterate(parameters) {
      count()
      return statement.iterate(parameters)
    },
    run(parameters) {
      count()
      return statement.run(parameters)
    },
  }
}
