import { NO_CONTEXT } from '../../request-context.js'
import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'
import { findUser } from './user-lookup.js'

export const userRevokeSessionsCommand: Command = {
  words: ['user', 'revoke-sessions'],
  args: ['<email-or-id>'],
  summary: 'End every session and trusted device of a user',
  help: 'Recorded in the audit log with the actor "cli".',
  async run({ positionals, io }) {
    const auth = await openAuth(io.env)
    try {
      const user = await findUser(auth, positionals[0] as string, io)
      if (!user) return 1
      await auth.api.admin.revokeSessions(user.id, NO_CONTEXT, 'cli')
      io.out(`Ended the sessions of ${user.email}.`)
      return 0
    } finally {
      await auth.close()
    }
  },
}
