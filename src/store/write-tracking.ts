import type {
  DatabaseConnection,
  DeleteQueryNode,
  Driver,
  InsertQueryNode,
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
  UpdateQueryNode,
} from 'kysely'

/** What a statement changes: a table, `insert:<table>` for an insert that only adds rows, '*' for anything, null for nothing. */
export type WriteKey = string | null

// A table named by a TableNode, or by an alias of one; null when the node is anything else.
function tableName(node: OperationNode | undefined): string | null {
  if (!node) return null
  if (node.kind === 'AliasNode') return tableName((node as unknown as { node: OperationNode }).node)
  if (node.kind !== 'TableNode') return null
  return (node as unknown as { table: { identifier: { name: string } } }).table.identifier.name
}

function insertKey(node: InsertQueryNode): WriteKey {
  const table = tableName(node.into)
  if (!table) return '*'
  // "insert or replace", MySQL's REPLACE and "on conflict do update" change existing rows too.
  const changesRows =
    node.replace === true || node.orAction?.action === 'replace' || (node.onConflict?.updates?.length ?? 0) > 0 || node.onDuplicateKey !== undefined
  return changesRows ? table : `insert:${table}`
}

/**
 * Reads what a query writes from its operation nodes. Raw SQL and schema changes cannot be placed,
 * so they count against every table: a reader that trusts the count is never told "unchanged" wrongly.
 */
export function writeKeyOf(node: RootOperationNode): WriteKey {
  if ('with' in node && node.with) return '*'
  switch (node.kind) {
    case 'SelectQueryNode':
      return null
    case 'InsertQueryNode':
      return insertKey(node)
    case 'UpdateQueryNode':
      return tableName((node as UpdateQueryNode).table) ?? '*'
    case 'DeleteQueryNode':
      return (node as DeleteQueryNode).from.froms.length === 1 ? (tableName((node as DeleteQueryNode).from.froms[0]) ?? '*') : '*'
    default:
      return '*'
  }
}

/**
 * A Kysely plugin that classifies every query it sees by its nodes; the counting itself happens
 * in the driver, right before the statement runs (see trackWrites).
 */
export class WriteTrackingPlugin implements KyselyPlugin {
  readonly #keys = new WeakMap<RootOperationNode, WriteKey>()

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#keys.set(args.node, writeKeyOf(args.node))
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }

  /** The key of a compiled query's node; undefined for statements that never passed through Kysely's builders (the driver's own BEGIN and COMMIT). */
  keyOf(node: RootOperationNode): WriteKey | undefined {
    return this.#keys.get(node)
  }
}

/**
 * Makes a driver report each statement to `onStatement` immediately before it runs: on SQLite the
 * run is synchronous, so no read can slip in between the count and the write.
 */
export function trackWrites(driver: Driver, onStatement: (node: RootOperationNode) => void): Driver {
  const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>()
  const acquire = driver.acquireConnection.bind(driver)
  driver.acquireConnection = async () => {
    const connection = await acquire()
    let proxy = wrapped.get(connection)
    if (!proxy) {
      proxy = {
        executeQuery: (compiled) => {
          onStatement(compiled.query)
          return connection.executeQuery(compiled)
        },
        streamQuery: (compiled, chunkSize) => {
          onStatement(compiled.query)
          return connection.streamQuery(compiled, chunkSize)
        },
      }
      wrapped.set(connection, proxy)
    }
    return proxy
  }
  return driver
}
