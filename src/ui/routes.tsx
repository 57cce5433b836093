import { randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import type { Auth } from '../create-auth.js'
import { MAX_BODY_BYTES } from '../http/body.js'
import { clientAddress, socketAddress } from '../http/client-address.js'
import { toPortcullisError } from '../http/errors.js'
import { accountRoutes } from './account-routes.js'
import { loadAssets } from './assets.js'
import { emailLinkRoutes } from './email-link-routes.js'
import { createUiKit, HOME, type UiEnv, type UiKit } from './kit.js'
import { MessagePage } from './pages/message.js'
import { secondFactorRoutes } from './second-factor-routes.js'
import { signInRoutes } from './sign-in-routes.js'
import { signUpRoutes } from './sign-up-routes.js'

export interface UiOptions {
  /** Shown in titles and the header; defaults to the TOTP issuer. */
  productName?: string | undefined
  /** A validated CSS hex colour for buttons and links. */
  accentColor?: string | undefined
  /** Pages served beside the UI's own, on its kit and middleware (the OpenID interaction). */
  routes?: Array<(ui: UiKit) => Hono<UiEnv>>
}

/** No inline script or style, no framing, no referrer (pages carry tokens in their URLs), nothing cached. */
export const UI_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
} as const

/**
 * The web UI: server-rendered pages that call the same services as the API and share its session
 * cookie and CSRF tokens. Served by the standalone server for every path the API does not own.
 */
export function createUiApp(auth: Auth, options: UiOptions = {}): Hono<UiEnv> {
  const assets = loadAssets(options.accentColor)
  const ui = createUiKit(auth, options.productName ?? auth.options.totpIssuer, assets)
  const app = new Hono<UiEnv>()

  app.use(async (c, next) => {
    c.set('requestId', randomUUID())
    c.set('auth', undefined)
    c.set('context', {
      ip: clientAddress(socketAddress(c.env?.incoming) ?? c.env?.clientAddress, c.req.header('x-forwarded-for'), auth.options.trustProxy),
      userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
    })
    await next()
    for (const [name, value] of Object.entries(UI_HEADERS)) c.header(name, value)
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store')
  })

  app.get('/assets/:name', (c) => {
    const asset = assets.byName.get(c.req.param('name'))
    if (!asset) return c.notFound()
    // The href carries a content hash: a changed file gets a new URL.
    return c.body(asset.body, 200, { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=31536000, immutable' })
  })

  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        ui.render(
          c,
          'Too much data',
          <MessagePage title="Too much data">
            <p>That form was larger than this server accepts.</p>
          </MessagePage>,
          { status: 413 },
        ),
    }),
  )

  // Every form carries the token of this browser's session or nonce cookie, and must come from this site.
  app.use(async (c, next) => {
    if (c.req.method !== 'POST') return next()
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)
    const sent = typeof form._csrf === 'string' ? form._csrf : undefined
    if (!ui.csrf.isCrossSite(c) && (await ui.csrf.verifyToken(ui.asApi(c), sent))) return next()
    return ui.render(
      c,
      'Page expired',
      <MessagePage title="This page has expired">
        <p>For your safety the form was not sent. Go back, reload the page and try again.</p>
        <p>
          <a href="/">Start again</a>
        </p>
      </MessagePage>,
      { status: 403 },
    )
  })

  app.get('/', async (c) => ui.redirect(c, (await ui.session(c)) ? HOME : '/login'))
  app.route('/', signInRoutes(ui))
  app.route('/', signUpRoutes(ui))
  app.route('/', secondFactorRoutes(ui))
  app.route('/', accountRoutes(ui))
  app.route('/', emailLinkRoutes(ui))
  for (const routes of options.routes ?? []) app.route('/', routes(ui))

  app.notFound((c) => {
    // Clients of the JSON API keep its error shape; people get a page.
    if (!c.req.header('accept')?.includes('text/html')) {
      return c.json({ error: { code: 'not_found', message: 'No such route' } }, 404)
    }
    return ui.render(
      c,
      'Not found',
      <MessagePage title="Page not found">
        <p>
          There is nothing at this address. <a href="/">Go to the start page</a>
        </p>
      </MessagePage>,
      { status: 404 },
    )
  })

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse()
    const known = toPortcullisError(error)
    if (known?.code === 'service_unavailable') {
      auth.logger.warn({ err: error, path: c.req.path }, 'database unavailable')
      return c.html(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable</title></head><body><main><h1>Temporarily unavailable</h1><p>Nothing was changed. Please try again in a few seconds.</p></main></body></html>',
        503,
        { 'Retry-After': String(known.retryAfterSeconds ?? 5) },
      )
    }
    auth.logger.error({ err: error, path: c.req.path }, 'unhandled error in the web UI')
    return c.html(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong</title></head><body><main><h1>Something went wrong</h1><p>The error was logged. Please try again.</p></main></body></html>',
      500,
    )
  })
  return app
}
