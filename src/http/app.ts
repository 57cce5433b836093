import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Random } from '../crypto/random.js'
import { PortcullisError } from '../errors.js'
import type { Logger } from '../logger.js'
import { MAX_BODY_BYTES } from './body.js'
import { clientAddress } from './client-address.js'
import type { AppEnv } from './env.js'
import { errorResponse } from './errors.js'
import type { HttpKit } from './kit.js'

export interface AppSetup {
  kit: HttpKit
  logger: Logger
  random: Random
  /** Feature route groups, mounted at the base path. */
  routes: Hono<AppEnv>[]
}

/** The API app: hygiene middleware (ids, addresses, no-store, body limit, CSRF), then the features. */
export function createApiApp({ kit, logger, random, routes }: AppSetup): Hono<AppEnv> {
  // The middleware sits on the root, so routes mounted outside the base path later (the
  // compatibility profiles) get it too.
  const app = new Hono<AppEnv>()
  const native = app.basePath(kit.options.basePath)

  // A request id only correlates log lines, so it need not be secret: a random prefix per app and
  // a counter, instead of a CSPRNG read (a system call) on every request.
  const requestIdPrefix = random.id().slice(0, 8)
  let requestCount = 0
  app.use(async (c, next) => {
    c.set('requestId', `${requestIdPrefix}-${(++requestCount).toString(36)}`)
    c.set('auth', undefined)
    c.set('context', {
      ip: clientAddress(c.env?.clientAddress, c.req.header('x-forwarded-for'), kit.options.trustProxy),
      userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
    })
    // Set before the handler runs, the header rides on the response it builds; set afterwards, Hono
    // would rebuild that response around a body stream and lose @hono/node-server's fast path.
    c.header('Cache-Control', 'no-store')
    await next()
    // A handler that returned a Response object of its own did not take the prepared header.
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store')
  })
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => errorResponse(new PortcullisError('payload_too_large', `The body is larger than ${MAX_BODY_BYTES / 1024} KiB`), c, logger),
  })
  // No GET or HEAD route reads a body, and asking for one (bodyLimit reads `c.req.raw.body`) makes
  // @hono/node-server build a full fetch Request — streams, AbortSignal — on every session check.
  app.use((c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)))
  app.use(kit.csrf.middleware)

  for (const group of routes) native.route('/', group)

  app.notFound((c) => errorResponse(new PortcullisError('not_found', 'No such route'), c, logger))
  app.onError((error, c) => errorResponse(error, c, logger))
  return app
}
