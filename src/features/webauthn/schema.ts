import { z } from 'zod'

const base64url = (max: number) =>
  z
    .string()
    .min(1, 'is required')
    .max(max)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url')
const challenge = z.string().min(1, 'is required').max(256)

// What a browser's navigator.credentials answers (as @simplewebauthn/browser serialises it);
// unknown members pass through to the verifier, which checks them.
const credentialBase = {
  id: base64url(1024),
  rawId: base64url(1024),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
}

export const registrationBody = z.object({
  response: z.looseObject({
    ...credentialBase,
    response: z.looseObject({
      clientDataJSON: base64url(8192),
      attestationObject: base64url(32_768),
      transports: z.array(z.string().max(32)).max(10).optional(),
    }),
  }),
  name: z.string().trim().max(64).optional(),
})

/** A passkey assertion (AuthenticationResponseJSON) as a request carries it. */
export const assertionResponse = z.looseObject({
  ...credentialBase,
  response: z.looseObject({
    clientDataJSON: base64url(8192),
    authenticatorData: base64url(8192),
    signature: base64url(1024),
    userHandle: base64url(1024).optional(),
  }),
})

export const authenticationBody = z.object({
  response: assertionResponse,
  challenge: challenge.optional(),
  trustDevice: z.boolean().optional(),
})

export const authenticationOptionsBody = z.object({ challenge: challenge.optional(), stepUp: z.boolean().optional() })
export const removeBody = z.object({ code: z.string().trim().min(1).max(64).optional() })
