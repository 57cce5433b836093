import { mkdirSync, renameSync, rmSync } from 'node:fs'
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
  /** Closes the file, also when no query ever ran (Kysely only closes a driver it initialised). */
  close(): Promise<void>
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(connection, STATEMENT_CACHE_SIZE, writes) }) })
  return {
    db,
    changeStamp: (tables) => writes.total(tables) + otherCommits(),
    async close() {
      await db.destroy()
      // An open connection keeps its lock on the file: a restore would take it for a running server.
      if (connection.open) connection.close()
    },
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

/**
 * Copies a live SQLite database to `targetPath` with SQLite's online backup: every page in one
 * step, inside one read transaction, so the copy is one consistent moment even while other
 * processes write (WAL lets them go on). The copy is written beside the target and renamed into
 * place, and is a single file (no -wal to carry along).
 * @throws Error when the source is missing or the copy fails its integrity check.
 */
export async function backupSqlite(sourcePath: string, targetPath: string): Promise<{ pages: number }> {
  const source = new SQLite(sourcePath, { fileMustExist: true })
  source.pragma('busy_timeout = 5000')
  const partial = `${targetPath}.partial-${process.pid}`
  try {
    // The first step only measures; returning the most pages a step may take makes the next one copy them all at once.
    const { totalPages } = await source.backup(partial, { progress: () => 0x7fffffff })
    const copy = new SQLite(partial)
    try {
      const check = copy.pragma('quick_check', { simple: true })
      if (check !== 'ok') throw new Error(`The copy failed its integrity check: ${String(check)}`)
      copy.pragma('journal_mode = DELETE')
    } finally {
      copy.close()
    }
    renameSync(partial, targetPath)
    return { pages: totalPages }
  } catch (error) {
    rmSync(partial, { force: true })
    throw error
  } finally {
    source.close()
  }
}

/**
 * Puts a backup in place of the database at `path`. Refuses while any other connection has that
 * database open: a server keeps its connection for its whole life, and in WAL mode that
 * connection holds a shared lock, so an exclusive lock is granted only when no server runs. The
 * lock is held until the backup is in place, so no server can start in between.
 * @throws Error when the database is in use, or the backup is not a readable Portcullis database.
 */
export async function restoreSqlite(backupPath: string, path: string): Promise<void> {
  const backup = new SQLite(backupPath, { readonly: true, fileMustExist: true })
  try {
    const check = backup.pragma('quick_check', { simple: true })
    if (check !== 'ok') throw new Error(`${backupPath} failed its integrity check: ${String(check)}`)
    if (!backup.prepare("select 1 from sqlite_master where type = 'table' and name = 'users'").get()) {
      throw new Error(`${backupPath} is not a Portcullis database (it has no users table)`)
    }
  } finally {
    backup.close()
  }
  mkdirSync(dirname(path), { recursive: true })
  const lock = new SQLite(path, { timeout: 0 })
  try {
    lock.pragma('locking_mode = EXCLUSIVE')
    try {
      lock.exec('BEGIN EXCLUSIVE')
      lock.exec('COMMIT')
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error
      throw new Error(`${path} is open in another process (a running server?): stop it, then restore`, { cause: error })
    }
    const partial = `${path}.restoring-${process.pid}`
    const source = new SQLite(backupPath, { readonly: true })
    try {
      await source.backup(partial, { progress: () => 0x7fffffff })
    } finally {
      source.close()
    }
    const copy = new SQLite(partial)
    copy.pragma('journal_mode = DELETE')
    copy.close()
    // The old database's WAL and shared-memory files would be read as part of the new one.
    for (const suffix of ['-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
    renameSync(partial, path)
  } finally {
    lock.close()
  }
}
