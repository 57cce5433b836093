/** The user as every answer shows it: never a hash or a secret. */
export interface User {
  id: string
  email: string
  emailVerified: boolean
  name: string | null
  mfaEnabled: boolean
  createdAt: string
}

/** Trims and lower-cases an email; emails are compared in this form everywhere. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}
