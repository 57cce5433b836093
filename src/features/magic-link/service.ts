import type { Clock } from '../../clock.js'
import type { Random } from '../../crypto/random.js'
import { hashToken } from '../../crypto/token.js'
import { PortcullisError } from '../../errors.js'
import { mailedLink } from '../../mail/links.js'
import { magicLinkMessage } from '../../mail/messages.js'
import type { Outbox } from '../../mail/outbox.js'
import type { RequestContext } from '../../request-context.js'
import { consumeOnce, replaceToken } from '../../store/one-time-tokens.js'
import type { Store } from '../../store/store.js'
import { findUserByEmail, markEmailVerified, normalizeEmail } from '../accounts/index.js'
import type { LockoutService } from '../lockout/index.js'
import { safeRedirect } from './redirect.js'

export interface MagicLinkDeps {
  store: Store
  clock: Clock
  random: Random
  outbox: Outbox
  lockout: LockoutService
  options: { publicUrl: string; publicOrigin: string; basePath: string; allowedRedirects: string[]; totpIssuer: string; requireVerifiedEmailForOtp: boolean }
}

export const MAGIC_LINK_TTL_SECONDS = 15 * 60
const SENDS_PER_WINDOW = 3
const ADDRESS_SENDS_PER_WINDOW = 30
const WINDOW_SECONDS = 600

export function createMagicLinkService(deps: MagicLinkDeps) {
  const now = () => deps.clock.now().getTime()
  const verifyUrl = (token: string) => mailedLink(deps.options.publicUrl, `${deps.options.basePath}/magic-link/verify`, token)

  /** @throws invalid_request when redirectTo is not a safe target. */
  function checkRedirect(redirectTo: string | undefined): string | null {
    if (redirectTo === undefined) return null
    const safe = safeRedirect(redirectTo, deps.options.publicOrigin, deps.options.allowedRedirects)
    if (!safe) {
      throw new PortcullisError('invalid_request', 'redirectTo must be a path or a URL of an allowed origin', {
        details: [{ field: 'redirectTo', message: 'not an allowed redirect' }],
      })
    }
    return safe
  }

  /**
   * Emails a one-use sign-in link; unknown emails get the same answer and no mail.
   * @throws invalid_request (unsafe redirectTo), too_many_requests
   */
  async function send(rawEmail: string, redirectTo: string | undefined, context: RequestContext): Promise<void> {
    const email = normalizeEmail(rawEmail)
    const redirect = checkRedirect(redirectTo)
    // API.md: "202 always". Past a limit nothing is sent, and the answer does not say so.
    try {
      await deps.lockout.consume(`magic-link:email:${email}`, SENDS_PER_WINDOW, WINDOW_SECONDS)
      if (context.ip) await deps.lockout.consume(`magic-link:ip:${context.ip}`, ADDRESS_SENDS_PER_WINDOW, WINDOW_SECONDS)
    } catch (error) {
      if (error instanceof PortcullisError && error.code === 'too_many_requests') return
      throw error
    }
    const user = await findUserByEmail(deps.store, email)
    // The option covers sign-in links as well as codes: both sign in through the mailbox alone.
    if (!user || (deps.options.requireVerifiedEmailForOtp && user.email_verified_at === null)) return
    const token = deps.random.token()
    await replaceToken(deps.store, {
      id: deps.random.id(),
      purpose: 'magic_link',
      user_id: user.id,
      email,
      token_hash: hashToken(token),
      challenge_id: null,
      data: redirect,
      attempts: 0,
      created_at: now(),
      expires_at: now() + MAGIC_LINK_TTL_SECONDS * 1000,
      used_at: null,
    })
    deps.outbox.send(magicLinkMessage(deps.options.totpIssuer, email, verifyUrl(token), MAGIC_LINK_TTL_SECONDS))
  }

  /**
   * Spends a link once: the user it signs in, and where to send them afterwards.
   * @throws invalid_code (unknown, expired or used)
   */
  async function verify(token: string): Promise<{ userId: string; redirectTo: string | null }> {
    const row = await consumeOnce(deps.store.db, 'magic_link', hashToken(token), now())
    if (!row?.user_id) {
      throw new PortcullisError('invalid_code', 'The link is invalid, expired or already used')
    }
    await markEmailVerified(deps.store, row.user_id, now())
    return { userId: row.user_id, redirectTo: row.data }
  }

  return { send, verify, checkRedirect }
}

export type MagicLinkService = ReturnType<typeof createMagicLinkService>
