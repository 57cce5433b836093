import type { Clock } from '../../clock.js'
import type { Keyring } from '../../crypto/keys.js'
import type { Random } from '../../crypto/random.js'
import { PortcullisError } from '../../errors.js'
import type { RequestContext } from '../../request-context.js'
import type { MfaChallengeRow } from '../../store/database.js'
import type { Store } from '../../store/store.js'
import type { AuditService } from '../audit/index.js'
import type { LockoutService } from '../lockout/index.js'
import { readChallengeToken, signChallengeToken } from './challenge-token.js'
import type { Factor, FactorInput, FactorResult } from './factor.js'
import * as queries from './store.js'
import type { FirstFactor, MfaMethod } from './types.js'

export interface ChallengeDeps {
  store: Store
  clock: Clock
  random: Random
  keyring: Keyring
  audit: AuditService
  lockout: LockoutService
  factors: Factor[]
  options: { challengeTtlSeconds: number }
}

export const MAX_CHALLENGE_ATTEMPTS = 5

export type ChallengeState = 'pending' | 'completed' | 'expired' | 'locked'

export interface ChallengeStatus {
  state: ChallengeState
  methods: MfaMethod[]
  expiresAt: string
  attemptsRemaining: number
}

const EMAIL_FIRST_FACTORS: readonly FirstFactor[] = ['email_otp', 'magic_link']
const invalid = () => new PortcullisError('challenge_invalid', 'The sign-in challenge is unknown, expired, completed or locked; sign in again')

