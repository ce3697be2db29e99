import { html } from '../html.js'
import Hero from '../components/Hero.js'
import FeatureList from '../components/FeatureList.js'
import ProductTable from '../components/ProductTable.js'
import Counter from '../components/Counter.js'
import Newsletter from '../components/Newsletter.js'
import { features, products } from '../data.js'

export default function HomePage(ctx) {
  return html`${Hero('Welcome to Grünes Blatt 🌿', html`
      <p>
        Fresh plants, honest advice &amp; a shop cat called <em>&quot;Mr. Whiskers&quot;</em>.
        Open Mon–Sat, 8:00–18:30.
      </p>
      ${Counter(ctx, "Plants you'd like:")}`)}
    ${FeatureList(features)}
    ${ProductTable(products)}
    ${Newsletter(ctx)}`
}
