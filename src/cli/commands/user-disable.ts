import { NO_CONTEXT } from '../../request-context.js'
import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'
import { findUser } from './user-lookup.js'

export const userDisableCommand: Command = {
  words: ['user', 'disable'],
  args: ['<email-or-id>'],
  summary: 'Disable an account and end its sessions (sign-in then answers account_disabled)',
  help: 'Recorded in the audit log with the actor "cli".',
  async run({ positionals, io }) {
    const auth = await openAuth(io.env)
    try {
      const user = await findUser(auth, positionals[0] as string, io)
      if (!user) return 1
      await auth.api.admin.disable(user.id, NO_CONTEXT, 'cli')
      io.out(`Disabled ${user.email}; their sessions were ended.`)
      return 0
    } finally {
      await auth.close()
    }
  },
}
