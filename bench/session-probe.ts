// The session check alone, in one process, without HTTP or a load generator: signs one user up
// and times GET /session through `auth.handler`, back to back. On a machine too busy for the
// closed-loop bench to give steady rates, this isolates what the check itself costs.
//   node --import tsx bench/session-probe.ts [sqlite|postgres] [checks]
// PostgreSQL: PORTCULLIS_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test), a fresh schema.
import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { createAuth } from '../src/create-auth.js'
import { DEFAULT_POSTGRES_URL, postgresDatabase, sqliteDatabase } from './lib/database.js'

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite'
const checks = Number(process.argv[3] ?? 5000)
const database = kind === 'postgres' ? await postgresDatabase(process.env.PORTCULLIS_BENCH_PG_URL ?? DEFAULT_POSTGRES_URL) : sqliteDatabase()
const auth = createAuth({ databaseUrl: database.url, secret: randomBytes(32).toString('base64url'), logger: pino({ level: 'silent' }) })
try {
  await database.whileMigrating(() => auth.migrate())
  const call = (path: string, init: RequestInit) => auth.handler(new Request(`http://localhost:3000/api/auth${path}`, init))
  const signUp = await call('/signup', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://localhost:3000', 'x-auth-flow': 'token' },
    body: JSON.stringify({ email: 'probe@example.com', password: 'correct horse battery staple' }),
  })
  const { token } = (await signUp.json()) as { token: string }
  const headers = { authorization: `Bearer ${token}` }
  const round = async (count: number) => {
    const cpu = process.cpuUsage()
    const started = performance.now()
    for (let i = 0; i < count; i++) {
      const response = await call('/session', { headers })
      if (response.status !== 200) throw new Error(`GET /session answered ${response.status}`)
      await response.text()
    }
    const used = process.cpuUsage(cpu)
    return { wallUs: ((performance.now() - started) * 1000) / count, cpuUs: (used.user + used.system) / count }
  }
  await round(Math.min(1000, checks)) // warm-up: JIT, statement caches, the change listener
  const { wallUs, cpuUs } = await round(checks)
  process.stdout.write(`${JSON.stringify({ database: kind, checks, wallUsPerCheck: Number(wallUs.toFixed(1)), cpuUsPerCheck: Number(cpuUs.toFixed(1)) })}\n`)
} finally {
  await auth.close()
  await database.drop()
}
process.exit(0)
