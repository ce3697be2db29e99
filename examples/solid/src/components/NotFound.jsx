export default function NotFound(props) {
  return (
    <section class="not-found">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>/{props.url}</code>. Try the <a href="/">home page</a>.
      </p>
    </section>
  )
}
