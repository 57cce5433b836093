import type { Auth } from '../../create-auth.js'
import { NO_CONTEXT } from '../../request-context.js'
import type { UserRow } from '../../store/database.js'
import type { Command, CommandIo } from '../command.js'
import { openAuth } from '../open-auth.js'

/** The user an operator names by email or by id; null (after saying so) when there is none. */
export async function findUser(auth: Auth, emailOrId: string, io: CommandIo): Promise<UserRow | null> {
  const user = emailOrId.includes('@') ? await auth.api.accounts.findByEmail(emailOrId) : await auth.api.accounts.findById(emailOrId)
  if (!user) io.err(`No account for ${emailOrId}.`)
  return user ?? null
}

/**
 * A `portcullis user <verb> <email-or-id>` command: finds the user, runs one administrator action
 * on them as the actor "cli" (so the audit log says who), and prints what it did.
 */
export function userActionCommand(spec: {
  verb: string
  summary: string
  act: (auth: Auth, userId: string) => Promise<unknown>
  done: (email: string) => string
}): Command {
  return {
    words: ['user', spec.verb],
    args: ['<email-or-id>'],
    summary: spec.summary,
    help: 'Recorded in the audit log with the actor "cli".',
    async run({ positionals, io }) {
      const auth = await openAuth(io.env)
      try {
        const user = await findUser(auth, positionals[0] as string, io)
        if (!user) return 1
        await spec.act(auth, user.id)
        io.out(spec.done(user.email))
        return 0
      } finally {
        await auth.close()
      }
    },
  }
}

export const userDeleteCommand = userActionCommand({
  verb: 'delete',
  summary: 'Delete an account and every session, factor, code, device and passkey (the audit log stays)',
  act: (auth, userId) => auth.api.admin.remove(userId, NO_CONTEXT, 'cli'),
  done: (email) => `Deleted ${email}.`,
})

export const userDisableCommand = userActionCommand({
  verb: 'disable',
  summary: 'Disable an account and end its sessions (sign-in then answers account_disabled)',
  act: (auth, userId) => auth.api.admin.disable(userId, NO_CONTEXT, 'cli'),
  done: (email) => `Disabled ${email}; their sessions were ended.`,
})

export const userEnableCommand = userActionCommand({
  verb: 'enable',
  summary: 'Enable a disabled account',
  act: (auth, userId) => auth.api.admin.enable(userId, NO_CONTEXT, 'cli'),
  done: (email) => `Enabled ${email}.`,
})

export const userRevokeSessionsCommand = userActionCommand({
  verb: 'revoke-sessions',
  summary: 'End every session and trusted device of a user',
  act: (auth, userId) => auth.api.admin.revokeSessions(userId, NO_CONTEXT, 'cli'),
  done: (email) => `Ended the sessions of ${email}.`,
})
