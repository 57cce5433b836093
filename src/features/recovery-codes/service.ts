import type { Clock } from '../../clock.js'
import type { Keyring } from '../../crypto/keys.js'
import type { Random } from '../../crypto/random.js'
import type { Executor, Store } from '../../store/store.js'
import { codeOf, type Factor, type FactorResult } from '../mfa/index.js'
import { formatRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_RANDOM_BYTES } from './code-format.js'
import * as queries from './store.js'

export interface RecoveryCodeDeps {
  store: Store
  clock: Clock
  random: Random
  keyring: Keyring
}

export const DEFAULT_RECOVERY_CODE_COUNT = 10

export interface PreparedCodes {
  /** The plain codes, to show once. */
  codes: string[]
  write(db: Executor): Promise<void>
}

export function createRecoveryCodeService(deps: RecoveryCodeDeps) {
  // Keyed by user too, so equal codes of two users never share a hash.
  const hashCode = (userId: string, normalized: string) => deps.keyring.hmac('recovery-code', `${userId}:${normalized}`)

  /**
   * A fresh set not yet stored: `write` stores it, voiding every earlier code, inside a
   * transaction of the caller's (so the set can come into force with the factor it belongs to).
   */
  function prepare(userId: string, count = DEFAULT_RECOVERY_CODE_COUNT): PreparedCodes {
    const codes = Array.from({ length: count }, () => formatRecoveryCode(deps.random.bytes(RECOVERY_CODE_RANDOM_BYTES)))
    const rows = codes.map((code) => ({ id: deps.random.id(), code_hash: hashCode(userId, normalizeRecoveryCode(code) as string) }))
    return { codes, write: (db) => queries.writeCodes(db, userId, rows, deps.clock.now().getTime()) }
  }

  /** Makes a fresh set, voiding every earlier code; the plain codes are returned once and never stored. */
  async function generate(userId: string, count = DEFAULT_RECOVERY_CODE_COUNT): Promise<string[]> {
    const prepared = prepare(userId, count)
    await deps.store.db.transaction().execute(prepared.write)
    return prepared.codes
  }

  /** Redeems a code once; any later use of it is refused. */
  async function verify(userId: string, input: string): Promise<FactorResult> {
    const normalized = normalizeRecoveryCode(input)
    if (!normalized) return { ok: false }
    const ok = await queries.consumeCode(deps.store, userId, hashCode(userId, normalized), deps.clock.now().getTime())
    return { ok }
  }

  const remaining = (userId: string) => queries.countUnused(deps.store, userId)
  const factor: Factor = {
    method: 'recovery_code',
    isEnrolled: async (userId) => (await remaining(userId)) > 0,
    verify: async (userId, input) => {
      const code = codeOf(input)
      return code === null ? { ok: false } : verify(userId, code)
    },
  }

  return { factor, prepare, generate, verify, remaining, remove: (userId: string) => queries.deleteCodes(deps.store, userId) }
}

export type RecoveryCodeService = ReturnType<typeof createRecoveryCodeService>
