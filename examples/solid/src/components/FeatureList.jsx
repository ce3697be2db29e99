import { For } from 'solid-js'
import FeatureCard from './FeatureCard.jsx'

export default function FeatureList(props) {
  return (
    <section class="features" aria-labelledby="features-title">
      <h2 id="features-title">Why &ldquo;Grünes Blatt&rdquo;?</h2>
      <div class="feature-grid">
        <For each={props.features}>
          {(f, i) => <FeatureCard index={i()} icon={f.icon} title={f.title} text={f.text} />}
        </For>
      </div>
    </section>
  )
}
