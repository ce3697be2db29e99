export function NotFound({ url }) {
  return (
    <section class="not-found">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>/{url}</code>. Try the <a href="/">home page</a>.
      </p>
    </section>
  )
}
