import { serveUntilSignal } from '../../server/serve.js'
import type { Command } from '../command.js'

export const serveCommand: Command = {
  words: ['serve'],
  summary: 'Run the HTTP server (API at /api/auth, /healthz, /readyz)',
  help: [
    'Configured from the environment: DATABASE_URL, PORTCULLIS_SECRET, PUBLIC_URL, PORT (3000), HOST (127.0.0.1),',
    'LOG_LEVEL and the rest of the table in README.md. Pending migrations are applied on start; on PostgreSQL',
    'PORTCULLIS_AUTO_MIGRATE=false turns that off. SIGTERM or SIGINT stops it gracefully, within SHUTDOWN_TIMEOUT (10s).',
  ].join('\n'),
  async run({ io }) {
    // Non-zero when SHUTDOWN_TIMEOUT cut requests or mail short, so a supervisor can tell.
    return (await serveUntilSignal(io.env)) ? 0 : 1
  },
}
