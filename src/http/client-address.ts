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
