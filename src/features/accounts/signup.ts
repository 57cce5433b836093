import type { Clock } from '../../clock.js'
import { hashPassword, withPasswordHashing } from '../../crypto/password.js'
import type { Random } from '../../crypto/random.js'
import { hashToken } from '../../crypto/token.js'
import { PortcullisError } from '../../errors.js'
import { mailedLink, publicPage } from '../../mail/links.js'
import { accountExistsMessage, accountSetupMessage, signUpLinkMessage } from '../../mail/messages.js'
import type { Outbox } from '../../mail/outbox.js'
import type { RequestContext } from '../../request-context.js'
import type { UserRow } from '../../store/database.js'
import { consumeOnce, findLiveToken, replaceToken, type TokenPurpose } from '../../store/one-time-tokens.js'
import type { Executor, Store } from '../../store/store.js'
import type { AuditService } from '../audit/index.js'
import type { LockoutService } from '../lockout/index.js'
import type { SignInOutcome } from '../mfa/index.js'
import type { SessionService } from '../sessions/index.js'
import type { EmailLinkService } from './email-links.js'
import { assertAcceptablePassword, normalizePassword, type PasswordPolicyOptions } from './password-policy.js'
import * as queries from './store.js'
import { normalizeEmail, toUser, type User } from './types.js'

export type SignUpMode = 'open' | 'verify_first' | 'closed'

export interface SignUpDeps {
  store: Store
  clock: Clock
  random: Random
  outbox: Outbox
  audit: AuditService
  lockout: LockoutService
  sessions: SessionService
  emailLinks: EmailLinkService
  options: PasswordPolicyOptions & {
    signupMode: SignUpMode
    signupRateLimit: { limit: number; windowSeconds: number }
    verifyEmailOnSignUp: boolean
    publicUrl: string
    totpIssuer: string
  }
}

export const SIGNUP_LINK_TTL_SECONDS = 30 * 60
export const ACCOUNT_SETUP_TTL_SECONDS = 72 * 3600
const MAILS_PER_ADDRESS = 3

export interface SignUpInput {
  email: string
  password?: string | undefined
  name?: string | undefined
}

/** What a sign-up did: made the account and its session, or (verify_first) mailed the address. */
export type SignUpResult = { kind: 'created'; user: User; outcome: SignInOutcome } | { kind: 'mailed' }

