import type { Http2Bindings, HttpBindings } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Auth } from '../create-auth.js'
import { PortcullisError } from '../errors.js'
import { socketAddress } from '../http/client-address.js'
import { DATABASE_RETRY_AFTER_SECONDS, toPortcullisError } from '../http/errors.js'
import { createUiApp } from '../ui/routes.js'
import type { UiSettings } from './server-env.js'

export type ServerEnv = { Bindings: HttpBindings }

const NO_STORE = { 'Cache-Control': 'no-store' }

/**
 * The root app of the standalone server: operations endpoints, the API under its base path, and
 * the web UI for every other path (or a plain landing text with UI_ENABLED=false).
 */
export function createServerApp(auth: Auth, ui: UiSettings = { enabled: true }): ServerApp {
  const app = createRootApp(auth, ui)
  const base = auth.options.basePath
  if (!base) return { fetch: app.fetch }
  // Compatibility profiles answer under their own mounts too; those paths are the API's, not the web UI's.
  const profileMounts = auth.options.compat.map((profile) => profile.mount)
  // API requests — most of them session checks — go straight to the API's handler instead of
  // being routed twice, once by the root app and again by the API app.
  return {
    fetch(request, env) {
      const url = request.url
      const path = url.slice(url.indexOf('/', url.indexOf('//') + 2))
      const isApi = isUnder(path, base) || profileMounts.some((mount) => isUnder(path, mount))
      return isApi ? auth.handler(request, { clientAddress: socketAddress(env.incoming) }) : app.fetch(request, env)
    },
  }
}

const SLASH = 47
const QUESTION_MARK = 63

function isUnder(path: string, mount: string): boolean {
  const next = path.charCodeAt(mount.length)
  return path.startsWith(mount) && (Number.isNaN(next) || next === SLASH || next === QUESTION_MARK)
}

/** What @hono/node-server serves. */
export interface ServerApp {
  fetch(request: Request, env: HttpBindings | Http2Bindings): Response | Promise<Response>
}

function createRootApp(auth: Auth, ui: UiSettings): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>()
  const base = auth.options.basePath

  app.get('/healthz', (c) => c.json({ status: 'ok' }, 200, NO_STORE))
  app.get('/readyz', async (c) => {
    if (!(await auth.ready())) {
      throw new PortcullisError('service_unavailable', 'The database does not answer', { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS })
    }
    return c.json({ status: 'ok' }, 200, NO_STORE)
  })

  // The API reads the client address from the socket; X-Forwarded-For only counts through TRUST_PROXY.
  const forward = (c: Context<ServerEnv>) => auth.handler(c.req.raw, { clientAddress: socketAddress(c.env.incoming) })
  if (base) app.all(base, forward)
  app.all(`${base}/*`, forward)
  for (const { mount } of auth.options.compat) if (mount) app.all(`${mount}/*`, forward)

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
    const known = toPortcullisError(error)
    if (!known) auth.logger.error({ err: error, path: c.req.path }, 'unhandled error')
    const failure = known ?? new PortcullisError('internal_error', 'Something went wrong; the error was logged')
    const retry: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(failure.retryAfterSeconds) }
    return c.json({ error: { code: failure.code, message: failure.message } }, failure.status as ContentfulStatusCode, { ...NO_STORE, ...retry })
  })
  return app
}
