import { Title, Meta, Link } from '@solidjs/meta'
import { routeOf } from './App.jsx'
import { site } from './data.js'

const descriptions = {
  '/': 'Plants, seeds & advice from "Grünes Blatt" in Köln — organic, local <and> delivered by bike 🚲.',
  '/about': "Who we are: 38 years, 4 gardeners & one cat. L'équipe « Grünes Blatt » 🌱.",
}

// The per-route <head> tags. On the server <MetaProvider> collects them and
// entry-server renders them (getAssets) into <!--app-head-->; in the browser
// they take over the server's tags.
export default function Head(props) {
  const route = () => routeOf(props.url)
  const title = () => (route() ? route().title : `Not found · ${site.name}`)
  return (
    <>
      <Title>{title()}</Title>
      <Meta name="description" content={route() ? descriptions[route().path] : 'No such page.'} />
      <Meta property="og:title" content={title()} />
      <Link rel="canonical" href={`https://example.com${route() ? route().path : '/'}`} />
    </>
  )
}
