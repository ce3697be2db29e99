export default function Hero({ title, children }) {
  return (
    <section className="hero" data-variant="welcome" data-note={'a "quoted" & <angled> value'}>
      <h1>{title}</h1>
      <div className="hero-body">{children}</div>
    </section>
  )
}
