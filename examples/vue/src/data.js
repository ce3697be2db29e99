// Static data for the example pages. Several strings need escaping in HTML
// text or attributes (quotes, <, >, &), and several are non-ASCII (accents,
// CJK, emoji with modifiers and ZWJ sequences), so the server's output shows
// that the engine escapes and encodes exactly as Node does.

export const site = {
  name: 'Gärtnerei "Grünes Blatt" & Co.',
  tagline: 'Plants, <seeds> & advice — since 1987 🌱',
}

export const routes = [
  { path: '/', label: 'Home', title: 'Home · Grünes Blatt 🌿' },
  { path: '/about', label: 'About us', title: 'About "Grünes Blatt" & friends' },
]

export const features = [
  {
    id: 'organic',
    icon: '🌻',
    title: 'Organic & local',
    text: 'Grown within 30 km of the shop, no peat, no <pesticides>.',
  },
  {
    id: 'advice',
    icon: '💬',
    title: 'Free advice',
    text: "Ask us anything: \"Why won't my fern grow?\" — we'll answer.",
  },
  {
    id: 'delivery',
    icon: '🚲',
    title: 'Bike delivery',
    text: 'Orders over 40 € arrive by cargo bike, in Zürich & Köln.',
  },
  {
    id: 'workshops',
    icon: '👩🏽‍🌾',
    title: 'Workshops',
    text: 'Bonsai (盆栽), ikebana (生け花) and composting for beginners.',
  },
]

export const products = [
  { sku: 'A-100', name: 'Monstera deliciosa', price: 2490, stock: 12, tags: ['indoor', 'large'] },
  { sku: 'A-101', name: 'Ficus "Audrey"', price: 3450, stock: 0, tags: ['indoor'] },
  { sku: 'B-200', name: 'Tomato seeds <Cherry>', price: 350, stock: 140, tags: ['seeds', 'vegetable'] },
  { sku: 'B-201', name: 'Basil & thyme duo', price: 590, stock: 37, tags: ['herbs'] },
  { sku: 'C-300', name: 'Terracotta pot Ø 18 cm', price: 1275, stock: 8, tags: ['pots'] },
  { sku: 'C-301', name: "Gardener's gloves (M)", price: 1599, stock: 3, tags: ['tools'] },
  { sku: 'D-400', name: 'Sakura 桜 bonsai 🌸', price: 8900, stock: 1, tags: ['bonsai', 'outdoor'] },
  { sku: 'D-401', name: 'Cactus trio 🌵🌵🌵', price: 1890, stock: 22, tags: ['indoor', 'small'] },
]

export const team = [
  { name: 'Jürgen Müller', role: 'Founder', since: 1987, quote: 'Plants don\'t lie: "water < love".' },
  { name: 'Zoë Dubois-Nakamura', role: 'Head gardener', since: 2009, quote: 'Mulch > everything & always.' },
  { name: 'Øystein Ærø', role: 'Workshops', since: 2016, quote: 'Patience is a <tool>, too. 🧘' },
  { name: 'Siobhán Ní Bhriain', role: 'Delivery', since: 2021, quote: 'Rain or shine 🌧️☀️ — the bike goes.' },
]

export const milestones = [
  { year: 1987, text: 'Opened as a market stall (3 m²).' },
  { year: 1999, text: 'First greenhouse; "Glashaus" & café.' },
  { year: 2012, text: 'Went peat-free — 100 % of our soil.' },
  { year: 2024, text: 'Cargo bikes replace the last van 🚲.' },
]
