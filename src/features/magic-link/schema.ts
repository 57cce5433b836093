import { z } from 'zod'

export const sendBody = z.object({
  email: z
    .string()
    .trim()
    .max(254)
    .pipe(z.email({ message: 'must be an email address' })),
  redirectTo: z.string().max(2048).optional(),
})
export const tokenBody = z.object({ token: z.string().min(1).max(256) })
