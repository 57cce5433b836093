import { type Dialect, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from './database.js'

const INT8_OID = 20

// Epoch milliseconds fit a double exactly; pg would hand int8 back as strings otherwise.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** Opens a pooled PostgreSQL connection; several server processes may share the database. */
export function openPostgres(url: string, poolSize = 10, wrap: (dialect: Dialect) => Dialect = (dialect) => dialect): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types })
  return new Kysely<Database>({ dialect: wrap(new PostgresDialect({ pool })) })
}
