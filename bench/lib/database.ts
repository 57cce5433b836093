import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test'

/** A fresh, empty database for one server under test, and how to throw it away. */
export interface BenchDatabase {
  kind: 'sqlite' | 'postgres'
  url: string
  drop(): Promise<void>
}

/** A SQLite file in a new temporary directory (on the machine's real disk, not a RAM disk). */
export function sqliteDatabase(): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'))
  return { kind: 'sqlite', url: `sqlite:${join(dir, 'bench.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
}

/** A new schema in the PostgreSQL database at `baseUrl`, made the search path of every connection. */
export async function postgresDatabase(baseUrl: string): Promise<BenchDatabase> {
  const schema = `bench_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: baseUrl })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  await admin.end()
  const separator = baseUrl.includes('?') ? '&' : '?'
  return {
    kind: 'postgres',
    url: `${baseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl })
      await client.connect()
      await client.query(`DROP SCHEMA ${schema} CASCADE`)
      await client.end()
    },
  }
}
