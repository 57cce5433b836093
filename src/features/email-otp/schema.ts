import { z } from 'zod'

export const sendBody = z.object({
  email: z
    .string()
    .trim()
    .max(254)
    .pipe(z.email({ message: 'must be an email address' })),
})
export const verifyBody = z.object({ email: z.string().max(254), code: z.string().trim().min(1).max(16) })
export const challengeBody = z.object({ challenge: z.string().min(1).max(256) })