/** The MFA challenge state machine: issued after a first factor, five wrong codes, completed once. */
export function createChallengeService(deps: ChallengeDeps) {
  const now = () => deps.clock.now().getTime()

  /** What completes a challenge for this user: enrolled factors other than the one already used. */
  async function methodsFor(userId: string, firstFactor: FirstFactor): Promise<MfaMethod[]> {
    const methods: MfaMethod[] = []
    for (const factor of deps.factors) {
      if (factor.method === 'email_otp' && EMAIL_FIRST_FACTORS.includes(firstFactor)) continue
      if (await factor.isEnrolled(userId)) methods.push(factor.method)
    }
    return methods
  }

  async function issue(userId: string, firstFactor: FirstFactor, context: RequestContext, redirectTo: string | null = null) {
    const id = deps.random.id()
    const createdAt = now()
    await queries.insertChallenge(deps.store, {
      id,
      user_id: userId,
      first_factor: firstFactor,
      status: 'pending',
      attempts: 0,
      created_at: createdAt,
      expires_at: createdAt + deps.options.challengeTtlSeconds * 1000,
      completed_at: null,
      redirect_to: redirectTo,
    })
    const methods = await methodsFor(userId, firstFactor)
    await deps.audit.record('mfa_challenge_issued', userId, context, { firstFactor, methods: methods.join(',') })
    return { challenge: signChallengeToken(deps.keyring, id), expiresIn: deps.options.challengeTtlSeconds, methods }
  }

  function stateOf(row: MfaChallengeRow): ChallengeState {
    if (row.status === 'completed' || row.status === 'locked') return row.status
    return Number(row.expires_at) <= now() ? 'expired' : 'pending'
  }

  /** @throws challenge_invalid for a tampered or unknown token. */
  async function load(token: string): Promise<MfaChallengeRow> {
    const id = readChallengeToken(deps.keyring, token)
    const row = id ? await queries.findChallenge(deps.store, id) : undefined
    if (!row) throw invalid()
    return row
  }

  /** @throws challenge_invalid unless the challenge is pending. */
  async function loadPending(token: string): Promise<MfaChallengeRow> {
    const row = await load(token)
    if (stateOf(row) !== 'pending') throw invalid()
    return row
  }

  async function status(token: string): Promise<ChallengeStatus> {
    const row = await load(token)
    const state = stateOf(row)
    return {
      state,
      methods: state === 'pending' ? await methodsFor(row.user_id, row.first_factor as FirstFactor) : [],
      expiresAt: new Date(Number(row.expires_at)).toISOString(),
      attemptsRemaining: Math.max(0, MAX_CHALLENGE_ATTEMPTS - Number(row.attempts)),
    }
  }

  /**
   * Checks a code for a pending challenge and completes it on success.
   * @throws challenge_invalid, too_many_requests (the user's code budget is spent, right code or not),
   *   invalid_request (a method this challenge does not offer), invalid_code (wrong, replayed or used code)
   */
  async function verify(
    token: string,
    method: MfaMethod,
    input: FactorInput,
    context: RequestContext,
  ): Promise<{ userId: string; firstFactor: FirstFactor; method: MfaMethod; redirectTo: string | null }> {
    const row = await loadPending(token)
    const factor = deps.factors.find((candidate) => candidate.method === method)
    if (!factor || !(await methodsFor(row.user_id, row.first_factor as FirstFactor)).includes(method)) {
      throw new PortcullisError('invalid_request', `This challenge cannot be completed with ${method}`, {
        details: [{ field: 'method', message: 'not offered' }],
      })
    }
    return attempt(row, [factor], input, context)
  }

  /**
   * Like `verify`, for clients that send a code without naming its method: six digits are checked
   * against the authenticator app, then the challenge's emailed code; anything else is a recovery
   * code. However many factors are asked, it is one try.
   * @throws challenge_invalid, too_many_requests, invalid_code
   */
  async function verifyAnyCode(
    token: string,
    code: string,
    context: RequestContext,
  ): Promise<{ userId: string; firstFactor: FirstFactor; method: MfaMethod; redirectTo: string | null }> {
    const row = await loadPending(token)
    const offered = await methodsFor(row.user_id, row.first_factor as FirstFactor)
    const shaped: MfaMethod[] = /^\d{6}$/.test(code.replace(/\s+/g, '')) ? ['totp', 'email_otp'] : ['recovery_code']
    const candidates = deps.factors.filter((factor) => shaped.includes(factor.method) && offered.includes(factor.method))
    return attempt(row, candidates, { code }, context)
  }

  async function attempt(row: MfaChallengeRow, candidates: Factor[], input: FactorInput, context: RequestContext) {
    const userId = row.user_id
    const firstFactor = row.first_factor as FirstFactor
    // Both budgets are spent before the code is compared, so a burst of requests compares no
    // more codes than they allow; a right code gives its try back.
    const budget = await deps.lockout.takeCodeTry(userId)
    const attempts = await queries.takeAttempt(deps.store, row.id, MAX_CHALLENGE_ATTEMPTS, now())
    if (attempts === null) {
      await deps.lockout.returnCodeTry(userId)
      throw invalid()
    }
    let result: FactorResult = { ok: false }
    let method = candidates[0]?.method ?? 'totp'
    for (const factor of candidates) {
      const checked = await factor.verify(userId, input, row.id)
      // A clock-skew hint from any factor is kept, so the client can still tell the person why.
      if (checked.ok || (checked.reason && !('reason' in result && result.reason))) [result, method] = [checked, factor.method]
      if (checked.ok) break
    }
    if (!result.ok) {
      if (attempts >= MAX_CHALLENGE_ATTEMPTS) await queries.lockChallenge(deps.store, row.id)
      await deps.audit.record('mfa_challenge_failed', userId, context, { method, reason: result.reason ?? 'wrong_code', attempts })
      if (budget.lastTry) await deps.audit.record('account_locked', userId, context, { reason: 'code_failures', until: budget.windowEndsAt.toISOString() })
      throw new PortcullisError('invalid_code', 'The code is not valid', result.reason ? { details: [{ reason: result.reason }] } : {})
    }
    await deps.lockout.returnCodeTry(userId)
    if (!(await queries.completeChallenge(deps.store, row.id, now()))) throw invalid()
    if (method === 'recovery_code') await deps.audit.record('recovery_code_used', userId, context)
    await deps.audit.record('mfa_challenge_completed', userId, context, { method })
    return { userId, firstFactor, method, redirectTo: row.redirect_to }
  }

  return { issue, verify, verifyAnyCode, status, methodsFor, loadPending }
}

export type ChallengeService = ReturnType<typeof createChallengeService>
