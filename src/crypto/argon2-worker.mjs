// One thread of the argon2 pool (see argon2-pool.ts). It hashes synchronously, so the work runs
// on this thread and takes this thread's scheduling priority.
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { hashSync, verifySync } from '@node-rs/argon2'

if (workerData.niceness > 0) {
  // On Linux the nice value belongs to the thread, and pid 0 names the calling thread: only this
  // hashing thread yields to the event loop, the rest of the process keeps its priority.
  try {
    setPriority(0, workerData.niceness)
  } catch {
    // Without permission to change it, hashing runs at normal priority: slower under load, still correct.
  }
}

// A stored hash that cannot be read is a mismatch, not a failure: the caller counts a wrong
// password. Everything else that goes wrong here reaches the caller as an error.
function verifyOrFalse(hash, password) {
  try {
    return verifySync(hash, password)
  } catch {
    return false
  }
}

parentPort.on('message', ({ id, operation, args }) => {
  try {
    const value = operation === 'hash' ? hashSync(args[0], args[1]) : verifyOrFalse(args[0], args[1])
    parentPort.postMessage({ id, value })
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) })
  }
})
