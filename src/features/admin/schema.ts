import { z } from 'zod'

export const listUsersQuery = z.object({
  query: z.string().max(254).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().max(200).optional(),
})

export const createUserBody = z.object({
  email: z
    .string()
    .trim()
    .max(254)
    .pipe(z.email({ message: 'must be an email address' })),
  name: z.string().trim().max(200).optional(),
  password: z.string().min(1).max(4096).optional(),
})

// Lock keys hold the address as the server saw it; anything else cannot be locked.
export const unlockAddressBody = z.object({ ip: z.union([z.ipv4(), z.ipv6()]) })
