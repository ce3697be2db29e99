import { routeOf } from './app'
import { site } from './data'

const descriptions = {
  '/': 'Plants, seeds & advice from "Grünes Blatt" in Köln — organic, local <and> delivered by bike 🚲.',
  '/about': "Who we are: 38 years, 4 gardeners & one cat. L'équipe « Grünes Blatt » 🌱.",
}

// The per-route <head> tags, as elements; entry-server renders them with
// preact-render-to-string for <!--app-head-->.
export function Head({ url }) {
  const route = routeOf(url)
  const title = route ? route.title : `Not found · ${site.name}`
  return (
    <>
      <title>{title}</title>
      <meta name="description" content={route ? descriptions[route.path] : 'No such page.'} />
      <meta property="og:title" content={title} />
      <link rel="canonical" href={`https://example.com${route ? route.path : '/'}`} />
    </>
  )
}
