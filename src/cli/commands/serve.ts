import { isWorker, servePrimary, serveWorker } from '../../server/cluster.js'
import { serveUntilSignal } from '../../server/serve.js'
import type { Command } from '../command.js'

const MAX_WORKERS = 64

export const serveCommand: Command = {
  words: ['serve'],
  summary: 'Run the HTTP server (API at /api/auth, /healthz, /readyz)',
  help: [
    'Configured from the environment: DATABASE_URL, PORTCULLIS_SECRET, PUBLIC_URL, PORT (3000), HOST (127.0.0.1),',
    'LOG_LEVEL and the rest of the table in README.md. Pending migrations are applied on start; on PostgreSQL',
    'PORTCULLIS_AUTO_MIGRATE=false turns that off. SIGTERM or SIGINT stops it gracefully, within SHUTDOWN_TIMEOUT (10s).',
    '--workers N runs N server processes on the one port (node:cluster), for SQLite and PostgreSQL alike:',
    'migrations run once before they start, a crashed worker is replaced, SIGTERM stops them all.',
  ].join('\n'),
  options: { workers: { type: 'string' } },
  async run({ values, io }) {
    // Non-zero when SHUTDOWN_TIMEOUT cut requests or mail short, so a supervisor can tell.
    if (isWorker()) return (await serveWorker(io.env)) ? 0 : 1
    const text = typeof values.workers === 'string' ? values.workers.trim() : '1'
    const workers = Number(text)
    if (!/^\d+$/.test(text) || workers < 1 || workers > MAX_WORKERS) {
      io.err(`portcullis serve: --workers must be a whole number from 1 to ${MAX_WORKERS}, got "${text}"`)
      return 2
    }
    if (workers === 1) return (await serveUntilSignal(io.env)) ? 0 : 1
    return servePrimary(workers, io.env)
  },
}
