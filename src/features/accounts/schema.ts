import { z } from 'zod'

const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }))
// Long enough for any policy, bounded so a huge string is refused before it reaches argon2.
const password = z.string().min(1, 'is required').max(4096)

const name = z.string().trim().max(200).optional()
export const signUpBody = z.object({ email, password, name })
/** verify_first takes only the address; a password in the body is ignored. */
export const signUpEmailBody = z.object({ email, name })
export const completeSignUpBody = z.object({ token: z.string().min(1).max(256), password, name })
export const deleteAccountBody = z.object({ password: password.optional(), code: z.string().max(64).optional() })
export const signInBody = z.object({ email: z.string().max(254), password })
export const changePasswordBody = z.object({
  currentPassword: password,
  newPassword: password,
  code: z.string().max(64).optional(),
})
export const forgotPasswordBody = z.object({ email: z.string().max(254) })
export const resetPasswordBody = z.object({ token: z.string().min(1).max(256), newPassword: password })
export const verifyEmailBody = z.object({ token: z.string().min(1).max(256) })
