import { randomBytes, randomInt } from 'node:crypto'

/** Randomness, passed into services so none of them reaches for it directly. */
export interface Random {
  /** `size` bytes from the CSPRNG. */
  bytes(size: number): Buffer
  /** A 32-byte secret token, base64url. */
  token(): string
  /** An opaque 16-byte identifier, base64url. */
  id(): string
  /** `count` uniformly random decimal digits. */
  digits(count: number): string
}

export const cryptoRandom: Random = {
  bytes: (size) => randomBytes(size),
  token: () => randomBytes(32).toString('base64url'),
  id: () => randomBytes(16).toString('base64url'),
  digits: (count) => Array.from({ length: count }, () => randomInt(10)).join(''),
}
