import type { UserRow } from '../../store/database.js'

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

export function toUser(row: UserRow, mfaEnabled: boolean): User {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified_at !== null,
    name: row.name,
    mfaEnabled,
    createdAt: new Date(Number(row.created_at)).toISOString(),
  }
}
