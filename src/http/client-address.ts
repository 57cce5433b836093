/**
 * The client's address: the socket's, unless `trustProxy` hops of reverse proxies are declared,
 * in which case it is read that many entries from the right of X-Forwarded-For — so a client
 * cannot choose its own address by sending the header.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trustProxy: number): string | null {
  const socket = socketAddress ?? null
  if (trustProxy === 0 || !forwardedFor) return socket
  const hops = forwardedFor
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean)
  const chain = socket ? [...hops, socket] : hops
  return chain[Math.max(0, chain.length - 1 - trustProxy)] ?? socket
}

/** The socket's remote address; an IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d, so one address keeps one lockout key. */
export function socketAddress(incoming: { socket: { remoteAddress?: string | undefined } } | undefined): string | undefined {
  const address = incoming?.socket.remoteAddress
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address
}
