import createClient, { type Client } from 'openapi-fetch'
import { AuthClientError, errorFromResponse } from './errors.js'
import type { components, paths } from './openapi-types.js'
import { createPasskeyCalls } from './passkeys.js'

export { AuthClientError, type AuthErrorCode } from './errors.js'
export type { components, paths } from './openapi-types.js'

type Schemas = components['schemas']
export type User = Schemas['User']
export type MfaMethod = Schemas['MfaMethod']
export type CurrentSession = Schemas['CurrentSession']
export type StepUpInput = paths['/mfa/step-up']['post']['requestBody']['content']['application/json']

export interface AuthClientOptions {
  /** Where the API is mounted, e.g. `https://example.com/api/auth`. */
  baseUrl: string
  /**
   * `cookie`: the browser keeps the session cookie; the client fetches and sends the CSRF token.
   * `token`: the client keeps the bearer token (`X-Auth-Flow: token`). Default: `cookie` in a
   * browser, `token` elsewhere.
   */
  flow?: 'cookie' | 'token'
  fetch?: typeof fetch
  /** A session token from an earlier sign-in (token flow). */
  token?: string | null
}

/** A finished sign-in, or a second factor to ask for. */
export type SignInResult = { kind: 'session'; user: User; token?: string } | { kind: 'mfa'; challenge: string; methods: MfaMethod[]; expiresIn: number }
export type SessionResult = Extract<SignInResult, { kind: 'session' }>
/** A sign-up: signed in (SIGNUP_MODE=open), or a link mailed that `completeSignUp` takes (verify_first). */
export type SignUpResult = SessionResult | { kind: 'mailed' }

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * A client of the Portcullis HTTP API for browsers and Node (fetch only). `raw` is typed from
 * docs/openapi.json; the other calls wrap it and throw AuthClientError on any failure.
 */
