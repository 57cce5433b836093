import { z } from 'zod'
import { formBoolean } from '../../http/body.js'
import { assertionResponse } from '../webauthn/index.js'

const code = z.string().trim().min(1, 'is required').max(64)
const challenge = z.string().min(1, 'is required').max(256)

export const confirmTotpBody = z.object({ enrollmentId: z.string().min(1).max(64), code })
export const stepUpBody = z.object({ code: code.optional() })
export const stepUpRequestBody = z.discriminatedUnion('method', [
  z.object({ method: z.enum(['totp', 'recovery_code']), code }),
  z.object({ method: z.literal('webauthn'), response: assertionResponse }),
])
export const verifyBody = z.object({
  challenge,
  method: z.enum(['totp', 'recovery_code', 'email_otp', 'webauthn']),
  code,
  trustDevice: formBoolean.optional(),
})
export const challengeQuery = z.object({ challenge })
export const recoveryRequestBody = z.object({ challenge })
export const recoveryTokenBody = z.object({ token: z.string().min(1).max(256) })
export const recoveryCompleteBody = z.object({ token: z.string().min(1).max(256), password: z.string().min(1).max(4096) })
