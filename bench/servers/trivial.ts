// The floor of the HTTP stack: Hono on @hono/node-server, one route that answers a small JSON
// body, as the real server's adaptor serves it. Session throughput is reported as a ratio of this.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()
app.get('/api/auth/ping', (c) => c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' }))

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, (info: AddressInfo) => {
  process.send?.({ type: 'ready', origin: `http://127.0.0.1:${info.port}` })
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
process.on('disconnect', () => process.exit(0))
