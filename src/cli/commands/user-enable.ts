import { NO_CONTEXT } from '../../request-context.js'
import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'
import { findUser } from './user-lookup.js'

export const userEnableCommand: Command = {
  words: ['user', 'enable'],
  args: ['<email-or-id>'],
  summary: 'Enable a disabled account',
  help: 'Recorded in the audit log with the actor "cli".',
  async run({ positionals, io }) {
    const auth = await openAuth(io.env)
    try {
      const user = await findUser(auth, positionals[0] as string, io)
      if (!user) return 1
      await auth.api.admin.enable(user.id, NO_CONTEXT, 'cli')
      io.out(`Enabled ${user.email}.`)
      return 0
    } finally {
      await auth.close()
    }
  },
}
