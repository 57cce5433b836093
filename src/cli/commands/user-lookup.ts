import type { Auth } from '../../create-auth.js'
import type { UserRow } from '../../store/database.js'
import type { CommandIo } from '../command.js'

/** The user an operator names by email or by id; null (after saying so) when there is none. */
export async function findUser(auth: Auth, emailOrId: string, io: CommandIo): Promise<UserRow | null> {
  const user = emailOrId.includes('@') ? await auth.api.accounts.findByEmail(emailOrId) : await auth.api.accounts.findById(emailOrId)
  if (!user) io.err(`No account for ${emailOrId}.`)
  return user ?? null
}
