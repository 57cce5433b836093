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
  /** Runs the server's start (its migration) so that no other schema is dropped meanwhile. */
  whileMigrating<T>(run: () => Promise<T>): Promise<T>
  drop(): Promise<void>
}

// Kysely's migrator lists every schema of the database and fails (3F000) when one is dropped
// during that scan; the test suites drop schemas all the time. They take this advisory lock
// exclusively to drop and shared to migrate (test/support/dialects.ts), and so does the bench.
const SCHEMA_LOCK = 0x70637473

/** A SQLite file in a new temporary directory (on the machine's real disk, not a RAM disk). */
export function sqliteDatabase(): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'))
  return {
    kind: 'sqlite',
    url: `sqlite:${join(dir, 'bench.db')}`,
    whileMigrating: (run) => run(),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  }
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
    async whileMigrating(run) {
      const client = new pg.Client({ connectionString: baseUrl })
      await client.connect()
      try {
        await client.query(`SELECT pg_advisory_lock_shared(${SCHEMA_LOCK})`)
        return await run()
      } finally {
        await client.query(`SELECT pg_advisory_unlock_shared(${SCHEMA_LOCK})`).catch(() => {})
        await client.end()
      }
    },
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl })
      await client.connect()
      await client.query(`DROP SCHEMA ${schema} CASCADE`)
      await client.end()
    },
  }
}
