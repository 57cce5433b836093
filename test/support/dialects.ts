import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/** A database for one test fixture, and how to throw it away. */
export interface TestDatabase {
  url: string
  drop(): Promise<void>
}

export interface DialectCase {
  name: 'sqlite' | 'postgres'
  create(): Promise<TestDatabase>
}

const postgresUrl = process.env.PORTCULLIS_TEST_DATABASE_URL

const sqlite: DialectCase = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-test-'))
    return { url: `sqlite:${join(dir, 'auth.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
  },
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
      async drop() {
        const client = new pg.Client({ connectionString: url })
        await client.connect()
        await client.query(`DROP SCHEMA ${schema} CASCADE`)
        await client.end()
      },
    }
  },
}

/** The dialects every storage-touching suite runs on: SQLite always, PostgreSQL when configured. */
export const dialects: DialectCase[] = postgresUrl ? [sqlite, postgres] : [sqlite]
