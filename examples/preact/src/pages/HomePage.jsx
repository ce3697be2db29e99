import { Hero } from '../components/Hero'
import { FeatureList } from '../components/FeatureList'
import { ProductTable } from '../components/ProductTable'
import { Counter } from '../components/Counter'
import { Newsletter } from '../components/Newsletter'
import { features, products } from '../data'

export function HomePage() {
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
