import type { Client } from 'openapi-fetch'
import type { components, paths } from './openapi-types.js'

type Schemas = components['schemas']
type Unwrap = <T>(call: Promise<{ data?: T; error?: unknown; response: Response }>) => Promise<T>

/** Passkey ceremonies in a browser: options from the server, the authenticator through @simplewebauthn/browser, then verify. */
export function createPasskeyCalls<R>(raw: Client<paths>, unwrap: Unwrap, toResult: (body: Schemas['SignInResult']) => R) {
  // Loaded on first use, so Node users of the client never load a browser-only module.
  const browser = () => import('@simplewebauthn/browser')
  return {
    /** Adds a passkey to the signed-in account. @throws AuthClientError step_up_required, invalid_code */
    async register(input: { name?: string } = {}) {
      const { startRegistration } = await browser()
      const optionsJSON = await unwrap(raw.POST('/webauthn/register/options'))
      const response = await startRegistration({ optionsJSON: optionsJSON as never })
      return unwrap(raw.POST('/webauthn/register/verify', { body: { response: response as never, ...input } }))
    },
    /** Signs in with a passkey, or completes a challenge with one when `challenge` is given. @throws AuthClientError invalid_code, challenge_invalid */
    async signIn(input: { challenge?: string; trustDevice?: boolean } = {}): Promise<R> {
      const { startAuthentication } = await browser()
      const optionsJSON = await unwrap(raw.POST('/webauthn/authenticate/options', { body: input.challenge ? { challenge: input.challenge } : {} }))
      const response = await startAuthentication({ optionsJSON: optionsJSON as never })
      return toResult(await unwrap(raw.POST('/webauthn/authenticate/verify', { body: { response: response as never, ...input } })))
    },
  }
}
