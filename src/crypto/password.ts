import { type HashTicket, sharedArgon2Pool } from './argon2-pool.js'

// @node-rs/argon2 declares Algorithm as a const enum, which isolated modules cannot read; 2 is Argon2id.
const ARGON2ID = 2

/** argon2id parameters: OWASP's m=19 MiB, t=2, p=1 baseline. */
export const ARGON2_PARAMS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

/**
 * Admits a request to password hashing before it counts a try or writes anything; release the
 * ticket when the request is done.
 * @throws service_unavailable (with Retry-After) when the hashing queue is full.
 */
export function reservePasswordHashing(): HashTicket {
  return sharedArgon2Pool().tryReserve()
}

/**
 * Runs `work` as a request admitted to password hashing, giving its place back when it ends.
 * @throws service_unavailable (with Retry-After) when the hashing queue is full, before `work` starts.
 */
export async function withPasswordHashing<T>(work: () => Promise<T>): Promise<T> {
  const ticket = reservePasswordHashing()
  try {
    return await work()
  } finally {
    ticket.release()
  }
}

/** Hashes a password with argon2id, on the pool's threads, off the event loop. */
export async function hashPassword(password: string): Promise<string> {
  return (await sharedArgon2Pool().run('hash', [password, ARGON2_PARAMS])) as string
}

/**
 * Checks a password against a stored hash; a malformed hash is a mismatch. A failure of the
 * hashing threads themselves is thrown: it must not count as somebody's wrong password.
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  return (await sharedArgon2Pool().run('verify', [storedHash, password])) === true
}

/** True when a hash was made with other parameters than today's, so sign-in should rehash it. */
export function needsRehash(storedHash: string): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash)
  if (!match) return true
  const [, m, t, p] = match.map(Number)
  return m !== ARGON2_PARAMS.memoryCost || t !== ARGON2_PARAMS.timeCost || p !== ARGON2_PARAMS.parallelism
}

let dummyHash: Promise<string> | undefined

/**
 * Verifies against a fixed dummy hash so that an unknown email costs the same time as a wrong
 * password (no account enumeration by timing).
 */
export async function verifyDummyPassword(password: string): Promise<void> {
  dummyHash ??= hashPassword('portcullis-dummy-password').catch((error: unknown) => {
    dummyHash = undefined
    throw error
  })
  await verifyPassword(await dummyHash, password)
}
