import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/** A database for one test fixture, and how to throw it away. */
export interface TestDatabase {
  url: string
  /** Runs a migration of this database so that no other fixture's schema is dropped meanwhile. */
  migrate(run: () => Promise<void>): Promise<void>
  drop(): Promise<void>
}

export interface DialectCase {
  name: 'sqlite' | 'postgres'
  create(): Promise<TestDatabase>
}

const postgresUrl = process.env.PORTCULLIS_TEST_DATABASE_URL

export const sqlite: DialectCase = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-test-'))
    return { url: `sqlite:${join(dir, 'auth.db')}`, migrate: (run) => run(), drop: async () => rmSync(dir, { recursive: true, force: true }) }
  },
}

// Kysely's migrator introspects every schema of the database, and a schema dropped during that
// scan makes it fail (3F000). Migrations share this advisory lock and a drop takes it alone, so
// test files running in parallel never drop a schema under another file's migration.
const SCHEMA_LOCK = 0x70637473

async function withSchemaLock(url: string, mode: 'shared' | 'exclusive', run: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const suffix = mode === 'shared' ? '_shared' : ''
  try {
    await client.query(`SELECT pg_advisory_lock${suffix}(${SCHEMA_LOCK})`)
    await run(client)
  } finally {
    await client.query(`SELECT pg_advisory_unlock${suffix}(${SCHEMA_LOCK})`).catch(() => {})
    await client.end()
  }
}

// Each fixture gets its own schema, so test files can run in parallel on one database.
const postgres: DialectCase = {
  name: 'postgres',
  async create() {
    const url = postgresUrl as string
    const schema = `t_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query(`CREATE SCHEMA ${schema}`)
    await admin.end()
    const separator = url.includes('?') ? '&' : '?'
    return {
      url: `${url}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      migrate: (run) => withSchemaLock(url, 'shared', run),
      drop: () => withSchemaLock(url, 'exclusive', async (client) => void (await client.query(`DROP SCHEMA ${schema} CASCADE`))),
    }
  },
}

/** The dialects every storage-touching suite runs on: SQLite always, PostgreSQL when configured. */
export const dialects: DialectCase[] = postgresUrl ? [sqlite, postgres] : [sqlite]