/** Account creation in the three modes of API.md, and the links that finish it. */
export function createSignUpService(deps: SignUpDeps) {
  const now = () => deps.clock.now().getTime()
  const product = deps.options.totpIssuer

  function newUserRow(email: string, name: string | null | undefined, passwordHash: string | null, verifiedAt: number | null): UserRow {
    return {
      id: deps.random.id(),
      email,
      name: name?.trim() || null,
      password_hash: passwordHash,
      email_verified_at: verifiedAt,
      created_at: now(),
      updated_at: now(),
      disabled_at: null,
    }
  }

  async function mint(purpose: TokenPurpose, email: string, userId: string | null, data: string | null, ttlSeconds: number): Promise<string> {
    const token = deps.random.token()
    await replaceToken(deps.store, {
      id: deps.random.id(),
      purpose,
      user_id: userId,
      email,
      token_hash: hashToken(token),
      challenge_id: null,
      data,
      attempts: 0,
      created_at: now(),
      expires_at: now() + ttlSeconds * 1000,
      used_at: null,
    })
    return token
  }

  /** Writes the user and its first session (aal 1) in one transaction. @throws conflict */
  async function createWithSession(row: UserRow, context: RequestContext, method: string): Promise<{ user: User; outcome: SignInOutcome }> {
    const prepared = deps.sessions.prepare(row.id, { aal: 1, mfaAt: null, trustedDevice: false, methods: ['password'] }, context)
    if (!(await queries.insertUserWith(deps.store, row, prepared.write))) {
      throw new PortcullisError('conflict', 'An account with this email already exists')
    }
    await deps.audit.record('account_created', row.id, context, { method })
    await deps.audit.record('sign_in_succeeded', row.id, context, { method: 'password', aal: 1, trustedDevice: false })
    return { user: toUser(row, false), outcome: { kind: 'session', userId: row.id, issued: prepared.issued } }
  }

  /**
   * @throws forbidden (closed), too_many_requests (per-address limit), invalid_request (no password
   *   in open mode), weak_password, conflict (open mode, email taken)
   */
  async function signUp(input: SignUpInput, context: RequestContext): Promise<SignUpResult> {
    if (deps.options.signupMode === 'closed') throw new PortcullisError('forbidden', 'Sign-up is closed; an administrator creates accounts')
    // Shed before anything is counted or written: a full mail outbox, or (open mode) a full hashing queue.
    if (deps.options.signupMode === 'verify_first' || deps.options.verifyEmailOnSignUp) deps.outbox.assertCapacity()
    return deps.options.signupMode === 'open' ? withPasswordHashing(() => signUpAdmitted(input, context)) : signUpAdmitted(input, context)
  }

  async function signUpAdmitted(input: SignUpInput, context: RequestContext): Promise<SignUpResult> {
    const { limit, windowSeconds } = deps.options.signupRateLimit
    if (context.ip) await deps.lockout.consume(`signup:ip:${context.ip}`, limit, windowSeconds)
    const email = normalizeEmail(input.email)
    if (deps.options.signupMode === 'verify_first') {
      await startVerifiedSignUp(email, input.name)
      return { kind: 'mailed' }
    }
    if (!input.password) throw new PortcullisError('invalid_request', 'A password is required', { details: [{ field: 'password', message: 'is required' }] })
    assertAcceptablePassword(deps.options, input.password, { email, name: input.name ?? null })
    const row = newUserRow(email, input.name, await hashPassword(normalizePassword(input.password)), null)
    const created = await createWithSession(row, context, 'signup')
    if (deps.options.verifyEmailOnSignUp) await deps.emailLinks.sendVerification(row.id)
    return { kind: 'created', ...created }
  }

  /**
   * verify_first: the same work and the same answer for a new and a taken email. Both mint a
   * link (so both write the same rows in the same time); only a new address is sent it, and a
   * taken one is told it already has an account. No password is taken here.
   */
  async function startVerifiedSignUp(email: string, name: string | undefined): Promise<void> {
    // One address gets a few mails an hour however many addresses ask; past that the answer is
    // the same 202 and nothing is sent, for new and taken emails alike.
    const mailable = await deps.lockout.consume(`signup-mail:email:${email}`, MAILS_PER_ADDRESS, 3600).then(
      () => true,
      () => false,
    )
    const existing = await queries.findUserByEmail(deps.store, email)
    const token = await mint('signup', email, null, name?.trim() ? JSON.stringify({ name: name.trim() }) : null, SIGNUP_LINK_TTL_SECONDS)
    if (!mailable) return
    if (existing) {
      const base = deps.options.publicUrl
      deps.outbox.send(accountExistsMessage(product, email, publicPage(base, '/login'), publicPage(base, '/password/forgot')))
      return
    }
    deps.outbox.send(signUpLinkMessage(product, email, mailedLink(deps.options.publicUrl, '/signup/complete', token), SIGNUP_LINK_TTL_SECONDS))
  }

  // A sign-up link is only good while verify_first is on; an administrator's invitation always is.
  const completionPurposes = (): TokenPurpose[] => (deps.options.signupMode === 'verify_first' ? ['signup', 'account_setup'] : ['account_setup'])

  /**
   * Sets the password from a mailed link and signs the person in (aal 1, email verified).
   * A weak password leaves the link usable.
   * @throws invalid_code, weak_password, conflict (the email got an account meanwhile)
   */
  function completeSignUp(input: { token: string; password: string; name?: string | undefined }, context: RequestContext) {
    return withPasswordHashing(() => completeSignUpAdmitted(input, context))
  }

  async function completeSignUpAdmitted(input: { token: string; password: string; name?: string | undefined }, context: RequestContext) {
    const tokenHash = hashToken(input.token)
    let live: Awaited<ReturnType<typeof findLiveToken>>
    for (const purpose of completionPurposes()) live ??= await findLiveToken(deps.store, purpose, tokenHash, now())
    if (!live) throw new PortcullisError('invalid_code', 'The link is invalid, expired or already used')
    const invited = live.user_id ? await queries.findUserById(deps.store, live.user_id) : undefined
    const name = input.name?.trim() || invited?.name || (live.data ? (JSON.parse(live.data) as { name?: string }).name : undefined)
    assertAcceptablePassword(deps.options, input.password, { email: live.email, name: name ?? null })
    const passwordHash = await hashPassword(normalizePassword(input.password))
    // The link is spent in the transaction that creates what it unlocks: both happen, or neither.
    const spendAndWrite = (write: (db: Executor) => Promise<void>) => async (db: Executor) => {
      if (!(await consumeOnce(db, live.purpose as TokenPurpose, tokenHash, now()))) {
        throw new PortcullisError('invalid_code', 'The link is invalid, expired or already used')
      }
      await write(db)
    }
    if (live.purpose === 'signup') {
      const row = newUserRow(live.email, name, passwordHash, now())
      const prepared = deps.sessions.prepare(row.id, { aal: 1, mfaAt: null, trustedDevice: false, methods: ['password'] }, context)
      if (!(await queries.insertUserWith(deps.store, row, spendAndWrite(prepared.write)))) {
        throw new PortcullisError('conflict', 'An account with this email already exists')
      }
      await deps.audit.record('account_created', row.id, context, { method: 'signup_link' })
      await deps.audit.record('sign_in_succeeded', row.id, context, { method: 'password', aal: 1, trustedDevice: false })
      return { user: toUser(row, false), outcome: { kind: 'session', userId: row.id, issued: prepared.issued } as SignInOutcome }
    }
    if (!invited) throw new PortcullisError('invalid_code', 'The link is invalid, expired or already used')
    if (invited.disabled_at !== null) throw new PortcullisError('account_disabled', 'This account has been disabled by an administrator')
    const prepared = deps.sessions.prepare(invited.id, { aal: 1, mfaAt: null, trustedDevice: false, methods: ['password'] }, context)
    if (!(await queries.setFirstPassword(deps.store, invited.id, passwordHash, now(), spendAndWrite(prepared.write)))) {
      throw new PortcullisError('invalid_code', 'The link is invalid, expired or already used')
    }
    await deps.audit.record('sign_in_succeeded', invited.id, context, { method: 'password', aal: 1, trustedDevice: false })
    const user = toUser({ ...invited, email_verified_at: now() }, false)
    return { user, outcome: { kind: 'session', userId: invited.id, issued: prepared.issued } as SignInOutcome }
  }

  /**
   * An account made by an administrator: with a password it is ready; without one the address is
   * mailed a link to choose it (as a verify_first sign-up).
   * @throws weak_password, conflict
   */
  function createByAdmin(input: SignUpInput, context: RequestContext, actor: string): Promise<UserRow> {
    if (!input.password) deps.outbox.assertCapacity()
    return input.password ? withPasswordHashing(() => createByAdminAdmitted(input, context, actor)) : createByAdminAdmitted(input, context, actor)
  }

  async function createByAdminAdmitted(input: SignUpInput, context: RequestContext, actor: string): Promise<UserRow> {
    const email = normalizeEmail(input.email)
    if (input.password) assertAcceptablePassword(deps.options, input.password, { email, name: input.name ?? null })
    const row = newUserRow(email, input.name, input.password ? await hashPassword(normalizePassword(input.password)) : null, null)
    if (!(await queries.insertUser(deps.store, row))) throw new PortcullisError('conflict', 'An account with this email already exists')
    await deps.audit.record('account_created', row.id, context, { method: 'admin', actor })
    if (!input.password) {
      const token = await mint('account_setup', email, row.id, null, ACCOUNT_SETUP_TTL_SECONDS)
      deps.outbox.send(accountSetupMessage(product, email, mailedLink(deps.options.publicUrl, '/signup/complete', token), ACCOUNT_SETUP_TTL_SECONDS))
    } else if (deps.options.verifyEmailOnSignUp) {
      await deps.emailLinks.sendVerification(row.id)
    }
    return row
  }

  return { signUp, completeSignUp, createByAdmin, mode: () => deps.options.signupMode }
}

export type SignUpService = ReturnType<typeof createSignUpService>
