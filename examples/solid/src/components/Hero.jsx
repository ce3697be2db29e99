export default function Hero(props) {
  return (
    <section class="hero" data-variant="welcome" data-note={'a "quoted" & <angled> value'}>
      <h1>{props.title}</h1>
      <div class="hero-body">{props.children}</div>
    </section>
  )
}
