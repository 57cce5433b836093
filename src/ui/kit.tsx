import type { HttpBindings } from '@hono/node-server'
import type { Context } from 'hono'
import { html } from 'hono/html'
import { HTTPException } from 'hono/http-exception'
import type { Child } from 'hono/jsx'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Auth } from '../create-auth.js'
import { PortcullisError } from '../errors.js'
import type { SignInOutcome } from '../features/mfa/index.js'
import type { ResolvedSession } from '../features/sessions/index.js'
import { OIDC_RETURN_COOKIE, readCookie } from '../http/cookies.js'
import type { AppEnv, HandlerInfo } from '../http/env.js'
import { type DeviceGrant, writeSignInCookies } from '../http/sign-in-response.js'
import type { Assets } from './assets.js'
import { Layout } from './layout.js'

/** The UI runs beside the API on the Node server: the socket is at hand, and the API's request variables are reused. */
export type UiEnv = { Bindings: HttpBindings & HandlerInfo; Variables: AppEnv['Variables'] }
export type UiContext = Context<UiEnv>

export interface PageOptions {
  status?: ContentfulStatusCode
  wide?: boolean
  script?: boolean
}

/** The text fields of the posted form (already read by the CSRF check), to show again after an error. */
export async function formValues(c: UiContext): Promise<Record<string, string>> {
  const form = await c.req.parseBody()
  return Object.fromEntries(Object.entries(form).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
}

/** Where a signed-in person lands. */
export const HOME = '/account/security'

/** What every UI route shares: the services, the session of the request, rendering and the end of a sign-in. */
export function createUiKit(auth: Auth, product: string, assets: Assets) {
  // The API's own session reader and CSRF guard: one session cookie, one token scheme.
  const asApi = (c: UiContext) => c as unknown as Context<AppEnv>

  async function render(c: UiContext, title: string, body: Child, options: PageOptions = {}): Promise<Response> {
    const csrfToken = await auth.kit.csrf.issueToken(asApi(c))
    const resolved = await session(c)
    const page = (
      <Layout title={title} product={product} assets={assets} csrfToken={csrfToken} email={resolved?.user.email} wide={options.wide} script={options.script}>
        {body}
      </Layout>
    )
    return c.html(html`<!doctype html>${page}`, options.status ?? 200)
  }

  function session(c: UiContext): Promise<ResolvedSession | null> {
    return auth.kit.sessions.current(asApi(c))
  }

  /** 303 See Other: after a form post the browser GETs the next page, so a reload never posts twice. */
  function redirect(c: UiContext, path: string): Response {
    return c.redirect(path, 303)
  }

  /**
   * The session of an account page, or a redirect to sign-in. `enrollment` opens the page to a
   * user who still has to set up a second factor under MFA_POLICY=required, as the API's enrolment routes are.
   */
  async function requireSession(c: UiContext, purpose: 'enrollment' | 'any' = 'any'): Promise<ResolvedSession> {
    try {
      return purpose === 'enrollment' ? await auth.kit.sessions.requireForEnrollment(asApi(c)) : await auth.kit.sessions.require(asApi(c))
    } catch (error) {
      if (!(error instanceof PortcullisError)) throw error
      const target = error.code === 'mfa_enrollment_required' ? `${HOME}?notice=enroll_first` : '/login?notice=signin_required'
      throw new HTTPException(303, { res: redirect(c, target) })
    }
  }

  /** Ends a sign-in step: on to the second factor, or the session cookie (and trusted-device cookie) and on to `next`. */
  function continueSignIn(c: UiContext, outcome: SignInOutcome, device: DeviceGrant | null = null, next = HOME): Response {
    if (outcome.kind === 'challenge') return redirect(c, `/login/verify?challenge=${encodeURIComponent(outcome.challenge)}`)
    writeSignInCookies(c, auth.options, outcome.issued.token, device)
    // A sign-up or sign-in bound for the account pages goes back to the application that sent the person here.
    const pending = next === HOME || next.startsWith(`${HOME}?`) ? signInReturn(c) : null
    return pending ? continueTo(c, pending) : redirect(c, next)
  }

  // OpenID single sign-on: a sign-in the provider's interaction sent here goes back to it.
  const oidcPath = auth.options.oidcEnabled ? new URL(auth.options.oidcIssuer).pathname : null

  /** The OpenID interaction this browser's sign-in returns to, or null. */
  function signInReturn(c: UiContext): string | null {
    const uid = oidcPath ? readCookie(c, auth.options, OIDC_RETURN_COOKIE) : undefined
    return uid && /^[A-Za-z0-9_-]{1,64}$/.test(uid) ? `${oidcPath}/interaction/${uid}` : null
  }

  /**
   * Goes on to a same-site page without a redirect: a redirect after a form post is held to the
   * CSP's form-action 'self' all along its chain, and the chain of an OpenID authorization ends at
   * the application's origin. A navigation from a page is not.
   */
  function continueTo(c: UiContext, path: string): Response {
    const href = path.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><link rel="icon" href="data:,"><title>Continuing…</title></head><body><main><p><a href="${href}">Continue</a></p></main></body></html>`,
    )
  }

  return {
    api: auth.api,
    options: auth.options,
    sessions: auth.kit.sessions,
    csrf: auth.kit.csrf,
    logger: auth.logger,
    product,
    assets,
    asApi,
    render,
    session,
    redirect,
    requireSession,
    continueSignIn,
    continueTo,
    signInReturn,
    /** The HTTP status of a form answered with errors. */
    statusOf: (error: unknown): ContentfulStatusCode => (error instanceof PortcullisError ? (error.status as ContentfulStatusCode) : 400),
    context: (c: UiContext) => c.get('context'),
  }
}

export type UiKit = ReturnType<typeof createUiKit>
