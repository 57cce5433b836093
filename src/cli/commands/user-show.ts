import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'
import { findUser } from './user-actions.js'

export const userShowCommand: Command = {
  words: ['user', 'show'],
  args: ['<email-or-id>'],
  summary: 'Show a user: factors, disabled, last sign-in, lock (JSON)',
  async run({ positionals, io }) {
    const auth = await openAuth(io.env)
    try {
      const user = await findUser(auth, positionals[0] as string, io)
      if (!user) return 1
      io.out(JSON.stringify(await auth.api.admin.show(user.id), null, 2))
      return 0
    } finally {
      await auth.close()
    }
  },
}
