import type { Child } from 'hono/jsx'

/** A page that only tells something: "check your email", "link expired", errors. */
export function MessagePage(props: { title: string; children: Child }) {
  return (
    <section class="card" aria-labelledby="title">
      <h1 id="title">{props.title}</h1>
      {props.children}
    </section>
  )
}
