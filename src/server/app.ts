import type { IncomingMessage } from 'node:http'
import type { HttpBindings } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import type { Auth } from '../create-auth.js'

export type ServerEnv = { Bindings: HttpBindings }

const NO_STORE = { 'Cache-Control': 'no-store' }

/**
 * The root app of the standalone server: operations endpoints, the API under its base path, and a
 * landing page. Pages of the web UI are added to this app beside the API mount.
 */
export function createServerApp(auth: Auth): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>()
  const base = auth.options.basePath

  app.get('/healthz', (c) => c.json({ status: 'ok' }, 200, NO_STORE))
  app.get('/readyz', async (c) =>
    (await auth.ready())
      ? c.json({ status: 'ok' }, 200, NO_STORE)
      : c.json({ error: { code: 'service_unavailable', message: 'The database does not answer' } }, 503, NO_STORE),
  )

  // The API reads the client address from the socket; X-Forwarded-For only counts through TRUST_PROXY.
  const forward = (c: Context<ServerEnv>) => auth.handler(c.req.raw, { clientAddress: socketAddress(c.env.incoming) })
  if (base) app.all(base, forward)
  app.all(`${base}/*`, forward)

  app.get('/', (c) =>
    c.text(`Portcullis is running.\n\nHTTP API: ${base || '/'}\nHealth: /healthz, /readyz\n`, 200, { ...NO_STORE, 'X-Content-Type-Options': 'nosniff' }),
  )

  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'No such route' } }, 404, NO_STORE))
  app.onError((error, c) => {
    auth.logger.error({ err: error, path: c.req.path }, 'unhandled error')
    return c.json({ error: { code: 'internal_error', message: 'Something went wrong; the error was logged' } }, 500, NO_STORE)
  })
  return app
}

// An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d; one address, one lockout key.
function socketAddress(incoming: IncomingMessage | undefined): string | undefined {
  const address = incoming?.socket.remoteAddress
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address
}