export function createAuthClient(options: AuthClientOptions) {
  const flow = options.flow ?? (typeof document === 'undefined' ? 'token' : 'cookie')
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const fetcher = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))
  let token = options.token ?? null
  let trustedDeviceToken: string | null = null
  let csrfToken: string | null = null

  const raw: Client<paths> = createClient<paths>({ baseUrl, fetch: fetcher, ...(flow === 'cookie' ? { credentials: 'include' as const } : {}) })

  // The CSRF token is bound to the session (or, before sign-in, to a nonce cookie), so it is fetched
  // when first needed and dropped whenever the session changes.
  async function csrf(): Promise<string> {
    if (csrfToken) return csrfToken
    const { data, error, response } = await raw.GET('/csrf')
    if (!data) throw errorFromResponse(response, error)
    csrfToken = data.csrfToken
    return csrfToken
  }

  raw.use({
    async onRequest({ request, schemaPath }) {
      if (flow === 'token') {
        request.headers.set('X-Auth-Flow', 'token')
        if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`)
        if (trustedDeviceToken) request.headers.set('X-Trusted-Device', trustedDeviceToken)
      } else if (WRITE_METHODS.has(request.method) && schemaPath !== '/csrf') {
        request.headers.set('X-CSRF-Token', await csrf())
      }
      return request
    },
    async onResponse({ response, schemaPath }) {
      if (schemaPath === '/logout' && response.ok) {
        token = null
        csrfToken = null
        return undefined
      }
      if (!response.headers.get('content-type')?.includes('application/json')) return undefined
      const body = (await response.clone().json()) as { user?: unknown; token?: string; trustedDeviceToken?: string; error?: { code?: string } }
      if (response.ok && body.user !== undefined && typeof body.token === 'string') {
        token = body.token
        if (body.trustedDeviceToken) trustedDeviceToken = body.trustedDeviceToken
      }
      if (response.ok && body.user !== undefined && flow === 'cookie') csrfToken = null
      if (body.error?.code === 'csrf_failed') csrfToken = null
      // Returning nothing tells openapi-fetch the response is unchanged.
      return undefined
    },
  })

  /** The data of a raw call, or its failure as an AuthClientError. */
  async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    let result: { data?: T; error?: unknown; response: Response }
    try {
      result = await call
    } catch (cause) {
      if (cause instanceof AuthClientError) throw cause
      throw new AuthClientError(0, 'network_error', 'The server could not be reached', [], null, cause)
    }
    if (!result.response.ok) throw errorFromResponse(result.response, result.error)
    return result.data as T
  }

  function toResult(body: Schemas['SignInResult']): SignInResult {
    if ('mfaRequired' in body) return { kind: 'mfa', challenge: body.challenge, methods: body.methods, expiresIn: body.expiresIn }
    return { kind: 'session', user: body.user, ...(body.token ? { token: body.token } : {}) }
  }

  function expectSession(result: SignInResult): SessionResult {
    if (result.kind !== 'session') throw new AuthClientError(200, 'challenge_invalid', 'The server asked for another factor')
    return result
  }

  return {
    raw,
    flow,
    /** The bearer token of the token flow (null in the cookie flow or when signed out). */
    get token() {
      return token
    },
    /** Uses a session token kept from an earlier run (token flow). */
    setToken(value: string | null) {
      token = value
    },
    /**
     * Creates an account and signs in (aal 1); a server in SIGNUP_MODE=verify_first mails a link
     * instead (`kind: 'mailed'`), whose token `completeSignUp` takes.
     * @throws AuthClientError conflict, weak_password, too_many_requests, forbidden (sign-up closed)
     */
    async signUp(input: { email: string; password: string; name?: string }): Promise<SignUpResult> {
      const body = await unwrap(raw.POST('/signup', { body: input }))
      // 202 has no body.
      if (!body) return { kind: 'mailed' }
      return { kind: 'session', user: body.user, ...(body.token ? { token: body.token } : {}) }
    },
    /** Sets the password with a mailed sign-up or invitation link's token, and signs in (aal 1). @throws AuthClientError invalid_code, weak_password */
    async completeSignUp(input: { token: string; password: string; name?: string }): Promise<SessionResult> {
      const body = await unwrap(raw.POST('/signup/complete', { body: input }))
      return { kind: 'session', user: body.user, ...(body.token ? { token: body.token } : {}) }
    },
    /** Password sign-in. @throws AuthClientError invalid_credentials, too_many_requests, account_disabled */
    async signIn(input: { email: string; password: string }): Promise<SignInResult> {
      return toResult(await unwrap(raw.POST('/login', { body: input })))
    },
    /** Completes the MFA challenge of a sign-in. @throws AuthClientError invalid_code, challenge_invalid, too_many_requests */
    async verify(input: { challenge: string; method: MfaMethod; code: string; trustDevice?: boolean }): Promise<SessionResult> {
      return expectSession(toResult(await unwrap(raw.POST('/mfa/verify', { body: input }))))
    },
    /** The signed-in user and session, or null when not signed in. */
    async session(): Promise<CurrentSession | null> {
      try {
        return await unwrap(raw.GET('/session'))
      } catch (error) {
        if (error instanceof AuthClientError && error.code === 'unauthorized') return null
        throw error
      }
    },
    /** Ends the session on the server and forgets it here. */
    async signOut(): Promise<void> {
      await unwrap(raw.POST('/logout'))
    },
    mfa: {
      /** Starts a TOTP enrolment: show `qrCode`, then confirm with a code. */
      enrollTotp: () => unwrap(raw.POST('/mfa/totp/enroll')),
      /** Activates the enrolment; the first factor returns recovery codes to show once. @throws AuthClientError invalid_code */
      confirmTotp: (input: { enrollmentId: string; code: string }) => unwrap(raw.POST('/mfa/totp/confirm', { body: input })),
      /**
       * Completes a second factor again, so sensitive actions pass without a code for 10 minutes:
       * `{method: 'totp' | 'recovery_code', code}`, or `{method: 'webauthn', response}` with an
       * assertion made from `POST /webauthn/authenticate/options {stepUp: true}`.
       * @throws AuthClientError invalid_code, invalid_request (a method not enrolled), too_many_requests
       */
      stepUp: async (input: StepUpInput): Promise<void> => {
        await unwrap(raw.POST('/mfa/step-up', { body: input }))
      },
    },
    passkeys: createPasskeyCalls(raw, unwrap, toResult),
  }
}

export type AuthClient = ReturnType<typeof createAuthClient>
