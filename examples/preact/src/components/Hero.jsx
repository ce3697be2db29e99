export function Hero({ title, children }) {
  return (
    <section class="hero" data-variant="welcome" data-note={'a "quoted" & <angled> value'}>
      <h1>{title}</h1>
      <div class="hero-body">{children}</div>
    </section>
  )
}
