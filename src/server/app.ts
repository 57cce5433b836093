import type { Http2Bindings, HttpBindings } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import type { Auth } from '../create-auth.js'
import { socketAddress } from '../http/client-address.js'
import { createUiApp } from '../ui/routes.js'
import { createLoadDetail, createMetricsRoute } from './load-report.js'
import type { OpsSettings, UiSettings } from './server-env.js'

export type ServerEnv = { Bindings: HttpBindings }

const NO_STORE = { 'Cache-Control': 'no-store' }

/**
 * The root app of the standalone server: operations endpoints, the API under its base path, and
 * the web UI for every other path (or a plain landing text with UI_ENABLED=false).
 */
export function createServerApp(auth: Auth, ui: UiSettings = { enabled: true }, ops: OpsSettings = { metricsEnabled: false }): ServerApp {
  const app = createRootApp(auth, ui, ops)
  const base = auth.options.basePath
  if (!base) return { fetch: app.fetch }
  // API requests — most of them session checks — go straight to the API's handler instead of
  // being routed twice, once by the root app and again by the API app.
  return {
    fetch(request, env) {
      const url = request.url
      const path = url.slice(url.indexOf('/', url.indexOf('//') + 2))
      const next = path.charCodeAt(base.length)
      const isApi = path.startsWith(base) && (Number.isNaN(next) || next === SLASH || next === QUESTION_MARK)
      return isApi ? auth.handler(request, { clientAddress: socketAddress(env.incoming) }) : app.fetch(request, env)
    },
  }
}

const SLASH = 47
const QUESTION_MARK = 63

/** What @hono/node-server serves. */
export interface ServerApp {
  fetch(request: Request, env: HttpBindings | Http2Bindings): Response | Promise<Response>
}

function createRootApp(auth: Auth, ui: UiSettings, ops: OpsSettings): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>()
  const base = auth.options.basePath

  const loadDetail = createLoadDetail(auth)
  app.get('/healthz', (c) => c.json({ status: 'ok' }, 200, NO_STORE))
  app.get('/readyz', async (c) =>
    (await auth.ready())
      ? c.json({ status: 'ok', ...loadDetail() }, 200, NO_STORE)
      : c.json({ error: { code: 'service_unavailable', message: 'The database does not answer' } }, 503, NO_STORE),
  )

  if (ops.metricsEnabled) app.get('/metrics', createMetricsRoute(auth))

  // The API reads the client address from the socket; X-Forwarded-For only counts through TRUST_PROXY.
  const forward = (c: Context<ServerEnv>) => auth.handler(c.req.raw, { clientAddress: socketAddress(c.env.incoming) })
  if (base) app.all(base, forward)
  app.all(`${base}/*`, forward)

  if (ui.enabled) {
    // The UI has its own middleware (headers, CSRF of its forms), so it gets only the paths the API does not own.
    const pages = createUiApp(auth, { productName: ui.productName, accentColor: ui.accentColor })
    app.all('*', (c) => pages.fetch(c.req.raw, c.env))
  } else {
    app.get('/', (c) =>
      c.text(`Portcullis is running.\n\nHTTP API: ${base || '/'}\nHealth: /healthz, /readyz\n`, 200, { ...NO_STORE, 'X-Content-Type-Options': 'nosniff' }),
    )
  }

  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'No such route' } }, 404, NO_STORE))
  app.onError((error, c) => {
    auth.logger.error({ err: error, path: c.req.path }, 'unhandled error')
    return c.json({ error: { code: 'internal_error', message: 'Something went wrong; the error was logged' } }, 500, NO_STORE)
  })
  return app
}
