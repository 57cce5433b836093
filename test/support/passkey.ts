import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server'
import { isoCBOR } from '@simplewebauthn/server/helpers'

// Authenticator data flags (WebAuthn §6.1).
const USER_PRESENT = 0x01
const USER_VERIFIED = 0x04
const ATTESTED_CREDENTIAL = 0x40

interface StoredCredential {
  privateKey: KeyObject
  counter: number
  userHandle: string
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest()
const b64url = (data: Buffer | Uint8Array) => Buffer.from(data).toString('base64url')

function counterBytes(counter: number): Buffer {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32BE(counter)
  return bytes
}

/**
 * A software passkey authenticator (ES256, "none" attestation), built from node:crypto and the
 * spec's byte layouts, so the server's WebAuthn code is tested against real signatures.
 */
export class SoftAuthenticator {
  readonly credentials = new Map<string, StoredCredential>()

  constructor(
    private readonly origin: string,
    private readonly rpId = new URL(origin).hostname,
  ) {}

  private authenticatorData(flags: number, counter: number, attested?: Buffer): Buffer {
    return Buffer.concat([sha256(this.rpId), Buffer.from([flags]), counterBytes(counter), ...(attested ? [attested] : [])])
  }

  /** navigator.credentials.create(): a new key pair for the options' user. */
  create(options: PublicKeyCredentialCreationOptionsJSON, { userVerified = true, origin = this.origin } = {}): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = publicKey.export({ format: 'jwk' })
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x as string, 'base64url')],
        [-3, Buffer.from(jwk.y as string, 'base64url')],
      ]),
    )
    const credentialId = createHash('sha256').update(Math.random().toString()).digest().subarray(0, 16)
    const idLength = Buffer.alloc(2)
    idLength.writeUInt16BE(credentialId.length)
    const attested = Buffer.concat([Buffer.alloc(16), idLength, credentialId, Buffer.from(cose)])
    const flags = USER_PRESENT | ATTESTED_CREDENTIAL | (userVerified ? USER_VERIFIED : 0)
    const authData = this.authenticatorData(flags, 0, attested)
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    )
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }))
    const id = b64url(credentialId)
    this.credentials.set(id, { privateKey, counter: 0, userHandle: options.user.id })
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal'] },
    }
  }

  /** navigator.credentials.get(): signs the options' challenge with a stored credential. */
  get(
    options: PublicKeyCredentialRequestOptionsJSON,
    {
      credentialId,
      userVerified = true,
      origin = this.origin,
      counterStep = 1,
    }: { credentialId?: string; userVerified?: boolean; origin?: string; counterStep?: number } = {},
  ): AuthenticationResponseJSON {
    const allowed = options.allowCredentials?.map((credential) => credential.id) ?? []
    const id = credentialId ?? (allowed.length > 0 ? allowed.find((candidate) => this.credentials.has(candidate)) : [...this.credentials.keys()][0])
    const credential = id ? this.credentials.get(id) : undefined
    if (!id || !credential) throw new Error('no credential for these options')
    credential.counter += counterStep
    const authData = this.authenticatorData(USER_PRESENT | (userVerified ? USER_VERIFIED : 0), credential.counter)
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin, crossOrigin: false }))
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey)
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
    }
  }
}
