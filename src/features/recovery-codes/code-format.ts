// Crockford's base32: no i, l, o or u, so a code read aloud or copied by hand survives.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'
const GROUP = 5
// Ten symbols of five bits: 50 bits of entropy per code.
const LENGTH = 10

export const RECOVERY_CODE_RANDOM_BYTES = LENGTH

/** Shows random bytes as a code `xxxxx-xxxxx`; each byte gives one symbol from its low five bits (32 | 256, so uniform). */
export function formatRecoveryCode(random: Uint8Array): string {
  const symbols = Array.from(random.subarray(0, LENGTH), (byte) => ALPHABET[byte & 31]).join('')
  return `${symbols.slice(0, GROUP)}-${symbols.slice(GROUP)}`
}

/** The canonical form of typed input: case, spaces and dashes ignored, look-alikes folded; null if it cannot be a code. */
export function normalizeRecoveryCode(input: string): string | null {
  const folded = input
    .toLowerCase()
    .replace(/[\s-]+/g, '')
    .replace(/[il]/g, '1')
    .replace(/o/g, '0')
  if (folded.length !== LENGTH) return null
  for (const symbol of folded) if (!ALPHABET.includes(symbol)) return null
  return folded
}
