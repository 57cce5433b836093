import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  OperationNode,
  QueryCompiler,
  QueryResult,
  RootOperationNode,
  TransactionSettings,
} from 'kysely'

// The tables a session check reads, and for each the columns whose update cannot change its
// answer (the same list as migration 0003's triggers). Inserts matter only where a new row can
// switch MFA on: a new session or user changes no answer already given.
const WATCHED: ReadonlyMap<string, { inserts: boolean; quiet: ReadonlySet<string> }> = new Map([
  ['sessions', { inserts: false, quiet: new Set(['last_seen_at']) }],
  ['users', { inserts: false, quiet: new Set<string>() }],
  ['totp_factors', { inserts: true, quiet: new Set(['last_used_step', 'last_used_at']) }],
  ['webauthn_credentials', { inserts: true, quiet: new Set(['counter', 'last_used_at']) }],
])

const READ_ONLY_SQL = /^\s*(?:select|show|listen|unlisten|set|explain)\b/i

interface Node extends OperationNode {
  [key: string]: unknown
}

function tableName(node: unknown): string | undefined {
  const n = node as Node | undefined
  if (n?.kind === 'TableNode') return ((n.table as Node).identifier as { name: string }).name
  if (n?.kind === 'AliasNode') return tableName(n.node)
  return undefined
}

function columnName(update: unknown): string | undefined {
  const column = (update as Node).column as Node | undefined
  return (column?.column as { name?: string } | undefined)?.name
}

/**
 * Whether a query may change a session check's answer. Unknown shapes (raw SQL other than a
 * read, DDL, a write through a CTE) count as changes: too often is harmless, too rarely is not.
 */
export function changesSessionChecks(query: RootOperationNode, sql: string): boolean {
  const node = query as unknown as Node
  if (node.kind === 'SelectQueryNode') return false
  if (node.kind === 'RawNode') return !READ_ONLY_SQL.test(sql)
  if (node.with) return true
  if (node.kind === 'InsertQueryNode') {
    const watched = WATCHED.get(tableName(node.into) ?? '*')
    return tableName(node.into) === undefined || (watched !== undefined && (watched.inserts || node.onConflict !== undefined))
  }
  if (node.kind === 'UpdateQueryNode') {
    const table = tableName(node.table)
    if (table === undefined) return true
    const watched = WATCHED.get(table)
    if (!watched) return false
    const updates = (node.updates as unknown[] | undefined) ?? []
    return updates.length === 0 || updates.some((update) => !watched.quiet.has(columnName(update) ?? '*'))
  }
  if (node.kind === 'DeleteQueryNode') {
    const froms = ((node.from as Node | undefined)?.froms as unknown[] | undefined) ?? []
    return froms.length === 0 || froms.some((from) => tableName(from) === undefined || WATCHED.has(tableName(from) as string))
  }
  return true
}

export interface WriteObserver {
  localWriteStarted(): void
  localWriteEnded(): void
}

/**
 * The dialect, with every write that may change a session check reported from before it runs
 * until it is committed (or rolled back): at the end of the statement, or of its transaction.
 * This process's own cache is thus never filled across its own write and is emptied right after
 * it, before the response that made it is sent; other processes learn of it by NOTIFY.
 */
export function observeWrites(dialect: Dialect, observer: WriteObserver): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => new ObservedDriver(dialect.createDriver(), observer),
  }
}

class ObservedConnection implements DatabaseConnection {
  inTransaction = false
  /** A write of the open transaction was reported as started and awaits its end. */
  pending = false

  constructor(
    readonly inner: DatabaseConnection,
    private readonly observer: WriteObserver,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (!changesSessionChecks(compiled.query, compiled.sql)) return this.inner.executeQuery<R>(compiled)
    if (this.inTransaction) {
      if (!this.pending) this.observer.localWriteStarted()
      this.pending = true
      return this.inner.executeQuery<R>(compiled)
    }
    this.observer.localWriteStarted()
    try {
      return await this.inner.executeQuery<R>(compiled)
    } finally {
      this.observer.localWriteEnded()
    }
  }

  streamQuery<R>(compiled: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiled, chunkSize)
  }

  endTransaction(): void {
    this.inTransaction = false
    if (this.pending) this.observer.localWriteEnded()
    this.pending = false
  }
}

class ObservedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly observer: WriteObserver,
  ) {}

  init = () => this.inner.init()
  destroy = () => this.inner.destroy()

  async acquireConnection(): Promise<DatabaseConnection> {
    return new ObservedConnection(await this.inner.acquireConnection(), this.observer)
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as ObservedConnection).inner)
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.inner.beginTransaction((connection as ObservedConnection).inner, settings)
    ;(connection as ObservedConnection).inTransaction = true
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.commitTransaction((connection as ObservedConnection).inner)
    } finally {
      ;(connection as ObservedConnection).endTransaction()
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.rollbackTransaction((connection as ObservedConnection).inner)
    } finally {
      ;(connection as ObservedConnection).endTransaction()
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.savepoint?.((connection as ObservedConnection).inner, name, compile)
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.rollbackToSavepoint?.((connection as ObservedConnection).inner, name, compile)
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.releaseSavepoint?.((connection as ObservedConnection).inner, name, compile)
  }
}
