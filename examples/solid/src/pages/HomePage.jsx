import Hero from '../components/Hero.jsx'
import FeatureList from '../components/FeatureList.jsx'
import ProductTable from '../components/ProductTable.jsx'
import Counter from '../components/Counter.jsx'
import Newsletter from '../components/Newsletter.jsx'
import { features, products } from '../data.js'

export default function HomePage() {
  return (
    <>
      <Hero title="Welcome to Grünes Blatt 🌿">
        <p>
          Fresh plants, honest advice &amp; a shop cat called <em>&quot;Mr. Whiskers&quot;</em>.
          {' '}Open Mon–Sat, 8:00–18:30.
        </p>
        <Counter label="Plants you'd like:" />
      </Hero>
      <FeatureList features={features} />
      <ProductTable products={products} />
      <Newsletter />
    </>
  )
}
