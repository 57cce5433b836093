// The real standalone server (src/server), configured from the environment the bench sets, in a
// process of its own; it tells the parent where it listens over IPC and stops on SIGTERM.
// With BENCH_PROFILE_DIR set, the parent can wrap each measured window in a V8 CPU profile.
import cluster from 'node:cluster'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { servePrimary, serveWorker } from '../../src/server/cluster.js'
import { startServer } from '../../src/server/serve.js'

// With BENCH_WORKERS, the server runs as `portcullis serve --workers N` does: this process is the
// primary and says where the workers listen, and which pids they have, once they all do.
const workers = Number(process.env.BENCH_WORKERS ?? '1')
if (workers > 1) {
  if (cluster.isWorker) {
    await serveWorker(process.env)
    process.exit(0)
  }
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'))
  const code = await servePrimary(workers, process.env, { onListening: (url, pids) => process.send?.({ type: 'ready', origin: url, workers: pids }) })
  process.exit(code)
}

const running = await startServer(process.env)

const profileDir = process.env.BENCH_PROFILE_DIR
if (profileDir) {
  const inspector = new Session()
  inspector.connect()
  await inspector.post('Profiler.enable')
  process.on('message', async (message: { type?: string; name?: string }) => {
    if (message.type === 'profile:start') {
      await inspector.post('Profiler.start')
      process.send?.({ type: 'profile:started' })
    } else if (message.type === 'profile:stop') {
      const { profile } = await inspector.post('Profiler.stop')
      writeFileSync(join(profileDir, `${message.name}.cpuprofile`), JSON.stringify(profile))
      process.send?.({ type: 'profile:stopped' })
    }
  })
}
process.send?.({ type: 'ready', origin: running.url })

let stopping = false
process.on('SIGTERM', () => {
  if (stopping) return
  stopping = true
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
})
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'))
