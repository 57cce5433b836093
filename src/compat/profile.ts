import type { Context, Handler } from 'hono'
import type { ProfileName } from '../config/compat.js'
import type { AccountService } from '../features/accounts/index.js'
import type { AdminService } from '../features/admin/index.js'
import type { EmailOtpService } from '../features/email-otp/index.js'
import type { MagicLinkService } from '../features/magic-link/index.js'
import type { MfaMethod, MfaService, SignInOutcome } from '../features/mfa/index.js'
import type { TotpService } from '../features/totp/index.js'
import type { AppEnv } from '../http/env.js'
import type { HttpKit } from '../http/kit.js'
import { wantsTokenFlow } from '../http/session.js'
import { type DeviceGrant, writeSignInCookies } from '../http/sign-in-response.js'

/** The services a profile translates onto: the same ones the native routes call. */
export interface CompatServices {
  accounts: AccountService
  mfa: MfaService
  totp: TotpService
  emailOtp: EmailOtpService
  magicLinks: MagicLinkService
  admin: AdminService
  kit: HttpKit
}

export type RouteMethod = 'GET' | 'POST' | 'DELETE'

/** One row of a profile's table: a method and path under its mount, and the handler. */
export interface ProfileRoute {
  method: RouteMethod
  path: string
  handler: Handler<AppEnv>
  /**
   * The native path (under API_BASE_PATH) this route repeats. When both land on the same full
   * path, the native route answers and the profile does not claim it (API.md, `togo`).
   */
  sameAs?: string
}

export interface Profile {
  name: ProfileName
  /** The profile's routes; `mount` is where they are served, for links and form actions. */
  routes(services: CompatServices, mount: string): ProfileRoute[]
}

export const route = (method: RouteMethod, path: string, handler: Handler<AppEnv>, sameAs?: string): ProfileRoute => ({
  method,
  path,
  handler,
  ...(sameAs ? { sameAs } : {}),
})

type SessionOutcome = Extract<SignInOutcome, { kind: 'session' }>

/**
 * Hands a native session to the client in the profile's body: a cookie, or — in the token flow
 * (`X-Auth-Flow: token`, `X-Auth-Strategy: bearer`) or for a bearer-only profile — `token` in the body.
 */
export function sessionAnswer(
  c: Context,
  services: CompatServices,
  outcome: SessionOutcome,
  body: Record<string, unknown>,
  options: { bearer?: boolean; device?: DeviceGrant | null } = {},
): Response {
  const { device = null } = options
  if (options.bearer || wantsTokenFlow(c)) {
    body.token = outcome.issued.token
    if (device) body.trustedDeviceToken = device.token
  } else {
    writeSignInCookies(c, services.kit.options, outcome.issued.token, device)
  }
  return c.json(body, 200)
}

/** Completes a native challenge with a named method; the answer's shape is the profile's. */
export async function completeChallenge(c: Context<AppEnv>, services: CompatServices, challenge: string, method: MfaMethod, code: string) {
  const { outcome } = await services.mfa.completeChallenge(challenge, method, { code }, false, c.get('context'))
  return { outcome: outcome as SessionOutcome, user: await services.accounts.getUser(outcome.userId) }
}
