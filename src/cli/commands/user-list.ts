import type { Command } from '../command.js'
import { openAuth } from '../open-auth.js'

export const userListCommand: Command = {
  words: ['user', 'list'],
  summary: 'List users, newest first (JSON lines)',
  help: 'Prints one JSON object per user and, when there are more, the cursor of the next page on stderr.',
  options: { query: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
  async run({ values, io }) {
    const limit = values.limit === undefined ? undefined : Number(values.limit)
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 100)) {
      io.err('portcullis user list: --limit must be a whole number from 1 to 100')
      return 2
    }
    const auth = await openAuth(io.env)
    try {
      const page = await auth.api.admin.list({ query: values.query as string | undefined, limit, cursor: values.cursor as string | undefined })
      for (const user of page.users) io.out(JSON.stringify(user))
      if (page.nextCursor) io.err(`next page: --cursor ${page.nextCursor}`)
      return 0
    } finally {
      await auth.close()
    }
  },
}
