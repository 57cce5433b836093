import { mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely'
import type { Database } from './database.js'
import { trackWrites, type WriteKey, WriteTrackingPlugin, writeKeyOf } from './write-tracking.js'

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
  const plugin = new WriteTrackingPlugin()
  // Counted before the write runs, so a failed write invalidates as well: too often is harmless, too rarely is not.
  const dialect = new (class extends SqliteDialect {
    override createDriver() {
      return trackWrites(super.createDriver(), (node) => {
        // A node the plugin never saw was made by a later plugin (classified here), or is the
        // driver's own BEGIN/COMMIT (raw, and no write of a table).
        const key = plugin.keyOf(node) ?? (node.kind === 'RawNode' ? null : writeKeyOf(node))
        writes.count(key)
      })
    }
  })({ database: withStatementCache(connection, STATEMENT_CACHE_SIZE) })
  const db = new Kysely<Database>({ dialect, plugins: [plugin] })
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

/**
 * Counts the writes this connection runs, per table: inserts that only add rows under
 * `insert:<table>`, every other write under `<table>`, and what cannot be placed (raw SQL, DDL)
 * under '*', which counts against every table. The key comes from the query's nodes
 * (WriteTrackingPlugin), never from its SQL text.
 */
class WriteCounter {
  private readonly byTable = new Map<string, number>()
  private unknown = 0

  count(key: WriteKey): void {
    if (key === null) return
    if (key === '*') this.unknown++
    else this.byTable.set(key, (this.byTable.get(key) ?? 0) + 1)
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
function withStatementCache(connection: SQLite.Database, size: number): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>()
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
