import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_POSTGRES_URL } from './database.js'

export interface BenchSettings {
  quick: boolean
  database: 'sqlite' | 'postgres'
  postgresUrl: string
  peer: 'better-auth' | null
  /** The measured window of each scenario at each concurrency. */
  durationMs: number
  /** Unmeasured load before each window. */
  warmupMs: number
  connections: number[]
  /** Connections of the session checks, and of the sign-ins beside them, in the storm. */
  stormConnections: number
  /** Upper bound of TOTP users seeded for the MFA runs. */
  maxMfaUsers: number
  out: string
  /** Directory for V8 CPU profiles of every server under test (`--profile`), or null. */
  profileDir: string | null
  /** Only these scenarios (`--only`), or all. */
  only: string[] | null
  /** Server processes (`--workers`, as `portcullis serve --workers N`). */
  workers: number
  /** With --pg: Portcullis on SQLite too, in the same run, as the reference (`--also-sqlite`). */
  alsoSqlite: boolean
}

export const USAGE = `Usage: npm run bench -- [options]
  --quick               a short run (~20 s): one concurrency, 1 s windows
  --pg                  Portcullis (and the peer) on PostgreSQL (PORTCULLIS_BENCH_PG_URL or ${DEFAULT_POSTGRES_URL}), a fresh schema each
  --peer better-auth    the same scenarios, same client, against better-auth, back to back, with ratios
  --duration SECONDS    measured window of each scenario (default 5, quick 1)
  --connections LIST    comma-separated concurrencies (default 16,64, quick 8)
  --only LIST           only these parts (limits,session,sign-in,mfa-sign-in,sign-up,mixed,storm,overload), e.g. for profiling
  --profile             a V8 CPU profile of Portcullis per measured window, in a temporary directory (one worker only)
  --workers N           Portcullis as \`serve --workers N\` (default 1); CPU and RSS are summed over its processes
  --also-sqlite         with --pg: Portcullis on SQLite as well, same settings, same run, as the reference
  --out FILE            where to write the JSON (default bench/results/latest.json; the table goes beside it as .md)`

/**
 * Reads the command line.
 * @throws Error with the usage text for an unknown option or value.
 */
export function readSettings(argv: string[]): BenchSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      pg: { type: 'boolean', default: false },
      peer: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      out: { type: 'string', default: 'bench/results/latest.json' },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      workers: { type: 'string', default: '1' },
      'also-sqlite': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) throw new Error(USAGE)
  if (values.peer !== undefined && values.peer !== 'better-auth') throw new Error(`unknown peer "${values.peer}"\n${USAGE}`)
  const quick = values.quick
  const durationSeconds = values.duration === undefined ? (quick ? 1 : 5) : Number(values.duration)
  if (!(durationSeconds > 0 && durationSeconds <= 600)) throw new Error(`--duration must be a number of seconds\n${USAGE}`)
  const connections = (values.connections ?? (quick ? '8' : '16,64')).split(',').map(Number)
  if (connections.some((c) => !Number.isInteger(c) || c < 1 || c > 1024)) throw new Error(`--connections must list whole numbers\n${USAGE}`)
  const durationMs = durationSeconds * 1000
  const workers = Number(values.workers)
  if (!Number.isInteger(workers) || workers < 1 || workers > 16) throw new Error(`--workers must be a whole number from 1 to 16\n${USAGE}`)
  if (values.profile && workers > 1) throw new Error(`--profile profiles one process: leave out --workers\n${USAGE}`)
  return {
    quick,
    database: values.pg ? 'postgres' : 'sqlite',
    postgresUrl: process.env.PORTCULLIS_BENCH_PG_URL ?? DEFAULT_POSTGRES_URL,
    peer: values.peer === 'better-auth' ? 'better-auth' : null,
    durationMs,
    warmupMs: Math.min(1000, Math.max(200, durationMs / 5)),
    connections,
    stormConnections: connections[0] ?? 16,
    maxMfaUsers: quick ? 200 : 4000,
    out: values.out,
    profileDir: values.profile ? join(tmpdir(), `portcullis-bench-profiles-${Date.now()}`) : null,
    only: values.only ? values.only.split(',') : null,
    workers,
    alsoSqlite: values['also-sqlite'] && values.pg,
  }
}
