import { ScureBase32Plugin } from 'otplib'
import { toDataURL } from 'qrcode'

const base32 = new ScureBase32Plugin()

/** RFC 4648 base32 without padding, as authenticator apps expect. */
export function encodeSecret(secret: Uint8Array): string {
  return base32.encode(secret).replace(/=+$/, '')
}

export function decodeSecret(encoded: string): Uint8Array {
  return base32.decode(encoded)
}

/** The Key Uri Format: otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30 */
export function otpauthUri(issuer: string, account: string, secret: Uint8Array): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`
  const query = new URLSearchParams({ secret: encodeSecret(secret), issuer, algorithm: 'SHA1', digits: '6', period: '30' })
  return `otpauth://totp/${label}?${query.toString().replace(/\+/g, '%20')}`
}

/** The URI as a PNG data URI for the enrolment screen. */
export function qrCodeDataUri(uri: string): Promise<string> {
  return toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 })
}
